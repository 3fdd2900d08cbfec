from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advisers.models import TimeRecord, User
from advisers.permissions import has_perm
from advisers.roles import Role
from areas.models import Area
from nfc.api.strict import Strict
from nfc.validators import not_in_the_future


class HeldAreaSerializer(serializers.Serializer):
    ward_code = serializers.CharField(source="area.ward_code")
    name = serializers.CharField(source="area.name")
    started_on = serializers.DateField()
    days_per_month = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True, default=None
    )


class StaffSerializer(serializers.ModelSerializer):
    """An adviser or community worker with their caseload, as the caseloads
    page shows them: how many areas they hold (the cap counts all), how many
    of those are in your region, the room left, and the areas you can see."""

    areas_held = serializers.IntegerField(read_only=True)
    areas_here = serializers.IntegerField(read_only=True)
    cap = serializers.IntegerField(read_only=True)
    room = serializers.IntegerField(read_only=True)
    days_a_month = serializers.DecimalField(
        max_digits=6, decimal_places=1, read_only=True, allow_null=True
    )
    areas = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "full_name",
            "email",
            "role",
            "areas_held",
            "areas_here",
            "cap",
            "room",
            "days_a_month",
            "areas",
        ]
        read_only_fields = fields

    def to_representation(self, person):
        data = super().to_representation(person)
        if person.role != Role.COMMUNITY_WORKER:
            data["days_a_month"] = None
        return data

    @extend_schema_field(HeldAreaSerializer(many=True))
    def get_areas(self, person) -> list:
        held = person.held_advising if person.role == Role.ADVISER else person.held_working
        return HeldAreaSerializer(held, many=True).data


class TimeRecordSerializer(serializers.ModelSerializer):
    """Time a person gave an area. Its note only for those who may read what
    staff write (``show_notes`` in the context)."""

    area = serializers.CharField(source="area.ward_code", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)

    class Meta:
        model = TimeRecord
        fields = [
            "id",
            "person",
            "person_name",
            "area",
            "date",
            "hours",
            "role",
            "kind",
            "note",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("show_notes"):
            del fields["note"]
        return fields


class TimeRecordAddSerializer(Strict):
    """Record time: your own (leave out ``person``) for an area you worked in
    that day, or, for those who correct time, anybody's in your scope."""

    area = serializers.SlugRelatedField(
        slug_field="ward_code",
        queryset=Area.objects.none(),
        error_messages={"does_not_exist": "No area with this ward code is in your scope."},
    )
    person = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        error_messages={"does_not_exist": "No active member of staff has this id."},
    )
    date = serializers.DateField(validators=[not_in_the_future])
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("24")
    )
    kind = serializers.ChoiceField(choices=TimeRecord.Kind.choices, default=TimeRecord.Kind.VISIT)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["area"].queryset = Area.objects.visible_to(request.user)

    def validate_person(self, person):
        user = self.context["request"].user
        if person.pk != user.pk and not has_perm(user, "time.correct"):
            raise serializers.ValidationError(
                "You may record only your own time: leave person out."
            )
        return person
