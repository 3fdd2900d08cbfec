"""The "Who works in this area" page, as a manager uses it."""

import pytest

from advisers import services
from advisers.models import ADVISER_CASELOAD_CAP
from advisers.roles import Role
from tests.factories import AreaFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_community_worker_history_and_how_full_each_caseload_is(
    hendon, adviser, community_worker, manager
):
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/people/").text
    assert "No community worker yet." not in page
    assert "Callum Worker, 2 days a month, from" in page
    assert "Asha Adviser (1 of 10 areas)" in page
    assert "Callum Worker (1 of 5 areas)" in page


def test_each_forms_labels_point_at_its_own_fields(hendon, manager):
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/people/").text
    for field in ("on", "reason"):
        assert page.count(f'id="adviser_{field}"') == 1
        assert page.count(f'id="worker_{field}"') == 1
        assert f'for="adviser_{field}"' in page
        assert f'for="worker_{field}"' in page
    assert 'id="move_on"' not in page


def test_when_every_other_adviser_is_full_the_page_says_so(hendon, adviser, manager):
    other = UserFactory(role=Role.ADVISER, full_name="Full Adviser")
    for _ in range(ADVISER_CASELOAD_CAP):
        services.area_assign_adviser(area=AreaFactory(), adviser=other, by=None)
    for _ in range(ADVISER_CASELOAD_CAP - 1):
        services.area_assign_adviser(area=AreaFactory(), adviser=adviser, by=None)
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/people/").text
    assert "No other adviser has room: each has 10 areas." in page
    assert "Full Adviser (10 of 10 areas)" in page
