"""The forms of the day and after: a tick at check-in, a walk-in, a follow-up
action made from someone's attendance, and the feedback form."""

import datetime
import secrets

from django import forms
from django.utils import timezone

from areas.models import Area
from areas.selectors import areas_by_town
from events.models import Event, Feedback
from nfc.private_links import digest
from nfc.validators import not_in_the_past, phone_number

NOT_SUPPORTED = "none"


def _limits(form: forms.Form) -> None:
    for field in form.fields.values():
        if getattr(field, "max_length", None):
            field.error_messages["max_length"] = (
                "Keep this to %(limit_value)d letters or fewer: it has %(show_value)d."
            )


class TickForm(forms.Form):
    """One person's tick: says what it should be, never "toggle", so a tick
    sent twice changes nothing the second time."""

    attended = forms.TypedChoiceField(
        choices=[("yes", "Checked in"), ("no", "Not checked in")],
        coerce=lambda value: value == "yes",
        error_messages={
            "required": "Say whether they came.",
            "invalid_choice": "Say whether they came.",
        },
    )
    # The search and the page of names the list was showing, to go back to.
    q = forms.CharField(required=False, max_length=100)
    page = forms.IntegerField(required=False, min_value=1)


class WalkInForm(forms.Form):
    name = forms.CharField(
        label="Their name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Write their name."},
    )
    area = forms.ChoiceField(
        label="Their neighbourhood",
        error_messages={
            "required": "Choose their neighbourhood, or \u201cNot one of these\u201d.",
            "invalid_choice": "Choose their neighbourhood from the list.",
        },
    )
    email = forms.EmailField(
        label="Their e-mail address (optional)",
        required=False,
        max_length=254,
        help_text="So that we can ask what they thought of the event.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "invalid": "Write the e-mail address as it is written, like name@example.com."
        },
    )
    phone = forms.CharField(
        label="Their phone number (optional)",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "tel"}),
    )
    told_privacy = forms.BooleanField(
        label=(
            "They know that we keep these details to run this event and to ask for their "
            "feedback, as the privacy notice says."
        ),
        error_messages={"required": "Tell them how we use their details, then tick this box."},
    )
    # Asked of them by staff, as the registration form asks it: never needed.
    follow_up_contact = forms.BooleanField(
        label=(
            "They are happy for the Network for Communities adviser for where they live "
            "to contact them after the event (optional)"
        ),
        required=False,
        help_text="Ask them. Only if they are from one of the neighbourhoods in the list.",
    )
    # A random token: the same form sent twice (a double tap) adds one person.
    once = forms.CharField(widget=forms.HiddenInput, max_length=50, required=False)

    def __init__(self, *args, event: Event, **kwargs):
        kwargs.setdefault("initial", {"once": secrets.token_urlsafe(16)})
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = self._area_choices(event)
        _limits(self)

    @staticmethod
    def _area_choices(event: Event):
        # The areas the event is for come first: most who walk in are from them.
        invited = {pk for pk in event.areas.values_list("pk", flat=True)}
        if event.host_area_id:
            invited.add(event.host_area_id)
        by_town = areas_by_town()
        first = [
            choice for _, choices in by_town for choice in choices if int(choice[0]) in invited
        ]
        groups = [("This event's areas", first)] if first else []
        return [
            ("", "Choose their neighbourhood"),
            (NOT_SUPPORTED, "Not one of these"),
            *groups,
            *by_town,
        ]

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"]
        return phone_number(text) if text else ""

    def clean_area(self) -> Area | None:
        choice = self.cleaned_data["area"]
        if choice == NOT_SUPPORTED:
            return None
        return Area.objects.filter(pk=choice).first()

    def walk_in_details(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "area": data["area"],
            "email": data["email"],
            "phone": data["phone"],
            "follow_up_contact": data["follow_up_contact"],
            "form_token_hash": digest(data["once"]) if data["once"] else "",
        }


def _in_a_week() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=7)


class AttendanceActionForm(forms.Form):
    """A follow-up action for the person making it, from someone's attendance."""

    description = forms.CharField(
        label="What needs doing",
        max_length=300,
        error_messages={"required": "Say what needs doing."},
    )
    due_on = forms.DateField(
        label="By when",
        initial=_in_a_week,
        validators=[not_in_the_past],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Give a date.",
            "invalid": "Give a date, like 31/12/2026.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limits(self)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How useful was the event to you?",
        choices=Feedback.RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 is not useful at all, 5 is very useful.",
        error_messages={
            "required": "Choose a number from 1 to 5.",
            "invalid_choice": "Choose a number from 1 to 5.",
        },
    )
    useful = forms.CharField(
        label="What was useful? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next_steps = forms.CharField(
        label="What will you do next, after the event? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limits(self)
