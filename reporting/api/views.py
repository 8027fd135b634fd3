"""API views of reporting: annual report runs (request one, follow it, read its published document) and
service returns (a provider agency's figures for the report). Who sees what is decided in
reporting.selectors: the report roles every run, an agency's key the runs its agency requested; anything
else is 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.base import AccessLoggedListApi, access_log_view
from agencies.api.errors import ErrorsOutputSerializer
from agencies.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from agencies.api.permissions import IsAgencyActor
from reporting.api.serializers import (
    ReportRunCreatedOutputSerializer,
    ReportRunDetailOutputSerializer,
    ReportRunFilterSerializer,
    ReportRunInputSerializer,
    ReportRunOutputSerializer,
    ServiceMetricOutputSerializer,
    ServiceReturnFilterSerializer,
    ServiceReturnInputSerializer,
    ServiceReturnOutputSerializer,
)
from reporting.models import ReportRun, ServiceReturn
from reporting.selectors import (
    can_run_reports,
    can_submit_service_returns,
    has_report_role,
    report_run_get,
    report_run_list,
    service_metric_choices,
    service_return_list,
)
from reporting.services import report_run_request, service_return_submit


class CanRunReports(IsAgencyActor):
    """A report role, or an agency's key (a read-only key may only read)."""

    message = "Your role does not allow running reports."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and can_run_reports(request.user)


class CanUseServiceReturns(IsAgencyActor):
    """A user with a role at an agency or an agency's key (submitting needs a write key); report roles too."""

    message = "Your role does not allow service returns."

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = request.user
        return super().has_permission(request, view) and (can_submit_service_returns(actor) or has_report_role(actor))


RUN_PERMISSIONS: list[type[BasePermission]] = [CanRunReports]

_ERRORS_400 = OpenApiResponse(response=ErrorsOutputSerializer, description="Field errors; nothing is written.")
_ERRORS_403 = OpenApiResponse(
    response=ErrorsOutputSerializer, description="The caller's role (or read-only key) does not allow this."
)


def published_data(run: ReportRun) -> dict[str, Any] | None:
    """The run's document as it may leave the system (disclosure control), once done; else None."""
    if run.status != ReportRun.Status.DONE or run.result is None:
        return None
    from reporting.disclosure import published

    return published(run.result, settings.DASV_DISCLOSURE_THRESHOLD)


@extend_schema_view(get=extend_schema(parameters=[ReportRunFilterSerializer]))
class ReportRunListApi(AccessLoggedListApi):
    """Annual report runs the caller may see, newest first (without their documents); request one (`POST`)."""

    permission_classes = RUN_PERMISSIONS
    serializer_class = ReportRunOutputSerializer
    filter_serializer_class = ReportRunFilterSerializer
    logged_model = ReportRun

    def get_queryset(self) -> Any:
        runs = report_run_list(actor=self.request.user).filter(kind=ReportRun.Kind.ANNUAL)
        filters = self.filters()
        if filters.get("status"):
            runs = runs.filter(status=filters["status"])
        return runs

    @extend_schema(
        request=ReportRunInputSerializer,
        responses={202: ReportRunCreatedOutputSerializer, 400: _ERRORS_400, 403: _ERRORS_403},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="Queues the annual report of `period` for `area` (or the whole partnership) and answers "
        "202 with the run's id and status; follow it at `GET /api/v1/reports/annual/{id}/` until `status` is "
        "`done`. 400 with field errors (nothing written) for a period that cannot be read or an unknown area.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = ReportRunInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        run = report_run_request(actor=request.user, kind=ReportRun.Kind.ANNUAL, **serializer.validated_data)
        # The status now: an eager run (no broker) may already have finished (see the serializer).
        run.refresh_from_db(fields=["status"])
        return Response(ReportRunCreatedOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ReportRunDetailApi(APIView):
    """One annual report run: its status and progress, and its published document (`data`) once done."""

    permission_classes = RUN_PERMISSIONS

    @extend_schema(
        responses={
            200: ReportRunDetailOutputSerializer,
            403: _ERRORS_403,
            404: OpenApiResponse(response=ErrorsOutputSerializer, description="No run the caller may see."),
        }
    )
    def get(self, request: Request, pk: int) -> Response:
        run = report_run_get(actor=request.user, pk=pk)
        if run.kind != ReportRun.Kind.ANNUAL:
            raise Http404
        access_log_view(request, run)
        return Response(ReportRunDetailOutputSerializer(run, context={"data": published_data(run)}).data)


@extend_schema_view(get=extend_schema(parameters=[ServiceReturnFilterSerializer]))
class ServiceReturnListApi(AccessLoggedListApi):
    """Service returns: the caller's agency's (the report roles see every agency's); submit one (`POST`)."""

    permission_classes = [CanUseServiceReturns]
    serializer_class = ServiceReturnOutputSerializer
    filter_serializer_class = ServiceReturnFilterSerializer
    logged_model = ServiceReturn

    def get_queryset(self) -> Any:
        return service_return_list(actor=self.request.user, **self.filters())

    @extend_schema(
        request=ServiceReturnInputSerializer,
        responses={201: ServiceReturnOutputSerializer, 400: _ERRORS_400, 403: _ERRORS_403},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="Records the caller's agency's figure for a metric, an area and a period; the same "
        "metric, area and period again replaces the value. 400 with field errors (nothing written) for an "
        "unknown metric or one the agency's kind does not report, an unknown area, a period ending before "
        "it starts, or a negative value.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = ServiceReturnInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        service_return = service_return_submit(actor=request.user, **serializer.validated_data)
        return Response(ServiceReturnOutputSerializer(service_return).data, status=status.HTTP_201_CREATED)


class ServiceMetricListApi(generics.ListAPIView):
    """The metrics the caller's agency reports as service returns (by its kind), in the catalogue's order."""

    permission_classes = [CanUseServiceReturns]
    serializer_class = ServiceMetricOutputSerializer

    def get_queryset(self) -> Any:
        return service_metric_choices(actor=self.request.user).select_related("part_of", "subset_of")
