"""The dashboard's part of an area's page: its early-warning score and the
reasons for it, as on its row of the dashboard."""

from django.dispatch import receiver
from django.template.loader import render_to_string

from advisers.permissions import has_perm
from areas.signals import OVERVIEW, area_page_panels
from evaluation.dashboard import area_early_warning


@receiver(area_page_panels, dispatch_uid="evaluation.early_warning")
def early_warning_panel(sender, *, request, area, page, **kwargs) -> str | None:
    if page != OVERVIEW or not has_perm(request.user, "dashboard.view"):
        return None
    delivery = area_early_warning(area=area)
    if delivery is None:
        return None
    # Drawn without the request: the panel needs none of what the context
    # processors add, and they would work out the menu a second time.
    return render_to_string("evaluation/_area_early_warning.html", {"delivery": delivery})
