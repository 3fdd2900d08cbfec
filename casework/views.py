import html

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST, require_safe

from advisers.models import User
from advisers.permissions import (
    has_perm,
    interaction_correction_ends,
    may_change_action,
    may_correct_interaction,
    permission_required,
)
from advisers.roles import Role
from areas.models import Area, Region
from casework import audit, interactions, services
from casework.forms import (
    ActionChangeForm,
    ActionForm,
    AuditFilterForm,
    InteractionCorrectionForm,
    InteractionForm,
    RequestListFilterForm,
)
from casework.interactions import interaction_log_with_time
from casework.models import (
    Action,
    AuditEntry,
    Interaction,
    Referral,
    SupportRequest,
    first_contact_deadline,
)
from casework.selectors import (
    REQUEST_LIST_FIELDS,
    RequestRow,
    casework_search,
    request_rows,
    signposting_text,
    timeline,
)

AUDIT_PER_PAGE = 50


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


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(label="Move it to", choices=SupportRequest.Status.choices)
    note = forms.CharField(max_length=300, required=False)


class AssignForm(forms.Form):
    to = forms.ModelChoiceField(
        label="Give it to",
        queryset=User.objects.filter(
            role__in=[Role.ADVISER, Role.COMMUNITY_WORKER], is_active=True
        ).order_by("full_name"),
        empty_label="Choose a person",
    )


@require_safe
@permission_required("casework.view")
def request_list(request):
    form = RequestListFilterForm(request.GET or None)
    requests = SupportRequest.objects.visible_to(request.user)
    requests = requests.with_status(form.cleaned_data["status"] if form.is_valid() else "")
    if form.is_valid():
        chosen = form.cleaned_data
        if chosen["triage"]:
            requests = requests.in_triage()
        if chosen["overdue"]:
            requests = requests.overdue()
        if chosen["age"]:
            requests = requests.aged(chosen["age"])
        if chosen["topic"]:
            requests = requests.filter(topic=chosen["topic"])
        requests = form.narrow(
            requests, dated_by=form.DATED_BY[chosen["dated"] or "received"], moment=True
        )
    page = Paginator(requests.order_by("created_at"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/request_list.html",
        {
            "form": form,
            "page": page,
            # Read as values after the count, which then needs no joins.
            "lines": _request_lines(
                request_rows(
                    page.object_list.values(*REQUEST_LIST_FIELDS),
                    deadline=first_contact_deadline(),
                )
            ),
            "query": query.urlencode(),
            "can_triage": has_perm(request.user, "casework.triage"),
        },
    )


def _request_lines(rows: list[RequestRow]) -> SafeString:
    """The request list table's lines. Written here rather than by the
    template's loop: fifty lines of eight {{ }} each cost the template
    engine a millisecond, a tenth of the page."""
    lines = []
    for row in rows:
        overdue = ' <strong class="overdue">overdue</strong>' if row.overdue else ""
        lines.append(
            "\n            <tr>\n"
            f'              <th scope="row"><a href="{html.escape(row.url)}">'
            f"{html.escape(row.reference)}</a></th>\n"
            f"              <td>{html.escape(row.received)}</td>\n"
            f"              <td>{html.escape(row.area)}</td>\n"
            f"              <td>{html.escape(row.topic)}</td>\n"
            f"              <td>{html.escape(row.status)}{overdue}</td>\n"
            f"              <td>{html.escape(row.with_whom)}</td>\n"
            "            </tr>\n          "
        )
    # Every value above escaped (html.escape is what Django's escape calls);
    # the rest is this function's own markup.
    return mark_safe("".join(lines))


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
            "timeline": timeline(support_request=support_request),
            "referrals": Referral.objects.visible_to(user)
            .filter(support_request=support_request)
            .select_related("partner", "support_request"),
            "can_refer": has_perm(user, "referrals.make"),
            "audit": support_request.audit.select_related("changed_by", "content_type", "area")
            if has_perm(user, "audit.view")
            else None,
            "resident_messages": support_request.resident_messages.all(),
            "interactions": support_request.interactions.select_related("logged_by"),
            "actions": support_request.actions.open().select_related("area", "owner"),
            "can_log": has_perm(user, "casework.log"),
            "move_form": move_form or MoveForm(),
            "assign_form": assign_form or AssignForm(initial={"to": support_request.assigned_to}),
            "can_move": has_perm(user, "casework.change") and bool(support_request.next_statuses),
            # The same permission as request_link's.
            "can_manage_link": has_perm(user, "casework.change"),
            "can_triage": has_perm(user, "casework.triage"),
            "can_manage_data": has_perm(user, "residents.manage_data"),
        },
    )


@require_safe
@permission_required("casework.view")
def request_detail(request, reference):
    support_request = _visible_request(request, reference)
    response = _detail(request, support_request)
    audit.looked_at(obj=support_request, by=request.user, action=AuditEntry.Action.VIEWED)
    # Marked after the page is drawn, so "New" shows the first time.
    services.resident_messages_mark_seen(support_request=support_request, by=request.user)
    return response


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


# --- Interactions and actions ---------------------------------------------


def _loggable_areas(user):
    return Area.objects.visible_to(user).order_by("name")


def _preset(request, form_class):
    """A log or action form, with the area (and request) taken from the link
    that opened it, so the person has only a handful of fields left."""
    areas = _loggable_areas(request.user)
    support_request = None
    reference = request.GET.get("request") or request.POST.get("request")
    if reference:
        support_request = get_object_or_404(
            SupportRequest.objects.visible_to(request.user), reference=reference
        )
    ward_code = request.GET.get("area")
    area = support_request.area if support_request and support_request.area else None
    if area is not None:
        # What is recorded about a request is on its area
        # (casework.models.require_request_area): no other is offered.
        areas = areas.filter(pk=area.pk)
    if area is None and ward_code:
        area = get_object_or_404(areas, ward_code=ward_code)
    extra = {"writer": request.user}
    if form_class is ActionForm:
        extra["area"] = area
    form = form_class(
        request.POST or None, areas=areas, initial={"area": area or areas.first()}, **extra
    )
    return form, support_request


def _back(support_request, area):
    if support_request is not None:
        return redirect("casework:request_detail", reference=support_request.reference)
    return redirect("areas:detail", ward_code=area.ward_code)


@permission_required("casework.log")
def interaction_new(request):
    form, support_request = _preset(request, InteractionForm)
    if request.method == "POST" and form.is_valid():
        try:
            fields = dict(form.cleaned_data)
            interaction = interaction_log_with_time(
                by=request.user,
                support_request=support_request,
                count_time=fields.pop("count_time", False),
                **fields,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            counted = " and its time counted" if interaction.time_record_id else ""
            messages.success(request, f"Logged: {interaction}{counted}.")
            return _back(support_request, interaction.area)
    return render(
        request,
        "casework/interaction_form.html",
        {"form": form, "support_request": support_request, "title": "Log an interaction"},
    )


def _interaction_to_correct(request, pk):
    """The interaction its author may still correct; or, for one removed or
    past its days while the page was open, the way back with a message
    saying so; a 404 for anyone else's."""
    interaction = (
        Interaction.objects.visible_to(request.user)
        .select_related("area", "support_request", "time_record")
        .filter(pk=pk)
        .first()
    )
    if interaction is None:
        removed = (
            AuditEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Interaction),
                object_id=pk,
                action=AuditEntry.Action.REMOVED,
                changed_by=request.user,
                area__in=Area.objects.visible_to(request.user),
            )
            .select_related("area")
            .first()
        )
        if removed is None:
            raise Http404
        messages.info(request, f"You removed this interaction on {removed.at:%-d %B %Y}.")
        return redirect("areas:detail", ward_code=removed.area.ward_code)
    if not may_correct_interaction(request.user, interaction):
        if interaction.logged_by_id != request.user.pk:
            raise Http404
        messages.info(
            request,
            f"{interaction} can no longer be corrected: interactions can be corrected for "
            f"{settings.NFC_INTERACTION_CORRECTION_DAYS} days after they are logged. "
            "Nothing was changed.",
        )
        return _back(interaction.support_request, interaction.area)
    return interaction


@permission_required("casework.log")
def interaction_correct(request, pk):
    """The author puts right what they logged, within the days allowed."""
    interaction = _interaction_to_correct(request, pk)
    if not isinstance(interaction, Interaction):
        return interaction
    form = InteractionCorrectionForm(
        request.POST or None, interaction=interaction, writer=request.user
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            changed = interactions.interaction_correct(
                interaction=interaction,
                by=request.user,
                count_time=fields.pop("count_time", interaction.time_record_id is not None),
                **fields,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, f"Corrected: {interaction}.")
            else:
                messages.info(request, "Nothing was changed.")
            return _back(interaction.support_request, interaction.area)
    return render(
        request,
        "casework/interaction_correct.html",
        {
            "form": form,
            "interaction": interaction,
            "until": interaction_correction_ends(interaction),
        },
    )


@require_POST
@permission_required("casework.log")
def interaction_remove(request, pk):
    interaction = _interaction_to_correct(request, pk)
    if not isinstance(interaction, Interaction):
        return interaction
    interactions.interaction_remove(interaction=interaction, by=request.user)
    messages.success(request, f"Removed: {interaction}.")
    return _back(interaction.support_request, interaction.area)


@permission_required("casework.log")
def action_new(request):
    form, support_request = _preset(request, ActionForm)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_add(
                by=request.user, support_request=support_request, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Added: {action} (for {action.owner}, by {action.due_on:%-d %B})."
            )
            return _back(support_request, action.area)
    return render(
        request,
        "casework/interaction_form.html",
        {"form": form, "support_request": support_request, "title": "Add a follow-up action"},
    )


class ActionFilterForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(
            role__in=[Role.ADVISER, Role.COMMUNITY_WORKER, Role.MANAGER], is_active=True
        ),
        required=False,
        empty_label="Me",
    )
    region = forms.ChoiceField(required=False, choices=[("", "Any region"), *Region.choices])
    overdue = forms.BooleanField(label="Only overdue actions", required=False)


@require_safe
@permission_required("casework.log")
def my_actions(request):
    """The open actions a person owns; managers may look at anyone's, within
    the areas they see."""
    form = ActionFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    can_triage = has_perm(request.user, "casework.triage")
    owner = chosen.get("owner") if can_triage else None
    actions = Action.objects.visible_to(request.user)
    actions = actions.overdue() if chosen.get("overdue") else actions.open()
    actions = actions.filter(owner=owner or request.user)
    if chosen.get("region"):
        actions = actions.filter(area__region=chosen["region"])
    actions = actions.select_related("area", "owner").order_by("due_on", "pk")
    return render(
        request,
        "casework/my_actions.html",
        {"actions": actions, "form": form, "owner": owner, "can_triage": can_triage},
    )


def _back_to_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return fallback


@permission_required("casework.log")
def action_change(request, pk):
    action = get_object_or_404(
        Action.objects.visible_to(request.user).select_related("area", "owner", "done_by"), pk=pk
    )
    if not may_change_action(request.user, action):
        raise Http404
    if action.done_at is not None:
        # Marked done by someone else while this page was open, or an old link.
        who = f" by {action.done_by}" if action.done_by else ""
        messages.info(request, f"{action} was marked done{who}: nothing was changed.")
        return _back_to_next(request, redirect("casework:my_actions"))
    form = ActionChangeForm(request.POST or None, action=action, writer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.action_change(action=action, by=request.user, **form.cleaned_data)
        except services.ActionChangedMeanwhile as error:
            # What they typed stays; saving again now overwrites knowingly.
            action.refresh_from_db()
            data = request.POST.copy()
            data["seen"] = action.fingerprint
            form = ActionChangeForm(data, action=action, writer=request.user)
            form.is_valid()
            form.add_error(None, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(
                    request, f"Changed: {action} (for {action.owner}, by {action.due_on:%-d %B})."
                )
            else:
                messages.info(request, "Nothing was changed.")
            return _back_to_next(request, redirect("casework:my_actions"))
    return render(
        request,
        "casework/action_change.html",
        {"form": form, "action": action, "next": request.GET.get("next", "")},
    )


@require_POST
@permission_required("casework.log")
def action_done(request, pk):
    action = get_object_or_404(Action.objects.visible_to(request.user), pk=pk)
    # Seen but not closable (another person's, for an adviser) answers as
    # if not there, as it always has.
    if not may_change_action(request.user, action):
        raise Http404
    if services.action_done(action=action, by=request.user):
        messages.success(request, f"Done: {action}.")
    else:
        messages.info(request, f"{action} was already marked done.")
    return _back_to_next(request, redirect("casework:my_actions"))


# Further than anyone pages; it keeps the database's OFFSET in range.
SEARCH_MAX_PAGE = 10_000
# The search box's maxlength; a longer address is searched on its start.
SEARCH_MAX_LENGTH = 200


def _page_number(request) -> int:
    """The page asked for: the first for anything but a page number (a page
    past the end shows the last, as casework_search decides)."""
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        return 1
    return min(max(number, 1), SEARCH_MAX_PAGE)


@require_safe
@permission_required("casework.view")
def search(request):
    """Requests, residents' messages, interactions, actions and referrals
    that match the words typed, within the person's scope, a page at a time."""
    typed = request.GET.get("q")
    results = casework_search(
        user=request.user,
        text=(typed or "")[:SEARCH_MAX_LENGTH],
        kind=request.GET.get("kind", ""),
        page=_page_number(request),
    )
    if results.text:
        audit.looked_at(
            obj=request.user,
            by=request.user,
            action=AuditEntry.Action.SEARCHED,
            details={"search": results.text, **({"kind": results.kind} if results.kind else {})},
        )
    return render(
        request,
        "casework/search.html",
        {
            "results": results,
            "q": urlencode({"q": results.text}),
            "query": urlencode(
                {"q": results.text, **({"kind": results.kind} if results.kind else {})}
            ),
            # The local SQLite default matches exact letters only.
            "simple_search": connection.vendor != "postgresql",
            # Search pressed with the box empty (or only spaces) says so,
            # rather than showing the same page again as if nothing happened.
            "nothing_typed": typed is not None and not results.text,
            "cut_short": len(typed or "") > SEARCH_MAX_LENGTH,
            "max_length": SEARCH_MAX_LENGTH,
        },
    )


@require_safe
@permission_required("casework.view")
def area_timeline(request, ward_code):
    """Everything that happened in an area, newest first."""
    area = get_object_or_404(Area.objects.visible_to(request.user), ward_code=ward_code)
    return render(
        request, "casework/area_timeline.html", {"area": area, "timeline": timeline(area=area)}
    )


@require_safe
@permission_required("audit.view")
def audit_list(request):
    """Every recorded change to case data within the person's scope, newest
    first, narrowed by the filters. Filters that do not make sense show
    their errors and no entries, rather than entries they did not ask for."""
    form = AuditFilterForm(request.GET or None, user=request.user)
    entries = AuditEntry.objects.visible_to(request.user)
    if form.is_bound:
        entries = form.filter(entries) if form.is_valid() else entries.none()
    entries = entries.select_related("changed_by", "content_type", "support_request", "area")
    page = Paginator(entries, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_POST
@permission_required("casework.change")
def request_link(request, reference):
    """Send the resident a new private link, or stop theirs working."""
    support_request = _visible_request(request, reference)
    try:
        if request.POST.get("do") == "stop":
            services.follow_link_stop(support_request=support_request, by=request.user)
            messages.success(request, "The resident's private link no longer works.")
        else:
            services.follow_link_resend(support_request=support_request, by=request.user)
            messages.success(request, "A new private link is on its way to the resident.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("casework:request_detail", reference=support_request.reference)
