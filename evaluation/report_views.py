"""The evaluation reports' pages: the list and the form to start one, each
report's progress and outputs, the report itself, and its files.

A report's address uses its id: it tells nobody more than how many reports
have been asked for, and every page fetches the report through
``Report.objects.visible_to``, so an id outside a person's scope is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from advisers.permissions import has_perm, permission_required, require_perm
from evaluation import reports
from evaluation.downloads import report_file_response
from evaluation.forms import ReportStartForm
from evaluation.models import Report
from evaluation.report_content import ReportContent

LIST_LENGTH = 100


def _visible(request):
    return Report.objects.visible_to(request.user).select_related("area", "requested_by")


def _form(request):
    return ReportStartForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        today=timezone.localdate(),
    )


@require_safe
@permission_required("reports.view")
def report_list(request):
    can_start = has_perm(request.user, "reports.start")
    return render(
        request,
        "evaluation/reports/report_list.html",
        {
            "reports": _visible(request)[:LIST_LENGTH],
            "form": _form(request) if can_start else None,
        },
    )


@permission_required("reports.view")
@permission_required("reports.start")
def report_start(request):
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            report = reports.report_request(**form.choice(), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if report.requested_by_id != request.user.pk:
                messages.info(request, "This report was already being built: here it is.")
            return redirect("reports:detail", pk=report.pk)
    return render(request, "evaluation/reports/report_start.html", {"form": form})


@require_safe
@permission_required("reports.view")
def report_detail(request, pk):
    report = get_object_or_404(_visible(request), pk=pk)
    return render(
        request,
        "evaluation/reports/report_detail.html",
        {
            "report": report,
            "progress": reports.report_progress(report),
            "can_retry": report.status == Report.Status.FAILED
            and has_perm(request.user, "reports.start"),
        },
    )


@require_safe
@never_cache
@permission_required("reports.view")
def report_status(request, pk):
    report = get_object_or_404(_visible(request), pk=pk)
    return JsonResponse({**reports.report_progress(report), "failure": report.failure})


@require_POST
@permission_required("reports.view")
def report_retry(request, pk):
    report = get_object_or_404(_visible(request), pk=pk)
    require_perm(request.user, "reports.start")
    report = reports.report_retry(report=report, by=request.user)
    return redirect("reports:detail", pk=report.pk)


@require_safe
@permission_required("reports.view")
def report_read(request, pk):
    report = get_object_or_404(_visible(request), pk=pk, status=Report.Status.DONE)
    content = ReportContent.from_json(report.content)
    context = reports.report_context(report, content, for_pdf=False)
    context["detail_url"] = reverse("reports:detail", kwargs={"pk": report.pk})
    return render(request, "evaluation/reports/report.html", context)


@require_safe
@permission_required("reports.view")
def report_download(request, pk, kind):
    report = get_object_or_404(_visible(request), pk=pk, status=Report.Status.DONE)
    return report_file_response(report, kind)
