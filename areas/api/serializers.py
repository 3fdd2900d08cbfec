from decimal import Decimal

from django.forms.models import model_to_dict
from django.utils import timezone
from rest_framework import serializers

from advisers.models import AdviserAssignment, CommunityWorkerAllocation, User
from advisers.roles import Role
from areas.forms import FundingBidForm
from areas.models import Area, FundingBid, LocalContact, Partnership, Stage, StageChange
from areas.services import may_move_to_stage
from nfc.api.strict import Strict
from nfc.validators import not_in_the_future


def _today():
    return timezone.localdate()


class AreaSerializer(serializers.ModelSerializer):
    """An area as the staff list shows it: its facts, where it is in the
    programme, and who is named for it."""

    types = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    adviser = serializers.CharField(source="adviser_name", read_only=True, allow_null=True)
    community_worker = serializers.CharField(
        source="community_worker_name", read_only=True, allow_null=True
    )

    class Meta:
        model = Area
        fields = [
            "ward_code",
            "name",
            "local_authority",
            "region",
            "types",
            "population",
            "imd_rank",
            "imd_decile",
            "cni_rank",
            "cohort",
            "joined_on",
            "stage",
            "adviser",
            "community_worker",
        ]
        read_only_fields = fields


class AreaDetailSerializer(AreaSerializer):
    """The area's page: its facts in full, and its notes for those who may
    read what staff write (``show_notes`` in the context)."""

    share_most_deprived = serializers.FloatField(read_only=True, allow_null=True)
    notes = serializers.CharField(read_only=True, required=False)

    class Meta(AreaSerializer.Meta):
        fields = [
            *AreaSerializer.Meta.fields,
            "small_areas",
            "small_areas_most_deprived",
            "population_most_deprived",
            "share_most_deprived",
            "notes",
        ]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("show_notes"):
            del fields["notes"]
        return fields


def _name(user) -> str | None:
    return str(user) if user else None


class StageChangeSerializer(serializers.ModelSerializer):
    """One step in the area's history; what staff wrote about it (its note,
    why it was withdrawn) only for those who may read it."""

    recorded_by = serializers.SerializerMethodField()
    withdrawn_by = serializers.SerializerMethodField()

    class Meta:
        model = StageChange
        fields = [
            "id",
            "stage",
            "changed_on",
            "note",
            "recorded_by",
            "recorded_at",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawn_reason",
        ]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("show_notes"):
            del fields["note"], fields["withdrawn_reason"]
        return fields

    def get_recorded_by(self, change) -> str | None:
        return _name(change.recorded_by)

    def get_withdrawn_by(self, change) -> str | None:
        return _name(change.withdrawn_by)


class StageMoveSerializer(Strict):
    """Move the area to another stage (``area`` and ``user`` in the context)."""

    stage = serializers.ChoiceField(choices=Stage.choices)
    on = serializers.DateField(default=_today, validators=[not_in_the_future])
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate_stage(self, stage):
        # The stage form offers only the stages this person may choose.
        if not may_move_to_stage(self.context["user"], self.context["area"], stage):
            raise serializers.ValidationError(
                "Taking an area out of the programme, or back from leaving, is for "
                "those who manage caseloads."
            )
        return stage


class PartnershipSerializer(Strict, serializers.ModelSerializer):
    class Meta:
        model = Partnership
        fields = ["name", "contact_name", "contact_email", "contact_phone", "trusted_organisation"]


class LocalContactSerializer(Strict, serializers.ModelSerializer):
    class Meta:
        model = LocalContact
        fields = ["id", "name", "kind", "role", "organisation", "email", "phone"]
        read_only_fields = ["id"]


FUNDING_FIELDS = FundingBidForm._meta.fields


class FundingBidSerializer(Strict, serializers.ModelSerializer):
    """A funding bid; what it is for (``description``) only for those who
    may read what staff write. Its rules are the web form's, run on the
    bid as it would be saved."""

    class Meta:
        model = FundingBid
        fields = ["id", *FUNDING_FIELDS]
        read_only_fields = ["id"]

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("show_notes"):
            del fields["description"]
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # The bid as it would be saved: what is stored (or a new bid's
        # defaults) with what was sent on top.
        values = model_to_dict(self.instance or FundingBid(), fields=FUNDING_FIELDS)
        values.update(attrs)
        form = FundingBidForm(data=values)
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): list(errors)
                    for field, errors in form.errors.items()
                }
            )
        return attrs


class AssignAdviserSerializer(Strict):
    adviser = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.ADVISER, is_active=True),
        error_messages={"does_not_exist": "No active adviser has this id."},
    )
    on = serializers.DateField(default=_today, validators=[not_in_the_future])
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class AllocateCommunityWorkerSerializer(Strict):
    worker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.COMMUNITY_WORKER, is_active=True),
        error_messages={"does_not_exist": "No active community worker has this id."},
    )
    days_per_month = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("20"),
        required=False,
    )
    on = serializers.DateField(default=_today, validators=[not_in_the_future])
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class AdviserAssignmentSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.ward_code", read_only=True)
    adviser_name = serializers.CharField(source="adviser.full_name", read_only=True)

    class Meta:
        model = AdviserAssignment
        fields = ["area", "adviser", "adviser_name", "started_on", "reason"]
        read_only_fields = fields


class CommunityWorkerAllocationSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.ward_code", read_only=True)
    worker_name = serializers.CharField(source="worker.full_name", read_only=True)

    class Meta:
        model = CommunityWorkerAllocation
        fields = ["area", "worker", "worker_name", "days_per_month", "started_on", "reason"]
        read_only_fields = fields
