import datetime
import re

from django import forms
from django.utils import timezone

from areas.models import Area, Region
from areas.selectors import areas_by_town
from events.models import TOPIC_CHOICES, Event
from events.services import EVENT_FIELDS
from nfc.public_forms import PublicFormDefence
from nfc.validators import phone_number

NOT_SUPPORTED = "none"
# "12/01/2027 18:00-20:00 Chairing meetings": a session of a series.
SESSION_LINE = re.compile(
    r"(?P<day>\d{1,2}/\d{1,2}/\d{4})\s+(?P<start>\d{1,2}:\d{2})\s*[-\u2013]\s*"
    r"(?P<end>\d{1,2}:\d{2})\s+(?P<title>.{1,150})"
)
_DATETIME = {"type": "datetime-local"}
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _limits(form: forms.Form) -> None:
    for field in form.fields.values():
        if getattr(field, "max_length", None):
            field.error_messages["max_length"] = (
                "Keep this to %(limit_value)d letters or fewer: it has %(show_value)d."
            )


class RegistrationForm(PublicFormDefence):
    """The public registration form: plain words, as the help form."""

    token_salt = "nfc.event-registration.started"

    name = forms.CharField(
        label="Your name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Tell us your name."},
    )
    area = forms.ChoiceField(
        label="Your neighbourhood",
        help_text="Listed by town or council.",
        error_messages={
            "required": "Choose your neighbourhood, or \u201cNot one of these\u201d.",
            "invalid_choice": "Choose your neighbourhood from the list.",
        },
    )
    email = forms.EmailField(
        label="Your e-mail address",
        required=False,
        max_length=254,
        help_text="We e-mail your place, and a link to cancel if you cannot come.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter your e-mail address as it is written, like name@example.com."
        },
    )
    phone = forms.CharField(
        label="Your phone number",
        required=False,
        max_length=30,
        help_text="If you have no e-mail, we will phone you.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    access_needs = forms.CharField(
        label="Anything we should know so that you can take part? (optional)",
        required=False,
        max_length=1000,
        help_text="For example, step-free access, a hearing loop, large print or a quiet room.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    dietary_needs = forms.CharField(
        label="Food you cannot eat (optional)",
        required=False,
        max_length=500,
        help_text="For example, vegetarian, halal or a nut allergy.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent_privacy = forms.BooleanField(
        label=(
            "I agree that the Network for Communities keeps these details to run this "
            "event, as the privacy notice says."
        ),
        error_messages={"required": "Tick this box so that we can keep your place."},
    )
    # Separate from the consent above, and never needed to register: the
    # adviser sees how to reach them only when this is ticked.
    follow_up_contact = forms.BooleanField(
        label=(
            "I am happy for the Network for Communities adviser for my neighbourhood to "
            "contact me after the event (optional)"
        ),
        required=False,
        help_text=(
            "Only if you chose your neighbourhood from the list. You can leave this unticked "
            "and still come."
        ),
    )

    # The event registered for (see for_event): an online one asks no
    # dietary needs.
    event: Event | None = None

    @classmethod
    def for_event(cls, event: Event) -> type["RegistrationForm"]:
        """The form for one event, as a class: nfc.public_forms.screen makes
        its forms from a class."""
        return type("EventRegistrationForm", (cls,), {"event": event})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.event is not None and self.event.online:
            del self.fields["dietary_needs"]
        self.fields["area"].choices = self._area_choices()
        _limits(self)

    @staticmethod
    def _area_choices():
        return [
            ("", "Choose your neighbourhood"),
            (NOT_SUPPORTED, "Not one of these"),
            *areas_by_town(),
        ]

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"]
        return phone_number(text) if text else ""

    def clean_area(self) -> Area | None:
        choice = self.cleaned_data["area"]
        if choice == NOT_SUPPORTED:
            return None
        return Area.objects.filter(pk=choice).first()

    def clean(self):
        cleaned = super().clean()
        if (
            not ({"email", "phone"} & self.errors.keys())
            and not cleaned.get("email")
            and not cleaned.get("phone")
        ):
            self.add_error("email", "Give an e-mail address or a phone number.")
        return cleaned

    def registration_details(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "area": data["area"],
            "email": data["email"],
            "phone": data["phone"],
            "access_needs": data["access_needs"],
            "dietary_needs": data.get("dietary_needs", ""),
            "follow_up_contact": data["follow_up_contact"],
        }


class EventForm(forms.ModelForm):
    """An event, as staff organise it. Times are typed in UK time."""

    joining_link = forms.URLField(
        label="Link to join (online events; shown only to people registered)",
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    capacity = forms.IntegerField(
        label="Places",
        min_value=1,
        max_value=100_000,
        error_messages={
            "min_value": "An event needs at least one place.",
            "required": "Say how many places there are.",
        },
    )

    topics = forms.MultipleChoiceField(
        choices=TOPIC_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one topic."},
    )
    sessions = forms.CharField(
        label="Sessions (a training series)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "One line a session: the day, the times and a title, like "
            "“12/01/2027 18:00-20:00 Chairing meetings” (UK time)."
        ),
    )

    class Meta:
        model = Event
        fields = [*EVENT_FIELDS, "areas"]
        labels = {
            "starts_at": "Starts (UK time)",
            "ends_at": "Ends (UK time)",
            "online": "It is online",
            "venue_name": "Venue",
            "venue_address": "Venue address",
            "accessibility_notes": "Access: step-free, hearing loop, toilets, parking, transport",
            "region": "Region (empty for the national event)",
            "invited": "Who may come",
            "host_area": "Host area (for a visit)",
            "areas": "Areas invited (or, for a visit, the visiting areas)",
            "registration_closes_at": "Registration closes (UK time)",
        }
        error_messages = {
            "kind": {"required": "Choose the kind of event."},
            "title": {"required": "Give the event a title."},
            "summary": {"required": "Say in a line or two what the event is for."},
            "starts_at": {"required": "Give the day and time it starts."},
            "ends_at": {"required": "Give the day and time it ends."},
            "registration_closes_at": {"required": "Give the day and time registration closes."},
        }
        widgets = {
            "starts_at": forms.DateTimeInput(attrs=_DATETIME, format=_DATETIME_FORMAT),
            "ends_at": forms.DateTimeInput(attrs=_DATETIME, format=_DATETIME_FORMAT),
            "registration_closes_at": forms.DateTimeInput(attrs=_DATETIME, format=_DATETIME_FORMAT),
            "summary": forms.Textarea(attrs={"rows": 5}),
            "venue_address": forms.Textarea(attrs={"rows": 3}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 3}),
            "areas": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        areas = Area.objects.visible_to(user).order_by("name")
        self.fields["areas"].queryset = areas
        self.fields["host_area"].queryset = areas
        self.fields["region"].choices = [("", "None: the national event"), *Region.choices]
        if self.instance.pk:
            self.initial["topics"] = [t.topic for t in self.instance.topics.all()]
            self.initial["sessions"] = "\n".join(
                f"{timezone.localtime(s.starts_at):%d/%m/%Y %H:%M}-"
                f"{timezone.localtime(s.ends_at):%H:%M} {s.title}"
                for s in self.instance.sessions.all()
            )
        _limits(self)

    def clean_sessions(self) -> list[dict]:
        sessions = []
        for number, line in enumerate(self.cleaned_data["sessions"].splitlines(), start=1):
            if not line.strip():
                continue
            match = SESSION_LINE.fullmatch(line.strip())
            try:
                if not match:
                    raise ValueError
                day_of_month, month, year = map(int, match["day"].split("/"))
                day = datetime.date(year, month, day_of_month)
                starts, ends = (
                    timezone.make_aware(
                        datetime.datetime.combine(
                            day, datetime.time(*map(int, match[part].split(":")))
                        )
                    )
                    for part in ("start", "end")
                )
            except ValueError:
                raise forms.ValidationError(
                    f"Line {number} is not a session: write it like "
                    "“12/01/2027 18:00-20:00 Chairing meetings”."
                ) from None
            if ends <= starts:
                raise forms.ValidationError(f"Line {number}: the session must end after it starts.")
            sessions.append({"title": match["title"], "starts_at": starts, "ends_at": ends})
        return sessions

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        closes = cleaned.get("registration_closes_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The event must end after it starts.")
        if closes and ends and closes > ends:
            self.add_error("registration_closes_at", "Registration must close by the end.")
        if starts and not self.instance.pk and starts <= timezone.now():
            self.add_error("starts_at", "A new event must start in the future.")
        if kind == Event.Kind.NATIONAL and cleaned.get("region"):
            self.add_error("region", "The national event belongs to no region: empty it.")
        if kind and kind != Event.Kind.NATIONAL and not cleaned.get("region"):
            self.add_error("region", "Choose the region the event belongs to.")
        if kind == Event.Kind.VISIT:
            if not cleaned.get("host_area"):
                self.add_error("host_area", "Choose the area that hosts the visit.")
            if not cleaned.get("areas"):
                self.add_error("areas", "Choose at least one visiting area.")
        elif cleaned.get("invited") == Event.Invited.AREAS and not cleaned.get("areas"):
            self.add_error("areas", "Choose the areas invited, or invite everyone.")
        sessions = cleaned.get("sessions") or []
        if kind == Event.Kind.TRAINING and not sessions and "sessions" not in self.errors:
            self.add_error("sessions", "A training series needs its sessions, one a line.")
        if (
            starts
            and ends
            and any(s["starts_at"] < starts or s["ends_at"] > ends for s in sessions)
        ):
            self.add_error("sessions", "Each session must be between the start and the end.")
        if cleaned.get("online"):
            if not cleaned.get("joining_link"):
                self.add_error("joining_link", "Give the link people use to join online.")
        elif not cleaned.get("venue_name"):
            self.add_error("venue_name", "Give the venue, or tick \u201cIt is online\u201d.")
        return cleaned

    def event_details(self) -> dict:
        data = self.cleaned_data
        return {
            **{name: data[name] for name in EVENT_FIELDS},
            "topics": data["topics"],
            "areas": list(data["areas"]),
            "sessions": data["sessions"],
        }


class EventCancelForm(forms.Form):
    reason = forms.CharField(
        label="Why it is cancelled (told to everyone registered)",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why, so that people registered know."},
    )


class EventFilterForm(forms.Form):
    """The public list's filters."""

    region = forms.ChoiceField(
        label="Region", required=False, choices=[("", "Any region"), *Region.choices]
    )
    kind = forms.ChoiceField(
        label="Kind of event", required=False, choices=[("", "Any kind"), *Event.Kind.choices]
    )
    topic = forms.ChoiceField(
        label="Topic", required=False, choices=[("", "Any topic"), *TOPIC_CHOICES]
    )
