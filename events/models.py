"""Networking events: the national event, regional and virtual events,
visits between areas and training series; and the people registered for
them (residents and partners, who have no account)."""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify

from advisers.permissions import has_perm
from advisers.roles import Role
from areas.models import Area, FundingBid, Region
from casework.models import REFERENCE_ALPHABET, InteractionTopic
from nfc.private_links import PrivateLink
from nfc.validators import not_in_the_future

# The person's private link to their registration: see, cancel, take an offer.
MANAGE_LINK = PrivateLink("manage")

# What an event is about: the five challenges (and the funding and planning
# processes) that staff already record interactions under, and the funding
# streams areas bid to. One list, so an event and an interaction on the same
# subject are filed under the same word.
TOPIC_CHOICES: list[tuple[str, str]] = [
    *InteractionTopic.choices,
    *[(value, label) for value, label in FundingBid.Stream.choices if value != "other"],
]
TOPIC_LABELS = dict(TOPIC_CHOICES)


def new_slug(title: str) -> str:
    """The event's public address: its title and six random characters, so
    two events of the same name differ and no address reveals how many
    events there are."""
    tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6)).lower()
    return f"{slugify(title)[:60].strip('-') or 'event'}-{tail}"


def _events_seen_by(user, *, through: str = "") -> Q:
    """Which events a member of staff who may see events sees, as a filter
    on the events (``through`` a relation to them): every one, or for a
    regional lead the national events and their region's."""
    if user.role == Role.MANAGER and user.region:
        return Q(**{f"{through}region": ""}) | Q(**{f"{through}region": user.region})
    return Q()


class EventQuerySet(models.QuerySet["Event"]):
    def published(self):
        return self.filter(published_at__isnull=False)

    def upcoming(self, now: datetime.datetime | None = None):
        """Published, not cancelled, and not yet over (at ``now``, or this
        moment): the public list."""
        return self.published().filter(cancelled_at__isnull=True, ends_at__gt=now or timezone.now())

    def with_places_taken(self):
        """Each event with ``places_taken`` (confirmed, and offered while the
        offer stands) and ``waiting`` counted in the same query."""
        return self.annotate(
            places_taken=Count(
                "registrations",
                filter=Q(
                    registrations__status__in=[
                        Registration.Status.CONFIRMED,
                        Registration.Status.OFFERED,
                    ]
                ),
            ),
            waiting=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
            ),
        )

    def visible_to(self, user):
        """The events a member of staff may see: every event for those who
        may see all events (a regional lead: national events and their
        region's); nothing for those who may not see events."""
        if not has_perm(user, "events.view"):
            return self.none()
        return self.filter(_events_seen_by(user))


class Event(models.Model):
    """An event people register for. A training series is one event of
    several sessions (EventSession), signed up to as one."""

    class Kind(models.TextChoices):
        NATIONAL = "national", "National event"
        REGIONAL = "regional", "Regional event"
        VIRTUAL = "virtual", "Virtual event"
        VISIT = "visit", "Visit between areas"
        TRAINING = "training", "Training series"

    class Invited(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        REGION = "region", "People from the event's region"
        AREAS = "areas", "People from the areas chosen"

    slug = models.SlugField(max_length=80, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=150)
    summary = models.TextField(max_length=4000)
    # Stored in UTC, shown in UK time (TIME_ZONE is Europe/London).
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    online = models.BooleanField(default=False)
    venue_name = models.CharField(max_length=150, blank=True)
    venue_address = models.TextField(max_length=500, blank=True)
    accessibility_notes = models.TextField(max_length=2000, blank=True)
    # Shown only to people registered (in their confirmation and on their
    # private page), never on the public page.
    joining_link = models.URLField(max_length=500, blank=True)
    # Empty for a national event.
    region = models.CharField(max_length=20, choices=Region.choices, blank=True)
    invited = models.CharField(max_length=20, choices=Invited.choices, default=Invited.EVERYONE)
    # For a visit: the area that hosts it; its visitors are ``areas``.
    host_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="hosted_events"
    )
    # The areas invited (Invited.AREAS), or a visit's visiting areas.
    areas = models.ManyToManyField(Area, blank=True, related_name="events")
    capacity = models.PositiveIntegerField()
    registration_closes_at = models.DateTimeField()
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="events_organised"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(max_length=1000, blank=True)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When its time or place last changed: registrations not told since are
    # sent the change notice.
    changed_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["ends_at"], name="event_ends_at_idx"),
            models.Index(fields=["region", "starts_at"], name="event_region_starts_idx"),
            # A year's events of ten years' (the network, the areas with no
            # connection), without reading them all.
            models.Index(fields=["starts_at"], name="event_starts_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__lte=models.F("ends_at")),
                name="event_registration_closes_by_its_end",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="event_has_at_least_one_place"
            ),
            models.CheckConstraint(
                condition=Q(kind="national", region="") | (~Q(kind="national") & ~Q(region="")),
                name="event_region_unless_national",
            ),
            models.CheckConstraint(
                condition=~Q(kind="visit") | Q(host_area__isnull=False),
                name="event_visit_has_a_host",
            ),
            models.CheckConstraint(
                condition=Q(online=True) | ~Q(venue_name=""),
                name="event_in_person_has_a_venue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.starts_at):%-d %b %Y})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_over(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def registration_open(self) -> bool:
        return (
            self.is_published
            and not self.is_cancelled
            and timezone.now() < self.registration_closes_at
            and not self.is_over
        )

    @property
    def in_person(self) -> bool:
        return not self.online

    @property
    def places_left(self) -> int:
        """Places not yet taken: confirmed, or offered and not yet lapsed
        (counted by the query, with_places_taken(), where a list has it)."""
        taken = getattr(self, "places_taken", None)
        if taken is None:
            taken = self.registrations.holding_places().count()
        return max(self.capacity - taken, 0)

    @property
    def topic_labels(self) -> list[str]:
        return [TOPIC_LABELS[t.topic] for t in self.topics.all() if t.topic in TOPIC_LABELS]


class EventTopic(models.Model):
    """One subject an event is about (a row each, so the public list filters
    by topic on any database, through an index)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="topics")
    topic = models.CharField(max_length=30, choices=TOPIC_CHOICES)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "topic"], name="event_topic_once"),
        ]
        indexes = [models.Index(fields=["topic", "event"], name="event_topic_idx")]

    def __str__(self) -> str:
        return TOPIC_LABELS.get(self.topic, self.topic)


class EventSession(models.Model):
    """One meeting of a training series (or one part of a longer event)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=150)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="event_session_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.starts_at):%-d %b %Y %H:%M})"


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def holding_places(self):
        """Confirmed, or offered a place they have not yet taken."""
        return self.filter(status__in=[Registration.Status.CONFIRMED, Registration.Status.OFFERED])

    def waitlisted(self):
        """The waitlist, first in line first."""
        return self.filter(status=Registration.Status.WAITLISTED).order_by("waitlisted_at", "pk")

    def active(self):
        return self.exclude(status=Registration.Status.CANCELLED)

    def visible_to(self, user):
        # The events' scope on the join, not `event__in=<the events seen>`:
        # for most staff that subquery is every event, and planning it cost
        # more than the rows (7 ms against 1 for an adviser's home page).
        if not has_perm(user, "events.view"):
            return self.none()
        return self.filter(_events_seen_by(user, through="event__"))


class Registration(models.Model):
    """A person's place at an event, or their place in its waitlist."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        WAITLISTED = "waitlisted", "On the waitlist"
        OFFERED = "offered", "Offered a place"
        CANCELLED = "cancelled", "Cancelled"

    class CancelledBy(models.TextChoices):
        PERSON = "person", "They cancelled"
        OFFER_LAPSED = "offer_lapsed", "They did not take the place offered in time"
        STAFF = "staff", "Staff cancelled it"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(max_length=100)
    # Empty: not in an area the NfC supports.
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="registrations"
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    access_needs = models.TextField(max_length=1000, blank=True)
    # Asked only for events in person.
    dietary_needs = models.TextField(max_length=500, blank=True)
    # The record of consent: when, and which privacy notice they were shown.
    consented_at = models.DateTimeField()
    privacy_notice_version = models.CharField(max_length=20)
    # When they asked (ticked) that the adviser of their area may contact them
    # after the event; empty if they did not. Their other consent covers only
    # running the event, so without this nobody follows up with them.
    follow_up_consented_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The waitlist's order: first to join, first offered (ties by id).
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=20, choices=CancelledBy.choices, blank=True)
    # The private link (see nfc.private_links): only its hash is kept.
    manage_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    manage_expires_at = models.DateTimeField(null=True, blank=True)
    manage_revoked_at = models.DateTimeField(null=True, blank=True)
    # The random part the link's secret is made from (events.notifications:
    # with SECRET_KEY), so that every e-mail carries the same link.
    manage_link_salt = models.CharField(max_length=32, blank=True)
    # Each e-mail's claim (nfc.jobs.Notice): stamped when it is sent, once.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    waitlist_sent_at = models.DateTimeField(null=True, blank=True)
    offer_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # Emptied each time the event's time or place changes, so each change
    # is told once.
    change_sent_at = models.DateTimeField(null=True, blank=True)
    event_cancelled_sent_at = models.DateTimeField(null=True, blank=True)
    # The registration form's one-time token (nfc.public_forms): the same
    # form sent twice makes one registration.
    form_token_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    # When retention removed the person's details (the facts stay).
    details_removed_at = models.DateTimeField(null=True, blank=True)
    # On the day (events.checkin): when they were ticked as there, and by
    # whom; empty for someone who did not come (or was unticked).
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Came on the day without registering, and was added at the door.
    walk_in = models.BooleanField(default=False)
    # The follow-up action an adviser made from their coming (casework).
    follow_up_action = models.ForeignKey(
        "casework.Action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The request for feedback the day after (events.feedback): its private
    # link (only the hash kept) and its claim.
    feedback_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    feedback_expires_at = models.DateTimeField(null=True, blank=True)
    feedback_revoked_at = models.DateTimeField(null=True, blank=True)
    feedback_sent_at = models.DateTimeField(null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["event", "status"], name="registration_event_status_idx"),
            models.Index(
                fields=["offer_expires_at"],
                condition=Q(status="offered"),
                name="registration_open_offer_idx",
            ),
            # Attendance by area (the adviser's home page, the area's page).
            models.Index(
                fields=["area", "checked_in_at"],
                condition=Q(checked_in_at__isnull=False),
                name="registration_attended_idx",
            ),
            # Each event's areas among the people who came (the network's
            # links at events): read from the index alone, not the table.
            models.Index(
                fields=["event", "area"],
                condition=Q(checked_in_at__isnull=False),
                name="registration_came_idx",
            ),
            # The check-in list's page of names: read in order, not 1,600
            # people sorted for the first hundred (13 ms to 0.5 ms).
            models.Index(
                fields=["event", "name", "id"],
                condition=Q(status="confirmed"),
                name="registration_checkin_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                # A walk-in may leave no way to reach them: they are there.
                condition=~Q(email="", phone="")
                | Q(details_removed_at__isnull=False)
                | Q(walk_in=True),
                name="registration_has_a_way_to_reach_them",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="registration_offer_has_an_expiry",
            ),
            models.UniqueConstraint(
                fields=["form_token_hash"],
                condition=~Q(form_token_hash=""),
                name="registration_form_token_used_once",
            ),
        ]

    # How a residents' data request names a registration (casework.data_requests).
    DATA_KEY_PREFIX = "REG-"

    def __str__(self) -> str:
        # Never the person's name: this is what the audit history keeps.
        return f"Registration {self.pk} for {self.event.title}"

    @property
    def data_key(self) -> str:
        return f"{self.DATA_KEY_PREFIX}{self.pk}"

    @property
    def manage_link_works(self) -> bool:
        return MANAGE_LINK.works(self)


class Feedback(models.Model):
    """What one person who came thought of the event: given once, by the
    private link e-mailed the day after (events.feedback)."""

    RATINGS = [
        (1, "1: not useful"),
        (2, "2"),
        (3, "3"),
        (4, "4"),
        (5, "5: very useful"),
    ]

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(choices=RATINGS)
    useful = models.TextField(max_length=2000, blank=True)
    next_steps = models.TextField(max_length=2000, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    # When retention removed their words (the rating stays, for the figures).
    words_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_one_to_five"
            ),
        ]

    def __str__(self) -> str:
        # Never the person's name nor their words: the audit history keeps this.
        return f"Feedback {self.pk} on registration {self.registration_id}"


class ConnectionQuerySet(models.QuerySet["Connection"]):
    def visible_to(self, user):
        """The connections a member of staff may see: every one for those
        who see every area (a regional lead: those with an end in their
        region); for an adviser or community worker, those of their areas."""
        if not has_perm(user, "connections.view"):
            return self.none()
        if has_perm(user, "areas.view_all"):
            if user.region:
                return self.filter(Q(area_a__region=user.region) | Q(area_b__region=user.region))
            return self
        areas = Area.objects.visible_to(user)
        return self.filter(Q(area_a__in=areas) | Q(area_b__in=areas))

    def of_area(self, area):
        return self.filter(Q(area_a=area) | Q(area_b=area))


class Connection(models.Model):
    """Two areas that staff saw connect: people from one now know people
    from the other, on a topic. The pair is kept in one order (the lower id
    first), so Hendon and Ryhope and Ryhope and Hendon are the same pair,
    and the database holds each pair to one connection a topic."""

    class Origin(models.TextChoices):
        EVENT = "event", "They met at an event"
        VISIT = "visit", "A visit between the areas"
        INTRODUCTION = "introduction", "An introduction by NfC staff"

    area_a = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    area_b = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(max_length=30, choices=TOPIC_CHOICES)
    origin = models.CharField("how it came about", max_length=20, choices=Origin.choices)
    # The event or visit where they met, when there was one.
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="connections"
    )
    made_on = models.DateField("date", validators=[not_in_the_future])
    followed_up = models.BooleanField("followed up", default=False)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="connections_recorded"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["-made_on", "-pk"]
        indexes = [
            models.Index(fields=["made_on"], name="connection_made_on_idx"),
            # Either end's connections of a period (the areas with no
            # connection look up each area's): one index each end.
            models.Index(fields=["area_a", "made_on"], name="connection_area_a_idx"),
            models.Index(fields=["area_b", "made_on"], name="connection_area_b_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(area_a__lt=models.F("area_b")), name="connection_pair_in_order"
            ),
            models.UniqueConstraint(
                fields=["area_a", "area_b", "topic"], name="connection_pair_topic_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Connection between {self.area_a.name} and {self.area_b.name}"

    @property
    def topic_label(self) -> str:
        return TOPIC_LABELS.get(self.topic, self.topic)

    def other(self, area) -> Area:
        """The other end from ``area``."""
        return self.area_b if area.pk == self.area_a_id else self.area_a
