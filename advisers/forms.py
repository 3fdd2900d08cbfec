from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone

from advisers.models import TimeRecord
from nfc.validators import not_in_the_future


class TimeRecordForm(forms.Form):
    """Record time given to an area: a day by default, in one step."""

    UNITS = [("days", "Days"), ("hours", "Hours")]

    area = forms.ModelChoiceField(queryset=None, empty_label=None)
    date = forms.DateField(
        initial=timezone.localdate,
        validators=[not_in_the_future],
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
