"""Pure routing rules: the policy in force, the four MARAC criteria, the routing outcome, repeats.

Everything here takes plain data (dates, numbers) and returns plain data, so that every boundary can be
tested exhaustively. The services feed it from the database and store what it decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from cases.rules import in_window

VISIBLE_HIGH_RISK = "visible_high_risk"
PROFESSIONAL_JUDGEMENT = "professional_judgement"
POTENTIAL_ESCALATION = "potential_escalation"
REPEAT = "repeat"
# The order in which criteria are listed (all that apply are recorded): api.md's, SafeLives' numbering.
CRITERIA_ORDER = (VISIBLE_HIGH_RISK, PROFESSIONAL_JUDGEMENT, POTENTIAL_ESCALATION, REPEAT)

MARAC, IDVA, STANDARD = "marac", "idva", "standard"


@dataclass(frozen=True)
class Policy:
    """The parts of a routing policy the rules need."""

    id: int | None
    effective_from: date
    marac_threshold: int
    idva_band: tuple[int, int] | None
    escalation_count: int
    escalation_window_days: int
    repeat_window_days: int


@dataclass(frozen=True)
class AssessmentFacts:
    """What is known when an assessment is routed."""

    assessed_on: date
    score: int | None
    professional_judgement: bool
    # Incidents of any case of the same victim.
    incident_dates: Sequence[date] = ()
    # Earlier MARAC referrals of the same victim with one of this case's perpetrators.
    marac_referral_dates: Sequence[date] = ()
    recorded_grade: str | None = None


@dataclass(frozen=True)
class Criterion:
    code: str
    explanation: str
    dates: tuple[date, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RoutingResult:
    routing: str
    criteria: tuple[Criterion, ...]
    policy: Policy

    @property
    def criteria_codes(self) -> list[str]:
        return [criterion.code for criterion in self.criteria]


def policy_in_force(policies: Iterable[Policy], on: date) -> Policy:
    """The policy with the latest effective date on or before `on`."""
    candidates = [policy for policy in policies if policy.effective_from <= on]
    if not candidates:
        raise LookupError(f"No routing policy is in force on {on:%d %B %Y}.")
    return max(candidates, key=lambda policy: policy.effective_from)


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _dates_in_window(dates: Iterable[date], *, ending: date, days: int) -> tuple[date, ...]:
    return tuple(sorted(day for day in dates if in_window(day, ending=ending, days=days)))


def marac_criteria(facts: AssessmentFacts, policy: Policy) -> tuple[Criterion, ...]:
    """Every MARAC criterion that applies, with why, in CRITERIA_ORDER."""
    found: dict[str, Criterion] = {}
    if facts.score is not None and facts.score >= policy.marac_threshold:
        found[VISIBLE_HIGH_RISK] = Criterion(
            VISIBLE_HIGH_RISK, f"Score {facts.score} is at or above the MARAC threshold of {policy.marac_threshold}."
        )
    if facts.professional_judgement:
        found[PROFESSIONAL_JUDGEMENT] = Criterion(
            PROFESSIONAL_JUDGEMENT, "The assessor referred on professional judgement."
        )
    incidents = _dates_in_window(facts.incident_dates, ending=facts.assessed_on, days=policy.escalation_window_days)
    if len(incidents) >= policy.escalation_count:
        listed = ", ".join(_day(day) for day in incidents)
        found[POTENTIAL_ESCALATION] = Criterion(
            POTENTIAL_ESCALATION,
            f"{len(incidents)} incidents in the last {policy.escalation_window_days} days: {listed}.",
            incidents,
        )
    referrals = _dates_in_window(facts.marac_referral_dates, ending=facts.assessed_on, days=policy.repeat_window_days)
    if referrals:
        found[REPEAT] = Criterion(
            REPEAT,
            f"Referred to MARAC with the same perpetrator in the last {policy.repeat_window_days} days "
            f"(last on {_day(referrals[-1])}).",
            referrals,
        )
    return tuple(found[code] for code in CRITERIA_ORDER if code in found)


def route(facts: AssessmentFacts, policy: Policy) -> RoutingResult:
    """MARAC when any criterion applies; else the IDVA service when the score is in the IDVA band
    (or another agency graded the risk high); else standard services."""
    criteria = marac_criteria(facts, policy)
    if criteria:
        routing = MARAC
    elif facts.score is not None and policy.idva_band and policy.idva_band[0] <= facts.score <= policy.idva_band[1]:
        routing = IDVA
    elif facts.score is None and facts.recorded_grade == "high":
        # Every high-risk victim is offered an IDVA (domain.md section 3).
        routing = IDVA
    else:
        routing = STANDARD
    return RoutingResult(routing=routing, criteria=criteria, policy=policy)


def is_repeat_referral(*, received_on: date, earlier_received_on: Iterable[date], window_days: int = 365) -> bool:
    """A repeat: an earlier referral (same service, same victim, a perpetrator in common) received in the
    window ending on this referral's date, both ends included."""
    return any(in_window(day, ending=received_on, days=window_days) for day in earlier_received_on)
