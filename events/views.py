"""The staff pages of events: the list, an event's page with who is coming
and who is waiting, and organising (create, change, publish, cancel, copy)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from advisers.permissions import (
    has_perm,
    may_organise_event,
    may_see_registrations,
    permission_required,
)
from events import selectors, services
from events.forms import EventCancelForm, EventForm
from events.models import Event

EVENTS_PER_PAGE = 50


def _visible(request, slug: str) -> Event:
    return get_object_or_404(
        Event.objects.visible_to(request.user)
        .select_related("organiser", "host_area")
        .prefetch_related("topics", "sessions", "areas"),
        slug=slug,
    )


def _organised(request, slug: str) -> Event:
    event = _visible(request, slug)
    if not may_organise_event(request.user, event):
        raise PermissionDenied
    return event


@require_safe
@permission_required("events.view")
def event_list(request):
    past = request.GET.get("when") == "past"
    now = timezone.now()
    events = Event.objects.visible_to(request.user).select_related("organiser")
    events = events.filter(ends_at__lte=now) if past else events.filter(ends_at__gt=now)
    events = selectors.events_listed(events)
    if past:
        events = events.order_by("-starts_at", "-pk")
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/event_list.html",
        {
            "page": page,
            "past": past,
            "can_organise": has_perm(request.user, "events.organise"),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("events.organise")
def event_new(request):
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(by=request.user, **form.event_details())
        except PermissionDenied:
            form.add_error(None, services.not_organiser_message(request.user))
        else:
            messages.success(request, "Event saved. Publish it when it is ready.")
            return redirect("events:detail", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@require_safe
@permission_required("events.view")
def event_detail(request, slug):
    event = _visible(request, slug)
    show_people = may_see_registrations(request.user, event)
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "registrations": selectors.event_registrations(event) if show_people else None,
            "counts": selectors.event_counts(event),
            "can_organise": may_organise_event(request.user, event),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("events.organise")
def event_edit(request, slug):
    event = _organised(request, slug)
    if event.is_cancelled:
        messages.error(request, "A cancelled event cannot be changed.")
        return redirect("events:detail", slug=event.slug)
    form = EventForm(request.POST or None, instance=event, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(event=event, by=request.user, **form.event_details())
        except PermissionDenied:
            form.add_error(None, services.not_organiser_message(request.user))
        else:
            messages.success(
                request, "Event changed. Everyone registered is told of a new time or place."
            )
            return redirect("events:detail", slug=event.slug)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@require_POST
@permission_required("events.organise")
def event_publish(request, slug):
    event = _organised(request, slug)
    try:
        services.event_publish(event=event, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Published: it is on the public events page.")
    return redirect("events:detail", slug=event.slug)


@require_http_methods(["GET", "POST"])
@permission_required("events.organise")
def event_cancel(request, slug):
    event = _organised(request, slug)
    form = EventCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_cancel(event=event, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Cancelled. Everyone registered is told by e-mail.")
            return redirect("events:detail", slug=event.slug)
    return render(request, "events/event_cancel.html", {"form": form, "event": event})


@require_POST
@permission_required("events.organise")
def event_copy(request, slug):
    event = _organised(request, slug)
    copy = services.event_copy(event=event, by=request.user)
    messages.success(
        request, "This is a copy, not yet published: change its dates, then publish it."
    )
    return redirect("events:edit", slug=copy.slug)


@require_POST
@permission_required("events.organise")
def registration_cancel(request, slug, pk):
    """Cancel a person's registration for them (they rang, or wrote): the
    place goes to the first in line, and their link stops working."""
    event = _organised(request, slug)
    registration = get_object_or_404(event.registrations.all(), pk=pk)
    services.registration_cancel(registration=registration, by=request.user)
    messages.success(request, "Cancelled. If it freed a place, the first in line is offered it.")
    return redirect("events:detail", slug=event.slug)


@require_POST
@permission_required("events.organise")
def registration_take_offer(request, slug, pk):
    """Give a person the place offered to them, for them (someone with no
    e-mail address, phoned, who said yes)."""
    event = _organised(request, slug)
    registration = get_object_or_404(event.registrations.all(), pk=pk)
    try:
        services.registration_take_offer(registration=registration, by=request.user)
    except services.OfferGone:
        messages.error(request, "That offer has ended, so the place has gone to the next in line.")
    else:
        messages.success(request, "Done: they have the place.")
    return redirect("events:detail", slug=event.slug)
