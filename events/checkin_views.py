"""The staff pages of the day and after: checking people in on a phone,
adding walk-ins, and turning someone's attendance into a follow-up action.

A tick is a small POST of one person's state. Sent by the page's script it
gets back that person's row (the page says it was saved); sent as a plain
form (no script) it returns to the list, with the message."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from advisers.permissions import may_check_in, may_contact_after_event, permission_required
from areas.models import Area
from events import checkin
from events.checkin_forms import AttendanceActionForm, TickForm, WalkInForm
from events.models import Event, Registration
from nfc.text import without_direction_controls

# The header the page's script sends to get back one row, not the page.
FRAGMENT_HEADER = "X-NfC-Fragment"
# Names a page: at a national event of 1,500 people the whole list was
# 1.4 MB of page (over a second to draw, and longer to reach a phone on a
# slow connection); at the door people are found by the search.
CHECKIN_PER_PAGE = 100


def _for_check_in(request, slug: str) -> Event:
    event = get_object_or_404(
        Event.objects.visible_to(request.user).select_related("organiser"), slug=slug
    )
    if not may_check_in(request.user, event):
        raise PermissionDenied
    return event


def _list_url(event: Event, search: str = "", anchor: str = "", page: int | None = None) -> str:
    url = reverse("events:checkin", kwargs={"slug": event.slug})
    query = {"q": search} if search else {}
    if page and page > 1:
        query["page"] = str(page)
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{anchor}" if anchor else "")


@require_safe
@permission_required("events.check_in")
def checkin_list(request, slug):
    event = _for_check_in(request, slug)
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(checkin.checkin_list(event, search=search), CHECKIN_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "events/checkin.html",
        {
            "event": event,
            "people": page.object_list,
            "page": page,
            "page_number": page.number,
            "query": urlencode({"q": search}) if search else "",
            "search": search,
            "counts": checkin.checkin_counts(event),
            "open": checkin.check_in_open(event),
            "opens": checkin.check_in_opens(event),
        },
    )


@require_POST
@permission_required("events.check_in")
def checkin_tick(request, slug, pk):
    event = _for_check_in(request, slug)
    registration = get_object_or_404(
        Registration.objects.filter(event=event).select_related("event", "area"), pk=pk
    )
    form = TickForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "Not saved: say whether they came."
    else:
        try:
            registration = checkin.registration_check_in(
                registration=registration, by=request.user, attended=form.cleaned_data["attended"]
            )
        except ValidationError as problem:
            error = "Not saved: " + " ".join(problem.messages)
    search = form.cleaned_data.get("q", "") if form.is_valid() else ""
    page_number = form.cleaned_data.get("page") if form.is_valid() else None
    if request.headers.get(FRAGMENT_HEADER) == "row":
        registration.refresh_from_db(fields=["checked_in_at", "checked_in_by"])
        return render(
            request,
            "events/_checkin_row.html",
            {
                "event": event,
                "person": registration,
                "search": search,
                "page_number": page_number,
                "open": checkin.check_in_open(event),
                "error": error,
                "saved": not error,
                "counts": checkin.checkin_counts(event),
            },
            status=400 if error else 200,
        )
    name = without_direction_controls(registration.name)
    if error:
        messages.error(request, f"{name}: {error}")
    elif registration.checked_in_at:
        messages.success(
            request,
            f"Saved: {name} is checked in "
            f"({timezone.localtime(registration.checked_in_at):%H:%M}).",
        )
    else:
        messages.success(request, f"Saved: {name} is no longer checked in.")
    return redirect(_list_url(event, search, anchor=f"person-{registration.pk}", page=page_number))


@require_http_methods(["GET", "POST"])
@permission_required("events.check_in")
def walk_in(request, slug):
    event = _for_check_in(request, slug)
    form = WalkInForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            person = checkin.walk_in_add(event=event, by=request.user, **form.walk_in_details())
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            messages.success(
                request, f"Added and checked in: {without_direction_controls(person.name)}."
            )
            return redirect(_list_url(event, anchor=f"person-{person.pk}"))
    return render(
        request,
        "events/checkin_walk_in.html",
        {"event": event, "form": form, "open": checkin.check_in_open(event)},
    )


@require_http_methods(["GET", "POST"])
@permission_required("events.view_registrations")
@permission_required("casework.log")
def attendance_action(request, pk):
    """A follow-up action, for the person making it, about someone from their
    areas who came to an event."""
    attendance = get_object_or_404(
        Registration.objects.visible_to(request.user)
        .filter(Q(checked_in_at__isnull=False), area__in=Area.objects.visible_to(request.user))
        .select_related("event", "area"),
        pk=pk,
    )
    event = attendance.event
    may_contact = may_contact_after_event(request.user, attendance)
    when = f"{event.title} ({timezone.localtime(event.starts_at):%-d %b})"
    # Only someone who asked to be contacted is offered an action to contact
    # them; for anyone else the follow-up is the area's, not theirs.
    description = (
        f"Contact {without_direction_controls(attendance.name)} after {when}"
        if may_contact
        else f"Follow up {when} in {attendance.area.name}"
    )
    form = AttendanceActionForm(request.POST or None, initial={"description": description[:300]})
    if request.method == "POST" and form.is_valid():
        try:
            attendance = checkin.attendance_follow_up(
                registration=attendance, by=request.user, **form.cleaned_data
            )
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            action = attendance.follow_up_action
            messages.success(request, f"Added: {action} (for you, by {action.due_on:%-d %B}).")
            return redirect("advisers:home")
    return render(
        request,
        "events/attendance_action.html",
        {"attendance": attendance, "event": event, "form": form, "may_contact": may_contact},
    )
