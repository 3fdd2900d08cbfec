"""Searching casework within scope: requests, residents' messages,
interactions, follow-up actions and referrals, a page at a time."""

import datetime
import importlib
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from advisers import services as staff_services
from advisers.roles import Role
from areas.models import Region
from casework import selectors, services
from casework.models import (
    Action,
    Interaction,
    InteractionTopic,
    Partner,
    Referral,
    ResidentMessage,
    SupportRequest,
)
from casework.selectors import SEARCH_PAGE_SIZE, SearchTerm, search_terms
from tests.factories import AreaFactory, SupportRequestFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

SEARCH = "/staff/casework/search/"
TODAY = timezone.localdate


def search(user, q, **params):
    response = client_for(user).get(SEARCH, {"q": q, **params})
    assert response.status_code == 200
    return response


def found(user, q, **params) -> list[tuple[str, int]]:
    return [(hit.kind, hit.item.pk) for hit in search(user, q, **params).context["results"].hits]


def note(area, by, notes, *, days_ago=0, **fields) -> Interaction:
    return services.interaction_log(
        area=area,
        by=by,
        date=TODAY() - datetime.timedelta(days=days_ago),
        kind="meeting",
        notes=notes,
        **fields,
    )


# --- What the words find (PostgreSQL) -----------------------------------------


def test_a_quoted_phrase_finds_the_words_together_and_in_that_order(hendon, adviser):
    together = note(hendon, adviser, "Workshop on running meetings; good turnout.")
    apart = note(hendon, adviser, "Running late, so the meetings moved.")
    backwards = note(hendon, adviser, "Meetings about running the hall.")
    assert found(adviser, '"running meetings"') == [("interactions", together.pk)]
    assert set(found(adviser, "running meetings")) == {
        ("interactions", together.pk),
        ("interactions", apart.pk),
        ("interactions", backwards.pk),
    }


def test_a_word_finds_its_other_forms(hendon, adviser):
    request = SupportRequestFactory(area=hendon, description="We want an allotment for the estate.")
    planned = note(hendon, adviser, "Planned the meetings for spring.")
    assert found(adviser, "allotments") == [("requests", request.pk)]
    assert found(adviser, "meeting plan") == [("interactions", planned.pk)]


def test_a_minus_sign_leaves_out_and_or_finds_either(hendon, adviser):
    orchard = note(hendon, adviser, "Planting the community orchard.", days_ago=2)
    garden = note(hendon, adviser, "The orchard and the garden.", days_ago=1)
    allotment = note(hendon, adviser, "Allotment waiting list.")
    assert found(adviser, "orchard -garden") == [("interactions", orchard.pk)]
    assert found(adviser, 'orchard -"the garden"') == [("interactions", orchard.pk)]
    assert found(adviser, "orchard or allotment") == [
        ("interactions", allotment.pk),
        ("interactions", garden.pk),
        ("interactions", orchard.pk),
    ]


def test_words_only_to_leave_out_are_refused_with_a_way_forward(hendon, adviser):
    note(hendon, adviser, "The orchard again.")
    page = search(adviser, "-garden")
    assert page.context["results"].hits == []
    assert "Say what to find as well as what to leave out" in page.text
    # Each alternative needs a word to find.
    assert "Say what to find" in search(adviser, "orchard or -garden").text
    # Very common words are left out, so this is -orchard alone (which would
    # read every row).
    assert "Say what to find" in search(adviser, "the -orchard").text
    assert "Very common words (the, and, of) are left out" in search(adviser, "the of").text


def test_search_terms_read_the_web_search_syntax():
    assert search_terms('"running  meetings" -garden or allotment, -"the hall') == [
        [SearchTerm("running meetings"), SearchTerm("garden", exclude=True)],
        [SearchTerm("allotment"), SearchTerm("the hall", exclude=True)],
    ]
    assert search_terms("St Anne's co-op") == [
        [SearchTerm("St"), SearchTerm("Anne's"), SearchTerm("co-op")]
    ]
    assert search_terms('or "" -') == []


# --- Every kind, where it lives, and what it shows ------------------------------


@pytest.fixture
def partner():
    return Partner.objects.create(
        name="Planning Aid North", expertise=["planning"], capacity_days=Decimal("20")
    )


def test_each_kind_says_what_it_is_and_links_to_where_it_lives(hendon, adviser, partner):
    request = SupportRequestFactory(area=hendon, description="Our allotment society needs help.")
    message = ResidentMessage.objects.create(
        support_request=SupportRequestFactory(area=hendon, description="Something else"),
        text="Also, the allotment gates are broken.",
    )
    interaction = note(
        hendon,
        adviser,
        "Walked the allotment site with the committee.",
        minutes=90,
        topics=[InteractionTopic.ASSET_TRANSFER],
        next_steps="Ask the council who owns the land.",
    )
    action = services.action_add(
        area=hendon,
        owner=adviser,
        by=adviser,
        description="Send the allotment lease template",
        due_on=TODAY() + datetime.timedelta(days=7),
    )
    asked = Referral.objects.create(
        area=hendon, partner=partner, help_asked="A lease for the allotment site"
    )
    outcome = Referral.objects.create(
        area=hendon,
        partner=partner,
        help_asked="Planning advice",
        status=Referral.Status.OUTCOME_RECORDED,
        outcome="They took on the allotment lease.",
    )
    page = search(adviser, "allotment")
    assert {(hit.kind, hit.item.pk) for hit in page.context["results"].hits} == {
        ("requests", request.pk),
        ("messages", message.pk),
        ("interactions", interaction.pk),
        ("actions", action.pk),
        ("referrals", asked.pk),
        ("referrals", outcome.pk),
    }
    text = page.text
    assert f'href="/staff/casework/requests/{request.reference}/"' in text
    assert f'href="/staff/casework/requests/{message.support_request.reference}/#messages"' in text
    assert f'href="/staff/referrals/{asked.pk}/"' in text
    assert f'href="/staff/referrals/{outcome.pk}/"' in text
    assert f'href="/staff/areas/{hendon.ward_code}/">Send the allotment lease template' in text
    for label in ("Request ·", "Resident's message ·", "Interaction ·", "Follow-up action ·"):
        assert label in text
    assert text.count("Referral ·") == 2
    # An interaction's minutes, topics and next steps are shown with it.
    assert "90 minutes" in text
    assert "Community Asset Transfer" in text
    assert "Ask the council who owns the land." in text
    assert "Outcome:</strong> They took on the allotment lease." in text
    assert "6 results" in text


# --- Scope: a result is something its link would show --------------------------


@pytest.fixture
def kingsway(outsider):
    """An area in London with its own adviser (the outsider)."""
    area = AreaFactory(name="Kingsway", ward_code="E05000001", region=Region.LONDON)
    staff_services.area_assign_adviser(area=area, adviser=outsider, by=None)
    return area


@pytest.fixture
def everywhere(hendon, kingsway, adviser, outsider, partner):
    """One record of each kind mentioning the orchard, in Hendon and in Kingsway."""
    made = {}
    for area, person in ((hendon, adviser), (kingsway, outsider)):
        request = SupportRequestFactory(area=area, description="A community orchard")
        made[area.name] = {
            ("requests", request.pk),
            (
                "messages",
                ResidentMessage.objects.create(
                    support_request=request, text="The orchard trees arrived"
                ).pk,
            ),
            ("interactions", note(area, person, "Talked about the orchard").pk),
            (
                "actions",
                services.action_add(
                    area=area,
                    owner=person,
                    by=person,
                    description="Order orchard trees",
                    due_on=TODAY() + datetime.timedelta(days=3),
                ).pk,
            ),
            (
                "referrals",
                Referral.objects.create(area=area, partner=partner, help_asked="Orchard lease").pk,
            ),
        }
    return made


def _regional_lead():
    return UserFactory(role=Role.MANAGER, full_name="Rhea Lead", region=Region.NORTH_EAST)


@pytest.mark.parametrize(
    ("who", "areas"),
    [
        ("adviser", ["Hendon"]),
        ("community_worker", ["Hendon"]),
        ("outsider", ["Kingsway"]),
        ("manager", ["Hendon", "Kingsway"]),
        ("regional_lead", ["Hendon"]),
    ],
)
def test_each_role_finds_only_what_it_may_open(request, everywhere, who, areas):
    user = _regional_lead() if who == "regional_lead" else request.getfixturevalue(who)
    page = search(user, "orchard")
    assert set(found(user, "orchard")) == set().union(*(everywhere[name] for name in areas))
    # Every result's link opens for them.
    client = client_for(user)
    links = re.findall(r'<h3><a href="([^"#]+)', page.text)
    assert len(links) == 5 * len(areas)
    for link in links:
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("who", ["evaluator", "administrator"])
def test_roles_without_casework_cannot_search(request, everywhere, who):
    assert client_for(request.getfixturevalue(who)).get(SEARCH, {"q": "orchard"}).status_code == 403


def test_ones_own_open_action_in_an_area_one_no_longer_holds_links_to_my_actions(kingsway, adviser):
    # As an area reassigned before its actions were handed over leaves them.
    kept = Action.objects.create(
        area=kingsway, owner=adviser, description="Orchard quote", due_on=TODAY()
    )
    Action.objects.create(
        area=kingsway,
        owner=adviser,
        description="Orchard survey",
        due_on=TODAY(),
        done_at=timezone.now(),
    )
    page = search(adviser, "orchard")
    assert found(adviser, "orchard") == [("actions", kept.pk)]
    assert '<h3><a href="/staff/casework/actions/">Orchard quote</a></h3>' in page.text
    assert (
        "<strong>Orchard quote</strong>" in client_for(adviser).get("/staff/casework/actions/").text
    )


# --- Pages ----------------------------------------------------------------------


@pytest.fixture
def many(hendon, adviser):
    """45 matching interactions, a day apart, and one matching request today."""
    notes = Interaction.objects.bulk_create(
        Interaction(
            area=hendon,
            date=TODAY() - datetime.timedelta(days=n + 1),
            kind="meeting",
            notes=f"The orchard, visit {n}",
            logged_by=adviser,
        )
        for n in range(45)
    )
    request = SupportRequestFactory(area=hendon, description="An orchard please")
    return request, notes


def test_results_come_a_page_at_a_time_newest_first(many, adviser):
    request, notes = many
    newest_first = [("requests", request.pk)] + [("interactions", n.pk) for n in notes]
    first = search(adviser, "orchard")
    assert found(adviser, "orchard") == newest_first[:SEARCH_PAGE_SIZE]
    assert "46 results" in first.text
    assert "Showing 1 to 20, newest first." in first.text
    assert "Page 1 of 3" in first.text
    assert 'href="?q=orchard&amp;page=2">Next page' in first.text
    assert "Previous page" not in first.text
    second = search(adviser, "orchard", page=2)
    assert found(adviser, "orchard", page=2) == newest_first[20:40]
    assert 'href="?q=orchard&amp;page=1">Previous page' in second.text
    assert 'href="?q=orchard&amp;page=3">Next page' in second.text
    assert found(adviser, "orchard", page=3) == newest_first[40:]
    assert "Next page" not in search(adviser, "orchard", page=3).text


def test_one_kind_at_a_time_with_the_count_of_each(many, adviser):
    request, notes = many
    page = search(adviser, "orchard", kind="interactions")
    results = page.context["results"]
    assert results.counts == {"requests": 1, "interactions": 45}
    assert [pk for _, pk in found(adviser, "orchard", kind="interactions")] == [
        n.pk for n in notes[:20]
    ]
    assert "45 results in interactions" in page.text
    assert "add words to narrow" not in page.text
    assert (
        'href="?q=orchard&amp;kind=interactions" aria-current="page">Interactions (45)' in page.text
    )
    assert 'href="?q=orchard&amp;kind=requests">Requests (1)' in page.text
    assert "Referrals (0)" in page.text
    assert 'href="?q=orchard&amp;kind=interactions&amp;page=2">Next page' in page.text
    assert found(adviser, "orchard", kind="requests") == [("requests", request.pk)]
    # A kind that is not one is everything.
    assert len(found(adviser, "orchard", kind="nonsense")) == SEARCH_PAGE_SIZE


def test_past_the_count_limit_the_count_says_more_than(many, adviser, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 30)
    request, notes = many
    page = search(adviser, "orchard")
    assert page.context["results"].counts == {"requests": 1, "interactions": 31}
    assert "More than 31 results" in page.text
    assert "Everything (more than 31)" in page.text
    assert 'kind=interactions">Interactions (more than 30)' in page.text
    assert 'kind=requests">Requests (1)' in page.text
    assert "Page 1 of 2 listed" in page.text
    assert "add words to narrow the search" in page.text
    # Still the newest first, counted or not.
    assert found(adviser, "orchard") == [("requests", request.pk)] + [
        ("interactions", n.pk) for n in notes[:19]
    ]
    assert (
        "More than 30 results in interactions"
        in search(adviser, "orchard", kind="interactions").text
    )


@pytest.mark.parametrize("kind", ["", "interactions"])
def test_past_the_count_limit_the_newest_come_first_however_old(hendon, adviser, monkeypatch, kind):
    """Past the limit the search looks at the last week, then quarter, then
    three years, then all: each page is still the newest, whichever of
    these it comes from (and a request may be older or newer than them)."""
    # The first page is the last quarter's 20 (the last week's 5 were too
    # few); the second reaches back to the very oldest.
    ages = [0, 3, 6, 7, 8, 40, 91, 92, 93, 400, 1095, 1096, 1097, 2000]
    ages += [60 + n for n in range(12)] + [1500 + n for n in range(10)]
    notes = [note(hendon, adviser, f"Orchard news {days}", days_ago=days) for days in ages]
    old_request = SupportRequestFactory(area=hendon, description="An orchard, long ago")
    SupportRequest.objects.filter(pk=old_request.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1200)
    )
    newest_first = sorted(
        [(days, "interactions", -n.pk) for days, n in zip(ages, notes, strict=True)]
        + ([(1200, "requests", -old_request.pk)] if not kind else [])
    )
    expected = [(found_kind, -pk) for _, found_kind, pk in newest_first]
    counted = {page: found(adviser, "orchard", kind=kind, page=page) for page in (1, 2)}
    # 36 interactions: past a limit of 30, and still two pages to read.
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 30)
    for page in (1, 2):
        assert found(adviser, "orchard", kind=kind, page=page) == counted[page]
    assert counted[1] + counted[2] == expected


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("abc", 1), ("0", 1), ("-2", 1), ("2", 2), ("99", 3), ("9" * 30, 3), ("", 1)],
)
def test_a_page_number_that_is_not_one_shows_a_page_that_is(many, adviser, asked, shown):
    page = search(adviser, "orchard", page=asked)
    assert page.context["results"].number == shown
    assert f"Page {shown} of 3" in page.text
    assert page.context["results"].hits


def test_search_query_count_stays_flat(hendon, adviser, partner, django_assert_max_num_queries):
    client = client_for(adviser)

    def load():
        # The session and its user (and saving the session: 3), how PostgreSQL
        # reads the words, the person's areas, the search (its plans set,
        # the counts, the page; in a test's transaction a savepoint and its
        # release), each kind's rows, and the audit's note of the search.
        with django_assert_max_num_queries(17):
            assert client.get(SEARCH, {"q": "garden"}).status_code == 200

    def add(n):
        request = SupportRequestFactory(area=hendon, description=f"A community garden {n}")
        ResidentMessage.objects.create(support_request=request, text=f"Garden news {n}")
        note(hendon, adviser, f"Garden visit {n}", support_request=request)
        services.action_add(
            area=hendon, owner=adviser, by=adviser, description=f"Garden task {n}", due_on=TODAY()
        )
        Referral.objects.create(area=hendon, partner=partner, help_asked=f"Garden plan {n}")

    add(0)
    # As a running server has it: the audit's content types looked up once.
    client.get(SEARCH, {"q": "warm"})
    load()
    for n in range(1, 21):
        add(n)
    load()


def test_searches_read_their_gin_indexes_on_postgresql(hendon, adviser):
    """The indexed expressions must be the searches' own, or PostgreSQL
    works out every row's words on each search (seconds on a million)."""
    indexed = {}
    for name in ("0012_search_indexes", "0017_search_messages_actions_referrals"):
        migration = importlib.import_module(f"casework.migrations.{name}")
        indexed |= {model: (index, tuple(fields)) for model, index, fields in migration.INDEXES}
    models = {
        "requests": SupportRequest,
        "messages": ResidentMessage,
        "interactions": Interaction,
        "actions": Action,
        "referrals": Referral,
    }
    assert {kind.key for kind in selectors.SEARCH_KINDS} == set(models)
    with connection.cursor() as cursor:
        # Only bitmap scans left, and these need an index condition: the plan
        # cannot walk another index (created_at's, say) filtering each row,
        # which the planner may prefer on a test's few rows.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    groups = search_terms("orchard")
    for kind in selectors.SEARCH_KINDS:
        model = models[kind.key]
        index, fields = indexed[model.__name__]
        assert fields == kind.fields
        plan = selectors._matching(model.objects.all(), "orchard", kind.fields, groups).explain()
        assert index in plan, plan
    # And for an adviser's interactions, both the words' and the areas' index.
    plan = selectors._matching(
        Interaction.objects.visible_to(adviser, areas_listed=True),
        "orchard",
        ("notes", "next_steps"),
        groups,
    ).explain()
    assert "interaction_search_idx" in plan, plan


def test_the_search_reads_index_bitmaps_only_and_only_for_itself():
    """Not a table scan or an index walk working out each row's words until
    enough match: minutes for a word only recent notes use."""

    def settings(cursor):
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')"
        )
        return cursor.fetchone()

    with selectors._bitmap_plans() as cursor:
        assert settings(cursor) == ("off", "off")
    with connection.cursor() as cursor:
        assert settings(cursor) == ("on", "on")


def test_the_search_page_opened_shows_the_form_only(adviser):
    page = client_for(adviser).get(SEARCH)
    assert "Nothing matches" not in page.text
    assert "Type one or more words" not in page.text
    assert "result" not in page.text.split("</form>")[1]


@pytest.mark.parametrize("typed", ["", "   "])
def test_search_pressed_with_nothing_typed_says_what_to_do(adviser, typed):
    page = search(adviser, typed)
    assert "Type one or more words to find, then press Search." in page.text
    assert "Nothing matches" not in page.text
    assert "result" not in page.text.split("</form>")[1]


def test_words_past_the_boxs_length_are_searched_on_their_start_and_it_says_so(hendon, adviser):
    note(hendon, adviser, "Orchard planting day.")
    page = search(adviser, "orchard " + "x" * 300)
    assert "Only the first 200 characters were searched." in page.text
    assert "Only the first" not in search(adviser, "orchard").text


def test_the_simpler_search_is_mentioned_only_on_sqlite(hendon, adviser):
    assert "simple local database" not in search(adviser, "orchard").text  # on PostgreSQL


SQLITE_SEARCH = """
import datetime, json
import django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.db import connection
from advisers import services as staff_services
from advisers.roles import Role
from casework import services
from casework.selectors import casework_search
from tests.factories import AreaFactory, SupportRequestFactory, UserFactory
from tests.support import client_for

assert connection.vendor == "sqlite"
adviser = UserFactory(role=Role.ADVISER)
outsider = UserFactory(role=Role.ADVISER)
area = AreaFactory(name="Hendon")
staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
today = datetime.date.today()
for n, notes in enumerate([
    "Workshop on Running Meetings.",
    "Running late, so the meetings moved.",
    "The orchard and the garden.",
    "Planting the orchard.",
    "One allotment on the list.",
]):
    services.interaction_log(
        area=area, by=adviser, date=today - datetime.timedelta(days=n), kind="meeting", notes=notes
    )
for n in range(25):
    SupportRequestFactory(area=area, description=f"Litter pick number {n}")


def found(text, user=adviser, **options):
    results = casework_search(user=user, text=text, **options)
    return {
        "notes": [hit.item.notes for hit in results.hits if hit.kind == "interactions"],
        "count": results.count,
        "hits": len(results.hits),
        "problem": results.problem,
    }


print(json.dumps({
    "phrase": found('"running meetings"'),
    "words": found("meetings running"),
    "exclude": found("orchard -garden"),
    "either": found("planting or allotment"),
    "plural": found("allotments"),
    "singular": found("allotment"),
    "page2": found("litter pick", page=2),
    "outsider": found("orchard", user=outsider),
    "only_exclude": found("-garden"),
    "page": client_for(adviser).get("/staff/casework/search/", {"q": "orchard"}).text,
}))
"""


@pytest.mark.slow  # migrates a fresh SQLite database in another process
def test_on_sqlite_search_finds_the_exact_letters_of_each_word_and_phrase(tmp_path):
    import json

    from tests.support import clean_env, run_python

    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'search.sqlite3'}")
    migrate = run_python("manage.py", "migrate", "--no-input", env=env, timeout=120)
    assert migrate.returncode == 0, migrate.stderr
    shown = run_python(
        "-c", SQLITE_SEARCH, env={**env, "DJANGO_SETTINGS_MODULE": "nfc.settings"}, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout)
    assert found["phrase"]["notes"] == ["Workshop on Running Meetings."]
    assert found["words"]["notes"] == [
        "Workshop on Running Meetings.",
        "Running late, so the meetings moved.",
    ]
    assert found["exclude"]["notes"] == ["Planting the orchard."]
    assert found["either"]["notes"] == ["Planting the orchard.", "One allotment on the list."]
    # Simpler than PostgreSQL's: no other forms of a word, and the page says so.
    assert found["plural"]["count"] == 0
    assert found["singular"]["notes"] == ["One allotment on the list."]
    assert "search is simpler" in found["page"]
    # Pages, and scope, as on PostgreSQL.
    assert (found["page2"]["count"], found["page2"]["hits"]) == (25, 5)
    assert found["outsider"]["count"] == 0
    assert found["only_exclude"]["problem"]
