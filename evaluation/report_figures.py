"""The figures of an evaluation report, gathered by SQL aggregation for its
scope and period (a placeholder until the figures land)."""

from evaluation.models import Report
from evaluation.report_content import Cell, Column, ReportContent, Section, Table


def gather(report: Report) -> ReportContent:
    areas = Table(
        slug="areas",
        title="Areas in the report",
        columns=[Column("what", "What", numeric=False), Column("count", "Areas")],
        rows=[{"what": Cell.of("Areas"), "count": Cell.of(0)}],
    )
    return ReportContent(
        title=f"Evaluation report: {report.scope_label}",
        scope=report.scope_label,
        period=report.period_label,
        sections=[Section(slug="areas", title="Areas", tables=[areas])],
    )


def open_data(report: Report) -> tuple[list[str], list[list]]:
    """Area-level figures fit to publish (the same suppression as the
    report): a header and one row per area."""
    return ["ward_code", "area"], []
