"""The public events pages: no sign-in, plain words, and the same defence
against bots as the help form."""

from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from casework import services as casework_services
from events import selectors, services
from events.calendar import event_calendar as calendar_text
from events.forms import EventFilterForm, RegistrationForm
from events.models import MANAGE_LINK, Event, Registration
from nfc.private_links import private_page
from nfc.public_forms import HourlyLimit, SentReceipt, Verdict, same_sender, screen

EVENTS_PER_PAGE = 20
REGISTERED = SentReceipt("nfc_event_registered", path="/events/")

ACTION_CANCEL = "cancel"
ACTION_TAKE = "take"


def _hourly_limit() -> HourlyLimit:
    # Shares the help form's allowance per address: one setting for the
    # public forms that residents fill in.
    return HourlyLimit("event-registration", per_hour=settings.NFC_HELP_REQUESTS_PER_HOUR)


def _published(slug: str, *, places: bool = False) -> Event:
    """The published event; with ``places``, its places taken counted in the
    same query (the page shows places left more than once)."""
    events = Event.objects.published().prefetch_related("topics", "sessions")
    if places:
        events = events.with_places_taken()
    return get_object_or_404(events, slug=slug)


@login_not_required
@require_safe
def event_list(request):
    form = EventFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.events_listed(Event.objects.upcoming(), **filters)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/public_event_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _detail(request, event: Event, form: RegistrationForm, *, status: int = 200):
    return render(
        request,
        "events/public_event_detail.html",
        {
            "event": event,
            "form": form,
            "waitlist_only": event.places_left == 0,
            "retention_days": settings.NFC_EVENT_RETENTION_DAYS,
        },
        status=status,
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def event_detail(request, slug):
    if request.method == "GET":
        event = _published(slug, places=True)
        return _detail(request, event, RegistrationForm.for_event(event)())
    # A post needs the event alone: its places are counted as the
    # registration is saved, with the event's row locked.
    event = get_object_or_404(Event.objects.published(), slug=slug)
    if not event.registration_open:
        return _detail(request, event, RegistrationForm.for_event(event)())

    # A form sent again (a double click, a retry): answered with the
    # registration it made, before the hourly limit.
    token_hash = RegistrationForm.token_hash(request.POST)
    already = Registration.objects.filter(form_token_hash=token_hash, event=event).first()
    if already is not None:
        if same_sender(request.POST, name=already.name, email=already.email):
            return REGISTERED.give(
                redirect("events_public:registered", slug=event.slug), str(already.pk)
            )
        # Someone else's used token: it shows them nothing of that registration.
        form = RegistrationForm.for_event(event).sent_again(request.POST)
        form.add_error(None, "This form was sent already. Check your answers and send it again.")
        return _detail(request, event, form)

    screening = screen(
        request,
        RegistrationForm.for_event(event),
        limit=_hourly_limit(),
        count=casework_services.spam_count,
    )
    if screening.verdict == Verdict.BOT:
        return render(request, "events/registered.html", {"event": event, "registration": None})
    if screening.verdict != Verdict.SEND:
        status = 429 if screening.verdict == Verdict.TOO_MANY else 200
        return _detail(request, event, screening.form, status=status)
    form = cast(RegistrationForm, screening.form)
    try:
        registration = services.registration_submit(
            event=event, form_token_hash=token_hash, **form.registration_details()
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _detail(request, event, form)
    return REGISTERED.give(
        redirect("events_public:registered", slug=event.slug), str(registration.pk)
    )


@login_not_required
@require_safe
def registered(request, slug):
    """What became of the registration: a place, or a place in the queue
    (so that refreshing sends nothing again), shown once (see SentReceipt)."""
    event = _published(slug)
    pk = REGISTERED.read(request)
    if pk == REGISTERED.SHOWN:
        return render(request, "events/registered.html", {"event": event, "shown": True})
    registration = Registration.objects.filter(pk=pk, event=event).first() if pk else None
    if registration is None:
        return redirect("events_public:event_detail", slug=event.slug)
    place = (
        services.waitlist_place(registration)
        if registration.status == Registration.Status.WAITLISTED
        else None
    )
    page = render(
        request,
        "events/registered.html",
        {
            "event": event,
            "registration": registration,
            "place": place,
            "offer_hours": settings.NFC_EVENT_OFFER_HOURS,
        },
    )
    return REGISTERED.mark_shown(page)


@login_not_required
@require_safe
def event_calendar(request, slug):
    event = _published(slug)
    response = HttpResponse(calendar_text(event), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


@login_not_required
@private_page
@require_http_methods(["GET", "POST"])
def manage(request, secret):
    """The person's own page, by the private link in their e-mail: their
    place (or where they are in the queue), and buttons to cancel or to take
    a place offered. Nothing changes on opening it: only a button (a POST)
    does."""
    registration = MANAGE_LINK.find(
        Registration.objects.select_related("event", "area"), secret=secret
    )
    if registration is None:
        return render(request, "events/manage_gone.html", status=404)
    event = registration.event
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == ACTION_CANCEL:
            services.registration_cancel(registration=registration)
            return render(request, "events/manage_cancelled.html", {"event": event})
        if action == ACTION_TAKE:
            try:
                registration = services.registration_take_offer(registration=registration)
            except services.OfferGone:
                error = "Sorry: this offer has ended, so the place has gone to someone else."
                registration.refresh_from_db()
            else:
                return redirect("events_public:manage", secret=secret)
    place = (
        services.waitlist_place(registration)
        if registration.status == Registration.Status.WAITLISTED
        else None
    )
    return render(
        request,
        "events/manage.html",
        {
            "registration": registration,
            "event": event,
            "place": place,
            "error": error,
            "ACTION_CANCEL": ACTION_CANCEL,
            "ACTION_TAKE": ACTION_TAKE,
        },
    )
