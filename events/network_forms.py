import datetime

from django import forms
from django.utils import timezone

from areas.models import Area
from events.models import TOPIC_CHOICES, Connection, Event
from nfc.validators import not_in_the_future

# How far back the form offers events to say where the areas met.
EVENTS_OFFERED_DAYS = 365


class AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name} ({obj.local_authority})"


class EventChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Event) -> str:
        return f"{obj.title}, {timezone.localtime(obj.starts_at):%-d %b %Y}"


class ConnectionForm(forms.Form):
    """Record a connection between two areas. ``own_areas``: the areas the
    person may record for (an adviser's caseload); the other end may be any
    area in the programme."""

    area = AreaChoice(
        label="Area",
        queryset=Area.objects.none(),
        empty_label="Choose an area",
        error_messages={
            "required": "Choose one of the two areas.",
            "invalid_choice": "Choose the area from the list.",
        },
    )
    other = AreaChoice(
        label="Connected with",
        queryset=Area.objects.none(),
        empty_label="Choose the other area",
        error_messages={
            "required": "Choose the area it connected with.",
            "invalid_choice": "Choose the other area from the list.",
        },
    )
    topic = forms.ChoiceField(
        label="What about",
        choices=[("", "Choose a topic"), *TOPIC_CHOICES],
        error_messages={
            "required": "Choose what the connection is about.",
            "invalid_choice": "Choose a topic from the list.",
        },
    )
    origin = forms.ChoiceField(
        label="How it came about",
        choices=Connection.Origin.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say how it came about: an event, a visit or an introduction.",
            "invalid_choice": "Choose one of the ways it came about.",
        },
    )
    event = EventChoice(
        label="The event or visit (optional)",
        queryset=Event.objects.none(),
        required=False,
        empty_label="None",
        help_text="Events and visits of the last 12 months.",
        error_messages={"invalid_choice": "Choose the event from the list."},
    )
    made_on = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[not_in_the_future],
        error_messages={
            "required": "Enter the date they connected.",
            "invalid": "Enter the date as day, month and year, like 14/03/2026.",
        },
    )
    followed_up = forms.BooleanField(label="They have followed it up", required=False)
    note = forms.CharField(
        label="A short note (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": "Keep the note to %(limit_value)d letters or fewer: it has "
            "%(show_value)d."
        },
    )

    def __init__(self, *args, own_areas, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = own_areas.order_by("name")
        self.fields["other"].queryset = Area.objects.in_programme().order_by("name")
        since = timezone.now() - datetime.timedelta(days=EVENTS_OFFERED_DAYS)
        self.fields["event"].queryset = events.filter(
            starts_at__gte=since, starts_at__lte=timezone.now()
        ).order_by("-starts_at")
        self.fields["made_on"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        area, other = cleaned.get("area"), cleaned.get("other")
        if area and other and area == other:
            self.add_error("other", "Choose a different area: an area cannot connect to itself.")
        event, origin, made_on = cleaned.get("event"), cleaned.get("origin"), cleaned.get("made_on")
        if event and origin == Connection.Origin.INTRODUCTION:
            self.add_error(
                "event",
                "An introduction is not made at an event: choose None, or say they met there.",
            )
        if event and made_on and made_on < timezone.localdate(event.starts_at):
            self.add_error("made_on", "The date is before the event: they met at it or after.")
        return cleaned


class IntroduceForm(forms.Form):
    """The suggestion's button: introduce ``area`` to ``peer``."""

    area = forms.ModelChoiceField(queryset=Area.objects.all())
    peer = forms.ModelChoiceField(queryset=Area.objects.in_programme())
    topic = forms.ChoiceField(choices=TOPIC_CHOICES)
