"""The staff pages of the network between areas: the picture and the
strongest pairs, every pair on a page of its own, the areas with no
connection, recording a connection, introducing an area to a peer; and the
network's part of each area's page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.dispatch import receiver
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from advisers.permissions import has_perm, may_record_connection, permission_required
from areas.links import area_page_addresses
from areas.models import Area
from areas.signals import EVENTS, area_page_panels
from events import network_services
from events.models import Connection, Event
from events.network import (
    RECENT_FIELDS,
    PairRow,
    network_pairs,
    network_picture,
    pairs_table,
    recent_table,
    strongest,
)
from events.network_forms import ConnectionForm, IntroduceForm
from events.selectors_network import (
    isolated_areas,
    last_twelve_months,
    links_at_events,
    peer_suggestions,
    recorded_pairs,
    strongest_links_at_events,
)

RECENT_CONNECTIONS = 50
# The pairs that met at events drawn and listed: those that met most often.
# A year's national event alone pairs every area with every other (some
# 20,000 pairs, an 11 MB page that took seconds to draw).
EVENT_LINKS_SHOWN = 150
# The pairs listed under the picture: the strongest. Every pair is a click
# away; the thousand rows of a full programme's year were most of the page.
STRONGEST_SHOWN = 50
# What the picture and the tables of pairs show of an area.
PAIR_AREA_FIELDS = ("ward_code", "name", "region")


def _may_record_for(user):
    """The areas ``user`` may record a connection for: an adviser's own, a
    manager's in their scope."""
    areas = Area.objects.visible_to(user).in_programme()
    return areas.advised_by(user) if not has_perm(user, "areas.view_all") else areas


def _pairs(user, period, *, with_scope: bool) -> tuple[list[Area], list[PairRow], int, int]:
    """The areas and the pairs the network page draws and lists for
    ``user``: every connection recorded in their scope, and the pairs that
    met at the most events. With the areas: those the pairs join (and
    ``with_scope``, the areas of the programme in their scope), each
    marked ``openable`` if the viewer may open its page. With the pairs:
    how many of those that met at events are shown, and how many there are."""
    scope = Area.objects.visible_to(user)
    recorded = recorded_pairs(connections=Connection.objects.visible_to(user), period=period)
    at_events, at_events_total = strongest_links_at_events(
        areas=scope, period=period, most=EVENT_LINKS_SHOWN
    )
    ends = {pk for pair in recorded for pk in (pair.area_a, pair.area_b)} | {
        pk for link in at_events for pk in (link.area_a, link.area_b)
    }
    wanted = Q(pk__in=ends) | Q(pk__in=scope.in_programme()) if with_scope else Q(pk__in=ends)
    # Each area read once, with whether the viewer may open its page (a
    # pair may join one of theirs to an area beyond their scope).
    in_scope = ExpressionWrapper(Q(pk__in=scope.order_by().values("pk")), BooleanField())
    areas = list(Area.objects.filter(wanted).only(*PAIR_AREA_FIELDS).annotate(openable=in_scope))
    pairs = network_pairs(areas=areas, recorded=recorded, at_events=at_events)
    return areas, pairs, len(at_events), at_events_total


@require_safe
@permission_required("connections.view")
def network(request):
    user = request.user
    period = last_twelve_months()
    scope = Area.objects.visible_to(user)
    areas, pairs, at_events_shown, at_events_total = _pairs(user, period, with_scope=True)
    isolated = list(
        isolated_areas(areas=scope, period=period).only("ward_code", "name", "region", "stage")
    )
    picture = network_picture(areas=areas, pairs=pairs, isolated={area.pk for area in isolated})
    can_record = has_perm(user, "connections.record")
    recent = (
        Connection.objects.visible_to(user)
        .order_by("-made_on", "-pk")
        .values(*RECENT_FIELDS)[:RECENT_CONNECTIONS]
    )
    return render(
        request,
        "events/network.html",
        {
            "picture": picture,
            "pairs_count": len(pairs),
            "strongest_shown": min(len(pairs), STRONGEST_SHOWN),
            "strongest_rows": pairs_table(
                strongest(pairs, STRONGEST_SHOWN),
                openable={area.pk for area in areas if area.openable},
            ),
            "at_events_shown": at_events_shown,
            "at_events_total": at_events_total,
            "isolated": isolated,
            "recent_rows": recent_table(
                recent,
                can_record=can_record,
                can_see_notes=has_perm(user, "areas.view_notes"),
                csrf_token=lambda: get_token(request),
            ),
            "period": period,
            "can_record": can_record,
        },
    )


@require_safe
@permission_required("connections.view")
def network_pairs_page(request):
    """Every pair the network page draws, as a table by region: a click
    away from the picture, which lists only the strongest."""
    period = last_twelve_months()
    areas, pairs, at_events_shown, at_events_total = _pairs(request.user, period, with_scope=False)
    return render(
        request,
        "events/network_pairs.html",
        {
            "pairs_count": len(pairs),
            "rows": pairs_table(pairs, openable={area.pk for area in areas if area.openable}),
            "at_events_shown": at_events_shown,
            "at_events_total": at_events_total,
            "period": period,
        },
    )


def _back(request, default: str) -> str:
    """Where to go after a POST: the page it came from, if it is ours."""
    wanted = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


@require_http_methods(["GET", "POST"])
@permission_required("connections.record")
def connection_new(request):
    user = request.user
    # From an area's page: the area, and the other end of a link made at
    # an event, filled in.
    initial: dict[str, object] = {
        name: int(request.GET[name])
        for name in ("area", "other")
        if request.GET.get(name, "").isdigit()
    }
    if request.GET.get("origin") in Connection.Origin.values:
        initial["origin"] = request.GET["origin"]
    form = ConnectionForm(
        request.POST or None,
        initial=initial,
        own_areas=_may_record_for(user),
        events=Event.objects.visible_to(user),
    )
    if request.method == "POST" and form.is_valid():
        details = form.cleaned_data
        try:
            network_services.connection_record(by=user, **details)
        except PermissionDenied:
            form.add_error(None, "You can record connections only for your own areas.")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Connection between {details['area'].name} and {details['other'].name} recorded.",
            )
            return redirect("events:network")
    return render(request, "events/network_connection_form.html", {"form": form})


@require_POST
@permission_required("connections.record")
def connection_introduce(request):
    form = IntroduceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That introduction could not be recorded: try again from the list.")
        return redirect(_back(request, "events:network"))
    area, peer = form.cleaned_data["area"], form.cleaned_data["peer"]
    try:
        network_services.connection_introduce(
            by=request.user, area=area, peer=peer, topic=form.cleaned_data["topic"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Introduction recorded: {area.name} and {peer.name} are now connected."
        )
    return redirect(_back(request, "events:network"))


@require_POST
@permission_required("connections.record")
def connection_followed_up(request, pk: int):
    connection = get_object_or_404(
        Connection.objects.visible_to(request.user).select_related("area_a", "area_b"), pk=pk
    )
    network_services.connection_mark_followed_up(connection=connection, by=request.user)
    messages.success(request, f"{connection} marked as followed up.")
    return redirect(_back(request, "events:network"))


@receiver(area_page_panels, dispatch_uid="events.network")
def network_panel(sender, *, request, area, page, **kwargs) -> str | None:
    """The area's connections, the links its people made at events, and
    peers a stage ahead to introduce it to."""
    user = request.user
    if page != EVENTS or not has_perm(user, "connections.view"):
        return None
    period = last_twelve_months()
    connections = list(
        Connection.objects.of_area(area).select_related("area_a", "area_b", "event")[:20]
    )
    links = links_at_events(areas=Area.objects.filter(pk=area.pk), period=period)
    others = {link.area_b if link.area_a == area.pk else link.area_a for link in links}
    names = Area.objects.only("ward_code", "name").in_bulk(others)
    may_record = may_record_connection(user, area, area)
    # A busy area met some two hundred others: each row's addresses and
    # words are made here, once, not by template tags row by row.
    page_of = area_page_addresses()
    record = f"{reverse('events:connection_new')}?area={area.pk}&other="
    met = []
    for link in sorted(links, key=lambda link: -link.events):
        other = names[link.area_b if link.area_a == area.pk else link.area_a]
        met.append(
            {
                "area": other,
                "url": page_of(other.ward_code),
                "events": f"{link.events} event{pluralize(link.events)}",
                "record_url": f"{record}{other.pk}&origin=event" if may_record else "",
            }
        )
    return render_to_string(
        "events/_network_area_panel.html",
        {
            "area": area,
            "connections": [(c, c.other(area)) for c in connections],
            "met": met,
            "suggestions": peer_suggestions(area=area) if may_record else [],
            "may_record": may_record,
            # The area's page is fetched within the person's scope already.
            "can_see_notes": has_perm(user, "areas.view_notes"),
        },
        request=request,
    )
