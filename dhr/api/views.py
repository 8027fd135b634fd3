"""API views of the reviews: the review tracker (where each review is and what is overdue), recommendations
with the action-plan actions the caller may see, and the owning agency's steps on its actions. Each starts
from what the caller may see (dhr.selectors): coordinators and partnership administrators every review, a
panel agency the reviews it sits on, an owning agency its actions; anything else is 404."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api.actions import (
    ActionCompleteStepApi,
    ActionNotDoneStepApi,
    ActionStepApi,
    ActionUpdateStepApi,
    action_step_schema,
)
from agencies.api.base import AccessLoggedListApi, access_log_view
from agencies.api.permissions import IsAgencyActor
from cases.selectors import visible_cases
from dhr.api.serializers import (
    RecommendationFilterSerializer,
    RecommendationOutputSerializer,
    ReviewActionEvidenceInputSerializer,
    ReviewActionFilterSerializer,
    ReviewActionOutputSerializer,
    ReviewDetailOutputSerializer,
    ReviewFilterSerializer,
    ReviewOutputSerializer,
)
from dhr.models import PanelMembership, Recommendation, Review, ReviewAction
from dhr.selectors import (
    linked_case_visible,
    recommendation_get,
    recommendation_list,
    review_action_get,
    review_action_list,
    review_detail,
    review_list,
    review_list_with_progress,
    stage_list,
    stage_targets,
)
from dhr.services import review_action_evidence_record

_PANEL = Prefetch("memberships", queryset=PanelMembership.objects.select_related("agency"))


def _visible_case_ids(request: Request, reviews: Iterable[Review]) -> set[int]:
    """Which of the reviews' linked cases the caller may see: one query for the lot, none when no review
    is linked."""
    case_ids = {review.case_id for review in reviews if review.case_id is not None}
    if not case_ids:
        return set()
    return set(visible_cases(request.user).filter(pk__in=case_ids).values_list("pk", flat=True))


def _review_context(request: Request, visible_case_ids: set[int]) -> dict[str, Any]:
    """What the review serializers need besides the rows: the stage targets, today, and the linked cases
    the caller may see."""
    return {
        "request": request,
        "targets": stage_targets(stage_list()),
        "today": timezone.localdate(),
        "visible_case_ids": visible_case_ids,
    }


# --- Reviews -----------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[ReviewFilterSerializer]))
class ReviewListApi(AccessLoggedListApi):
    """The reviews the caller may see, newest notification first: where each one is, for how long, the
    targets it has passed and the next one. Coordinators and partnership administrators see every review;
    an agency the reviews whose panel it sits on. The victim's case is given only to a caller who may see it."""

    serializer_class = ReviewOutputSerializer
    filter_serializer_class = ReviewFilterSerializer
    logged_model = Review

    def get_queryset(self) -> Any:
        filters = dict(self.filters())
        overdue = filters.pop("overdue", None)
        if overdue is None:
            return review_list(actor=self.request.user, **filters).prefetch_related(_PANEL)
        # Overdue is decided by the stage rules, in Python over the (few) reviews.
        reviews = [
            review for review, _ in review_list_with_progress(actor=self.request.user, overdue=overdue, **filters)
        ]
        prefetch_related_objects(reviews, _PANEL)
        return reviews

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if not args:  # the schema generator asks for the class only
            return super().get_serializer(*args, **kwargs)
        kwargs["context"] = _review_context(self.request, _visible_case_ids(self.request, args[0]))
        return ReviewOutputSerializer(*args, **kwargs)


class ReviewDetailApi(APIView):
    """One review, with its timeline, IMRs, Home Office submissions and the ids of its recommendations."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=ReviewDetailOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        review = review_detail(actor=request.user, pk=pk)
        access_log_view(request, review)
        case = linked_case_visible(actor=request.user, review=review)
        context = _review_context(request, {case.pk} if case is not None else set())
        return Response(ReviewDetailOutputSerializer(review, context=context).data)


# --- Recommendations -------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[RecommendationFilterSerializer]))
class RecommendationListApi(AccessLoggedListApi):
    """Recommendations of the reviews the caller may see (and those with an action of the caller's agency),
    with their learning themes and the actions of their plans the caller may see."""

    serializer_class = RecommendationOutputSerializer
    filter_serializer_class = RecommendationFilterSerializer
    logged_model = Recommendation

    def get_queryset(self) -> Any:
        return recommendation_list(actor=self.request.user, **self.filters())


class RecommendationDetailApi(APIView):
    """One recommendation, with the actions of its plan the caller may see."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=RecommendationOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        recommendation = recommendation_get(actor=request.user, pk=pk)
        access_log_view(request, recommendation)
        return Response(RecommendationOutputSerializer(recommendation).data)


# --- Actions ---------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[ReviewActionFilterSerializer]))
class ReviewActionListApi(AccessLoggedListApi):
    """Action-plan actions: an agency's, those assigned to it; a coordinator's or administrator's, every
    one. Earliest target date first."""

    serializer_class = ReviewActionOutputSerializer
    filter_serializer_class = ReviewActionFilterSerializer
    logged_model = ReviewAction

    def get_queryset(self) -> Any:
        return review_action_list(actor=self.request.user, **self.filters())


class ReviewActionDetailApi(APIView):
    """One action-plan action, with its progress notes."""

    permission_classes = [IsAgencyActor]

    @extend_schema(responses=ReviewActionOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        action = review_action_get(actor=request.user, pk=pk)
        access_log_view(request, action)
        return Response(ReviewActionOutputSerializer(action).data)


class _ReviewActionStep:
    """The action plan's side of the shared steps: actions the caller may see, answered in the plan's shape."""

    get_action = staticmethod(review_action_get)
    output_serializer_class = ReviewActionOutputSerializer


@action_step_schema
class ReviewActionUpdateApi(_ReviewActionStep, ActionUpdateStepApi):
    """Add a progress note to an action of the caller's agency."""


@action_step_schema
class ReviewActionCompleteApi(_ReviewActionStep, ActionCompleteStepApi):
    """Record an action of the caller's agency as done."""


@action_step_schema
class ReviewActionNotDoneApi(_ReviewActionStep, ActionNotDoneStepApi):
    """Record an action of the caller's agency as not done, with the reason."""


@action_step_schema
class ReviewActionEvidenceApi(_ReviewActionStep, ActionStepApi):
    """Record the evidence of an action of the caller's agency."""

    input_serializer_class = ReviewActionEvidenceInputSerializer
    take_step = staticmethod(review_action_evidence_record)
    step_description = (
        "Records the evidence that the action is delivered (replacing any earlier), until the coordinator signs "
        "it off. Answers the action."
    )
