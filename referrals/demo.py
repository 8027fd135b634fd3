"""The demo partnership's routing policies, and DASH assessments (with their referrals) of the demo cases.

Always: SafeLives' default policy (it ships in a migration; kept as it is) and the seed partnership's
rule from 2020-01-01 (api.md). Unless minimal: the demo cases of `cases.demo`, each assessed through
`risk_assessment_submit`, oldest first, so repeats and escalation are found as they would have been.
Idempotent: a case that already has an assessment is not assessed again.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from agencies.demo import demo_email
from agencies.models import User
from cases.demo import DEMO_SEED, DemoCase, seed_cases
from cases.instruments import DASH_CODE
from cases.models import RiskAssessment, RiskInstrument
from referrals.models import RoutingDecision, RoutingPolicy
from referrals.services import risk_assessment_submit

RULE_FIELDS = (
    "marac_threshold",
    "idva_band_min",
    "idva_band_max",
    "escalation_count",
    "escalation_window_days",
    "repeat_window_days",
)
ROUTING_POLICIES: list[dict[str, Any]] = [
    {
        "name": "SafeLives default",
        "effective_from": date(2009, 1, 1),
        "marac_threshold": 14,
        "idva_band_min": None,
        "idva_band_max": None,
        "escalation_count": 3,
        "escalation_window_days": 365,
        "repeat_window_days": 365,
    },
    {
        "name": "Partnership rule: MARAC 17, IDVA service 14-16",
        "effective_from": date(2020, 1, 1),
        "marac_threshold": 17,
        "idva_band_min": 14,
        "idva_band_max": 16,
        "escalation_count": 3,
        "escalation_window_days": 365,
        "repeat_window_days": 365,
    },
]
# Scores as DASH assessments spread in practice: many standard and medium, a good share 14-16 (the
# IDVA band from 2020), some at the MARAC threshold of 17 or more.
SCORE_BANDS = [((0, 4), 8), ((5, 9), 27), ((10, 13), 27), ((14, 16), 24), ((17, 21), 12), ((22, 24), 2)]
JUDGEMENT_REASONS = [
    "Strangulation disclosed at the last incident; the victim believes he will kill her.",
    "Separation a week ago, with coercive control and a recent assault: the dangerous cluster.",
    "Stalking after separation: he waits outside her workplace every day.",
    "Honour-based abuse: threats from his family, who are trying to take her abroad.",
    "Escalation: three call-outs this month, each more violent than the last.",
    "The victim says this is the most frightened she has ever been.",
]
# Which DASH questions the case's flags make a yes (strangulation is question 15, and so on).
FLAG_QUESTIONS = {"strangulation": 15, "stalking": 8, "sexual_violence": 16, "honour_based_abuse": 17, "pregnancy": 9}


@dataclass(frozen=True)
class AssessmentPlan:
    demo_case: DemoCase
    assessor: str  # "recorder" or "idva"
    assessed_on: date
    answers: dict[str, str]
    professional_judgement: bool
    professional_judgement_reason: str


@transaction.atomic
def seed(*, minimal: bool, stdout: TextIO) -> None:
    """The routing policies; unless minimal, the demo cases and their assessments (idempotent)."""
    routing_policies_ensure(stdout=stdout)
    if minimal:
        return
    demo_cases = seed_cases(stdout=stdout)
    plans = assessment_plans(demo_cases, today=timezone.localdate())
    assessed = set(
        RiskAssessment.objects.filter(case__in=[demo_case.case for demo_case in demo_cases]).values_list(
            "case_id", flat=True
        )
    )
    dash = RiskInstrument.objects.get(code=DASH_CODE)
    idva = User.objects.select_related("agency").prefetch_related("groups").get(email=demo_email("idva"))
    routings: Counter[str] = Counter()
    for plan in plans:
        if plan.demo_case.case.pk in assessed:
            continue
        submission = risk_assessment_submit(
            actor=idva if plan.assessor == "idva" else plan.demo_case.recorder,
            case=plan.demo_case.case,
            instrument=dash,
            assessed_on=plan.assessed_on,
            answers=plan.answers,
            professional_judgement=plan.professional_judgement,
            professional_judgement_reason=plan.professional_judgement_reason,
        )
        routings[submission.decision.routing] += 1
    summary = ", ".join(f"{count} {routing}" for routing, count in sorted(routings.items())) or "none new"
    stdout.write(f"Demo DASH assessments: {sum(routings.values())} new ({summary}).\n")


def routing_policies_ensure(*, stdout: TextIO) -> list[RoutingPolicy]:
    """The two policies of api.md, created if missing; one that has routed nothing is set to api.md's
    rule, one that has routed assessments is left alone (its decisions must stay explainable)."""
    policies = []
    for spec in ROUTING_POLICIES:
        policy = RoutingPolicy.objects.filter(effective_from=spec["effective_from"]).first()
        if policy is None:
            policy = RoutingPolicy(**spec)
        elif any(getattr(policy, name) != spec[name] for name in RULE_FIELDS):
            if RoutingDecision.objects.filter(policy=policy).exists():
                stdout.write(
                    f"Kept the routing policy {policy}: it differs from the demo's but has routed assessments.\n"
                )
                policies.append(policy)
                continue
            for name in RULE_FIELDS:
                setattr(policy, name, spec[name])
        else:
            policies.append(policy)
            continue
        policy.full_clean()
        policy.save()
        policies.append(policy)
    stdout.write(f"Routing policies: {', '.join(str(policy) for policy in policies)}.\n")
    return policies


def _dash_answers(rng: random.Random, score: int, flags: dict[str, bool]) -> dict[str, str]:
    """24 answers with exactly `score` yes, the case's flags among them first; the rest mostly no."""
    flagged = [FLAG_QUESTIONS[flag] for flag, value in flags.items() if value and flag in FLAG_QUESTIONS]
    others = [number for number in range(1, 25) if number not in flagged]
    rng.shuffle(others)
    yes = set((flagged + others)[:score])
    return {
        f"q{number}": "yes" if number in yes else "not_known" if rng.random() < 0.12 else "no"
        for number in range(1, 25)
    }


def assessment_plans(demo_cases: list[DemoCase], *, today: date) -> list[AssessmentPlan]:
    """One DASH assessment per demo case, soon after it opened, in date order (drawn from a fixed seed)."""
    rng = random.Random(DEMO_SEED)  # noqa: S311 - reproducible demo data, not a secret
    plans = []
    for demo_case in demo_cases:
        ((low, high),) = rng.choices([band for band, _ in SCORE_BANDS], weights=[share for _, share in SCORE_BANDS])
        score = rng.randint(low, high)
        judgement = 8 <= score < 17 and rng.random() < 0.12
        offset = rng.choice([0, 0, 0, 1, 1, 2, 3, 5, 7, 14])
        plans.append(
            AssessmentPlan(
                demo_case=demo_case,
                assessor="idva" if rng.random() < 0.15 else "recorder",
                assessed_on=min(demo_case.plan.opened_on + timedelta(days=offset), today),
                answers=_dash_answers(rng, score, demo_case.plan.flags),
                professional_judgement=judgement,
                professional_judgement_reason=rng.choice(JUDGEMENT_REASONS) if judgement else "",
            )
        )
    return sorted(plans, key=lambda plan: (plan.assessed_on, plan.demo_case.plan.opened_on))
