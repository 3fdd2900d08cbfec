"""Public pages about the neighbourhoods: no sign-in, facts only.

These pages are for residents. They show the published statistics held for
each area and whether it is in the programme, and nothing else: never staff
names, contacts, the partnership's details, notes, funding or time records.
Each view reads only the columns in PUBLIC_FIELDS and hands its template a
PublicArea (a copy of those facts), never the model: so a template cannot
reach a private field, or its related records, even by mistake.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from areas.models import IMD_2019_SMALL_AREAS, Area, Region, Stage
from areas.templatetags.area_figures import as_percent

AREAS_PER_PAGE = 50

PUBLIC_FIELDS = (
    "ward_code",
    "name",
    "local_authority",
    "region",
    "population",
    "small_areas",
    "small_areas_most_deprived",
    "population_most_deprived",
    "imd_rank",
    "imd_decile",
    "cni_rank",
    "cohort",
    "joined_on",
    "stage",
)

# What each stage means, in words a resident would use.
STAGE_IN_PLAIN_WORDS = {
    Stage.OUTREACH: "We are getting to know people and groups in the area.",
    Stage.YEAR_ZERO: "People who live here are making a plan together. No money is spent yet.",
    Stage.PLAN_AGREED: "People who live here have agreed their plan.",
    Stage.DELIVERING: "People who live here are making their plan happen.",
    Stage.LEAVING: "The area is getting ready to carry on without our support.",
    Stage.LEFT: "The area has left the programme.",
}


class PublicAreaSearchForm(forms.Form):
    q = forms.CharField(
        label="Neighbourhood, town or ward code",
        required=False,
        max_length=100,
        help_text="For example, Hendon, Sunderland or E05001158.",
        widget=forms.SearchInput,
    )
    region = forms.ChoiceField(
        label="Region", required=False, choices=[("", "All regions"), *Region.choices]
    )
    programme = forms.BooleanField(label="Only show areas in our programme", required=False)


@dataclass(frozen=True)
class PublicArea:
    """What the public pages may show about an area, and nothing more."""

    ward_code: str
    name: str
    local_authority: str
    region: str
    in_programme: bool
    has_left: bool
    cohort: str
    joined_on: datetime.date | None
    stage: str
    stage_meaning: str
    kinds: tuple[str, ...] = ()

    @classmethod
    def of(cls, area: Area, *, kinds: tuple[str, ...] = ()) -> "PublicArea":
        taking_part = area.cohort is not None
        return cls(
            ward_code=area.ward_code,
            name=area.name,
            local_authority=area.local_authority,
            region=area.get_region_display(),
            in_programme=area.in_programme,
            has_left=taking_part and area.stage == Stage.LEFT,
            cohort=area.get_cohort_display() if taking_part else "",
            joined_on=area.joined_on if taking_part else None,
            stage=area.get_stage_display() if taking_part else "",
            stage_meaning=STAGE_IN_PLAIN_WORDS.get(area.stage, "") if taking_part else "",
            kinds=kinds,
        )


def _search(areas, *, q: str, region: str, programme: bool):
    """Narrow the list: q matches a neighbourhood or council name, or a ward code."""
    areas = areas.search(q)
    if region:
        areas = areas.filter(region=region)
    if programme:
        areas = areas.in_programme()
    return areas


@login_not_required
@require_safe
def area_list(request):
    form = PublicAreaSearchForm(request.GET)
    areas = Area.objects.only(*PUBLIC_FIELDS).order_by("name", "ward_code")
    # The form cannot fail on these fields except for a made-up region or an
    # over-long search; then the list is shown unfiltered with the error.
    if form.is_valid():
        areas = _search(areas, **form.cleaned_data)
        searching = any(form.cleaned_data.values())
    else:
        searching = False
    # Two queries a page (the count and the rows), however many areas there are.
    page = Paginator(areas, AREAS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "areas/public_area_list.html",
        {
            "form": form,
            "page_obj": page,
            "areas": [PublicArea.of(area) for area in page],
            "searching": searching,
        },
    )


@dataclass(frozen=True)
class Figure:
    """One fact about an area, ready to show: its value in words, or None."""

    value: str | None
    explanation: str = ""


def _number(value: int | None) -> str | None:
    return None if value is None else f"{value:,}"


def _share_in_words(share: float) -> str:
    """0.42 -> "about 4 in 10 people"; the exact percentage is shown beside it."""
    tenths = round(share * 10)
    if share == 0:
        return "nobody"
    if share == 1:
        return "everybody"
    if tenths == 0:
        return "fewer than 1 in 10 people"
    if tenths == 10:
        return "almost everybody"
    return f"about {tenths} in 10 people"


def public_facts(area: Area) -> dict[str, Figure]:
    """The area's published figures in plain words (missing ones are None)."""
    share = area.share_most_deprived
    if share is None:
        most_deprived = Figure(None)
    else:
        most_deprived = Figure(
            f"{as_percent(share)} ({_share_in_words(share)})",
            f"{_number(area.population_most_deprived)} of the {_number(area.population)} "
            "people here live in a small area that is among the most deprived tenth "
            "in England.",
        )

    if area.small_areas is None:
        small_areas = Figure(None)
    elif area.small_areas_most_deprived is None:
        small_areas = Figure(_number(area.small_areas))
    else:
        small_areas = Figure(
            _number(area.small_areas),
            f"{_number(area.small_areas_most_deprived)} of them "
            f"{'is' if area.small_areas_most_deprived == 1 else 'are'} "
            "among the most deprived tenth of small areas in England.",
        )

    imd_rank = Figure(
        None if area.imd_rank is None else f"{area.imd_rank:,} out of {IMD_2019_SMALL_AREAS:,}",
        "This is the average rank of its small areas. 1 is the most deprived. "
        "The lower the number, the more deprived the area.",
    )
    imd_decile = Figure(
        None if area.imd_decile is None else f"{area.imd_decile} out of 10",
        "England's small areas are put into 10 equal groups. 1 is the most deprived tenth. "
        "10 is the least deprived tenth.",
    )
    cni_rank = Figure(
        _number(area.cni_rank),
        "1 is the neighbourhood with the most need. The lower the number, the greater the need.",
    )
    return {
        "population": Figure(_number(area.population)),
        "most_deprived": most_deprived,
        "small_areas": small_areas,
        "imd_rank": imd_rank,
        "imd_decile": imd_decile,
        "cni_rank": cni_rank,
    }


@login_not_required
@require_safe
def area_detail(request, ward_code):
    area = get_object_or_404(Area.objects.only(*PUBLIC_FIELDS), ward_code=ward_code)
    return render(
        request,
        "areas/public_area_detail.html",
        {
            "area": PublicArea.of(area, kinds=tuple(area.types.values_list("name", flat=True))),
            "facts": public_facts(area),
            "small_areas_in_england": f"{IMD_2019_SMALL_AREAS:,}",
        },
    )


@login_not_required
@require_safe
def about_the_data(request):
    return render(
        request,
        "about_the_data.html",
        {
            "small_areas_in_england": f"{IMD_2019_SMALL_AREAS:,}",
            "postcode_year": settings.NFC_POSTCODE_EDITION_YEAR,
        },
    )
