"""API views of the referrals app: risk assessments, submitted, routed and referred in one request."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.base import AccessLoggedListApi, access_log_view
from agencies.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from agencies.api.permissions import IsAgencyActor
from cases.models import RiskAssessment
from cases.selectors import risk_assessment_get, risk_assessment_list
from referrals.api.serializers import (
    RiskAssessmentFilterSerializer,
    RiskAssessmentInputSerializer,
    RiskAssessmentOutputSerializer,
)
from referrals.services import risk_assessment_submit


def _with_routing(assessments: QuerySet[RiskAssessment]) -> QuerySet[RiskAssessment]:
    """What the output shows beyond the case app's selector: the routing decision and the referrals."""
    return assessments.select_related("routing_decision", "external_agency").prefetch_related("referrals")


@extend_schema_view(get=extend_schema(parameters=[RiskAssessmentFilterSerializer]))
class RiskAssessmentListApi(AccessLoggedListApi):
    """Risk assessments of the cases the caller's agency may see; submit one (`POST`)."""

    serializer_class = RiskAssessmentOutputSerializer
    filter_serializer_class = RiskAssessmentFilterSerializer
    logged_model = RiskAssessment

    def get_queryset(self) -> Any:
        return _with_routing(risk_assessment_list(actor=self.request.user, **self.filters()))

    @extend_schema(
        request=RiskAssessmentInputSerializer,
        responses={201: RiskAssessmentOutputSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="Records the assessment, routes it by the routing policy in force on `assessed_on`, and "
        "(unless `create_referrals` is false) makes its referrals: MARAC and IDVA when routed to `marac`, "
        "IDVA when routed to `idva`, none for `standard`.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = RiskAssessmentInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        submission = risk_assessment_submit(actor=request.user, **serializer.validated_data)
        return Response(RiskAssessmentOutputSerializer(submission.assessment).data, status=status.HTTP_201_CREATED)


class RiskAssessmentDetailApi(APIView):
    """One risk assessment, with where it was routed and why, and its referrals."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=RiskAssessmentOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        assessment = risk_assessment_get(actor=request.user, pk=pk)
        access_log_view(request, assessment)
        return Response(RiskAssessmentOutputSerializer(assessment).data)
