"""Factories for reviews: DHR coordinators and reviews taken through the services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from agencies.models import Agency, Area, Role, User
from dhr.models import Review
from dhr.services import review_decide, review_notify
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
