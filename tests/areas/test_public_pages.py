"""The public pages about neighbourhoods: facts in plain words, nothing private."""

import datetime
import itertools
from decimal import Decimal

import pytest

from advisers.models import AdviserAssignment, CommunityWorkerAllocation, TimeRecord
from areas.models import Area, AreaType, FundingBid, LocalContact, Partnership, Region, Stage
from areas.public_views import AREAS_PER_PAGE

pytestmark = pytest.mark.django_db

LIST = "/neighbourhoods/"
ABOUT = "/about-the-data/"
NOT_HELD = "We do not have this figure."

_numbers = itertools.count(900_001)


def make_area(**fields) -> Area:
    """An area with only what the model requires, unless the test says more."""
    number = next(_numbers)
    fields = {
        "ward_code": f"E05{number:06d}",
        "name": f"Ward {number}",
        "local_authority": "Ashfield",
        "region": Region.EAST_MIDLANDS,
        **fields,
    }
    return Area.objects.create(**fields)


def make_hendon(**fields) -> Area:
    """A neighbourhood with every public figure held, in the programme."""
    return make_area(
        **{
            "ward_code": "E05001158",
            "name": "Hendon",
            "local_authority": "Sunderland",
            "region": Region.NORTH_EAST,
            "population": 5_832,
            "population_most_deprived": 2_470,
            "small_areas": 4,
            "small_areas_most_deprived": 2,
            "imd_rank": 1_234,
            "imd_decile": 1,
            "cni_rank": 1_023,
            "cohort": 1,
            "joined_on": datetime.date(2024, 4, 1),
            "stage": Stage.YEAR_ZERO,
            **fields,
        }
    )


def detail_url(area: Area) -> str:
    return f"/neighbourhoods/{area.ward_code}/"


PAGES = ["list", "detail", "about"]


def _url(page: str, area: Area) -> str:
    return {"list": LIST, "detail": detail_url(area), "about": ABOUT}[page]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["anonymous", "adviser", "manager"], indirect=True)
def test_the_public_pages_answer_everybody_signed_in_or_not(client, persona, page):
    area = make_hendon()
    if persona is not None:
        client.force_login(persona)
    response = client.get(_url(page, area))
    assert response.status_code == 200
    assert response.text.count("<h1>") == 1


@pytest.mark.parametrize("page", PAGES)
def test_the_public_pages_only_read(client, page):
    area = make_hendon()
    assert client.post(_url(page, area)).status_code == 405
    assert client.head(_url(page, area)).status_code == 200


@pytest.mark.parametrize("code", ["E05999999", "e05001158", "nonsense", "E05001158x"])
def test_an_unknown_ward_code_is_not_found(client, code):
    make_hendon()
    response = client.get(f"/neighbourhoods/{code}/")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_an_area_page_shows_its_facts_in_plain_words(client):
    area = make_hendon()
    area.types.add(AreaType.objects.get_or_create(slug="coastal", defaults={"name": "Coastal"})[0])
    text = client.get(detail_url(area)).text

    assert "<h1>Hendon</h1>" in text
    assert "Sunderland" in text
    assert "North East" in text
    assert "Coastal" in text
    assert "5,832" in text
    # 2,470 of 5,832 people is 42.4%.
    assert "42% (about 4 in 10 people)" in text
    assert "2,470 of the 5,832 people here live in a small area" in text
    assert "2 of them are among the most deprived tenth" in text
    assert "1,234 out of 32,844" in text
    assert "1 is the most deprived." in text
    assert "1 out of 10" in text
    assert "1 is the most deprived tenth" in text
    assert "1,023" in text
    assert "This neighbourhood is in the Network for Communities programme." in text
    assert "Year 1 (April 2024)" in text
    assert "Year Zero (planning)" in text
    assert NOT_HELD not in text


def test_each_figure_links_to_where_it_comes_from(client):
    text = client.get(detail_url(make_hendon())).text
    for anchor in ["places", "programme", "population", "deprivation", "community-needs"]:
        assert f'href="/about-the-data/#{anchor}"' in text
    about = client.get(ABOUT).text
    for anchor in ["places", "programme", "population", "deprivation", "community-needs"]:
        assert f'id="{anchor}"' in about


def test_a_missing_figure_says_so_instead_of_a_blank(client):
    area = make_area(name="Little Known")
    text = client.get(detail_url(area)).text
    # Population, share, small areas, IMD rank, IMD decile, CNI rank.
    assert text.count(NOT_HELD) == 6
    assert "This neighbourhood is not in the Network for Communities programme" in text
    assert "None" not in text


def test_a_zero_is_a_figure_not_a_missing_one(client):
    area = make_area(population=1_500, population_most_deprived=0, small_areas=1,
                     small_areas_most_deprived=0)  # fmt: skip
    text = client.get(detail_url(area)).text
    assert "0% (nobody)" in text
    assert "0 of them are among the most deprived tenth" in text
    assert text.count(NOT_HELD) == 3


@pytest.mark.parametrize(
    ("most_deprived", "shown"),
    [
        (1, "less than 1% (fewer than 1 in 10 people)"),
        (99, "10% (about 1 in 10 people)"),
        (999, "more than 99% (almost everybody)"),
        (1_000, "100% (everybody)"),
    ],
)
def test_the_share_is_never_rounded_to_none_or_all(client, most_deprived, shown):
    area = make_area(population=1_000, population_most_deprived=most_deprived)
    assert shown in client.get(detail_url(area)).text


def test_a_share_over_everybody_is_a_mistake_and_not_shown(client):
    area = make_area(population=1_000, population_most_deprived=1_200)
    text = client.get(detail_url(area)).text
    assert "120%" not in text
    assert text.count(NOT_HELD) == 5


def test_an_area_that_has_left_the_programme_says_so(client):
    area = make_hendon(notes="")
    Area.objects.filter(pk=area.pk).update(stage=Stage.LEFT)
    text = client.get(detail_url(area)).text
    assert "It joined in Year 1 and has now left." in text
    assert "is in the Network for Communities programme" not in text
    assert "In our programme" not in client.get(LIST).text


SECRETS = [
    "Chair is unwell, go gently",  # the area's notes
    "Hendon Together",  # the partnership's name: only its contact is private,
    "Pat Partner",  # but the public pages show nothing of the partnership.
    "pat@hendon.example",
    "07700 900123",
    "Councillor Cole",
    "cole@sunderland.example",
    "Asha Adviser",
    "asha@example.org",
    "Callum Worker",
    "Towns Fund",
    "Bid for the old library",
    "125,000",
    "Met the chair at the hall",
]


@pytest.fixture
def hendon_with_private_facts(adviser, community_worker):
    area = make_hendon(notes="Chair is unwell, go gently")
    Partnership.objects.create(
        area=area,
        name="Hendon Together",
        contact_name="Pat Partner",
        contact_email="pat@hendon.example",
        contact_phone="07700 900123",
    )
    LocalContact.objects.create(
        area=area,
        name="Councillor Cole",
        kind=LocalContact.Kind.COUNCILLOR,
        email="cole@sunderland.example",
    )
    started = datetime.date(2024, 4, 1)
    AdviserAssignment.objects.create(area=area, adviser=adviser, slot=1, started_on=started)
    CommunityWorkerAllocation.objects.create(
        area=area, worker=community_worker, slot=1, started_on=started
    )
    FundingBid.objects.create(
        area=area,
        stream=FundingBid.Stream.TOWNS_FUND,
        description="Bid for the old library",
        amount_sought=Decimal("125000"),
    )
    TimeRecord.objects.create(
        person=adviser,
        role=adviser.role,
        area=area,
        date=started,
        hours=2,
        note="Met the chair at the hall",
    )
    return area


@pytest.mark.parametrize("persona", ["anonymous", "manager"], indirect=True)
def test_private_facts_never_appear_on_public_pages(client, hendon_with_private_facts, persona):
    if persona is not None:
        client.force_login(persona)
    for url in [LIST, f"{LIST}?q=hendon", detail_url(hendon_with_private_facts), ABOUT]:
        text = client.get(url).text
        assert "Hendon" in text or url == ABOUT
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} is on {url}"


def test_the_list_shows_every_area_and_marks_those_in_the_programme(client):
    make_hendon()
    make_area(name="Redhill", local_authority="Sunderland", region=Region.NORTH_EAST)
    text = client.get(LIST).text
    assert "All 2 neighbourhoods" in text
    assert 'href="/neighbourhoods/E05001158/">Hendon</a>' in text
    assert "Redhill" in text
    assert text.count("In our programme") == 1


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("hendon", ["Hendon"]),
        ("  HEN ", ["Hendon"]),
        ("sunderland", ["Hendon", "Redhill"]),
        ("e05001158", ["Hendon"]),
        ("E05001158", ["Hendon"]),
        ("E0500", []),  # a ward code must be whole, or it matches too much
        ("Blackpool", []),
    ],
)
def test_a_resident_searches_by_neighbourhood_town_or_ward_code(client, q, found):
    make_hendon()
    make_area(name="Redhill", local_authority="Sunderland", region=Region.NORTH_EAST)
    make_area(name="Central", local_authority="Ashfield", region=Region.EAST_MIDLANDS)
    response = client.get(LIST, {"q": q})
    shown = [area.name for area in response.context["areas"]]
    assert shown == found
    if found:
        assert f"{len(found)} neighbourhood" in response.text
    else:
        assert "No neighbourhoods match your search" in response.text


def test_an_empty_list_says_so_plainly(client):
    text = client.get(LIST).text
    assert "There are no neighbourhoods to show yet." in text
    assert "All 0" not in text


def test_the_list_filters_by_region_and_by_the_programme(client):
    make_hendon()
    make_area(name="Redhill", local_authority="Sunderland", region=Region.NORTH_EAST)
    make_area(name="Central", local_authority="Ashfield", region=Region.EAST_MIDLANDS)

    by_region = client.get(LIST, {"region": Region.NORTH_EAST})
    assert [a.name for a in by_region.context["areas"]] == ["Hendon", "Redhill"]
    assert '<option value="north_east" selected>' in by_region.text

    in_programme = client.get(LIST, {"programme": "on"})
    assert [a.name for a in in_programme.context["areas"]] == ["Hendon"]


def test_a_made_up_region_shows_an_error_and_the_whole_list(client):
    make_hendon()
    make_area(name="Central")
    response = client.get(LIST, {"region": "atlantis"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert len(response.context["areas"]) == 2


def test_the_list_is_paged_and_the_pages_keep_the_search(client):
    for n in range(AREAS_PER_PAGE + 1):
        make_area(name=f"Sunnyside {n:02d}")
    make_area(name="Elsewhere")

    first = client.get(LIST, {"q": "sunnyside"})
    assert len(first.context["areas"]) == AREAS_PER_PAGE
    assert "Page 1 of 2" in first.text
    assert 'href="?q=sunnyside&amp;page=2"' in first.text

    second = client.get(LIST, {"q": "sunnyside", "page": 2})
    assert [a.name for a in second.context["areas"]] == [f"Sunnyside {AREAS_PER_PAGE:02d}"]
    assert 'href="?q=sunnyside&amp;page=1"' in second.text

    # A page past the end shows the last one rather than an error.
    assert client.get(LIST, {"q": "sunnyside", "page": 99}).context["page_obj"].number == 2


def _make_areas(count: int) -> None:
    for _ in range(count):
        make_area(
            population=2_000, population_most_deprived=900, imd_rank=500, imd_decile=1, cohort=2,
            stage=Stage.OUTREACH,
        )  # fmt: skip


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_costs_two_queries_however_many_areas(
    client, django_assert_max_num_queries, count
):
    _make_areas(count)
    with django_assert_max_num_queries(2):
        response = client.get(LIST, {"q": "ward"})
    assert len(response.context["areas"]) == count


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_costs_the_same_for_staff_however_many_areas(
    client, adviser, django_assert_max_num_queries, count
):
    _make_areas(count)
    client.force_login(adviser)
    client.get(LIST)  # the first request after sign-in may refresh the session
    # Two for the list; the rest is the session, the user and the two-factor check.
    with django_assert_max_num_queries(6):
        client.get(LIST)


@pytest.mark.parametrize("count", [5, 50])
def test_an_area_page_costs_the_same_however_many_areas(
    client, django_assert_max_num_queries, count
):
    _make_areas(count)
    area = make_hendon()
    # The area, and its kinds of place.
    with django_assert_max_num_queries(2):
        assert client.get(detail_url(area)).status_code == 200


ATTRIBUTIONS = [
    "Left behind neighbourhoods list: OCSI and Local Trust (2019)",
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0",
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(MHCLG, English Indices of Deprivation 2019)",
]


def test_about_the_data_gives_each_credit_word_for_word(client):
    text = client.get(ABOUT).text
    for attribution in ATTRIBUTIONS:
        assert attribution in text


def test_about_the_data_credits_the_postcode_directory_of_the_edition_imported(client, settings):
    settings.NFC_POSTCODE_EDITION_YEAR = "2026"
    text = client.get(ABOUT).text
    assert "Contains OS data © Crown copyright and database right 2026" in text
    assert "Contains Royal Mail data © Royal Mail copyright and database right 2026" in text


def test_about_the_data_explains_how_a_neighbourhoods_rank_is_worked_out(client):
    text = client.get(ABOUT).text
    assert "population-weighted average" in text
    assert "1 is the most deprived." in text
    assert "from 1 to 3,284 is decile 1" in text
    assert "32,844 small areas" in text


def test_the_list_links_to_about_the_data(client):
    assert 'href="/about-the-data/"' in client.get(LIST).text
