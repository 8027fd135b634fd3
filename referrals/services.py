"""Writes for referrals and routing: submitting a risk assessment routes it and makes its referrals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from agencies.actors import actor_user
from agencies.models import Agency
from cases.models import Case, RiskAssessment, RiskInstrument
from cases.rules import dash_score, risk_level
from cases.selectors import can_change_case, victim_incident_dates
from cases.services import risk_assessment_errors, risk_assessment_record
from referrals.models import Referral, RoutingDecision
from referrals.rules import MARAC, AssessmentFacts, RoutingResult, is_repeat_referral, route
from referrals.selectors import earlier_referral_dates, policy_in_force_on

if TYPE_CHECKING:
    from agencies.actors import Actor


@transaction.atomic
def referral_create(
    *,
    actor: Actor | Any,
    case: Case,
    service: str,
    received_on: date,
    risk_assessment: RiskAssessment | None = None,
    reasons: Sequence[str] = (),
    consent: str = Referral.Consent.GIVEN,
    consent_reason: str = "",
    referring_agency: Agency | None = None,
) -> Referral:
    """Refer a case to a service; whether it is a repeat is decided now, by api.md's rule, and stored."""
    if not can_change_case(actor=actor, case=case):
        raise PermissionDenied("This agency may not refer this case.")
    if risk_assessment is not None and risk_assessment.case_id != case.pk:
        raise ValidationError({"risk_assessment": ["This risk assessment belongs to another case."]})
    if consent == Referral.Consent.NOT_GIVEN_SHARED_TO_PROTECT and not consent_reason.strip():
        raise ValidationError({"consent_reason": ["Say why the referral is shared without consent."]})
    policy = policy_in_force_on(received_on)
    earlier = earlier_referral_dates(case=case, service=service, up_to=received_on)
    by = actor_user(actor)
    referral = Referral(
        case=case,
        service=service,
        received_on=received_on,
        risk_assessment=risk_assessment,
        reasons=list(reasons),
        consent=consent,
        consent_reason=consent_reason.strip(),
        referring_agency=referring_agency or actor.agency,
        referrer=by,
        is_repeat=is_repeat_referral(
            received_on=received_on,
            earlier_received_on=earlier,
            window_days=policy.repeat_window_days if policy else 365,
        ),
        created_by=by,
        updated_by=by,
    )
    referral.full_clean()
    referral.save()
    return referral


@dataclass(frozen=True)
class Submission:
    """What submitting an assessment produced."""

    assessment: RiskAssessment
    decision: RoutingDecision
    result: RoutingResult
    referrals: list[Referral]


@transaction.atomic
def risk_assessment_submit(
    *,
    actor: Actor | Any,
    case: Case,
    instrument: RiskInstrument,
    assessed_on: date,
    answers: dict[str, str] | None = None,
    professional_judgement: bool = False,
    professional_judgement_reason: str = "",
    victim_view: str = "",
    external_grade: str = "",
    external_tool: str = "",
    external_agency: Agency | None = None,
    create_referrals: bool = True,
) -> Submission:
    """Record a risk assessment, route it by the policy in force on its date, and make its referrals.

    Routed to MARAC: a MARAC referral and an IDVA referral (every high-risk victim is offered an IDVA).
    Routed to the IDVA service: an IDVA referral. The assessing agency refers, on the assessment date.
    """
    if not can_change_case(actor=actor, case=case):
        raise PermissionDenied("This agency may not add to this case.")
    answers = dict(answers or {})
    errors = risk_assessment_errors(
        instrument=instrument,
        assessed_on=assessed_on,
        answers=answers,
        professional_judgement=professional_judgement,
        professional_judgement_reason=professional_judgement_reason,
        external_grade=external_grade,
    )
    policy = policy_in_force_on(assessed_on)
    if policy is None:
        errors.setdefault("assessed_on", []).append("No routing policy was in force on this date.")
    if errors or policy is None:
        raise ValidationError(errors)
    itemised = instrument.kind == RiskInstrument.Kind.ITEMISED
    facts = AssessmentFacts(
        assessed_on=assessed_on,
        score=dash_score(answers) if itemised else None,
        professional_judgement=professional_judgement,
        incident_dates=victim_incident_dates(victim=case.victim, up_to=assessed_on),
        marac_referral_dates=earlier_referral_dates(case=case, service=Referral.Service.MARAC, up_to=assessed_on),
        recorded_grade=None if itemised else external_grade,
    )
    result = route(facts, policy)
    assessment = risk_assessment_record(
        actor=actor,
        case=case,
        instrument=instrument,
        assessed_on=assessed_on,
        risk_level=risk_level(
            score=facts.score, routed_to_marac=result.routing == MARAC, recorded_grade=facts.recorded_grade
        ),
        answers=answers,
        professional_judgement=professional_judgement,
        professional_judgement_reason=professional_judgement_reason,
        victim_view=victim_view,
        external_grade=external_grade,
        external_tool=external_tool,
        external_agency=external_agency,
    )
    decision = RoutingDecision.objects.create(
        risk_assessment=assessment,
        policy_id=cast(int, policy.id),  # a policy read from the database has its id
        routing=result.routing,
        marac_criteria=result.criteria_codes,
        explanations={criterion.code: criterion.explanation for criterion in result.criteria},
    )
    referrals: list[Referral] = []
    if create_referrals:
        services = {
            MARAC: [Referral.Service.MARAC, Referral.Service.IDVA],
            "idva": [Referral.Service.IDVA],
        }.get(result.routing, [])
        for service in services:
            referrals.append(
                referral_create(
                    actor=actor,
                    case=case,
                    service=service,
                    received_on=assessed_on,
                    risk_assessment=assessment,
                    reasons=result.criteria_codes if service == Referral.Service.MARAC else [],
                )
            )
    return Submission(assessment=assessment, decision=decision, result=result, referrals=referrals)
