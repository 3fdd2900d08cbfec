"""An area fetched through a person's scope from SQL compiled once a
process (areas.selectors.visible_area): the same area, partnership and 404s
as get_object_or_404(Area.objects.visible_to(person), ...) gave."""

import pytest
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.test.utils import CaptureQueriesContext

from advisers import services as staff_services
from advisers.roles import Role
from areas.models import Area, Partnership, Region
from areas.selectors import visible_area
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db


def _as_the_orm_gives(user, ward_code, *, partnership):
    areas = Area.objects.visible_to(user)
    if partnership:
        areas = areas.select_related("partnership")
    return get_object_or_404(areas, ward_code=ward_code)


def _fields(area):
    return {f.attname: getattr(area, f.attname) for f in Area._meta.concrete_fields}


def _partnership(area):
    found = getattr(area, "partnership", None)
    if found is None:
        return None
    return {f.attname: getattr(found, f.attname) for f in Partnership._meta.concrete_fields}


def _same_or_404(user, ward_code):
    for partnership in (False, True):
        try:
            expected = _as_the_orm_gives(user, ward_code, partnership=partnership)
        except Http404:
            with pytest.raises(Http404):
                visible_area(user, ward_code, partnership=partnership)
            continue
        with CaptureQueriesContext(connection) as queries:
            got = visible_area(user, ward_code, partnership=partnership)
            assert _fields(got) == _fields(expected)
            if partnership:
                # Read with the area, as select_related did: no query more.
                assert _partnership(got) == _partnership(expected)
        assert len(queries) == 1
        assert got._state.adding is False
        assert got._state.db == "default"
        if partnership and _partnership(got):
            assert got.partnership.area is got


def test_each_scope_fetches_the_same_area_or_404_as_the_orm(adviser, community_worker):
    north = AreaFactory(region=Region.NORTH_EAST, notes="Typed <b>notes</b> & more")
    london = AreaFactory(region=Region.LONDON)
    outside = AreaFactory(region=Region.LONDON, programme=False)
    Partnership.objects.create(area=north, name="Hendon Together", contact_email="hi@example.org")
    staff_services.area_assign_adviser(area=north, adviser=adviser, by=None)
    staff_services.area_allocate_community_worker(area=london, worker=community_worker, by=None)
    people = [
        adviser,
        community_worker,
        UserFactory(role=Role.ADVISER),
        UserFactory(role=Role.MANAGER),
        UserFactory(role=Role.MANAGER, region=Region.NORTH_EAST),
        UserFactory(role=Role.MANAGER, region=Region.LONDON),
        UserFactory(role=Role.EVALUATOR),
        UserFactory(role=Role.ADMINISTRATOR),
        UserFactory(role=Role.MANAGER, is_active=False),
    ]
    for person in people:
        for ward_code in (north.ward_code, london.ward_code, outside.ward_code, "E05999999"):
            _same_or_404(person, ward_code)


def test_an_assignment_ended_takes_the_area_out_of_scope(adviser):
    area = AreaFactory()
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    assert visible_area(adviser, area.ward_code) == area
    staff_services.area_assign_adviser(area=area, adviser=UserFactory(), by=None)
    with pytest.raises(Http404):
        visible_area(adviser, area.ward_code)
    _same_or_404(adviser, area.ward_code)
