import unicodedata
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat, linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.views.decorators.http import require_POST, require_safe

from advisers import selectors as staff_selectors
from advisers import services as staff_services
from advisers.forms import TimeRecordForm
from advisers.models import ADVISER_CASELOAD_CAP, User
from advisers.permissions import (
    has_perm,
    has_perms,
    may_correct_interaction,
    may_remove_time_record,
    permission_required,
    require_perm,
)
from areas import links, selectors, services
from areas.forms import (
    LEAVING_HELP,
    AllocateCommunityWorkerForm,
    AreaFactsForm,
    AreaFilterForm,
    AssignAdviserForm,
    FundingBidForm,
    HandoverNoteForm,
    JoinProgrammeForm,
    LocalContactForm,
    PartnershipForm,
    StageChangeForm,
    StageCorrectionForm,
    StageWithdrawalForm,
    stage_choices,
)
from areas.models import Area, Stage, StageChange
from areas.signals import CASEWORK, EVENTS, OUTCOMES, OVERVIEW, TIME, area_page_panels
from areas.templatetags.area_figures import as_percent
from casework import audit
from casework.models import (
    Action,
    AuditEntry,
    Interaction,
    InteractionTopic,
    Referral,
    SupportRequest,
)
from casework.selectors import residents_reached_by_month
from nfc.csv import csv_response
from nfc.periods import Period, add_months, minutes_in_words
from nfc.statements import STAND_IN_ID, Statement

AREAS_PER_PAGE = 100


def _filtered_areas(request):
    form = AreaFilterForm(request.GET or None)
    areas = Area.objects.visible_to(request.user)
    if form.is_valid():
        areas = selectors.filter_areas(areas, **form.cleaned_data)
    return form, selectors.areas_with_people(areas).prefetch_related("types").order_by("name")


@require_safe
@permission_required("areas.view")
def area_list(request):
    form, areas = _filtered_areas(request)
    page = Paginator(areas, AREAS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "areas/area_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_export": has_perm(request.user, "areas.export"),
        },
    )


@require_safe
@permission_required("areas.export")
def area_export(request):
    _, areas = _filtered_areas(request)
    filename = f"areas-{timezone.localdate():%Y-%m-%d}.csv"
    audit.looked_at(
        obj=request.user,
        by=request.user,
        action=AuditEntry.Action.EXPORTED,
        details={"file": filename, "filters": request.GET.urlencode()},
    )
    return csv_response(filename, selectors.EXPORT_COLUMNS, selectors.export_rows(areas))


def _visible_area(request, ward_code: str) -> Area:
    return selectors.visible_area(request.user, ward_code)


def _day(date) -> str:
    """``date`` as the page writes it (``j M Y``), without a template filter
    on each of a list's rows."""
    return f"{date:%-d %b %Y}"


def _time_records(user, area: Area) -> list:
    """The latest time recorded in ``area``, each with its day written out
    and the address to take it back (empty when ``user`` may not), made
    once for the list rather than by template tags row by row."""
    records = list(area.time_records.select_related("person")[:20])
    remove = links.addresses("advisers:time_record_remove", 1)
    for record in records:
        record.day = _day(record.date)
        record.remove_url = remove(record.pk) if may_remove_time_record(user, record) else ""
    return records


# What the area page's interactions draw, and its people: the rows' own
# fields and their staff's names, not every column of each.
_STAFF_NAME = ("full_name", "email")
_INTERACTION_FIELDS = (
    "area_id",
    "date",
    "kind",
    "residents",
    "new_residents",
    "minutes",
    "topics",
    "notes",
    "next_steps",
    "logged_by_id",
    "time_record_id",
    "created_at",
    *(f"logged_by__{field}" for field in _STAFF_NAME),
)
_TOPIC_LABELS = dict(InteractionTopic.choices)


def _shortened(text: str, length: int) -> str:
    """``text|truncatechars:length``, without the filter's work (some
    0.3 ms a page) for the usual text that is shorter than that."""
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= length else Truncator(text).chars(length)


def _in_model_order(model, names) -> tuple[str, ...]:
    """``names`` in the order of ``model``'s columns, as from_db takes them."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


# The interactions' own fields and their staff's, as the rows give them.
_INTERACTION_OWN = _in_model_order(Interaction, {"id", *_INTERACTION_FIELDS})
_STAFF_OWN = _in_model_order(User, {"id", *_STAFF_NAME})


def _latest_interactions(area_id: int):
    """The area's latest ten interactions, as area.interactions lists them,
    with the fields the page draws and their staff's names."""
    return (
        Interaction.objects.filter(area_id=area_id)
        .select_related("logged_by")
        .values_list(*_INTERACTION_OWN, *(f"logged_by__{name}" for name in _STAFF_OWN[1:]))[:10]
    )


_ACTION_OWN = _in_model_order(
    Action, {"id", "area_id", "description", "owner_id", "due_on", "done_at"}
)


def _open_actions(area_id: int):
    """The area's open actions, as area.actions.open() lists them, with the
    fields the action list draws and their owners' names."""
    return (
        Action.objects.open()
        .filter(area_id=area_id)
        .select_related("owner")
        .values_list(*_ACTION_OWN, *(f"owner__{name}" for name in _STAFF_OWN[1:]))
    )


# Compiled once a process: the ORM took about a millisecond a page building
# each, more than PostgreSQL takes to answer it.
_OPEN_ACTIONS = Statement(_open_actions, stand_ins=lambda shape: {"area_id": STAND_IN_ID})
_LATEST_INTERACTIONS = Statement(
    _latest_interactions, stand_ins=lambda shape: {"area_id": STAND_IN_ID}
)


def _as_instances(rows, model, own, *, staff: str, area: Area) -> list:
    """``rows`` (``own`` fields of ``model``, then those of its ``staff``
    but the id) as the instances the area's related manager gave with
    ``select_related(staff).only(...)``: the staff read with each, and the
    area the one asked about, as the manager sets it."""
    instances = []
    count = len(own)
    staff_at = own.index(f"{staff}_id")
    staff_field = model._meta.get_field(staff)
    area_field = model._meta.get_field("area")
    for row in rows:
        instance = model.from_db("default", own, row[:count])
        person = User.from_db("default", _STAFF_OWN, (row[staff_at], *row[count:]))
        staff_field.set_cached_value(instance, person)
        area_field.set_cached_value(instance, area)
        instances.append(instance)
    return instances


def _interactions(user, area: Area) -> list:
    """The area's latest interactions, each with its day written out and the
    address to correct it (empty when ``user`` may not), for the page's own
    copy of casework/_interaction.html, with what it was about written out
    and its notes and next steps shortened as the copy shows them."""
    interactions = _as_instances(
        _LATEST_INTERACTIONS.rows(None, area_id=area.pk),
        Interaction,
        _INTERACTION_OWN,
        staff="logged_by",
        area=area,
    )
    correct = links.addresses("casework:interaction_correct", 1)
    for interaction in interactions:
        interaction.day = _day(interaction.date)
        interaction.about = ", ".join(
            _TOPIC_LABELS[topic] for topic in interaction.topics if topic in _TOPIC_LABELS
        )
        interaction.correct_url = (
            correct(interaction.pk) if may_correct_interaction(user, interaction) else ""
        )
        interaction.notes_shown = _shortened(interaction.notes, 400)
        interaction.next_steps_shown = _shortened(interaction.next_steps, 300)
    return interactions


def _interaction_lines(interactions: list, *, can_see_notes: bool) -> SafeString:
    """The page's interactions (from _interactions) as its template's loop
    over them wrote them, to the byte, every value escaped as the template
    would: ten rows of a dozen conditions each cost the template engine
    some 0.6 ms a draw. tests/areas/test_first_page_lists.py holds the two
    equal."""
    lines = []
    for interaction in interactions:
        day = conditional_escape(interaction.day)
        kind = interaction.get_kind_display()
        head = f"<strong>{day}: {conditional_escape(kind)}</strong> by "
        head += conditional_escape(interaction.logged_by)
        if interaction.minutes:
            head += f", {conditional_escape(minutes_in_words(interaction.minutes))}"
        if interaction.residents:
            plural = "" if interaction.residents == 1 else "s"
            head += f", {interaction.residents} resident{plural}"
            if interaction.new_residents:
                head += f" ({interaction.new_residents} new)"
        about = (
            f'<br><span class="muted">About: {conditional_escape(interaction.about)}</span>'
            if interaction.about
            else ""
        )
        counted = (
            '<br><span class="muted">Counted as time given.</span>'
            if interaction.time_record_id
            else ""
        )
        correct = (
            f'<br><a href="{conditional_escape(interaction.correct_url)}">Correct'
            f'<span class="visually-hidden"> the {conditional_escape(kind.lower())} of {day}'
            "</span></a>"
            if interaction.correct_url
            else ""
        )
        notes = ""
        if can_see_notes:
            written = (
                f"<br>{conditional_escape(interaction.notes_shown)}" if interaction.notes else ""
            )
            next_steps = (
                '<br><span class="muted">Next steps:</span> '
                f"{conditional_escape(interaction.next_steps_shown)}"
                if interaction.next_steps
                else ""
            )
            notes = f"\n            {written}\n            {next_steps}\n          "
        lines.append(
            f'\n        <li class="interaction">\n          {head}\n          {about}'
            f"\n          {counted}\n          {correct}\n          {notes}\n        </li>\n      "
        )
    # Safe: built above from escaped values and the page's own markup.
    return mark_safe("".join(lines))


def _shown(value) -> str:
    """``value`` as ``{{ value }}`` draws it: localised, then escaped."""
    return conditional_escape(localize(value))


def _or_not_recorded(value) -> str:
    """``{{ value|default_if_none:"Not recorded" }}``."""
    return "Not recorded" if value is None else _shown(value)


def _facts_and_people(context: dict) -> SafeString:
    """The first page's facts and people (from the view's ``context``), as
    its template wrote them, to the byte, every value escaped and filtered
    as the template did: some thirty tags and filters a draw.
    tests/areas/test_first_page_lists.py holds the two equal."""
    area = context["area"]
    addresses = context["addresses"]
    types = ", ".join(_shown(each.name) for each in context["types"]) or "Not recorded"
    share = area.share_most_deprived
    deprived = (
        "Not recorded"
        if share is None
        else f"{_shown(as_percent(share))} ({_shown(area.population_most_deprived)})"
    )
    decile = f", decile {_shown(area.imd_decile)}" if area.imd_decile else ""
    joined = date_filter(area.joined_on, "j F Y")
    if area.in_programme:
        cohort = _shown(area.get_cohort_display())
        programme = f"{cohort} cohort, since {_shown(joined or '(date not recorded)')}"
    elif area.cohort:
        cohort = _shown(area.get_cohort_display())
        when = _shown(joined or "on a date not recorded")
        programme = f"No: it has left ({cohort} cohort, joined {when})"
    else:
        programme = "No"
    notes = (
        f'<h3>Notes</h3><p class="notes">{linebreaksbr(area.notes, autoescape=True)}</p>'
        if context["can_see_notes"] and area.notes
        else ""
    )
    can_edit, can_manage = context["can_edit"], context["can_manage_caseloads"]
    change = (
        f'<p><a href="{_shown(addresses["facts"])}">Change its types and notes</a></p>'
        if can_edit
        else ""
    )
    join = (
        f'<p><a href="{_shown(addresses["join"])}">Bring {_shown(area.name)} into the programme'
        "</a></p>"
        if can_manage and not area.in_programme
        else ""
    )
    current = context["current_assignment"]
    adviser = _shown(current.adviser) if current and current.adviser else "none"
    allocation = context["current_allocation"]
    worker = (
        f"{_shown(allocation.worker)} ({floatformat(allocation.days_per_month, '-1')} days a month)"
        if allocation
        else "none"
    )
    assign = (
        f'<p><a href="{_shown(addresses["assign"])}">Change who works here</a></p>'
        if can_manage
        else ""
    )
    handover = (
        f'<p><a href="{_shown(addresses["handover"])}">Handover page</a> · '
        f'<a href="{_shown(addresses["handover_note"])}">Write the handover note</a></p>'
        if can_edit and current
        else ""
    )
    assignments = context["adviser_assignments"]
    earlier = ""
    if len(assignments) > 1:
        rows = "".join(
            f"\n          <li>{_shown(each.adviser)},"
            f" {_shown(date_filter(each.started_on, 'j M Y'))}"
            f" to {_shown(date_filter(each.ended_on, 'j M Y'))}</li>\n        "
            for each in assignments
            if each.ended_on
        )
        earlier = (
            "\n    <details>\n      <summary>Earlier advisers</summary>\n      <ul>\n"
            f"        {rows}\n      </ul>\n    </details>\n  "
        )
    # Safe: built here from escaped values (the filters' own output, marked
    # safe by them, as the template took it) and the page's own markup.
    return mark_safe(
        "<h2>Facts</h2>\n"
        '  <dl class="facts">\n'
        f"    <dt>Type</dt><dd>{types}</dd>\n"
        f"    <dt>Population</dt><dd>{_or_not_recorded(area.population)}</dd>\n"
        f"    <dt>People in England's most deprived tenth</dt><dd>{deprived}</dd>\n"
        "    <dt>IMD 2019 rank (1 is most deprived)</dt>"
        f"<dd>{_or_not_recorded(area.imd_rank)}{decile}</dd>\n"
        f"    <dt>Community Needs Index rank</dt><dd>{_or_not_recorded(area.cni_rank)}</dd>\n"
        f"    <dt>In the programme</dt><dd>{programme}</dd>\n"
        f"    <dt>Stage</dt><dd>{_shown(area.get_stage_display() or '–')}</dd>\n"
        "  </dl>\n"
        f"  {notes}\n  {change}\n  {join}\n\n"
        "  <h2>People</h2>\n"
        f"  <p>Named adviser: <strong>{adviser}</strong>.\n"
        f"  Community worker: <strong>{worker}</strong>.</p>\n"
        f"  {assign}\n  {handover}\n  {earlier}"
    )


def _partnership_lines(partnership, *, can_edit: bool, address: str) -> SafeString:
    """The area's partnership (None for none) and the link to change it
    (``address``, for those who may), as the first page's template wrote
    them, to the byte, every value escaped as the template would.
    tests/areas/test_first_page_lists.py holds the two equal."""
    if partnership:
        trusted = (
            f", with {_shown(partnership.trusted_organisation)} as its Locally Trusted Organisation"
            if partnership.trusted_organisation
            else ""
        )
        contact = ""
        if partnership.contact_name or partnership.contact_email or partnership.contact_phone:
            contact = f"Contact: {_shown(partnership.contact_name)}"
            if partnership.contact_email:
                email = _shown(partnership.contact_email)
                contact += f' <a href="mailto:{email}">{email}</a>'
            if partnership.contact_phone:
                contact += f" {_shown(partnership.contact_phone)}"
        shown = f"<p><strong>{_shown(partnership.name)}</strong>{trusted}.\n      {contact}</p>"
    else:
        shown = "<p>No partnership recorded yet.</p>"
    link = ""
    if can_edit:
        what = "Change the partnership" if partnership else "Add the partnership"
        link = f'<p><a href="{_shown(address)}">{what}</a></p>'
    # Safe: built here from escaped values and the page's own markup.
    return mark_safe(f"\n      {shown}\n    \n    {link}")


def _stage_form_fields(choices: list[tuple[str, str]]) -> SafeString:
    """What ``{{ form }}`` drew of a fresh StageChangeForm offering
    ``choices`` (stage_choices'), to the byte, every value escaped ("" for
    no choices: the page then draws no form). Its fields, widgets and
    labels through Django's forms took some 0.6 ms a draw, and this form on
    the page is never bound: a move posted goes to area_stage, which draws
    its own. tests/areas/test_stage_form_fields.py holds the two equal."""
    if not choices:
        return mark_safe("")
    help_text, described = "", ""
    if any(value == Stage.LEAVING for value, _ in choices):
        help_text = f'<div class="helptext" id="move_stage_helptext">{LEAVING_HELP}</div>'
        described = ' aria-describedby="move_stage_helptext"'
    options = "".join(
        f'\n  <option value="{conditional_escape(value)}">{conditional_escape(label)}</option>\n'
        for value, label in choices
    )
    today = conditional_escape(f"{timezone.localdate():%Y-%m-%d}")
    # Safe: built here from escaped values and the form's own markup (the
    # help text is the form's, which Django's template marks safe too).
    return mark_safe(
        '<div>\n    <label for="move_stage">Stage:</label>\n\n'
        f"{help_text}\n\n"
        f'<select name="stage" required{described} id="move_stage">\n'
        '  <option value="" selected>Choose the new stage</option>\n'
        f"{options}\n</select>\n    \n</div>\n\n"
        '  <div>\n    <label for="move_on">Since:</label>\n\n\n\n'
        f'<input type="date" name="on" value="{today}" required id="move_on">\n    \n</div>\n\n'
        '  <div>\n    <label for="move_note">Note:</label>\n\n\n\n'
        '<input type="text" name="note" maxlength="300" id="move_note">\n'
        "    \n      \n    \n</div>"
    )


def _stage_changes(area: Area, changes: list[StageChange]) -> list[StageChange]:
    """The area's stage changes (first_page_lists'), each with its days
    written out and the address to correct it."""
    correct = links.addresses("areas:stage_correct", 2)
    for change in changes:
        change.day = f"{change.changed_on:%-d %B %Y}"
        change.withdrawn_day = (
            f"{timezone.localtime(change.withdrawn_at):%-d %B %Y}" if change.withdrawn_at else ""
        )
        change.correct_url = correct(area.ward_code, change.pk)
    return changes


def _stage_lines(
    changes: list[StageChange], *, can_see_notes: bool, can_correct: bool
) -> SafeString:
    """The stage timeline's items (from _stage_changes), as the page's
    template's loop over them wrote them, to the byte, every value escaped
    as the template would. tests/areas/test_first_page_lists.py holds the
    two equal."""
    lines = []
    for change in changes:
        stage = conditional_escape(change.get_stage_display())
        day = conditional_escape(change.day)
        if change.withdrawn_at:
            by = f" by {conditional_escape(change.withdrawn_by)}" if change.withdrawn_by else ""
            why = f": {conditional_escape(change.withdrawn_reason)}" if can_see_notes else ""
            item = (
                f'<li class="withdrawn"><del><strong>{stage}</strong> from {day}</del>\n'
                f"            (withdrawn {conditional_escape(change.withdrawn_day)}{by}{why})</li>"
            )
        else:
            note = f": {conditional_escape(change.note)}" if can_see_notes and change.note else ""
            correct = (
                f' · <a href="{conditional_escape(change.correct_url)}">Correct'
                f'<span class="visually-hidden"> {stage} from {day}</span></a>'
                if can_correct
                else ""
            )
            item = f"<li><strong>{stage}</strong> from {day}{note}{correct}</li>"
        lines.append(f"\n        \n          {item}\n        \n      ")
    # Safe: built above from escaped values and the page's own markup.
    return mark_safe("".join(lines))


def _contents_lines(contents: list[dict]) -> SafeString:
    """The area's contents list (_render_area_page's), as _area_header.html's
    loop over it wrote it, to the byte, every value escaped as the template
    would: on every page of an area. tests/areas/test_first_page_lists.py
    holds the two equal."""
    lines = []
    for item in contents:
        url, title = conditional_escape(item["url"]), conditional_escape(item["title"])
        link = (
            f'<a href="{url}" aria-current="page"><strong>{title}</strong></a>'
            if item["current"]
            else f'<a href="{url}">{title}</a>'
        )
        lines.append(f"\n      <li>{link}</li>\n    ")
    # Safe: built above from escaped values and the page's own markup.
    return mark_safe("".join(lines))


def _funding_bids(area: Area) -> list:
    """The area's funding bids, each with its days written out ("–" for
    none) and the address to change it."""
    bids = list(area.funding_bids.all())
    edit = links.addresses("areas:funding_edit", 2)
    for bid in bids:
        bid.submitted_day = _day(bid.submitted_on) if bid.submitted_on else "–"
        bid.decided_day = _day(bid.decided_on) if bid.decided_on else "–"
        bid.edit_url = edit(area.ward_code, bid.pk)
    return bids


# An area's pages, in the order of its contents list: the name each is
# sent to its panels by, its address, its title, and the permission it needs
# besides "areas.view" (None: none).
AREA_PAGES = [
    (OVERVIEW, "areas:detail", "Overview", None),
    (CASEWORK, "areas:casework", "Casework and referrals", "casework.view"),
    (EVENTS, "areas:events", "Events and network", "events.view"),
    (TIME, "areas:time", "Time and funding", None),
    (OUTCOMES, "areas:outcomes", "Outcomes", "outcomes.view"),
]


def _render_area_page(request, area: Area, page: str, template: str, context: dict):
    """An area's page ``page``: its contents list (the pages this person may
    open), the panels the apps above add to it, and ``context``."""
    user = request.user
    contents = [
        {
            "title": title,
            "url": links.addresses(name, 1)(area.ward_code),
            "current": name_sent == page,
        }
        for name_sent, name, title, perm in AREA_PAGES
        if perm is None or has_perm(user, perm)
    ]
    panels = [
        panel
        for _, panel in area_page_panels.send(sender=Area, request=request, area=area, page=page)
        if panel
    ]
    title = next(item["title"] for item in contents if item["current"])
    return render(
        request,
        template,
        {
            "area": area,
            "contents_lines": _contents_lines(contents),
            "page_title": title,
            "panels": panels,
            **context,
        },
    )


# The area's own pages its first page links to, by the name its template
# uses: worked out once a process (areas.links) rather than by {% url %}
# each draw, a dozen a page.
_FIRST_PAGE_LINKS = (
    ("facts", "areas:facts"),
    ("join", "areas:join"),
    ("assign", "areas:assign"),
    ("handover", "areas:handover"),
    ("handover_note", "areas:handover_note"),
    ("partnership", "areas:partnership"),
    ("contact_add", "areas:contact_add"),
    ("stage", "areas:stage"),
    ("time", "areas:time"),
    ("timeline", "casework:area_timeline"),
)


@require_safe
@permission_required("areas.view")
def area_detail(request, ward_code):
    """The area's first page: what someone opening it needs first (facts,
    people, stage, the latest interactions and open actions, its early
    warning, the ways to log work). The longer history is on the pages of
    its contents list, a click away."""
    user = request.user
    # The partnership is read with the area, for those whose role may see
    # it; shown below only where they may see this area's.
    area = selectors.visible_area(
        user, ward_code, partnership=has_perm(user, "areas.view_contacts")
    )
    may = has_perms(
        user,
        (
            "time.record",
            "areas.edit",
            "casework.log",
            "areas.correct_stages",
            "areas.view_contacts",
            "areas.view_notes",
        ),
        area,
    )
    can_record = may["time.record"]
    can_edit = may["areas.edit"]
    can_see_casework = has_perm(user, "casework.view")
    lists = selectors.first_page_lists(area, contacts=may["areas.view_contacts"])
    interactions = _interactions(user, area) if can_see_casework else []
    adviser_assignments = lists.adviser_assignments
    stage_changes = _stage_changes(area, lists.stage_changes)
    context = {
        "types": lists.types,
        "adviser_assignments": adviser_assignments,
        "current_assignment": next((a for a in adviser_assignments if a.ended_on is None), None),
        "current_allocation": lists.allocation,
        "can_see_casework": can_see_casework,
        "interactions": interactions,
        "actions": (
            _as_instances(
                _OPEN_ACTIONS.rows(None, area_id=area.pk),
                Action,
                _ACTION_OWN,
                staff="owner",
                area=area,
            )
            if can_see_casework
            else []
        ),
        "can_log": may["casework.log"],
        "can_refer": has_perm(user, "referrals.make"),
        "stage_changes": stage_changes,
        "stage_lines": _stage_lines(
            stage_changes,
            can_see_notes=may["areas.view_notes"],
            can_correct=may["areas.correct_stages"],
        ),
        "can_correct_stages": may["areas.correct_stages"],
        "can_see_contacts": may["areas.view_contacts"],
        "can_see_notes": may["areas.view_notes"],
        "interaction_lines": _interaction_lines(
            interactions, can_see_notes=may["areas.view_notes"]
        ),
        "can_edit": can_edit,
        "can_manage_caseloads": has_perm(user, "caseloads.manage"),
        "can_see_audit": has_perm(user, "audit.view"),
        "time_form": TimeRecordForm(areas=Area.objects.filter(pk=area.pk)) if can_record else None,
        # Drawn only for those who may change the stage, and only when
        # there is a stage they may move it to.
        "stage_fields": (
            _stage_form_fields(stage_choices(user, area)) if area.cohort and can_edit else ""
        ),
    }
    context["addresses"] = {
        name: links.addresses(viewname, 1)(area.ward_code) for name, viewname in _FIRST_PAGE_LINKS
    }
    if context["can_see_contacts"]:
        context["contacts"] = lists.contacts
        context["partnership_lines"] = _partnership_lines(
            getattr(area, "partnership", None),
            can_edit=can_edit,
            address=context["addresses"]["partnership"],
        )
        if can_edit:
            remove = links.addresses("areas:contact_remove", 2)
            for contact in lists.contacts or ():
                contact.remove_url = remove(area.ward_code, contact.pk)
    context["facts_and_people"] = _facts_and_people({"area": area, **context})
    return _render_area_page(request, area, OVERVIEW, "areas/area_detail.html", context)


@require_safe
@permission_required("casework.view")
def area_casework(request, ward_code):
    """The area's residents reached month by month and its referrals to
    partners, a click from its first page."""
    area = _visible_area(request, ward_code)
    user = request.user
    context = {
        "residents_reached": residents_reached_by_month(
            interactions=area.interactions.all(),
            months=Period.months_before(add_months(timezone.localdate(), 1), 12).months,
        ),
        "referrals": Referral.objects.visible_to(user)
        .filter(area=area)
        .select_related("partner", "support_request")[:10],
        "can_log": has_perm(user, "casework.log", area),
        "can_refer": has_perm(user, "referrals.make"),
    }
    return _render_area_page(request, area, CASEWORK, "areas/area_casework.html", context)


@require_safe
@permission_required("events.view")
def area_events(request, ward_code):
    """Who from the area came to events, and its connections with other
    areas: the panels events adds."""
    area = _visible_area(request, ward_code)
    return _render_area_page(request, area, EVENTS, "areas/area_panels.html", {})


@require_safe
@permission_required("areas.view")
def area_time(request, ward_code):
    """The funding the area has pursued and the latest time given there."""
    area = _visible_area(request, ward_code)
    user = request.user
    context = {
        "funding_bids": _funding_bids(area),
        "time_records": _time_records(user, area),
        "can_see_notes": has_perm(user, "areas.view_notes", area),
        "can_edit": has_perm(user, "areas.edit", area),
        "can_record": has_perm(user, "time.record", area),
    }
    return _render_area_page(request, area, TIME, "areas/area_time.html", context)


@require_safe
@permission_required("outcomes.view")
def area_outcomes(request, ward_code):
    """The area's baseline and quarterly outcome records: the panel
    evaluation adds."""
    area = _visible_area(request, ward_code)
    require_perm(request.user, "outcomes.view", area)
    return _render_area_page(request, area, OUTCOMES, "areas/area_panels.html", {})


@require_POST
@permission_required("areas.edit")
def area_stage(request, ward_code):
    area = _visible_area(request, ward_code)
    require_perm(request.user, "areas.edit", area)
    form = StageChangeForm(request.POST, user=request.user, area=area)
    if form.is_valid():
        try:
            services.area_change_stage(area=area, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{area.name} is now at {area.get_stage_display()}.")
            return redirect("areas:detail", ward_code=area.ward_code)
    return render(request, "areas/area_stage.html", {"area": area, "form": form})


@permission_required("areas.correct_stages")
def area_stage_correct(request, ward_code, pk):
    """Put right a stage change made in error: its date or note, or (the
    latest) withdraw it."""
    area = _visible_area(request, ward_code)
    require_perm(request.user, "areas.correct_stages", area)
    change = get_object_or_404(
        area.stage_changes.select_related("recorded_by", "withdrawn_by"), pk=pk
    )
    if change.withdrawn_at is not None:
        # Someone else withdrew it while this page was open, or the link is old.
        who = f" by {change.withdrawn_by}" if change.withdrawn_by else ""
        messages.info(
            request,
            f"{change} was withdrawn{who} on {change.withdrawn_at:%-d %B %Y}: nothing was changed.",
        )
        return redirect("areas:detail", ward_code=area.ward_code)
    withdrawing = request.method == "POST" and "withdraw" in request.POST
    correction_form = StageCorrectionForm(
        request.POST if request.method == "POST" and not withdrawing else None,
        initial={"on": change.changed_on, "note": change.note},
    )
    withdrawal_form = StageWithdrawalForm(request.POST if withdrawing else None)
    form = withdrawal_form if withdrawing else correction_form
    if request.method == "POST" and form.is_valid():
        try:
            if withdrawing:
                services.stage_change_withdraw(
                    change=change, reason=form.cleaned_data["reason"], by=request.user
                )
                area.refresh_from_db()
                done = f"Withdrawn: {area.name} is back at {area.get_stage_display()}."
            elif services.stage_change_correct(change=change, by=request.user, **form.cleaned_data):
                # The service saved its own copy: the message gives the new date.
                change.refresh_from_db()
                done = f"Corrected: {change}."
            else:
                done = "Nothing was changed."
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect("areas:detail", ward_code=area.ward_code)
    latest = area.stage_changes.in_force().first()
    first = area.stage_changes.in_force().order_by("changed_on", "pk").first()
    return render(
        request,
        "areas/stage_correct.html",
        {
            "area": area,
            "change": change,
            "correction_form": correction_form,
            "withdrawal_form": withdrawal_form,
            "may_withdraw": change == latest and change != first,
        },
    )


@permission_required("caseloads.manage")
def area_assign(request, ward_code):
    """Name an area's adviser or community worker; suggests an adviser."""
    area = _visible_area(request, ward_code)
    suggestion = staff_selectors.adviser_suggestion(area=area)
    adviser_form = AssignAdviserForm(initial={"adviser": suggestion})
    worker_form = AllocateCommunityWorkerForm()
    if request.method == "POST":
        if "assign_adviser" in request.POST:
            adviser_form = AssignAdviserForm(request.POST)
            form, assign = adviser_form, staff_services.area_assign_adviser
        else:
            worker_form = AllocateCommunityWorkerForm(request.POST)
            form, assign = worker_form, staff_services.area_allocate_community_worker
        if form.is_valid():
            try:
                assign(area=area, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Saved: {area.name} has its new assignment.")
                return redirect("areas:detail", ward_code=area.ward_code)
    return render(
        request,
        "areas/area_assign.html",
        {
            "area": area,
            "suggestion": suggestion,
            "adviser_cap": ADVISER_CASELOAD_CAP,
            "adviser_form": adviser_form,
            "worker_form": worker_form,
            "adviser_assignments": area.adviser_assignments.select_related(
                "adviser", "assigned_by"
            ),
            "allocations": area.community_worker_allocations.select_related(
                "worker", "assigned_by"
            ),
        },
    )


def _editable_area(request, ward_code: str) -> Area:
    area = _visible_area(request, ward_code)
    require_perm(request.user, "areas.edit", area)
    return area


def _edit_page(request, area, form, save, *, title: str, saved: str, back: str = "areas:detail"):
    """The shared end of the edit pages: save through the service and go
    back to the area's page ``back`` (the one the form's link is on), or
    show the form again with its errors."""
    if request.method == "POST" and form.is_valid():
        save(area=area, by=request.user, **form.cleaned_data)
        messages.success(request, saved)
        return redirect(back, ward_code=area.ward_code)
    return render(
        request,
        "areas/area_form.html",
        {"area": area, "form": form, "title": title, "back": reverse(back, args=[area.ward_code])},
    )


@permission_required("areas.edit")
def area_partnership(request, ward_code):
    area = _editable_area(request, ward_code)
    form = PartnershipForm(request.POST or None, instance=getattr(area, "partnership", None))
    return _edit_page(
        request,
        area,
        form,
        services.partnership_save,
        title="Partnership",
        saved="The partnership is saved.",
    )


@permission_required("areas.edit")
def area_contact_add(request, ward_code):
    area = _editable_area(request, ward_code)
    form = LocalContactForm(request.POST or None)
    return _edit_page(
        request,
        area,
        form,
        services.local_contact_add,
        title="Add a local contact",
        saved="The contact is saved.",
    )


@require_POST
@permission_required("areas.edit")
def area_contact_remove(request, ward_code, pk):
    area = _editable_area(request, ward_code)
    contact = get_object_or_404(area.contacts, pk=pk)
    services.local_contact_remove(contact=contact, by=request.user)
    messages.success(request, f"{contact.name} is no longer listed.")
    return redirect("areas:detail", ward_code=area.ward_code)


@permission_required("areas.edit")
def area_funding_add(request, ward_code):
    area = _editable_area(request, ward_code)
    form = FundingBidForm(request.POST or None)
    return _edit_page(
        request,
        area,
        form,
        services.funding_bid_save,
        title="Add funding",
        saved="The funding is saved.",
        back="areas:time",
    )


@permission_required("areas.edit")
def area_funding_edit(request, ward_code, pk):
    area = _editable_area(request, ward_code)
    bid = get_object_or_404(area.funding_bids, pk=pk)
    form = FundingBidForm(request.POST or None, instance=bid)
    return _edit_page(
        request,
        area,
        form,
        partial(services.funding_bid_save, bid=bid),
        title="Update funding",
        saved="The funding is saved.",
        back="areas:time",
    )


@permission_required("areas.edit")
def area_facts(request, ward_code):
    area = _editable_area(request, ward_code)
    form = AreaFactsForm(request.POST or None, instance=area)
    return _edit_page(
        request, area, form, services.area_facts_save, title="Types and notes", saved="Saved."
    )


@permission_required("caseloads.manage")
def area_join(request, ward_code):
    """Bring an area into the programme in a cohort, at outreach."""
    area = _visible_area(request, ward_code)
    form = JoinProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.area_join_programme(area=area, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{area.name} is in the programme. Now name its adviser.")
            return redirect("areas:assign", ward_code=area.ward_code)
    return render(
        request,
        "areas/area_form.html",
        {"area": area, "form": form, "title": "Bring into the programme"},
    )


@require_safe
@permission_required("areas.edit")
def area_handover(request, ward_code):
    """Everything a new adviser needs to pick an area up."""
    area = _editable_area(request, ward_code)
    # It is mostly what staff wrote: the handover note, interactions' notes.
    require_perm(request.user, "areas.view_notes", area)
    assignments = list(area.adviser_assignments.select_related("adviser"))
    return render(
        request,
        "areas/area_handover.html",
        {
            "area": area,
            "current": next((a for a in assignments if a.ended_on is None), None),
            "previous": next((a for a in assignments if a.ended_on is not None), None),
            "partnership": getattr(area, "partnership", None),
            "contacts": area.contacts.all(),
            "funding_bids": _funding_bids(area),
            "open_requests": SupportRequest.objects.visible_to(request.user)
            .open()
            .filter(area=area)
            .select_related("assigned_to"),
            "actions": area.actions.open().select_related("owner"),
            "interactions": area.interactions.select_related("logged_by")[:10],
            "stage_changes": area.stage_changes.in_force()[:5],
        },
    )


@permission_required("areas.edit")
def area_handover_note(request, ward_code):
    area = _editable_area(request, ward_code)
    require_perm(request.user, "areas.view_notes", area)
    current = get_object_or_404(area.adviser_assignments.current())
    form = HandoverNoteForm(request.POST or None, initial={"text": current.handover_note})
    if request.method == "POST" and form.is_valid():
        staff_services.handover_note_save(
            assignment=current, text=form.cleaned_data["text"], by=request.user
        )
        messages.success(request, "The handover note is saved.")
        return redirect("areas:detail", ward_code=area.ward_code)
    return render(
        request, "areas/area_form.html", {"area": area, "form": form, "title": "Handover note"}
    )
