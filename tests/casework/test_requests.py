"""Requests landing with the right person, moving through their stages, and
who may see and do what."""

import datetime

import pytest
from django.utils import timezone

from advisers.models import Role
from casework import services
from casework.models import StatusChange, SupportRequest
from tests.factories import AreaFactory, SupportRequestFactory, UserFactory
from tests.support import client_for, jobs_enqueued

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(hendon, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return SupportRequestFactory(area=hendon)


def test_a_request_lands_with_the_areas_adviser_who_is_told_without_the_residents_details(
    hendon, adviser, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        support_request = SupportRequestFactory(area=hendon)
    assert support_request.assigned_to == adviser
    to_adviser = [m for m in mailoutbox if m.to == [adviser.email]]
    assert len(to_adviser) == 1
    assert support_request.reference in to_adviser[0].body
    assert "/staff/casework/requests/" in to_adviser[0].body
    assert "Private worry" not in to_adviser[0].body
    assert "pat@example.org" not in to_adviser[0].body
    # The resident's e-mail and the adviser's go in one job, sent an id,
    # never personal data.
    jobs = jobs_enqueued(callbacks)
    assert [job.args for job in jobs] == [(support_request.pk,)]


@pytest.mark.parametrize("with_area", [False, True])
def test_without_a_known_area_or_a_named_adviser_a_request_waits_in_triage(
    with_area, mailoutbox, django_capture_on_commit_callbacks
):
    area = AreaFactory() if with_area else None
    with django_capture_on_commit_callbacks(execute=True):
        support_request = SupportRequestFactory(area=area)
    assert support_request.assigned_to is None
    assert list(SupportRequest.objects.in_triage()) == [support_request]
    assert [m.to for m in mailoutbox] == [["pat@example.org"]]


def test_a_manager_gives_a_triaged_request_to_an_adviser_who_is_told(
    manager, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    support_request = SupportRequestFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            f"/staff/casework/requests/{support_request.reference}/assign/", {"to": outsider.pk}
        )
    assert response.status_code == 302
    support_request.refresh_from_db()
    assert support_request.assigned_to == outsider
    assert [m.to for m in mailoutbox if m.to == [outsider.email]] == [[outsider.email]]
    assert support_request in SupportRequest.objects.visible_to(outsider)


def test_a_request_cannot_be_given_to_an_evaluator(manager, evaluator):
    support_request = SupportRequestFactory()
    response = client_for(manager).post(
        f"/staff/casework/requests/{support_request.reference}/assign/", {"to": evaluator.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    support_request.refresh_from_db()
    assert support_request.assigned_to is None


def test_a_move_is_recorded_with_who_and_when(sent, adviser):
    response = client_for(adviser).post(
        f"/staff/casework/requests/{sent.reference}/move/",
        {"to_status": "acknowledged", "note": "Phoned Pat"},
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == "acknowledged"
    change = StatusChange.objects.get()
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        "new",
        "acknowledged",
        adviser,
        "Phoned Pat",
    )


@pytest.mark.parametrize(
    ("start", "to"), [("new", "resolved"), ("new", "waiting"), ("closed", "in_progress")]
)
def test_an_illegal_move_is_refused_and_nothing_changes(sent, adviser, start, to):
    SupportRequest.objects.filter(pk=sent.pk).update(status=start)
    response = client_for(adviser).post(
        f"/staff/casework/requests/{sent.reference}/move/", {"to_status": to}
    )
    assert response.status_code == 200
    assert "cannot become" in response.text
    sent.refresh_from_db()
    assert sent.status == start
    assert not StatusChange.objects.exists()


def test_a_new_request_past_its_response_target_stands_out(sent, adviser):
    SupportRequest.objects.filter(pk=sent.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=10)
    )
    sent.refresh_from_db()
    assert sent.is_overdue
    assert list(SupportRequest.objects.overdue()) == [sent]
    assert "overdue" in client_for(adviser).get("/staff/casework/requests/").text
    services.support_request_move(support_request=sent, to_status="acknowledged", by=adviser)
    assert not SupportRequest.objects.overdue().exists()


def test_a_fresh_request_is_not_overdue(sent):
    assert not sent.is_overdue


# Which role may open each page is the permission matrix's
# (tests/test_permission_matrix.py); here, scope and the moves that go through.


def test_an_outsider_has_a_request_list_but_gets_404_for_a_request_not_theirs(sent, outsider):
    client = client_for(outsider)
    assert client.get("/staff/casework/requests/").status_code == 200
    assert client.get(f"/staff/casework/requests/{sent.reference}/").status_code == 404
    response = client.post(
        f"/staff/casework/requests/{sent.reference}/move/", {"to_status": "acknowledged"}
    )
    assert response.status_code == 404
    sent.refresh_from_db()
    assert sent.status == "new"


def test_a_list_never_shows_what_its_page_refuses(sent, outsider, adviser):
    assert sent.reference not in client_for(outsider).get("/staff/casework/requests/").text
    assert sent.reference in client_for(adviser).get("/staff/casework/requests/").text


def test_a_manager_moves_a_request_they_do_not_answer(sent, manager):
    response = client_for(manager).post(
        f"/staff/casework/requests/{sent.reference}/move/", {"to_status": "acknowledged"}
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == "acknowledged"


def test_a_manager_gives_a_request_to_the_areas_community_worker(sent, manager, community_worker):
    response = client_for(manager).post(
        f"/staff/casework/requests/{sent.reference}/assign/", {"to": community_worker.pk}
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.assigned_to == community_worker


def test_a_closed_request_is_not_offered_to_anyone_and_cannot_be_given(
    sent, manager, community_worker
):
    sent.status = "closed"
    sent.save()
    client = client_for(manager)
    page = client.get(f"/staff/casework/requests/{sent.reference}/").text
    assert "Give it to them" not in page
    response = client.post(
        f"/staff/casework/requests/{sent.reference}/assign/", {"to": community_worker.pk}
    )
    assert "nobody needs to answer it now" in response.text
    sent.refresh_from_db()
    assert sent.assigned_to != community_worker


def test_the_request_list_query_count_stays_flat(manager, hendon, django_assert_max_num_queries):
    client = client_for(manager)

    def load():
        with django_assert_max_num_queries(10):
            assert client.get("/staff/casework/requests/").status_code == 200

    SupportRequestFactory(area=hendon)
    load()
    for _ in range(30):
        SupportRequestFactory(area=hendon)
        SupportRequestFactory()
    load()


def test_each_line_of_the_request_list_says_what_it_is(manager, adviser, hendon):
    """What each line shows, in words (worked out in casework.selectors.request_rows)."""
    with_adviser = SupportRequestFactory(area=hendon, topic="funding")
    waiting = SupportRequestFactory(area=None, topic="other")
    received = datetime.datetime(2026, 6, 7, 23, 30, tzinfo=datetime.UTC)
    SupportRequest.objects.filter(pk=waiting.pk).update(created_at=received)
    page = client_for(manager).get("/staff/casework/requests/", {"status": "all"}).text
    url = f"/staff/casework/requests/{with_adviser.reference}/"
    assert f'<th scope="row"><a href="{url}">{with_adviser.reference}</a></th>' in page
    assert (
        f"<td>{with_adviser.get_topic_display()}</td>\n"
        f"              <td>{with_adviser.get_status_display()}</td>\n"
        f"              <td>{adviser}</td>"
    ) in page
    # Half past midnight in London, in summer time: London's day.
    assert (
        "<td>8 Jun 2026</td>\n              <td>Not known</td>\n"
        f"              <td>{waiting.get_topic_display()}</td>\n"
        f'              <td>New <strong class="overdue">overdue</strong></td>\n'
        "              <td>Triage</td>"
    ) in page


def test_the_request_list_reads_only_what_it_shows(manager, hendon, django_assert_max_num_queries):
    """Not the words of a request, a resident's contact details, nor an
    area's notes: a page of fifty requests read a whole row of each."""
    SupportRequestFactory(area=hendon)
    client = client_for(manager)
    with django_assert_max_num_queries(10) as queries:
        assert client.get("/staff/casework/requests/").status_code == 200
    (rows,) = [
        query["sql"]
        for query in queries.captured_queries
        if 'FROM "casework_supportrequest"' in query["sql"] and "LIMIT" in query["sql"]
    ]
    assert '"casework_supportrequest"."reference"' in rows
    for column in (
        '"casework_supportrequest"."description"',
        '"casework_supportrequest"."email"',
        '"casework_supportrequest"."phone"',
        '"areas_area"."notes"',
        '"advisers_user"."password"',
    ):
        assert column not in rows


def test_managers_see_the_triage_queue_only_when_asked(manager, hendon):
    waiting = SupportRequestFactory()
    with_adviser = SupportRequestFactory(area=hendon)
    page = client_for(manager).get("/staff/casework/requests/", {"triage": "on"}).text
    assert waiting.reference in page
    assert with_adviser.reference not in page
    assert UserFactory(role=Role.ADVISER)  # advisers exist to take them


def test_the_caseload_counts_each_areas_open_requests(sent, hendon, adviser):
    from advisers.models import TimeRecord
    from advisers.selectors import caseload

    TimeRecord.objects.create(
        person=adviser, role=adviser.role, area=hendon, date=timezone.localdate(), hours=3
    )
    TimeRecord.objects.create(
        person=adviser, role=adviser.role, area=hendon, date=timezone.localdate(), hours=3
    )
    SupportRequestFactory(area=hendon)
    closed = SupportRequestFactory(area=hendon)
    SupportRequest.objects.filter(pk=closed.pk).update(status="closed")
    [row] = caseload(adviser=adviser, month=timezone.localdate())
    assert row.open_requests == 2
    assert row.hours_this_month == 6


def test_the_advisers_home_shows_open_requests(sent, adviser):
    page = client_for(adviser).get("/staff/").text
    assert "Open requests" in page
    assert '<a href="/staff/casework/requests/">1</a>' in page


def test_the_request_list_escapes_what_people_typed(manager):
    """The table's lines are written in Python (casework.views): a name or
    an area typed with markup in it shows as text."""
    area = AreaFactory(name='<script>alert("area")</script> & Co')
    adviser = UserFactory(role=Role.ADVISER, full_name="<b>Bold</b> 'Name'")
    made = SupportRequestFactory(area=area)
    SupportRequest.objects.filter(pk=made.pk).update(assigned_to=adviser)
    page = client_for(manager).get("/staff/casework/requests/").text
    assert "<script>alert" not in page
    assert "<b>Bold" not in page
    assert "<td>&lt;script&gt;alert(&quot;area&quot;)&lt;/script&gt; &amp; Co</td>" in page
    assert "<td>&lt;b&gt;Bold&lt;/b&gt; &#x27;Name&#x27;</td>" in page
