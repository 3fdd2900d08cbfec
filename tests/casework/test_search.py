"""Searching requests and interaction notes, within scope."""

import pytest
from django.utils import timezone

from casework import services
from casework.models import Interaction
from casework.selectors import SEARCH_LIMIT
from tests.factories import SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def test_full_text_search_finds_words_in_any_form(hendon, adviser):
    request_about_library = SupportRequestFactory(
        area=hendon, description="The council wants to sell our libraries."
    )
    SupportRequestFactory(area=hendon, description="Help with the accounts.")
    services.interaction_log(
        area=hendon,
        by=adviser,
        date=timezone.localdate(),
        kind="meeting",
        notes="Planned the library campaign meetings",
    )
    # "library meeting" finds "library ... meetings": stemmed, all words.
    stemmed = client_for(adviser).get("/staff/casework/search/", {"q": "library meeting"}).context
    assert len(stemmed["interactions"]) == 1
    assert stemmed["requests"] == []
    by_word = client_for(adviser).get("/staff/casework/search/", {"q": "library"}).context
    assert [r.pk for r in by_word["requests"]] == [request_about_library.pk]
    assert len(by_word["interactions"]) == 1


def test_search_never_reaches_beyond_scope(hendon, adviser, outsider):
    SupportRequestFactory(area=hendon, description="Allotments on the old school field")
    assert (
        client_for(outsider).get("/staff/casework/search/", {"q": "allotments"}).context["requests"]
        == []
    )
    assert (
        len(
            client_for(adviser)
            .get("/staff/casework/search/", {"q": "allotments"})
            .context["requests"]
        )
        == 1
    )


def test_an_empty_search_shows_the_form_only(adviser):
    page = client_for(adviser).get("/staff/casework/search/")
    assert page.status_code == 200
    assert "No requests match" not in page.text


def test_search_query_count_stays_flat(hendon, adviser, django_assert_max_num_queries):
    client = client_for(adviser)

    def load():
        with django_assert_max_num_queries(8):
            assert client.get("/staff/casework/search/", {"q": "garden"}).status_code == 200

    SupportRequestFactory(area=hendon, description="A community garden")
    load()
    for n in range(20):
        SupportRequestFactory(area=hendon, description=f"Garden plot {n}")
        services.interaction_log(
            area=hendon,
            by=adviser,
            date=timezone.localdate(),
            kind="visit",
            notes=f"Garden visit {n}",
        )
    load()


def test_searches_read_their_gin_indexes_on_postgresql(db):
    """The indexed expressions must be the searches' own, or PostgreSQL
    works out every row's words on each search (seconds on a million)."""
    import importlib

    from django.db import connection

    from casework import selectors
    from casework.models import Interaction, SupportRequest

    migration = importlib.import_module("casework.migrations.0012_search_indexes")
    assert dict((m, f) for m, _, f in migration.INDEXES) == {
        "SupportRequest": selectors.REQUEST_SEARCH_FIELDS,
        "Interaction": selectors.INTERACTION_SEARCH_FIELDS,
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    for model, fields, index in [
        (Interaction, selectors.INTERACTION_SEARCH_FIELDS, "interaction_search_idx"),
        (SupportRequest, selectors.REQUEST_SEARCH_FIELDS, "support_request_search_idx"),
    ]:
        plan = selectors._matching(model.objects.all(), "orchard", fields).explain()
        assert index in plan, plan


def test_matching_interactions_come_newest_first(hendon, adviser):
    import datetime

    for day in (3, 20, 11):
        services.interaction_log(
            area=hendon,
            by=adviser,
            date=datetime.date(2026, 10, day),
            kind="meeting",
            notes=f"Talked about the orchard on the {day}th",
        )
    found = client_for(adviser).get("/staff/casework/search/", {"q": "orchard"}).context
    assert [i.date.day for i in found["interactions"]] == [20, 11, 3]


def test_search_says_when_there_were_more_matches_than_it_shows(hendon, adviser):
    Interaction.objects.bulk_create(
        Interaction(
            area=hendon,
            date=timezone.localdate(),
            kind="meeting",
            notes="The orchard again",
            logged_by=adviser,
        )
        for _ in range(SEARCH_LIMIT + 1)
    )
    page = client_for(adviser).get("/staff/casework/search/", {"q": "orchard"}).text
    assert f"Interactions (the newest {SEARCH_LIMIT})" in page
    assert f"More than {SEARCH_LIMIT} interactions match: add words to narrow the search." in page
    assert "Requests (0)" in page
    assert "More than 50 requests" not in page
    assert "simple local database" not in page  # the suite runs on PostgreSQL
