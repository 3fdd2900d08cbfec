"""The evaluation API: an area's outcome records (read, record, correct)
and evaluation reports (list, start, follow, download), over the same
querysets, forms and services as the web's pages."""

from functools import cached_property

import django_filters
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from advisers.permissions import has_perm
from areas.models import Area
from areas.selectors import area_in_scope
from evaluation import outcomes, reports
from evaluation.api.serializers import (
    OutcomeRecordCorrectionSerializer,
    OutcomeRecordNewSerializer,
    OutcomeRecordSerializer,
    ReportSerializer,
    ReportStartSerializer,
)
from evaluation.downloads import DOWNLOADS, report_file_response
from evaluation.forms import ReportStartForm
from evaluation.models import OutcomeRecord, Report
from evaluation.outcome_forms import OutcomeRecordForm
from nfc.api.forms import form_data, valid
from nfc.api.views import Scoped

Kind = OutcomeRecord.Kind

# --- Outcome records --------------------------------------------------------------


def _context(request, area: Area) -> dict:
    # The narrative is what staff write: not for evaluators, as on the web.
    return {"request": request, "show_narrative": has_perm(request.user, "areas.view_notes", area)}


class OutcomeRecordFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OutcomeRecord.Kind.choices)

    class Meta:
        model = OutcomeRecord
        fields = ["kind"]


class OutcomeRecordListView(Scoped, generics.ListAPIView):
    """An area's baseline and quarterly records, oldest first. POST records
    the baseline (``kind`` baseline) or a quarter (``kind`` quarter and
    ``quarter`` like "2026-q3"): those who record outcomes for the area
    (advisers: their own areas)."""

    required_perm = "outcomes.view"
    required_perm_to_change = "outcomes.record"
    queryset = OutcomeRecord.objects.select_related("area", "recorded_by")
    serializer_class = OutcomeRecordSerializer
    filterset_class = OutcomeRecordFilter

    @cached_property
    def area(self) -> Area:
        return area_in_scope(self.request.user, self.kwargs["ward_code"], "outcomes.view")

    def get_queryset(self):
        return super().get_queryset().filter(area=self.area).order_by("quarter", "kind", "pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_context(self.request, self.area)}

    @extend_schema(request=OutcomeRecordNewSerializer, responses={201: OutcomeRecordSerializer})
    def post(self, request, ward_code):
        area = area_in_scope(request.user, ward_code, "outcomes.record")
        data = form_data(request.data, allowed=OutcomeRecordNewSerializer().fields)
        kind = data.pop("kind", None)
        slug = data.pop("quarter", "")
        quarter = None
        if kind not in Kind.values:
            raise serializers.ValidationError(
                {"kind": ['Say which record: "baseline" or "quarter".']}
            )
        if kind == Kind.QUARTER:
            quarter = outcomes.quarter_from_slug(slug)
            if quarter is None:
                raise serializers.ValidationError({"quarter": ['Give the quarter like "2026-q3".']})
        form = OutcomeRecordForm(data=data, baseline=kind == Kind.BASELINE)
        valid(form)
        record = outcomes.outcome_record_save(
            area=area,
            kind=kind,
            quarter=quarter,
            by=request.user,
            values=form.values,
            today=timezone.localdate(),
        )
        return Response(
            OutcomeRecordSerializer(record, context=_context(request, area)).data,
            status=status.HTTP_201_CREATED,
        )


class OutcomeRecordDetailView(generics.GenericAPIView):
    """One record: "baseline" or a quarter ("2026-q3"). PATCH corrects it
    (send only what changes, and ``seen`` as you read it: a correction on
    top of someone else's since is refused, with what to do)."""

    required_perm = "outcomes.view"
    required_perm_to_change = "outcomes.record"
    serializer_class = OutcomeRecordSerializer

    def _record(self, request, area: Area, slug: str) -> OutcomeRecord:
        kind, quarter = outcomes.outcome_named(area, slug)
        records = OutcomeRecord.objects.visible_to(request.user).filter(area=area, kind=kind)
        if kind == Kind.QUARTER:
            records = records.filter(quarter=quarter)
        return get_object_or_404(records.select_related("area", "recorded_by"))

    @extend_schema(responses=OutcomeRecordSerializer)
    def get(self, request, ward_code, quarter):
        area = area_in_scope(request.user, ward_code, "outcomes.view")
        record = self._record(request, area, quarter)
        return Response(OutcomeRecordSerializer(record, context=_context(request, area)).data)

    @extend_schema(
        request=OutcomeRecordCorrectionSerializer(partial=True), responses=OutcomeRecordSerializer
    )
    def patch(self, request, ward_code, quarter):
        area = area_in_scope(request.user, ward_code, "outcomes.record")
        record = self._record(request, area, quarter)
        sent = form_data(request.data, allowed=OutcomeRecordCorrectionSerializer().fields)
        if not sent.get("seen"):
            raise serializers.ValidationError(
                {"seen": ["Send the record's seen value as you read it."]}
            )
        data = {name: getattr(record, name) for name in outcomes.TYPED}
        data.update(sent)
        form = OutcomeRecordForm(data=data, instance=record, baseline=record.kind == Kind.BASELINE)
        cleaned = valid(form)
        try:
            saved = outcomes.outcome_record_save(
                area=area,
                kind=record.kind,
                quarter=record.quarter,
                by=request.user,
                values=form.values,
                correcting=record,
                seen=cleaned["seen"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) != "changed":
                raise
            # In a script's words: the web's ("your figures are still here")
            # speak of its form.
            raise serializers.ValidationError({"seen": [CHANGED_SINCE_READ]}) from None
        return Response(OutcomeRecordSerializer(saved, context=_context(request, area)).data)


CHANGED_SINCE_READ = (
    "Someone saved this record since you read it: nothing was saved, and what they "
    "saved is in its history. Read it again, and send its new seen value."
)


# --- Reports ------------------------------------------------------------------------


class ReportListView(Scoped, generics.ListAPIView):
    """The evaluation reports you may read (advisers and community workers:
    their own areas'; a regional lead: their region's), newest first. POST
    starts one (those who may; a regional lead for their region or its
    areas): its job is queued, and the report's address follows it."""

    required_perm = "reports.view"
    required_perm_to_change = "reports.start"
    queryset = Report.objects.select_related("area", "requested_by").order_by("-requested_at")
    serializer_class = ReportSerializer

    @extend_schema(
        request=ReportStartSerializer,
        responses={
            201: ReportSerializer,
            200: OpenApiResponse(ReportSerializer, description="The same report, being built."),
        },
    )
    def post(self, request):
        user = request.user
        data = form_data(request.data, allowed=ReportStartSerializer().fields)
        if data.get("area"):
            found = (
                Area.objects.visible_to(user)
                .filter(ward_code=data["area"])
                .values_list("pk", flat=True)
                .first()
            )
            data["area"] = found if found is not None else data["area"]
        form = ReportStartForm(data=data, user=user, today=timezone.localdate())
        valid(form)
        report = reports.report_request(**form.choice(), by=user)
        report = self.get_queryset().get(pk=report.pk)
        # Asked for while the same one was being built: that one, as on the web.
        fresh = report.requested_by_id == user.pk
        return Response(
            ReportSerializer(report, context={"request": request}).data,
            status=status.HTTP_201_CREATED if fresh else status.HTTP_200_OK,
        )


class ReportDetailView(Scoped, generics.RetrieveAPIView):
    """One report: its scope, its period, how far its job has got and why it
    failed (in words), and where to download its files once it is done."""

    required_perm = "reports.view"
    queryset = Report.objects.select_related("area", "requested_by")
    serializer_class = ReportSerializer


class ReportDownloadView(Scoped, generics.GenericAPIView):
    """A finished report's PDF, workbook (xlsx) or open data (csv), as the
    web serves them: an attachment no cache keeps. 404 until it is done."""

    required_perm = "reports.view"
    queryset = Report.objects.filter(status=Report.Status.DONE)
    serializer_class = None

    def perform_content_negotiation(self, request, force=False):
        # A file, not JSON: whatever the caller accepts, the file is the answer.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="reports_download",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, DOWNLOADS["xlsx"][1].split(";")[0]): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request, pk, kind):
        report = get_object_or_404(self.get_queryset(), pk=pk)
        return report_file_response(report, kind)
