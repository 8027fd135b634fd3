"""Reads for routing and referrals."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from cases.models import Case
from cases.selectors import visible_cases
from referrals.models import Referral, RoutingDecision, RoutingPolicy
from referrals.rules import Policy

if TYPE_CHECKING:
    from agencies.actors import Actor


def policy_as_rules(policy: RoutingPolicy) -> Policy:
    """A stored policy as the plain data the routing rules take."""
    band = (
        (policy.idva_band_min, policy.idva_band_max)
        if policy.idva_band_min is not None and policy.idva_band_max is not None
        else None
    )
    return Policy(
        id=policy.pk,
        effective_from=policy.effective_from,
        marac_threshold=policy.marac_threshold,
        idva_band=band,
        escalation_count=policy.escalation_count,
        escalation_window_days=policy.escalation_window_days,
        repeat_window_days=policy.repeat_window_days,
    )


def policy_in_force_on(day: date) -> Policy | None:
    """The routing policy in force on a date (latest effective date on or before it), if any."""
    policy = RoutingPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    return policy_as_rules(policy) if policy else None


def earlier_referral_dates(*, case: Case, service: str, up_to: date) -> list[date]:
    """Received dates of referrals to a service for the same victim and a perpetrator of this case."""
    perpetrator_ids = list(case.parties.values_list("person_id", flat=True))
    if not perpetrator_ids:
        return []
    return list(
        Referral.objects.filter(
            service=service,
            case__victim_id=case.victim_id,
            case__parties__person_id__in=perpetrator_ids,
            received_on__lte=up_to,
        )
        .values_list("received_on", flat=True)
        .distinct()
    )


def referral_list_for_case(*, actor: Actor, case: Case) -> QuerySet[Referral]:
    return Referral.objects.filter(case=case, case__in=visible_cases(actor)).select_related("referring_agency")


def routing_decision_for(*, assessment_id: int) -> RoutingDecision | None:
    return RoutingDecision.objects.filter(risk_assessment_id=assessment_id).select_related("policy").first()
