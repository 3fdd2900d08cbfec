"""The residents' data pages take a phone number as the help form does: a
resident who gave one from abroad can be found by it, and their other
details corrected without it being refused; what the help form refuses,
a correction refuses too."""

import pytest

from casework.models import DataRequest
from nfc.validators import PHONE_MESSAGE
from tests.factories import SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

FIND = "/staff/casework/residents/"
ABROAD = "+33 1 23 45 67 89"


@pytest.fixture
def amelie(hendon):
    return SupportRequestFactory(
        area=hendon, name="Amélie Roux", email="amelie@example.org", phone=ABROAD
    )


def correction(**changes) -> dict:
    return {
        "name": "Amélie Roux",
        "email": "amelie@example.org",
        "phone": ABROAD,
        "contact_by": "email",
        "postcode": "",
        **changes,
    }


def correct_url(support_request) -> str:
    return f"/staff/casework/requests/{support_request.reference}/correct/"


def test_a_resident_is_found_by_a_phone_number_from_abroad(amelie, manager):
    page = client_for(manager).get(FIND, {"phone": "+33 (1) 23-45-67-89"}).text
    assert "There is a problem" not in page
    assert amelie.reference in page


def test_a_name_is_corrected_when_the_phone_number_is_from_abroad(amelie, manager):
    response = client_for(manager).post(correct_url(amelie), correction(name="Amélie Roussel"))
    assert response.status_code == 302
    amelie.refresh_from_db()
    assert (amelie.name, amelie.phone) == ("Amélie Roussel", ABROAD)


@pytest.mark.parametrize(
    "phone",
    [
        "０１９１ ４９６ ０１２３",  # full-width digits
        "0" * 25,  # no phone number is that long
        "01914960123 ext 2",
    ],
)
def test_a_correction_refuses_a_phone_number_the_help_form_refuses(amelie, manager, phone):
    response = client_for(manager).post(correct_url(amelie), correction(phone=phone))
    assert response.status_code == 200
    assert PHONE_MESSAGE in response.text
    amelie.refresh_from_db()
    assert amelie.phone == ABROAD
    assert not DataRequest.objects.exists()
