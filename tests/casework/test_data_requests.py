"""Residents' requests about their data, answered by a manager: find their
requests, download what we hold, correct their details, erase them; each
recorded, and nobody outside the manager's scope reached."""

import csv
import datetime
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advisers.models import Role
from areas.models import Region
from casework import data_requests, follow_links, services
from casework.data_requests import ERASED
from casework.models import (
    Action,
    AuditEntry,
    DataRequest,
    Interaction,
    Partner,
    Referral,
    ResidentMessage,
    StatusChange,
    SupportRequest,
)
from casework.referrals import referral_request
from casework.retention import support_requests_remove_old_details
from tests.factories import SupportRequestFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

FIND = "/staff/casework/residents/"
EXPORT = "/staff/casework/residents/export/"
ERASE = "/staff/casework/residents/erase/"

# What the resident told us, each a string the tests look for afterwards.
NAME = "Priya Quayside"
EMAIL = "Priya.Q@example.org"
PHONE = "0191 496 0123"
WORDS = "My landlord ignores the damp in the community flat"
MESSAGE = "Priya again: we now meet on Tuesdays"
STAFF_NOTE = "Priya told me her son is unwell"
PERSONAL = (NAME, EMAIL, EMAIL.lower(), PHONE, "SR2 8AA", WORDS, MESSAGE, STAFF_NOTE)


def correct_url(support_request) -> str:
    return f"/staff/casework/requests/{support_request.reference}/correct/"


@pytest.fixture
def priya(hendon, adviser):
    """Priya's request in Hendon, with everything the portal keeps about a
    request: her link and a message, a step with a note, an interaction, an
    action and a referral that staff wrote about her."""
    support_request = SupportRequestFactory(
        area=hendon,
        name=NAME,
        email=EMAIL,
        phone=PHONE,
        postcode="SR2 8AA",
        description=WORDS,
    )
    follow_links.follow_link_issue(support_request=support_request)
    services.resident_message_add(support_request=support_request, text=MESSAGE)
    services.support_request_move(
        support_request=support_request,
        to_status="acknowledged",
        by=adviser,
        note=f"{STAFF_NOTE} (step)",
    )
    services.interaction_log(
        area=hendon,
        by=adviser,
        support_request=support_request,
        date=timezone.localdate(),
        kind="call",
        residents=1,
        minutes=30,
        notes=STAFF_NOTE,
        next_steps="Ring Priya on Friday",
    )
    services.action_add(
        area=hendon,
        owner=adviser,
        by=adviser,
        support_request=support_request,
        description="Send Priya the damp guide",
        due_on=timezone.localdate(),
    )
    partner = Partner.objects.create(name="Housing Help", expertise=["legal"])
    referral_request(
        area=hendon,
        partner=partner,
        help_asked="Priya needs tenancy advice",
        by=adviser,
        support_request=support_request,
    )
    return support_request


@pytest.fixture
def regional_lead(db):
    """A manager who leads another region than Hendon's."""
    return UserFactory(role=Role.MANAGER, region=Region.SOUTH_WEST, full_name="Rhys Lead")


# --- Finding -----------------------------------------------------------------


def test_a_phone_number_is_found_however_it_was_written(priya, manager):
    for typed in ("0191 4960123", "+44 (0)191 496-0123", "+44 191 496 0123", "(0191) 496 0123"):
        found = data_requests.resident_requests_find(user=manager, phone=typed)
        assert list(found) == [priya], typed


def test_an_email_address_is_found_in_any_case_and_a_reference_however_typed(priya, manager):
    assert list(data_requests.resident_requests_find(user=manager, email=EMAIL.upper())) == [priya]
    typed = priya.reference.lower().replace("-", " ").replace("0", "o")
    assert data_requests.normalise_reference(typed) == priya.reference
    page = client_for(manager).get(FIND, {"reference": typed}).text
    assert priya.reference in page
    assert NAME in page


def test_every_request_with_any_of_the_details_is_listed_and_no_other(priya, hendon, manager):
    by_phone = SupportRequestFactory(
        area=hendon, email="", phone="0191-496-0123", contact_by="phone"
    )
    other = SupportRequestFactory(area=hendon, email="someone.else@example.org")
    page = client_for(manager).get(FIND, {"email": EMAIL, "phone": PHONE}).text
    assert priya.reference in page
    assert by_phone.reference in page
    assert other.reference not in page
    assert "Requests found (2)" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({}, None),
        (
            {"email": "", "phone": "", "reference": ""},
            "Give their e-mail address, their phone number or a request&#x27;s reference.",
        ),
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"phone": "ring me"}, "Enter a phone number in digits"),
        ({"reference": "NFC-123"}, "A reference looks like NFC-7KQ4-2M9D."),
    ],
)
def test_the_search_says_what_is_wrong_and_keeps_what_was_typed(priya, manager, typed, message):
    response = client_for(manager).get(FIND, typed)
    assert response.status_code == 200
    page = response.text
    if message is None:
        # The page opened afresh is the empty form, not an error.
        assert "There is a problem" not in page
        assert "Requests found" not in page
    else:
        assert "There is a problem" in page
        assert message in page
        assert priya.reference not in page
        value = next(iter(typed.values()))
        if value:
            assert f'value="{value}"' in page


def test_the_search_page_runs_the_same_queries_however_many_requests_match(
    hendon, manager, django_assert_max_num_queries
):
    client = client_for(manager)

    def load():
        with django_assert_max_num_queries(8):
            response = client.get(FIND, {"email": EMAIL})
        assert response.status_code == 200

    SupportRequestFactory(area=hendon, email=EMAIL)
    load()
    for _ in range(15):
        SupportRequestFactory(area=hendon, email=EMAIL)
    load()


def test_a_regional_lead_cannot_reach_another_regions_resident(priya, regional_lead):
    client = client_for(regional_lead)
    page = client.get(FIND, {"email": EMAIL, "reference": priya.reference}).text
    assert "Requests found (0)" in page
    assert NAME not in page
    # A reference from elsewhere, posted by hand, is refused: no file, no record.
    response = client.post(EXPORT, {"email": EMAIL, "chosen": [priya.reference]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Choose among the records found." in response.text
    response = client.post(ERASE, {"email": EMAIL, "chosen": [priya.reference], "confirm": "yes"})
    assert "Choose among the records found." in response.text
    assert client.get(correct_url(priya)).status_code == 404
    assert not DataRequest.objects.exists()
    priya.refresh_from_db()
    assert priya.name == NAME


def test_advisers_and_community_workers_may_not_export_correct_or_erase(
    priya, adviser, community_worker
):
    for person in (adviser, community_worker):
        client = client_for(person)
        assert client.get(FIND, {"email": EMAIL}).status_code == 403
        assert client.post(EXPORT, {"email": EMAIL, "chosen": [priya.reference]}).status_code == 403
        erase = {"email": EMAIL, "chosen": [priya.reference], "confirm": "yes"}
        assert client.post(ERASE, erase).status_code == 403
        assert client.post(correct_url(priya), {"name": "X"}).status_code == 403
    priya.refresh_from_db()
    assert priya.details_removed_at is None


def test_the_residents_data_page_is_in_a_managers_menu_only(manager, adviser):
    assert f'href="{FIND}"' in client_for(manager).get("/staff/").text
    assert f'href="{FIND}"' not in client_for(adviser).get("/staff/").text


# --- Export --------------------------------------------------------------


def exported(client, *references, email=EMAIL) -> zipfile.ZipFile:
    response = client.post(EXPORT, {"email": email, "chosen": list(references)})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_holds_everything_about_the_resident(priya, hendon, manager, settings):
    settings.NFC_PRIVACY_CONTACT_EMAIL = "dpo@nfc.example"
    SupportRequestFactory(area=hendon, email=EMAIL, name="Not Priya", description="Someone else")
    archive = exported(client_for(manager), priya.reference)

    assert sorted(archive.namelist()) == [
        "progress.csv",
        "read-me-first.txt",
        "staff-notes.csv",
        "your-messages.csv",
        "your-requests.csv",
    ]
    (request_row,) = rows(archive, "your-requests.csv")
    assert request_row["Reference"] == priya.reference
    assert request_row["Your name"] == NAME
    assert request_row["E-mail"] == EMAIL
    assert request_row["Phone"] == PHONE
    assert request_row["In your words"] == WORDS
    assert request_row["Neighbourhood"] == "Hendon"
    assert request_row["Privacy notice version"] == priya.privacy_notice_version
    steps = rows(archive, "progress.csv")
    assert [(s["From"], s["To"]) for s in steps] == [("New", "Acknowledged")]
    assert steps[0]["Note"] == f"{STAFF_NOTE} (step)"
    assert [m["Message"] for m in rows(archive, "your-messages.csv")] == [MESSAGE]
    written = [n["What was written"] for n in rows(archive, "staff-notes.csv")]
    assert f"{STAFF_NOTE}\nNext steps: Ring Priya on Friday" in written
    assert "Send Priya the damp guide" in written
    assert "Priya needs tenancy advice" in written
    letter = archive.read("read-me-first.txt").decode()
    assert priya.reference in letter
    assert "dpo@nfc.example" in letter
    assert "within one month" in letter
    # Only what was chosen: the other request with her address is not hers.
    everything = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    assert "Someone else" not in everything


def test_the_export_neutralises_spreadsheet_formulas(hendon, manager):
    support_request = SupportRequestFactory(
        area=hendon, email=EMAIL, name='=HYPERLINK("http://evil.example")', description="+1+1"
    )
    (row,) = rows(exported(client_for(manager), support_request.reference), "your-requests.csv")
    assert row["Your name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["In your words"] == "'+1+1"


def test_each_export_is_recorded_without_the_data(priya, manager):
    exported(client_for(manager), priya.reference)
    record = DataRequest.objects.get()
    assert (record.kind, record.support_request, record.handled_by) == (
        "export",
        priya,
        manager,
    )
    entry = AuditEntry.objects.filter(support_request=priya).latest("pk")
    assert (entry.changed_by, entry.object_repr) == (manager, f"Subject-access export of {priya}")
    assert NAME not in json.dumps(entry.changes)


def test_an_export_with_nothing_chosen_says_so_and_keeps_the_search(priya, manager):
    response = client_for(manager).post(EXPORT, {"email": EMAIL})
    assert response.status_code == 200
    assert "Choose at least one request or registration." in response.text
    assert priya.reference in response.text
    assert not DataRequest.objects.exists()


# --- Correction ----------------------------------------------------------


def correction(**changes) -> dict:
    return {
        "name": NAME,
        "email": EMAIL,
        "phone": PHONE,
        "contact_by": "email",
        "postcode": "SR2 8AA",
        **changes,
    }


def test_a_manager_corrects_a_residents_details_with_the_change_kept(priya, manager):
    response = client_for(manager).post(
        correct_url(priya), correction(name="Priya Quay", phone="07700 900123")
    )
    assert response.status_code == 302
    priya.refresh_from_db()
    assert (priya.name, priya.phone, priya.email) == ("Priya Quay", "07700 900123", EMAIL)
    change = AuditEntry.objects.filter(support_request=priya, action="changed").latest("pk")
    assert change.changed_by == manager
    # The history keeps that the phone number changed, never the numbers
    # (casework.models.audit_withholds).
    assert change.changes == {"name": [NAME, "Priya Quay"], "phone": [True, True]}
    assert DataRequest.objects.get().kind == "correction"
    # Her link still works: it went to the address she still has.
    assert priya.follow_link_works


def test_a_new_email_address_stops_the_link_that_went_to_the_old_one(priya, manager):
    response = client_for(manager).post(
        correct_url(priya), correction(email="priya@home.example"), follow=True
    )
    assert "no longer works" in response.text
    priya.refresh_from_db()
    assert priya.email == "priya@home.example"
    assert not priya.follow_link_works


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "Enter their name."),
        ({"email": "priya at home"}, "Enter a valid email address."),
        ({"email": "", "phone": ""}, "Give an e-mail address or a phone number"),
        ({"email": "", "contact_by": "email"}, "They want an e-mail"),
        ({"phone": "call me", "contact_by": "phone"}, "Enter a phone number, like 0191 498 0000"),
        ({"postcode": "SR2"}, "Enter a full postcode"),
        ({"contact_by": "pigeon"}, "Select a valid choice."),
    ],
)
def test_a_bad_correction_says_why_and_changes_nothing(priya, manager, changes, message):
    response = client_for(manager).post(correct_url(priya), correction(**changes))
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    priya.refresh_from_db()
    assert (priya.name, priya.email, priya.phone, priya.postcode) == (
        NAME,
        EMAIL,
        PHONE,
        "SR2 8AA",
    )
    assert not DataRequest.objects.exists()
    # What was typed is still there to fix.
    for name, value in changes.items():
        if value.strip() and name != "contact_by":
            assert f'value="{value}"' in response.text


# --- Erasure -------------------------------------------------------------


def test_erasing_asks_first_saying_what_goes_and_what_stays(priya, manager):
    response = client_for(manager).post(ERASE, {"email": EMAIL, "chosen": [priya.reference]})
    page = response.text
    assert "Erase the resident" in page
    assert "1 message they sent" in page
    assert "the notes of 1 interaction" in page
    assert "1 of them is still open" in page
    assert "What stays" in page
    priya.refresh_from_db()
    assert priya.details_removed_at is None
    assert not DataRequest.objects.exists()


def test_erasure_leaves_nothing_personal_in_the_database(priya, hendon, manager):
    other = SupportRequestFactory(area=hendon, name="Sam Neighbour", email="sam@example.org")
    data_requests.support_request_correct(
        support_request=priya, by=manager, name=NAME, email=EMAIL, phone="0191 496 0999"
    )
    # Staff looked her up: the audit keeps what they typed.
    searcher = client_for(manager)
    for typed in (f"{NAME} damp", EMAIL.lower(), "community garden"):
        searcher.get("/staff/casework/search/", {"q": typed})
    response = client_for(manager).post(
        ERASE, {"email": EMAIL, "chosen": [priya.reference], "confirm": "yes"}, follow=True
    )
    assert "Erased the resident&#x27;s details from 1 request" in response.text

    everything = serializers.serialize("json", _every_row())
    for text in (*PERSONAL, "0191 496 0999", "Ring Priya", "damp guide", "tenancy advice"):
        assert text not in everything, text
    assert "Sam Neighbour" in everything  # someone else's request is untouched
    # Who searched stays; what they typed goes, unless it did not name her.
    searches = AuditEntry.objects.filter(action=AuditEntry.Action.SEARCHED)
    assert searches.count() == 3
    assert sorted(entry.changes["search"][0] for entry in searches) == [
        ERASED,
        ERASED,
        "community garden",
    ]

    priya.refresh_from_db()
    assert priya.status == SupportRequest.Status.CLOSED
    assert priya.details_removed_at is not None
    assert not priya.follow_link_works
    assert not ResidentMessage.objects.filter(support_request=priya).exists()
    # The facts stay, for the figures.
    assert (priya.area, priya.topic, priya.reference) == (hendon, "people", priya.reference)
    interaction = Interaction.objects.get(support_request=priya)
    assert (interaction.residents, interaction.minutes, interaction.kind) == (1, 30, "call")
    assert Action.objects.filter(support_request=priya).count() == 1
    assert Referral.objects.get(support_request=priya).partner.name == "Housing Help"
    assert StatusChange.objects.filter(support_request=priya, to_status="closed").exists()
    other.refresh_from_db()
    assert other.email == "sam@example.org"


def _every_row():
    """Every row of the portal's own tables, as the serializer sees them."""
    for model in apps.get_models():
        if model._meta.app_label in {"casework", "advisers", "areas", "events"}:
            yield from model.objects.all()


def test_each_erasure_is_recorded_without_what_it_removed(priya, manager):
    client_for(manager).post(ERASE, {"email": EMAIL, "chosen": [priya.reference], "confirm": "yes"})
    record = DataRequest.objects.get()
    assert (record.kind, record.handled_by) == ("erasure", manager)
    entries = AuditEntry.objects.filter(support_request=priya, changed_by=manager)
    assert {entry.object_repr for entry in entries} == {
        priya.reference,
        f"Erasure of {priya.reference}",
    }
    removal = entries.get(changes__has_key="details_removed_at")
    assert removal.changes["details_removed_at"][0] is None


def test_erasing_twice_erases_nothing_more(priya, manager):
    client = client_for(manager)
    erase = {"reference": priya.reference, "chosen": [priya.reference], "confirm": "yes"}
    client.post(ERASE, erase)
    response = client.post(ERASE, erase, follow=True)
    assert "were removed already" in response.text
    assert DataRequest.objects.filter(kind="erasure").count() == 1


def test_an_erasure_with_nothing_chosen_erases_nothing(priya, manager):
    response = client_for(manager).post(ERASE, {"email": EMAIL, "confirm": "yes"})
    assert response.status_code == 200
    assert "Choose at least one request or registration." in response.text
    priya.refresh_from_db()
    assert priya.details_removed_at is None


def test_retention_removes_a_corrections_old_and_new_details_from_the_audit(
    priya, manager, settings
):
    data_requests.support_request_correct(
        support_request=priya, by=manager, name="Priya Quay", email=EMAIL, phone=PHONE
    )
    SupportRequest.objects.filter(pk=priya.pk).update(status="closed")
    StatusChange.objects.filter(support_request=priya).update(
        changed_at=timezone.now() - datetime.timedelta(days=settings.NFC_RETENTION_DAYS + 1)
    )
    assert support_requests_remove_old_details() == 1
    entries = json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert NAME not in entries
    assert "Priya Quay" not in entries


def test_a_correction_that_leaves_no_way_to_reply_is_refused_by_the_service(priya, manager):
    with pytest.raises(ValidationError):
        data_requests.support_request_correct(support_request=priya, by=manager, email="", phone="")
    priya.refresh_from_db()
    assert priya.email == EMAIL


def test_the_export_reads_in_the_same_queries_however_many_requests_it_holds(
    hendon, adviser, manager
):
    client = client_for(manager)

    def reads_to_export_all() -> int:
        references = list(
            SupportRequest.objects.filter(email=EMAIL).values_list("reference", flat=True)
        )
        with CaptureQueriesContext(connection) as queries:
            exported(client, *references)
        # Each request's export is recorded (two inserts); the reads stay put.
        return sum(1 for query in queries if query["sql"].startswith("SELECT"))

    def another():
        support_request = SupportRequestFactory(area=hendon, email=EMAIL)
        services.support_request_move(
            support_request=support_request, to_status="acknowledged", by=adviser
        )

    another()
    reads_to_export_all()  # the first also looks up content types for the audit
    once = reads_to_export_all()
    for _ in range(5):
        another()
    assert reads_to_export_all() == once
