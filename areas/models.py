from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from advisers.permissions import has_perm
from advisers.roles import Role
from nfc.validators import not_in_the_future

WARD_CODE_VALIDATOR = RegexValidator(
    r"^E05\d{6}$", "A ward code is E05 followed by six digits, e.g. E05001158."
)

# England has 32,844 small areas (LSOAs) in the English Indices of Deprivation 2019.
IMD_2019_SMALL_AREAS = 32_844


class Region(models.TextChoices):
    """The nine English regions, by their ONS names."""

    NORTH_EAST = "north_east", "North East"
    NORTH_WEST = "north_west", "North West"
    YORKSHIRE = "yorkshire", "Yorkshire and The Humber"
    EAST_MIDLANDS = "east_midlands", "East Midlands"
    WEST_MIDLANDS = "west_midlands", "West Midlands"
    EAST = "east", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south_east", "South East"
    SOUTH_WEST = "south_west", "South West"


class Stage(models.TextChoices):
    """Where an area is in the programme, in order."""

    OUTREACH = "outreach", "Outreach"
    YEAR_ZERO = "year_zero", "Year Zero (planning)"
    PLAN_AGREED = "plan_agreed", "Plan agreed"
    DELIVERING = "delivering", "Delivering"
    LEAVING = "leaving", "Leaving"
    LEFT = "left", "Left the programme"


# Moving an area to these takes it out of the programme and frees its places
# in two caseloads.
PROGRAMME_EXIT_STAGES = frozenset({Stage.LEAVING, Stage.LEFT})


class Cohort(models.IntegerChoices):
    YEAR_1 = 1, "Year 1"
    YEAR_2 = 2, "Year 2"
    YEAR_3 = 3, "Year 3"


class AreaType(models.Model):
    """A kind of place (coastal, outer estate...); an area may be several."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AreaQuerySet(models.QuerySet["Area"]):
    def search(self, text: str):
        """Areas whose neighbourhood or council name holds ``text``, or whose
        ward code is ``text`` (in any case)."""
        text = text.strip()
        if not text:
            return self
        return self.filter(
            models.Q(name__icontains=text)
            | models.Q(local_authority__icontains=text)
            | models.Q(ward_code__iexact=text)
        )

    def advised_by(self, adviser):
        """The adviser's caseload: the areas they are the named adviser of now."""
        return self.filter(
            adviser_assignments__adviser=adviser, adviser_assignments__ended_on__isnull=True
        )

    def worked_in_by(self, worker):
        """The areas a community worker is allocated to now."""
        return self.filter(
            community_worker_allocations__worker=worker,
            community_worker_allocations__ended_on__isnull=True,
        )

    def without_adviser(self):
        """Areas in the programme with no named adviser now: to be filled."""
        return self.in_programme().exclude(self._has_current("adviser_assignments"))

    def without_community_worker(self):
        """Areas in the programme with no community worker allocated now."""
        return self.in_programme().exclude(self._has_current("community_worker_allocations"))

    def _has_current(self, relation: str) -> models.Exists:
        # The assignment models live in advisers, which imports this module;
        # reaching them through the relation keeps the imports one way.
        assignments = self.model._meta.get_field(relation).related_model
        return models.Exists(assignments.objects.current().filter(area=models.OuterRef("pk")))

    def in_programme(self):
        return self.filter(cohort__isnull=False).exclude(stage=Stage.LEFT)

    def joined_by(self, day):
        """Areas that had joined the programme by ``day`` (and those whose
        joining day is not known, rather than lose them)."""
        return self.filter(models.Q(joined_on__isnull=True) | models.Q(joined_on__lte=day))

    def visible_to(self, user):
        """The areas ``user`` may see: all (or their region's, for a regional
        lead), their own, or none.

        Lists and detail pages both fetch through this, so a list never shows
        an area its page would refuse.
        """
        if has_perm(user, "areas.view_all"):
            return self.filter(region=user.region) if user.region else self
        if not has_perm(user, "areas.view"):
            return self.none()
        if user.role == Role.ADVISER:
            return self.advised_by(user)
        if user.role == Role.COMMUNITY_WORKER:
            return self.worked_in_by(user)
        return self.none()


class Area(models.Model):
    """A target neighbourhood: an electoral ward, by its ONS code."""

    ward_code = models.CharField(
        "ward code", max_length=9, unique=True, validators=[WARD_CODE_VALIDATOR]
    )
    name = models.CharField(max_length=120)
    local_authority = models.CharField(max_length=120)
    region = models.CharField(max_length=20, choices=Region.choices)
    types = models.ManyToManyField(AreaType, blank=True, related_name="areas")
    population = models.PositiveIntegerField(null=True, blank=True)
    small_areas = models.PositiveSmallIntegerField("small areas (LSOAs)", null=True, blank=True)
    small_areas_most_deprived = models.PositiveSmallIntegerField(
        "small areas in the most deprived tenth", null=True, blank=True
    )
    population_most_deprived = models.PositiveIntegerField(
        "people in the most deprived tenth", null=True, blank=True
    )
    imd_rank = models.PositiveIntegerField(
        "IMD 2019 rank",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=(
            "1 is the most deprived of England's 32,844 small areas. For a ward: the "
            "population-weighted average of its small areas' ranks."
        ),
    )
    imd_decile = models.PositiveSmallIntegerField(
        "IMD 2019 decile", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    cni_rank = models.PositiveIntegerField(
        "Community Needs Index rank", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    cohort = models.PositiveSmallIntegerField(choices=Cohort.choices, null=True, blank=True)
    joined_on = models.DateField(null=True, blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    notes = models.TextField(blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(imd_decile__isnull=True)
                | models.Q(imd_decile__gte=1, imd_decile__lte=10),
                name="area_imd_decile_1_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(cohort__isnull=True) | models.Q(stage__gt=""),
                name="area_in_programme_has_stage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.local_authority})"

    @property
    def in_programme(self) -> bool:
        return self.cohort is not None and self.stage != Stage.LEFT

    @property
    def share_most_deprived(self) -> float | None:
        """Share of residents living in England's most deprived tenth of small
        areas; None when unknown, or when the figures cannot both be right
        (more such people than live here)."""
        if not self.population or self.population_most_deprived is None:
            return None
        share = self.population_most_deprived / self.population
        return share if share <= 1 else None


class StageChangeQuerySet(models.QuerySet["StageChange"]):
    def in_force(self):
        """The changes that make the area's history: not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class StageChange(models.Model):
    """One step in an area's journey through the programme.

    A change made in error is withdrawn, not deleted, so the history shows
    what was recorded and who took it back."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="stage_changes")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    changed_on = models.DateField(validators=[not_in_the_future])
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.CharField("Why it is withdrawn", max_length=300, blank=True)

    objects = StageChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} from {self.changed_on:%-d %b %Y}"


class Partnership(models.Model):
    """The residents' partnership or group that leads the work in an area."""

    area = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="partnership")
    name = models.CharField(max_length=150)
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    trusted_organisation = models.CharField(
        "Locally Trusted Organisation",
        max_length=150,
        blank=True,
        help_text="The local charity that holds money for the partnership, if any.",
    )

    def __str__(self) -> str:
        return self.name


class LocalContact(models.Model):
    """Someone the NfC works with in an area: a council officer, a councillor, a group."""

    class Kind(models.TextChoices):
        COUNCIL_OFFICER = "council_officer", "Council officer"
        COUNCILLOR = "councillor", "Councillor"
        LOCAL_GROUP = "local_group", "Local group"
        OTHER = "other", "Other"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    role = models.CharField(max_length=120, blank=True, help_text="e.g. Regeneration officer")
    organisation = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class FundingBid(models.Model):
    """Money an area pursues, from idea to decision."""

    class Stream(models.TextChoices):
        UKSPF = "ukspf", "UK Shared Prosperity Fund"
        TOWNS_FUND = "towns_fund", "Towns Fund"
        LEVELLING_UP = "levelling_up", "Levelling Up Fund"
        COMMUNITY_WEALTH = "community_wealth", "Community Wealth Fund"
        LOTTERY = "lottery", "National Lottery"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        SUBMITTED = "submitted", "Submitted"
        AWARDED = "awarded", "Awarded"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="funding_bids")
    stream = models.CharField(max_length=20, choices=Stream.choices)
    description = models.CharField(max_length=200, blank=True)
    amount_sought = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    amount_secured = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    submitted_on = models.DateField(null=True, blank=True, validators=[not_in_the_future])
    decided_on = models.DateField(null=True, blank=True, validators=[not_in_the_future])

    class Meta:
        ordering = ["-submitted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_stream_display()}: £{self.amount_sought:,.0f}"


# --- The postcode directory ---------------------------------------------

# A UK postcode in its standard form: the outward code (two to four
# characters: A9, A99, A9A, AA9, AA99 or AA9A), one space, and the inward
# code (a digit and two letters); or Girobank's GIR 0AA. The database checks
# it too, because a postcode stored in any other form would never be found.
STANDARD_POSTCODE = r"^([A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}|GIR 0AA)$"


class PostcodeQuerySet(models.QuerySet["Postcode"]):
    def ward_code_of(self, postcode: str):
        """The ward code of ``postcode`` (in its standard form) as a one-row
        subquery, so the area it falls in is found in the same query."""
        return self.filter(postcode=postcode).order_by().values("ward_code")[:1]


class Postcode(models.Model):
    """A postcode and the ward it falls in, from the ONS postcode lookup.

    The directory covers every ward the file gives, held by the portal or
    not, so there is no foreign key to Area: the look-up joins on ward code.
    """

    postcode = models.CharField(max_length=8, help_text="In its standard form, e.g. SR1 1AE.")
    ward_code = models.CharField("ward code", max_length=9, validators=[WARD_CODE_VALIDATOR])
    local_authority = models.CharField(max_length=120, blank=True)

    objects = PostcodeQuerySet.as_manager()

    class Meta:
        ordering = ["postcode"]
        constraints = [
            # A constraint rather than unique=True: on PostgreSQL that would
            # add a second (LIKE) index on millions of rows that nothing uses.
            # Its index serves the look-up; the join to Area uses Area's own
            # unique ward code.
            models.UniqueConstraint(fields=["postcode"], name="postcode_unique"),
            models.CheckConstraint(
                condition=models.Q(postcode__regex=STANDARD_POSTCODE),
                name="postcode_standard_form",
            ),
        ]

    def __str__(self) -> str:
        return self.postcode
