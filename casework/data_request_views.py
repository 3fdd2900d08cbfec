"""A manager answers a resident's request about their data: finds their
requests (and their records elsewhere: event registrations), downloads
everything we hold about them, corrects their details or erases them
(casework.data_requests does the work)."""

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from advisers.permissions import permission_required
from areas.postcodes import normalise_postcode
from casework import data_requests
from casework.models import ContactBy, SupportRequest
from nfc.validators import phone_number

MANAGE = "residents.manage_data"


class FindForm(forms.Form):
    """What the resident told us about themselves: any of the three."""

    email = forms.EmailField(
        label="Their e-mail address",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label="Their phone number",
        required=False,
        max_length=30,
        help_text="Written any way: 0191 123 4567 and +44 191 1234567 are the same.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    reference = forms.CharField(
        label="A request's reference",
        required=False,
        max_length=20,
        help_text="Like NFC-7KQ4-2M9D.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def clean_phone(self) -> str:
        phone = data_requests.normalise_phone(self.cleaned_data["phone"])
        # A + stays for a number from abroad, which the help form takes.
        if phone and not re.fullmatch(rf"\+?[0-9]{{{data_requests.PHONE_MIN_DIGITS},}}", phone):
            raise forms.ValidationError("Enter a phone number in digits, like 0191 123 4567.")
        return phone

    def clean_reference(self) -> str:
        text = self.cleaned_data["reference"].strip()
        if not text:
            return ""
        reference = data_requests.normalise_reference(text)
        if reference is None:
            raise forms.ValidationError("A reference looks like NFC-7KQ4-2M9D.")
        return reference

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(name) for name in self.fields):
            raise forms.ValidationError(
                "Give their e-mail address, their phone number or a request's reference."
            )
        return cleaned


class ChooseForm(forms.Form):
    """Which of the records found are this resident's: a phone shared in a
    household, say, can find someone else's too."""

    chosen = forms.MultipleChoiceField(
        label="Their records",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one request or registration.",
            "invalid_choice": "Choose among the records found.",
        },
    )

    def __init__(self, *args, found: data_requests.ResidentRecords, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chosen"].choices = [(key, key) for key in found.record_keys()]


def _find(user, data):
    """The search form, bound when there is something to search for, and
    the records it finds in the person's scope."""
    # Sent with every box empty is asked too: the form says what to give.
    asked = any(name in data for name in FindForm.base_fields)
    form = FindForm(data if asked else None)
    found = data_requests.ResidentRecords(support_requests=[])
    if form.is_bound and form.is_valid():
        found = data_requests.resident_records_find(user=user, **form.cleaned_data)
    return form, found


def _search_query(form) -> str:
    if not (form.is_bound and form.is_valid()):
        return ""
    return urlencode({name: value for name, value in form.cleaned_data.items() if value})


def _page(request, form, found, choose_form=None):
    """The search and what it found; after a refused choice, ticked as it was sent."""
    if choose_form is None:
        choose_form = ChooseForm(found=found)
        ticked = set(found.record_keys())
    else:
        ticked = set(choose_form.data.getlist("chosen"))
    return render(
        request,
        "casework/resident_data.html",
        {
            "form": form,
            "found": found.support_requests,
            "others": [
                (source, found.of(name))
                for name, source in data_requests.SOURCES.items()
                if name in found.others
            ],
            "found_any": bool(found),
            "choose_form": choose_form,
            "ticked": ticked,
            "searched": form.is_bound and form.is_valid(),
        },
    )


@require_safe
@never_cache
@permission_required(MANAGE)
def resident_data(request):
    form, found = _find(request.user, request.GET)
    return _page(request, form, found)


def _chosen(request):
    """The search again (its terms come back with the choice), and the
    records chosen among what it finds: the scope is checked anew."""
    form, found = _find(request.user, request.POST)
    choose_form = ChooseForm(request.POST, found=found)
    if not form.is_valid() or not choose_form.is_valid():
        return form, found, choose_form, None
    wanted = set(choose_form.cleaned_data["chosen"])
    chosen = data_requests.ResidentRecords(
        support_requests=[item for item in found.support_requests if item.reference in wanted],
        others={
            name: [item for item in items if item.data_key in wanted]
            for name, items in found.others.items()
        },
    )
    return form, found, choose_form, chosen


@require_POST
@never_cache
@permission_required(MANAGE)
def resident_export(request):
    form, found, choose_form, chosen = _chosen(request)
    if chosen is None:
        return _page(request, form, found, choose_form)
    archive = data_requests.subject_access_export(
        support_requests=chosen.support_requests, others=chosen.others, by=request.user
    )
    response = HttpResponse(archive, content_type="application/zip")
    # No name or address in the file's name: it may be saved anywhere.
    filename = f"nfc-your-data-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@never_cache
@permission_required(MANAGE)
def resident_erase(request):
    """First what erasing would remove and keep; then, confirmed, erase."""
    form, found, choose_form, chosen = _chosen(request)
    if chosen is None:
        return _page(request, form, found, choose_form)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "casework/resident_erase.html",
            {
                "preview": data_requests.erasure_preview(
                    support_requests=chosen.support_requests, others=chosen.others
                ),
                "form": form,
                "query": _search_query(form),
            },
        )
    try:
        erased = data_requests.support_requests_erase(
            support_requests=chosen.support_requests, others=chosen.others, by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        counts = [("request", sum(1 for key in erased if key.startswith("NFC-")))]
        for source in data_requests.SOURCES.values():
            counts.append(
                (source.noun, sum(1 for key in erased if key.startswith(source.key_prefix)))
            )
        done = [f"{n} {noun}{'s' if n != 1 else ''}" for noun, n in counts if n]
        messages.success(
            request,
            f"Erased the resident's details from {' and '.join(done)}: {', '.join(erased)}.",
        )
    return redirect(f"{reverse('casework:resident_data')}?{_search_query(form)}")


class CorrectForm(forms.Form):
    """The resident's name and ways to reach them, as on the help form."""

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
    contact_by = forms.ChoiceField(
        label="How they want us to get in touch",
        choices=ContactBy.choices,
        widget=forms.RadioSelect,
    )
    postcode = forms.CharField(
        label="Their postcode",
        required=False,
        max_length=16,
        help_text="Correcting it does not move the request to another area.",
    )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        # Checked as the help form checks it, but a number kept from before
        # the help form checked numbers is let stand, so that correcting a
        # name does not first ask for the phone number to be put right.
        if not phone or phone == self.initial.get("phone"):
            return phone
        return phone_number(phone)

    def clean_postcode(self) -> str:
        text = self.cleaned_data["postcode"].strip()
        if not text:
            return ""
        postcode = normalise_postcode(text)
        if postcode is None:
            raise forms.ValidationError("Enter a full postcode, like SR1 1AE, or leave it empty.")
        return postcode

    def clean(self):
        cleaned = super().clean()
        email, phone = cleaned.get("email"), cleaned.get("phone")
        if "email" in self.errors or "phone" in self.errors:
            return cleaned
        if not email and not phone:
            self.add_error("email", "Give an e-mail address or a phone number, so we can reply.")
        elif cleaned.get("contact_by") == ContactBy.EMAIL and not email:
            self.add_error("email", "They want an e-mail: give their e-mail address.")
        elif cleaned.get("contact_by") == ContactBy.PHONE and not phone:
            self.add_error("phone", "They want a phone call: give their phone number.")
        return cleaned


@require_http_methods(["GET", "POST"])
@never_cache
@permission_required(MANAGE)
def request_correct(request, reference):
    support_request = get_object_or_404(
        SupportRequest.objects.visible_to(request.user).select_related("area"),
        reference=reference,
    )
    if support_request.details_removed_at:
        messages.error(request, "The resident's details have been removed: nothing to correct.")
        return redirect("casework:request_detail", reference=reference)
    form = CorrectForm(
        request.POST or None,
        initial={name: getattr(support_request, name) for name in data_requests.CORRECTABLE},
    )
    if request.method == "POST" and form.is_valid():
        had_link = support_request.follow_link_works
        try:
            changed = data_requests.support_request_correct(
                support_request=support_request, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not changed:
                messages.info(request, "Nothing was different, so nothing changed.")
            else:
                labels = [str(form.fields[name].label).lower() for name in changed]
                note = ""
                if had_link and not support_request.follow_link_works:
                    note = (
                        " Their private link went to the old e-mail address, so it no longer"
                        " works: send them a new one below."
                    )
                messages.success(request, f"Corrected {', '.join(labels)}.{note}")
            return redirect("casework:request_detail", reference=reference)
    return render(
        request,
        "casework/request_correct.html",
        {"form": form, "support_request": support_request},
    )
