"""Reads for casework."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from casework.models import Signposting

DEFAULT_SIGNPOSTING = (
    "Your local council's community or voluntary sector team can tell you about "
    "groups near you. Your local Council for Voluntary Service (CVS) helps "
    "community groups with advice, training and funding. Citizens Advice can "
    "help with problems of your own, like money or housing."
)


def signposting_text() -> str:
    """Who else can help, for a resident outside the NfC's areas."""
    latest = Signposting.objects.first()
    return latest.text if latest else DEFAULT_SIGNPOSTING


SEARCH_LIMIT = 50


# What each model is searched on. A migration (0012) indexes the same
# expressions on PostgreSQL, so a search reads a GIN index instead of
# working out every row's words.
REQUEST_SEARCH_FIELDS = ["reference", "description", "group_name"]
INTERACTION_SEARCH_FIELDS = ["notes", "next_steps"]


def search_vector(fields: list[str]):
    from django.contrib.postgres.search import SearchVector

    return SearchVector(*fields, config="english")


def _matching(queryset, text: str, fields: list[str], *, newest_first: tuple[str, ...] = ()):
    """Rows whose ``fields`` match ``text``: PostgreSQL's full-text search
    (stemmed English, web-search syntax), or a plain case-insensitive match
    on the local SQLite default. Best matches first, or newest first by
    ``newest_first`` fields: ranking needs every match's words worked out
    again, which a common word in a million notes makes slow."""
    order = [f"-{name}" for name in (*newest_first, "pk")]
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        vector = search_vector(fields)
        query = SearchQuery(text, config="english", search_type="websearch")
        matches = queryset.alias(search=vector).filter(search=query)
        if newest_first:
            return matches.order_by(*order)
        return matches.annotate(rank=SearchRank(vector, query)).order_by("-rank", "-pk")
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": text})
    return queryset.filter(match).order_by(*order)


def casework_search(*, user, text: str) -> dict[str, list]:
    """Requests and interactions within ``user``'s scope that match ``text``."""
    from areas.models import Area
    from casework.models import Interaction, SupportRequest

    text = text.strip()
    if not text:
        return {"requests": [], "interactions": []}
    requests = _matching(
        SupportRequest.objects.visible_to(user).select_related("area", "assigned_to"),
        text,
        REQUEST_SEARCH_FIELDS,
    )
    interactions = _matching(
        Interaction.objects.filter(area__in=Area.objects.visible_to(user)).select_related(
            "area", "logged_by"
        ),
        text,
        INTERACTION_SEARCH_FIELDS,
        newest_first=("date",),
    )
    return {
        "requests": list(requests[:SEARCH_LIMIT]),
        "interactions": list(interactions[:SEARCH_LIMIT]),
    }


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str
    text: str
    by: str = ""


def _midday(day: datetime.date) -> datetime.datetime:
    # Dated records (an interaction) sort among timed ones (a status change).
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def timeline(*, area=None, support_request=None, limit: int = 100) -> list[TimelineEntry]:
    """What happened, newest first: status changes, interactions, actions,
    referrals and residents' messages for a request, or all of an area's. A fixed number of
    queries, each capped at ``limit``."""
    from casework.models import Action, Interaction, Referral, ResidentMessage, StatusChange

    where = {"support_request": support_request} if support_request else {"area": area}
    entries = [
        TimelineEntry(
            _midday(i.date),
            "Interaction",
            f"{i.get_kind_display()}: {i.notes}".rstrip(": "),
            str(i.logged_by),
        )
        for i in Interaction.objects.filter(**where)
        .select_related("logged_by")
        .order_by("-date", "-pk")[:limit]
    ]
    for action in (
        Action.objects.filter(**where).select_related("owner").order_by("-created_at")[:limit]
    ):
        entries.append(
            TimelineEntry(
                action.created_at,
                "Action set",
                f"{action.description} (by {action.due_on:%-d %b %Y})",
                str(action.owner),
            )
        )
        if action.done_at:
            entries.append(
                TimelineEntry(action.done_at, "Action done", action.description, str(action.owner))
            )
    changes = StatusChange.objects.select_related("changed_by", "support_request")
    changes = (
        changes.filter(support_request=support_request)
        if support_request
        else changes.filter(support_request__area=area)
    )
    for change in changes[:limit]:
        label = f"{change.support_request.reference}: " if not support_request else ""
        moved = f"{change.get_from_status_display()} → {change.get_to_status_display()}"
        note = f": {change.note}" if change.note else ""
        entries.append(
            TimelineEntry(
                change.changed_at, "Status", f"{label}{moved}{note}", str(change.changed_by or "")
            )
        )
    messages = ResidentMessage.objects.all()
    messages = (
        messages.filter(support_request=support_request)
        if support_request
        else messages.filter(support_request__area=area)
    )
    for message in messages.select_related("support_request")[:limit]:
        entries.append(
            TimelineEntry(
                message.created_at, "Message from the resident", message.support_request.reference
            )
        )
    for referral in Referral.objects.filter(**where).select_related("partner")[:limit]:
        entries.append(
            TimelineEntry(
                _midday(referral.last_step_on),
                "Referral",
                f"{referral.partner}: {referral.get_status_display()}",
            )
        )
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:limit]
