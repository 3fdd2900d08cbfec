"""Pages for referrals to specialist partners, and for the partners.

Each view fetches within the person's scope (404 outside it), checks the
permission, validates the form and calls a service in casework.referrals.
"""

import copy

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from advisers.permissions import has_perm, permission_required
from areas.models import Area
from casework import referrals
from casework.forms import ReferralFilterForm
from casework.models import Expertise, Partner, Referral, SupportRequest

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RATINGS = [
    ("", "Not given"),
    ("1", "1 (poor)"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 (excellent)"),
]


def _days(value) -> str:
    return f"{value.normalize():f}"


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, partner):
        left = (
            "capacity not recorded"
            if partner.days_left is None
            else f"{_days(max(partner.days_left, 0))} days left"
        )
        return f"{partner.name} ({', '.join(partner.expertise_labels)}; {left})"


class ReferralForm(forms.Form):
    area = forms.ModelChoiceField(queryset=Area.objects.none(), empty_label=None)
    partner = PartnerChoiceField(
        label="Which partner", queryset=Partner.objects.none(), empty_label="Choose a partner"
    )
    help_asked = forms.CharField(
        label="What help is asked for",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the group needs from the partner, in a few plain sentences.",
    )
    requested_on = forms.DateField(label="Asked on", initial=timezone.localdate, widget=DATE_WIDGET)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["partner"].queryset = Partner.objects.active().with_capacity().order_by("name")


class ReferralStepForm(forms.Form):
    """The next step of one referral: only the fields that step needs."""

    to_status = forms.ChoiceField(label="What happened", widget=forms.RadioSelect)
    on = forms.DateField(label="When it happened", initial=timezone.localdate, widget=DATE_WIDGET)
    days_used = forms.DecimalField(
        label="Days the partner gave",
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=1,
        help_text="Counts against their capacity this year. Give 0 if they gave none.",
    )
    cost = forms.DecimalField(
        label="Cost (£)", required=False, min_value=0, max_digits=9, decimal_places=2
    )
    outcome = forms.CharField(
        label="What came of it",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    group_rating = forms.TypedChoiceField(
        label="How the group rated the help",
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = referral.next_statuses
        if len(referral.next_statuses) == 1:
            self.fields["to_status"].initial = referral.next_statuses[0][0]
        status = referral.status
        if status != Referral.Status.ACCEPTED:
            del self.fields["days_used"], self.fields["cost"]
        if status != Referral.Status.DELIVERED:
            del self.fields["outcome"], self.fields["group_rating"]

    def clean(self):
        cleaned = super().clean()
        delivered = cleaned.get("to_status") == Referral.Status.DELIVERED
        for name in ("days_used", "cost"):
            if not delivered and cleaned.get(name) is not None:
                self.add_error(name, "Leave this empty unless the work was delivered.")
        if delivered and cleaned.get("days_used") is None and "days_used" not in self.errors:
            self.add_error("days_used", "Say how many days the partner gave (0 if none).")
        return cleaned


class PartnerForm(forms.ModelForm):
    expertise = forms.MultipleChoiceField(
        choices=Expertise.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of expertise."},
    )

    class Meta:
        model = Partner
        fields = [
            "name",
            "expertise",
            "email",
            "capacity_days",
            "capacity_hours",
            "is_active",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "capacity_days": "Leave empty if not agreed. Pro-bono hours and days add up.",
            "is_active": "Untick to stop new referrals to them.",
        }


# --- Referrals --------------------------------------------------------------


def _visible_referral(request, pk: int) -> Referral:
    return get_object_or_404(
        Referral.objects.visible_to(request.user).select_related(
            "area", "partner", "support_request", "created_by"
        ),
        pk=pk,
    )


@require_safe
@permission_required("casework.view")
def referral_list(request):
    form = ReferralFilterForm(request.GET or None)
    found = Referral.objects.visible_to(request.user).with_status(
        form.cleaned_data["status"] if form.is_valid() else ""
    )
    if form.is_valid():
        found = form.narrow(found, dated_by="requested_on", moment=False)
    found = found.select_related("area", "partner", "support_request").order_by(
        "-requested_on", "-pk"
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/referral_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_refer": has_perm(request.user, "referrals.make"),
        },
    )


@permission_required("referrals.make")
def referral_new(request):
    """The referral form, with the area (and request) taken from the link
    that opened it: ?area=<ward code> or ?request=<reference>."""
    areas = Area.objects.visible_to(request.user).order_by("name")
    support_request = None
    reference = request.GET.get("request") or request.POST.get("request")
    if reference:
        support_request = get_object_or_404(
            SupportRequest.objects.visible_to(request.user).select_related("area"),
            reference=reference,
        )
    area = support_request.area if support_request else None
    if area is None and request.GET.get("area"):
        area = get_object_or_404(areas, ward_code=request.GET["area"])
    form = ReferralForm(request.POST or None, areas=areas, initial={"area": area})
    if request.method == "POST" and form.is_valid():
        try:
            referral = referrals.referral_request(
                by=request.user, support_request=support_request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Referred {referral.area} to {referral.partner}.")
            return redirect("referrals:detail", pk=referral.pk)
    return render(
        request,
        "casework/referral_form.html",
        {"form": form, "support_request": support_request, "area": area},
    )


def _detail(request, referral, *, step_form=None):
    can_move = has_perm(request.user, "referrals.make") and bool(referral.next_statuses)
    if can_move and step_form is None:
        step_form = ReferralStepForm(referral=referral)
    return render(
        request,
        "casework/referral_detail.html",
        {"referral": referral, "step_form": step_form if can_move else None},
    )


@require_safe
@permission_required("casework.view")
def referral_detail(request, pk):
    return _detail(request, _visible_referral(request, pk))


@require_POST
@permission_required("referrals.make")
def referral_step(request, pk):
    referral = _visible_referral(request, pk)
    form = ReferralStepForm(request.POST, referral=referral)
    if form.is_valid():
        try:
            moved = referrals.referral_move(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Referral to {moved.partner}: {moved.get_status_display()}.")
            return redirect("referrals:detail", pk=moved.pk)
    return _detail(request, referral, step_form=form)


# --- Partners ---------------------------------------------------------------


@require_safe
@permission_required("casework.view")
def partner_list(request):
    partners = Partner.objects.with_capacity().order_by("-is_active", "name")
    return render(
        request,
        "casework/partner_list.html",
        {
            "partners": partners,
            "year": timezone.localdate().year,
            "can_manage": has_perm(request.user, "partners.manage"),
        },
    )


@permission_required("partners.manage")
def partner_add(request):
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner = referrals.partner_add(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Added {partner.name}.")
            return redirect("referrals:partner_list")
    return render(request, "casework/partner_form.html", {"form": form, "title": "Add a partner"})


@permission_required("partners.manage")
def partner_edit(request, pk):
    partner = get_object_or_404(Partner, pk=pk)
    # The form edits a copy: a refused change must not touch the partner the
    # page shows in its title.
    form = PartnerForm(request.POST or None, instance=copy.copy(partner))
    if request.method == "POST" and form.is_valid():
        try:
            referrals.partner_change(partner=partner, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved {partner.name}.")
            return redirect("referrals:partner_list")
    return render(
        request,
        "casework/partner_form.html",
        {"form": form, "title": f"Change {partner.name}", "partner": partner},
    )
