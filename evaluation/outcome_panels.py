"""Outcome records on the pages of the apps below: an area's baseline and
quarters on its page, and an adviser's missing ones on their home page.
Connected in EvaluationConfig.ready."""

from django.conf import settings
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone

from advisers.permissions import has_perm
from advisers.signals import home_page_panels
from areas.models import Area
from areas.signals import area_page_panels
from evaluation import outcomes


@receiver(area_page_panels, dispatch_uid="evaluation.outcomes")
def area_outcomes_panel(sender, *, request, area, **kwargs) -> str | None:
    """The area's baseline, its quarters recorded and those missing, with
    links to record them (for those who may)."""
    # The page fetched the area through Area.objects.visible_to, the same
    # scope as outcomes.view's: no need to ask again of the area.
    if not has_perm(request.user, "outcomes.view"):
        return None
    owed = outcomes.area_outcomes(area=area, today=timezone.localdate())
    if not (area.in_programme or owed.items):
        return None
    return render_to_string(
        "evaluation/_area_outcomes.html",
        {
            "area": area,
            "outcomes": owed,
            "can_record": has_perm(request.user, "outcomes.record", area),
            "due_days": settings.NFC_OUTCOME_RECORD_DUE_DAYS,
        },
        request=request,
    )


@receiver(home_page_panels, dispatch_uid="evaluation.missing_outcomes")
def missing_outcomes_panel(sender, *, request, **kwargs) -> str | None:
    """For an adviser: the records their areas still owe, the oldest first."""
    user = request.user
    if not has_perm(user, "outcomes.record"):
        return None
    areas = Area.objects.advised_by(user).in_programme()
    found = outcomes.outcomes_due(areas=areas, today=timezone.localdate())
    if not found:
        return None
    missing = [(row.area, due) for row in found.values() for due in row.missing]
    missing.sort(key=lambda pair: (pair[1].due_by, pair[0].name))
    return render_to_string("evaluation/_home_outcomes.html", {"missing": missing}, request=request)
