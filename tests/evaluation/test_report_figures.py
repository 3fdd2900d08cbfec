"""The figures of an evaluation report, each against data made for it, for
each kind of scope: with small counts withheld, links to the lists that
count the same records, no resident's personal data, and a query count
that stays flat as the data grows."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advisers.models import Role, TimeRecord
from advisers.services import area_assign_adviser
from areas.models import Area, FundingBid, Region
from areas.services import area_join_programme
from casework.models import Interaction, Partner, Referral, SupportRequest, Topic
from evaluation.area_figures import area_figures
from evaluation.models import OutcomeRecord, Report
from evaluation.records import link_for
from evaluation.report_content import ReportContent
from evaluation.report_figures import OpenData, build
from events.models import Connection, Event
from nfc.periods import Period
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory
from tests.support import client_for

pytestmark = [pytest.mark.django_db]


def gather(made: Report) -> ReportContent:
    return build(made)[0]


def open_data(made: Report) -> OpenData:
    return build(made)[1]


# The report's period: July to September 2026 (areas joined in April).
Q3 = Period(datetime.date(2026, 7, 1), datetime.date(2026, 10, 1))
JULY, AUGUST, SEPTEMBER = (datetime.date(2026, m, 10) for m in (7, 8, 9))
BEFORE = datetime.date(2026, 6, 10)
RESIDENT_NAME = "Priya Privatesurname"
RESIDENT_EMAIL = "priya.private@example.org"


def moment(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC)


def make_request(area, day, topic=Topic.PEOPLE, *, contacted_after=None, resolved_after=None):
    created = moment(day)
    request = SupportRequest.objects.create(
        area=area,
        topic=topic,
        description="Help with our group",
        name=RESIDENT_NAME,
        email=RESIDENT_EMAIL,
        contact_by="email",
        consented_at=created,
        privacy_notice_version="2026-11",
    )
    changes = {"created_at": created}
    if contacted_after is not None:
        changes |= {
            "first_contact_at": created + datetime.timedelta(days=contacted_after),
            "status": SupportRequest.Status.IN_PROGRESS,
        }
    if resolved_after is not None:
        changes |= {
            "resolved_at": created + datetime.timedelta(days=resolved_after),
            "status": SupportRequest.Status.RESOLVED,
        }
    SupportRequest.objects.filter(pk=request.pk).update(**changes)
    return request


def give_days(person, area, days, on):
    """``days`` whole days, one a day from ``on``."""
    for n in range(days):
        TimeRecord.objects.create(
            person=person,
            role=person.role,
            area=area,
            date=on + datetime.timedelta(days=n),
            hours=Decimal("7.5"),
        )


def outcome(area, quarter, kind=OutcomeRecord.Kind.QUARTER, **counts):
    values = dict.fromkeys(OutcomeRecord.COUNTS, 0) | counts
    return OutcomeRecord.objects.create(
        area=area, kind=kind, quarter=quarter, narrative=f"{RESIDENT_NAME} led it", **values
    )


@pytest.fixture
def world(db):
    """Two areas in the programme (Hendon, North East, cohort 1; Byker,
    North West, cohort 2), one 'left behind' ward outside it, and a quarter
    of records in each."""
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    worker = UserFactory(role=Role.COMMUNITY_WORKER, full_name="Callum Worker")
    hendon = AreaFactory(name="Hendon", ward_code="E05001158", imd_rank=100, cni_rank=50)
    byker = AreaFactory(
        name="Byker", ward_code="E05001100", region=Region.NORTH_WEST, programme=False
    )
    area_join_programme(area=byker, cohort=2, joined_on=datetime.date(2026, 4, 1))
    outside = AreaFactory(
        name="Outside", ward_code="E05009999", programme=False, imd_rank=300, cni_rank=70
    )

    # Days: Hendon 6 adviser days in July, 2 worker days in August; Byker 1
    # adviser day in September; none counted before the period.
    give_days(adviser, hendon, 6, JULY)
    give_days(worker, hendon, 2, AUGUST)
    give_days(adviser, byker, 1, SEPTEMBER)
    give_days(adviser, hendon, 5, BEFORE)

    # Requests: Hendon 7 about people in July (contacted after 2 days, 3
    # resolved after 10), 2 about the council in August; Byker 6 about
    # people in September; one before the period.
    for n in range(7):
        make_request(hendon, JULY, contacted_after=2, resolved_after=10 if n < 3 else None)
    for _ in range(2):
        make_request(hendon, AUGUST, Topic.COUNCIL)
    for _ in range(6):
        make_request(byker, SEPTEMBER)
    make_request(hendon, BEFORE)

    # Interactions: 3 in Hendon reaching 12 residents (4 new), 1 in Byker
    # reaching 3.
    for residents, new in ((5, 2), (4, 1), (3, 1)):
        Interaction.objects.create(
            area=hendon,
            date=AUGUST,
            kind=Interaction.Kind.MEETING,
            residents=residents,
            new_residents=new,
            logged_by=adviser,
        )
    Interaction.objects.create(
        area=byker, date=JULY, kind=Interaction.Kind.MEETING, residents=3, logged_by=adviser
    )

    partner = Partner.objects.create(name="Planning Aid North", expertise=["planning"])
    for status, rating in (
        (Referral.Status.REQUESTED, None),
        (Referral.Status.DELIVERED, None),
        (Referral.Status.OUTCOME_RECORDED, 4),
    ):
        Referral.objects.create(
            area=hendon,
            partner=partner,
            help_asked="A site plan",
            status=status,
            requested_on=AUGUST,
            group_rating=rating,
        )
    Referral.objects.create(area=byker, partner=partner, help_asked="Old", requested_on=BEFORE)

    FundingBid.objects.create(
        area=hendon,
        stream=FundingBid.Stream.LOTTERY,
        amount_sought=Decimal(10000),
        amount_secured=Decimal(8000),
        status=FundingBid.Status.AWARDED,
        submitted_on=BEFORE,
        decided_on=AUGUST,
    )
    FundingBid.objects.create(
        area=byker,
        stream=FundingBid.Stream.UKSPF,
        amount_sought=Decimal(5000),
        status=FundingBid.Status.SUBMITTED,
        submitted_on=SEPTEMBER,
    )

    # An award recorded without the day it was decided counts from the day
    # it was submitted.
    FundingBid.objects.create(
        area=byker,
        stream=FundingBid.Stream.TOWNS_FUND,
        amount_sought=Decimal(3000),
        amount_secured=Decimal(2000),
        status=FundingBid.Status.AWARDED,
        submitted_on=SEPTEMBER,
    )

    # Events: 6 from Hendon and 2 from Byker at a regional event in August.
    event = EventFactory(
        published=True,
        starts_at=moment(AUGUST, 10),
        ends_at=moment(AUGUST, 16),
        registration_closes_at=moment(AUGUST - datetime.timedelta(days=1)),
    )
    for area, count in ((hendon, 6), (byker, 2)):
        for _ in range(count):
            RegistrationFactory(
                event=event,
                area=area,
                name=RESIDENT_NAME,
                email=RESIDENT_EMAIL,
                checked_in_at=moment(AUGUST, 11),
            )
    first, second = sorted([hendon, byker], key=lambda a: a.pk)
    Connection.objects.create(
        area_a=first,
        area_b=second,
        topic="networks",
        origin=Connection.Origin.EVENT,
        made_on=AUGUST,
        followed_up=True,
        recorded_by=adviser,
    )

    # Outcomes: both have baselines; Hendon recorded Q3 (Byker missed it).
    outcome(
        hendon,
        datetime.date(2026, 4, 1),
        OutcomeRecord.Kind.BASELINE,
        residents_involved=10,
        volunteers=3,
        new_groups=1,
    )
    outcome(byker, datetime.date(2026, 4, 1), OutcomeRecord.Kind.BASELINE, residents_involved=20)
    outcome(hendon, datetime.date(2026, 7, 1), residents_involved=25, volunteers=8, new_groups=2)
    return {"hendon": hendon, "byker": byker, "outside": outside, "adviser": adviser}


def report(kind=Report.Kind.PROGRAMME, period=Q3, **scope) -> Report:
    return Report.objects.create(
        kind=kind,
        scope_key=Report.key_for(kind=kind, **scope),
        span=Report.Span.QUARTER,
        period_start=period.start,
        period_end=period.end,
        **scope,
    )


def table(content: ReportContent, slug: str):
    return next(t for t in content.tables() if t.slug == slug)


def cell(content: ReportContent, slug: str, row_label: str, column: str):
    found = table(content, slug)
    first = found.columns[0].key
    return next(row[column] for row in found.rows if row[first].value == row_label)


def test_a_programme_report_counts_the_days_given_against_the_days_promised(world):
    content = gather(report())
    assert [r["month"].value for r in table(content, "days-by-month").rows] == [
        "Jul 2026",
        "Aug 2026",
        "Sep 2026",
        "Total",
    ]
    assert cell(content, "days-by-month", "Jul 2026", "adviser").value == 6.0
    assert cell(content, "days-by-month", "Aug 2026", "worker").value == 2.0
    # Two areas, three months, 2 + 2 days a month each.
    assert cell(content, "days-by-month", "Total", "due").value == 24.0
    assert cell(content, "days-by-month", "Total", "adviser").value == 7.0
    assert table(content, "days-by-month").draw() is not None
    assert cell(content, "delivery-status", "Far behind", "areas").value == 2


def test_the_days_in_the_delivery_sentence_are_written_as_the_tables_write_them(world):
    content = gather(report())
    [section] = [s for s in content.sections if s.slug == "delivery"]
    given = table(content, "days-by-month").rows[-1]
    days = given["adviser"].value + given["worker"].value
    assert section.paragraphs[0].startswith(f"{days:g} days of support were given against 24 ")


def test_requests_are_counted_by_topic_and_month_with_small_counts_withheld(world):
    content = gather(report())
    assert cell(content, "requests-by-topic", "Jul 2026", Topic.PEOPLE).value == 7
    assert not cell(content, "requests-by-topic", "Jul 2026", Topic.PEOPLE).suppressed
    council = cell(content, "requests-by-topic", "Aug 2026", Topic.COUNCIL)
    assert council.value == 2
    assert council.suppressed
    # Secondary: 15 in all minus July's 7 would give August's 2 back, so
    # September's 6 is withheld too, and the people column's total with
    # the council column's.
    assert cell(content, "requests-by-topic", "Total", "total").value == 15
    assert not cell(content, "requests-by-topic", "Total", "total").suppressed
    assert cell(content, "requests-by-topic", "Sep 2026", "total").suppressed
    assert cell(content, "requests-by-topic", "Total", Topic.PEOPLE).suppressed
    assert cell(content, "requests-by-topic", "Total", Topic.COUNCIL).suppressed
    assert cell(content, "requests-by-topic", "Jul 2026", Topic.SKILLS).value == 0
    assert not cell(content, "requests-by-topic", "Jul 2026", Topic.SKILLS).suppressed


def test_time_to_first_contact_and_to_resolution_are_medians_withheld_over_few(world):
    content = gather(report())
    contact = cell(content, "response-times", "Time to first contact", "days")
    assert contact.value == 2.0
    assert not contact.suppressed
    assert cell(content, "response-times", "Time to first contact", "requests").value == 7
    # Three resolved: too few to show, their median with them.
    assert cell(content, "response-times", "Time to resolution", "requests").suppressed
    assert cell(content, "response-times", "Time to resolution", "days").suppressed


def test_interactions_and_residents_reached(world):
    content = gather(report())
    assert cell(content, "residents-reached", "Aug 2026", "interactions").value == 3
    assert cell(content, "residents-reached", "Total", "interactions").value == 4
    assert cell(content, "residents-reached", "Total", "residents").value == 15
    assert cell(content, "residents-reached", "Jul 2026", "residents").suppressed
    # 15 - 3 withheld: August's 12 goes with it.
    assert cell(content, "residents-reached", "Aug 2026", "residents").suppressed
    assert cell(content, "residents-reached", "Total", "new_residents").suppressed


def test_referrals_by_where_they_stand(world):
    content = gather(report())
    assert cell(content, "referrals", "Requested", "referrals").value == 1
    assert cell(content, "referrals", "Delivered", "referrals").value == 1
    assert cell(content, "referrals", "Outcome recorded", "referrals").value == 1
    assert cell(content, "referrals", "All referrals", "referrals").value == 3
    section = next(s for s in content.sections if s.slug == "referrals")
    assert any("4.0 out of 5" in p for p in section.paragraphs)


def test_events_attendance_and_connections(world):
    content = gather(report())
    assert cell(content, "attendance", "Regional event", "people").value == 8
    assert cell(content, "attendance", "Regional event", "events").value == 1
    assert cell(content, "attendance", "Regional event", "areas").value == 2
    assert cell(content, "connections", "Connections recorded", "count").value == 1
    assert cell(content, "connections", "Of them followed up", "count").value == 1
    assert cell(content, "connections", "Areas they joined", "count").value == 2


def test_outcomes_against_the_baseline_and_quarter_by_quarter(world):
    content = gather(report())
    involved = "Residents actively involved"
    assert cell(content, "outcomes-against-baseline", involved, "baseline").value == 10
    assert cell(content, "outcomes-against-baseline", involved, "latest").value == 25
    assert cell(content, "outcomes-against-baseline", involved, "change").value == 15
    assert cell(content, "outcomes-against-baseline", "Volunteers", "baseline").suppressed
    assert cell(content, "outcomes-against-baseline", "Volunteers", "change").suppressed
    groups = "New groups or organisations formed"
    assert cell(content, "outcomes-against-baseline", groups, "change").value == 1
    quarter = "July to September 2026"
    assert cell(content, "outcomes-by-quarter", quarter, "areas").value == 1
    assert cell(content, "outcomes-by-quarter", quarter, "volunteers").value == 8


def test_the_outcome_sums_and_the_open_data_add_up_the_same_areas(world):
    """An area with no baseline is in no outcome sum: not in the quarter's
    either, or the quarter less "Latest record" would print its count."""
    walker = AreaFactory(name="Walker", ward_code="E05001200")
    outcome(walker, datetime.date(2026, 7, 1), residents_involved=3, volunteers=6)
    made = report()
    content = gather(made)
    involved = "Residents actively involved"
    quarter = "July to September 2026"
    latest = cell(content, "outcomes-against-baseline", involved, "latest").value
    assert cell(content, "outcomes-by-quarter", quarter, "residents_involved").value == latest
    assert cell(content, "outcomes-by-quarter", quarter, "areas").value == 1
    header, rows = open_data(made)
    walker_row = next(row for row in rows if row[0] == "E05001200")
    # Its own record stands alone in the open data, withheld when small.
    assert walker_row[header.index("residents_involved_latest")] == "fewer than 5"
    assert walker_row[header.index("volunteers_latest")] == 6


def test_funding_by_stream_over_the_period(world):
    content = gather(report())
    assert cell(content, "funding", "National Lottery", "secured").value == 8000.0
    assert cell(content, "funding", "National Lottery", "awarded").value == 1
    assert cell(content, "funding", "UK Shared Prosperity Fund", "sought").value == 5000.0
    assert cell(content, "funding", "Towns Fund", "secured").value == 2000.0
    assert cell(content, "funding", "All streams", "bids").value == 3
    assert cell(content, "funding", "All streams", "secured").value == 10000.0


def test_a_programme_report_compares_regions_and_cohorts(world):
    content = gather(report())
    assert cell(content, "by-region", "North East", "requests").value == 9
    assert cell(content, "by-region", "North East", "adviser_days").value == 6.0
    assert cell(content, "by-region", "All", "requests").value == 15
    assert cell(content, "by-region", "North West", "event_attendances").suppressed
    assert cell(content, "by-region", "North East", "event_attendances").suppressed
    assert cell(content, "by-cohort", "Cohort Year 2", "areas").value == 1


def test_the_comparison_group_is_the_left_behind_wards_outside_the_programme(world):
    content = gather(report())
    assert cell(content, "comparison-group", "This report's areas", "wards").value == 2
    assert cell(content, "comparison-group", "This report's areas", "imd_rank").value == 650
    others = "'Left behind' wards outside the programme"
    assert cell(content, "comparison-group", others, "wards").value == 1
    assert cell(content, "comparison-group", others, "imd_rank").value == 300
    assert "not proof of impact" in table(content, "comparison-group").notes[0]


def test_the_method_note_names_the_gaps_and_what_was_withheld(world):
    content = gather(report())
    method = " ".join(content.method)
    # One of each is written as one: "1 area is", never "1 areas are".
    assert "1 area is missing quarterly outcome records" in method
    assert "Byker (1)" in method
    assert "fewer than 5" in method
    assert "Noughts are shown" in method
    assert "narratives" in method


def test_an_area_with_no_joining_day_owes_no_quarters_in_the_method_note(world):
    """As on the adviser's home page and the dashboard
    (evaluation.outcomes): no day it joined, no quarter due."""
    Area.objects.filter(pk=world["byker"].pk).update(joined_on=None)
    method = " ".join(gather(report()).method)
    assert "Byker" not in method.split("Gaps:")[1].split(".")[0]
    assert "no quarterly outcome records missing (1 quarter due)" in method


@pytest.mark.parametrize(
    ("kind", "scope", "requests"),
    [
        (Report.Kind.REGION, {"region": Region.NORTH_WEST}, 6),
        (Report.Kind.COHORT, {"cohort": 1}, 9),
        (Report.Kind.AREA, {"area": "hendon"}, 9),
    ],
)
def test_each_kind_of_report_counts_its_own_areas(world, kind, scope, requests):
    scope = {k: world[v] if v == "hendon" else v for k, v in scope.items()}
    content = gather(report(kind, **scope))
    if kind == Report.Kind.AREA:
        assert "Coverage: 1 area (this area)" in " ".join(content.method)
    assert cell(content, "requests-by-topic", "Total", "total").value == requests
    slugs = {t.slug for t in content.tables()}
    assert ("by-region" in slugs) == (kind == Report.Kind.COHORT)
    assert ("by-cohort" in slugs) == (kind == Report.Kind.REGION)


def test_area_figures_counts_each_area(world):
    figures = area_figures(areas=Area.objects.in_programme(), period=Q3)
    hendon = figures[world["hendon"].pk]
    assert hendon.adviser_days == 6
    assert hendon.worker_days == 2
    assert hendon.days_due == 12
    assert hendon.requests == 9
    assert (hendon.interactions, hendon.residents_reached) == (3, 12)
    assert hendon.referrals == 3
    assert (hendon.funding_applied, hendon.funding_secured) == (0, 8000)
    assert hendon.event_attendances == 6
    assert figures[world["byker"].pk].funding_applied == 8000
    assert figures[world["byker"].pk].funding_secured == 2000
    assert world["outside"].pk not in figures


def test_open_data_has_a_row_per_area_with_the_same_suppression(world):
    header, rows = open_data(report())
    by_ward = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_ward) == {"E05001158", "E05001100"}
    hendon, byker = by_ward["E05001158"], by_ward["E05001100"]
    assert hendon["requests"] == 9
    assert hendon["adviser_days"] == 6.0
    assert hendon["residents_involved_baseline"] == 10
    assert hendon["residents_involved_latest"] == 25
    assert hendon["volunteers_baseline"] == "fewer than 5"
    assert hendon["latest_quarter"] == "2026-07-01"
    assert byker["residents_reached"] == "fewer than 5"
    assert byker["event_attendances"] == "fewer than 5"
    assert byker["residents_involved_latest"] == ""
    # The report's total of residents reached (15) less Hendon's 12 would
    # give Byker's 3 back: Hendon's is withheld too, as the report does.
    assert hendon["residents_reached"] == "withheld"
    assert hendon["event_attendances"] == "withheld"
    assert hendon["requests"] == 9


def test_no_residents_personal_data_in_a_report(world):
    for kind, scope in (
        (Report.Kind.PROGRAMME, {}),
        (Report.Kind.AREA, {"area": world["hendon"]}),
    ):
        made = report(kind, **scope)
        text = json.dumps(gather(made).to_json()) + json.dumps(open_data(made), default=str)
        for personal in (RESIDENT_NAME, "Privatesurname", RESIDENT_EMAIL, "Asha", "Callum"):
            assert personal not in text


def test_the_content_survives_its_json(world):
    content = gather(report())
    again = ReportContent.from_json(json.loads(json.dumps(content.to_json())))
    assert again == content


def linked_count(html: str, pattern: str) -> float:
    found = re.search(pattern, html)
    assert found, f"no {pattern} on the page"
    return float(found.group(1))


# What each list says of the records it shows, for each figure linking to it.
LISTED = {
    "/staff/casework/requests/": {"": r"<p>(\d+) requests?"},
    "/staff/referrals/": {"": r"<p>(\d+) referrals?"},
    "/staff/figures/requests/": {"": r"<p>(\d+) requests?"},
    "/staff/figures/referrals/": {"": r"<p>(\d+) referrals?"},
    "/staff/figures/interactions/": {
        "interactions": r"<p>(\d+) interactions?",
        "residents": r"with (\d+) residents?",
        "residents_reached": r"with (\d+) residents?",
        "new_residents": r"\((\d+) new\)",
    },
    "/staff/figures/time/": {"": r"time records?: ([\d.]+) days?"},
    "/staff/figures/attendances/": {"": r"<p>(\d+) (?:person|people) came"},
}
# The casework lists only those who see casework open, and where the
# others read the same records.
CASEWORK_LISTS = {"/staff/casework/requests/", "/staff/referrals/"}
STAND_INS = {"/staff/figures/requests/", "/staff/figures/referrals/"}
# What a resident told us, which no list of figures may show.
PERSONAL = (RESIDENT_NAME, RESIDENT_EMAIL, "Help with our group", "A site plan")


def reader(role: str, world):
    """An evaluator, a manager, or Hendon's named adviser."""
    if role == "adviser":
        adviser = UserFactory(role=Role.ADVISER, full_name="Ada Adviser")
        area_assign_adviser(area=world["hendon"], adviser=adviser, by=None)
        return adviser
    return UserFactory(role=Role(role))


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        *(
            (kind, role)
            for kind in (Report.Kind.PROGRAMME, Report.Kind.REGION, Report.Kind.AREA)
            for role in ("evaluator", "manager")
        ),
        # An adviser reads the reports of their own areas.
        (Report.Kind.AREA, "adviser"),
    ],
)
def test_each_figure_links_to_a_list_of_the_records_it_counts(world, kind, role):
    scope = {
        Report.Kind.PROGRAMME: {},
        Report.Kind.REGION: {"region": Region.NORTH_EAST},
        Report.Kind.AREA: {"area": world["hendon"]},
    }[kind]
    content = gather(report(kind, **scope))
    user = reader(role, world)
    client = client_for(user)
    checked = set()
    for each in content.tables():
        for row in each.rows:
            for key, figure in row.items():
                if not figure.link:
                    continue
                # What the report's page links the figure to, for this reader.
                link = link_for(user, figure.link)
                response = client.get(link)
                assert response.status_code == 200, link
                path = link.split("?")[0]
                # A figure links only to a list that counts it (numbers of
                # areas once linked to area lists of wards outside the
                # programme, or of every area that ever bid for funding, and
                # connections to the network of the last 12 months).
                assert path in LISTED, (link, key)
                patterns = LISTED[path]
                pattern = patterns.get(key, patterns.get(""))
                assert pattern, (path, key)
                page = response.content.decode()
                counted = linked_count(page, pattern)
                assert counted == figure.value, (link, key)
                if path.startswith("/staff/figures/"):
                    for personal in PERSONAL:
                        assert personal not in page, (link, personal)
                checked.add(path)
    sees_casework = role != "evaluator"
    assert checked == set(LISTED) - (STAND_INS if sees_casework else CASEWORK_LISTS)


def test_an_evaluator_follows_days_interactions_and_attendances_to_their_records(world):
    content = gather(report())
    client = client_for(UserFactory(role=Role.EVALUATOR))
    for slug, row, column in (
        ("days-by-month", "Total", "adviser"),
        ("residents-reached", "Total", "interactions"),
        ("attendance", "All events", "people"),
    ):
        response = client.get(cell(content, slug, row, column).link)
        assert response.status_code == 200
        assert RESIDENT_NAME not in response.content.decode()


def test_gather_runs_the_same_queries_however_much_data_there_is(world):
    made = report()
    with CaptureQueriesContext(connection) as few:
        gather(made)
    adviser = world["adviser"]
    for n in range(6):
        area = AreaFactory(name=f"More {n}", region=Region.LONDON)
        give_days(adviser, area, 1, AUGUST)
        make_request(area, SEPTEMBER, Topic.PLAN)
        Interaction.objects.create(
            area=area, date=JULY, kind=Interaction.Kind.CALL, residents=2, logged_by=adviser
        )
        outcome(area, datetime.date(2026, 4, 1), OutcomeRecord.Kind.BASELINE)
        outcome(area, datetime.date(2026, 7, 1))
    with CaptureQueriesContext(connection) as many:
        content = gather(made)
    assert cell(content, "by-region", "All", "areas").value == 8
    assert len(many) == len(few)
    assert len(few) <= 25


def test_events_before_the_period_are_not_counted(world):
    event = EventFactory(
        published=True,
        kind=Event.Kind.NATIONAL,
        region="",
        starts_at=moment(BEFORE, 10),
        ends_at=moment(BEFORE, 16),
        registration_closes_at=moment(BEFORE - datetime.timedelta(days=1)),
    )
    RegistrationFactory(event=event, area=world["hendon"], checked_in_at=moment(BEFORE, 11))
    content = gather(report())
    assert cell(content, "attendance", "National event", "people").value == 0


def test_a_period_starting_within_a_month_counts_only_its_own_days(world):
    made = report(period=Period(datetime.date(2026, 7, 11), Q3.end))
    content = gather(made)
    assert cell(content, "requests-by-topic", "Jul 2026", "total").value == 0
    total = cell(content, "requests-by-topic", "Total", "total")
    assert total.value == 8
    reached = cell(content, "residents-reached", "Total", "residents")
    assert reached.value == 12
    client = client_for(UserFactory(role=Role.MANAGER))
    assert linked_count(client.get(total.link).text, r"<p>(\d+) requests?") == 8
    # Fewer than 5 of them new: the list of those interactions would show
    # that count beside the residents, so no figure of the row links to it.
    assert cell(content, "residents-reached", "Total", "new_residents").suppressed
    assert reached.link == ""


def test_a_report_counts_only_the_areas_that_had_joined_by_its_end(world, manager):
    """An area that joined after the quarter is not in the quarter's report,
    though residents there asked for help during it; the figure's link
    lists the same requests."""
    late = AreaFactory(name="Latecomer", ward_code="E05001200", programme=False)
    area_join_programme(area=late, cohort=3, joined_on=datetime.date(2026, 10, 15))
    for _ in range(6):
        make_request(late, SEPTEMBER)
    content = gather(report())
    total = cell(content, "requests-by-topic", "Total", "total")
    assert total.value == 15
    assert "joined_by=2026-09-30" in total.link
    listed = client_for(manager).get(total.link).content.decode()
    assert re.search(r"<p>(\d+) requests?", listed).group(1) == "15"
    # A report on a later period counts it.
    later = gather(report(period=Period(datetime.date(2026, 10, 1), datetime.date(2027, 1, 1))))
    assert "Latecomer" in json.dumps(later.to_json()) or any(
        "Latecomer" in paragraph for paragraph in later.method
    )
