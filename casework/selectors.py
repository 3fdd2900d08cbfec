"""Reads for casework."""

from django.db import connection
from django.db.models import Q

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


def _matching(queryset, text: str, fields: list[str]):
    """Rows whose ``fields`` match ``text``: PostgreSQL's full-text search
    (stemmed English, web-search syntax, best matches first), or a plain
    case-insensitive match on the local SQLite default."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector(*fields, config="english")
        query = SearchQuery(text, config="english", search_type="websearch")
        return (
            queryset.annotate(search=vector, rank=SearchRank(vector, query))
            .filter(search=query)
            .order_by("-rank", "-pk")
        )
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": text})
    return queryset.filter(match).order_by("-pk")


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
        ["reference", "description", "group_name"],
    )
    interactions = _matching(
        Interaction.objects.filter(area__in=Area.objects.visible_to(user)).select_related(
            "area", "logged_by"
        ),
        text,
        ["notes", "next_steps"],
    )
    return {
        "requests": list(requests[:SEARCH_LIMIT]),
        "interactions": list(interactions[:SEARCH_LIMIT]),
    }
