import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone

from advisers.models import ApiToken, TimeRecord
from advisers.tokens import expiry_check
from nfc.validators import not_in_the_future

MORE_THAN_A_DAY = "That is more than 24 hours in one day: record each day on its own."


class TimeRecordForm(forms.Form):
    """Record time given to an area: a day by default, in one step."""

    UNITS = [("days", "Days"), ("hours", "Hours")]

    area = forms.ModelChoiceField(queryset=None, empty_label=None)
    date = forms.DateField(
        initial=timezone.localdate,
        validators=[not_in_the_future],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the day you gave the time.",
            "invalid": "Enter a real date, like 2026-03-27.",
        },
    )
    amount = forms.DecimalField(
        label="How long",
        initial=1,
        min_value=Decimal("0.1"),
        # The most is 24, so no count of digits is asked too: a number too
        # big would be refused twice, in the same words.
        max_value=24,
        decimal_places=2,
        error_messages={
            "required": "Enter how long you gave, in days or hours.",
            "invalid": "Enter how long as a number, like 1 or 0.5.",
            "min_value": "Enter at least 0.1 (a tenth of a day or an hour).",
            "max_value": MORE_THAN_A_DAY,
            "max_decimal_places": "Enter how long with at most two decimal places, like 7.5.",
        },
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
                self.add_error("amount", MORE_THAN_A_DAY)
            cleaned["hours"] = hours.quantize(Decimal("0.01"))
        return cleaned


class FreshTimeRecordForm:
    """What the home page draws of a fresh TimeRecordForm (unbound, no
    errors) offering ``areas``: their choices, and the form class's own
    fields. A TimeRecordForm made for every home page copied its six fields
    and built a queryset it never ran, to be drawn by
    advisers.templatetags.time_form, which reads only these."""

    fields = TimeRecordForm.base_fields

    def __init__(self, *, areas):
        # As the area field's ModelChoiceField labels each area.
        self.area_choices = [(area.pk, str(area)) for area in areas]


# How long a new API token lasts unless its owner chooses otherwise.
DEFAULT_TOKEN_DAYS = 90


def _in_ninety_days() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=DEFAULT_TOKEN_DAYS)


class ApiTokenForm(forms.Form):
    """Make a personal API token: what it is for, what it may do, when it
    ends. The day is checked by the service's own rule
    (advisers.tokens.expiry_check), here too so that every mistake is told
    at once."""

    name = forms.CharField(
        max_length=100,
        help_text="What it is for, so you know it later: \u201cweekly figures script\u201d.",
        error_messages={"required": "Give the token a name."},
    )
    scope = forms.ChoiceField(
        label="What it may do",
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text="Read only is safest: read and write only for a script that changes things.",
        error_messages={
            "required": "Choose what the token may do.",
            "invalid_choice": "Choose read only, or read and write.",
        },
    )
    expires_on = forms.DateField(
        label="Ends on",
        initial=_in_ninety_days,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="A year from today at most. The token stops working at the end of this day.",
        error_messages={
            "required": "Choose the day the token ends.",
            "invalid": "Give the day as a date, like 31/03/2027.",
        },
        validators=[expiry_check],
    )
