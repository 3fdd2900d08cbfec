from django import forms

from advisers.delivery import Delivery
from advisers.models import User
from advisers.roles import Role
from areas.models import AreaType, Cohort, Region, Stage
from evaluation.dashboard import DEFAULT_PERIOD, PERIODS, SORTS, DeliveryFilters


class DeliveryFilterForm(forms.Form):
    """The dashboard's delivery table: which period, which areas, what order."""

    # The default first, so a form sent without it shows what the table used.
    period = forms.ChoiceField(
        label="Judge delivery over",
        choices=sorted(PERIODS.items(), key=lambda choice: choice[0] != DEFAULT_PERIOD),
        required=False,
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Delivery.LABELS.items()], required=False
    )
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
    sort = forms.ChoiceField(
        label="Order by",
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        required=False,
    )

    def __init__(self, *args, for_manager: bool, in_region: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not for_manager:
            del self.fields["adviser"]
        if in_region:
            del self.fields["region"]

    def filters(self) -> DeliveryFilters:
        """The chosen filters; the defaults where the form is not valid."""
        if not self.is_valid():
            return DeliveryFilters()
        chosen = {key: value for key, value in self.cleaned_data.items() if value}
        return DeliveryFilters(**chosen)
