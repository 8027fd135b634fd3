"""The demo partnership's routing policies, the demo cases' DASH assessments and referrals, their IDVA
workflow, and the referral history at a realistic volume.

Always: SafeLives' default policy (it ships in a migration; kept as it is) and the seed partnership's
rule from 2020-01-01 (api.md). Unless minimal: the story cases of `cases.demo`, each assessed through
`risk_assessment_submit`, oldest first, so repeats and escalation are found as they would have been;
their IDVA referrals taken through the workflow by the services (the IDVA manager allocates, the IDVA
contacts and records the outcome); then some twenty thousand more referrals since 2018, written in bulk
by `referrals.demo_volume`; last, the nightly first-contact check. Idempotent: a case that already has
an assessment is not assessed again, a referral already worked is not stepped again, and the volume
writes only what is missing.
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
from referrals.demo_volume import (
    JUDGEMENT_REASONS,
    Step,
    VolumePlan,
    WorkflowPlanner,
    WorkItem,
    allocate,
    dash_answers,
    demo_team_users,
    idva_team,
    volume_write,
)
from referrals.models import Referral, RoutingDecision, RoutingPolicy
from referrals.rules import ALLOCATE, CLOSE, CONTACT_ATTEMPT, RECORD_ENGAGED, RECORD_NOT_ENGAGED, REOPEN
from referrals.selectors import policy_as_rules, specialist_suggestion
from referrals.services import (
    contact_attempt_record,
    referral_allocate,
    referral_close,
    referral_engagement_record,
    referral_reopen,
    referrals_contact_overdue_flag,
    risk_assessment_submit,
)

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
    today = timezone.localdate()
    volume = VolumePlan([policy_as_rules(policy) for policy in RoutingPolicy.objects.all()])
    story = story_work_items(demo_cases, volume.workflows)
    # One team: the story referrals and the volume share the IDVAs' caseloads.
    allocate([item for item, _ in story] + volume.work_items(), idva_team())
    users = demo_team_users()
    steps = sum(story_workflow_take(referral, item, users=users, today=today) for item, referral in story)
    stdout.write(f"Demo story referrals: {len(story)} to the IDVA service ({steps} new workflow steps).\n")
    volume_write(volume, today=today, users=users, stdout=stdout)
    flagged = referrals_contact_overdue_flag(today=today)
    stdout.write(f"First contact overdue: {flagged['flagged']} newly flagged, {flagged['cleared']} cleared.\n")


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
                answers=dash_answers(rng, score, demo_case.plan.flags),
                professional_judgement=judgement,
                professional_judgement_reason=rng.choice(JUDGEMENT_REASONS) if judgement else "",
            )
        )
    return sorted(plans, key=lambda plan: (plan.assessed_on, plan.demo_case.plan.opened_on))


def story_work_items(demo_cases: list[DemoCase], planner: WorkflowPlanner) -> list[tuple[WorkItem, Referral]]:
    """The story cases' IDVA referrals, each with its planned workflow (from a fixed seed, in date order)."""
    referrals = sorted(
        Referral.objects.filter(service=Referral.Service.IDVA, case__in=[demo_case.case for demo_case in demo_cases])
        .select_related("case__victim", "referring_agency", "risk_assessment__routing_decision")
        .prefetch_related("case__parties", "case__children"),
        key=lambda referral: (referral.received_on, referral.case.reference),
    )
    perpetrators = {referral.pk: {party.person_id for party in referral.case.parties.all()} for referral in referrals}
    rng = random.Random(DEMO_SEED + 1)  # noqa: S311 - reproducible demo data, not a secret
    items = []
    for position, referral in enumerate(referrals):
        following = next(
            (
                later.received_on
                for later in referrals[position + 1 :]
                if later.case.victim_id == referral.case.victim_id
                and later.received_on > referral.received_on
                and perpetrators[later.pk] & perpetrators[referral.pk]
            ),
            None,
        )
        decision = getattr(referral.risk_assessment, "routing_decision", None)
        workflow = planner.plan(
            rng,
            received_on=referral.received_on,
            next_received_on=following,
            marac=decision is not None and decision.routing == "marac",
            children=bool(referral.case.children.all()),
        )
        pair = ("story", referral.case.victim_id, min(perpetrators[referral.pk], default=0))
        items.append(
            (
                WorkItem(("story", position), referral.received_on, specialist_suggestion(referral), pair, workflow),
                referral,
            )
        )
    return items


def story_workflow_take(referral: Referral, item: WorkItem, *, users: dict[str, User], today: date) -> int:
    """Take a story referral's planned steps up to today through the services, as the IDVA manager and
    the allocated IDVA would; one already worked (no longer just received) is left alone."""
    if referral.status != Referral.Status.RECEIVED:
        return 0
    workflow = item.workflow
    idva, manager = users[workflow.idva], users["idva.manager"]
    taken = 0
    for step in [Step(ALLOCATE, workflow.allocate_on), *workflow.steps]:
        if step.on > today:
            break
        if step.kind == ALLOCATE:
            referral_allocate(actor=manager, referral=referral, idva=idva, on=step.on)
        elif step.kind == CONTACT_ATTEMPT:
            contact_attempt_record(
                actor=idva,
                referral=referral,
                made_on=step.on,
                method=step.method,
                safe_to_leave_message=step.safe_to_leave_message,
                outcome=step.outcome,
            )
        elif step.kind == RECORD_ENGAGED:
            referral_engagement_record(actor=idva, referral=referral, outcome="engaged", on=step.on, detail=step.detail)
        elif step.kind == RECORD_NOT_ENGAGED:
            referral_engagement_record(
                actor=idva,
                referral=referral,
                outcome="not_engaged",
                on=step.on,
                reason=step.outcome,
                detail=step.detail,
            )
        elif step.kind == REOPEN:
            referral_reopen(actor=idva, referral=referral, on=step.on, detail=step.detail)
        elif step.kind == CLOSE:
            referral_close(actor=idva, referral=referral, outcome=step.outcome, on=step.on, **(step.closure or {}))
        taken += 1
    return taken
