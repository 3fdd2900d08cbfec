"""What the help form costs each resident's visit: the page is drawn with
one query, a post that is saved never reads the list of areas, and asks
Redis three times."""

import datetime

import factory
import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework import public_views, services
from casework.models import SupportRequest
from tests.casework.test_help_form import answers
from tests.factories import AreaFactory, SupportRequestFactory
from tests.support import redis_caches

pytestmark = pytest.mark.django_db

AREA_LIST = 'FROM "areas_area" ORDER BY'


def test_the_form_is_drawn_with_one_query_and_lists_the_areas_by_council(client):
    hendon = AreaFactory(name="Hendon", local_authority="Sunderland")
    AreaFactory(name="Amble & Warkworth", local_authority="Northumberland")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/help/").text
    assert len(queries) == 1
    assert '<optgroup label="Sunderland">' in page
    assert f'<option value="{hendon.pk}">Hendon</option>' in page
    assert "Amble &amp; Warkworth" in page
    assert page.index('label="Northumberland"') < page.index('label="Sunderland"')


def test_a_saved_post_does_not_read_the_list_of_areas(client, django_capture_on_commit_callbacks):
    area = AreaFactory(name="Hendon", local_authority="Sunderland")
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=False),
    ):
        response = client.post("/help/", answers(area=str(area.pk)))
    assert response.status_code == 302
    assert SupportRequest.objects.get().area == area
    assert not [q["sql"] for q in queries if AREA_LIST in q["sql"]]


def test_the_chosen_area_stays_chosen_when_the_form_is_shown_again(client):
    area = AreaFactory(name="Hendon", local_authority="Sunderland")
    page = client.post("/help/", answers(area=str(area.pk), name="")).text
    assert f'<option value="{area.pk}" selected>Hendon</option>' in page
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize("area", ["999999", "\u00b2", "9" * 40, "hendon"])
def test_an_area_that_is_not_in_the_list_is_refused_and_nothing_is_lost(client, area):
    AreaFactory(name="Hendon", local_authority="Sunderland")
    response = client.post("/help/", answers(area=area))
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["area"])
    assert "old bowling green" in response.text
    assert not SupportRequest.objects.exists()


def test_a_saved_post_asks_redis_three_times(
    client, redis_url, settings, celery_on_redis, monkeypatch, django_capture_on_commit_callbacks
):
    # As deployed: the cache and the queue both on Redis. Each round trip
    # to it is one command, or one pipeline of them, sent.
    settings.CACHES = redis_caches(redis_url)
    sent = []
    send_packed_command = redis.connection.Connection.send_packed_command

    def counted(connection, command, *args, **kwargs):
        sent.append(command)
        return send_packed_command(connection, command, *args, **kwargs)

    def post(words: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/help/", answers(description=words))

    # The first post opens the connections (their handshakes are not the
    # post's own cost).
    assert post("We want to start a community garden.").status_code == 302
    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)
    assert post("We want to open a community shop.").status_code == 302
    monkeypatch.undo()
    # The hourly limit (one pipeline), the dashboard's version moved on
    # after the commit, and the e-mails' one job.
    assert len(sent) == 3
    assert SupportRequest.objects.count() == 2
    # The jobs for rows the test rolls back are not left for a later worker.
    celery_on_redis.control.purge()


def _indexes_on(column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'casework_supportrequest' "
            "AND indexdef LIKE %s",
            [f"%({column}%"],
        )
        return [definition for (definition,) in cursor.fetchall()]


def test_a_new_request_pays_for_no_follow_link_index_entry():
    # A new request has no private link yet: its empty hash was an entry in
    # two indexes (one a pattern-matching copy no look-up uses).
    (index,) = _indexes_on("follow_token_hash")
    assert "varchar_pattern_ops" not in index
    assert "WHERE" in index
    assert "''" in index


def test_the_sent_again_read_finds_the_person_by_an_index(client):
    client.post("/help/", answers())
    # An hour's other requests, as on a busy day, counted for the planner:
    # with the table nearly empty, any index on created_at would do.
    SupportRequestFactory.create_batch(200, name=factory.Sequence(lambda n: f"Resident {n}"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE casework_supportrequest")
        # (A test's table is too small for the planner to want any index.)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT reference FROM casework_supportrequest "
            "WHERE name = 'Pat Resident' AND created_at >= now() - interval '1 hour'"
        )
        plan = " ".join(line for (line,) in cursor.fetchall())
    assert "support_request_sent_again_idx" in plan


def test_a_saved_post_reads_its_area_and_adviser_at_once(
    client, hendon, adviser, django_capture_on_commit_callbacks
):
    # The area and whom it lands with, in one query (with_named_adviser):
    # the used token, the area, "sent again?", then the save (its row, its
    # audit entry, the webhooks) in a transaction.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(SupportRequest)  # kept by each process
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=False),
    ):
        response = client.post("/help/", answers(area=str(hendon.pk)))
    assert response.status_code == 302
    assert SupportRequest.objects.get().assigned_to == adviser
    assert len(queries) == 8, [q["sql"][:80] for q in queries]
    assert not [q for q in queries if q["sql"].startswith('SELECT "advisers_adviserassignment"')]


def test_a_post_lands_with_the_adviser_named_now(client, hendon, adviser, manager):
    from advisers import services as staff_services
    from tests.factories import UserFactory

    newcomer = UserFactory(role=adviser.role)
    staff_services.area_assign_adviser(area=hendon, adviser=newcomer, by=manager)
    response = client.post("/help/", answers(area=str(hendon.pk)))
    assert response.status_code == 302
    assert SupportRequest.objects.get().assigned_to == newcomer


def test_the_compiled_reads_of_a_post_are_the_querysets(hendon, adviser):
    # casework compiles the post's reads once a process (nfc.statements):
    # each must give the rows the ORM's queryset gives.
    other = AreaFactory(name="Nobody's")
    for area in (hendon, other):
        (row,) = services._AREA_AND_ADVISER.rows(None, area_id=area.pk)
        assert row == services._area_and_adviser(area.pk).get()
        assert row[2] == (adviser.pk if area == hendon else None)
    assert services._AREA_AND_ADVISER.rows(None, area_id=999_999) == []

    made = SupportRequestFactory.create_batch(3, name="Pat Resident", email="pat@example.org")
    SupportRequestFactory(name="Pat Resident", email="someone@example.org")
    SupportRequest.objects.filter(pk=made[2].pk).update(form_token_hash="f" * 64)
    for token_hash in ("f" * 64, "0" * 64):
        assert public_views._MADE_WITH_TOKEN.rows(None, token_hash=token_hash) == list(
            public_views._made_with_token(token_hash)
        )
    fields = ("area", "postcode", "topic", "description", "for_group", "name", "email")
    since = timezone.now() - services.SENT_AGAIN_WITHIN
    SupportRequest.objects.filter(pk=made[0].pk).update(
        created_at=since - datetime.timedelta(days=1)
    )
    rows = services._sent_again(fields).rows(
        fields, name="Pat Resident", email="pat@example.org", since=since
    )
    assert len(rows) == 2
    assert rows == list(
        SupportRequest.objects.filter(
            name="Pat Resident",
            email="pat@example.org",
            created_at__gte=since,
            details_removed_at__isnull=True,
        )
        .order_by("created_at")
        .values_list("reference", *fields)
    )
