"""Events' parts of pages that belong to the apps below: who came to events
from an adviser's areas (their home page), and an area's attendance (its
page). Connected in EventsConfig.ready."""

import datetime

from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone

from advisers.permissions import has_perm, may_contact_after_event
from advisers.signals import home_page_panels
from areas.links import addresses
from areas.signals import EVENTS, area_page_panels
from events import selectors
from events.models import Registration
from nfc.periods import Period

# "Recent events" on the home page: those that ended in these last days.
RECENT_DAYS = 60
# The home page lists at most this many people (the latest events first).
HOME_LIMIT = 30
# What the home page shows of each person: not their access or dietary
# needs, which are for the event's organiser.
HOME_FIELDS = [
    "name",
    "email",
    "phone",
    "walk_in",
    "area_id",
    "follow_up_consented_at",
    "details_removed_at",
    "area__name",
    "event__slug",
    "event__title",
    "event__starts_at",
    "follow_up_action__description",
    "follow_up_action__due_on",
    "follow_up_action__done_at",
]
# An area's page counts the events of the past year.
AREA_DAYS = 365


def _days_up_to_today(days: int) -> Period:
    today = timezone.localdate()
    return Period(today - datetime.timedelta(days=days), today + datetime.timedelta(days=1))


def _day(moment: datetime.datetime) -> str:
    """The local day of ``moment`` as the pages write it (``j M Y``)."""
    return f"{timezone.localtime(moment):%-d %b %Y}"


def _with_event_links(rows) -> None:
    """Give each row its event's address and day (``event_url``,
    ``event_day``), worked out once an event rather than by a template tag
    on every row."""
    links: dict[int, tuple[str, str]] = {}
    event_page = addresses("events:detail", 1)
    for row in rows:
        event = row.event
        if event.pk not in links:
            links[event.pk] = (
                event_page(event.slug),
                _day(event.starts_at),
            )
        row.event_url, row.event_day = links[event.pk]


@receiver(home_page_panels, dispatch_uid="events.attendance_from_my_areas")
def attendance_from_my_areas(sender, *, request, caseload, **kwargs) -> str | None:
    """For an adviser: the people from their areas (``caseload``) checked in
    at recent events, each with a button to make a follow-up action, and how
    to reach those who asked to be contacted after the event."""
    user = request.user
    if not caseload:
        return None
    if not (has_perm(user, "events.view_registrations") and has_perm(user, "casework.log")):
        return None
    people = list(
        selectors.attendees_from(
            registrations=Registration.objects.visible_to(user),
            area_ids=[area.pk for area in caseload],
            period=_days_up_to_today(RECENT_DAYS),
        ).only(*HOME_FIELDS)[: HOME_LIMIT + 1]
    )
    _with_event_links(people)
    make_action = addresses("events:attendance_action", 1)
    for person in people:
        person.may_contact = may_contact_after_event(user, person)
        person.action_url = make_action(person.pk)
    # Drawn without the request: the part needs none of what the context
    # processors give (the menu's pages, the messages), which they would
    # work out again for it.
    return render_to_string(
        "events/_home_attendance.html",
        {"people": people[:HOME_LIMIT], "more": len(people) > HOME_LIMIT, "days": RECENT_DAYS},
    )


@receiver(area_page_panels, dispatch_uid="events.area_attendance")
def area_attendance(sender, *, request, area, page, **kwargs) -> str | None:
    """How many people from the area came to each event of the past year
    (numbers, no names)."""
    if page != EVENTS or not has_perm(request.user, "events.view"):
        return None
    events = selectors.attendance_per_event(
        registrations=Registration.objects.visible_to(request.user).filter(area=area),
        period=_days_up_to_today(AREA_DAYS),
    )
    event_page = addresses("events:detail", 1)
    for row in events:
        row["url"] = event_page(row["event__slug"])
        row["day"] = _day(row["event__starts_at"])
    return render_to_string(
        "events/_area_attendance.html",
        {"events": events, "people": sum(row["people"] for row in events), "area": area},
        request=request,
    )
