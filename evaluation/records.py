"""The records behind a report's figures, for every reader of reports:
interactions, time given and people at events (which have no list of their
own elsewhere), and requests and referrals (whose lists in casework only
those who see casework may open: evaluators read the figures here).

A figure's link opens one of these with the report's filters, so its total
can be checked by a click. Each shows what was counted and never what
could name a resident: no interaction notes, no names of people at events
(only how many came from each area to each event), no resident's name,
contact details or message on a request, nor the help asked for in a
referral.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse

from advisers.models import TimeRecord
from advisers.permissions import has_perm
from advisers.selectors import hours_as_days
from areas.models import Area
from casework.models import Interaction, Referral, SupportRequest
from evaluation.forms import (
    SIDES,
    FigureRecordsForm,
    ReferralRecordsForm,
    RequestRecordsForm,
)
from events.models import Registration


@dataclass(frozen=True)
class RecordKind:
    key: str
    title: str
    noun: str
    # The filter form's fields this kind answers to, beyond dates and areas.
    extra_fields: tuple[str, ...] = ()
    form: type[FigureRecordsForm] = FigureRecordsForm


KINDS = {
    kind.key: kind
    for kind in (
        RecordKind("interactions", "Interactions", "interaction"),
        RecordKind("time", "Time given", "time record", ("role",)),
        RecordKind("attendances", "People at events", "event and area", ("event_kind",)),
        RecordKind(
            "requests", "Requests", "request", ("status", "topic", "dated"), RequestRecordsForm
        ),
        RecordKind("referrals", "Referrals", "referral", ("status",), ReferralRecordsForm),
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


def requests_found(form: FigureRecordsForm, areas: QuerySet[Area]) -> Found:
    """Requests as the request list finds them, with none of what the
    resident told us: no name, contact details, place or message."""
    chosen = form.cleaned_data
    found = SupportRequest.objects.filter(area__in=areas.values("pk")).with_status(chosen["status"])
    if chosen["topic"]:
        found = found.filter(topic=chosen["topic"])
    found = form.narrow(
        found, dated_by=RequestRecordsForm.DATED_BY[chosen["dated"] or "received"], moment=True
    )
    totals = found.aggregate(count=Count("pk"))
    rows = (
        found.select_related("area")
        .only(
            "reference",
            "created_at",
            "topic",
            "status",
            "first_contact_at",
            "resolved_at",
            "area__name",
        )
        .order_by("created_at", "pk")
    )
    return Found(rows, totals)


def referrals_found(form: FigureRecordsForm, areas: QuerySet[Area]) -> Found:
    """Referrals as the referral list finds them, without the help asked
    for or the outcome in words (which may tell of people)."""
    found = Referral.objects.filter(area__in=areas.values("pk")).with_status(
        form.cleaned_data["status"]
    )
    found = form.narrow(found, dated_by="requested_on", moment=False)
    totals = found.aggregate(count=Count("pk"))
    rows = (
        found.select_related("area", "partner")
        .only(
            "status",
            "requested_on",
            "accepted_on",
            "declined_on",
            "delivered_on",
            "outcome_recorded_on",
            "area__name",
            "partner__name",
        )
        .order_by("-requested_on", "-pk")
    )
    return Found(rows, totals)


FINDERS = {
    "interactions": interactions_found,
    "time": time_found,
    "attendances": attendances_found,
    "requests": requests_found,
    "referrals": referrals_found,
}


def _stand_ins() -> dict[str, tuple[str, str]]:
    """The casework lists a figure may link to, by path: the permission
    each asks (the view's own) and the kind of record here that shows the
    same records to those without it."""
    return {
        reverse("casework:request_list"): ("casework.view", "requests"),
        reverse("referrals:list"): ("casework.view", "referrals"),
    }


def link_for(user, link: str) -> str:
    """Where a figure's ``link`` takes ``user``: the list it names when they
    may open it (advisers and managers see the records themselves), else the
    same records here, with the same query string (evaluators)."""
    path, mark, query = link.partition("?")
    guarded = _stand_ins().get(path)
    if guarded is None:
        return link
    perm, kind = guarded
    if has_perm(user, perm):
        return link
    return f"{reverse('figures:records', kwargs={'kind': kind})}{mark}{query}"
