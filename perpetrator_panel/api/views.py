"""API views of the perpetrator panel: panel cases (read-only: panel members open them in the UI) and panel
actions, with the assigned agency's steps and the perpetrator's compliance, each starting from what the
caller may see (perpetrator_panel.selectors; ADR 0010)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.actions import ActionCompleteStepApi, ActionNotDoneStepApi, ActionUpdateStepApi, action_step_schema
from agencies.api.base import AccessLoggedListApi, access_log_view
from agencies.api.errors import ErrorsOutputSerializer
from agencies.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from agencies.api.permissions import IsAgencyActor
from cases.models import Case
from perpetrator_panel.api.serializers import (
    PanelActionComplianceInputSerializer,
    PanelActionFilterSerializer,
    PanelActionOutputSerializer,
    PanelCaseDetailOutputSerializer,
    PanelCaseFilterSerializer,
    PanelCaseOutputSerializer,
)
from perpetrator_panel.models import PanelAction, PanelCase
from perpetrator_panel.selectors import (
    is_panel_member,
    panel_action_get,
    panel_action_list,
    panel_case_detail,
    panel_case_list,
)
from perpetrator_panel.services import panel_action_compliance_record

# --- Panel cases -----------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[PanelCaseFilterSerializer]))
class PanelCaseListApi(AccessLoggedListApi):
    """Panel cases, newest first: for panel members and the police (any other caller lists none). Read-only:
    panel members open cases in the panel's pages."""

    serializer_class = PanelCaseOutputSerializer
    filter_serializer_class = PanelCaseFilterSerializer
    logged_model = PanelCase

    def get_queryset(self) -> Any:
        # The linked cases' ids only, in one query for the page.
        return panel_case_list(actor=self.request.user, **self.filters()).prefetch_related(
            Prefetch("cases", queryset=Case.objects.only("pk"))
        )


class PanelCaseDetailApi(APIView):
    """One panel case: its scores and their parts, the victims (by name, with current risk; never their
    safe contact), the tactical plan, the status history and the referrals it answers."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=PanelCaseDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        panel_case = panel_case_detail(actor=request.user, pk=pk)
        access_log_view(request, panel_case)
        return Response(PanelCaseDetailOutputSerializer(panel_case).data)


# --- Panel actions ---------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[PanelActionFilterSerializer]))
class PanelActionListApi(AccessLoggedListApi):
    """Panel actions, earliest due first: panel members and the police see all; any other agency only those
    assigned to it."""

    serializer_class = PanelActionOutputSerializer
    filter_serializer_class = PanelActionFilterSerializer
    logged_model = PanelAction

    def get_queryset(self) -> Any:
        return panel_action_list(actor=self.request.user, **self.filters())


class PanelActionDetailApi(APIView):
    """One panel action, with its progress notes and the perpetrator's compliance."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=PanelActionOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        action = panel_action_get(actor=request.user, pk=pk)
        access_log_view(request, action)
        return Response(PanelActionOutputSerializer(action).data)


class _PanelActionStep:
    """The panel's side of the shared steps: actions the caller may see, answered in the panel's shape."""

    get_action = staticmethod(panel_action_get)
    output_serializer_class = PanelActionOutputSerializer


@action_step_schema
class PanelActionUpdateApi(_PanelActionStep, ActionUpdateStepApi):
    """Add a progress note to a panel action of the caller's agency."""


@action_step_schema
class PanelActionCompleteApi(_PanelActionStep, ActionCompleteStepApi):
    """Record a panel action of the caller's agency as done."""


@action_step_schema
class PanelActionNotDoneApi(_PanelActionStep, ActionNotDoneStepApi):
    """Record a panel action of the caller's agency as not done, with the reason."""


class PanelActionComplianceApi(APIView):
    """Record the perpetrator's compliance with a panel action: the agency it is assigned to, or a panel
    member."""

    permission_classes = [IsAgencyActor]

    @extend_schema(
        request=PanelActionComplianceInputSerializer,
        responses={
            200: PanelActionOutputSerializer,
            400: OpenApiResponse(response=ErrorsOutputSerializer, description="Refused; nothing is written."),
            403: OpenApiResponse(
                response=ErrorsOutputSerializer,
                description="The caller may see the action but is neither its agency nor a panel member (or the "
                "key only reads).",
            ),
            404: OpenApiResponse(response=ErrorsOutputSerializer, description="No action the caller may see."),
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="Records whether the perpetrator complied with what the action asks of him (`complied`, "
        "`partly`, `did_not_comply`; empty when not applicable). Answers the action.",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        action = panel_action_get(actor=request.user, pk=pk)
        # Checked before the body, so that a caller who may not act learns nothing from validation.
        if action.assigned_agency_id != request.user.agency.pk and not is_panel_member(request.user):
            raise PermissionDenied("Only the agency the action is assigned to, or the panel, records compliance.")
        serializer = PanelActionComplianceInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        panel_action_compliance_record(actor=request.user, action=action, **serializer.validated_data)
        return Response(PanelActionOutputSerializer(panel_action_get(actor=request.user, pk=pk)).data)
