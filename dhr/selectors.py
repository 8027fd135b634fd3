"""Reads for reviews: the stages and their targets, what each actor may see of reviews, recommendations and
actions, where each review is and what is overdue, and the figures the annual report takes.

Who sees what (ADR 0011): DHR coordinators and partnership administrators see every review; an agency
sitting on a review's panel (its users with a role, and its API keys) sees that review; the agency an
action is assigned to sees the action (and the recommendation it belongs to). Anything else is 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies.actors import actor_user
from agencies.models import Area, Role
from cases.models import Case
from cases.selectors import visible_cases
from dhr.models import (
    ImrRequest,
    LearningTheme,
    PanelMembership,
    QaSubmission,
    Recommendation,
    Review,
    ReviewAction,
    Stage,
    StageEvent,
)
from dhr.rules import ReviewDates, StageTarget, Target, days_in_stage, next_target, overdue_targets

if TYPE_CHECKING:
    from agencies.actors import Actor


# --- Who may see what ------------------------------------------------------------------------------


def is_dhr_coordinator(actor: Actor | Any) -> bool:
    """A signed-in, active DHR coordinator: they record reviews and their stages (an API key never is)."""
    user = actor_user(actor)
    return user is not None and user.is_active and user.has_role(Role.DHR_COORDINATOR)


def sees_every_review(actor: Actor | Any) -> bool:
    """DHR coordinators and partnership administrators see every review."""
    user = actor_user(actor)
    return user is not None and user.is_active and user.has_role(Role.DHR_COORDINATOR, Role.PARTNERSHIP_ADMIN)


def _agency_of(actor: Actor | Any) -> Any:
    """The actor's agency, when the actor acts for it: an API key, or a user with a role."""
    agency = getattr(actor, "agency", None)
    if agency is None or not agency.active:
        return None
    if getattr(actor, "api_key", None) is not None or actor.roles:
        return agency
    return None


def visible_reviews(actor: Actor | Any) -> QuerySet[Review]:
    if sees_every_review(actor):
        return Review.objects.all()
    agency = _agency_of(actor)
    if agency is None:
        return Review.objects.none()
    return Review.objects.filter(Exists(PanelMembership.objects.filter(review=OuterRef("pk"), agency=agency)))


# --- Stages --------------------------------------------------------------------------------------


def stage_list() -> list[Stage]:
    """The active stages in order (one query)."""
    return list(Stage.objects.filter(active=True).order_by("position"))


def stage_targets(stages: list[Stage]) -> list[StageTarget]:
    return [
        StageTarget(
            code=stage.code,
            position=stage.position,
            target_from=stage.target_from,
            months=stage.target_months,
            days=stage.target_days,
        )
        for stage in stages
    ]


def review_dates(review: Review, stage_position: int) -> ReviewDates:
    return ReviewDates(
        stage_position=stage_position,
        stage_entered_on=review.stage_entered_on,
        notified_on=review.notified_on,
        decision_on=review.decision_on,
    )


@dataclass(frozen=True)
class Progress:
    """Where a review is: its stage, days there, the targets it has passed, and the next one."""

    days_in_stage: int
    overdue: list[Target]
    next_target: Target | None

    @property
    def is_overdue(self) -> bool:
        return bool(self.overdue)


def review_progress(review: Review, *, targets: list[StageTarget], today: date | None = None) -> Progress:
    """A review's progress against the stage targets (no query: the review's stage must be loaded)."""
    today = today or timezone.localdate()
    dates = review_dates(review, review.stage.position)
    return Progress(
        days_in_stage=days_in_stage(review.stage_entered_on, today),
        overdue=overdue_targets(targets, dates, today=today),
        next_target=next_target(targets, dates, today=today),
    )


# --- Reviews ---------------------------------------------------------------------------------------


def review_list(
    *,
    actor: Actor | Any,
    stage: Stage | None = None,
    is_open: bool | None = None,
    updated_since: Any = None,
) -> QuerySet[Review]:
    """Reviews the actor may see, newest notification first, with their stage and `open_actions`.
    (Overdue is decided by the rules over the stage targets: review_list_with_progress.)"""
    reviews = visible_reviews(actor)
    if stage is not None:
        reviews = reviews.filter(stage=stage)
    if is_open is not None:
        reviews = reviews.filter(stage__is_final=not is_open)
    if updated_since is not None:
        reviews = reviews.filter(updated_at__gte=updated_since)
    return (
        reviews.select_related("stage", "community_safety_partnership", "notified_by")
        .annotate(
            open_actions=Count(
                "recommendations__actions",
                filter=Q(recommendations__actions__status=ReviewAction.Status.OPEN),
                distinct=True,
            )
        )
        .order_by("-notified_on", "-pk")
    )


def review_list_with_progress(
    *,
    actor: Actor | Any,
    stage: Stage | None = None,
    is_open: bool | None = None,
    overdue: bool | None = None,
    today: date | None = None,
    updated_since: Any = None,
) -> list[tuple[Review, Progress]]:
    """Reviews with their progress; `overdue` keeps only those past (or within) their targets. Reviews are
    few (a dozen a year), so the rule runs in Python over the list: two queries in all."""
    today = today or timezone.localdate()
    targets = stage_targets(stage_list())
    rows = []
    for review in review_list(actor=actor, stage=stage, is_open=is_open, updated_since=updated_since):
        progress = review_progress(review, targets=targets, today=today)
        if overdue is None or progress.is_overdue == overdue:
            rows.append((review, progress))
    return rows


def review_get(*, actor: Actor | Any, pk: int | str) -> Review:
    """One review the actor may see, else 404."""
    return get_object_or_404(review_list(actor=actor), pk=pk)


def review_detail(*, actor: Actor | Any, pk: int | str) -> Review:
    """One review with its timeline, panel, IMRs, QA submissions, recommendations (themes, actions)."""
    return get_object_or_404(
        review_list(actor=actor).prefetch_related(
            Prefetch("stage_events", queryset=StageEvent.objects.select_related("stage", "recorded_by")),
            Prefetch("memberships", queryset=PanelMembership.objects.select_related("agency")),
            Prefetch("imrs", queryset=ImrRequest.objects.select_related("agency")),
            Prefetch("qa_submissions", queryset=QaSubmission.objects.order_by("submitted_on", "pk")),
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.prefetch_related(
                    "themes",
                    Prefetch(
                        "actions", queryset=ReviewAction.objects.select_related("assigned_agency", "signed_off_by")
                    ),
                ),
            ),
        ),
        pk=pk,
    )


def linked_case_visible(*, actor: Actor | Any, review: Review) -> Case | None:
    """The victim's case linked to a review, when the actor may see it (else None: never a hint)."""
    if review.case_id is None:
        return None
    return visible_cases(actor).filter(pk=review.case_id).first()


# --- Recommendations and actions ---------------------------------------------------------------------


def review_action_list(
    *,
    actor: Actor | Any,
    status: str | None = None,
    overdue: bool | None = None,
    today: date | None = None,
    updated_since: Any = None,
) -> QuerySet[ReviewAction]:
    """Action-plan actions the actor may see: coordinators and administrators, all; an agency, those
    assigned to it. Earliest due first."""
    if sees_every_review(actor):
        actions = ReviewAction.objects.all()
    else:
        agency = _agency_of(actor)
        if agency is None:
            return ReviewAction.objects.none()
        actions = ReviewAction.objects.filter(assigned_agency=agency)
    if status:
        actions = actions.filter(status=status)
    if overdue is not None:
        late = Q(status=ReviewAction.Status.OPEN, due_on__lt=today or timezone.localdate())
        actions = actions.filter(late) if overdue else actions.exclude(late)
    if updated_since is not None:
        actions = actions.filter(updated_at__gte=updated_since)
    return actions.select_related("assigned_agency", "recommendation__review", "signed_off_by").order_by("due_on", "pk")


def review_action_get(*, actor: Actor | Any, pk: int | str) -> ReviewAction:
    return get_object_or_404(review_action_list(actor=actor), pk=pk)


def recommendation_list(
    *, actor: Actor | Any, review: Review | None = None, theme: LearningTheme | None = None, updated_since: Any = None
) -> QuerySet[Recommendation]:
    """Recommendations of the reviews the actor may see, and those with an action assigned to its agency;
    with their themes and the actions the actor may see."""
    visible_actions = review_action_list(actor=actor)
    recommendations = Recommendation.objects.filter(
        Q(review__in=visible_reviews(actor).values("pk"))
        | Q(Exists(visible_actions.filter(recommendation=OuterRef("pk"))))
    )
    if review is not None:
        recommendations = recommendations.filter(review=review)
    if theme is not None:
        recommendations = recommendations.filter(themes=theme)
    if updated_since is not None:
        recommendations = recommendations.filter(updated_at__gte=updated_since)
    return (
        recommendations.select_related("review")
        .prefetch_related("themes", Prefetch("actions", queryset=visible_actions))
        .order_by("review__notified_on", "review_id", "number")
    )


def recommendation_get(*, actor: Actor | Any, pk: int | str) -> Recommendation:
    return get_object_or_404(recommendation_list(actor=actor), pk=pk)


# --- Figures ---------------------------------------------------------------------------------------


def dhr_figures(*, start: date, end: date, area: Area | None = None, today: date | None = None) -> dict[str, Any]:
    """The review figures for the annual report, over deaths notified in a period (both days included):

    - `deaths_meeting_criteria`: notified deaths decided as meeting the criteria (reviewed, or reviewed as
      a child death instead), with `homicides`, `suicides`, `female`, `male` among them, and
      `reviewed_as_child_death`;
    - `reviews_open` and `reviews_by_stage` {stage code: n}: commissioned reviews not in a final stage
      (whenever notified), as they stand now;
    - `recommendations`, and `actions` {total, complete, overdue on `today`} of every review; `by_theme`
      {theme: {recommendations, actions_complete, actions_overdue}} for the themes in use.
    In SQL aggregates. With an area, only reviews of that Community Safety Partnership or one within it.
    """
    today = today or timezone.localdate()
    reviews = Review.objects.all()
    if area is not None:
        areas = Area.objects.filter(Q(pk=area.pk) | Q(parent=area) | Q(parent__parent=area)).values("pk")
        reviews = reviews.filter(community_safety_partnership__in=areas)
    met = Q(decision__in=[Review.Decision.COMMISSION, Review.Decision.CHILD_DEATH_REVIEW])
    deaths = reviews.filter(met, notified_on__gte=start, notified_on__lte=end).aggregate(
        total=Count("pk"),
        homicides=Count("pk", filter=Q(death_type=Review.DeathType.HOMICIDE)),
        suicides=Count("pk", filter=Q(death_type=Review.DeathType.SUICIDE)),
        female=Count("pk", filter=Q(deceased_gender="female")),
        male=Count("pk", filter=Q(deceased_gender="male")),
        child=Count("pk", filter=Q(decision=Review.Decision.CHILD_DEATH_REVIEW)),
    )
    open_reviews = reviews.filter(decision=Review.Decision.COMMISSION, stage__is_final=False)
    by_stage = {
        row["stage__code"]: row["n"]
        for row in open_reviews.values("stage__code").annotate(n=Count("pk")).order_by("stage__position")
    }
    actions = ReviewAction.objects.filter(recommendation__review__in=reviews.values("pk"))
    late = Q(status=ReviewAction.Status.OPEN, due_on__lt=today)
    action_counts = actions.aggregate(
        total=Count("pk"),
        complete=Count("pk", filter=Q(status=ReviewAction.Status.DONE)),
        overdue=Count("pk", filter=late),
    )
    recommendations = Recommendation.objects.filter(review__in=reviews.values("pk"))
    by_theme = {}
    themed = LearningTheme.objects.annotate(
        n_recommendations=Count("recommendations", filter=Q(recommendations__in=recommendations), distinct=True),
        n_complete=Count(
            "recommendations__actions",
            filter=Q(recommendations__in=recommendations, recommendations__actions__status=ReviewAction.Status.DONE),
            distinct=True,
        ),
        n_overdue=Count(
            "recommendations__actions",
            filter=Q(
                recommendations__in=recommendations,
                recommendations__actions__status=ReviewAction.Status.OPEN,
                recommendations__actions__due_on__lt=today,
            ),
            distinct=True,
        ),
    ).order_by("name")
    for theme in themed:
        if theme.n_recommendations:
            by_theme[theme.name] = {
                "recommendations": theme.n_recommendations,
                "actions_complete": theme.n_complete,
                "actions_overdue": theme.n_overdue,
            }
    return {
        "deaths_meeting_criteria": deaths["total"],
        "homicides": deaths["homicides"],
        "suicides": deaths["suicides"],
        "female": deaths["female"],
        "male": deaths["male"],
        "reviewed_as_child_death": deaths["child"],
        "reviews_open": sum(by_stage.values()),
        "reviews_by_stage": by_stage,
        "recommendations": recommendations.count(),
        "actions": action_counts,
        "by_theme": by_theme,
    }
