"""Events' parts of pages that belong to the apps below: who came to events
from an adviser's areas (their home page), and an area's attendance (its
page). Connected in EventsConfig.ready."""

import datetime
import html

from django.db.models.utils import create_namedtuple_class
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from advisers.models import User
from advisers.permissions import has_perm, may_contact_after_event
from advisers.signals import home_page_panels
from areas.links import addresses
from areas.signals import EVENTS, area_page_panels
from events import selectors
from events.models import Registration
from nfc.periods import Period, start_of_day
from nfc.statements import STAND_IN_DAY, Statement, stand_in_ids, stand_in_text
from nfc.text import without_direction_controls

# "Recent events" on the home page: those that ended in these last days.
RECENT_DAYS = 60
# The home page lists at most this many people (the latest events first).
HOME_LIMIT = 30
# What the home page shows of each person: not their access or dietary
# needs, which are for the event's organiser. Read as plain rows: the
# panel draws them, it saves nothing.
HOME_FIELDS = [
    "pk",
    "name",
    "email",
    "phone",
    "walk_in",
    "area_id",
    "follow_up_consented_at",
    "details_removed_at",
    "area__name",
    "event_id",
    "event__slug",
    "event__title",
    "event__starts_at",
    "follow_up_action_id",
    "follow_up_action__description",
    "follow_up_action__due_on",
    "follow_up_action__done_at",
]
_HomeRow = create_namedtuple_class(*HOME_FIELDS)
# What the query reads: the area's name is the caseload's, not a join (which
# cost PostgreSQL 0.4 ms of planning and reading a page).
_READ_FIELDS = [name for name in HOME_FIELDS if name != "area__name"]
_AREA = _READ_FIELDS.index("area_id")


def _attendees(*, role: str, region: str, area_ids: list[int], since, until):
    """The home page's people: checked in at events that ended from the
    start of the day ``since`` up to that of ``until``, from the areas
    ``area_ids``, as someone of ``role`` and ``region`` sees registrations
    (which events they see turns on those alone)."""
    return selectors.attendees_from(
        registrations=Registration.objects.visible_to(User(role=role, region=region)),
        area_ids=area_ids,
        period=Period(timezone.localdate(since), timezone.localdate(until)),
    ).values_list(*_READ_FIELDS)[: HOME_LIMIT + 1]


def _attendees_stand_ins(shape) -> dict:
    role, in_a_region, areas = shape
    return {
        "role": role,
        "region": stand_in_text("region") if in_a_region else "",
        "area_ids": stand_in_ids(areas),
        "since": start_of_day(STAND_IN_DAY),
        "until": start_of_day(STAND_IN_DAY + datetime.timedelta(days=1)),
    }


# Compiled once a process for each role, with a region or without, and
# number of areas: the ORM took
# a millisecond a home page over it, twice what PostgreSQL takes.
_ATTENDEES = Statement(
    _attendees, stand_ins=_attendees_stand_ins, optional=frozenset({"role", "region"})
)
# An area's page counts the events of the past year.
AREA_DAYS = 365


def _days_up_to_today(days: int) -> Period:
    today = timezone.localdate()
    return Period(today - datetime.timedelta(days=days), today + datetime.timedelta(days=1))


def _day(moment: datetime.datetime) -> str:
    """The local day of ``moment`` as the pages write it (``j M Y``)."""
    return f"{timezone.localtime(moment):%-d %b %Y}"


def _contact_line(person, *, may_contact: bool) -> str:
    """How to reach someone, or why not, as events/_follow_up_contact.html
    words it (written out here: included, it cost a template a row)."""
    if may_contact:
        email, phone = html.escape(str(person.email)), html.escape(str(person.phone))
        ways = (
            (f' <a href="mailto:{email}">{email}</a>' if email else "")
            + ("," if email and phone else "")
            + (f' <a href="tel:{phone}">{phone}</a>' if phone else "")
            + ("" if email or phone else " they left no e-mail address or phone number")
        )
        return f"\n  <p>They asked to be contacted after the event:{ways}</p>\n"
    if person.follow_up_consented_at and not person.details_removed_at:
        return (
            '\n  <p class="muted">They asked to be contacted after the event: only the '
            f"adviser for {html.escape(str(person.area__name))} sees how to reach them.</p>\n"
        )
    return '\n  <p class="muted">They did not ask to be contacted after the event.</p>\n'


def _attendance_lines(user, people) -> SafeString:
    """The home page's list of who came, one <li> a person, written here
    rather than by the template's loop (some thirty rows of a dozen values
    each cost the template engine about 4 ms a page)."""
    event_page = addresses("events:detail", 1)
    make_action = addresses("events:attendance_action", 1)
    # Each event's address and day worked out once, not once a row.
    events: dict[int, tuple[str, str]] = {}
    lines = []
    for person in people:
        if person.event_id not in events:
            events[person.event_id] = (
                html.escape(str(event_page(person.event__slug))),
                _day(person.event__starts_at),
            )
        event_url, event_day = events[person.event_id]
        name = html.escape(str(without_direction_controls(person.name)))
        may_contact = may_contact_after_event(user, person)
        contact = _contact_line(person, may_contact=may_contact) if person.name else ""
        if person.follow_up_action_id:
            due_on = person.follow_up_action__due_on
            done = ", done" if person.follow_up_action__done_at else ""
            action = (
                "\n            <p>Follow-up: "
                f"{html.escape(str(person.follow_up_action__description))} "
                f"(by {due_on.day} {due_on:%b}{done})</p>\n          "
            )
        else:
            what = "Make an action to contact them" if may_contact else "Make a follow-up action"
            action = (
                f'\n            <p><a href="{html.escape(str(make_action(person.pk)))}">{what}'
                f'<span class="visually-hidden"> for {name}</span></a></p>\n          '
            )
        lines.append(
            "\n        <li>\n"
            f"          <p><strong>{name or '(details removed)'}</strong> from "
            f"{html.escape(str(person.area__name))}{' (walk-in)' if person.walk_in else ''}</p>\n"
            f'          <p class="muted">came to <a href="{event_url}">'
            f"{html.escape(str(person.event__title))}</a>, {event_day}</p>\n"
            f"          {contact}\n"
            f"          {action}\n"
            "        </li>\n      "
        )
    # Every value typed by a person or read from the database is escaped
    # above; the rest is this function's own markup.
    return mark_safe("".join(lines))


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
    # Plain rows named as the fields (may_contact_after_event reads
    # follow_up_consented_at, details_removed_at and area_id of them).
    period = _days_up_to_today(RECENT_DAYS)
    area_ids = [area.pk for area in caseload]
    names = {area.pk: area.name for area in caseload}
    people = [
        _HomeRow(**dict(zip(_READ_FIELDS, row, strict=True)), area__name=names[row[_AREA]])
        for row in _ATTENDEES.rows(
            (user.role, bool(user.region), len(area_ids)),
            role=user.role,
            region=user.region,
            area_ids=area_ids,
            since=period.start_moment,
            until=period.end_moment,
        )
    ]
    return _attendance_panel(user, people)


def _attendance_panel(user, people) -> SafeString:
    """The home page's part around who came, written here rather than by a
    template of its own (drawing it cost more than its rows)."""
    shown = min(len(people), HOME_LIMIT)
    if shown:
        more = f" Only the latest {shown} are shown." if len(people) > HOME_LIMIT else ""
        inside = (
            '\n    <p class="muted">People checked in at events that ended in the last'
            f" {RECENT_DAYS} days, the latest first.{more}</p>\n"
            '    <ul class="audit">\n'
            f"      {_attendance_lines(user, people[:HOME_LIMIT])}\n"
            "    </ul>\n  "
        )
    else:
        inside = (
            "\n    <p>Nobody from your areas was checked in at an event in the last"
            f" {RECENT_DAYS} days.</p>\n  "
        )
    # The rows are escaped by _attendance_lines; the rest is this
    # function's own markup and numbers.
    return mark_safe(
        '\n<section aria-labelledby="came-from-my-areas">\n'
        '  <h2 id="came-from-my-areas">Who came to events from your areas</h2>\n'
        f"  {inside}\n"
        "</section>\n"
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
