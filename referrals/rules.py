"""Pure routing rules: the policy in force, the four MARAC criteria, the routing outcome, repeats.

Everything here takes plain data (dates, numbers) and returns plain data, so that every boundary can be
tested exhaustively. The services feed it from the database and store what it decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

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


# --- The IDVA workflow -----------------------------------------------------------------------------
RECEIVED, ALLOCATED, CONTACTING, ENGAGED, NOT_ENGAGED, CLOSED = (
    "received",
    "allocated",
    "contacting",
    "engaged",
    "not_engaged",
    "closed",
)
# The steps a referral can take (each a service in referrals.services).
ALLOCATE, CONTACT_ATTEMPT, RECORD_ENGAGED, RECORD_NOT_ENGAGED, REOPEN, CLOSE = (
    "allocate",
    "contact_attempt",
    "engaged",
    "not_engaged",
    "reopen",
    "close",
)
# Services whose referrals are worked through this workflow. MARAC, MARAC Plus and perpetrator-panel
# referrals are heard at their meetings instead.
WORKFLOW_SERVICES = frozenset({"idva", "outreach", "refuge", "victim_hub", "isva"})

# From which statuses each step may be taken, and why not from the others.
_ALLOWED_FROM: dict[str, frozenset[str]] = {
    ALLOCATE: frozenset({RECEIVED, ALLOCATED, CONTACTING, ENGAGED}),
    CONTACT_ATTEMPT: frozenset({ALLOCATED, CONTACTING, ENGAGED}),
    RECORD_ENGAGED: frozenset({CONTACTING}),
    RECORD_NOT_ENGAGED: frozenset({ALLOCATED, CONTACTING}),
    REOPEN: frozenset({NOT_ENGAGED}),
    CLOSE: frozenset({ENGAGED, NOT_ENGAGED}),
}
_REFUSALS: dict[tuple[str, str], str] = {
    (ALLOCATE, NOT_ENGAGED): "The victim did not engage: re-open the referral before allocating it again.",
    (CONTACT_ATTEMPT, RECEIVED): "Allocate the referral to an IDVA before contacting the victim.",
    (CONTACT_ATTEMPT, NOT_ENGAGED): "The victim did not engage: re-open the referral if they get back in touch.",
    (RECORD_ENGAGED, RECEIVED): "Allocate the referral and contact the victim before recording engagement.",
    (RECORD_ENGAGED, ALLOCATED): "Record a contact attempt before recording that the victim engaged.",
    (RECORD_ENGAGED, ENGAGED): "The victim has already engaged.",
    (RECORD_ENGAGED, NOT_ENGAGED): "The victim did not engage: re-open the referral if they get back in touch.",
    (RECORD_NOT_ENGAGED, RECEIVED): "Allocate the referral before recording an engagement outcome.",
    (RECORD_NOT_ENGAGED, ENGAGED): "The victim has engaged: close the referral with its outcome instead.",
    (RECORD_NOT_ENGAGED, NOT_ENGAGED): "The referral is already recorded as not engaged.",
    (REOPEN, RECEIVED): "Only a referral that did not engage can be re-opened.",
    (REOPEN, ALLOCATED): "Only a referral that did not engage can be re-opened.",
    (REOPEN, CONTACTING): "Only a referral that did not engage can be re-opened.",
    (REOPEN, ENGAGED): "Only a referral that did not engage can be re-opened.",
    (CLOSE, RECEIVED): "Record an engagement outcome before closing the referral.",
    (CLOSE, ALLOCATED): "Record an engagement outcome before closing the referral.",
    (CLOSE, CONTACTING): "Record an engagement outcome before closing the referral.",
}
_NEXT_STATUS: dict[str, dict[str, str]] = {
    ALLOCATE: {RECEIVED: ALLOCATED},
    CONTACT_ATTEMPT: {ALLOCATED: CONTACTING},
    RECORD_ENGAGED: {CONTACTING: ENGAGED},
    RECORD_NOT_ENGAGED: {ALLOCATED: NOT_ENGAGED, CONTACTING: NOT_ENGAGED},
    REOPEN: {NOT_ENGAGED: CONTACTING},
    CLOSE: {ENGAGED: CLOSED, NOT_ENGAGED: CLOSED},
}
# Steps that change the status or the IDVA must keep the timeline in order (a reallocation dated before
# the allocation it replaces would read "from" someone not yet allocated); a contact attempt may be
# logged late.
_ORDERED_STEPS = frozenset({ALLOCATE, RECORD_ENGAGED, RECORD_NOT_ENGAGED, REOPEN, CLOSE})


@dataclass(frozen=True)
class ReferralState:
    """What the workflow rules need to know of a referral."""

    service: str
    status: str
    received_on: date
    # The day of the latest status change on the timeline (received_on when there is none).
    last_step_on: date
    first_contact_attempt_on: date | None = None


def step_refusal(state: ReferralState, step: str) -> str | None:
    """Why the referral, as it stands, cannot take the step; None when it can."""
    if step not in _ALLOWED_FROM:
        raise ValueError(f"Unknown step {step!r}.")
    if state.service not in WORKFLOW_SERVICES:
        return "MARAC, MARAC Plus and perpetrator panel referrals are heard at their meetings, not allocated."
    if state.status in _ALLOWED_FROM[step]:
        return None
    if state.status == CLOSED:
        return "The referral is closed."
    return _REFUSALS[(step, state.status)]


def step_date_refusal(state: ReferralState, step: str, *, on: date, today: date) -> str | None:
    """Why the step cannot be dated `on`; None when it can."""
    if on > today:
        return "The date cannot be in the future."
    if on < state.received_on:
        return f"The date cannot be before the referral was received ({_day(state.received_on)})."
    if step in _ORDERED_STEPS and on < state.last_step_on:
        return f"The date cannot be before the last step on the timeline ({_day(state.last_step_on)})."
    if step == RECORD_ENGAGED and state.first_contact_attempt_on and on < state.first_contact_attempt_on:
        return f"The date cannot be before the first contact attempt ({_day(state.first_contact_attempt_on)})."
    return None


def transition_refusal(state: ReferralState, step: str, *, on: date, today: date) -> str | None:
    """Why the step may not be taken on that day, in words; None when it may."""
    return step_refusal(state, step) or step_date_refusal(state, step, on=on, today=today)


def status_after(status: str, step: str) -> str:
    """The status a referral has after a step that was allowed."""
    return _NEXT_STATUS[step].get(status, status)


# Which closure outcomes fit which engagement outcome.
_CLOSURE_NEEDS_ENGAGEMENT = {"support_completed": ENGAGED, "victim_withdrew": ENGAGED, "not_engaged": NOT_ENGAGED}


def closure_refusal(*, engagement: str, outcome: str) -> str | None:
    """A referral closes with an outcome that fits whether the victim engaged."""
    needed = _CLOSURE_NEEDS_ENGAGEMENT.get(outcome)
    if needed == ENGAGED and engagement != ENGAGED:
        return "The victim did not engage: close the referral as not engaged, or with another outcome."
    if needed == NOT_ENGAGED and engagement != NOT_ENGAGED:
        return "The victim engaged: choose the outcome of the support."
    return None


def contact_attempt_refusal(*, outcome: str, safe_to_leave_message: bool) -> str | None:
    """A message may be left only where it is safe to leave one."""
    if outcome == "message_left" and not safe_to_leave_message:
        return "A message was recorded as left, but it was not safe to leave a message."
    return None


# --- Specialist posts and caseloads ---------------------------------------------------------------
YOUNG_PEOPLE, A8, HEALTH, STALKING = "young_people", "a8", "health", "stalking"
YOUNG_PEOPLE_AGES = (13, 19)
# The Young People's IDVA also works with 20-24 year olds who have additional needs.
YOUNG_PEOPLE_ADDITIONAL_NEEDS_UP_TO = 24


@dataclass(frozen=True)
class SpecialistFacts:
    """What triage knows of a referral that points to a specialist IDVA post."""

    victim_age: int | None
    additional_needs: bool
    nationality_group: str
    referring_agency_kind: str
    stalking: bool


def age_on(born: date | None, on: date) -> int | None:
    """Age in whole years on a day (a birthday on 29 February is reached on 1 March in other years)."""
    if born is None:
        return None
    before_birthday = (on.month, on.day) < (born.month, born.day)
    return on.year - born.year - before_birthday


def specialist_posts(facts: SpecialistFacts) -> tuple[str, ...]:
    """The specialist IDVA posts a referral suits, in the order triage lists them (none: a generic IDVA)."""
    posts = []
    age = facts.victim_age
    if age is not None and (
        YOUNG_PEOPLE_AGES[0] <= age <= YOUNG_PEOPLE_AGES[1]
        or (facts.additional_needs and YOUNG_PEOPLE_AGES[0] <= age <= YOUNG_PEOPLE_ADDITIONAL_NEEDS_UP_TO)
    ):
        posts.append(YOUNG_PEOPLE)
    if facts.nationality_group == "a8":
        posts.append(A8)
    if facts.referring_agency_kind == "health":
        posts.append(HEALTH)
    if facts.stalking:
        posts.append(STALKING)
    return tuple(posts)


BELOW, WITHIN, ABOVE = "below", "within", "above"


def caseload_band(open_referrals: int, *, safe_range: tuple[int, int]) -> str:
    """Where an IDVA's open caseload sits against the safe range (SafeLives: 60-80), both ends safe."""
    low, high = safe_range
    if open_referrals < low:
        return BELOW
    if open_referrals > high:
        return ABOVE
    return WITHIN


# --- Deadlines and repeat MARAC -------------------------------------------------------------------
AWAITING_FIRST_CONTACT = frozenset({RECEIVED, ALLOCATED})


def contact_overdue_since(
    *, status: str, first_contact_attempt_on: date | None, deadline: date, today: date
) -> date | None:
    """The day a referral became overdue for its first contact attempt (the day after the deadline), or
    None when it is not overdue: a contact attempt was made, it is no longer awaiting contact, or the
    deadline has not passed."""
    if status not in AWAITING_FIRST_CONTACT or first_contact_attempt_on is not None or today <= deadline:
        return None
    return deadline + timedelta(days=1)


def repeat_marac_referral(
    *, incident_on: date, marac_referral_dates: Iterable[date], window_days: int = 365
) -> date | None:
    """The last MARAC referral (of the same victim and perpetrator) that makes an incident a repeat MARAC:
    received before the incident, within the window ending on the incident's date; None if there is none.
    An incident on the day of the referral is taken as the one referred, not a further one."""
    earlier = [
        day
        for day in marac_referral_dates
        if day < incident_on and in_window(day, ending=incident_on, days=window_days)
    ]
    return max(earlier, default=None)
