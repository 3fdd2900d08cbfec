from django import forms

from advisers.delivery import Delivery
from areas.forms import AreaFacetsForm
from evaluation.dashboard import DEFAULT_PERIOD, PERIODS, SORTS, DeliveryFilters


class DeliveryFilterForm(AreaFacetsForm):
    """The dashboard's delivery table: which period, which areas, what order."""

    field_order = ["period", "status", "region", "area_type", "cohort", "stage", "adviser", "sort"]

    # The default first, so a form sent without it shows what the table used.
    period = forms.ChoiceField(
        label="Judge delivery over",
        choices=sorted(PERIODS.items(), key=lambda choice: choice[0] != DEFAULT_PERIOD),
        required=False,
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Delivery.LABELS.items()], required=False
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
