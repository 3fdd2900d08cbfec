import datetime

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from advisers.models import User
from advisers.permissions import has_perm
from advisers.roles import Role
from areas.models import Area, Cohort, Region
from areas.postcodes import area_for_postcode, normalise_postcode
from areas.selectors import areas_by_town
from casework.models import (
    DESCRIPTION_MAX_LENGTH,
    NOTHING_IN_IT,
    REQUEST_AGES,
    AuditEntry,
    AuditKind,
    ContactBy,
    Interaction,
    InteractionTopic,
    Referral,
    SupportRequest,
    Topic,
    interaction_is_empty,
)
from casework.services import area_with_named_adviser
from nfc.form_rendering import ChoicesReadOnce
from nfc.periods import start_of_day
from nfc.public_forms import PublicFormDefence
from nfc.text import without_direction_controls
from nfc.validators import not_in_the_future, not_in_the_past, phone_number

UNKNOWN_AREA = "unknown"


class AreaChoiceField(forms.ChoiceField):
    """An area of the list, or none: a post names an area by its id, which
    the form's clean_area() looks up (one row), instead of reading all 225
    to check it is one of them."""

    def valid_value(self, value) -> bool:
        # (ASCII digits, and no more than an id can have: anything else
        # is checked against the list.)
        if (value.isascii() and value.isdigit() and len(value) < 19) or value == UNKNOWN_AREA:
            return True
        return super().valid_value(value)


class HelpRequestForm(PublicFormDefence):
    """The public form: plain words, every field explained, limits on all."""

    token_salt = "nfc.help-form.started"

    postcode = forms.CharField(
        label="Your postcode",
        required=False,
        max_length=16,
        help_text="For example, SR1 1AE. You can leave this empty.",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    place = forms.CharField(
        label="Or type the name of your neighbourhood or town",
        required=False,
        max_length=100,
        help_text="For example, Hendon or Sunderland.",
    )
    area = AreaChoiceField(
        label="Or choose your neighbourhood",
        required=False,
        help_text=(
            "They are listed by town or council. "
            "Choose \u201cI don\u2019t know\u201d if you are not sure."
        ),
    )
    topic = forms.ChoiceField(
        label="What do you want help with?",
        choices=Topic.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what you want help with."},
    )
    description = forms.CharField(
        label="Tell us more",
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text=f"What is happening? What would help? Up to {DESCRIPTION_MAX_LENGTH} letters.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Tell us what is happening and what would help."},
    )
    for_group = forms.TypedChoiceField(
        label="Are you asking for a group?",
        choices=[("no", "No, just me"), ("yes", "Yes, for a group")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you are asking for a group or just for you."},
    )
    group_name = forms.CharField(label="The group's name", required=False, max_length=150)
    name = forms.CharField(
        label="Your name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Tell us your name, so that we know who to reply to."},
    )
    email = forms.EmailField(
        label="Your e-mail address",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter your e-mail address as it is written, like name@example.com."
        },
    )
    phone = forms.CharField(
        label="Your phone number",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    contact_by = forms.ChoiceField(
        label="How should we get in touch?",
        choices=ContactBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether we should e-mail you or phone you."},
    )
    consent_contact = forms.BooleanField(
        label="I agree that the Network for Communities can contact me about this request.",
        error_messages={"required": "Tick this box so that we can reply to you."},
    )
    consent_privacy = forms.BooleanField(
        label="I have read the privacy notice.",
        error_messages={"required": "Tick this box to say you have read the privacy notice."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The areas are read only when the form is drawn (once, though the
        # widget looks at them twice), not for a post that is saved
        # (AreaChoiceField checks the one chosen).
        self.fields["area"].choices = ChoicesReadOnce(self._area_choices)
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.error_messages["max_length"] = (
                    "Keep this to %(limit_value)d letters or fewer: it has %(show_value)d."
                )

    @staticmethod
    def _area_choices():
        return [
            ("", "Choose a neighbourhood"),
            (UNKNOWN_AREA, "I don\u2019t know"),
            *areas_by_town(),
        ]

    def clean_postcode(self) -> str:
        text = self.cleaned_data["postcode"].strip()
        if not text:
            return ""
        postcode = normalise_postcode(text)
        if postcode is None:
            raise forms.ValidationError("Enter a full postcode, like SR1 1AE, or leave it empty.")
        return postcode

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"]
        return phone_number(text) if text else ""

    def clean_area(self) -> Area | None:
        choice = self.cleaned_data["area"]
        if choice in ("", UNKNOWN_AREA):
            return None
        # What saving the request reads of its area: its id, the ward code
        # a webhook is told, and its adviser. (AreaChoiceField lets through
        # only ids of digits, or names of the list's areas.)
        area = (
            area_with_named_adviser(int(choice)) if choice.isascii() and choice.isdigit() else None
        )
        if area is None:
            field = self.fields["area"]
            raise forms.ValidationError(
                field.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": choice},
            )
        return area

    def clean(self):
        cleaned = super().clean()
        place = cleaned.get("place", "").strip()
        if place and not cleaned.get("area") and self.data.get("area") != UNKNOWN_AREA:
            matches = list(Area.objects.search(place).order_by("name")[:30])
            if len(matches) == 1:
                cleaned["area"] = matches[0]
            elif matches:
                # Several places match: offer just those, and ask which.
                self.fields["area"].choices = [
                    ("", "Choose a neighbourhood"),
                    (UNKNOWN_AREA, "None of these"),
                    *((str(a.pk), f"{a.name} ({a.local_authority})") for a in matches),
                ]
                self.add_error(
                    "area",
                    f"{len(matches)} neighbourhoods match \u201c{place}\u201d: choose yours.",
                )
        if cleaned.get("for_group") and not cleaned.get("group_name"):
            self.add_error(
                "group_name", "Tell us the group's name, or choose \u201cNo, just me\u201d."
            )
        email, phone, contact_by = (
            cleaned.get("email"),
            cleaned.get("phone"),
            cleaned.get("contact_by"),
        )
        if not ({"email", "phone"} & self.errors.keys()) and not email and not phone:
            self.add_error(
                "email", "Give an e-mail address or a phone number, so that we can reply."
            )
        elif contact_by == ContactBy.EMAIL and not email and "email" not in self.errors:
            self.add_error("email", "You asked us to e-mail you: give your e-mail address.")
        elif contact_by == ContactBy.PHONE and not phone and "phone" not in self.errors:
            self.add_error("phone", "You asked us to phone you: give your phone number.")
        if not cleaned.get("area") and cleaned.get("postcode"):
            cleaned["area"] = area_for_postcode(cleaned["postcode"])
        return cleaned

    def request_details(self) -> dict:
        """What the service saves, from a valid form."""
        data = self.cleaned_data
        return {
            "area": data["area"],
            "postcode": data["postcode"],
            "place": "" if data["area"] else data["place"],
            "topic": data["topic"],
            "description": data["description"],
            "for_group": data["for_group"],
            "group_name": data["group_name"] if data["for_group"] else "",
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "contact_by": data["contact_by"],
        }


class InteractionForm(forms.Form):
    """A handful of fields: the area and the date are filled in already."""

    area = forms.ModelChoiceField(queryset=Area.objects.none(), empty_label=None)
    date = forms.DateField(
        initial=timezone.localdate,
        validators=[not_in_the_future],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(label="What kind", choices=Interaction.Kind.choices)
    residents = forms.IntegerField(
        label="Residents who took part", min_value=0, max_value=5000, initial=0
    )
    new_residents = forms.IntegerField(
        label="Of them, new to us", min_value=0, max_value=5000, initial=0
    )
    minutes = forms.IntegerField(
        label="How long (minutes)", min_value=1, max_value=1440, required=False
    )
    topics = forms.MultipleChoiceField(
        label="What it was about",
        choices=InteractionTopic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    next_steps = forms.CharField(
        max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    count_time = forms.BooleanField(
        label="Count how long it took as my time in this area",
        help_text=(
            "When you say how long it took, there is no need to record the same time again "
            "on your home page or the area\u2019s page."
        ),
        required=False,
        initial=True,
    )

    def __init__(self, *args, areas, writer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        # Only time given by an area's own adviser or community worker counts.
        if not has_perm(writer, "time.record"):
            del self.fields["count_time"]

    def clean(self):
        cleaned = super().clean()
        residents, new = cleaned.get("residents"), cleaned.get("new_residents")
        if residents is not None and new is not None and new > residents:
            self.add_error("new_residents", "This cannot be more than the residents who took part.")
        if not self.errors and interaction_is_empty(cleaned):
            self.add_error(None, NOTHING_IN_IT)
        return cleaned


class InteractionCorrectionForm(InteractionForm):
    """The author's correction: the same fields but the area, filled in."""

    def __init__(self, *args, interaction, writer, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                **{name: getattr(interaction, name) for name in Interaction.CORRECTABLE},
                "count_time": interaction.time_record_id is not None,
            },
        )
        super().__init__(
            *args, areas=Area.objects.filter(pk=interaction.area_id), writer=writer, **kwargs
        )
        del self.fields["area"]


def _in_a_week():
    return timezone.localdate() + datetime.timedelta(days=7)


class ActionForm(forms.Form):
    area = forms.ModelChoiceField(queryset=Area.objects.none(), empty_label=None)
    description = forms.CharField(label="What needs doing", max_length=300)
    owner = forms.ModelChoiceField(
        label="Who will do it", queryset=User.objects.none(), empty_label=None
    )
    due_on = forms.DateField(
        label="By when",
        initial=_in_a_week,
        validators=[not_in_the_past],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, areas, writer, area=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        # The writer first in mind: they own it unless they choose someone
        # who works on the area (its adviser, its community worker, a manager).
        self.fields["owner"].initial = writer
        self.fields["owner"].queryset = possible_owners(
            areas=areas.filter(pk=area.pk) if area else areas, writer=writer
        )


class ActionChangeForm(forms.Form):
    """Reword, hand on or reschedule an open action; its area stays."""

    description = ActionForm.base_fields["description"]
    owner = forms.ModelChoiceField(
        label="Who will do it", queryset=User.objects.none(), empty_label=None
    )
    due_on = forms.DateField(
        label="By when", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    # The action as the person saw it (Action.fingerprint).
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, action, writer, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "description": action.description,
                "owner": action.owner,
                "due_on": action.due_on,
                "seen": action.fingerprint,
            },
        )
        super().__init__(*args, **kwargs)
        self.action = action
        # The present owner stays a choice even if they have since left the
        # area, so that rewording alone does not force a new owner.
        working_there = possible_owners(
            areas=Area.objects.filter(pk=action.area_id), writer=writer
        ).values("pk")
        self.fields["owner"].queryset = User.objects.filter(
            Q(pk__in=working_there) | Q(pk=action.owner_id)
        ).order_by("full_name")

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        # An overdue action may keep its date while it is reworded; a new
        # date must be today or later.
        if due_on != self.action.due_on:
            not_in_the_past(due_on)
        return due_on


def possible_owners(*, areas, writer) -> QuerySet[User]:
    """Who may own an action in ``areas``: the people working there now, the
    managers who see them, and the person writing it."""
    managers = Q(role=Role.MANAGER) & (Q(region="") | Q(region__in=areas.values("region")))
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk=writer.pk)
            | managers
            | Q(adviser_assignments__area__in=areas, adviser_assignments__ended_on__isnull=True)
            | Q(allocations__area__in=areas, allocations__ended_on__isnull=True)
        )
        .distinct()
        .order_by("full_name")
    )


class AuditFilterForm(forms.Form):
    """Narrow the audit history: by area, by who made the change, by the
    kind of record, and between two dates (either may be left empty)."""

    # The "person" who made changes nobody signed in to make.
    NOBODY = "nobody"

    area = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        to_field_name="ward_code",
        required=False,
        empty_label="Any area",
        error_messages={"invalid_choice": "Choose one of the areas in the list."},
    )
    person = forms.ChoiceField(
        label="Changed by",
        required=False,
        error_messages={"invalid_choice": "Choose one of the people in the list."},
    )
    kind = forms.ChoiceField(
        label="Kind of record",
        choices=[("", "Every kind"), *AuditKind.choices],
        required=False,
        error_messages={"invalid_choice": "Choose one of the kinds in the list."},
    )
    since = forms.DateField(
        label="Changed on or after",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label="Changed on or before",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).order_by("name")
        people = User.objects.order_by("full_name").values_list("pk", "full_name", "is_active")
        self.fields["person"].choices = [
            ("", "Anyone"),
            (self.NOBODY, "The resident or the system"),
            *(
                (str(pk), without_direction_controls(name if active else f"{name} (closed)"))
                for pk, name, active in people
            ),
        ]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The last day cannot be before the first.")
        return cleaned

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """``entries`` narrowed by the valid form's choices."""
        chosen = self.cleaned_data
        if chosen["area"]:
            entries = entries.filter(area=chosen["area"])
        if chosen["person"] == self.NOBODY:
            entries = entries.filter(changed_by__isnull=True)
        elif chosen["person"]:
            entries = entries.filter(changed_by_id=int(chosen["person"]))
        if chosen["kind"]:
            entries = entries.of_kind(chosen["kind"])
        if chosen["since"]:
            entries = entries.on_or_after(chosen["since"])
        if chosen["until"]:
            entries = entries.on_or_before(chosen["until"])
        return entries


class RecordsFilterForm(forms.Form):
    """Where and when, for the lists of records the evaluation reports link
    to: a figure's link opens the list with the same filters, so its total
    can be checked. Blanks mean "any"."""

    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    region = forms.ChoiceField(required=False, choices=[("", "Any region"), *Region.choices])
    cohort = forms.TypedChoiceField(
        choices=[("", "Any cohort"), *Cohort.choices], coerce=int, empty_value=None, required=False
    )
    area = forms.CharField(label="Ward code", required=False, max_length=9)
    programme = forms.BooleanField(label="Only areas in the programme", required=False)
    # A report on a past period counts the areas that had joined by its end,
    # not those that joined later; its links carry the same day.
    joined_by = forms.DateField(
        label="Only areas that had joined by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The date to must be on or after the date from.")
        return cleaned

    def narrow(self, records: QuerySet, *, dated_by: str, moment: bool) -> QuerySet:
        """``records`` (with an ``area``) of the chosen areas, ``dated_by``
        (a date, or a moment when ``moment``) from ``since`` to ``until``
        (both days included)."""
        chosen = self.cleaned_data
        if chosen["programme"]:
            records = records.filter(area__in=Area.objects.in_programme().values("pk"))
        if chosen["joined_by"]:
            records = records.filter(
                area__in=Area.objects.joined_by(chosen["joined_by"]).values("pk")
            )
        if chosen["region"]:
            records = records.filter(area__region=chosen["region"])
        if chosen["cohort"]:
            records = records.filter(area__cohort=chosen["cohort"])
        if chosen["area"]:
            records = records.filter(area__ward_code=chosen["area"].strip().upper())
        since, until = chosen["since"], chosen["until"]
        if until:
            until = until + datetime.timedelta(days=1)
        if moment:
            since, until = since and start_of_day(since), until and start_of_day(until)
        if since:
            records = records.filter(**{f"{dated_by}__gte": since})
        if until:
            records = records.filter(**{f"{dated_by}__lt": until})
        return records


class RequestFilterForm(RecordsFilterForm):
    """The request list's filters that a report's figures use too
    (evaluation.forms.RequestRecordsForm), so one query string opens
    either list."""

    DATED_BY = {
        "received": "created_at",
        "contacted": "first_contact_at",
        "resolved": "resolved_at",
    }

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Open requests"), ("all", "All requests"), *SupportRequest.Status.choices],
    )
    topic = forms.ChoiceField(required=False, choices=[("", "Any topic"), *Topic.choices])
    dated = forms.ChoiceField(
        label="Dates are when it was",
        required=False,
        choices=[
            ("received", "Received"),
            ("contacted", "First contacted"),
            ("resolved", "Resolved"),
        ],
    )


class RequestListFilterForm(RequestFilterForm):
    """The request list's own filters besides."""

    field_order = ["status", "age", "topic", "dated", "since", "until", "region"]

    age = forms.ChoiceField(
        label="Received",
        required=False,
        choices=[("", "Any time"), *((key, label) for key, label, *_ in REQUEST_AGES)],
    )
    overdue = forms.BooleanField(label="Only requests past the response target", required=False)
    triage = forms.BooleanField(label="Only requests waiting in triage", required=False)


class ReferralFilterForm(RecordsFilterForm):
    """The referral list's filters; its dates are when the referral was
    asked for."""

    field_order = ["status"]

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Open referrals"), ("all", "All referrals"), *Referral.Status.choices],
    )
