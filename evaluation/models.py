"""What evaluation records: each area's baseline and quarterly outcomes,
typed by the adviser with the local group, and the evaluation reports the
report jobs build.

The figures the portal already holds (time, requests, interactions,
referrals, funding, events) are never typed here: reports count them from
their own records.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator
from django.db import models

from advisers.permissions import has_perm
from advisers.roles import Role
from areas.models import Area, Cohort, Region
from nfc.periods import Period, add_months, quarter_start


class OutcomeRecordQuerySet(models.QuerySet["OutcomeRecord"]):
    def visible_to(self, user):
        """The records of the areas ``user`` may see."""
        if not has_perm(user, "outcomes.view"):
            return self.none()
        return self.filter(area__in=Area.objects.visible_to(user))

    def baselines(self):
        return self.filter(kind=OutcomeRecord.Kind.BASELINE)

    def quarterly(self):
        return self.filter(kind=OutcomeRecord.Kind.QUARTER)


# A count a local group gives in a few minutes: generous, but a typo of an
# extra three noughts is refused.
_MOST = [MaxValueValidator(100_000)]


class OutcomeRecord(models.Model):
    """What an area's people have built: a baseline when the area joins, then
    one record per quarter. Counts are of people and groups, never names."""

    class Kind(models.TextChoices):
        BASELINE = "baseline", "Baseline"
        QUARTER = "quarter", "Quarter"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="outcome_records")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QUARTER)
    # The first day of the quarter recorded; for a baseline, of the quarter
    # the area joined in.
    quarter = models.DateField()
    residents_involved = models.PositiveIntegerField(
        "residents actively involved", validators=_MOST
    )
    volunteers = models.PositiveIntegerField(validators=_MOST)
    leaders = models.PositiveIntegerField("people in leadership roles", validators=_MOST)
    new_groups = models.PositiveIntegerField("new groups or organisations formed", validators=_MOST)
    spaces_in_use = models.PositiveIntegerField("community spaces in use", validators=_MOST)
    spaces_owned = models.PositiveIntegerField(
        "community spaces in community ownership", validators=_MOST
    )
    community_plan = models.BooleanField("a community plan", default=False)
    neighbourhood_plan = models.BooleanField("a neighbourhood plan", default=False)
    economic_plan = models.BooleanField("an economic plan", default=False)
    leaders_trained = models.PositiveIntegerField("leaders trained", validators=_MOST)
    narrative = models.TextField("what happened, in a few sentences", max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OutcomeRecordQuerySet.as_manager()

    # The measures, in the order forms, tables and workbooks show them.
    COUNTS = (
        "residents_involved",
        "volunteers",
        "leaders",
        "new_groups",
        "spaces_in_use",
        "spaces_owned",
        "leaders_trained",
    )
    PLANS = ("community_plan", "neighbourhood_plan", "economic_plan")

    class Meta:
        ordering = ["area", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"],
                condition=models.Q(kind="baseline"),
                name="outcome_one_baseline_per_area",
            ),
            models.UniqueConstraint(
                fields=["area", "quarter"],
                condition=models.Q(kind="quarter"),
                name="outcome_one_record_per_quarter",
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__day=1, quarter__month__in=[1, 4, 7, 10]),
                name="outcome_quarter_starts_a_quarter",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.BASELINE:
            return f"Baseline for {self.area.name}"
        return f"{quarter_label(self.quarter)} for {self.area.name}"

    def clean(self):
        # The spaces owned are counted among those in use ("of those").
        if (
            self.spaces_owned is not None
            and self.spaces_in_use is not None
            and self.spaces_owned > self.spaces_in_use
        ):
            raise ValidationError(
                {
                    "spaces_owned": f"Enter no more than the spaces in use ({self.spaces_in_use}): "
                    "these are the ones of them the community owns or runs."
                }
            )

    @property
    def plans(self) -> int:
        return sum(getattr(self, name) for name in self.PLANS)


def quarter_label(day: datetime.date) -> str:
    """ "July to September 2026" for any day of that quarter."""
    start = quarter_start(day)
    last = add_months(start, 2)
    return f"{start:%B} to {last:%B %Y}"


def reports_storage():
    # Django calls this once, as the models load; the reports' own code
    # reads and writes through storages["reports"] each time (so a test's
    # settings choose where), and the field only names the file.
    return storages["reports"]


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, user):
        """Everything for those who see the whole programme; a regional
        lead's region (its region report and its areas' and cohorts' figures
        within it); an adviser's or community worker's own areas' reports."""
        if not has_perm(user, "reports.view"):
            return self.none()
        if has_perm(user, "areas.view_all"):
            if not user.region:
                return self
            return self.filter(region=user.region)
        if user.role in (Role.ADVISER, Role.COMMUNITY_WORKER):
            return self.filter(kind=Report.Kind.AREA, area__in=Area.objects.visible_to(user))
        return self.none()

    def running(self):
        return self.filter(status__in=Report.UNFINISHED)


class Report(models.Model):
    """One evaluation report: its scope and period, the job building it, and
    its outputs once built.

    The figures are kept as ``content`` (JSON, see evaluation.report_content)
    so the portal's HTML page draws them again with today's links; the PDF,
    the workbook and the open-data CSV are files in the reports storage.
    """

    class Kind(models.TextChoices):
        PROGRAMME = "programme", "The whole programme"
        REGION = "region", "One region"
        COHORT = "cohort", "One cohort"
        AREA = "area", "One area"

    class Span(models.TextChoices):
        QUARTER = "quarter", "A quarter"
        YEAR = "year", "A year"
        SINCE_JOINING = "since_joining", "Since joining"
        CUSTOM = "custom", "Chosen dates"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being built"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    class Stage(models.TextChoices):
        GATHERING = "gathering", "Gathering the figures"
        CHARTS = "charts", "Drawing the charts"
        PDF = "pdf", "Making the PDF"
        WORKBOOK = "workbook", "Making the workbook"

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The scope: blank or null unless the kind names it. For a region
    # report, ``region``; for an area report, its area and its region (so a
    # regional lead sees their areas' reports too).
    region = models.CharField(max_length=20, choices=Region.choices, blank=True)
    cohort = models.PositiveSmallIntegerField(choices=Cohort.choices, null=True, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    # One string for the scope ("programme", "region:london", "cohort:2",
    # "area:E05001158"), so "the same report" is one unique key whatever the
    # kind (a key of nullable columns would treat two NULLs as different).
    scope_key = models.CharField(max_length=40, editable=False)
    span = models.CharField(max_length=15, choices=Span.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text="The day after the period's last day.")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    # What went wrong, in words a person can act on (never a traceback).
    failure = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the schedule's and build_report's, and a deleted account's.",
    )
    # Set by the schedule: "empty requested_by" would also match build_report's
    # reports and those whose requester's account was deleted.
    scheduled = models.BooleanField(default=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    # When its job was last sent to the broker: the sweep sends again only a
    # job sent long enough ago to have been lost, never every few minutes.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    content = models.JSONField(null=True, blank=True)
    # In the reports storage (settings.STORAGES["reports"]), never a public
    # one; named by the report (evaluation.reports), so a job run again
    # overwrites its files rather than adding more.
    pdf = models.FileField(storage=reports_storage, blank=True)
    workbook = models.FileField(storage=reports_storage, blank=True)
    open_data = models.FileField(storage=reports_storage, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            # Asking for a report while the same one is being built gives the
            # one being built: at most one unfinished per scope and period.
            models.UniqueConstraint(
                fields=["scope_key", "period_start", "period_end"],
                condition=models.Q(status__in=["queued", "running"]),
                name="report_one_unfinished_per_scope_and_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="report_period_not_empty",
            ),
            # Whoever creates a report sets its key (Report.key_for): one
            # left empty would never be "the same report" as another.
            models.CheckConstraint(condition=~models.Q(scope_key=""), name="report_scope_key_set"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="report_status_idx")]

    def __str__(self) -> str:
        return f"{self.scope_label}, {self.period_label}"

    @classmethod
    def key_for(cls, *, kind: str, region: str = "", cohort=None, area=None) -> str:
        if kind == cls.Kind.REGION:
            return f"region:{region}"
        if kind == cls.Kind.COHORT:
            return f"cohort:{cohort}"
        if kind == cls.Kind.AREA:
            return f"area:{area.ward_code}"
        return "programme"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end)

    @property
    def scope_label(self) -> str:
        if self.kind == self.Kind.REGION:
            return Region(self.region).label
        if self.kind == self.Kind.COHORT and self.cohort:
            return f"Cohort {Cohort(self.cohort).label}"
        if self.kind == self.Kind.AREA and self.area_id:
            return self.area.name
        return "The whole programme"

    @property
    def period_label(self) -> str:
        last = self.period_end - datetime.timedelta(days=1)
        if self.span == self.Span.QUARTER:
            return quarter_label(self.period_start)
        if self.span == self.Span.YEAR and (self.period_start.month, self.period_start.day) == (
            1,
            1,
        ):
            return str(self.period_start.year)
        return f"{self.period_start:%-d %B %Y} to {last:%-d %B %Y}"

    @property
    def asked_for_by(self) -> str:
        """Who asked for it, in words for its pages."""
        if self.requested_by:
            return self.requested_by.full_name
        if self.scheduled:
            return "Scheduled"
        # Its requester's account deleted, or the build_report command: the
        # row cannot tell which.
        return "A command, or a former member of staff"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
