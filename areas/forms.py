from django import forms
from django.db.models import Count, Q
from django.utils import timezone

from advisers.models import ADVISER_CASELOAD_CAP, COMMUNITY_WORKER_AREA_CAP, User
from advisers.roles import Role
from areas.models import (
    Area,
    AreaType,
    Cohort,
    FundingBid,
    LocalContact,
    Partnership,
    Region,
    Stage,
)
from areas.services import may_move_to_stage
from nfc.validators import not_in_the_future


class AreaFacetsForm(forms.Form):
    """The ways to narrow a list of areas that the area list and the
    dashboard's delivery table share (see areas.selectors.filter_areas)."""

    region = forms.ChoiceField(choices=[("", "Any region"), *Region.choices], required=False)
    area_type = forms.ModelChoiceField(
        label="Type", queryset=AreaType.objects.all(), required=False, empty_label="Any type"
    )
    cohort = forms.TypedChoiceField(
        choices=[("", "Any cohort"), *Cohort.choices], coerce=int, empty_value=None, required=False
    )
    stage = forms.ChoiceField(choices=[("", "Any stage"), *Stage.choices], required=False)
    adviser = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.ADVISER), required=False, empty_label="Any adviser"
    )


class AreaFilterForm(AreaFacetsForm):
    field_order = ["q"]

    q = forms.CharField(label="Name, council or ward code", required=False, max_length=100)
    community_worker = forms.ModelChoiceField(
        queryset=User.objects.filter(role=Role.COMMUNITY_WORKER),
        required=False,
        empty_label="Any community worker",
    )
    funding_stream = forms.ChoiceField(
        label="Funding bid to",
        choices=[("", "Any or none"), *FundingBid.Stream.choices],
        required=False,
    )
    without_adviser = forms.BooleanField(label="Only areas with no named adviser", required=False)
    without_community_worker = forms.BooleanField(
        label="Only areas with no community worker", required=False
    )


def _today():
    return timezone.localdate()


class CaseloadChoiceField(forms.ModelChoiceField):
    """A person with how full their caseload is, so a manager sees who has room."""

    def __init__(self, *args, cap: int, **kwargs):
        self.cap = cap
        super().__init__(*args, **kwargs)

    def label_from_instance(self, person) -> str:
        return f"{person} ({person.areas_held} of {self.cap} areas)"


def _with_areas_held(role: str, relation: str):
    held = Q(**{f"{relation}__ended_on__isnull": True})
    return (
        User.objects.filter(role=role, is_active=True)
        .annotate(areas_held=Count(relation, filter=held))
        .order_by("full_name")
    )


class AssignAdviserForm(forms.Form):
    adviser = CaseloadChoiceField(
        queryset=_with_areas_held(Role.ADVISER, "adviser_assignments"),
        cap=ADVISER_CASELOAD_CAP,
        empty_label="Choose an adviser",
    )
    on = forms.DateField(
        label="From",
        initial=_today,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        max_length=300, required=False, help_text="For the history, e.g. 'Balancing caseloads'."
    )

    def __init__(self, *args, **kwargs):
        # Its own ids: the community worker's form on the same page has an
        # "on" and a "reason" too, and each label must point at its own field.
        kwargs.setdefault("auto_id", "adviser_%s")
        super().__init__(*args, **kwargs)


class AllocateCommunityWorkerForm(forms.Form):
    worker = CaseloadChoiceField(
        label="Community worker",
        queryset=_with_areas_held(Role.COMMUNITY_WORKER, "allocations"),
        cap=COMMUNITY_WORKER_AREA_CAP,
        empty_label="Choose a community worker",
    )
    days_per_month = forms.DecimalField(
        label="Days a month", initial=2, min_value=0.5, max_value=20, max_digits=4, decimal_places=1
    )
    on = forms.DateField(
        label="From",
        initial=_today,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "worker_%s")
        super().__init__(*args, **kwargs)


# What the stage form tells those offered leaving.
LEAVING_HELP = (
    "Leaving: the area keeps its adviser and community worker, and their caseload "
    "places, while the work winds down. Left: both places are freed from that date."
)


def stage_choices(user, area) -> list[tuple[str, str]]:
    """The stages ``user`` may move ``area`` to (the service's rule), never
    the one it is at, as (value, label)."""
    return [
        (value, label)
        for value, label in Stage.choices
        if value != area.stage and may_move_to_stage(user, area, value)
    ]


class StageChangeForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)
    on = forms.DateField(
        label="Since",
        initial=_today,
        validators=[not_in_the_future],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, user, area, **kwargs):
        # Its own ids: the area page's time form has a "note" too, and each
        # label must point at its own field.
        kwargs.setdefault("auto_id", "move_%s")
        super().__init__(*args, **kwargs)
        allowed = stage_choices(user, area)
        self.fields["stage"].choices = [("", "Choose the new stage"), *allowed] if allowed else []
        self.fields["stage"].error_messages["required"] = "Choose the stage to move it to."
        if any(value == Stage.LEAVING for value, _ in allowed):
            self.fields["stage"].help_text = LEAVING_HELP

    @property
    def has_choices(self) -> bool:
        return bool(self.fields["stage"].choices)


class StageCorrectionForm(forms.Form):
    on = forms.DateField(
        label="Since",
        validators=[not_in_the_future],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "correct_%s")
        super().__init__(*args, **kwargs)


class StageWithdrawalForm(forms.Form):
    reason = forms.CharField(
        label="Why is it withdrawn?",
        max_length=300,
        help_text="For example: recorded against the wrong area, or the date was a plan.",
        error_messages={"required": "Say why the change is withdrawn."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "withdraw_%s")
        super().__init__(*args, **kwargs)


class PartnershipForm(forms.ModelForm):
    class Meta:
        model = Partnership
        fields = ["name", "contact_name", "contact_email", "contact_phone", "trusted_organisation"]
        labels = {"name": "Name of the partnership or group"}


class LocalContactForm(forms.ModelForm):
    class Meta:
        model = LocalContact
        fields = ["name", "kind", "role", "organisation", "email", "phone"]


class FundingBidForm(forms.ModelForm):
    class Meta:
        model = FundingBid
        fields = [
            "stream",
            "description",
            "amount_sought",
            "amount_secured",
            "status",
            "submitted_on",
            "decided_on",
        ]
        labels = {"amount_sought": "Amount sought (£)", "amount_secured": "Amount secured (£)"}
        widgets = {
            "submitted_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "decided_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        cleaned = super().clean()
        sought, secured = cleaned.get("amount_sought"), cleaned.get("amount_secured")
        if sought is not None and secured and secured > sought:
            self.add_error(
                "amount_secured", "The amount secured cannot be more than the amount sought."
            )
        if cleaned.get("status") == FundingBid.Status.AWARDED and not secured:
            self.add_error("amount_secured", "An award needs the amount secured.")
        submitted, decided = cleaned.get("submitted_on"), cleaned.get("decided_on")
        if submitted and decided and decided < submitted:
            self.add_error("decided_on", "The decision cannot come before the bid was submitted.")
        return cleaned


class JoinProgrammeForm(forms.Form):
    cohort = forms.TypedChoiceField(label="Cohort", choices=Cohort.choices, coerce=int)
    joined_on = forms.DateField(
        label="Joined on",
        initial=_today,
        validators=[not_in_the_future],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class AreaFactsForm(forms.ModelForm):
    """What staff keep about an area beyond the published figures."""

    class Meta:
        model = Area
        fields = ["types", "cni_rank", "notes"]
        widgets = {"types": forms.CheckboxSelectMultiple}
        help_texts = {"notes": "For staff only: never shown on the public pages or to evaluators."}


class HandoverNoteForm(forms.Form):
    text = forms.CharField(
        label="Handover note",
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            "What the next adviser should know: who is who, what is promised, what to watch. "
            "Shown on their handover page if the area changes hands."
        ),
    )
