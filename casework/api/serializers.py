"""What the casework endpoints show and take. They check the shape of what
is sent, as the web's forms do; the services (casework.services,
casework.interactions, casework.referrals) enforce the rules, with the same
messages as on the web."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advisers.models import User
from advisers.permissions import has_perm, interaction_correction_ends
from advisers.roles import Role
from areas.models import Area
from casework.forms import possible_owners
from casework.models import (
    Expertise,
    Interaction,
    InteractionTopic,
    Partner,
    Referral,
    ResidentMessage,
    StatusChange,
    SupportRequest,
)
from nfc.api.strict import Strict
from nfc.validators import not_in_the_future, not_in_the_past

# An area or request outside the person's scope is as if it were not there,
# said in the words the time records use (advisers.api.serializers).
AREA_NOT_IN_SCOPE = {"does_not_exist": "No area with this ward code is in your scope."}
REQUEST_NOT_IN_SCOPE = {"does_not_exist": "No request with this reference is in your scope."}

# --- Requests ---------------------------------------------------------------


class SupportRequestSerializer(serializers.ModelSerializer):
    """A request as the web's list shows it: no resident's details."""

    area = serializers.CharField(
        source="area.ward_code", read_only=True, allow_null=True, help_text="Its ward code."
    )
    area_name = serializers.CharField(source="area.name", read_only=True, allow_null=True)
    assigned_to_name = serializers.CharField(
        source="assigned_to.full_name", read_only=True, allow_null=True
    )
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = SupportRequest
        fields = [
            "reference",
            "created_at",
            "area",
            "area_name",
            "topic",
            "status",
            "assigned_to",
            "assigned_to_name",
            "is_overdue",
            "first_contact_at",
            "resolved_at",
        ]
        read_only_fields = fields


class StatusChangeSerializer(serializers.ModelSerializer):
    changed_by_name = serializers.CharField(
        source="changed_by.full_name", read_only=True, allow_null=True
    )

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "note", "changed_by", "changed_by_name", "changed_at"]


class ResidentMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResidentMessage
        fields = ["text", "created_at", "seen_at"]


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    postcode = serializers.CharField()
    contact_by = serializers.CharField()


class SupportRequestDetailSerializer(SupportRequestSerializer):
    """A request as its web page shows it: what they asked, how to reach
    them (to those the page shows it to), its steps and their messages."""

    contact = serializers.SerializerMethodField()
    next_statuses = serializers.SerializerMethodField()
    status_changes = StatusChangeSerializer(many=True, read_only=True)
    messages = ResidentMessageSerializer(many=True, read_only=True, source="resident_messages")

    class Meta(SupportRequestSerializer.Meta):
        fields = [
            *SupportRequestSerializer.Meta.fields,
            "place",
            "description",
            "for_group",
            "group_name",
            "contact",
            "details_removed_at",
            "withdrawn_at",
            "next_statuses",
            "status_changes",
            "messages",
        ]
        read_only_fields = fields

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, support_request):
        # The request's page shows how to reach the resident to everyone
        # who may open it ("casework.view", within their scope).
        if not has_perm(self.context["request"].user, "casework.view"):
            return None
        return {
            "name": support_request.name,
            "email": support_request.email,
            "phone": support_request.phone,
            "postcode": support_request.postcode,
            "contact_by": support_request.contact_by,
        }

    def get_next_statuses(self, support_request) -> list[str]:
        return [value for value, _ in support_request.next_statuses]


class MoveSerializer(Strict):
    to_status = serializers.ChoiceField(choices=SupportRequest.Status.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AssignSerializer(Strict):
    to = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(
            role__in=[Role.ADVISER, Role.COMMUNITY_WORKER], is_active=True
        ),
        help_text="The id of an active adviser or community worker.",
    )


# --- Interactions -----------------------------------------------------------


class _AreaOrRequest(Strict):
    """An area (by ward code) or a request (by reference), whose area it
    then is: both looked up within the caller's scope."""

    # What the answer says when neither names an area.
    area_missing = "Choose the area."

    area = serializers.SlugRelatedField(
        slug_field="ward_code",
        queryset=Area.objects.none(),
        error_messages=AREA_NOT_IN_SCOPE,
        required=False,
        help_text="The area's ward code; left out, the request's area.",
    )
    request = serializers.SlugRelatedField(
        slug_field="reference",
        source="support_request",
        queryset=SupportRequest.objects.none(),
        error_messages=REQUEST_NOT_IN_SCOPE,
        required=False,
        allow_null=True,
        help_text="The reference of the request it is about, if any.",
    )
    area_name = serializers.CharField(source="area.name", read_only=True)

    def get_fields(self):
        fields = super().get_fields()
        if "request" not in self.context:  # the schema, read without a caller
            return fields
        user = self.context["request"].user
        fields["area"].queryset = Area.objects.visible_to(user)
        fields["request"].queryset = SupportRequest.objects.visible_to(user).select_related("area")
        return fields

    def validate(self, attrs):
        support_request = attrs.get("support_request")
        if support_request is not None and support_request.area is not None:
            # What is recorded about a request is on its area.
            attrs.setdefault("area", support_request.area)
        if "area" not in attrs:
            raise serializers.ValidationError({"area": [self.area_missing]})
        return super().validate(attrs)


class _InteractionFields(Strict):
    """The web's log form's fields (casework.forms.InteractionForm)."""

    date = serializers.DateField(validators=[not_in_the_future])
    kind = serializers.ChoiceField(choices=Interaction.Kind.choices)
    residents = serializers.IntegerField(min_value=0, max_value=5000, default=0)
    new_residents = serializers.IntegerField(min_value=0, max_value=5000, default=0)
    minutes = serializers.IntegerField(min_value=1, max_value=1440, required=False, allow_null=True)
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=InteractionTopic.choices), required=False
    )
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    next_steps = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    count_time = serializers.BooleanField(
        required=False,
        write_only=True,
        help_text="Count how long it took as your time in the area (advisers and community "
        "workers only).",
    )

    def get_fields(self):
        fields = super().get_fields()
        # Only time given by an area's own adviser or community worker
        # counts: others may not ask (as the web's form has no such box).
        request = self.context.get("request")
        if request is not None and not has_perm(request.user, "time.record"):
            del fields["count_time"]
        return fields

    @staticmethod
    def check_residents(values: dict) -> None:
        residents, new = values.get("residents"), values.get("new_residents")
        if residents is not None and new is not None and new > residents:
            raise serializers.ValidationError(
                {"new_residents": ["This cannot be more than the residents who took part."]}
            )


class InteractionSerializer(_AreaOrRequest, _InteractionFields):
    """An interaction, and to log one: an area (or a request, whose area it
    then is) and a handful of fields."""

    area_missing = "Choose the area it was in."
    id = serializers.IntegerField(read_only=True)
    logged_by = serializers.IntegerField(source="logged_by_id", read_only=True)
    logged_by_name = serializers.CharField(source="logged_by.full_name", read_only=True)
    time_counted = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    correctable_until = serializers.SerializerMethodField()

    def get_time_counted(self, interaction) -> bool:
        return interaction.time_record_id is not None

    @extend_schema_field(serializers.DateTimeField)
    def get_correctable_until(self, interaction):
        return serializers.DateTimeField().to_representation(
            interaction_correction_ends(interaction)
        )

    def validate(self, attrs):
        self.check_residents(attrs)
        return super().validate(attrs)


class InteractionCorrectionSerializer(_InteractionFields):
    """The author's correction: any of the same fields but the area."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


# --- Actions ----------------------------------------------------------------


class ActionSerializer(_AreaOrRequest):
    area_missing = "Choose the area it is for."
    id = serializers.IntegerField(read_only=True)
    description = serializers.CharField(max_length=300)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(),
        required=False,
        help_text="Who will do it (their id): you, unless you choose someone who works on "
        "the area or a manager who sees it.",
    )
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    due_on = serializers.DateField(validators=[not_in_the_past])
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    fingerprint = serializers.CharField(
        read_only=True, help_text="Send it back as `seen` when you change the action."
    )
    created_at = serializers.DateTimeField(read_only=True)

    def get_fields(self):
        fields = super().get_fields()
        if "request" not in self.context:  # the schema, read without a caller
            return fields
        user = self.context["request"].user
        fields["owner"].queryset = possible_owners(areas=fields["area"].queryset, writer=user)
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        owner = attrs.setdefault("owner", self.context["request"].user)
        if (
            not possible_owners(
                areas=Area.objects.filter(pk=attrs["area"].pk), writer=self.context["request"].user
            )
            .filter(pk=owner.pk)
            .exists()
        ):
            raise serializers.ValidationError(
                {"owner": [f"{owner} does not work on {attrs['area'].name}."]}
            )
        return attrs


class ActionChangeSerializer(Strict):
    """Reword, hand on or reschedule an open action; its area stays."""

    description = serializers.CharField(max_length=300, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False)
    due_on = serializers.DateField(required=False)
    # Required, unlike the web's form (which always sends it): a change
    # made without it would silently undo someone else's.
    seen = serializers.CharField(
        help_text="The action's fingerprint as you read it: if someone has changed it "
        "since, nothing is saved.",
    )

    def get_fields(self):
        fields = super().get_fields()
        if "action" not in self.context:  # the schema, read without a caller
            return fields
        action = self.context["action"]
        working_there = possible_owners(
            areas=Area.objects.filter(pk=action.area_id), writer=self.context["request"].user
        ).values("pk")
        fields["owner"].queryset = User.objects.filter(
            Q(pk__in=working_there) | Q(pk=action.owner_id)
        )
        return fields

    def validate_due_on(self, due_on):
        # An overdue action may keep its date; a new date is today or later.
        if due_on != self.context["action"].due_on:
            not_in_the_past(due_on)
        return due_on


# --- Referrals and partners -------------------------------------------------


class PartnerSerializer(Strict, serializers.ModelSerializer):
    expertise = serializers.ListField(
        child=serializers.ChoiceField(choices=Expertise.choices), allow_empty=False
    )
    days_used_this_year = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, allow_null=True
    )
    days_left = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, allow_null=True
    )

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "expertise",
            "email",
            "capacity_days",
            "capacity_hours",
            "is_active",
            "notes",
            "days_used_this_year",
            "days_left",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # The service checks a name is not taken, as the web's form does.
        extra_kwargs = {"name": {"validators": []}}


class ReferralSerializer(_AreaOrRequest):
    """A referral, and to make one: an area (or a request, whose area it
    then is), a partner taking referrals and what help is asked for."""

    area_missing = "Choose the area to refer."
    id = serializers.IntegerField(read_only=True)
    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.all())
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    help_asked = serializers.CharField(max_length=2000)
    requested_on = serializers.DateField(required=False)
    status = serializers.CharField(read_only=True)
    accepted_on = serializers.DateField(read_only=True, allow_null=True)
    declined_on = serializers.DateField(read_only=True, allow_null=True)
    delivered_on = serializers.DateField(read_only=True, allow_null=True)
    outcome_recorded_on = serializers.DateField(read_only=True, allow_null=True)
    days_used = serializers.DecimalField(
        max_digits=5, decimal_places=1, read_only=True, allow_null=True
    )
    cost = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True, allow_null=True)
    outcome = serializers.CharField(read_only=True)
    group_rating = serializers.IntegerField(read_only=True, allow_null=True)
    next_statuses = serializers.SerializerMethodField()

    def get_next_statuses(self, referral) -> list[str]:
        return [value for value, _ in referral.next_statuses]


class ReferralStepSerializer(Strict):
    """The next step of a referral (casework.referral_views.ReferralStepForm):
    days and cost only when the work is delivered, the outcome after."""

    to_status = serializers.ChoiceField(choices=Referral.Status.choices)
    on = serializers.DateField(required=False, help_text="When it happened; today if left out.")
    days_used = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=0, required=False, allow_null=True
    )
    cost = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    outcome = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    group_rating = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True
    )

    def validate(self, attrs):
        delivered = attrs["to_status"] == Referral.Status.DELIVERED
        errors = {
            name: ["Leave this empty unless the work was delivered."]
            for name in ("days_used", "cost")
            if not delivered and attrs.get(name) is not None
        }
        if delivered and attrs.get("days_used") is None:
            errors["days_used"] = ["Say how many days the partner gave (0 if none)."]
        recording = attrs["to_status"] == Referral.Status.OUTCOME_RECORDED
        errors.update(
            {
                name: ["Leave this empty until the outcome is recorded."]
                for name in ("outcome", "group_rating")
                if not recording and attrs.get(name) not in (None, "")
            }
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ReferralOutcomeSerializer(Strict):
    outcome = serializers.CharField(max_length=2000)
    group_rating = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True
    )
    on = serializers.DateField(required=False)
