"""The demo partnership's referral history at a realistic volume, and the IDVA workflow of every demo referral.

About 2,300 IDVA referrals a year (the seed report's 2020-21: 2,324, 18% more than 2019-20) from January
2018 to the current year, with MARAC referrals where the routing policy in force sends them, repeats
near 30% (the same victim and perpetrator re-referred within twelve months) and engagement near 76%.
Police make most referrals; health, children's social care, housing, the IDVA service itself and other
agencies the rest. Each referral is allocated by the IDVA manager (to a specialist post when it suits
one), contacted, engages or not, and is closed with its outcomes, on planned dates; steps after today
are not taken yet, so recent referrals are open and the newest wait in the triage queue.

Everything is planned from fixed seeds before anything is written, and the plan does not depend on
today (today only decides how much of it has happened): people, cases, incidents, DASH assessments
routed by `referrals.rules.route` with the policy in force, referrals with `is_repeat` from
`referrals.rules.is_repeat_referral`, and each workflow step checked against `referrals.rules`, so the
rows are those the services would have written. Allocations come from one simulation of the team's
open caseloads, shared with the story cases' referrals (which `referrals.demo` takes through the
services themselves).

The volume is written with bulk_create in batches, because some twenty thousand referrals through the
services would take many minutes. It is demo history, not activity: it writes no access-log rows and
no change-history rows. Its incidents' source references start with "DEMO-VOL-": a second run finds
what exists by them and creates only what is missing (on a later day, the referrals received since;
referrals already written are not stepped on again).
"""

from __future__ import annotations

import bisect
import heapq
import io
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from typing import Any, TextIO, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router
from django.utils import timezone
from faker import Faker

from agencies.calendar import add_working_days, bank_holidays, is_working_day
from agencies.demo import AGENCIES, DEMO_EMAIL_DOMAIN, IDVA_PART_TIME, USERS, demo_email
from agencies.models import Agency, Area, Role, User
from cases.demo import (
    AREAS,
    CASE_FLAGS,
    CRIME_TYPES,
    DEMO_VOLUME_PREFIX,
    DO_NOT_CONTACT,
    ETHNICITIES,
    RELATIONSHIPS,
    SAFE_TIMES,
    SEXUALITIES,
)
from cases.instruments import DASH_CODE
from cases.models import (
    Case,
    CaseAgencyPermission,
    CaseParty,
    CaseReferenceCounter,
    Child,
    Gender,
    Incident,
    Person,
    Relationship,
    RiskAssessment,
    RiskInstrument,
    SafeContact,
)
from cases.rules import risk_level
from referrals.models import (
    Closure,
    ContactAttempt,
    Referral,
    ReferralEvent,
    RoutingDecision,
    SafetyMeasure,
)
from referrals.rules import (
    ALLOCATE,
    CLOSE,
    CONTACT_ATTEMPT,
    MARAC,
    RECEIVED,
    RECORD_ENGAGED,
    RECORD_NOT_ENGAGED,
    REOPEN,
    AssessmentFacts,
    Policy,
    ReferralState,
    RoutingResult,
    SpecialistFacts,
    age_on,
    closure_refusal,
    contact_attempt_refusal,
    is_repeat_referral,
    policy_in_force,
    route,
    specialist_posts,
    status_after,
    transition_refusal,
)

T = TypeVar("T")

VOLUME_SEED = 2324
VOLUME_PREFIX = DEMO_VOLUME_PREFIX
# Fixed dates, not "today": every run plans the same history. Cases of earlier years start in January
# 2018 (as the story cases do), so that 2018-19 already has repeats; the plan ends with the financial
# year 2026-27.
FIRST_RECEIVED = date(2018, 1, 4)
LAST_RECEIVED = date(2027, 3, 31)

# IDVA referrals per financial year, by the year it starts in (2017: the rate of January-March 2018).
IDVA_REFERRALS_BY_YEAR = {
    2017: 1780,
    2018: 1880,
    2019: 1970,
    2020: 2324,
    2021: 2255,
    2022: 2290,
    2023: 2245,
    2024: 2305,
    2025: 2310,
    2026: 2310,
}
# Seasonality: more in summer and over Christmas and New Year, fewer in February.
MONTH_WEIGHTS = {
    4: 0.96,
    5: 1.0,
    6: 1.04,
    7: 1.08,
    8: 1.06,
    9: 0.98,
    10: 0.98,
    11: 0.95,
    12: 1.02,
    1: 1.05,
    2: 0.91,
    3: 0.97,
}
# 2020-21: fewer referrals in each lockdown, more as each was eased (the seed report, 5.2.1).
LOCKDOWNS = {
    (2020, 4): 0.72,
    (2020, 5): 0.88,
    (2020, 6): 1.12,
    (2020, 7): 1.18,
    (2020, 8): 1.12,
    (2020, 11): 0.92,
    (2021, 1): 0.88,
    (2021, 2): 0.92,
    (2021, 3): 1.12,
}
# Engagement of the referrals with an outcome, by financial year (2020-21: 76%, target 75%).
ENGAGEMENT_BY_YEAR = {2017: 0.74, 2018: 0.74, 2019: 0.75, 2020: 0.76, 2021: 0.77, 2022: 0.76, 2023: 0.77}
ENGAGEMENT_LATER = 0.76
# After each referral: re-referred (same victim and perpetrator) within twelve months, a repeat; or
# again after more than a year, a new referral.
REPEAT_WITHIN_YEAR = 0.30
AGAIN_AFTER_YEAR = 0.05
# New chains that are a known victim with a new partner, or a known perpetrator with a new partner.
NEW_PARTNER_SHARE = 0.04
SERIAL_SHARE = 0.05

# Referring agencies: slug, share (per thousand), incident reference prefix, referrers' job titles.
REFERRING_AGENCIES: list[tuple[str, int, str, tuple[str, ...]]] = [
    ("police", 570, "CAD", ("Police constable", "Detective constable", "Police sergeant", "Domestic abuse officer")),
    ("health", 90, "HOSP", ("Midwife", "Emergency department nurse", "Safeguarding nurse", "Health visitor", "GP")),
    ("childrens-social-care", 70, "CSC", ("Social worker", "Senior social worker", "Family support worker")),
    ("idva-service", 50, "IDVA", ()),
    ("housing", 40, "HSG", ("Housing options officer", "Tenancy support officer")),
    ("adult-safeguarding", 28, "MASH", ("Safeguarding practitioner",)),
    ("mental-health", 20, "MH", ("Community psychiatric nurse", "Mental health practitioner")),
    ("probation", 18, "PROB", ("Probation officer",)),
    ("substance-misuse", 14, "REC", ("Recovery worker",)),
    ("refuge", 9, "REF", ("Refuge support worker",)),
    ("outreach", 9, "OUT", ("Outreach worker",)),
    ("education", 6, "EDU", ("Designated safeguarding lead",)),
    ("community", 3, "COM", ("Community support worker",)),
    ("isva-service", 2, "ISVA", ("ISVA",)),
    ("victim-hub", 1, "HUB", ("Victim and witness care coordinator",)),
]
REFERRAL_SHARES = [(slug, share) for slug, share, _, _ in REFERRING_AGENCIES]
# Re-referrals mostly follow a further police call-out.
REPEAT_POLICE_SHARE = 0.55
REFERRERS_PER_AGENCY = {"police": 60, "health": 20, "childrens-social-care": 12}
IDVA_SERVICE = "idva-service"

VICTIM_AGES = [
    ((13, 15), 1),
    ((16, 19), 8),
    ((20, 24), 12),
    ((25, 34), 30),
    ((35, 44), 25),
    ((45, 59), 17),
    ((60, 85), 7),
]
PERPETRATOR_AGES = [((18, 24), 14), ((25, 34), 32), ((35, 44), 28), ((45, 59), 19), ((60, 80), 7)]
NATIONALITIES = [("uk", 82), ("a8", 8), ("other_eu", 4), ("other", 4), ("not_known", 2)]
A8_LANGUAGES = ["Polish", "Lithuanian", "Latvian", "Slovak", "Czech", "Hungarian"]
VOLUME_FLAGS = {"stalking": 0.16, "strangulation": 0.2, "sexual_violence": 0.12}

# Scores of the assessments that lead to an IDVA referral: the high-risk ones (14 or more: 14-16 is
# the IDVA band from 2020), and lower ones referred to a specialist post or on professional judgement.
HIGH_SCORES = [(14, 25), (15, 22), (16, 18), (17, 11), (18, 9), (19, 7), (20, 5), (21, 4), (22, 3), (23, 2), (24, 1)]
LOWER_SCORES = [(4, 2), (5, 3), (6, 4), (7, 5), (8, 6), (9, 7), (10, 8), (11, 9), (12, 9), (13, 8)]
BELOW_WHEN_SPECIALIST = 0.7
JUDGEMENT_BELOW = 0.07
JUDGEMENT_IN_BAND = 0.05
# Which DASH questions the case's flags make a yes (strangulation is question 15, and so on).
FLAG_QUESTIONS = {"strangulation": 15, "stalking": 8, "sexual_violence": 16, "honour_based_abuse": 17, "pregnancy": 9}
JUDGEMENT_REASONS = [
    "Strangulation disclosed at the last incident; the victim believes he will kill her.",
    "Separation a week ago, with coercive control and a recent assault: the dangerous cluster.",
    "Stalking after separation: he waits outside her workplace every day.",
    "Honour-based abuse: threats from his family, who are trying to take her abroad.",
    "Escalation: three call-outs this month, each more violent than the last.",
    "The victim says this is the most frightened she has ever been.",
]
CONSENT_REASONS = [
    "The victim fears for their life: shared without consent to prevent serious harm.",
    "Children in the household are at risk: shared to protect them.",
    "Serious crime (strangulation): shared under the information sharing protocol.",
    "The victim could not be asked safely: the perpetrator was present throughout.",
]
REFERRAL_DETAILS = [
    "Safe to call on the victim's own mobile in the mornings.",
    "The victim wants help with a non-molestation order.",
    "The perpetrator is on police bail, with a condition not to make contact.",
    "The victim is staying with family for now.",
    "Interpreter needed for any call.",
    "The victim asked for an IDVA of the same sex.",
    "Please contact through the referrer first.",
    "",
    "",
    "",
]

# The workflow: working days from receipt to allocation and from allocation to the first attempt.
ALLOCATION_DELAYS = [(0, 45), (1, 30), (2, 15), (3, 10)]
FIRST_ATTEMPT_DELAYS = [(0, 45), (1, 35), (2, 10), (3, 5), (5, 5)]
FAILED_OUTCOMES = [("no_answer", 50), ("message_left", 26), ("not_safe_to_talk", 19), ("wrong_details", 5)]
ATTEMPT_METHODS = [
    ("phone_call", 72),
    ("text_message", 12),
    ("letter", 3),
    ("email", 3),
    ("in_person", 5),
    ("through_professional", 5),
]
NOT_ENGAGED_REASONS = [("could_not_contact_safely", 50), ("declined", 38), ("other", 12)]
NOT_ENGAGED_OTHER = [
    "Moved out of the area before contact; referred on to the local service.",
    "Already supported by the refuge.",
    "In hospital: the ward's safeguarding team is supporting the victim.",
    "The perpetrator is in custody; the victim asked to be contacted again on release.",
]
DECLINED_DETAILS = ["Feels safe now the perpetrator has moved out.", "Support from family is enough for now.", "", ""]
REOPEN_DETAILS = [
    "The victim called the service after a further incident.",
    "The social worker asked us to try again; the victim now wants support.",
    "The victim got back in touch by text from a friend's phone.",
]
REOPEN_SHARE = 0.05
# Days of support from engagement to closure.
SUPPORT_DAYS = [((30, 90), 18), ((90, 240), 38), ((240, 420), 32), ((420, 720), 12)]
ENGAGED_CLOSURES = [
    ("support_completed", 78),
    ("victim_withdrew", 9),
    ("moved_out_of_area", 5),
    ("transferred", 6),
    ("other", 2),
]
NOT_ENGAGED_CLOSURES = [("not_engaged", 88), ("moved_out_of_area", 5), ("transferred", 5), ("other", 2)]
CRIMINAL_OUTCOMES = [
    ("none", 30),
    ("no_further_action", 20),
    ("ongoing", 8),
    ("charged", 8),
    ("convicted", 18),
    ("out_of_court", 5),
    ("acquitted", 4),
    ("discontinued", 7),
]
CIVIL_OUTCOMES = [("none", 66), ("non_molestation_order", 18), ("occupation_order", 3), ("ongoing", 6), ("refused", 2)]
HOUSING_OUTCOMES = [
    ("safe_at_home", 45),
    ("not_applicable", 20),
    ("rehoused", 10),
    ("refuge", 6),
    ("temporary", 7),
    ("with_family", 12),
]
ENGAGED_DETAILS = ["Safety plan started on the first call.", "Agreed weekly calls.", "", "", ""]

# The IDVA manager's allocation: specialist referrals go to the post while its holder has fewer than
# this many open (per full-time post); others to the least loaded IDVA, specialists included while
# below the top-up level; a repeat stays with the IDVA who knows the victim unless they are full.
SPECIALIST_CAP = 82
TOP_UP = 64
CONTINUITY_CAP = 84

_EVENT_KINDS = {
    ALLOCATE: ReferralEvent.Kind.ALLOCATED,
    CONTACT_ATTEMPT: ReferralEvent.Kind.CONTACT_ATTEMPT,
    RECORD_ENGAGED: ReferralEvent.Kind.ENGAGED,
    RECORD_NOT_ENGAGED: ReferralEvent.Kind.NOT_ENGAGED,
    REOPEN: ReferralEvent.Kind.REOPENED,
    CLOSE: ReferralEvent.Kind.CLOSED,
}


_PREPARED: dict[tuple[Any, ...], tuple[tuple[Any, ...], list[float], float]] = {}


def weighted(rng: random.Random, choices: Sequence[tuple[T, int | float]]) -> T:
    """One of the values, drawn by weight (the running totals are kept: this is called a million times)."""
    key = tuple(choices)
    prepared = _PREPARED.get(key)
    if prepared is None:
        values, weights = zip(*key, strict=True)
        totals = list(accumulate(weights))
        prepared = _PREPARED[key] = (values, totals, totals[-1])
    values, totals, total = prepared
    return values[bisect.bisect(totals, rng.random() * total)]


def dash_answers(rng: random.Random, score: int, flags: dict[str, bool]) -> dict[str, str]:
    """24 answers with exactly `score` yes, the case's flags among them first; the rest mostly no."""
    flagged = [FLAG_QUESTIONS[flag] for flag, value in flags.items() if value and flag in FLAG_QUESTIONS]
    others = [number for number in range(1, 25) if number not in flagged]
    rng.shuffle(others)
    yes = set((flagged + others)[:score])
    return {
        f"q{number}": "yes" if number in yes else "not_known" if rng.random() < 0.12 else "no"
        for number in range(1, 25)
    }


def financial_year(day: date) -> int:
    """The year a financial year (April to March) starts in."""
    return day.year if day.month >= 4 else day.year - 1


# --- The workflow of one referral ------------------------------------------------------------------


@dataclass
class Step:
    """One planned step after allocation (its `kind` is the step of referrals.rules)."""

    kind: str
    on: date
    method: str = ""
    safe_to_leave_message: bool = False
    outcome: str = ""
    detail: str = ""
    closure: dict[str, Any] | None = None


@dataclass
class Workflow:
    """The planned way of one IDVA referral through the service; the IDVA comes from the allocator."""

    allocate_on: date
    steps: list[Step]
    idva: str = ""

    @property
    def close_on(self) -> date:
        last = self.steps[-1]
        return last.on if last.kind == CLOSE else date.max


class _Steps:
    """The steps drawn so far for one referral, and how this victim may be contacted."""

    def __init__(self, rng: random.Random, *, safe_to_leave_message: bool) -> None:
        self.rng = rng
        self.safe_to_leave_message = safe_to_leave_message
        self.steps: list[Step] = []

    @property
    def last_on(self) -> date:
        return self.steps[-1].on

    def add(self, kind: str, on: date, **details: Any) -> None:
        self.steps.append(Step(kind, on, **details))

    def attempt(self, on: date, outcome: str) -> None:
        """A contact attempt; a message is left only where that is safe, by phone or text."""
        safe = self.safe_to_leave_message
        if outcome == "message_left" and not safe:
            outcome = "no_answer"
        method = weighted(self.rng, ATTEMPT_METHODS)
        if outcome == "message_left" and method not in {"phone_call", "text_message"}:
            method = "phone_call"
        self.add(CONTACT_ATTEMPT, on, method=method, safe_to_leave_message=safe, outcome=outcome)


class WorkflowPlanner:
    """Draws the dates and outcomes of a referral's workflow (working days, bank holidays excluded)."""

    def __init__(self) -> None:
        self.holidays = bank_holidays(years=range(FIRST_RECEIVED.year - 1, LAST_RECEIVED.year + 4))
        # Per financial year, engagements owed (+) or drawn ahead (-) against the year's rate.
        self.engagement_drift: dict[int, float] = defaultdict(float)

    def working_day(self, day: date) -> date:
        while not is_working_day(day, holidays=self.holidays):
            day += timedelta(days=1)
        return day

    def after(self, day: date, working_days: int) -> date:
        return add_working_days(day, working_days, holidays=self.holidays)

    def plan(
        self,
        rng: random.Random,
        *,
        received_on: date,
        next_received_on: date | None,
        marac: bool,
        children: bool,
    ) -> Workflow:
        """Allocation within a day or two, contact attempts (some failing), the engagement outcome, and
        closure with its outcomes; a referral re-referred while open is closed when the next arrives."""
        year = financial_year(received_on)
        rate = ENGAGEMENT_BY_YEAR.get(year, ENGAGEMENT_LATER)
        # Reopening some of those who did not engage makes up the rest of the year's rate.
        chance = rate - (1 - rate) * REOPEN_SHARE
        # Drawn with the year's drift added, so that each year's rate stays near its figure rather than
        # wandering a couple of points either way with the draws.
        engages = rng.random() < min(1.0, max(0.0, chance + self.engagement_drift[year]))
        self.engagement_drift[year] += chance - engages
        allocate_on = self.after(self.working_day(received_on), weighted(rng, ALLOCATION_DELAYS))
        day = self.after(allocate_on, weighted(rng, FIRST_ATTEMPT_DELAYS))
        steps = _Steps(rng, safe_to_leave_message=rng.random() < 0.7)
        if engages:
            engaged_on: date | None = self._engage(rng, steps, day)
        else:
            room = next_received_on is None or (next_received_on - day).days > 90
            engaged_on = self._not_engage(rng, steps, day, allocate_on=allocate_on, may_reopen=room)
        if engaged_on is not None:
            (low, high) = weighted(rng, SUPPORT_DAYS)
            close_on = self.working_day(engaged_on + timedelta(days=rng.randint(low, high)))
            outcome = weighted(rng, ENGAGED_CLOSURES)
        else:
            close_on = self.after(steps.last_on, rng.randint(3, 20))
            outcome = weighted(rng, NOT_ENGAGED_CLOSURES)
        closure = self.closure(rng, engaged=engaged_on is not None, outcome=outcome, marac=marac, children=children)
        if next_received_on is not None and close_on > next_received_on:
            # Re-referred while open: this referral closes and the support goes on under the new one.
            close_on = max(next_received_on, steps.last_on)
            outcome = "other" if engaged_on is not None else "not_engaged"
            closure["notes"] = f"Re-referred on {next_received_on:%d %B %Y}: support continues under the new referral."
        steps.add(CLOSE, close_on, outcome=outcome, closure=closure)
        return Workflow(allocate_on=allocate_on, steps=steps.steps)

    def _engage(self, rng: random.Random, steps: _Steps, day: date) -> date:
        """Attempts until the victim is reached, and engages that day."""
        for _ in range(weighted(rng, [(0, 45), (1, 30), (2, 15), (3, 10)])):
            steps.attempt(day, weighted(rng, FAILED_OUTCOMES))
            day = self.after(day, rng.randint(1, 3))
        steps.attempt(day, "spoke_to_victim")
        steps.add(RECORD_ENGAGED, day, detail=rng.choice(ENGAGED_DETAILS))
        return day

    def _not_engage(
        self, rng: random.Random, steps: _Steps, day: date, *, allocate_on: date, may_reopen: bool
    ) -> date | None:
        """Could not be contacted safely, declined, or another reason; a few get back in touch later and
        engage (the day they do is returned)."""
        reason = weighted(rng, NOT_ENGAGED_REASONS)
        detail = ""
        if reason == "could_not_contact_safely":
            for number in range(rng.randint(3, 5)):
                if number:
                    day = self.after(day, rng.randint(1, 4))
                steps.attempt(day, weighted(rng, FAILED_OUTCOMES))
            day = self.after(day, rng.randint(1, 5))
        elif reason == "declined":
            for _ in range(rng.randint(0, 2)):
                steps.attempt(day, weighted(rng, FAILED_OUTCOMES))
                day = self.after(day, rng.randint(1, 3))
            steps.attempt(day, "spoke_to_victim")
            detail = rng.choice(DECLINED_DETAILS)
        else:
            detail = rng.choice(NOT_ENGAGED_OTHER)
            if rng.random() < 0.25:
                day = self.after(allocate_on, rng.randint(0, 2))  # known before any attempt
            else:
                steps.attempt(day, rng.choice(["spoke_to_victim", "no_answer", "wrong_details"]))
                day = self.after(day, rng.randint(0, 3))
        steps.add(RECORD_NOT_ENGAGED, day, outcome=reason, detail=detail)
        if not (may_reopen and rng.random() < REOPEN_SHARE):
            return None
        day = self.after(day, rng.randint(5, 20))
        steps.add(REOPEN, day, detail=rng.choice(REOPEN_DETAILS))
        steps.attempt(day, "spoke_to_victim")
        steps.add(RECORD_ENGAGED, day)
        return day

    @staticmethod
    def closure(rng: random.Random, *, engaged: bool, outcome: str, marac: bool, children: bool) -> dict[str, Any]:
        """What the support achieved, as the IDVA records it at closure."""
        if not engaged:
            return {
                "risk_reduced_idva_view": weighted(rng, [("not_known", 85), ("no", 15)]),
                "risk_reduced_victim_view": "not_known",
                "safety_measures": ["marac-referral"] if marac else [],
                "criminal_justice_outcome": weighted(rng, [("none", 50), ("no_further_action", 30), ("ongoing", 20)]),
                "civil_justice_outcome": "none",
                "housing_outcome": "not_applicable",
                "notes": "",
            }
        completed = outcome == "support_completed"
        idva_view = weighted(
            rng,
            [("yes", 84), ("no", 5), ("not_known", 11)] if completed else [("yes", 40), ("no", 25), ("not_known", 35)],
        )
        victim_view = weighted(
            rng,
            [("yes", 80), ("no", 6), ("not_known", 14)] if completed else [("yes", 35), ("no", 20), ("not_known", 45)],
        )
        criminal = weighted(rng, CRIMINAL_OUTCOMES)
        civil = weighted(rng, CIVIL_OUTCOMES + ([("child_arrangements", 10)] if children else []))
        housing = weighted(rng, HOUSING_OUTCOMES)
        measures = ["safety-plan"] if rng.random() < 0.92 else []
        for code, share in (
            ("target-hardening", 0.2),
            ("personal-alarm", 0.12),
            ("sanctuary-scheme", 0.06),
            ("dvpn-dvpo", 0.08),
            ("clares-law-disclosure", 0.05),
        ):
            if rng.random() < share:
                measures.append(code)
        implied = {
            "non-molestation-order": civil == "non_molestation_order",
            "occupation-order": civil == "occupation_order",
            "restraining-order": criminal == "convicted" and rng.random() < 0.6,
            "bail-conditions": criminal in {"charged", "ongoing", "convicted"} and rng.random() < 0.7,
            "housing-move": housing == "rehoused",
            "refuge-place": housing == "refuge",
            "marac-referral": marac,
            "children-safeguarding": children and rng.random() < 0.5,
        }
        measures += [code for code, applies in implied.items() if applies]
        return {
            "risk_reduced_idva_view": idva_view,
            "risk_reduced_victim_view": victim_view,
            "safety_measures": measures,
            "criminal_justice_outcome": criminal,
            "civil_justice_outcome": civil,
            "housing_outcome": housing,
            "notes": "",
        }


@dataclass
class WorkItem:
    """An IDVA referral (planned or in the database) as the allocator sees it."""

    key: tuple[Any, ...]
    received_on: date
    posts: tuple[str, ...]
    pair: tuple[Any, ...]
    workflow: Workflow


@dataclass(frozen=True)
class TeamMember:
    local_part: str
    post: str
    fte: float


def idva_team() -> list[TeamMember]:
    """The demo IDVAs (agencies.demo), each with their specialist post and working time."""
    return [
        TeamMember(local_part, post, IDVA_PART_TIME.get(local_part, 1.0))
        for local_part, agency_slug, roles, post in USERS
        if agency_slug == IDVA_SERVICE and Role.IDVA in roles
    ]


def allocate(items: Iterable[WorkItem], team: Sequence[TeamMember]) -> None:
    """Set the IDVA of every item, as the manager would on each allocation day, from the caseloads of
    that day (open = allocated and not yet closed)."""
    open_until: dict[str, list[date]] = {member.local_part: [] for member in team}
    by_post: dict[str, list[TeamMember]] = defaultdict(list)
    for member in team:
        by_post[member.post].append(member)
    last_idva: dict[tuple[Any, ...], str] = {}

    def load(member: TeamMember, on: date) -> float:
        heap = open_until[member.local_part]
        while heap and heap[0] <= on:
            heapq.heappop(heap)
        return len(heap) / member.fte

    for item in sorted(items, key=lambda item: (item.workflow.allocate_on, item.received_on, item.key)):
        on = item.workflow.allocate_on
        loads = {member.local_part: load(member, on) for member in team}
        chosen = None
        previous = last_idva.get(item.pair)
        if previous is not None and loads[previous] < CONTINUITY_CAP:
            chosen = previous
        if chosen is None:
            specialists = [
                m.local_part for post in item.posts for m in by_post[post] if loads[m.local_part] < SPECIALIST_CAP
            ]
            if specialists:
                chosen = min(specialists, key=lambda name: (loads[name], name))
        if chosen is None:
            pool = [m.local_part for m in team if not m.post or loads[m.local_part] < TOP_UP]
            chosen = min(pool, key=lambda name: (loads[name], name))
        item.workflow.idva = chosen
        last_idva[item.pair] = chosen
        heapq.heappush(open_until[chosen], item.workflow.close_on)


# --- The volume: people, cases, assessments and referrals -------------------------------------------


@dataclass
class VolumeCase:
    """A case of the volume: who, where, and the agency that recorded it (people by plan key)."""

    key: int
    victim: int
    perpetrators: list[tuple[int, str]]
    lead: str
    area: str
    opened_on: date
    children: list[dict[str, Any]]
    flags: dict[str, bool]


@dataclass(frozen=True)
class VolumeIncident:
    occurred_on: date
    source_reference: str
    is_crime: bool
    crime_type: str


@dataclass
class Episode:
    """One referral of a victim to the IDVA service: the incident, the DASH assessment and its routing,
    the referral(s) it makes, and the IDVA referral's workflow."""

    chain: int
    case: int
    agency: str
    received_on: date
    index_on: date
    earlier_on: list[date]
    number: int = 0
    incidents: list[VolumeIncident] = field(default_factory=list)
    referrer: int | str = 0
    score: int = 0
    answers: dict[str, str] = field(default_factory=dict)
    professional_judgement_reason: str = ""
    result: RoutingResult | None = None
    idva_repeat: bool = False
    marac_repeat: bool = False
    consent_reason: str = ""
    details: str = ""
    posts: tuple[str, ...] = ()
    workflow: Workflow | None = None

    @property
    def source_reference(self) -> str:
        """The index incident's reference: how a later run knows the episode was written."""
        return self.incidents[-1].source_reference

    @property
    def to_marac(self) -> bool:
        return self.result is not None and self.result.routing == MARAC


@dataclass
class _Chain:
    """A victim and perpetrator referred, and re-referred while the abuse goes on."""

    key: int
    victim: int
    perpetrators: list[tuple[int, str]]
    area: str
    children: list[dict[str, Any]]
    flags: dict[str, bool]
    started_on: date
    cases: dict[str, int] = field(default_factory=dict)
    latest_case: int | None = None
    episodes: list[Episode] = field(default_factory=list)


def _months(first: date, last: date) -> Iterable[tuple[int, int]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _month_end(year: int, month: int) -> date:
    return (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)


def monthly_target(year: int, month: int) -> float:
    """IDVA referrals planned for a month: the financial year's total spread by season (and lockdowns)."""
    start = year if month >= 4 else year - 1
    weights = {
        (y, m): MONTH_WEIGHTS[m] * LOCKDOWNS.get((y, m), 1.0)
        for y, m in _months(date(start, 4, 1), date(start + 1, 3, 1))
    }
    return IDVA_REFERRALS_BY_YEAR[start] * weights[(year, month)] / sum(weights.values())


class VolumePlan:
    """The whole volume as planned from the fixed seed: writes nothing, reads nothing but the policies."""

    def __init__(self, policies: Sequence[Policy]) -> None:
        self.policies = list(policies)
        self.rng = random.Random(VOLUME_SEED)  # noqa: S311 - reproducible demo data, not a secret
        fake = Faker("en_GB")
        fake.seed_instance(VOLUME_SEED)
        # Name pools drawn once: Faker per person would cost seconds on every run.
        self.female_names = [fake.first_name_female() for _ in range(300)]
        self.male_names = [fake.first_name_male() for _ in range(300)]
        self.family_names = [fake.last_name() for _ in range(600)]
        self.addresses = [fake.address().replace("\n", ", ") for _ in range(500)]
        self.referrers: dict[str, list[dict[str, str]]] = {}
        for slug, _, _, titles in REFERRING_AGENCIES:
            if not titles:
                continue
            pool = []
            for _ in range(REFERRERS_PER_AGENCY.get(slug, 6)):
                given, family = fake.first_name(), fake.last_name()
                local = "".join(c for c in f"{given}.{family}".lower() if c.isalnum() or c == ".")
                pool.append(
                    {
                        "referrer_name": f"{given} {family}",
                        "referrer_job_title": self.rng.choice(titles),
                        # Ofcom's range for drama: never a real number.
                        "referrer_phone": f"07700 900{self.rng.randrange(1000):03d}",
                        "referrer_email": f"{local}@{slug}.{DEMO_EMAIL_DOMAIN}",
                    }
                )
            self.referrers[slug] = pool
        self.agency_kinds = {slug: kind for slug, _, kind, _ in AGENCIES}
        self.prefixes = {slug: prefix for slug, _, prefix, _ in REFERRING_AGENCIES}
        self.idva_generalists = [member.local_part for member in idva_team() if not member.post]
        self.people: list[dict[str, Any]] = []
        self.safe_contacts: dict[int, dict[str, str]] = {}
        self.cases: list[VolumeCase] = []
        self.chains: list[_Chain] = []
        self.chain_starts: list[date] = []
        self.episodes: list[Episode] = []
        self.workflows = WorkflowPlanner()
        self._plan_chains()
        self._assess()
        self._plan_workflows()

    # People and chains

    def _person(self, *, victim: bool, ages: tuple[int, int], on: date) -> int:
        rng = self.rng
        if victim:
            gender = weighted(
                rng, [(Gender.FEMALE, 89), (Gender.MALE, 9), (Gender.NON_BINARY, 1), (Gender.NOT_KNOWN, 1)]
            )
        else:
            gender = weighted(rng, [(Gender.MALE, 88), (Gender.FEMALE, 11), (Gender.NOT_KNOWN, 1)])
        if gender in {Gender.FEMALE, Gender.MALE}:
            names = self.female_names if gender == Gender.FEMALE else self.male_names
        else:
            names = rng.choice([self.female_names, self.male_names])
        nationality = weighted(rng, NATIONALITIES)
        language = rng.choice(A8_LANGUAGES) if nationality == "a8" else "English"
        self.people.append(
            {
                "given_name": rng.choice(names),
                "family_name": rng.choice(self.family_names),
                "date_of_birth": on - timedelta(days=rng.randrange(ages[0] * 365 + 1, (ages[1] + 1) * 365 - 1)),
                "gender": gender,
                "ethnicity": weighted(rng, ETHNICITIES),
                "sexuality": weighted(rng, SEXUALITIES),
                "disability": weighted(rng, [("no", 70), ("yes", 15), ("not_known", 15)]),
                "nationality_group": nationality,
                "first_language": language,
                "interpreter_needed": language != "English" and rng.random() < 0.5,
                "no_fixed_abode": not victim and rng.random() < 0.04,
            }
        )
        return len(self.people) - 1

    def _earlier_chain(self, on: date) -> _Chain | None:
        """A chain that started 4 months to 3 years before `on` (for a new partner or a serial perpetrator)."""
        low = bisect.bisect_left(self.chain_starts, on - timedelta(days=1100))
        high = bisect.bisect_right(self.chain_starts, on - timedelta(days=120))
        return self.chains[self.rng.randrange(low, high)] if high > low else None

    def _new_chain(self, on: date) -> _Chain:
        rng = self.rng
        relationship = weighted(rng, RELATIONSHIPS)
        victim = perpetrator = None
        draw = rng.random()
        earlier = self._earlier_chain(on) if draw < NEW_PARTNER_SHARE + SERIAL_SHARE else None
        if earlier is not None:
            relationship = Relationship.PARTNER
            if draw < NEW_PARTNER_SHARE:
                victim = earlier.victim
            else:
                perpetrator = earlier.perpetrators[0][0]
        if victim is None:
            ages = (40, 75) if relationship == Relationship.CHILD_TO_PARENT else weighted(rng, VICTIM_AGES)
            victim = self._person(victim=True, ages=ages, on=on)
            if rng.random() < 0.65:
                self.safe_contacts[victim] = {
                    "safe_address": rng.choice(self.addresses),
                    "safe_phone": f"07700 900{rng.randrange(1000):03d}",
                    "safe_times": rng.choice(SAFE_TIMES),
                    "do_not_contact": rng.choice(DO_NOT_CONTACT),
                }
        victim_age = age_on(self.people[victim]["date_of_birth"], on) or 30
        if perpetrator is None:
            if relationship == Relationship.CHILD_TO_PARENT:
                ages = (14, 30)
            elif victim_age <= 19:
                ages = (max(15, victim_age - 1), victim_age + 5)
            else:
                ages = weighted(rng, PERPETRATOR_AGES)
            perpetrator = self._person(victim=False, ages=ages, on=on)
        perpetrators = [(perpetrator, relationship)]
        if rng.random() < 0.04:
            # Another person the victim fears, e.g. a relative in honour-based abuse.
            perpetrators.append((self._person(victim=False, ages=(25, 65), on=on), Relationship.FAMILY_MEMBER))
        children = []
        if victim_age >= 20 and relationship != Relationship.CHILD_TO_PARENT and rng.random() < 0.55:
            oldest = min(17, victim_age - 17)
            children = [
                {"age": rng.randint(0, oldest), "gender": rng.choice([Gender.FEMALE, Gender.MALE])}
                for _ in range(weighted(rng, [(1, 5), (2, 3), (3, 2)]))
            ]
        shares = {**dict(CASE_FLAGS), **VOLUME_FLAGS}
        flags = {flag: rng.random() < share for flag, share in shares.items()}
        flags["pregnancy"] = (
            self.people[victim]["gender"] == Gender.FEMALE and 16 <= victim_age <= 45 and rng.random() < 0.06
        )
        chain = _Chain(
            key=len(self.chains),
            victim=victim,
            perpetrators=perpetrators,
            area=weighted(rng, AREAS),
            children=children,
            flags=flags,
            started_on=on,
        )
        self.chains.append(chain)
        self.chain_starts.append(on)
        return chain

    def _episode(self, chain: _Chain, on: date, *, first: bool) -> Episode:
        rng = self.rng
        repeat_by_police = not first and rng.random() < REPEAT_POLICE_SHARE
        agency = "police" if repeat_by_police else weighted(rng, REFERRAL_SHARES)
        case_key = chain.cases.get(agency)
        if case_key is None and agency == IDVA_SERVICE:
            case_key = chain.latest_case  # the IDVA service may add to every case
        index_on = on - timedelta(days=rng.choice([0, 0, 0, 1, 1, 2, 3]))
        if case_key is None:
            # Another agency records its own case of the same people (it may not change the first one).
            case_key = len(self.cases)
            self.cases.append(
                VolumeCase(
                    key=case_key,
                    victim=chain.victim,
                    perpetrators=chain.perpetrators,
                    lead=agency,
                    area=chain.area,
                    opened_on=index_on,
                    children=chain.children,
                    flags=chain.flags,
                )
            )
            chain.cases[agency] = case_key
        chain.latest_case = case_key
        earlier = []
        if first:
            count = weighted(rng, [(0, 64), (1, 25), (2, 8), (3, 3)])
            earlier = sorted(index_on - timedelta(days=rng.randrange(7, 330)) for _ in range(count))
        episode = Episode(
            chain=chain.key, case=case_key, agency=agency, received_on=on, index_on=index_on, earlier_on=earlier
        )
        chain.episodes.append(episode)
        self.episodes.append(episode)
        return episode

    def _plan_chains(self) -> None:
        """Month by month, the referrals due: re-referrals of earlier chains, then new chains to make up
        the month's planned total."""
        rng = self.rng
        due: dict[tuple[int, int], list[tuple[date, int]]] = defaultdict(list)
        expected = 0.0
        made = 0
        for year, month in _months(FIRST_RECEIVED, LAST_RECEIVED):
            first_day = max(date(year, month, 1), FIRST_RECEIVED)
            last_day = min(_month_end(year, month), LAST_RECEIVED)
            share = ((last_day - first_day).days + 1) / _month_end(year, month).day
            expected += monthly_target(year, month) * share
            pending = due.pop((year, month), [])
            new = max(0, round(expected) - made - len(pending))
            span = (last_day - first_day).days + 1
            starts = [(first_day + timedelta(days=rng.randrange(span)), -1) for _ in range(new)]
            for on, chain_key in sorted(pending + starts):
                chain = self.chains[chain_key] if chain_key >= 0 else self._new_chain(on)
                self._episode(chain, on, first=chain_key < 0)
                made += 1
                draw = rng.random()
                if draw < REPEAT_WITHIN_YEAR:
                    gap = int(rng.triangular(35, 365, 70))
                elif draw < REPEAT_WITHIN_YEAR + AGAIN_AFTER_YEAR:
                    gap = rng.randint(380, 720)
                else:
                    continue
                again = on + timedelta(days=gap)
                if again <= LAST_RECEIVED:
                    due[(again.year, again.month)].append((again, chain.key))

    # Assessments, routing and referrals

    def _score(self, posts: tuple[str, ...]) -> tuple[int, bool]:
        rng = self.rng
        draw = rng.random()
        if posts and draw < BELOW_WHEN_SPECIALIST:
            score = weighted(rng, LOWER_SCORES)
            return score, score >= 8 and rng.random() < JUDGEMENT_BELOW
        if not posts and draw < JUDGEMENT_BELOW:
            return weighted(rng, LOWER_SCORES[4:]), True
        score = weighted(rng, HIGH_SCORES)
        return score, score <= 16 and rng.random() < JUDGEMENT_IN_BAND

    def _assess(self) -> None:
        """In date order: number the episodes, their incidents, DASH answers, routing and repeats."""
        rng = self.rng
        self.episodes.sort(key=lambda episode: episode.received_on)  # stable: made in date order
        incidents_of_victim: dict[int, list[date]] = defaultdict(list)
        referred: dict[tuple[str, int, int], list[date]] = defaultdict(list)
        for number, episode in enumerate(self.episodes, start=1):
            episode.number = number
            case = self.cases[episode.case]
            prefix = f"{VOLUME_PREFIX}{self.prefixes[episode.agency]}-{number:06d}"
            for position, occurred_on in enumerate(episode.earlier_on, start=1):
                episode.incidents.append(self._incident(occurred_on, f"{prefix}-{position}"))
            episode.incidents.append(self._incident(episode.index_on, prefix, stalking=case.flags["stalking"]))
            incidents_of_victim[case.victim] += [incident.occurred_on for incident in episode.incidents]
            on = episode.received_on
            victim = self.people[case.victim]
            episode.posts = specialist_posts(
                SpecialistFacts(
                    victim_age=age_on(victim["date_of_birth"], on),
                    additional_needs=victim["disability"] == "yes",
                    nationality_group=victim["nationality_group"],
                    referring_agency_kind=self.agency_kinds[episode.agency],
                    stalking=case.flags["stalking"],
                )
            )
            score, judgement = self._score(episode.posts)
            episode.score = score
            episode.answers = dash_answers(rng, score, case.flags)
            episode.professional_judgement_reason = rng.choice(JUDGEMENT_REASONS) if judgement else ""
            policy = policy_in_force(self.policies, on)
            perpetrators = [key for key, _ in case.perpetrators]

            def earlier(service: str, perpetrators: list[int] = perpetrators, victim: int = case.victim) -> list[date]:
                return sorted({day for key in perpetrators for day in referred[(service, victim, key)]})

            episode.result = route(
                AssessmentFacts(
                    assessed_on=on,
                    score=score,
                    professional_judgement=judgement,
                    incident_dates=[day for day in incidents_of_victim[case.victim] if day <= on],
                    marac_referral_dates=earlier("marac"),
                ),
                policy,
            )
            window = policy.repeat_window_days
            services = ["marac", "idva"] if episode.to_marac else ["idva"]
            for service in services:
                repeat = is_repeat_referral(received_on=on, earlier_received_on=earlier(service), window_days=window)
                setattr(episode, f"{service}_repeat", repeat)
                for key in perpetrators:
                    referred[(service, case.victim, key)].append(on)
            if episode.agency == IDVA_SERVICE:
                episode.referrer = rng.choice(self.idva_generalists)
            else:
                episode.referrer = rng.randrange(len(self.referrers[episode.agency]))
            episode.consent_reason = rng.choice(CONSENT_REASONS) if rng.random() < 0.12 else ""
            episode.details = rng.choice(REFERRAL_DETAILS)

    def _incident(self, occurred_on: date, reference: str, *, stalking: bool = False) -> VolumeIncident:
        rng = self.rng
        is_crime = rng.random() < 0.62
        crime_type = ("Stalking" if stalking and rng.random() < 0.5 else rng.choice(CRIME_TYPES)) if is_crime else ""
        return VolumeIncident(occurred_on, reference, is_crime, crime_type)

    def _plan_workflows(self) -> None:
        rng = random.Random(VOLUME_SEED + 1)  # noqa: S311 - its own stream: the people stay the same
        for chain in self.chains:
            for episode, following in zip(chain.episodes, [*chain.episodes[1:], None], strict=True):
                episode.workflow = self.workflows.plan(
                    rng,
                    received_on=episode.received_on,
                    next_received_on=following.received_on if following else None,
                    marac=episode.to_marac,
                    children=bool(self.cases[episode.case].children),
                )

    def work_items(self) -> list[WorkItem]:
        return [
            WorkItem(
                key=("volume", episode.number),
                received_on=episode.received_on,
                posts=episode.posts,
                pair=("volume", episode.chain),
                workflow=episode.workflow,
            )
            for episode in self.episodes
            if episode.workflow is not None
        ]


# --- Writing the volume -----------------------------------------------------------------------------

_ZONE = ZoneInfo(settings.TIME_ZONE)


def _moment(day: date, minutes: int = 0) -> datetime:
    """A time on the day (from 09:00): when the step was recorded, for history written after the fact."""
    return datetime.combine(day, time(9, 0), tzinfo=_ZONE) + timedelta(minutes=minutes)


def demo_team_users() -> dict[str, User]:
    """The demo IDVAs and the IDVA manager, by email local part (seed agencies.demo first)."""
    local_parts = [member.local_part for member in idva_team()] + ["idva.manager"]
    users = (
        User.objects.filter(email__in=[demo_email(local_part) for local_part in local_parts])
        .select_related("agency")
        .prefetch_related("groups")
    )
    found = {user.email.split("@", 1)[0]: user for user in users}
    missing = sorted(set(local_parts) - set(found))
    if missing:
        raise LookupError(f"Run agencies.demo.seed first: no demo user {', '.join(missing)}.")
    return found


Row = dict[str, Any]
_REQUIRED = object()
# Field classes whose Python values the database drivers take as they are.
_PLAIN_FIELDS = (
    models.BigAutoField,
    models.AutoField,
    models.BooleanField,
    models.CharField,
    models.TextField,
    models.PositiveSmallIntegerField,
    models.PositiveIntegerField,
    models.SmallIntegerField,
    models.IntegerField,
)


def _adapter(field: models.Field, connection: Any) -> Callable[[Any], Any] | None:
    """How a value of the field goes to the database (None: as it is): another row (a dict) as its id for
    a foreign key; dates and times as the backend wants them (each distinct value adapted once); JSON as
    text for PostgreSQL's COPY; anything else that is not plain (encrypted text) by the field itself."""
    if field.is_relation:
        return lambda value: value["id"] if isinstance(value, dict) else value
    if type(field) is models.DateTimeField:
        adapted: dict[datetime, Any] = {}

        def moment(value: datetime | None) -> Any:
            if value is None:
                return None
            if value not in adapted:
                prepared = connection.ops.adapt_datetimefield_value(value)
                adapted[value] = prepared.isoformat() if isinstance(prepared, datetime) else prepared
            return adapted[value]

        return moment
    if type(field) is models.DateField:
        return lambda value: None if value is None else connection.ops.adapt_datefield_value(value)
    if type(field) is models.JSONField and connection.vendor == "postgresql":
        return lambda value: None if value is None else json.dumps(value, cls=field.encoder)
    if type(field) in _PLAIN_FIELDS:
        return None
    return lambda value: field.get_db_prep_save(value, connection)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """A value in the text format of PostgreSQL's COPY."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, date):  # datetimes too: ISO 8601, with the offset
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def bulk_insert(model: type[models.Model], rows: list[Row], *, returning: bool = False) -> None:
    """Insert rows (attname: value; a foreign key may be another row inserted before); with `returning`,
    each row gets its "id". What bulk_create does, without a model instance per row and the per-value
    work of its compiler, which cost half a minute for the volume: PostgreSQL's COPY (ids drawn from
    the table's sequence first), else multi-row INSERTs in batches. Missing fields get their defaults
    (auto_now fields: now); nothing runs save() or signals."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    now = timezone.now()
    fields = [model_field for model_field in model._meta.concrete_fields if not model_field.primary_key]
    specs = []
    for model_field in fields:
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            default = now
        else:
            # Django's own default: the field's, "" for text that may be blank, else None.
            default = model_field.get_default()
            if default is None and not model_field.null:
                default = _REQUIRED
        specs.append((model_field.attname, default, _adapter(model_field, connection)))
    required = {name for name, default, _ in specs if default is _REQUIRED}

    def values(row: Row) -> list[Any]:
        if not required <= row.keys():
            raise ValueError(f"{model.__name__}: no value for {', '.join(sorted(required - row.keys()))}.")
        get = row.get
        return [get(name, default) if adapt is None else adapt(get(name, default)) for name, default, adapt in specs]

    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), model._meta.pk.column
    columns = [quote(model_field.column) for model_field in fields]
    # The driver's own cursor: Django's debug cursor (DEBUG=True) would format every statement of a
    # thousand parameters for its query log.
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        database = connections[router.db_for_write(Referral)]
        if database.vendor == "postgresql":
            if returning:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [model._meta.db_table, pk, len(rows)],
                )
                for row, (number,) in zip(rows, sorted(cursor.fetchall()), strict=True):
                    row["id"] = number
                columns.insert(0, quote(pk))
            text = io.StringIO()
            for row in rows:
                text.write("\t".join(map(_copy_text, [row["id"], *values(row)] if returning else values(row))))
                text.write("\n")
            text.seek(0)
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", text)
            return
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        per_statement = max(1, min(1000, (connection.features.max_query_params or 65535) // len(fields)))
        # Names from the model's metadata, quoted; the values are parameters.
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
        suffix = f" RETURNING {quote(pk)}" if returning else ""
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            params = [value for row in batch for value in values(row)]
            cursor.execute(insert + ", ".join([placeholders] * len(batch)) + suffix, params)
            if returning:
                for row, (number,) in zip(batch, cursor.fetchall(), strict=True):
                    row["id"] = number


@dataclass
class _Writer:
    """Rows of the new episodes, made as the services would make them, then inserted table by table."""

    plan: VolumePlan
    today: date
    users: dict[str, User]
    agencies: dict[str, Agency]
    areas: dict[str, int]
    instrument: int
    permissions: dict[str, int]
    measures: dict[str, int]
    people: dict[int, Row] = field(default_factory=dict)
    cases: dict[int, Row] = field(default_factory=dict)
    rows: dict[type[models.Model], list[Row]] = field(default_factory=lambda: defaultdict(list))

    def add(self, model: type[models.Model], **values: Any) -> Row:
        self.rows[model].append(values)
        return values

    def creator(self, episode: Episode) -> User | None:
        """The person who recorded the episode: an IDVA for the IDVA service; a partner agency's system
        (its API key, no person) for the others."""
        return self.users[str(episode.referrer)] if episode.agency == IDVA_SERVICE else None

    def person(self, key: int, *, by: int | None, on: date) -> Row:
        if key not in self.people:
            at = _moment(on)
            self.people[key] = self.add(
                Person, **self.plan.people[key], created_by_id=by, updated_by_id=by, created_at=at
            )
            contact = self.plan.safe_contacts.get(key)
            if contact is not None:
                self.add(
                    SafeContact,
                    person_id=self.people[key],
                    **contact,
                    created_by_id=by,
                    updated_by_id=by,
                    created_at=at,
                )
        return self.people[key]

    def case(self, episode: Episode) -> Row:
        """The episode's case: one in the database, or a new one as `case_create` makes it."""
        if episode.case in self.cases:
            return self.cases[episode.case]
        plan = self.plan.cases[episode.case]
        user = self.creator(episode)
        by = user.pk if user else None
        at = _moment(plan.opened_on)
        agency = self.agencies[plan.lead]
        case = self.add(
            Case,
            victim_id=self.person(plan.victim, by=by, on=plan.opened_on),
            area_id=self.areas[plan.area],
            lead_agency_id=agency.pk,
            opened_on=plan.opened_on,
            created_by_id=by,
            updated_by_id=by,
            created_at=at,
            **{flag: value for flag, value in plan.flags.items() if value},
        )
        for key, relationship in plan.perpetrators:
            person = self.person(key, by=by, on=plan.opened_on)
            self.add(
                CaseParty,
                case_id=case,
                person_id=person,
                relationship=relationship,
                created_by_id=by,
                updated_by_id=by,
                created_at=at,
            )
        years = max(0, (plan.opened_on - self.plan.chains[episode.chain].started_on).days // 365)
        for child in plan.children:
            self.add(
                Child,
                case_id=case,
                age=min(17, child["age"] + years),
                gender=child["gender"],
                created_by_id=by,
                updated_by_id=by,
                created_at=at,
            )
        grants = [(agency, "Recorded the case")]
        if agency.slug != IDVA_SERVICE:
            grants.append((self.agencies[IDVA_SERVICE], "IDVA service: every victim is offered an IDVA"))
        for grantee, reason in grants:
            for codename in ("view_case", "change_case", "view_safecontact"):
                self.add(
                    CaseAgencyPermission,
                    group_id=grantee.group_id,
                    permission_id=self.permissions[codename],
                    content_object_id=case,
                    reason=reason,
                    granted_at=at,
                    granted_by_id=by,
                )
        self.cases[episode.case] = case
        return case

    def episode(self, episode: Episode) -> None:
        """The incidents, assessment, routing decision and referrals of one episode, and the workflow of
        its IDVA referral up to today."""
        result, workflow = episode.result, episode.workflow
        if result is None or workflow is None:
            raise ValueError(f"Episode {episode.number} was not planned in full.")
        case = self.case(episode)
        plan = self.plan.cases[episode.case]
        user = self.creator(episode)
        by = user.pk if user else None
        agency = self.agencies[episode.agency]
        on = episode.received_on
        for incident in episode.incidents:
            self.add(
                Incident,
                case_id=case,
                perpetrator_id=self.people[plan.perpetrators[0][0]],
                occurred_on=incident.occurred_on,
                reported_to_id=agency.pk,
                is_crime=incident.is_crime,
                crime_type=incident.crime_type,
                source_reference=incident.source_reference,
                created_by_id=by,
                updated_by_id=by,
                created_at=_moment(on),
            )
        assessment = self.add(
            RiskAssessment,
            case_id=case,
            instrument_id=self.instrument,
            assessed_on=on,
            assessed_by_id=by,
            assessing_agency_id=agency.pk,
            answers=episode.answers,
            score=episode.score,
            risk_level=risk_level(score=episode.score, routed_to_marac=episode.to_marac),
            professional_judgement=bool(episode.professional_judgement_reason),
            professional_judgement_reason=episode.professional_judgement_reason,
            created_by_id=by,
            updated_by_id=by,
            created_at=_moment(on, 1),
        )
        self.add(
            RoutingDecision,
            risk_assessment_id=assessment,
            policy_id=result.policy.id,
            routing=result.routing,
            marac_criteria=result.criteria_codes,
            explanations={criterion.code: criterion.explanation for criterion in result.criteria},
        )
        if user is not None:
            referrer = {"referrer_name": user.get_full_name(), "referrer_email": user.email}
        else:
            referrer = self.plan.referrers[episode.agency][int(episode.referrer)]
        for service in ["marac", "idva"] if episode.to_marac else ["idva"]:
            repeat = episode.marac_repeat if service == "marac" else episode.idva_repeat
            referral = self.add(
                Referral,
                case_id=case,
                risk_assessment_id=assessment,
                service=service,
                referring_agency_id=agency.pk,
                receiving_agency_id=self.agencies[IDVA_SERVICE].pk,
                referrer_id=by,
                **referrer,
                received_on=on,
                reasons=result.criteria_codes if service == "marac" else [],
                details=episode.details,
                consent="not_given_shared_to_protect" if episode.consent_reason else "given",
                consent_reason=episode.consent_reason,
                status=RECEIVED,
                is_repeat=repeat,
                created_by_id=by,
                updated_by_id=by,
                created_at=_moment(on, 2),
            )
            self.add(
                ReferralEvent,
                referral_id=referral,
                kind=ReferralEvent.Kind.RECEIVED,
                on=on,
                status_after=RECEIVED,
                detail=f"From {agency.name}" + (" (a repeat referral)" if repeat else ""),
                recorded_at=_moment(on, 2),
                recorded_by_id=by,
                recorded_by_agency_id=agency.pk,
            )
            if service == "idva":
                self.workflow(referral, workflow)

    def workflow(self, referral: Row, workflow: Workflow) -> None:
        """Take the planned steps dated up to today, checking each against the workflow rules, and write
        what each service writes: the referral's fields, an event, a contact attempt or a closure."""
        idva = self.users[workflow.idva]
        manager = self.users["idva.manager"]
        received_on = referral["received_on"]
        status, last_step_on, first_attempt = RECEIVED, received_on, None
        for position, step in enumerate([Step(ALLOCATE, workflow.allocate_on), *workflow.steps], start=1):
            if step.on > self.today:
                break  # not taken yet: the referral is still open
            state = ReferralState("idva", status, received_on, last_step_on, first_attempt)
            refusal = transition_refusal(state, step.kind, on=step.on, today=self.today)
            if step.kind == CONTACT_ATTEMPT:
                refusal = refusal or contact_attempt_refusal(
                    outcome=step.outcome, safe_to_leave_message=step.safe_to_leave_message
                )
            if step.kind == CLOSE:
                refusal = refusal or closure_refusal(engagement=referral.get("engagement", ""), outcome=step.outcome)
            if refusal:
                raise ValueError(f"The demo plan breaks a workflow rule ({step.kind} on {step.on}): {refusal}")
            status = status_after(status, step.kind)
            actor = manager if step.kind == ALLOCATE else idva
            at = _moment(step.on, 7 * position)
            detail = self.step(referral, step, idva=idva, at=at)
            if step.kind == CONTACT_ATTEMPT:
                first_attempt = min(first_attempt or step.on, step.on)
            else:
                last_step_on = max(last_step_on, step.on)
            referral.update(status=status, updated_by_id=actor.pk, first_contact_attempt_on=first_attempt)
            self.add(
                ReferralEvent,
                referral_id=referral,
                kind=_EVENT_KINDS[step.kind],
                on=step.on,
                status_after=status,
                detail=detail,
                recorded_at=at,
                recorded_by_id=actor.pk,
                recorded_by_agency_id=self.agencies[IDVA_SERVICE].pk,
            )

    def step(self, referral: Row, step: Step, *, idva: User, at: datetime) -> str:
        """The referral's fields after one step, and its contact attempt or closure; the event's words."""
        if step.kind == ALLOCATE:
            referral.update(allocated_to_id=idva.pk, allocated_on=step.on)
            post = f" ({idva.get_specialist_post_display()})" if idva.specialist_post else ""
            return f"Allocated to {idva.get_full_name()}{post}"
        if step.kind == CONTACT_ATTEMPT:
            self.add(
                ContactAttempt,
                referral_id=referral,
                made_on=step.on,
                method=step.method,
                safe_to_leave_message=step.safe_to_leave_message,
                outcome=step.outcome,
                made_by_id=idva.pk,
                created_by_id=idva.pk,
                updated_by_id=idva.pk,
                created_at=at,
            )
            message = "safe to leave a message" if step.safe_to_leave_message else "not safe to leave a message"
            method = ContactAttempt.Method(step.method).label
            return f"{method}: {ContactAttempt.Outcome(step.outcome).label.lower()} ({message})"
        if step.kind in {RECORD_ENGAGED, RECORD_NOT_ENGAGED}:
            not_engaged = step.kind == RECORD_NOT_ENGAGED
            referral.update(
                engagement=Referral.Engagement.NOT_ENGAGED if not_engaged else Referral.Engagement.ENGAGED,
                engagement_on=step.on,
                not_engaged_reason=step.outcome if not_engaged else "",
                not_engaged_detail=step.detail if not_engaged else "",
            )
            if not not_engaged:
                return step.detail
            words = str(Referral.NotEngagedReason(step.outcome).label)
            return f"{words}: {step.detail}" if step.detail else words
        if step.kind == REOPEN:
            referral.update(engagement="", engagement_on=None, not_engaged_reason="", not_engaged_detail="")
            return step.detail
        closure_data = dict(step.closure or {})
        codes = [code for code in closure_data.pop("safety_measures") if code in self.measures]
        closure = self.add(
            Closure, referral_id=referral, **closure_data, created_by_id=idva.pk, updated_by_id=idva.pk, created_at=at
        )
        for code in codes:
            self.add(Closure.safety_measures.through, closure_id=closure, safetymeasure_id=self.measures[code])
        referral.update(closure_outcome=step.outcome, closed_on=step.on)
        return str(Referral.ClosureOutcome(step.outcome).label)

    def save(self) -> Counter[str]:
        """Insert the rows, parents first; the new cases' references are reserved a year at a time."""
        by_year: dict[int, list[Row]] = defaultdict(list)
        for case in sorted(self.rows.get(Case, []), key=lambda case: case["opened_on"]):
            by_year[case["opened_on"].year].append(case)
        for year, cases in by_year.items():
            CaseReferenceCounter.objects.get_or_create(year=year)
            counter = CaseReferenceCounter.objects.select_for_update().get(year=year)
            for number, case in enumerate(cases, start=counter.last_number + 1):
                case["reference"] = f"DA-{year}-{number:06d}"
            counter.last_number += len(cases)
            counter.save(update_fields=["last_number"])
        parents = {Person, Case, RiskAssessment, Referral, Closure}
        created: Counter[str] = Counter()
        tables = [
            Person,
            SafeContact,
            Case,
            CaseParty,
            Child,
            CaseAgencyPermission,
            Incident,
            RiskAssessment,
            RoutingDecision,
            Referral,
            ReferralEvent,
            ContactAttempt,
            Closure,
            Closure.safety_measures.through,
        ]
        for model in tables:
            rows = self.rows.get(model, [])
            bulk_insert(model, rows, returning=model in parents)
            created[model.__name__] = len(rows)
        database = connections[router.db_for_write(Referral)]
        if database.vendor == "postgresql":
            # The planner's statistics still describe the tables before they grew tenfold, and autovacuum
            # cannot see rows until they are committed (never, inside a test's transaction): without this
            # a join over referrals and cases takes seconds instead of milliseconds.
            with database.cursor() as cursor:
                for model in tables:
                    cursor.execute(f"ANALYZE {database.ops.quote_name(model._meta.db_table)}")
        return created


def volume_write(plan: VolumePlan, *, today: date, users: dict[str, User], stdout: TextIO) -> Counter[str]:
    """Write the episodes received up to today that are not in the database yet (idempotent)."""
    existing = dict(
        Incident.objects.filter(source_reference__startswith=VOLUME_PREFIX).values_list("source_reference", "case_id")
    )
    due = [episode for episode in plan.episodes if episode.received_on <= today]
    new = [episode for episode in due if episode.source_reference not in existing]
    if not new:
        stdout.write(f"Demo referral volume: {len(due)} episodes to date, none new.\n")
        return Counter()
    writer = _Writer(
        plan=plan,
        today=today,
        users=users,
        agencies={agency.slug: agency for agency in Agency.objects.filter(slug__in=[slug for slug, *_ in AGENCIES])},
        areas=dict(Area.objects.filter(slug__in=[slug for slug, _ in AREAS]).values_list("slug", "pk")),
        instrument=RiskInstrument.objects.get(code=DASH_CODE).pk,
        permissions=dict(
            Permission.objects.filter(content_type=ContentType.objects.get_for_model(Case)).values_list(
                "codename", "pk"
            )
        ),
        measures=dict(SafetyMeasure.objects.filter(active=True).values_list("code", "pk")),
    )
    _known(writer, due, existing)
    for episode in new:
        writer.episode(episode)
    created = writer.save()
    summary = ", ".join(f"{count} {name}" for name, count in created.items() if count)
    stdout.write(f"Demo referral volume: {len(due)} episodes to date, {len(new)} new ({summary}).\n")
    return created


def _known(writer: _Writer, due: Sequence[Episode], existing: dict[str, int]) -> None:
    """The cases and people of episodes written by an earlier run, for new episodes that use them."""
    case_ids = {
        episode.case: existing[episode.source_reference] for episode in due if episode.source_reference in existing
    }
    if not case_ids:
        return
    # Whole tables rather than a list of ids: an IN list of every volume case outgrows SQLite's limit.
    victims = dict(Case.objects.values_list("pk", "victim_id"))
    parties: dict[int, list[int]] = defaultdict(list)
    for case_id, person_id in CaseParty.objects.order_by("pk").values_list("case_id", "person_id"):
        parties[case_id].append(person_id)
    for key, case_id in case_ids.items():
        plan = writer.plan.cases[key]
        writer.cases[key] = {"id": case_id}
        writer.people.setdefault(plan.victim, {"id": victims[case_id]})
        for (person_key, _), person_id in zip(plan.perpetrators, parties[case_id], strict=False):
            writer.people.setdefault(person_key, {"id": person_id})
