"""The demo's evaluation report: one finished programme report for last
year, built here and now (so a newcomer sees one after `make run`)."""

import datetime

from django.utils import timezone

from advisers.models import User
from evaluation import reports
from evaluation.models import Report

# The demo's evaluator asked for it, so the list says who, as for any report.
ASKED_BY = "evaluator@example.org"


def demo_report_seed() -> Report:
    """Build last year's programme report, unless the demo has one."""
    year = timezone.localdate().year - 1
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    built = Report.objects.filter(
        scope_key="programme", period_start=start, period_end=end, status=Report.Status.DONE
    ).first()
    if built:
        return built
    report = reports.report_request(
        kind=Report.Kind.PROGRAMME,
        span=Report.Span.YEAR,
        start=start,
        end=end,
        by=User.objects.filter(email=ASKED_BY).first(),
        enqueue=False,
    )
    return reports.report_build(report_id=report.pk)
