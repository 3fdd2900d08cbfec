from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone

from advisers.dashboard import DEFAULT_PERIOD, PERIODS, SORTS, Delivery, DeliveryFilters
from advisers.models import Role, TimeRecord, User
from areas.models import AreaType, Cohort, Region, Stage


class TimeRecordForm(forms.Form):
    """Record time given to an area: a day by default, in one step."""

    UNITS = [("days", "Days"), ("hours", "Hours")]

    area = forms.ModelChoiceField(queryset=None, empty_label=None)
    date = forms.DateField(
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    amount = forms.DecimalField(
        label="How long",
        initial=1,
        min_value=Decimal("0.1"),
        max_value=24,
        max_digits=4,
        decimal_places=2,
    )
    unit = forms.ChoiceField(choices=UNITS, initial="days", widget=forms.RadioSelect)
    kind = forms.ChoiceField(
        label="What kind", choices=TimeRecord.Kind.choices, initial=TimeRecord.Kind.VISIT
    )
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas

    def clean(self):
        cleaned = super().clean()
        amount, unit = cleaned.get("amount"), cleaned.get("unit")
        if amount is not None and unit:
            hours = amount * Decimal(str(settings.NFC_HOURS_PER_DAY)) if unit == "days" else amount
            if hours > 24:
                self.add_error("amount", "That is more than 24 hours in one day.")
            cleaned["hours"] = hours.quantize(Decimal("0.01"))
        return cleaned


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
