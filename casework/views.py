from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from advisers.models import Role, User
from advisers.permissions import has_perm, permission_required
from casework import services
from casework.models import SupportRequest, first_contact_deadline
from casework.selectors import signposting_text


class SignpostingForm(forms.Form):
    text = forms.CharField(
        label="Who else can help",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            "Shown, and e-mailed, to people who ask for help from outside our areas. "
            "Use plain words."
        ),
    )


@permission_required("signposting.edit")
def signposting_edit(request):
    form = SignpostingForm(request.POST or None, initial={"text": signposting_text()})
    if request.method == "POST" and form.is_valid():
        services.signposting_update(text=form.cleaned_data["text"], by=request.user)
        messages.success(request, "Saved. People outside our areas now see the new words.")
        return redirect("casework:signposting")
    return render(request, "casework/signposting_form.html", {"form": form})


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Open requests"), ("all", "All requests"), *SupportRequest.Status.choices],
    )
    triage = forms.BooleanField(label="Only requests waiting in triage", required=False)


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(label="Move it to", choices=SupportRequest.Status.choices)
    note = forms.CharField(max_length=300, required=False)


class AssignForm(forms.Form):
    to = forms.ModelChoiceField(
        label="Give it to",
        queryset=User.objects.filter(
            role__in=[Role.ADVISER, Role.COMMUNITY_WORKER], is_active=True
        ).order_by("full_name"),
    )


@require_safe
@permission_required("casework.view")
def request_list(request):
    form = RequestFilterForm(request.GET or None)
    requests = SupportRequest.objects.visible_to(request.user)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    if status == "":
        requests = requests.open()
    elif status != "all":
        requests = requests.filter(status=status)
    if form.is_valid() and form.cleaned_data["triage"]:
        requests = requests.in_triage()
    requests = requests.select_related("area", "assigned_to").order_by("created_at")
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "casework/request_list.html",
        {
            "form": form,
            "page": page,
            "deadline": first_contact_deadline(),
            "can_triage": has_perm(request.user, "casework.triage"),
        },
    )


def _visible_request(request, reference: str) -> SupportRequest:
    return get_object_or_404(
        SupportRequest.objects.visible_to(request.user).select_related("area", "assigned_to"),
        reference=reference,
    )


def _detail(request, support_request, *, move_form=None, assign_form=None):
    user = request.user
    return render(
        request,
        "casework/request_detail.html",
        {
            "support_request": support_request,
            "status_changes": support_request.status_changes.select_related("changed_by"),
            "move_form": move_form or MoveForm(),
            "assign_form": assign_form or AssignForm(initial={"to": support_request.assigned_to}),
            "can_move": has_perm(user, "casework.change") and bool(support_request.next_statuses),
            "can_triage": has_perm(user, "casework.triage"),
        },
    )


@require_safe
@permission_required("casework.view")
def request_detail(request, reference):
    return _detail(request, _visible_request(request, reference))


@require_POST
@permission_required("casework.change")
def request_move(request, reference):
    support_request = _visible_request(request, reference)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.support_request_move(
                support_request=support_request, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error("to_status", error)
        else:
            messages.success(
                request,
                f"{support_request.reference}: {support_request.get_status_display()}.",
            )
            return redirect("casework:request_detail", reference=support_request.reference)
    return _detail(request, support_request, move_form=form)


@require_POST
@permission_required("casework.triage")
def request_assign(request, reference):
    support_request = _visible_request(request, reference)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.support_request_assign(
                support_request=support_request, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error("to", error)
        else:
            messages.success(
                request, f"{support_request.reference} is now with {form.cleaned_data['to']}."
            )
            return redirect("casework:request_detail", reference=support_request.reference)
    return _detail(request, support_request, assign_form=form)
