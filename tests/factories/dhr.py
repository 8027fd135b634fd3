"""Factories for reviews: DHR coordinators and reviews taken through the services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from agencies.models import Agency, Area, Role, User
from dhr.models import LearningTheme, Recommendation, Review, ReviewAction, Stage
from dhr.services import local_approval_record, recommendation_add, review_action_add, review_decide, review_notify
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory


def dhr_coordinator(agency: Agency | None = None, **kwargs: Any) -> User:
    """A DHR coordinator (by default of a new community agency: the partnership's team)."""
    return UserFactory(
        agency=agency or AgencyFactory(kind=Agency.Kind.COMMUNITY, is_marac_member=False),
        roles=[Role.DHR_COORDINATOR],
        **kwargs,
    )


def notified_review(
    actor: User | None = None,
    *,
    notified_on: date | None = None,
    date_of_death: date | None = None,
    death_type: str = Review.DeathType.HOMICIDE,
    deceased_gender: str = "female",
    area: Area | None = None,
    notified_by: Agency | None = None,
    **kwargs: Any,
) -> Review:
    """A review at its first stage, notified `notified_on` (default 10 days ago)."""
    actor = actor or dhr_coordinator()
    notified_on = notified_on or timezone.localdate() - timedelta(days=10)
    return review_notify(
        actor=actor,
        deceased_gender=deceased_gender,
        deceased_age_band=kwargs.pop("deceased_age_band", Review.AgeBand.AGE_35_44),
        relationship=kwargs.pop("relationship", Review.Relationship.PARTNER),
        death_type=death_type,
        date_of_death=date_of_death or notified_on - timedelta(days=2),
        notified_on=notified_on,
        notified_by=notified_by or AgencyFactory(kind=Agency.Kind.POLICE),
        community_safety_partnership=area or AreaFactory(),
        **kwargs,
    )


def commissioned_review(actor: User | None = None, *, decided_on: date | None = None, **kwargs: Any) -> Review:
    """A review commissioned `decided_on` (default: the day after notification)."""
    actor = actor or dhr_coordinator()
    review = notified_review(actor, **kwargs)
    return review_decide(
        actor=actor,
        review=review,
        decision=Review.Decision.COMMISSION,
        on=decided_on or review.notified_on + timedelta(days=1),
        rationale="The death meets the criteria of the statutory guidance.",
    )


def stage(code: str) -> Stage:
    """A configured stage by its code (the defaults come from the migration)."""
    return Stage.objects.get(code=code)


def approved_review(actor: User | None = None, *, approved_on: date | None = None, **kwargs: Any) -> Review:
    """A commissioned review approved locally `approved_on` (default: today), at the local approval stage."""
    actor = actor or dhr_coordinator()
    review = commissioned_review(actor, **kwargs)
    return local_approval_record(actor=actor, review=review, on=approved_on or timezone.localdate())


def recommendation_with_action(
    actor: User,
    review: Review,
    *,
    agency: Agency | None = None,
    due_on: date | None = None,
    themes: tuple[LearningTheme, ...] = (),
    text: str = "Agencies ask about coercive control at every contact.",
) -> tuple[Recommendation, ReviewAction]:
    """A recommendation of a commissioned review with one action assigned to `agency` (default: a new
    health agency), due `due_on` (default: in 30 days)."""
    recommendation = recommendation_add(actor=actor, review=review, text=text, themes=themes)
    action = review_action_add(
        actor=actor,
        recommendation=recommendation,
        assigned_agency=agency or AgencyFactory(kind=Agency.Kind.HEALTH),
        lead="Named safeguarding lead",
        description="Train front-line staff in routine enquiry.",
        due_on=due_on or timezone.localdate() + timedelta(days=30),
    )
    return recommendation, action
