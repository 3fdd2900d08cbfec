"""What the evaluation API shows and takes: outcome records (their
narrative only to those who read what staff write, as on the web) and
evaluation reports with their progress and files."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evaluation import outcomes, reports
from evaluation.downloads import DOWNLOADS
from evaluation.models import OutcomeRecord, Report


class OutcomeRecordSerializer(serializers.ModelSerializer):
    """An area's baseline or a quarter's record. ``narrative`` is null for
    those who may not read what staff write (evaluators); ``seen`` is what a
    correction sends back, so that a save made since is not undone unseen."""

    slug = serializers.SerializerMethodField()
    label = serializers.CharField(source="__str__")
    ward_code = serializers.CharField(source="area.ward_code")
    narrative = serializers.SerializerMethodField()
    recorded_by = serializers.CharField(source="recorded_by.full_name", allow_null=True)
    seen = serializers.SerializerMethodField()

    class Meta:
        model = OutcomeRecord
        fields = [
            "ward_code",
            "kind",
            "quarter",
            "slug",
            "label",
            *OutcomeRecord.COUNTS,
            *OutcomeRecord.PLANS,
            "narrative",
            "recorded_by",
            "created_at",
            "updated_at",
            "seen",
        ]
        read_only_fields = fields

    def get_slug(self, record: OutcomeRecord) -> str:
        return outcomes.slug_of(record)

    def get_narrative(self, record: OutcomeRecord) -> str | None:
        return record.narrative if self.context["show_narrative"] else None

    def get_seen(self, record: OutcomeRecord) -> str:
        return outcomes.seen_mark(record)


class _Counts(serializers.Serializer):
    residents_involved = serializers.IntegerField(min_value=0, max_value=100_000)
    volunteers = serializers.IntegerField(min_value=0, max_value=100_000)
    leaders = serializers.IntegerField(min_value=0, max_value=100_000)
    new_groups = serializers.IntegerField(min_value=0, max_value=100_000)
    spaces_in_use = serializers.IntegerField(min_value=0, max_value=100_000)
    spaces_owned = serializers.IntegerField(min_value=0, max_value=100_000)
    leaders_trained = serializers.IntegerField(min_value=0, max_value=100_000)
    community_plan = serializers.BooleanField(required=False)
    neighbourhood_plan = serializers.BooleanField(required=False)
    economic_plan = serializers.BooleanField(required=False)
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class OutcomeRecordNewSerializer(_Counts):
    """A baseline or a quarter's record to make. Checked by the web's form
    (evaluation.outcome_forms) and saved by evaluation.outcomes."""

    kind = serializers.ChoiceField(choices=OutcomeRecord.Kind.choices)
    quarter = serializers.CharField(
        required=False, help_text='For a quarter\'s record: like "2026-q3".'
    )


class OutcomeRecordCorrectionSerializer(_Counts):
    """A correction: what changes, and ``seen`` as the record was read."""

    seen = serializers.CharField(help_text="The record's seen value, as you read it.")


class ReportProgressSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_label = serializers.CharField()
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    stages_done = serializers.IntegerField()
    stages = serializers.IntegerField()
    percent = serializers.IntegerField()
    finished = serializers.BooleanField()


class ReportDownloadsSerializer(serializers.Serializer):
    pdf = serializers.URLField(allow_null=True)
    xlsx = serializers.URLField(allow_null=True)
    csv = serializers.URLField(allow_null=True)


class ReportSerializer(serializers.ModelSerializer):
    """A report: its scope and period, how far its job has got (and, if it
    failed, why, in words), and its files once it is done."""

    scope = serializers.CharField(source="scope_label")
    period = serializers.CharField(source="period_label")
    ward_code = serializers.CharField(source="area.ward_code", allow_null=True)
    requested_by = serializers.CharField(source="asked_for_by")
    progress = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "scope",
            "region",
            "cohort",
            "ward_code",
            "span",
            "period_start",
            "period_end",
            "period",
            "status",
            "stage",
            "failure",
            "progress",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
            "downloads",
        ]
        read_only_fields = fields

    @extend_schema_field(ReportProgressSerializer)
    def get_progress(self, report: Report) -> dict:
        return reports.report_progress(report)

    @extend_schema_field(ReportDownloadsSerializer)
    def get_downloads(self, report: Report) -> dict:
        request = self.context["request"]
        done = report.status == Report.Status.DONE
        return {
            kind: (
                request.build_absolute_uri(
                    reverse("evaluation_api:report_download", args=[report.pk, kind])
                )
                if done and getattr(report, field).name
                else None
            )
            for kind, (field, _) in DOWNLOADS.items()
        }


class ReportStartSerializer(serializers.Serializer):
    """The report to start, as the web's form asks it (the area by ward
    code). Checked by evaluation.forms.ReportStartForm: a regional lead may
    ask only for their region and its areas."""

    kind = serializers.ChoiceField(choices=Report.Kind.choices)
    region = serializers.CharField(required=False, allow_blank=True)
    cohort = serializers.IntegerField(required=False, allow_null=True)
    area = serializers.CharField(required=False, allow_null=True, help_text="A ward code.")
    span = serializers.ChoiceField(choices=Report.Span.choices)
    quarter = serializers.DateField(
        required=False, allow_null=True, help_text="A quarter's first day (span quarter)."
    )
    year = serializers.IntegerField(required=False, allow_null=True, help_text="For span year.")
    start = serializers.DateField(required=False, allow_null=True, help_text="For span custom.")
    last = serializers.DateField(
        required=False, allow_null=True, help_text="For span custom: the last day, included."
    )
