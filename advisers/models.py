from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from advisers.permissions import has_admin_module_perm, has_perm
from advisers.roles import ROLE_SUMMARIES, Role
from areas.models import Area, Region
from nfc.text import without_direction_controls


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("Every account needs an e-mail address.")
        user = self.model(email=normalise_email(email), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["role"] = Role.ADMINISTRATOR
        return self.create_user(email, password, **extra_fields)


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(AbstractBaseUser):
    """A member of NfC staff. Residents never have an account."""

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Untick to close the account: the person is signed out at once.",
    )
    # A regional lead: a manager who looks after one region sees only its
    # areas, requests and figures. Empty for everyone else.
    region = models.CharField(
        "region they lead",
        max_length=20,
        choices=Region.choices,
        blank=True,
        help_text="Managers only: leave empty to see the whole programme.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    invitation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "staff member"
        verbose_name_plural = "staff"
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_known"
            ),
            models.CheckConstraint(
                condition=models.Q(region="") | models.Q(role=Role.MANAGER),
                name="user_only_managers_lead_a_region",
                violation_error_message="Only a manager can lead a region: empty the region.",
            ),
        ]

    def __str__(self) -> str:
        # Shown wherever staff are named: a name cannot turn the page around.
        return without_direction_controls(self.full_name or self.email)

    def clean(self):
        super().clean()
        self.email = normalise_email(self.email)
        self.full_name = without_direction_controls(self.full_name)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return str(self).split(" ")[0] if self.full_name else str(self)

    @property
    def role_summary(self) -> str:
        return ROLE_SUMMARIES[self.role]

    @property
    def is_regional_lead(self) -> bool:
        return bool(self.region)

    # The Django admin asks these; the answers come from advisers.permissions,
    # the one place that decides who may do what.
    @property
    def is_staff(self) -> bool:
        return has_perm(self, "accounts.manage")

    def has_perm(self, perm: str, obj=None) -> bool:
        return has_perm(self, perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return has_admin_module_perm(self, app_label)


# The NfC's model: a named adviser for up to 10 areas; a community worker on
# the ground in up to 5. Database constraints hold both caps (see the slots).
ADVISER_CASELOAD_CAP = 10
COMMUNITY_WORKER_AREA_CAP = 5


class StaffSession(AbstractBaseSession):
    """A session, with whose it is once they sign in, so that closing an
    account, a new role or a new password can delete that person's sessions
    (a session's data is signed, so the database cannot be asked by it)."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )


class AssignmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)


class AdviserAssignment(models.Model):
    """An adviser named for an area, from a date until someone takes over.

    Each current assignment fills one of the adviser's numbered places
    (``slot``, 1 to 10), unique per adviser: so the database itself refuses
    an eleventh area, however the write arrives. Ended assignments are kept
    as the area's history of reassignments.
    """

    area = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="adviser_assignments"
    )
    adviser = models.ForeignKey(User, on_delete=models.PROTECT, related_name="adviser_assignments")
    slot = models.PositiveSmallIntegerField()
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    assigned_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the adviser wants the next one to know; kept up to date while they
    # hold the area, and shown on the handover page when someone takes over.
    handover_note = models.TextField(blank=True, max_length=3000)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"],
                condition=models.Q(ended_on__isnull=True),
                name="area_has_one_named_adviser",
            ),
            models.UniqueConstraint(
                fields=["adviser", "slot"],
                condition=models.Q(ended_on__isnull=True),
                name="adviser_caseload_place_used_once",
            ),
            models.CheckConstraint(
                condition=models.Q(slot__gte=1, slot__lte=ADVISER_CASELOAD_CAP),
                name="adviser_caseload_at_most_10",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="adviser_assignment_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.adviser} for {self.area}"


class CommunityWorkerAllocation(models.Model):
    """A community worker's days in an area: 2 a month unless agreed otherwise.

    Like adviser assignments, current allocations fill numbered places (1 to
    5) so the database holds the cap.
    """

    area = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="community_worker_allocations"
    )
    worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="allocations")
    slot = models.PositiveSmallIntegerField()
    days_per_month = models.DecimalField(max_digits=4, decimal_places=1, default=2)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    assigned_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"],
                condition=models.Q(ended_on__isnull=True),
                name="area_has_one_community_worker",
            ),
            models.UniqueConstraint(
                fields=["worker", "slot"],
                condition=models.Q(ended_on__isnull=True),
                name="worker_area_place_used_once",
            ),
            models.CheckConstraint(
                condition=models.Q(slot__gte=1, slot__lte=COMMUNITY_WORKER_AREA_CAP),
                name="community_worker_at_most_5_areas",
            ),
            models.CheckConstraint(
                condition=models.Q(days_per_month__gt=0, days_per_month__lte=20),
                name="allocation_days_per_month_sensible",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="allocation_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} in {self.area}"


class TimeRecordQuerySet(models.QuerySet["TimeRecord"]):
    def visible_to(self, user):
        """The time given to the areas ``user`` may see."""
        return self.filter(area__in=Area.objects.visible_to(user))


class TimeRecord(models.Model):
    """Time an adviser or community worker gave an area.

    The time counts under the role the person gave it in (``role``), kept
    on the record: a person whose role changes later keeps their past days
    on the side of the 2 + 2 model they were given on.
    """

    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        MEETING = "meeting", "Meeting"
        CALL = "call", "Phone call"
        ONLINE = "online", "Online"
        OTHER = "other", "Other"

    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="time_records")
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="time_records")
    date = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    role = models.CharField("role at the time", max_length=32, choices=Role.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VISIT)
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = TimeRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["area", "date"]),
            models.Index(fields=["person", "date"]),
            # The dashboard reads the last thirteen months of every area:
            # from the index alone, with what it sums (not a heap page for
            # each few rows).
            models.Index(
                fields=["date"], include=["area", "role", "hours"], name="time_record_date_sums_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0, hours__lte=24), name="time_record_hours_0_to_24"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="time_record_role_known"
            ),
        ]

    def __str__(self) -> str:
        # Read in the audit history: a date in words, not ISO.
        return f"{self.hours} h in {self.area} on {self.date:%-d %b %Y}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def in_force(self, now=None):
        """Tokens that still open the API: not revoked, not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """A personal API token: its owner names it, chooses read-only or
    read-and-write, gives it an expiry and may revoke it. Only a hash of it
    is kept; the token itself is shown once, when made. It never does more
    than its owner could (the permissions are the owner's, read afresh on
    every call) and stops when the owner's account is closed."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What it is for, so you know it later.")
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    # The token's first characters, shown in lists so its owner can tell
    # which one a script holds; not enough to use it.
    prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["read", "write"]), name="api_token_scope_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{without_direction_controls(self.name)} ({self.prefix}…)"

    @property
    def is_read_only(self) -> bool:
        return self.scope == self.Scope.READ

    @property
    def in_force(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
