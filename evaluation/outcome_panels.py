"""Outcome records on the pages of the apps below: an area's baseline and
quarters on its outcomes page, and an adviser's missing ones on their home page.
Connected in EvaluationConfig.ready."""

import html

from django.conf import settings
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from advisers.permissions import has_perm
from advisers.signals import home_page_panels
from areas.links import addresses
from areas.signals import OUTCOMES, area_page_panels
from evaluation import outcomes


@receiver(area_page_panels, dispatch_uid="evaluation.outcomes")
def area_outcomes_panel(sender, *, request, area, page, **kwargs) -> str | None:
    """The area's baseline, its quarters recorded and those missing, with
    links to record them (for those who may)."""
    # The page fetched the area through Area.objects.visible_to, the same
    # scope as outcomes.view's: no need to ask again of the area.
    if page != OUTCOMES or not has_perm(request.user, "outcomes.view"):
        return None
    owed = outcomes.area_outcomes(area=area, today=timezone.localdate())
    if not (area.in_programme or owed.items):
        return None
    # A long-standing area owes some forty quarters: each one's addresses
    # and due day are made here, once, not by template tags row by row.
    detail = addresses("outcomes:detail", 2)
    record = addresses("outcomes:record", 2)
    rows = []
    for due in reversed(owed.items):
        rows.append(
            {
                "due": due,
                "url": detail(area.ward_code, due.slug) if due.recorded else "",
                "record_url": record(area.ward_code, due.slug),
                "due_by": f"{due.due_by:%-d %b %Y}",
            }
        )
    return render_to_string(
        "evaluation/_area_outcomes.html",
        {
            "area": area,
            "outcomes": owed,
            "rows": rows,
            "can_record": has_perm(request.user, "outcomes.record", area),
            "due_days": settings.NFC_OUTCOME_RECORD_DUE_DAYS,
        },
        request=request,
    )


@receiver(home_page_panels, dispatch_uid="evaluation.missing_outcomes")
def missing_outcomes_panel(sender, *, request, caseload, **kwargs) -> str | None:
    """For an adviser: the records their areas (``caseload``) still owe, the
    oldest first."""
    if not has_perm(request.user, "outcomes.record"):
        return None
    if not any(area.in_programme for area in caseload):
        return None
    return _missing_panel(outcomes.outcomes_missing(areas=caseload, today=timezone.localdate()))


def _missing_panel(missing) -> SafeString:
    """The home page's part around the records to make, written here rather
    than by a template of its own (drawing it cost more than its rows)."""
    if missing:
        inside = (
            "\n    <p>Your areas' baselines and quarters with no record yet, the most pressing"
            " first. Each takes a few minutes with the local group.</p>\n"
            '    <ul class="outcome-list">\n'
            f"      {_missing_lines(missing)}\n"
            "    </ul>\n  "
        )
    else:
        inside = "\n    <p>Every outcome record due from your areas is in.</p>\n  "
    # The rows are escaped by _missing_lines; the rest is this function's
    # own markup.
    return mark_safe(
        '<section aria-labelledby="missing-outcomes-title">\n'
        '  <h2 id="missing-outcomes-title">Outcome records to make</h2>\n'
        f"  {inside}\n"
        "</section>\n"
    )


def _missing_lines(missing) -> SafeString:
    """The home page's records to make, an <li> each, written here rather
    than by the template's loop (an adviser's areas can owe a few dozen)."""
    record = addresses("outcomes:record", 2)
    lines = []
    for area, due in missing:
        what = "baseline" if due.is_baseline else html.escape(str(due.label))
        if due.overdue:
            badge = '<span class="badge status-far_behind">Overdue</span>'
        else:
            badge = (
                f'<span class="badge status-behind">Due by {due.due_by.day} {due.due_by:%b}</span>'
            )
        lines.append(
            "\n        <li>\n"
            f'          <a href="{html.escape(str(record(area.ward_code, due.slug)))}">'
            f"{html.escape(str(area.name))}: {what}</a>\n"
            f"          {badge}\n"
            "        </li>\n      "
        )
    # Every name and label is escaped above (the addresses too); the rest
    # is this function's own markup.
    return mark_safe("".join(lines))
