"""An event as an iCalendar file (RFC 5545), for the public page's download
and the confirmation e-mail.

Written here rather than with a library: one calendar of one kind, with
UK time's one rule, is some sixty lines; a dependency for it would be more
to keep up than the code. Times are given in Europe/London with its
VTIMEZONE (the rule in force since 1996), so a calendar shows them at the
hour the organiser meant, even across the change of the clocks.
"""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from events.models import Event
from nfc.mail import absolute_url

LONDON = ZoneInfo("Europe/London")
PRODUCT = "-//Network for Communities//Events//EN"

# Europe/London since 1996: summer time from 01:00 UTC on the last Sunday
# of March to 01:00 UTC on the last Sunday of October.
VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19700329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19701025T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def _text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets folded (RFC 5545 3.1), never inside a
    character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _local(moment: datetime.datetime) -> str:
    return f"TZID=Europe/London:{moment.astimezone(LONDON):%Y%m%dT%H%M%S}"


def _utc(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}"


def event_calendar(event: Event, *, joining_link: bool = False) -> str:
    """The event as a calendar: one VEVENT, or one per session of a training
    series. ``joining_link``: put an online event's link in it (only for
    someone registered)."""
    location = (
        "Online"
        if event.online
        else ", ".join(p for p in [event.venue_name, *event.venue_address.splitlines()] if p)
    )
    description = event.summary
    if event.online and joining_link and event.joining_link:
        description += f"\n\nJoin online: {event.joining_link}"
    url = absolute_url("events_public:event_detail", slug=event.slug)
    status = "CANCELLED" if event.is_cancelled else "CONFIRMED"
    stamp = _utc(timezone.now())
    # Each change of time or place, and its cancellation, is a new version
    # to a calendar that already holds the event.
    last_change = max(
        (moment for moment in (event.changed_at, event.cancelled_at) if moment),
        default=event.created_at,
    )
    sequence = int(last_change.timestamp()) - int(event.created_at.timestamp())
    parts = list(event.sessions.all()) or [event]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *VTIMEZONE,
    ]
    for index, part in enumerate(parts):
        title = event.title if part is event else f"{event.title}: {part.title}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.slug}-{index}@events.nfc",
            f"DTSTAMP:{stamp}",
            f"SEQUENCE:{max(sequence, 0)}",
            f"DTSTART;{_local(part.starts_at)}",
            f"DTEND;{_local(part.ends_at)}",
            f"SUMMARY:{_text(title)}",
            f"DESCRIPTION:{_text(description)}",
            f"LOCATION:{_text(location)}",
            f"URL:{url}",
            f"STATUS:{status}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
