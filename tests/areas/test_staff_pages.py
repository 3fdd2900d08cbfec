"""The staff area pages: who sees what, the forms, the CSV and the query counts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from advisers import services
from advisers.models import AdviserAssignment, Role, TimeRecord
from advisers.permissions import has_perm
from areas import links
from areas.models import AreaType, FundingBid, LocalContact, Partnership, Stage, StageChange
from casework import referrals
from casework.models import Action, Interaction, Partner
from casework.services import interaction_log
from events.models import Connection
from nfc.periods import add_months
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory
from tests.support import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.hendon(programme=Stage.YEAR_ZERO)]


@pytest.fixture
def area(hendon):
    """Hendon, in the programme: Asha is its adviser, Callum its community worker."""
    Partnership.objects.create(
        area=hendon, name="Hendon Together", contact_email="chair@hendon.example"
    )
    LocalContact.objects.create(
        area=hendon, name="Cllr Pat Jones", kind=LocalContact.Kind.COUNCILLOR
    )
    return hendon


# Who may open each page is the permission matrix's (tests/test_permission_matrix.py);
# what is left here is scope: an adviser of other areas may use the area pages,
# but Hendon is outside their scope, so it does not exist for them.


def test_an_outsider_opens_the_area_list_but_no_page_of_an_area_not_theirs(area, outsider):
    client = client_for(outsider)
    assert client.get("/staff/areas/").status_code == 200
    assert client.get("/staff/areas/E05001158/").status_code == 404
    # The managers' pages stay closed to them, as to every adviser.
    assert client.get("/staff/areas/export.csv").status_code == 403
    assert client.get("/staff/areas/E05001158/people/").status_code == 403


def test_an_adviser_sees_only_their_caseload_in_the_list_and_nothing_else(area, adviser, outsider):
    elsewhere = AreaFactory(name="Elsewhere")
    mine = client_for(adviser).get("/staff/areas/")
    assert "Hendon" in mine.text
    assert "Elsewhere" not in mine.text
    theirs = client_for(outsider).get("/staff/areas/")
    assert "Hendon" not in theirs.text
    assert client_for(outsider).get(f"/staff/areas/{area.ward_code}/").status_code == 404
    assert client_for(adviser).get(f"/staff/areas/{elsewhere.ward_code}/").status_code == 404


def test_an_evaluator_sees_the_facts_but_never_the_contacts(area, evaluator, adviser):
    page = client_for(evaluator).get(f"/staff/areas/{area.ward_code}/")
    assert "Hendon" in page.text
    assert "chair@hendon.example" not in page.text
    assert "Cllr Pat Jones" not in page.text
    assert "chair@hendon.example" in client_for(adviser).get(f"/staff/areas/{area.ward_code}/").text


def test_the_area_page_shows_its_people_stage_timeline_and_time(area, adviser):
    TimeRecord.objects.create(
        person=adviser,
        role=adviser.role,
        area=area,
        date=timezone.localdate(),
        hours=Decimal("7.5"),
    )
    client = client_for(adviser)
    page = client.get(f"/staff/areas/{area.ward_code}/").text
    assert "Named adviser: <strong>Asha Adviser</strong>" in page
    assert "Year Zero (planning)" in page
    assert "Outreach" in page
    # The time given is a click away, on the area's "Time and funding".
    assert f'href="/staff/areas/{area.ward_code}/time/">Time and funding</a>' in page
    page = client.get(f"/staff/areas/{area.ward_code}/time/").text
    assert "<td>1</td>" in page


def test_the_list_filters_by_stage_and_searches_by_ward_code(area, manager):
    AreaFactory(name="Somewhere Else")
    by_stage = client_for(manager).get("/staff/areas/", {"stage": Stage.YEAR_ZERO})
    assert "Hendon" in by_stage.text
    assert "Somewhere Else" not in by_stage.text
    by_code = client_for(manager).get("/staff/areas/", {"q": "e05001158"})
    assert "Hendon" in by_code.text
    assert "Somewhere Else" not in by_code.text


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_the_csv_export_neutralises_formulas(area, manager, start):
    AreaFactory(name=f'{start}HYPERLINK("http://evil.example")', ward_code="E05000001")
    response = client_for(manager).get("/staff/areas/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = {row[1] for row in rows[1:]}
    assert f'\'{start}HYPERLINK("http://evil.example")' in names
    assert "Hendon" in names
    assert rows[0][0] == "ward_code"


def test_an_exported_file_imports_back_unchanged(area, manager, tmp_path):
    response = client_for(manager).get("/staff/areas/export.csv")
    exported = tmp_path / "areas.csv"
    exported.write_bytes(response.content)
    out = io.StringIO()
    call_command("import_areas", str(exported), stdout=out)
    assert "0 created, 0 updated, 1 unchanged" in out.getvalue()


def test_the_export_query_count_stays_flat(manager, django_assert_max_num_queries):
    client = client_for(manager)

    def download():
        with django_assert_max_num_queries(8):
            assert client.get("/staff/areas/export.csv").status_code == 200

    # As a running server has it: the audit's content types looked up once.
    client.get("/staff/areas/export.csv")
    download()
    for _ in range(20):
        AreaFactory()
    download()


def test_the_list_query_count_stays_flat_as_areas_grow(manager, django_assert_max_num_queries):
    client = client_for(manager)

    def load():
        with django_assert_max_num_queries(12):
            assert client.get("/staff/areas/").status_code == 200

    advisers = [UserFactory(role=Role.ADVISER) for _ in range(4)]
    for n in range(5):
        services.area_assign_adviser(area=AreaFactory(), adviser=advisers[n % 4], by=None)
    load()
    for n in range(25):
        services.area_assign_adviser(area=AreaFactory(), adviser=advisers[n % 4], by=None)
    load()


def test_the_area_page_query_count_stays_flat_as_time_records_grow(
    area, adviser, django_assert_max_num_queries
):
    client = client_for(adviser)

    def load():
        # The area's own parts (whether the adviser holds it asked once,
        # not once for each permission; its advisers, worker, stages, types
        # and contacts in one), and 1 for its early warning (its figures,
        # time given by month and outcome records owed, together); the
        # longer history is on the pages a click away (below).
        with django_assert_max_num_queries(11):
            assert client.get(f"/staff/areas/{area.ward_code}/").status_code == 200

    load()
    TimeRecord.objects.bulk_create(
        TimeRecord(person=adviser, role=adviser.role, area=area, date=timezone.localdate(), hours=1)
        for _ in range(60)
    )
    load()


@pytest.mark.parametrize(
    ("page", "most"),
    [
        # Residents reached by month, the referrals.
        ("casework", 12),
        # Who came to events (1); the network's panel: the area's
        # connections, its links at events, and peers to introduce (7).
        ("events", 18),
        # The funding and the time records, each with whether it may be removed.
        ("time", 14),
        # The outcome records and whether this person may record them.
        ("outcomes", 12),
    ],
)
def test_each_page_of_an_area_reads_the_same_queries_as_its_history_grows(
    area, adviser, community_worker, page, most, django_assert_max_num_queries
):
    client = client_for(adviser)

    def load():
        with django_assert_max_num_queries(most):
            assert client.get(f"/staff/areas/{area.ward_code}/{page}/").status_code == 200

    load()
    day = timezone.localdate()
    for person in (adviser, community_worker):
        TimeRecord.objects.bulk_create(
            TimeRecord(person=person, role=person.role, area=area, date=day, hours=1)
            for _ in range(30)
        )
    partner = Partner.objects.create(name="Planning Aid", email="help@planningaid.example")
    for month in range(5):
        FundingBid.objects.create(
            area=area, stream=FundingBid.Stream.LOTTERY, amount_sought=Decimal("5000")
        )
        interaction_log(
            area=area, by=adviser, date=add_months(day, -month), kind="meeting", residents=2
        )
        referrals.referral_request(
            area=area, partner=partner, help_asked="Advice", by=adviser, requested_on=day
        )
        Connection.objects.create(
            area_a=area,
            area_b=AreaFactory(),
            topic="funding",
            origin=Connection.Origin.VISIT,
            made_on=day,
            recorded_by=adviser,
        )
        RegistrationFactory(event=EventFactory(), area=area, checked_in_at=timezone.now())
    load()


# --- Recording time -----------------------------------------------------


def test_a_community_worker_records_a_day_in_one_step(area, community_worker):
    response = client_for(community_worker).post(
        "/staff/time/",
        {
            "area": area.pk,
            "date": timezone.localdate(),
            "amount": "1",
            "unit": "days",
            "kind": "visit",
        },
    )
    assert response.status_code == 302
    record = TimeRecord.objects.get()
    assert (record.person, record.area, record.hours) == (community_worker, area, Decimal("7.50"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"area": ""}, "This field is required."),
        ({"amount": "-1"}, "How long: Enter at least 0.1 (a tenth of a day or an hour)."),
        ({"amount": ""}, "How long: Enter how long you gave, in days or hours."),
        ({"amount": "lots"}, "How long: Enter how long as a number, like 1 or 0.5."),
        ({"amount": "99", "unit": "hours"}, "How long: That is more than 24 hours in one day"),
        ({"amount": "25", "unit": "days"}, "How long: That is more than 24 hours in one day"),
        ({"amount": "1.125"}, "at most two decimal places"),
        ({"amount": "4", "unit": "days"}, "more than 24 hours"),
        ({"date": "2999-01-01"}, "cannot be in the future"),
        ({"date": ""}, "Date: Enter the day you gave the time."),
        ({"date": "31/02/2026"}, "Date: Enter a real date, like 2026-03-27."),
        ({"kind": "party"}, "Select a valid choice."),
    ],
)
def test_bad_time_is_refused_with_a_message_and_what_was_typed_is_kept(
    area, adviser, change, message
):
    data = {
        "area": area.pk,
        "date": timezone.localdate(),
        "amount": "1",
        "unit": "days",
        "kind": "visit",
        "note": "Met the chair",
    }
    data.update(change)
    response = client_for(adviser).post("/staff/time/", data)
    assert response.status_code == 200
    assert message in response.text
    assert "Met the chair" in response.text
    assert not TimeRecord.objects.exists()
    assert '<a href="/staff/">Back without recording the time</a>' in response.text


@pytest.mark.parametrize("amount", ["25", "100", "9999"])
def test_too_long_a_time_is_refused_once(area, adviser, amount):
    response = client_for(adviser).post(
        "/staff/time/",
        {"area": area.pk, "date": timezone.localdate(), "amount": amount, "unit": "hours"},
    )
    assert response.status_code == 200
    # Once in the summary, once beside the field.
    assert response.text.count("more than 24 hours in one day") == 2


def test_a_refused_time_form_leads_back_to_the_page_it_was_sent_from(area, adviser):
    response = client_for(adviser).post(
        "/staff/time/",
        {"area": area.pk, "amount": "", "next": f"/staff/areas/{area.ward_code}/"},
    )
    assert response.status_code == 200
    assert (
        f'<a href="/staff/areas/{area.ward_code}/">Back without recording the time</a>'
        in response.text
    )


def test_nobody_records_time_in_an_area_that_is_not_theirs(area, outsider):
    response = client_for(outsider).post(
        "/staff/time/",
        {
            "area": area.pk,
            "date": timezone.localdate(),
            "amount": "1",
            "unit": "days",
            "kind": "visit",
        },
    )
    assert response.status_code == 200
    assert not TimeRecord.objects.exists()


# --- Stage and people ---------------------------------------------------


def test_the_adviser_moves_their_area_to_the_next_stage(area, adviser):
    response = client_for(adviser).post(
        f"/staff/areas/{area.ward_code}/stage/",
        {"stage": Stage.PLAN_AGREED, "on": timezone.localdate()},
    )
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.stage == Stage.PLAN_AGREED
    assert area.stage_changes.first().recorded_by == adviser


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stage": "finished", "on": "2026-07-01"}, "Select a valid choice."),
        # The stage it is at is not among the choices (the service refuses it too).
        ({"stage": Stage.YEAR_ZERO, "on": "2026-07-01"}, "Select a valid choice."),
        ({"stage": "", "on": "2026-07-01"}, "Choose the stage to move it to."),
        ({"stage": Stage.PLAN_AGREED, "on": "2020-01-01"}, "cannot be before the last change"),
    ],
)
def test_a_bad_stage_change_is_refused_and_nothing_changes(area, adviser, data, message):
    before = StageChange.objects.count()
    response = client_for(adviser).post(f"/staff/areas/{area.ward_code}/stage/", data)
    assert response.status_code == 200
    assert message in response.text
    assert StageChange.objects.count() == before


def test_an_outsider_cannot_change_the_stage_of_an_area_not_theirs(area, outsider):
    response = client_for(outsider).post(
        f"/staff/areas/{area.ward_code}/stage/",
        {"stage": Stage.PLAN_AGREED, "on": timezone.localdate()},
    )
    assert response.status_code == 404
    area.refresh_from_db()
    assert area.stage == Stage.YEAR_ZERO


def test_a_manager_reassigns_an_area_with_a_reason(area, manager, outsider):
    response = client_for(manager).post(
        f"/staff/areas/{area.ward_code}/people/",
        {
            "assign_adviser": "",
            "adviser": outsider.pk,
            "on": timezone.localdate(),
            "reason": "Closer to home",
        },
    )
    assert response.status_code == 302
    assert AdviserAssignment.objects.current().get(area=area).adviser == outsider


def test_the_form_refuses_an_eleventh_area_and_names_the_adviser(area, manager):
    full = UserFactory(role=Role.ADVISER, full_name="Fay Full")
    for _ in range(10):
        services.area_assign_adviser(area=AreaFactory(), adviser=full, by=None)
    response = client_for(manager).post(
        f"/staff/areas/{area.ward_code}/people/",
        {"assign_adviser": "", "adviser": full.pk, "on": timezone.localdate(), "reason": "Test"},
    )
    assert response.status_code == 200
    assert "Fay Full already has 10 areas" in response.text
    assert AdviserAssignment.objects.current().get(area=area).adviser.full_name == "Asha Adviser"


def test_the_people_page_suggests_an_adviser(area, manager):
    other = AreaFactory(region=area.region)
    page = client_for(manager).get(f"/staff/areas/{other.ward_code}/people/")
    assert "Suggested: <strong>Asha Adviser</strong>" in page.text


def test_a_bad_community_worker_allocation_is_refused(area, manager, community_worker):
    response = client_for(manager).post(
        f"/staff/areas/{area.ward_code}/people/",
        {
            "allocate_worker": "",
            "worker": community_worker.pk,
            "days_per_month": "0",
            "on": timezone.localdate(),
        },
    )
    assert response.status_code == 200
    assert "greater than or equal to 0.5" in response.text


# --- Home pages ---------------------------------------------------------


def test_the_advisers_home_is_their_caseload(area, adviser):
    TimeRecord.objects.create(
        person=adviser,
        role=adviser.role,
        area=area,
        date=timezone.localdate(),
        hours=Decimal("11.25"),
    )
    page = client_for(adviser).get("/staff/").text
    assert "My caseload" in page
    assert "1.5 of 2" in page


def test_the_community_workers_home_shows_their_days_against_their_allocation(
    area, community_worker
):
    page = client_for(community_worker).get("/staff/").text
    assert "My areas" in page
    assert "0 of 2" in page
    assert "Record a day" in page


def test_the_caseload_home_query_count_stays_flat(adviser, django_assert_max_num_queries):
    client = client_for(adviser)

    def load():
        # The session and user; the caseload (read once for the page, its
        # panels and the time form), the overdue actions, who came to events
        # from the areas and the outcome records the areas owe; the areas
        # the adviser holds, asked once however many people asked to be
        # contacted; and the session's new expiry saved (three).
        with django_assert_max_num_queries(10):
            assert client.get("/staff/").status_code == 200

    def grow(area):
        TimeRecord.objects.bulk_create(
            TimeRecord(
                person=adviser, role=adviser.role, area=area, date=timezone.localdate(), hours=1
            )
            for _ in range(10)
        )
        Action.objects.create(
            area=area, description="Ring the chair", owner=adviser, due_on=yesterday
        )
        event = EventFactory(
            published=True,
            starts_at=timezone.now() - datetime.timedelta(days=3),
            ends_at=timezone.now() - datetime.timedelta(days=2),
            registration_closes_at=timezone.now() - datetime.timedelta(days=4),
        )
        for _ in range(3):
            RegistrationFactory(
                event=event,
                area=area,
                checked_in_at=event.starts_at,
                follow_up_consented_at=event.starts_at,
            )

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    areas = [AreaFactory() for _ in range(10)]
    services.area_assign_adviser(area=areas[0], adviser=adviser, by=None)
    grow(areas[0])
    load()
    for area in areas[1:]:
        services.area_assign_adviser(area=area, adviser=adviser, by=None)
        grow(area)
    page = client.get("/staff/").text
    assert page.count("<strong>Ring the chair</strong>") == 10
    assert page.count("They asked to be contacted after the event:") == 30
    load()


def test_the_home_pages_time_form_reads_the_advisers_areas_once(adviser):
    for name in ("Seaham", "Ashington", "Hendon East"):
        services.area_assign_adviser(area=AreaFactory(name=name), adviser=adviser, by=None)
    with CaptureQueriesContext(connection) as seen:
        page = client_for(adviser).get("/staff/").text
    for name in ("Seaham", "Ashington", "Hendon East"):
        assert f">{name} (" in page
    # Left to the queryset, the select counted its areas, then read them
    # twice through a cursor.
    assert not [q for q in seen.captured_queries if q["sql"].startswith("DECLARE")]
    assert not [q for q in seen.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]


# --- Partnership, contacts and funding ------------------------------------


def test_an_outsider_gets_404_for_each_edit_page_of_an_area_not_theirs(area, outsider):
    client = client_for(outsider)
    for url in (
        "/staff/areas/E05001158/partnership/",
        "/staff/areas/E05001158/contacts/add/",
        "/staff/areas/E05001158/funding/add/",
    ):
        assert client.get(url).status_code == 404, url


def test_the_adviser_records_a_funding_bid_and_updates_it(area, adviser):
    client = client_for(adviser)
    response = client.post(
        f"/staff/areas/{area.ward_code}/funding/add/",
        {
            "stream": "ukspf",
            "description": "Community hub",
            "amount_sought": "50000",
            "amount_secured": "0",
            "status": "submitted",
            "submitted_on": "2026-05-01",
        },
    )
    assert response.status_code == 302
    # Back to the page the funding is on.
    assert response["Location"] == f"/staff/areas/{area.ward_code}/time/"
    bid = area.funding_bids.get()
    client.post(
        f"/staff/areas/{area.ward_code}/funding/{bid.pk}/",
        {
            "stream": "ukspf",
            "description": "Community hub",
            "amount_sought": "50000",
            "amount_secured": "45000",
            "status": "awarded",
            "submitted_on": "2026-05-01",
            "decided_on": "2026-09-01",
        },
    )
    bid.refresh_from_db()
    assert (bid.status, bid.amount_secured) == ("awarded", Decimal(45000))
    assert "£45,000" in client.get(f"/staff/areas/{area.ward_code}/time/").text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount_sought": ""}, "This field is required."),
        ({"amount_sought": "-5"}, "greater than or equal to 0"),
        ({"amount_secured": "90000"}, "cannot be more than the amount sought"),
        ({"status": "awarded", "amount_secured": "0"}, "An award needs the amount secured"),
        ({"decided_on": "2026-01-01"}, "cannot come before the bid was submitted"),
        ({"stream": "bitcoin"}, "Select a valid choice."),
    ],
)
def test_bad_funding_is_refused_with_a_message_and_nothing_saved(area, adviser, change, message):
    data = {
        "stream": "ukspf",
        "description": "Community hub",
        "amount_sought": "50000",
        "amount_secured": "0",
        "status": "submitted",
        "submitted_on": "2026-05-01",
    }
    data.update(change)
    response = client_for(adviser).post(f"/staff/areas/{area.ward_code}/funding/add/", data)
    assert response.status_code == 200
    assert message in response.text
    assert "Community hub" in response.text
    assert not area.funding_bids.exists()


def test_the_adviser_adds_and_removes_a_local_contact(area, adviser):
    client = client_for(adviser)
    client.post(
        f"/staff/areas/{area.ward_code}/contacts/add/",
        {
            "name": "Jo Officer",
            "kind": "council_officer",
            "role": "Regeneration officer",
            "email": "jo@council.example",
        },
    )
    contact = area.contacts.get(name="Jo Officer")
    assert "jo@council.example" in client.get(f"/staff/areas/{area.ward_code}/").text
    client.post(f"/staff/areas/{area.ward_code}/contacts/{contact.pk}/remove/")
    assert not area.contacts.filter(name="Jo Officer").exists()


def test_a_contact_with_a_bad_address_is_refused(area, adviser):
    response = client_for(adviser).post(
        f"/staff/areas/{area.ward_code}/contacts/add/",
        {"name": "Jo Officer", "kind": "council_officer", "email": "not an address"},
    )
    assert "Enter a valid email address." in response.text
    assert not area.contacts.filter(name="Jo Officer").exists()


def test_an_outsider_cannot_remove_a_contact(area, outsider):
    contact = area.contacts.get()
    response = client_for(outsider).post(
        f"/staff/areas/{area.ward_code}/contacts/{contact.pk}/remove/"
    )
    assert response.status_code == 404
    assert area.contacts.filter(pk=contact.pk).exists()


def test_the_partnership_is_changed_in_place(area, adviser):
    client_for(adviser).post(
        f"/staff/areas/{area.ward_code}/partnership/",
        {
            "name": "Hendon Together CIC",
            "trusted_organisation": "Hendon Trust",
            "contact_email": "chair@hendon.example",
        },
    )
    partnership = Partnership.objects.get(area=area)
    assert (partnership.name, partnership.trusted_organisation) == (
        "Hendon Together CIC",
        "Hendon Trust",
    )


def test_a_partnership_without_a_name_is_refused(area, adviser):
    response = client_for(adviser).post(f"/staff/areas/{area.ward_code}/partnership/", {"name": ""})
    assert "This field is required." in response.text
    assert Partnership.objects.get(area=area).name == "Hendon Together"


# --- Correcting time ------------------------------------------------------


def test_people_remove_their_own_wrong_time_and_managers_anyones(
    area, adviser, community_worker, manager
):
    own = TimeRecord.objects.create(
        person=adviser, role=adviser.role, area=area, date=timezone.localdate(), hours=1
    )
    theirs = TimeRecord.objects.create(
        person=community_worker,
        role=community_worker.role,
        area=area,
        date=timezone.localdate(),
        hours=1,
    )
    assert client_for(adviser).post(f"/staff/time/{theirs.pk}/remove/").status_code == 404
    assert client_for(adviser).post(f"/staff/time/{own.pk}/remove/").status_code == 302
    assert client_for(manager).post(f"/staff/time/{theirs.pk}/remove/").status_code == 302
    assert not TimeRecord.objects.exists()


def test_an_evaluator_cannot_remove_time(area, adviser, evaluator):
    record = TimeRecord.objects.create(
        person=adviser, role=adviser.role, area=area, date=timezone.localdate(), hours=1
    )
    assert client_for(evaluator).post(f"/staff/time/{record.pk}/remove/").status_code == 404
    assert TimeRecord.objects.filter(pk=record.pk).exists()


# --- After review: notes, leaving, joining, facts and the time form's way back ---


def test_notes_are_for_the_people_who_work_there_not_for_evaluators(area, adviser, evaluator):
    area.notes = "Chair is unwell, go gently"
    area.save()
    TimeRecord.objects.create(
        person=adviser,
        role=adviser.role,
        area=area,
        date=timezone.localdate(),
        hours=1,
        note="Met Pat at home",
    )
    assert "Chair is unwell" in client_for(adviser).get(f"/staff/areas/{area.ward_code}/").text
    page = client_for(evaluator).get(f"/staff/areas/{area.ward_code}/").text
    assert "Chair is unwell" not in page
    assert "Met Pat at home" not in page


@pytest.mark.parametrize("stage", [Stage.LEAVING, Stage.LEFT])
def test_only_a_manager_takes_an_area_out_of_the_programme(area, adviser, manager, stage):
    data = {"stage": stage, "on": timezone.localdate()}
    adviser_client = client_for(adviser)
    page = adviser_client.get(f"/staff/areas/{area.ward_code}/").content.decode()
    assert f'value="{stage}"' not in page  # not offered to the adviser
    refused = adviser_client.post(f"/staff/areas/{area.ward_code}/stage/", data)
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    area.refresh_from_db()
    assert area.stage == Stage.YEAR_ZERO
    manager_page = client_for(manager).get(f"/staff/areas/{area.ward_code}/").content.decode()
    assert f'value="{stage}"' in manager_page
    assert (
        client_for(manager).post(f"/staff/areas/{area.ward_code}/stage/", data).status_code == 302
    )
    area.refresh_from_db()
    assert area.stage == stage


def test_a_manager_brings_an_area_in_and_is_asked_to_name_its_adviser(manager):
    outside = AreaFactory(programme=False)
    response = client_for(manager).post(
        f"/staff/areas/{outside.ward_code}/join/",
        {"cohort": "3", "joined_on": timezone.localdate()},
    )
    assert response.url == f"/staff/areas/{outside.ward_code}/people/"
    outside.refresh_from_db()
    assert (outside.cohort, outside.stage) == (3, Stage.OUTREACH)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cohort": "4", "joined_on": "2026-04-01"}, "Select a valid choice."),
        ({"cohort": "1", "joined_on": ""}, "This field is required."),
    ],
)
def test_a_bad_joining_is_refused(manager, data, message):
    outside = AreaFactory(programme=False)
    response = client_for(manager).post(f"/staff/areas/{outside.ward_code}/join/", data)
    assert message in response.text
    outside.refresh_from_db()
    assert outside.cohort is None


def test_an_area_already_in_the_programme_cannot_join_again(area, manager):
    response = client_for(manager).post(
        f"/staff/areas/{area.ward_code}/join/", {"cohort": "2", "joined_on": timezone.localdate()}
    )
    assert "already in the programme" in response.text
    area.refresh_from_db()
    assert area.cohort == 1


def test_the_adviser_changes_the_types_and_notes(area, adviser):
    coastal, _ = AreaType.objects.get_or_create(slug="coastal", defaults={"name": "Coastal"})
    client_for(adviser).post(
        f"/staff/areas/{area.ward_code}/facts/",
        {"types": [coastal.pk], "notes": "Meets on Tuesdays"},
    )
    area.refresh_from_db()
    assert list(area.types.all()) == [coastal]
    assert area.notes == "Meets on Tuesdays"


def test_a_bad_community_needs_rank_is_refused(area, adviser):
    response = client_for(adviser).post(
        f"/staff/areas/{area.ward_code}/facts/", {"cni_rank": "0", "notes": "Kept"}
    )
    assert "greater than or equal to 1" in response.text
    area.refresh_from_db()
    assert area.notes == ""


def test_the_list_shows_areas_waiting_for_an_adviser(area, manager):
    waiting = AreaFactory(name="Waiting Ward")
    AreaFactory(name="Outside Ward", programme=False)
    page = client_for(manager).get("/staff/areas/", {"without_adviser": "on"}).text
    assert "Waiting Ward" in page
    assert "Hendon" not in page
    assert "Outside Ward" not in page
    assert waiting.in_programme


def test_after_fixing_a_time_form_error_the_person_goes_back_where_they_were(area, adviser):
    client = client_for(adviser)
    data = {
        "area": area.pk,
        "date": timezone.localdate(),
        "amount": "4",
        "unit": "days",
        "kind": "visit",
        "next": f"/staff/areas/{area.ward_code}/",
    }
    error_page = client.post("/staff/time/", data)
    assert f'name="next" value="/staff/areas/{area.ward_code}/"' in error_page.text
    data["amount"] = "1"
    assert client.post("/staff/time/", data).url == f"/staff/areas/{area.ward_code}/"


def test_time_recorded_on_the_area_page_is_shown_with_its_note_on_the_time_page(area, adviser):
    client = client_for(adviser)
    page = client.get(f"/staff/areas/{area.ward_code}/").text
    assert f'name="next" value="/staff/areas/{area.ward_code}/time/"' in page
    answer = client.post(
        "/staff/time/",
        {
            "area": area.pk,
            "date": timezone.localdate(),
            "amount": "2",
            "unit": "hours",
            "kind": "visit",
            "note": "Met the <b>tenants'</b> group",
            "next": f"/staff/areas/{area.ward_code}/time/",
        },
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == f"/staff/areas/{area.ward_code}/time/"
    assert "Met the &lt;b&gt;tenants&#x27;&lt;/b&gt; group" in answer.text


def test_the_time_form_never_sends_people_to_its_own_address(area, adviser):
    data = {
        "area": area.pk,
        "date": timezone.localdate(),
        "amount": "1",
        "unit": "days",
        "kind": "visit",
        "next": "/staff/time/",
    }
    assert client_for(adviser).post("/staff/time/", data).url == "/staff/"


def test_closing_an_account_in_the_admin_frees_its_areas(area, adviser, admin_client_for):
    admin_client_for.post(
        f"/admin/advisers/user/{adviser.pk}/change/",
        {"full_name": adviser.full_name, "email": adviser.email, "role": adviser.role},
    )
    assert not AdviserAssignment.objects.current().filter(area=area).exists()
    assert AdviserAssignment.objects.get(area=area).ended_on == timezone.localdate()


def test_the_addresses_made_once_are_those_reverse_gives():
    remove = links.addresses("advisers:time_record_remove", 1)
    record = links.addresses("outcomes:record", 2)
    assert remove(42) == reverse("advisers:time_record_remove", args=[42])
    assert record("E05001158", "2026-q3") == reverse(
        "outcomes:record", args=["E05001158", "2026-q3"]
    )


def test_the_time_given_lists_each_day_and_removes_only_what_this_person_may(
    area, adviser, community_worker
):
    day = datetime.date(2026, 9, 3)
    own, theirs = (
        TimeRecord.objects.create(
            person=person, role=person.role, area=area, date=day, hours=Decimal("7.5")
        )
        for person in (adviser, community_worker)
    )
    page = client_for(adviser).get(f"/staff/areas/{area.ward_code}/time/").text
    assert "<td>3 Sep 2026</td>" in page
    assert f'action="{reverse("advisers:time_record_remove", args=[own.pk])}"' in page
    assert reverse("advisers:time_record_remove", args=[theirs.pk]) not in page


@pytest.mark.parametrize("role", ["adviser", "manager"])
def test_the_pages_interactions_read_as_the_shared_row_does(request, area, adviser, role):
    """The area page writes its interactions itself (each row's day and
    address made in the view): what it writes is casework/_interaction.html's
    row, for the person who logged it and for one who may not correct it."""
    logged = interaction_log(
        area=area,
        by=adviser,
        date=timezone.localdate(),
        kind="meeting",
        minutes=90,
        residents=3,
        new_residents=1,
        notes="Pat <chair> is back",
        next_steps="Book the hall",
    )
    viewer = request.getfixturevalue(role)
    page = client_for(viewer).get(f"/staff/areas/{area.ward_code}/").text
    row = render_to_string(
        "casework/_interaction.html",
        {
            "interaction": Interaction.objects.get(pk=logged.pk),
            "user": viewer,
            "show_notes": has_perm(viewer, "areas.view_notes", area),
        },
    )
    assert (reverse("casework:interaction_correct", args=[logged.pk]) in row) is (role == "adviser")
    assert " ".join(row.split()) in " ".join(page.split())
