import datetime
import hashlib
import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateformat import format as date_format

from advisers.permissions import has_perm
from areas.models import Area
from nfc.private_links import PrivateLink
from nfc.public_forms import SpamReason

# Crockford's base 32: no I, L, O or U, so a reference read aloud or typed
# from a letter is not mistaken.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DESCRIPTION_MAX_LENGTH = 2000
# The resident's private link to follow their request (casework.follow_links).
FOLLOW_LINK = PrivateLink("follow")


def first_contact_deadline(now: datetime.datetime | None = None) -> datetime.datetime:
    """Requests older than this should have had their first contact: the
    response target (NFC_FIRST_CONTACT_WORKING_DAYS) counted back in working
    days, Monday to Friday."""
    moment = now or timezone.now()
    left = settings.NFC_FIRST_CONTACT_WORKING_DAYS
    while left:
        moment -= datetime.timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def require_request_area(*, area: Area, support_request: "SupportRequest | None") -> None:
    """A record about a request (an interaction, an action, a referral) is
    about the request's area; a request not yet placed in an area goes with
    any. Every such model's clean() asks this, so no service, form or admin
    page saves one on one area for another area's request."""
    if support_request is None or support_request.area_id in (None, area.pk):
        return
    name = support_request.area.name
    raise ValidationError(
        f"{support_request.reference} is about another area, {name}: "
        f"what is recorded about it belongs to {name} too."
    )


def new_reference() -> str:
    """A short reference like NFC-7KQ4-2M9D (40 random bits)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"NFC-{chars[:4]}-{chars[4:]}"


class Topic(models.TextChoices):
    """The report's five challenges, in residents' words, and anything else."""

    PLAN = "plan", "Getting started and making a plan for our area"
    SKILLS = "skills", "Learning how to do things, like running meetings or managing money"
    PEOPLE = "people", "Getting more people involved"
    COUNCIL = "council", "Dealing with the council or people who give money"
    NETWORKS = "networks", "Meeting people from other areas who can help"
    OTHER = "other", "Something else"


class ContactBy(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"


class SupportRequestQuerySet(models.QuerySet["SupportRequest"]):
    def visible_to(self, user):
        """The requests ``user`` may see: every one for those who triage
        (those of their region, for a regional lead); those of their own
        areas, or given to them, for advisers and community workers; none
        for anyone else (evaluators see counts, elsewhere)."""
        if has_perm(user, "casework.triage"):
            return self.filter(area__region=user.region) if user.region else self
        if not has_perm(user, "casework.view"):
            return self.none()
        return self.filter(
            models.Q(area__in=Area.objects.visible_to(user)) | models.Q(assigned_to=user)
        )

    def open(self):
        return self.exclude(status__in=SupportRequest.CLOSED_STATUSES)

    def with_status(self, status: str):
        """As the lists' status filter reads it: blank for the open ones,
        "all" for every one, otherwise the one status."""
        if status == "":
            return self.open()
        return self if status == "all" else self.filter(status=status)

    def in_triage(self):
        """Open requests with nobody to answer them yet."""
        return self.open().filter(assigned_to__isnull=True)

    def overdue(self, now: datetime.datetime | None = None):
        """New requests that nobody has contacted within the response target."""
        return self.filter(
            status=SupportRequest.Status.NEW, created_at__lt=first_contact_deadline(now)
        )

    def aged(self, key: str, now: datetime.datetime | None = None):
        """Requests whose age falls in the REQUEST_AGES band ``key``."""
        return self.filter(age_band(key, now or timezone.now()))


# How old open requests are, in bands: key, words, and the band's bounds in
# days (newer than, at least).
REQUEST_AGES = [
    ("week", "Under a week", 7, None),
    ("month", "1 to 4 weeks", 28, 7),
    ("quarter", "1 to 3 months", 91, 28),
    ("older", "Over 3 months", None, 91),
]


def age_band(key: str, now: datetime.datetime) -> models.Q:
    """The condition on created_at for the REQUEST_AGES band ``key``."""
    _, _, newer_than, at_least = next(band for band in REQUEST_AGES if band[0] == key)
    condition = models.Q()
    if newer_than is not None:
        condition &= models.Q(created_at__gt=now - datetime.timedelta(days=newer_than))
    if at_least is not None:
        condition &= models.Q(created_at__lte=now - datetime.timedelta(days=at_least))
    return condition


class SupportRequest(models.Model):
    """A resident's request for help, from the public form."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        IN_PROGRESS = "in_progress", "In progress"
        WAITING = "waiting", "Waiting on the group"
        REFERRED = "referred", "Referred"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED)
    # Where a request may go from each status; anything else is refused.
    NEXT_STATUSES = {
        Status.NEW: {Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.CLOSED},
        Status.ACKNOWLEDGED: {Status.IN_PROGRESS, Status.WAITING, Status.REFERRED, Status.CLOSED},
        Status.IN_PROGRESS: {Status.WAITING, Status.REFERRED, Status.RESOLVED, Status.CLOSED},
        Status.WAITING: {Status.IN_PROGRESS, Status.REFERRED, Status.RESOLVED, Status.CLOSED},
        Status.REFERRED: {Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.CLOSED},
        Status.RESOLVED: {Status.IN_PROGRESS, Status.CLOSED},
        Status.CLOSED: set(),
    }

    reference = models.CharField(max_length=13, unique=True, default=new_reference, editable=False)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_requests",
    )
    postcode = models.CharField(max_length=8, blank=True)
    # What the person typed when their neighbourhood was not found, for triage.
    place = models.CharField(max_length=100, blank=True)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    description = models.TextField(validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)])
    for_group = models.BooleanField(default=False)
    group_name = models.CharField(max_length=150, blank=True)
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    contact_by = models.CharField(max_length=10, choices=ContactBy.choices)
    # Both consents are required to send the form; when they were given, and
    # which privacy notice the person saw, are kept as the record of consent.
    consented_at = models.DateTimeField()
    privacy_notice_version = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # Who answers it: the area's named adviser when it arrives, or someone a
    # manager chooses in triage; empty while it waits in triage.
    assigned_to = models.ForeignKey(
        "advisers.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_requests",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept by support_request_move so the dashboard's response times are one
    # aggregate over this table: when the request first left "new", and when
    # it was last resolved (cleared if it is reopened).
    first_contact_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_sent_at = models.DateTimeField(null=True, blank=True)
    adviser_told_at = models.DateTimeField(null=True, blank=True)
    # The resident's private link: only a hash of its secret is kept, so a
    # copy of the database opens no one's request.
    # Indexed (in Meta) only where there is a link: a new request has none,
    # so saving one pays for no entry here.
    follow_token_hash = models.CharField(max_length=64, blank=True)
    follow_expires_at = models.DateTimeField(null=True, blank=True)
    follow_revoked_at = models.DateTimeField(null=True, blank=True)
    # When the resident's details were removed, at the end of the retention
    # period the privacy notice promises; the request's facts stay, for
    # evaluation.
    details_removed_at = models.DateTimeField(null=True, blank=True)
    # A resident's withdrawal, and when the person it was with heard of it.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_told_at = models.DateTimeField(null=True, blank=True)
    # The hash of the help form's token it was sent with (see
    # nfc/public_forms.py): the same form sent twice, even at the same
    # moment, makes one request. Empty for requests made otherwise (by the
    # database too, for rows loaded in bulk).
    form_token_hash = models.CharField(
        max_length=64, blank=True, default="", db_default="", editable=False
    )

    objects = SupportRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["acknowledgement_sent_at", "created_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["status", "created_at"]),
            # Open requests are a few hundred among years of closed ones: the
            # request list and the dashboard read them through this alone.
            models.Index(
                fields=["created_at"],
                condition=~models.Q(status__in=["resolved", "closed"]),
                name="support_request_open_idx",
            ),
            # Each area's open requests counted (the caseload, the area
            # lists) from this alone, not by matching the area's every
            # request against the open ones (0.9 of the caseload's 1.4 ms).
            models.Index(
                fields=["area"],
                condition=~models.Q(status__in=["resolved", "closed"]),
                name="support_request_open_area_idx",
            ),
            # The response times read a quarter's arrival and contact (or
            # resolution) times from these alone, not from the table.
            models.Index(
                fields=["first_contact_at"],
                include=["created_at"],
                name="support_request_contacted_idx",
            ),
            models.Index(
                fields=["resolved_at"], include=["created_at"], name="support_request_resolved_idx"
            ),
            # The private link's look-up (nfc.private_links), by its hash.
            # Only rows that have one, and no varchar_pattern_ops copy (a
            # hash is never matched by a pattern): an insert paid for two
            # entries of an empty string.
            models.Index(
                fields=["follow_token_hash"],
                condition=~models.Q(follow_token_hash=""),
                name="support_request_follow_idx",
            ),
            # The help form's "sent again?" read (support_request_sent_before):
            # this person's requests of the last hour, not the last hour's
            # every request (thousands, when the form is busy).
            models.Index(fields=["name", "created_at"], name="support_request_sent_again_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="", phone="")
                | models.Q(details_removed_at__isnull=False),
                name="support_request_has_a_way_to_reply",
            ),
            models.CheckConstraint(
                condition=models.Q(for_group=False) | ~models.Q(group_name=""),
                name="support_request_group_is_named",
            ),
            models.UniqueConstraint(
                fields=["form_token_hash"],
                condition=~models.Q(form_token_hash=""),
                name="support_request_form_token_used_once",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES

    @property
    def follow_link_works(self) -> bool:
        """Whether the resident holds a private link that still opens the request."""
        return FOLLOW_LINK.works(self)

    @property
    def takes_resident_messages(self) -> bool:
        """A resolved request may still hear from its resident ("it is not
        sorted"); a closed one is finished."""
        return self.status != self.Status.CLOSED

    @property
    def can_be_withdrawn(self) -> bool:
        return self.is_open

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.NEW and self.created_at < first_contact_deadline()

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        allowed = self.NEXT_STATUSES[self.Status(self.status)]
        return [(value, label) for value, label in self.Status.choices if value in allowed]


class StatusChange(models.Model):
    """One step in a request's life: who moved it, when, from what to what."""

    support_request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=SupportRequest.Status.choices)
    to_status = models.CharField(max_length=20, choices=SupportRequest.Status.choices)
    note = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        "advisers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class ResidentMessageQuerySet(models.QuerySet["ResidentMessage"]):
    def visible_to(self, user):
        """The messages on the requests ``user`` may see."""
        return self.filter(support_request__in=SupportRequest.objects.visible_to(user))


class ResidentMessage(models.Model):
    """A message the resident adds through their private link."""

    support_request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="resident_messages"
    )
    text = models.TextField(validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)])
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    assignee_told_at = models.DateTimeField(null=True, blank=True)

    objects = ResidentMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Message on {self.support_request} at {self.created_at:%-d %b %Y %H:%M}"


class InteractionTopic(models.TextChoices):
    """What an interaction was about: the five challenges, and the funding
    and planning processes groups meet."""

    PLAN = "plan", "Confidence and a plan for change"
    SKILLS = "skills", "Skills and expertise"
    PEOPLE = "people", "Engaging the community"
    COUNCIL = "council", "Government and other stakeholders"
    NETWORKS = "networks", "Networks of support"
    FUNDING = "funding", "Funding bids"
    NEIGHBOURHOOD_PLAN = "neighbourhood_plan", "Neighbourhood planning"
    ASSET_TRANSFER = "asset_transfer", "Community Asset Transfer"
    COMMUNITY_VALUE = "community_value", "Assets of Community Value"
    LOCALISM = "localism", "Localism Act rights"


class InteractionQuerySet(models.QuerySet["Interaction"]):
    def visible_to(self, user, *, areas_listed: bool = False):
        """The interactions of the areas ``user`` sees casework in.

        With ``areas_listed`` those areas are read first (one query) and
        named in the query as a list, for full-text search: PostgreSQL then
        combines the area index with the words' index, where with a
        subquery it reads every interaction in the person's areas and works
        out its words (seconds, for a common word in years of notes).
        """
        if not has_perm(user, "casework.view"):
            return self.none()
        if not areas_listed:
            return self.filter(area__in=Area.objects.visible_to(user))
        areas = list(
            Area.objects.annotate(
                seen=models.Exists(Area.objects.visible_to(user).filter(pk=models.OuterRef("pk")))
            )
            .order_by()
            .values_list("pk", "seen")
        )
        seen = [pk for pk, is_seen in areas if is_seen]
        # Every area (a national manager's): no condition at all is cheapest.
        return self if len(seen) == len(areas) else self.filter(area_id__in=seen)


NOTHING_IN_IT = (
    "Say what happened: how long it took, how many residents took part, what it was about, "
    "or a note."
)


def interaction_is_empty(fields: dict) -> bool:
    """Nothing but a date and a kind: a record that tells nobody anything."""
    return not any(
        fields.get(name) for name in ("residents", "minutes", "topics", "notes", "next_steps")
    )


class Interaction(models.Model):
    """Time with an area's people, logged in under a minute."""

    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        MEETING = "meeting", "Meeting"
        CALL = "call", "Phone call"
        EMAIL = "email", "E-mail"
        WORKSHOP = "workshop", "Workshop"
        ONLINE = "online", "Online"

    # What its author may put right afterwards (not its area or request).
    CORRECTABLE = [
        "date",
        "kind",
        "residents",
        "new_residents",
        "minutes",
        "topics",
        "notes",
        "next_steps",
    ]

    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="interactions")
    support_request = models.ForeignKey(
        SupportRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    residents = models.PositiveSmallIntegerField("residents who took part", default=0)
    new_residents = models.PositiveSmallIntegerField("of them new to us", default=0)
    minutes = models.PositiveSmallIntegerField("how long (minutes)", null=True, blank=True)
    topics = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True, validators=[MaxLengthValidator(4000)])
    next_steps = models.TextField(blank=True, validators=[MaxLengthValidator(1000)])
    logged_by = models.ForeignKey(
        "advisers.User", on_delete=models.PROTECT, related_name="interactions"
    )
    # The time it took, counted once towards the 2 + 2 days, when the person
    # logging it chose to count it (casework.interactions).
    time_record = models.OneToOneField(
        "advisers.TimeRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interaction",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [
            # Carries what residents_reached_by_month counts, so an area's
            # months are read from the index alone (PostgreSQL): about 40
            # pages for a busy area's year instead of a page a row.
            models.Index(
                fields=["area", "date"],
                include=["residents", "new_residents", "id"],
                name="interaction_area_date_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_residents__lte=models.F("residents")),
                name="interaction_new_residents_within_residents",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} in {self.area} on {self.date:%-d %b %Y}"

    def clean(self) -> None:
        require_request_area(area=self.area, support_request=self.support_request)
        if self.time_record is not None and self.time_record.area_id != self.area_id:
            raise ValidationError("Its time is recorded for another area than the interaction.")

    @property
    def topic_labels(self) -> list[str]:
        return [InteractionTopic(t).label for t in self.topics if t in InteractionTopic.values]


class ActionQuerySet(models.QuerySet["Action"]):
    def visible_to(self, user):
        """The actions of the areas ``user`` sees casework in, and their own
        wherever they are (an action stays its owner's to close)."""
        if not has_perm(user, "casework.view"):
            return self.none()
        return self.filter(models.Q(area__in=Area.objects.visible_to(user)) | models.Q(owner=user))

    def open(self):
        return self.filter(done_at__isnull=True)

    def overdue(self):
        return self.open().filter(due_on__lt=timezone.localdate())


class Action(models.Model):
    """A follow-up with an owner and a due date."""

    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="actions")
    support_request = models.ForeignKey(
        SupportRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    description = models.CharField(max_length=300)
    owner = models.ForeignKey("advisers.User", on_delete=models.PROTECT, related_name="actions")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        "advisers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        "advisers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["owner", "done_at", "due_on"]),
            # The dashboard's overdue actions (by area, by owner): the few
            # hundred still open found by their date, not every action
            # ever set read.
            models.Index(
                fields=["due_on"],
                condition=models.Q(done_at__isnull=True),
                name="action_open_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        require_request_area(area=self.area, support_request=self.support_request)

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()

    @property
    def fingerprint(self) -> str:
        """What it says now, in short: a form opened on it carries this, so
        that a save after someone else's change is caught, not lost."""
        said = f"{self.description}\x1f{self.owner_id}\x1f{self.due_on}"
        return hashlib.sha256(said.encode()).hexdigest()[:16]


class SpamCount(models.Model):
    """How many help-form posts were turned away, by day and reason.

    Rejected posts are counted, never stored: they may hold someone's data.
    """

    Reason = SpamReason

    day = models.DateField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "reason"], name="spam_count_per_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.count} × {self.get_reason_display()}"


class Signposting(models.Model):
    """The kind words a resident outside our areas gets: who else can help.
    Managers keep them up to date; the latest version is used."""

    text = models.TextField(validators=[MaxLengthValidator(3000)])
    updated_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        "advisers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name_plural = "signposting"

    def __str__(self) -> str:
        return f"Signposting of {self.updated_at:%-d %b %Y}"


# --- Referrals to specialist partners ---------------------------------------


class Expertise(models.TextChoices):
    """What a specialist partner can help a group with."""

    PLANNING = "planning", "Planning"
    FINANCE = "finance", "Finance"
    LEGAL = "legal", "Legal"
    COMMUNICATIONS = "communications", "Communications"
    LAND_BUILDINGS = "land_buildings", "Land and buildings"


def validate_expertise(value) -> None:
    """At least one kind of expertise, each a known one, none twice."""
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one kind of expertise.")
    unknown = [item for item in value if item not in Expertise.values]
    if unknown:
        raise ValidationError(f"Unknown expertise: {', '.join(map(str, unknown))}.")
    if len(set(value)) != len(value):
        raise ValidationError("Each kind of expertise may be chosen once.")


class PartnerQuerySet(models.QuerySet["Partner"]):
    def active(self):
        return self.filter(is_active=True)

    def with_capacity(self, year: int | None = None):
        """Annotate each partner's capacity this year, in days, with what
        delivered referrals have used and what is left (None when the
        partner's capacity is not recorded).

        Pro-bono hours count as days at NFC_HOURS_PER_DAY. Worked out in the
        database, so a list of partners costs one query however long it is.
        """
        year = year or timezone.localdate().year
        money = models.DecimalField(max_digits=9, decimal_places=2)
        hours_per_day = models.Value(Decimal(str(settings.NFC_HOURS_PER_DAY)), output_field=money)
        zero = models.Value(Decimal(0), output_field=money)
        used = Coalesce(
            models.Sum(
                "referrals__days_used",
                filter=models.Q(
                    referrals__status__in=Referral.DELIVERED_STATUSES,
                    referrals__delivered_on__year=year,
                ),
            ),
            zero,
            output_field=money,
        )
        capacity = models.Case(
            models.When(capacity_days__isnull=True, capacity_hours__isnull=True, then=None),
            default=models.ExpressionWrapper(
                Coalesce("capacity_days", zero) + Coalesce("capacity_hours", zero) / hours_per_day,
                output_field=money,
            ),
            output_field=money,
        )
        return self.annotate(
            days_used_this_year=used,
            capacity_in_days=capacity,
        ).annotate(
            days_left=models.ExpressionWrapper(
                models.F("capacity_in_days") - models.F("days_used_this_year"),
                output_field=money,
            )
        )


class Partner(models.Model):
    """A specialist organisation that takes referrals: what it knows about
    and how much it can give this year."""

    name = models.CharField(max_length=150, unique=True)
    expertise = models.JSONField(default=list, validators=[validate_expertise])
    email = models.EmailField("contact e-mail", blank=True)
    capacity_days = models.DecimalField(
        "days this year",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    capacity_hours = models.DecimalField(
        "pro-bono hours this year",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    is_active = models.BooleanField("taking referrals", default=True)
    notes = models.TextField(blank=True, validators=[MaxLengthValidator(2000)])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity_days__gte=0) | models.Q(capacity_days__isnull=True),
                name="partner_capacity_days_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity_hours__gte=0) | models.Q(capacity_hours__isnull=True),
                name="partner_capacity_hours_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def expertise_labels(self) -> list[str]:
        return [Expertise(e).label for e in self.expertise if e in Expertise.values]


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user):
        """Referrals of the areas ``user`` may see, for those who see casework
        (evaluators and administrators see none here)."""
        if not has_perm(user, "casework.view"):
            return self.none()
        return self.filter(area__in=Area.objects.visible_to(user))

    def open(self):
        return self.exclude(status__in=Referral.CLOSED_STATUSES)

    def with_status(self, status: str):
        """As the lists' status filter reads it: blank for the open ones,
        "all" for every one, otherwise the one status."""
        if status == "":
            return self.open()
        return self if status == "all" else self.filter(status=status)

    def outcome_overdue(self, today: datetime.date):
        """Delivered more than NFC_OUTCOME_DUE_DAYS ago, with no outcome yet."""
        due = today - datetime.timedelta(days=settings.NFC_OUTCOME_DUE_DAYS)
        return self.filter(status=Referral.Status.DELIVERED, delivered_on__lt=due)


class Referral(models.Model):
    """An area (or one of its requests) sent to a partner for specialist
    help: requested → accepted → delivered → outcome recorded."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        DELIVERED = "delivered", "Delivered"
        OUTCOME_RECORDED = "outcome_recorded", "Outcome recorded"

    CLOSED_STATUSES = (Status.DECLINED, Status.OUTCOME_RECORDED)
    # Referrals whose days count against the partner's capacity.
    DELIVERED_STATUSES = (Status.DELIVERED, Status.OUTCOME_RECORDED)
    NEXT_STATUSES = {
        Status.REQUESTED: {Status.ACCEPTED, Status.DECLINED},
        Status.ACCEPTED: {Status.DELIVERED, Status.DECLINED},
        Status.DELIVERED: {Status.OUTCOME_RECORDED},
        Status.DECLINED: set(),
        Status.OUTCOME_RECORDED: set(),
    }
    # The date field each step sets.
    STEP_DATES = {
        Status.ACCEPTED: "accepted_on",
        Status.DECLINED: "declined_on",
        Status.DELIVERED: "delivered_on",
        Status.OUTCOME_RECORDED: "outcome_recorded_on",
    }

    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="referrals")
    support_request = models.ForeignKey(
        SupportRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    help_asked = models.TextField("help asked for", validators=[MaxLengthValidator(2000)])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_on = models.DateField(default=timezone.localdate)
    accepted_on = models.DateField(null=True, blank=True)
    declined_on = models.DateField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    outcome_recorded_on = models.DateField(null=True, blank=True)
    cost = models.DecimalField(
        "cost (£)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    days_used = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    outcome = models.TextField(blank=True, validators=[MaxLengthValidator(2000)])
    group_rating = models.PositiveSmallIntegerField(
        "the group's rating (1 to 5)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    created_by = models.ForeignKey(
        "advisers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the partner was e-mailed that the referral was made to them.
    partner_told_at = models.DateTimeField(null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_on", "-pk"]
        indexes = [
            models.Index(fields=["area", "requested_on"]),
            models.Index(fields=["partner", "status", "delivered_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(group_rating__isnull=True)
                | models.Q(group_rating__gte=1, group_rating__lte=5),
                name="referral_rating_one_to_five",
            ),
            models.CheckConstraint(
                condition=models.Q(days_used__isnull=True) | models.Q(days_used__gte=0),
                name="referral_days_used_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0),
                name="referral_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_on__isnull=True)
                | models.Q(accepted_on__gte=models.F("requested_on")),
                name="referral_accepted_after_requested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} to {self.partner}"

    def clean(self) -> None:
        require_request_area(area=self.area, support_request=self.support_request)

    @property
    def response_days(self) -> int | None:
        """How many days the partner took to answer (accept, or decline)."""
        answered_on = self.accepted_on or self.declined_on
        if answered_on is None:
            return None
        return (answered_on - self.requested_on).days

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        allowed = self.NEXT_STATUSES[self.Status(self.status)]
        return [(value, label) for value, label in self.Status.choices if value in allowed]

    @property
    def last_step_on(self) -> datetime.date:
        """The date of the latest step so far: a new step cannot be earlier."""
        dates = [
            self.requested_on,
            self.accepted_on,
            self.declined_on,
            self.delivered_on,
            self.outcome_recorded_on,
        ]
        return max(d for d in dates if d is not None)


class AuditKind(models.TextChoices):
    """The kinds of record the audit history covers, to filter it by."""

    REQUESTS = "requests", "Requests and residents' messages"
    INTERACTIONS = "interactions", "Interactions"
    REFERRALS = "referrals", "Referrals"
    ACTIONS = "actions", "Actions"
    STAGES = "stages", "Stages and area details"
    ASSIGNMENTS = "assignments", "Advisers and community workers"
    FUNDING = "funding", "Funding"
    TIME = "time", "Time records"
    PARTNERSHIP = "partnership", "Partnership and local contacts"
    PARTNERS = "partners", "Specialist partners"
    STAFF = "staff", "Staff accounts and their API tokens"
    EVENTS = "events", "Events and registrations"
    CONNECTIONS = "connections", "Connections between areas"
    OUTCOMES = "outcomes", "Outcome records"


# The models (app label, model name) behind each kind.
AUDIT_KIND_MODELS: dict[str, tuple[tuple[str, str], ...]] = {
    AuditKind.REQUESTS: (("casework", "supportrequest"), ("casework", "residentmessage")),
    AuditKind.INTERACTIONS: (("casework", "interaction"),),
    AuditKind.REFERRALS: (("casework", "referral"),),
    AuditKind.ACTIONS: (("casework", "action"),),
    AuditKind.STAGES: (("areas", "stagechange"), ("areas", "area")),
    AuditKind.ASSIGNMENTS: (
        ("advisers", "adviserassignment"),
        ("advisers", "communityworkerallocation"),
    ),
    AuditKind.FUNDING: (("areas", "fundingbid"),),
    AuditKind.TIME: (("advisers", "timerecord"),),
    AuditKind.PARTNERSHIP: (("areas", "partnership"), ("areas", "localcontact")),
    AuditKind.PARTNERS: (("casework", "partner"),),
    AuditKind.STAFF: (("advisers", "user"), ("mfa", "authenticator"), ("advisers", "apitoken")),
    AuditKind.EVENTS: (("events", "event"), ("events", "registration")),
    AuditKind.CONNECTIONS: (("events", "connection"),),
    AuditKind.OUTCOMES: (("evaluation", "outcomerecord"),),
}


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def visible_to(self, user):
        """Everything for those who see the audit across the programme; for
        a regional lead, the entries of their region's areas (staff accounts
        and partners belong to no area, so are not theirs); nothing for
        anyone else."""
        if not has_perm(user, "audit.view"):
            return self.none()
        if not user.region:
            return self
        return self.filter(area__region=user.region)

    def of_kind(self, kind: str):
        """The entries about the models of one AuditKind."""
        condition = models.Q()
        for app_label, model in AUDIT_KIND_MODELS[kind]:
            condition |= models.Q(content_type__app_label=app_label, content_type__model=model)
        return self.filter(condition)

    def on_or_after(self, day: datetime.date):
        return self.filter(at__gte=_start_of(day))

    def on_or_before(self, day: datetime.date):
        return self.filter(at__lt=_start_of(day + datetime.timedelta(days=1)))


def _start_of(day: datetime.date) -> datetime.datetime:
    # Days begin at midnight where the NfC works, not in UTC.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class AuditEntry(models.Model):
    """Who changed which record of casework, an area, its people or the
    staff, when, and what: its fields' old and new values, as stored (codes,
    ISO dates, names of related records); ``changes_in_words`` reads them."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        REMOVED = "removed", "Removed"
        VIEWED = "viewed", "Viewed"
        SEARCHED = "searched", "Searched"
        EXPORTED = "exported", "Exported"

    # The history is append-only, in the database too (a trigger refuses
    # updates and deletes on PostgreSQL, but for blanking personal data:
    # casework.audit.redacting). So its links are kept as ids whatever is
    # deleted (no cascade, no constraint), with the person's name beside.
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=200)
    # The request it belongs to, when there is one: its history in one query.
    support_request = models.ForeignKey(
        SupportRequest,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="audit",
    )
    # The area it belongs to, when there is one: the history is filtered by
    # area, and a regional lead sees their region's.
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)
    changed_by = models.ForeignKey(
        "advisers.User",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_by_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            # The history page reads the newest first, filtered or not.
            models.Index(fields=["at"]),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    @property
    def changes_in_words(self) -> list[tuple[str, str, str | None]]:
        """Each change as (the field's name, its value before, after) in
        words: choices by their labels, dates as dates, Yes or No. For a
        record created or removed, "before" is the value it was given or
        had, and "after" is None. Old entries read the same way, since the
        words come from the model now, not from what was stored."""
        model = self.content_type.model_class()
        lines = []
        for name, (before, after) in sorted(
            self.changes.items(), key=lambda item: _field_order(model, item[0])
        ):
            field = _field(model, name)
            label = _LABELS.get((model._meta.label_lower, name)) if model else None
            label = label or _field_label(field, name)
            if audit_withholds(model, field):
                if self.action == self.Action.CHANGED:
                    lines.append(
                        (label, _WITHHELD_CHANGE.get((bool(before), bool(after)), ""), None)
                    )
                continue
            if self.action == self.Action.CHANGED:
                lines.append(
                    (
                        label,
                        value_in_words(model, field, before),
                        value_in_words(model, field, after),
                    )
                )
            else:
                value = after if self.action == self.Action.CREATED else before
                lines.append((label, value_in_words(model, field, value), None))
        return lines


# --- The audit history in words --------------------------------------------

# Lists of choices kept in a JSON field, which Django does not know of.
_LIST_CHOICES: dict[tuple[str, str], type[models.TextChoices]] = {
    ("casework.interaction", "topics"): InteractionTopic,
    ("casework.partner", "expertise"): Expertise,
}
# Names that read better in the history than the field's own.
_LABELS: dict[tuple[str, str], str] = {
    ("areas.stagechange", "changed_on"): "From",
}
_WITHHELD_CHANGE = {(False, True): "added", (True, True): "changed", (True, False): "taken away"}
NOTHING = "none"


def audit_withholds(model, field) -> bool:
    """Whether the history keeps only that a value changed, not the value:
    the e-mail addresses and phone numbers of people outside the NfC (local
    contacts, partnerships, partners), so that removing someone's details
    removes them everywhere. Staff accounts' e-mail addresses are kept: they
    are how people sign in."""
    if model is None or field is None or model._meta.label == settings.AUTH_USER_MODEL:
        return False
    return isinstance(field, models.EmailField) or "phone" in field.name


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_order(model, name: str) -> tuple[int, str]:
    names = [field.name for field in model._meta.get_fields()] if model else []
    return (names.index(name) if name in names else len(names), name)


def _field_label(field, name: str) -> str:
    words = str(getattr(field, "verbose_name", "") or name.replace("_", " "))
    # Django's "email" fields, in the portal's spelling.
    words = re.sub(r"\bemail\b", "e-mail", words)
    return words[:1].upper() + words[1:]


def value_in_words(model, field, value) -> str:
    """A stored value as a person would say it."""
    if value is None or value == "" or value == []:
        return NOTHING
    try:
        if isinstance(value, list):
            labels = (
                _LIST_CHOICES.get((model._meta.label_lower, field.name))
                if model and field
                else None
            )
            return ", ".join(
                labels(item).label if labels and item in labels.values else str(item)
                for item in value
            )
        if field is None:
            return str(value)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.BooleanField):
            return "Yes" if value else "No"
        if isinstance(field, models.DateTimeField):
            moment = timezone.localtime(datetime.datetime.fromisoformat(str(value)))
            return date_format(moment, "j F Y, H:i")
        if isinstance(field, models.DateField):
            return date_format(datetime.date.fromisoformat(str(value)), "j F Y")
        if isinstance(field, models.DecimalField):
            return f"{Decimal(str(value)).normalize():f}"
    except (ValueError, TypeError, ArithmeticError):
        # Something stored before the field changed shape: as it was stored.
        pass
    return str(value)


class DataRequest(models.Model):
    """What staff did for a resident who used a right the privacy notice
    gives them: an export of what we hold, a correction or an erasure, of
    one of their requests or of another record of theirs (an event
    registration: casework.data_requests.ResidentDataSource). The register
    a data-protection officer answers from (how many, when, by whom); it
    keeps no personal data itself."""

    class Kind(models.TextChoices):
        EXPORT = "export", "Subject-access export"
        CORRECTION = "correction", "Correction"
        ERASURE = "erasure", "Erasure"

    # Empty for a record that is not a request (an event registration).
    support_request = models.ForeignKey(
        SupportRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="data_requests",
    )
    # Which record: a request's reference, or another record's key (such as
    # REG-123), which NFC_ERASURE_LOG and `manage.py restore` read back.
    subject = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    handled_by = models.ForeignKey(
        "advisers.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-handled_at", "-pk"]
        indexes = [models.Index(fields=["kind", "subject"], name="data_request_kind_subject_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.subject}"


class JobRun(models.Model):
    """One run of a scheduled job (casework.scheduled): when, how much it
    did, and whether it failed. Managers see the latest on the dashboard,
    and a job whose last run is too old is run again (jobs_catch_up_task)."""

    name = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    failed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["name", "-started_at"])]
        constraints = [
            # A job runs once at a time, whichever worker has it
            # (casework.scheduled.job_run claims its run).
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(finished_at__isnull=True),
                name="job_run_one_unfinished_per_job",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} at {self.started_at:%-d %b %Y %H:%M}"
