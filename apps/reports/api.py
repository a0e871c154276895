from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation

from apps.clubs.api import ScopedClubField
from apps.core.envelope import enveloped_response
from apps.core.errors import Conflict
from apps.core.fields import BoundedDateField
from apps.core.tenancy import TenantScopedMixin
from apps.reports import services
from apps.reports.errors import ReportErrorCode
from apps.reports.models import Report, ReportKind, ReportLine, ReportStatus

DOWNLOAD_CHUNK = 1000


class ReportSerializer(serializers.ModelSerializer):
    date_from = serializers.DateField(source="params.date_from", read_only=True)
    date_to = serializers.DateField(source="params.date_to", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "club", "kind", "date_from", "date_to", "status", "progress", "rows", "error",
                  "download_url", "created_at", "started_at", "finished_at"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str | None:
        return f"/api/v1/reports/{obj.pk}/download/" if obj.status == ReportStatus.READY else None


@extend_schema_field(OpenApiTypes.UUID)
class StaffClubField(ScopedClubField):
    """A club the caller is staff of; any other id is a 400 on `club`."""


class ReportInput(serializers.Serializer):
    club = StaffClubField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    date_from = BoundedDateField()
    date_to = BoundedDateField()


class CsvOrErrorNegotiation(DefaultContentNegotiation):
    """The download answers CSV whatever the Accept header; its errors stay JSON envelopes."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


async def _csv_lines(report_id):
    """Keyset pages of stored lines, fetched off the event loop: flat memory for any size."""
    after = -1
    while True:
        page = await sync_to_async(lambda after=after: list(
            ReportLine.objects.filter(report_id=report_id, n__gt=after).order_by("n")
            .values_list("n", "text")[:DOWNLOAD_CHUNK]))()
        if not page:
            return
        after = page[-1][0]
        yield "".join(text for _n, text in page).encode()


class ReportViewSet(TenantScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """Club staff request reports (202), watch them on the staff stream or here, and download CSV."""

    serializer_class = ReportSerializer
    queryset = Report.objects.select_related("club")
    lookup_value_converter = "uuid"

    @extend_schema(parameters=[OpenApiParameter("club", OpenApiTypes.UUID)])
    def list(self, request, *args, **kwargs):
        qs = self.get_queryset()
        if club := request.query_params.get("club"):
            qs = qs.filter(club_id=serializers.UUIDField().run_validation(club))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=ReportInput, responses={202: ReportSerializer})
    def create(self, request, *args, **kwargs):
        data = ReportInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        report = services.request_report(user=request.user, **data.validated_data)
        report.refresh_from_db()  # an eager build (no Redis) has already finished by now
        return enveloped_response(ReportSerializer(report).data, "Report queued", status=202)

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")})
    @action(detail=True, methods=["get"], content_negotiation_class=CsvOrErrorNegotiation)
    def download(self, request, pk=None):
        report = self.get_object()
        if report.status != ReportStatus.READY:
            raise Conflict(ReportErrorCode.REPORT_NOT_READY, f"The report is {report.status}; download it once ready")
        response = StreamingHttpResponse(_csv_lines(report.pk), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{services.csv_filename(report)}"'
        response["Cache-Control"] = "private, no-store"
        return response
