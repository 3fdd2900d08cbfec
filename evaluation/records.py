"""The records behind a report's figures that have no list of their own
elsewhere in the portal: interactions, time given, and people at events.

A figure's link opens one of these with the report's filters, so its total
can be checked by a click. Each shows what was counted and never what
could name a resident: no interaction notes, no names of people at events
(only how many came from each area to each event).
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db.models import Count, QuerySet, Sum

from advisers.models import TimeRecord
from advisers.roles import Role
from advisers.selectors import hours_as_days
from areas.models import Area
from casework.forms import RecordsFilterForm
from casework.models import Interaction
from events.models import Event, Registration

# The roles whose time counts towards the 2 + 2 days.
SIDES = [(Role.ADVISER, "Advisers"), (Role.COMMUNITY_WORKER, "Community workers")]


class FigureRecordsForm(RecordsFilterForm):
    role = forms.ChoiceField(label="Given by", required=False, choices=[("", "Anyone"), *SIDES])
    event_kind = forms.ChoiceField(
        label="Kind of event", required=False, choices=[("", "Any kind"), *Event.Kind.choices]
    )


@dataclass(frozen=True)
class RecordKind:
    key: str
    title: str
    noun: str
    # The filter form's fields this kind answers to, beyond dates and areas.
    extra_fields: tuple[str, ...] = ()


KINDS = {
    kind.key: kind
    for kind in (
        RecordKind("interactions", "Interactions", "interaction"),
        RecordKind("time", "Time given", "time record", ("role",)),
        RecordKind("attendances", "People at events", "event and area", ("event_kind",)),
    )
}


@dataclass
class Found:
    """The records of one page, and the totals of all that match."""

    rows: QuerySet
    totals: dict


def interactions_found(form: FigureRecordsForm, areas: QuerySet[Area]) -> Found:
    found = form.narrow(
        Interaction.objects.filter(area__in=areas.values("pk")), dated_by="date", moment=False
    )
    totals = found.aggregate(
        count=Count("pk"), residents=Sum("residents"), new_residents=Sum("new_residents")
    )
    rows = (
        found.select_related("area", "logged_by")
        .only(
            "date",
            "kind",
            "residents",
            "new_residents",
            "minutes",
            "area__name",
            "logged_by__full_name",
        )
        .order_by("-date", "-pk")
    )
    return Found(rows, totals)


def time_found(form: FigureRecordsForm, areas: QuerySet[Area]) -> Found:
    found = form.narrow(
        TimeRecord.objects.filter(
            area__in=areas.values("pk"), role__in=[role for role, _ in SIDES]
        ),
        dated_by="date",
        moment=False,
    )
    if form.cleaned_data["role"]:
        found = found.filter(role=form.cleaned_data["role"])
    totals = found.aggregate(count=Count("pk"), hours=Sum("hours"))
    totals["days"] = hours_as_days(totals["hours"]).quantize(Decimal("0.1"))
    rows = found.select_related("area", "person").order_by("-date", "-pk")
    return Found(rows, totals)


def attendances_found(form: FigureRecordsForm, areas: QuerySet[Area]) -> Found:
    """People checked in at events, by event and area they came from: how
    many, never who."""
    found = form.narrow(
        Registration.objects.filter(
            area__in=areas.values("pk"),
            checked_in_at__isnull=False,
            status=Registration.Status.CONFIRMED,
        ),
        dated_by="event__starts_at",
        moment=True,
    )
    if form.cleaned_data["event_kind"]:
        found = found.filter(event__kind=form.cleaned_data["event_kind"])
    totals = found.aggregate(count=Count("pk"), events=Count("event", distinct=True))
    rows = (
        found.values("event__title", "event__starts_at", "event__kind", "area__name")
        .annotate(people=Count("pk"))
        .order_by("-event__starts_at", "event__title", "area__name")
    )
    return Found(rows, totals)


FINDERS = {
    "interactions": interactions_found,
    "time": time_found,
    "attendances": attendances_found,
}
