"""The dashboard pages: the programme (or a regional lead's region), one
region, and each table as CSV.

The first page holds what a manager reads first: the figures at a glance,
the early warning and what needs attention. The long tables are pages of
their own, a link away (delivery by area, caseloads, the trends by month),
each for the whole programme or one region as the first page is.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from advisers.delivery import Delivery
from advisers.permissions import has_perm, permission_required, require_perm
from areas.models import Region
from casework import audit
from casework.models import REQUEST_AGES, AuditEntry, Topic
from evaluation import cache
from evaluation.dashboard import PERIODS, TABLES, dashboard
from evaluation.forms import DeliveryFilterForm
from nfc.charts import Series, StackedBarChart
from nfc.csv import csv_response

TOPIC_CLASSES = {
    "plan": "series-1",
    "skills": "series-2",
    "people": "series-3",
    "council": "series-4",
    "networks": "series-5",
    "other": "series-6",
}


def _region_for(request, region: str) -> str:
    """The region a page is about: a regional lead's own, or the one asked
    for by someone who sees the whole programme."""
    if not region:
        return request.user.region
    require_perm(request.user, "areas.view_all")
    if region not in Region.values or request.user.region not in ("", region):
        raise Http404
    return region


def _figures(request, region: str):
    form = DeliveryFilterForm(
        request.GET or None,
        for_manager=has_perm(request.user, "caseloads.manage"),
        in_region=bool(region),
    )
    return form, dashboard(user=request.user, region=region, filters=form.filters())


def _charts(figures) -> list[StackedBarChart]:
    months = [f"{row['month']:%b %y}" for row in figures.days_by_month]
    first, last = figures.months.chart[0], figures.months.chart[-1]
    span = f"{first:%B %Y} to {last:%B %Y} (so far)"
    areas = len(figures.deliveries)
    days = figures.days_by_month
    given = sum(float(r["adviser"]) + float(r["worker"]) for r in days)
    due = sum(float(r["due"]) for r in days)
    topics = figures.topics_by_month
    by_status = figures.delivery_by_month
    latest = by_status[-1]
    return [
        StackedBarChart(
            slug="days-by-month",
            title="Days given each month",
            summary=(
                f"Days given by advisers and community workers each month, {span}: "
                f"{given:,.0f} days in all across {areas} areas, of {due:,.0f} promised."
            ),
            series=[
                Series("adviser", "Adviser days", "series-1"),
                Series("worker", "Community worker days", "series-3"),
            ],
            categories=months,
            rows=days,
            unit=("day", "days"),
            target_key="due",
            target_label="Days promised",
        ),
        StackedBarChart(
            slug="requests-by-month",
            title="New requests each month, by what they are about",
            summary=(
                f"Requests for help received each month, {span}: "
                f"{sum(sum(r[t] for t in Topic.values) for r in topics):,} in all."
            ),
            series=[Series(t, label, TOPIC_CLASSES[t]) for t, label in Topic.choices],
            categories=months,
            rows=topics,
            unit=("request", "requests"),
        ),
        StackedBarChart(
            slug="delivery-by-month",
            title="Areas on track, behind and far behind each month",
            summary=(
                f"How many areas got their promised days each month, {span}. This month so far: "
                f"{latest[Delivery.ON_TRACK]} on track, {latest[Delivery.BEHIND]} behind, "
                f"{latest[Delivery.FAR_BEHIND]} far behind."
            ),
            series=[
                Series(status, Delivery.LABELS[status], f"status-{status}")
                for status in reversed(Delivery.ORDER)
            ],
            categories=months,
            rows=by_status,
            unit=("area", "areas"),
        ),
    ]


# Each of the dashboard's pages: its title, its template, and its address
# for the whole programme (or a regional lead's region) and for one region.
PAGES = {
    "index": ("Dashboard", "evaluation/_dashboard_body.html", "index", "region"),
    "delivery": (
        "Delivery by area",
        "evaluation/_dashboard_delivery.html",
        "delivery",
        "region_delivery",
    ),
    "caseloads": (
        "Caseloads",
        "evaluation/_dashboard_caseloads.html",
        "caseloads",
        "region_caseloads",
    ),
    "trends": ("Trends by month", "evaluation/_dashboard_trends.html", "trends", "region_trends"),
}


def _addresses(request, region: str) -> dict[str, str]:
    """Where each dashboard page is for this person: the region's own
    addresses for someone who chose one, the plain ones for everyone else
    (a regional lead's are their region's)."""
    chosen = bool(region) and not request.user.region
    return {
        page: reverse(f"dashboard:{by_region}", kwargs={"region": region})
        if chosen
        else reverse(f"dashboard:{plain}")
        for page, (_, _, plain, by_region) in PAGES.items()
    }


def _render(request, region: str, page: str = "index"):
    key = cache.page_key(user=request.user, region=region, page=page, query=request.GET.urlencode())
    body = cache.page_get(key)
    if body is None:
        body = _draw(request, region, page)
        cache.page_set(key, body)
    title, *_ = PAGES[page]
    region_label = Region(region).label if region else ""
    return render(
        request,
        "evaluation/dashboard.html",
        {"body": body, "title": ": ".join(filter(None, [title, region_label]))},
    )


def _draw(request, region: str, page: str) -> str:
    if page == "delivery":
        form, figures = _figures(request, region)
    else:
        # The delivery table's filters are on its own page; the others show
        # the areas at a glance over the last three months.
        form, figures = (
            None,
            dashboard(user=request.user, region=region, first_page=page == "index"),
        )
    query = request.GET.copy()
    for key in ("status", "sort"):
        query.pop(key, None)
    title, template, *_ = PAGES[page]
    return render_to_string(
        template,
        {
            "form": form,
            "figures": figures,
            "charts": _charts(figures) if page == "trends" else [],
            "title": title,
            "pages": _addresses(request, region),
            "region": region,
            "region_label": Region(region).label if region else "",
            "regions": Region.choices if figures.scope.is_programme else [],
            "periods": PERIODS,
            "period": figures.filters.period,
            "statuses": Delivery.LABELS,
            "ages": REQUEST_AGES,
            "filter_query": query.urlencode(),
            "can_manage": has_perm(request.user, "caseloads.manage"),
            "can_triage": has_perm(request.user, "casework.triage"),
            "today": timezone.localdate(),
            "adviser_days": settings.NFC_ADVISER_DAYS_PER_AREA,
            "worker_days": settings.NFC_COMMUNITY_WORKER_DAYS_PER_AREA,
            "on_track_share": round(settings.NFC_DELIVERY_ON_TRACK_SHARE * 100),
            "far_behind_share": round(settings.NFC_DELIVERY_FAR_BEHIND_SHARE * 100),
            "weights": settings.NFC_RISK_WEIGHTS,
            "outcome_due_days": settings.NFC_OUTCOME_DUE_DAYS,
            "outcome_record_due_days": settings.NFC_OUTCOME_RECORD_DUE_DAYS,
        },
        request=request,
    )


def _first_page(request, region: str):
    """The first page; an address with the delivery table's filters (one
    kept from when the table was on this page) opens that table."""
    if request.GET.keys() & set(DeliveryFilterForm.base_fields):
        return redirect(f"{_addresses(request, region)['delivery']}?{request.GET.urlencode()}")
    return _render(request, region)


@require_safe
@permission_required("dashboard.view")
def programme(request):
    """The whole programme for a manager, their region for a regional lead,
    their caseload for an adviser or community worker."""
    return _first_page(request, _region_for(request, ""))


@require_safe
@permission_required("dashboard.view")
def region(request, region):
    return _first_page(request, _region_for(request, region))


@require_safe
@permission_required("dashboard.view")
def delivery(request, region=""):
    """Every area's days given against days promised, filtered and ordered."""
    return _render(request, _region_for(request, region), "delivery")


@require_safe
@permission_required("dashboard.view")
def caseloads(request, region=""):
    """Each adviser's and community worker's areas against the caps."""
    require_perm(request.user, "caseloads.manage")
    return _render(request, _region_for(request, region), "caseloads")


@require_safe
@permission_required("dashboard.view")
def trends(request, region=""):
    """Days given, requests and delivery each month, as charts and tables."""
    return _render(request, _region_for(request, region), "trends")


@require_safe
@permission_required("dashboard.view")
def export(request, table, region=""):
    if table not in TABLES:
        raise Http404
    if table in ("advisers", "community-workers"):
        require_perm(request.user, "caseloads.manage")
    region = _region_for(request, region)
    _, figures = _figures(request, region)
    header, rows = TABLES[table](figures)
    place = f"-{region}" if region else ""
    filename = f"{table}{place}-{timezone.localdate():%Y-%m-%d}.csv"
    audit.looked_at(
        obj=request.user,
        by=request.user,
        action=AuditEntry.Action.EXPORTED,
        details={"file": filename, "filters": request.GET.urlencode()},
    )
    return csv_response(filename, header, rows)
