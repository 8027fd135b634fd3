"""Factories for referrals at each step of the IDVA workflow, built through the services.

`police_referral()` gives a referral from a new police agency to the IDVA service; `referral_at(status)`
walks one through the workflow's services to the status asked for, so every row is as production makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from agencies.models import Agency, Role, User
from cases.models import Case
from referrals.models import Referral
from referrals.services import (
    contact_attempt_record,
    referral_allocate,
    referral_close,
    referral_create,
    referral_engagement_record,
)
from tests.factories.agencies import UserFactory
from tests.factories.cases import case_worker, idva_service, make_case


@dataclass
class ReferralSetup:
    """A referral and the people around it."""

    referral: Referral
    referrer: User
    manager: User
    idva: User

    @property
    def case(self) -> Case:
        return self.referral.case


def idva_user(agency: Agency | None = None, **kwargs: Any) -> User:
    """An IDVA of the IDVA service (pass specialist_post=... for a specialist)."""
    return UserFactory(agency=agency or idva_service(), roles=[Role.IDVA], **kwargs)


def idva_manager(agency: Agency | None = None) -> User:
    return UserFactory(agency=agency or idva_service(), roles=[Role.IDVA_MANAGER])


def police_referral(
    *,
    received_on: date | None = None,
    referrer: User | None = None,
    case: Case | None = None,
    service: str = Referral.Service.IDVA,
    **kwargs: Any,
) -> Referral:
    """A referral to the IDVA service made by a police user (a new police agency unless given)."""
    idva_service()  # the receiving agency exists before the referral is made
    referrer = referrer or case_worker()
    case = case or make_case(referrer)
    return referral_create(
        actor=referrer,
        case=case,
        service=service,
        received_on=received_on or timezone.localdate() - timedelta(days=20),
        **kwargs,
    )


def referral_at(status: str, *, received_on: date | None = None, **kwargs: Any) -> ReferralSetup:
    """A police referral taken through the workflow's services to `status`, one day per step.

    not_engaged uses the reason "declined"; closed closes an engaged referral as support completed.
    """
    received_on = received_on or timezone.localdate() - timedelta(days=20)
    referrer = case_worker()
    referral = police_referral(received_on=received_on, referrer=referrer, **kwargs)
    manager = idva_manager(referral.receiving_agency)
    idva = idva_user(referral.receiving_agency)
    day = received_on
    if status != Referral.Status.RECEIVED:
        referral = referral_allocate(actor=manager, referral=referral, idva=idva, on=day)
    if status in {Referral.Status.CONTACTING, Referral.Status.ENGAGED, Referral.Status.CLOSED}:
        day += timedelta(days=1)
        contact_attempt_record(
            actor=idva,
            referral=referral,
            made_on=day,
            method="phone_call",
            safe_to_leave_message=False,
            outcome="spoke_to_victim",
        )
    if status in {Referral.Status.ENGAGED, Referral.Status.CLOSED}:
        day += timedelta(days=1)
        referral_engagement_record(actor=idva, referral=referral, outcome="engaged", on=day)
    if status == Referral.Status.NOT_ENGAGED:
        day += timedelta(days=1)
        referral_engagement_record(actor=idva, referral=referral, outcome="not_engaged", reason="declined", on=day)
    if status == Referral.Status.CLOSED:
        day += timedelta(days=1)
        referral_close(actor=idva, referral=referral, outcome="support_completed", on=day)
    referral.refresh_from_db()
    return ReferralSetup(referral=referral, referrer=referrer, manager=manager, idva=idva)
