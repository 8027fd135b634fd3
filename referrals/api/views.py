"""API views of the referrals app: risk assessments (submitted, routed and referred in one request),
referrals and the IDVA workflow's steps, and the incident endpoints (which check for repeat MARACs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.base import AccessLoggedListApi, access_log_view
from agencies.api.errors import ErrorsOutputSerializer
from agencies.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from agencies.api.permissions import IsAgencyActor
from cases.api.views import IncidentBulkApi, IncidentListApi
from cases.models import RiskAssessment
from cases.selectors import risk_assessment_get, risk_assessment_list
from referrals.api.serializers import (
    AllocateInputSerializer,
    CloseInputSerializer,
    ContactAttemptInputSerializer,
    EngagementInputSerializer,
    ReferralDetailOutputSerializer,
    ReferralFilterSerializer,
    ReferralInputSerializer,
    ReferralOutputSerializer,
    ReopenInputSerializer,
    RiskAssessmentFilterSerializer,
    RiskAssessmentInputSerializer,
    RiskAssessmentOutputSerializer,
)
from referrals.models import Referral
from referrals.selectors import (
    can_allocate_referral,
    can_work_referral,
    closure_for,
    referral_detail,
    referral_get,
    referral_list,
)
from referrals.services import (
    contact_attempt_record,
    incident_report,
    referral_allocate,
    referral_close,
    referral_create,
    referral_engagement_record,
    referral_reopen,
    risk_assessment_submit,
)


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


# --- Referrals -------------------------------------------------------------------------------------


def _detail(request: Request, pk: int) -> tuple[Referral, dict[str, Any]]:
    """The referral as the detail shows it (timeline, contact attempts, closure), read afresh."""
    referral = referral_detail(actor=request.user, pk=pk)
    return referral, ReferralDetailOutputSerializer(referral, context={"closure": closure_for(referral=referral)}).data


def _detail_response(request: Request, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    _, data = _detail(request, pk)
    return Response(data, status=status_code)


def _referral_to_act_on(request: Request, pk: int, may_act: Callable[..., bool]) -> Referral:
    """The referral, when the caller may see it (else 404) and may take the step (else 403), checked before
    the body so that a caller who may not act learns nothing from validation. The service checks again."""
    referral = referral_get(actor=request.user, pk=pk)
    if not may_act(actor=request.user, referral=referral):
        raise PermissionDenied("Your role does not allow this step on this referral.")
    return referral


@extend_schema_view(get=extend_schema(parameters=[ReferralFilterSerializer]))
class ReferralListApi(AccessLoggedListApi):
    """Referrals the caller may see: those its agency made, and those it receives (an IDVA sees their own
    caseload; the manager, the MARAC coordinator and the agency's API keys all of them). Refer a case
    (`POST`)."""

    serializer_class = ReferralOutputSerializer
    filter_serializer_class = ReferralFilterSerializer
    logged_model = Referral

    def get_queryset(self) -> Any:
        return referral_list(actor=self.request.user, **self.filters())

    @extend_schema(
        request=ReferralInputSerializer,
        responses={201: ReferralDetailOutputSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="Refers a case the caller's agency may change to a service, referred by the caller's "
        "agency. `is_repeat` is decided now and stored. A referral to the perpetrator panel names the "
        "`perpetrator` referred (one of the case's perpetrators; the only one when left out); other services "
        "take none. 400 with field errors (nothing written) when, for example, consent was not given and "
        "`consent_reason` is empty; 403 when the caller may only view the case.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = ReferralInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        referral = referral_create(actor=request.user, **serializer.validated_data)
        # The referral as made, not re-read through the caller's view: an IDVA referring to their own
        # service may make a referral that is not in their caseload, and must still see what they sent.
        data = ReferralDetailOutputSerializer(referral, context={"closure": None}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ReferralDetailApi(APIView):
    """One referral, with its timeline, contact attempts and closure outcomes."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=ReferralDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        referral, data = _detail(request, pk)
        access_log_view(request, referral)
        return Response(data)


_STEP_RESPONSES = {
    400: OpenApiResponse(
        response=ErrorsOutputSerializer,
        description="The step is refused (field errors, or `non_field_errors` when the "
        "referral's status does not allow it); nothing is written.",
    ),
    403: OpenApiResponse(
        response=ErrorsOutputSerializer, description="The caller may see the referral but not take this step."
    ),
    404: OpenApiResponse(response=ErrorsOutputSerializer, description="No referral the caller may see."),
}


class _ReferralStepApi(APIView):
    """One step of the workflow: 404 when the caller cannot see the referral, 403 when it may not take the
    step (both before the body is read), 400 when the service refuses; answers the referral."""

    permission_classes = [IsAgencyActor]
    input_serializer_class: type[serializers.Serializer]
    may_act: Callable[..., bool]
    take_step: Callable[..., Any]
    success_status = status.HTTP_200_OK

    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        referral = _referral_to_act_on(request, pk, type(self).may_act)
        serializer = self.input_serializer_class(data=request.data, context={"request": request, "view": self})
        serializer.is_valid(raise_exception=True)
        type(self).take_step(actor=request.user, referral=referral, **serializer.validated_data)
        return _detail_response(request, pk, status_code=self.success_status)


def _step_schema(request: type[serializers.Serializer], description: str, *, created: bool = False) -> Any:
    return extend_schema_view(
        post=extend_schema(
            request=request,
            responses={201 if created else 200: ReferralDetailOutputSerializer, **_STEP_RESPONSES},
            parameters=[IDEMPOTENCY_KEY_PARAMETER],
            description=description,
        )
    )


@_step_schema(
    AllocateInputSerializer,
    "The receiving agency's IDVA manager (or its API key) allocates to an active IDVA of the agency, listed by "
    "`GET /api/v1/staff/?role=idva`. Answers the referral.",
)
class ReferralAllocateApi(_ReferralStepApi):
    """Allocate (or reallocate) a referral to an IDVA."""

    input_serializer_class = AllocateInputSerializer
    may_act = staticmethod(can_allocate_referral)
    take_step = staticmethod(referral_allocate)


@_step_schema(
    ContactAttemptInputSerializer,
    "The allocated IDVA, the manager or the receiving agency's API key logs an attempt; the first moves the "
    "referral to `contacting` and clears an overdue flag. Answers 201 with the referral.",
    created=True,
)
class ReferralContactAttemptApi(_ReferralStepApi):
    """Log an attempt to reach the victim through their safe contact details."""

    input_serializer_class = ContactAttemptInputSerializer
    may_act = staticmethod(can_work_referral)
    take_step = staticmethod(contact_attempt_record)
    success_status = status.HTTP_201_CREATED


@_step_schema(
    EngagementInputSerializer,
    "`engaged` after a contact attempt; `not_engaged` with its `reason` (and `detail` when the reason is "
    "`other`). Answers the referral.",
)
class ReferralEngagementApi(_ReferralStepApi):
    """Record whether the victim engaged."""

    input_serializer_class = EngagementInputSerializer
    may_act = staticmethod(can_work_referral)
    take_step = staticmethod(referral_engagement_record)


@_step_schema(
    CloseInputSerializer,
    "Only a referral with an engagement outcome closes, with an outcome that fits it (`support_completed` or "
    "`victim_withdrew` after engagement, `not_engaged` without). Answers the referral, with its `closure`.",
)
class ReferralCloseApi(_ReferralStepApi):
    """Close a referral with its outcome and what the support achieved."""

    input_serializer_class = CloseInputSerializer
    may_act = staticmethod(can_work_referral)
    take_step = staticmethod(referral_close)


@_step_schema(ReopenInputSerializer, "A `not_engaged` referral goes back to `contacting`. Answers the referral.")
class ReferralReopenApi(_ReferralStepApi):
    """Re-open a referral that did not engage, when the victim gets back in touch."""

    input_serializer_class = ReopenInputSerializer
    may_act = staticmethod(can_work_referral)
    take_step = staticmethod(referral_reopen)


# --- Incidents, recorded through the referrals service -----------------------------------------------


class ReferralsIncidentListApi(IncidentListApi):
    """Incidents in the cases the caller's agency may see; record one (`POST`). A new incident between a
    victim and perpetrator referred to MARAC in the previous 365 days raises a repeat-MARAC alert."""

    record_incident = staticmethod(incident_report)


class ReferralsIncidentBulkApi(IncidentBulkApi):
    """Record up to 5,000 incidents; each row succeeds or fails on its own, and each new incident is checked
    for a repeat MARAC as a single one is."""

    record_incident = staticmethod(incident_report)
