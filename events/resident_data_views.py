"""A manager corrects the name and contact details on a person's event
registration, from "Residents' data" (events.resident_data does the work)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from advisers.permissions import permission_required
from events import resident_data
from nfc.validators import phone_number


class RegistrationCorrectForm(forms.Form):
    """The person's name and ways to reach them, as the registration form
    asks for them."""

    name = forms.CharField(
        label="Their name", max_length=100, error_messages={"required": "Enter their name."}
    )
    email = forms.EmailField(
        label="Their e-mail address",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="Their phone number",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )

    def __init__(self, *args, walk_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.walk_in = walk_in

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        # A number kept as it was given is let stand, so that correcting a
        # name does not first ask for the phone number to be put right.
        if not phone or phone == self.initial.get("phone"):
            return phone
        return phone_number(phone)

    def clean(self):
        cleaned = super().clean()
        if "email" in self.errors or "phone" in self.errors:
            return cleaned
        # A walk-in may have left no way to reach them, as at the door.
        if not self.walk_in and not cleaned.get("email") and not cleaned.get("phone"):
            self.add_error(
                "email", "Give an e-mail address or a phone number, so we can reach them."
            )
        return cleaned


def _back(registration) -> str:
    """Residents' data, searching again for the person as they are now."""
    found_by = {"email": registration.email} if registration.email else {}
    if registration.phone:
        found_by["phone"] = registration.phone
    return f"{reverse('casework:resident_data')}?{urlencode(found_by)}"


@require_http_methods(["GET", "POST"])
@never_cache
@permission_required("residents.manage_data")
def registration_correct(request, pk):
    registration = get_object_or_404(
        resident_data.registrations_in_scope(request.user).select_related("event", "area"), pk=pk
    )
    if registration.details_removed_at:
        messages.error(request, "Their details have been removed: nothing to correct.")
        return redirect("casework:resident_data")
    form = RegistrationCorrectForm(
        request.POST or None,
        walk_in=registration.walk_in,
        initial={name: getattr(registration, name) for name in resident_data.CORRECTABLE},
    )
    if request.method == "POST" and form.is_valid():
        had_link = registration.manage_link_works
        try:
            changed = resident_data.registration_correct(
                registration=registration, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not changed:
                messages.info(request, "Nothing was different, so nothing changed.")
            else:
                labels = [str(form.fields[name].label).lower() for name in changed]
                note = ""
                if had_link and not registration.manage_link_works:
                    note = (
                        " Their private link went to the old e-mail address, so it no longer"
                        " works; the next e-mail about the event brings them a new one."
                    )
                messages.success(request, f"Corrected {', '.join(labels)}.{note}")
            return redirect(_back(registration))
    return render(
        request,
        "events/registration_correct.html",
        {"form": form, "registration": registration},
    )
