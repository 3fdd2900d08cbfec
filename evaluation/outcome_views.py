"""An area's outcome records: one to read with its history, and the form
that records or corrects one, beside what the portal already knows of
that quarter."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from advisers.permissions import has_perm, permission_required
from areas.models import Area
from areas.selectors import area_in_scope
from evaluation import outcomes
from evaluation.area_figures import area_figures
from evaluation.models import OutcomeRecord, quarter_label
from evaluation.outcome_forms import OutcomeRecordForm
from nfc.periods import Period

Kind = OutcomeRecord.Kind


def _record(request, area: Area, kind: str, quarter: datetime.date) -> OutcomeRecord | None:
    records = OutcomeRecord.objects.visible_to(request.user).filter(area=area, kind=kind)
    if kind == Kind.QUARTER:
        records = records.filter(quarter=quarter)
    return records.select_related("recorded_by").first()


def _context(area: Area, kind: str, quarter: datetime.date) -> dict:
    """What every page of a record shows: which it is, and what the portal
    already counted for that quarter (never typed again)."""
    figures = area_figures(areas=Area.objects.filter(pk=area.pk), period=Period.quarter(quarter))
    return {
        "area": area,
        "is_baseline": kind == Kind.BASELINE,
        "quarter": quarter,
        "label": (
            f"Baseline for {area.name}"
            if kind == Kind.BASELINE
            else f"{quarter_label(quarter)} for {area.name}"
        ),
        "quarter_label": quarter_label(quarter),
        "slug": outcomes.BASELINE_SLUG if kind == Kind.BASELINE else outcomes.quarter_slug(quarter),
        "figures": figures[area.pk],
    }


def _seen_now(form: OutcomeRecordForm, record: OutcomeRecord | None) -> None:
    # After a refusal, the form remembers the record as it is now, so the
    # next save (the person having checked) corrects it.
    form.data = form.data.copy()
    form.data["seen"] = outcomes.seen_mark(record)


@require_safe
@permission_required("outcomes.view")
def outcome_detail(request, ward_code: str, quarter: str):
    area = area_in_scope(request.user, ward_code, "outcomes.view")
    kind, start = outcomes.outcome_named(area, quarter)
    record = _record(request, area, kind, start)
    if record is None:
        raise Http404
    show_narrative = has_perm(request.user, "areas.view_notes", area)
    return render(
        request,
        "evaluation/outcome_detail.html",
        {
            **_context(area, kind, start),
            "record": record,
            "counts": [
                (OutcomeRecord._meta.get_field(name).verbose_name, getattr(record, name))
                for name in OutcomeRecord.COUNTS
            ],
            "plans": [
                (OutcomeRecord._meta.get_field(name).verbose_name, getattr(record, name))
                for name in OutcomeRecord.PLANS
            ],
            "show_narrative": show_narrative,
            "history": outcomes.record_history(record=record, with_narrative=show_narrative),
            "can_correct": has_perm(request.user, "outcomes.record", area),
        },
    )


@permission_required("outcomes.record")
def outcome_record(request, ward_code: str, quarter: str):
    """Record the baseline or a quarter, or correct the one already there."""
    area = area_in_scope(request.user, ward_code, "outcomes.record")
    kind, start = outcomes.outcome_named(area, quarter)
    today = timezone.localdate()
    record = _record(request, area, kind, start)
    # A record there is may be corrected, even once the area has left; a
    # new one only for the quarters the area may have.
    if record is None and not (
        area.in_programme
        and (kind == Kind.BASELINE or start in outcomes.quarters_open(area=area, today=today))
    ):
        raise Http404
    form = OutcomeRecordForm(
        request.POST if request.method == "POST" else None,
        instance=record,
        baseline=kind == Kind.BASELINE,
        before=outcomes.record_before(area=area, kind=kind, quarter=start),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = outcomes.outcome_record_save(
                area=area,
                kind=kind,
                quarter=start,
                by=request.user,
                values=form.values,
                correcting=record,
                seen=form.cleaned_data["seen"],
                today=today,
            )
        except ValidationError as error:
            form.add_error(None, error)
            _seen_now(form, _record(request, area, kind, start))
        else:
            what = "Baseline" if kind == Kind.BASELINE else quarter_label(start)
            messages.success(request, f"{what} {'corrected' if record else 'recorded'}.")
            return redirect(
                "outcomes:detail", ward_code=area.ward_code, quarter=outcomes.slug_of(saved)
            )
    return render(
        request,
        "evaluation/outcome_form.html",
        {**_context(area, kind, start), "form": form, "record": record},
    )
