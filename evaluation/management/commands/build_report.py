"""Build an evaluation report here and now, without a worker:

    python manage.py build_report --kind programme --from 2026-01-01 --to 2026-12-31

``--timings`` prints one JSON line per stage (seconds, and the process's
peak resident memory so far), then the total; make bench reads them.
"""

import datetime
import json
import resource
import time

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from areas.models import Area, Cohort, Region
from evaluation import reports
from evaluation.models import Report


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date like 2026-01-31") from error


def _peak_rss_mb() -> float:
    # Linux gives kilobytes.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class Command(BaseCommand):
    help = "Build an evaluation report in this process and say where its files are."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=Report.Kind.values)
        parser.add_argument("--region", choices=Region.values, default="")
        parser.add_argument("--cohort", type=int, choices=Cohort.values)
        parser.add_argument("--area", metavar="WARD_CODE", help="the area's ward code")
        parser.add_argument("--from", dest="start", required=True, type=_day, metavar="DATE")
        parser.add_argument(
            "--to", dest="last", required=True, type=_day, metavar="DATE", help="included"
        )
        parser.add_argument(
            "--timings", action="store_true", help="print each stage's time and memory as JSON"
        )

    def handle(self, *args, kind, region, cohort, area, start, last, timings, **options):
        if last < start:
            raise CommandError("--to must not be before --from.")
        the_area = None
        if kind == Report.Kind.REGION and not region:
            raise CommandError("A region report needs --region.")
        if kind == Report.Kind.COHORT and not cohort:
            raise CommandError("A cohort report needs --cohort.")
        if kind == Report.Kind.AREA:
            the_area = Area.objects.filter(ward_code=area).first() if area else None
            if the_area is None:
                raise CommandError("An area report needs --area with a known ward code.")
        end = last + datetime.timedelta(days=1)
        report = reports.report_request(
            kind=kind,
            region=region,
            cohort=cohort,
            area=the_area,
            span=reports.span_of(start, end),
            start=start,
            end=end,
            by=None,
            enqueue=False,
        )
        if report.status != Report.Status.QUEUED or report.enqueued_at is not None:
            # Someone else's: asked for on the page or by the schedule (a
            # worker will build it), or being built by another run.
            raise CommandError(
                f"The same report has been asked for already (report {report.pk}, "
                f"{report.get_status_display().lower()}); see it on the reports page."
            )
        claimed = reports.report_claim(report_id=report.pk)
        if claimed is None:
            raise CommandError(
                f"The same report is being built elsewhere now (report {report.pk}); "
                "see it on the reports page."
            )

        began = time.perf_counter()
        mark = {"stage": "", "at": began}

        def on_stage(stage: str) -> None:
            now = time.perf_counter()
            if timings and mark["stage"]:
                self._line(mark["stage"], now - mark["at"])
            mark.update(stage=stage, at=now)

        try:
            report = reports.report_build_claimed(report=claimed, on_stage=on_stage)
        except BaseException:
            # Not left "being built", which would hold up the same report
            # asked for on the page until the sweep gave up on it; only this
            # run's claim is marked (reports.report_fail).
            reports.report_fail(
                report=claimed,
                failure="Its build by the build_report command stopped before the end. Try again.",
            )
            raise
        if timings:
            self._line("total", time.perf_counter() - began)
            return
        storage = storages["reports"]
        self.stdout.write(f"Report {report.pk}: {report} ({report.get_status_display()})")
        for label, field in (("PDF", report.pdf), ("Workbook", report.workbook)):
            self.stdout.write(f"{label}: {self._where(storage, field.name)}")
        self.stdout.write(f"Open data: {self._where(storage, report.open_data.name)}")

    def _line(self, stage: str, seconds: float) -> None:
        self.stdout.write(
            json.dumps(
                {"stage": stage, "seconds": round(seconds, 3), "peak_rss_mb": _peak_rss_mb()}
            )
        )

    @staticmethod
    def _where(storage, name: str) -> str:
        try:
            return storage.path(name)
        except NotImplementedError:
            # An S3-compatible store has no local path.
            return f"{name} in the reports store"
