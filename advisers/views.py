import datetime
import html

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST, require_safe

from advisers import selectors, services
from advisers.forms import FreshTimeRecordForm, TimeRecordForm
from advisers.models import (
    ADVISER_CASELOAD_CAP,
    COMMUNITY_WORKER_AREA_CAP,
    TimeRecord,
    User,
)
from advisers.navigation import addresses_of, destinations_for
from advisers.permissions import has_perm, may_remove_time_record, permission_required
from advisers.roles import Role
from advisers.signals import home_page_panels
from advisers.templatetags.nfc_time import as_days
from areas.links import addresses, area_page_addresses
from areas.models import Area, Region
from casework.models import Action
from nfc.statements import STAND_IN_DAY, STAND_IN_ID, Statement

# What the home page's overdue actions draw (casework/_action_list.html),
# but their owner: the person whose page it is.
# In the models' own order of fields, as Model.from_db reads them.
OVERDUE_ACTION_FIELDS = tuple(
    field.attname
    for field in Action._meta.concrete_fields
    if field.attname in {"id", "description", "due_on", "done_at", "owner_id", "area_id"}
)
OVERDUE_AREA_FIELDS = tuple(
    field.attname
    for field in Area._meta.concrete_fields
    if field.attname in {"id", "ward_code", "name"}
)


def _overdue_actions_of(owner_id: int, today: datetime.date):
    """The actions ``owner_id`` has left open past ``today``, with their
    areas, as the fields the home page draws."""
    return (
        Action.objects.open()
        .filter(owner_id=owner_id, due_on__lt=today)
        .values_list(*OVERDUE_ACTION_FIELDS, *(f"area__{name}" for name in OVERDUE_AREA_FIELDS))
    )


# Compiled once a process: the ORM's building of it cost more than
# PostgreSQL's answer.
_OVERDUE_ACTIONS = Statement(
    _overdue_actions_of,
    stand_ins=lambda shape: {"owner_id": STAND_IN_ID, "today": STAND_IN_DAY},
)


class _OverdueAction:
    """One of the home page's overdue actions: what casework/_action_list.html
    and may_change_action read of an Action, without a model instance made
    for each (that cost more than the list's query)."""

    __slots__ = ("pk", "description", "due_on", "done_at", "owner_id", "area_id", "area", "owner")

    # The statement reads only open actions due before today
    # (Action.objects.overdue()).
    is_overdue = True

    def __init__(self, fields: dict, *, area: Area, owner: User):
        self.pk = fields["id"]
        self.description = fields["description"]
        self.due_on = fields["due_on"]
        self.done_at = fields["done_at"]
        self.owner_id = fields["owner_id"]
        self.area_id = fields["area_id"]
        self.area = area
        self.owner = owner


def _overdue_actions(user) -> list[_OverdueAction]:
    """``user``'s overdue actions (Action.objects.overdue()), holding only
    what the home page draws, each with its area (an Area made once for
    each area, however many actions it has)."""
    actions = []
    areas: dict[int, Area] = {}
    split = len(OVERDUE_ACTION_FIELDS)
    for row in _OVERDUE_ACTIONS.rows(None, owner_id=user.pk, today=timezone.localdate()):
        fields = dict(zip(OVERDUE_ACTION_FIELDS, row[:split], strict=True))
        area_id = fields["area_id"]
        if area_id not in areas:
            areas[area_id] = Area.from_db("default", OVERDUE_AREA_FIELDS, row[split:])
        actions.append(_OverdueAction(fields, area=areas[area_id], owner=user))
    return actions


def _recordable_areas(user):
    """Where ``user`` may record their own time: the areas they work in now."""
    return Area.objects.visible_to(user) if has_perm(user, "time.record") else Area.objects.none()


# Each stage's words, as Area.get_stage_display gives them (which makes a
# dict of the field's choices each time it is asked).
_STAGE_WORDS = dict(Area._meta.get_field("stage").flatchoices)


def _caseload_lines(caseload: list[Area]) -> SafeString:
    """The caseload table's rows, written here rather than by the
    template's loop (a row of five cells and a filter for each area)."""
    request_list = html.escape(str(addresses("casework:request_list", 0)()))
    days_promised = html.escape(str(settings.NFC_ADVISER_DAYS_PER_AREA))
    lines = []
    for area in caseload:
        requests = (
            f'<a href="{request_list}">{html.escape(str(area.open_requests))}</a>'
            if area.open_requests
            else "0"
        )
        stage = _STAGE_WORDS.get(area.stage, area.stage) or "Not in the programme"
        name = html.escape(str(area.name))
        lines.append(
            "\n              <tr>\n"
            f'                <th scope="row"><a href="{html.escape(str(area.url))}">{name}</a>'
            f'<br><span class="muted">{html.escape(str(area.local_authority))}</span></th>\n'
            f"                <td>{html.escape(str(stage))}</td>\n"
            f"                <td>{html.escape(str(area.last_contact_day))}</td>\n"
            f"                <td>{as_days(area.hours_this_month)} of {days_promised}</td>\n"
            f"                <td>{requests}</td>\n"
            "              </tr>\n            "
        )
    # Every value from the database or the settings is escaped above
    # (html.escape is what Django's escape calls, without its check for lazy
    # text); the rest is this function's own markup.
    return mark_safe("".join(lines))


def _reach_cards(destinations) -> SafeString:
    """The "What you can reach" cards, as the template's loop over
    ``destinations`` drew them (all but the home page itself)."""
    lines = []
    for destination, url in zip(destinations, addresses_of(destinations), strict=True):
        if destination.url_name == "advisers:home":
            lines.append("\n      \n    ")
            continue
        lines.append(
            "\n      \n"
            '        <li class="card">\n'
            f'          <a href="{html.escape(url)}">{html.escape(destination.label)}</a>\n'
            f"          <p>{html.escape(destination.description)}</p>\n"
            "        </li>\n"
            "      \n    "
        )
    # Every value is escaped above (html.escape is what Django's escape
    # calls); the rest is this function's own markup.
    return mark_safe("".join(lines))


@require_safe
@permission_required("portal.use")
def home(request):
    """Each person's start page: an adviser's caseload, a community worker's
    areas and days, or what the role can reach."""
    user = request.user
    month = timezone.localdate()
    context = {"month": month}
    # The person's own areas, read once for the page: the time form offers
    # the same ones (Area.objects.visible_to gives an adviser or community
    # worker theirs), and the panels draw on the caseload.
    held = None
    caseload = []
    if user.role == Role.ADVISER:
        held = caseload = selectors.caseload(adviser=user, month=month)
        # Each row's address and day made once here, not by template tags.
        page_of = area_page_addresses()
        for area in caseload:
            area.url = page_of(area.ward_code)
            area.last_contact_day = (
                f"{area.last_contact:%-d %b %Y}" if area.last_contact else "None recorded"
            )
        context["caseload"] = caseload
        context["caseload_lines"] = _caseload_lines(caseload)
        lately = month - datetime.timedelta(days=30)
        context["new_areas"] = sorted(
            (area for area in caseload if area.assigned_on >= lately),
            key=lambda area: area.assigned_on,
            reverse=True,
        )
        context["days_promised"] = settings.NFC_ADVISER_DAYS_PER_AREA
    elif user.role == Role.COMMUNITY_WORKER:
        held = worker_areas = selectors.community_worker_areas(worker=user, month=month)
        page_of = area_page_addresses()
        for area in worker_areas:
            area.url = page_of(area.ward_code)
        context["worker_areas"] = worker_areas
    if has_perm(user, "casework.log"):
        context["overdue_actions"] = _overdue_actions(user)
    if has_perm(user, "time.record"):
        context["has_areas"] = bool(context.get("caseload") or context.get("worker_areas"))
        if context["has_areas"]:
            # The form is only drawn here, offering the areas read above (the
            # ones _recordable_areas gives): it posts to time_record_add,
            # which offers and checks those.
            context["time_form"] = FreshTimeRecordForm(areas=held)
    context["reach_cards"] = _reach_cards(destinations_for(user))
    context["panels"] = [
        panel
        for _, panel in home_page_panels.send(sender=User, request=request, caseload=caseload)
        if panel
    ]
    return render(request, "advisers/home.html", context)


@require_POST
@permission_required("time.record")
def time_record_add(request):
    form = TimeRecordForm(request.POST, areas=_recordable_areas(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.time_record_add(
                person=request.user,
                area=data["area"],
                date=data["date"],
                hours=data["hours"],
                kind=data["kind"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            unit = data["unit"] if data["amount"] != 1 else data["unit"].removesuffix("s")
            amount = f"{data['amount'].normalize():f} {unit}"
            messages.success(
                request, f"Recorded {amount} in {data['area'].name} on {data['date']:%-d %B}."
            )
            return redirect(_next_page(request))
    return render(
        request,
        "advisers/time_record_form.html",
        {"form": form, "next_url": _next_page(request, default="")},
    )


def _next_page(request, default: str = "advisers:home") -> str:
    """Where to go after a time form: the page it was on, if that is ours and
    is not the form's own address (which answers POST only)."""
    target = request.POST.get("next", "")
    if (
        target
        and target != request.path
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    ):
        return target
    return default


@require_POST
@permission_required("portal.use")
def time_record_remove(request, pk):
    seen = TimeRecord.objects.visible_to(request.user) | TimeRecord.objects.filter(
        person=request.user
    )
    record = get_object_or_404(seen.select_related("area"), pk=pk)
    # Seen but not removable (a colleague's, for an adviser) answers as if
    # not there, as it always has.
    if not may_remove_time_record(request.user, record):
        raise Http404
    services.time_record_remove(record=record, by=request.user)
    messages.success(
        request, f"Removed the time recorded in {record.area.name} on {record.date:%-d %B}."
    )
    return redirect(_next_page(request))


@require_safe
@permission_required("caseloads.manage")
def caseloads(request):
    """Who holds how many areas, and who has room: for managers."""
    region = request.user.region
    context = selectors.caseload_overview(region=region)
    context["waiting"] = Area.objects.visible_to(request.user).without_adviser().count()
    context["region"] = region
    context["region_label"] = Region(region).label if region else ""
    context["adviser_cap"] = ADVISER_CASELOAD_CAP
    context["worker_cap"] = COMMUNITY_WORKER_AREA_CAP
    return render(request, "advisers/caseloads.html", context)
