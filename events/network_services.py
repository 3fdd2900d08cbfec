"""The writes of the network between areas: recording a connection,
introducing an area to a peer, and noting that a connection was followed up.
Each runs in a transaction and leaves its entry in the audit history."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from advisers.permissions import may_record_connection
from areas.models import Area
from casework import audit
from events.models import TOPIC_LABELS, Connection, Event

RECORDED_FIELDS = [
    "area_a",
    "area_b",
    "topic",
    "origin",
    "event",
    "made_on",
    "followed_up",
    "note",
]


def in_order(area: Area, other: Area) -> tuple[Area, Area]:
    """The pair as it is stored: the lower id first."""
    return (area, other) if area.pk < other.pk else (other, area)


@transaction.atomic
def connection_record(
    *,
    by,
    area: Area,
    other: Area,
    topic: str,
    origin: str,
    made_on: datetime.date,
    event: Event | None = None,
    followed_up: bool = False,
    note: str = "",
) -> Connection:
    """Record that ``area`` and ``other`` connected on ``topic``; refused
    unless ``by`` may record it (advisers: one of the two is theirs), and
    when the pair is already recorded on that topic."""
    if area.pk == other.pk:
        raise ValidationError("Choose two different areas: an area cannot connect to itself.")
    if not may_record_connection(by, area, other):
        raise PermissionDenied
    area_a, area_b = in_order(area, other)
    connection = Connection(
        area_a=area_a,
        area_b=area_b,
        topic=topic,
        origin=origin,
        event=event,
        made_on=made_on,
        followed_up=followed_up,
        note=note,
        recorded_by=by,
    )
    connection.full_clean(
        exclude=["recorded_by"], validate_unique=False, validate_constraints=False
    )
    try:
        # A savepoint: a pair recorded at the same moment by someone else
        # fails here alone, and the caller's transaction goes on.
        with transaction.atomic():
            connection.save()
    except IntegrityError as error:
        raise ValidationError(
            f"{area_a.name} and {area_b.name} are already recorded as connected on "
            f"{TOPIC_LABELS.get(topic, topic).lower()}."
        ) from error
    audit.record(obj=connection, by=by, fields=RECORDED_FIELDS, area=area_a)
    return connection


def connection_introduce(*, by, area: Area, peer: Area, topic: str) -> Connection:
    """Record that ``by`` introduced ``area`` to ``peer`` today: a peer
    suggestion acted on."""
    return connection_record(
        by=by,
        area=area,
        other=peer,
        topic=topic,
        origin=Connection.Origin.INTRODUCTION,
        made_on=timezone.localdate(),
    )


@transaction.atomic
def connection_mark_followed_up(*, connection: Connection, by) -> Connection:
    """Note that the areas followed the connection up (met again, visited,
    shared what they learnt)."""
    if not may_record_connection(by, connection.area_a, connection.area_b):
        raise PermissionDenied
    before = audit.snapshot(connection, ["followed_up"])
    connection.followed_up = True
    connection.save(update_fields=["followed_up"])
    audit.record(obj=connection, by=by, before=before, area=connection.area_a)
    return connection
