"""The demo perpetrator panel: monthly meetings since the panel review began (April 2024), about seventy panel
cases taken from the demo's highest-RFGV and serial perpetrators, their tactical plans, reviews and
actions, a status history kept by the nightly job, and a few agency referrals still waiting.

Unless minimal: a meeting on the first Thursday of each month from April 2024 to today (and the next one,
scheduled), each with the attendance of the partner agencies and a review of the active cases. At each
meeting the panel takes two or three new cases: perpetrators who were candidates on that day (the RFGV
score and the serial rule over the incidents reported up to it, perpetrator_panel.rules), highest score
first, chosen so that the flags come near the seed report's (domain.md section 6: no fixed abode 5,
violence against a parent 6, stalking 55%, strangulation 47%; all but one male), a few of them answering an
agency referral. Each case gets two to five tactical options owned by agencies of the matching kind and one
to four actions agreed at meetings, due two to eight weeks on, most done or found not done by the agency
(on days in the past), with the perpetrator's compliance on some. Before each meeting the nightly status
job runs for that day, so that cases go inactive after three months without an incident (with the score at
exit) and a few come back on a new incident; it runs once more for today at the end. Last, two or three
agency referrals to the panel that no case answers yet, so the candidate list shows referred candidates.

Everything is written through the services (perpetrator_panel.services, agencies.services' action steps,
referrals.services.referral_create) as the demo panel member and the agencies' own users (an agency with no
demo user records its action steps as its system would, with no personal user); only `created_at` is set
back to the day each thing happened, as the other demo seeders do for history.

Synthetic text only: no names, no details of a person. Idempotent: a meeting already held is never made
again, so a second run on the same day creates nothing; a later run holds only the new meetings.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from agencies.demo import demo_email
from agencies.models import Agency, Role, User
from agencies.services import agency_action_complete, agency_action_not_done
from cases.models import Case, CaseParty, Incident, Person, Relationship
from perpetrator_panel.models import (
    CaseReview,
    PanelAction,
    PanelAttendance,
    PanelCase,
    PanelMeeting,
    PlanItem,
    TacticalOption,
)
from perpetrator_panel.rules import (
    IncidentFact,
    RfgvScore,
    ScoringRules,
    rfgv_score,
    serial_perpetrator,
)
from perpetrator_panel.selectors import (
    STALKING_CRIME_WORDS,
    STRANGULATION_CRIME_WORDS,
    perpetrator_incidents,
    scoring_rules,
)
from perpetrator_panel.services import (
    case_review_record,
    panel_action_compliance_record,
    panel_action_create,
    panel_attendance_record,
    panel_case_open,
    panel_meeting_create,
    panel_statuses_recompute,
    plan_item_add,
    plan_item_update,
)
from referrals.models import Referral
from referrals.services import referral_create

PANEL_DEMO_SEED = 6160
REVIEW_FROM = date(2024, 4, 1)
THURSDAY = 3
# Cases taken over the meetings from REVIEW_FROM to today (the seed report: 69 since the panel review).
TARGET_CASES = 70
FIRST_MEETING_CASES = 4
# A candidate taken at a meeting was reported for an incident this recently (the panel takes the
# perpetrators causing harm now), and among this many of the highest scores.
RECENT_DAYS = 45
SHORTLIST = 12
HIGH_RFGV = 40
# The seed report's flags (domain.md section 6).
TARGET_SHARE = {"stalking": 0.55, "strangulation": 0.47}
TARGET_COUNT = {"no_fixed_abode": 5, "violence_against_parent": 6}
NON_MALE = 1
REFERRED_SHARE = 0.12
PENDING_REFERRALS = 3

CHAIR = "Detective inspector for domestic abuse and the DASV partnership manager (co-chairs)"
# slug: (chance of attending, representatives)
ATTENDANCE: dict[str, tuple[float, tuple[str, ...]]] = {
    "police": (1.0, ("Detective inspector, domestic abuse", "Detective sergeant, public protection")),
    "probation": (0.95, ("Senior probation officer", "Probation officer")),
    "housing": (0.85, ("Housing options team leader", "Tenancy enforcement officer")),
    "childrens-social-care": (0.85, ("Team manager, children's services", "Senior social worker")),
    "health": (0.75, ("Named nurse for safeguarding", "Safeguarding lead, emergency department")),
    "idva-service": (0.9, ("Senior IDVA", "IDVA service manager")),
    "substance-misuse": (0.7, ("Recovery team leader",)),
    "mental-health": (0.65, ("Mental health liaison practitioner",)),
    "adult-safeguarding": (0.4, ("Safeguarding adults practitioner",)),
}

INVESTIGATIONS = (
    "A live investigation into an assault last month: file with the Crown Prosecution Service for a charging decision.",
    "Released under investigation for harassment; officers are gathering digital evidence.",
    "Charged with breach of a non-molestation order; first hearing listed at the magistrates' court.",
    "No live investigation; the last incident was a non-crime domestic incident.",
    "Wanted for questioning about criminal damage at a former partner's address.",
    "Remanded in custody after an assault; trial date set at the Crown Court.",
    "Investigation into threats to kill closed: the victim did not support a prosecution.",
)
INTELLIGENCE = (
    "Intelligence suggests a new relationship; a Clare's Law disclosure is being considered.",
    "Known to frequent the victim's area despite bail conditions; patrols asked to note sightings.",
    "Intelligence of drug use and associates linked to violence.",
    "No new intelligence since the last meeting.",
    "Reported to be sofa surfing; address not confirmed.",
    "Social media contact with a former partner reported by the IDVA service.",
)
RISK_TO_VICTIMS = (
    "The latest victim is supported by an IDVA; risk remains high while he is in the community.",
    "Children in the household: children's services are assessing; risk judged medium.",
    "The victims have moved; risk reduced while he does not know where they live.",
    "Risk to a new partner unknown: disclosure agreed to protect her.",
    "Risk to his mother, with whom he is staying, raised by the adult safeguarding team.",
    "Risk judged to be reducing: no incident since the last meeting and he engages with the programme.",
)

# Action descriptions by tactical option (the agency owning the option does it).
OPTION_ACTIONS: dict[str, tuple[str, ...]] = {
    "Referral to a perpetrator programme": (
        "Refer him to the accredited behaviour change programme and confirm a start date.",
        "Report on his attendance at the programme to the next meeting.",
    ),
    "Substance misuse treatment": ("Offer an assessment with the recovery service and report on engagement.",),
    "Mental health assessment": ("Complete a mental health assessment and share the outcome with the panel.",),
    "Housing and tenancy support": ("Assess his housing need and offer tenancy support away from the victims.",),
    "Clare's Law disclosure (right to ask or right to know)": (
        "Complete the right-to-know disclosure to his new partner.",
        "Review the disclosure application with the decision-making panel.",
    ),
    "Safeguarding referral for children": ("Assess the children's safety at his contact visits.",),
    "Partner notification of release": ("Notify the victims of his release date and licence conditions.",),
    "Out of court disposal with conditions": ("Consider a conditional caution with attendance at a course.",),
    "Education, training and employment referral": ("Refer him to the employment, training and education service.",),
    "Civil injunction": ("Apply for a civil injunction preventing contact with the victims.",),
    "Housing enforcement (tenancy action)": ("Serve notice of breach of tenancy for anti-social behaviour.",),
    "Licensing, vehicle and financial checks": ("Complete licensing, vehicle and financial checks.",),
    "Stalking Protection Order": ("Apply for a Stalking Protection Order.",),
    "DVPN / DVPO": ("Issue a DVPN at the next incident and apply for a DVPO.",),
    "Bail conditions": ("Review his bail conditions and check his compliance with them.",),
    "Arrest and charge of outstanding offences": ("Arrest him for the outstanding offences and seek a charge.",),
    "Breach proceedings": ("Start breach proceedings for the missed appointments.",),
    "MAPPA referral": ("Refer him to MAPPA at level 2.",),
}
GENERIC_ACTIONS: dict[str, tuple[str, ...]] = {
    "police": ("Place markers on the victims' addresses for an urgent response.", "Update the panel's intelligence."),
    "probation": ("Review the risk management plan with his offender manager.",),
    "housing": ("Check for tenancy applications in his name across the district.",),
    "childrens-social-care": ("Share what is known about him with the children's social workers.",),
    "health": ("Flag his record so staff ask safely about abuse.",),
    "idva-service": ("Review the victims' safety plans in the light of the panel's information.",),
}
# Options whose actions ask something of him: the panel records his compliance.
COMPLIANCE_OPTIONS = {
    "Referral to a perpetrator programme",
    "Substance misuse treatment",
    "Mental health assessment",
    "Out of court disposal with conditions",
    "Civil injunction",
    "Stalking Protection Order",
    "DVPN / DVPO",
    "Bail conditions",
    "Breach proceedings",
}
COMPLIANCE = [
    (PanelAction.Compliance.COMPLIED, 55),
    (PanelAction.Compliance.PARTLY, 25),
    (PanelAction.Compliance.DID_NOT_COMPLY, 20),
]
PLAN_ITEMS = [(2, 25), (3, 35), (4, 28), (5, 12)]
OPENING_ACTIONS = [(1, 55), (2, 45)]
MAX_ACTIONS = 4
REVIEWED = 0.8
REVIEW_ACTION = 0.3
# Of actions due by today: done, not done, the rest still open (overdue); of those not yet due: done early.
ACTION_DONE = 0.8
ACTION_NOT_DONE = 0.1
DONE_EARLY = 0.3
COMPLIANCE_RECORDED = 0.75
NOT_DONE_REASONS = [
    (PanelAction.NotDoneReason.CIRCUMSTANCES_CHANGED, 65),
    (PanelAction.NotDoneReason.AGENCY_DID_NOT_ACT, 35),
]
REFERRAL_DETAILS = (
    "Repeat incidents against a new partner; we ask the panel to consider disruption.",
    "He is on licence and the risk to his former partner is escalating.",
    "Serial perpetrator across three relationships; referred for a multi-agency plan.",
)


def _pick(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _moment(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)), timezone.get_default_timezone())


def _backdate(model: type[models.Model], pk: int, day: date, hour: int = 10) -> None:
    """What the services wrote for a day in the past was made then: `created_at` on that day."""
    model._default_manager.filter(pk=pk).update(created_at=_moment(day, hour))


@dataclass
class _Backdates:
    """Rows to set back to the day they were made, written together at the end (one update per day)."""

    rows: dict[tuple[type[models.Model], date, int], list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, model: type[models.Model], pk: int, day: date, hour: int = 10) -> None:
        self.rows[(model, day, hour)].append(pk)

    def write(self) -> None:
        for (model, day, hour), pks in self.rows.items():
            model._default_manager.filter(pk__in=pks).update(created_at=_moment(day, hour))
        self.rows.clear()


def meeting_days(*, start: date, today: date) -> list[date]:
    """The first Thursday of each month from `start` to today, and the next one after today."""
    days = []
    month = start.replace(day=1)
    while True:
        day = month + timedelta(days=(THURSDAY - month.weekday()) % 7)
        if day >= start:
            days.append(day)
            if day > today:
                return days
        month = (month + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class _AgencySystem:
    """An agency with no demo user records its action steps from its own system (no personal user)."""

    agency: Agency
    roles: frozenset[str] = frozenset()

    def has_role(self, *roles: str) -> bool:
        return False


@dataclass
class _Histories:
    """Every perpetrator's incidents up to today, and who was reported for an incident on which day."""

    facts: dict[int, list[IncidentFact]]
    days: list[date] = field(default_factory=list)
    people: list[int] = field(default_factory=list)

    @classmethod
    def load(cls, today: date) -> _Histories:
        facts = perpetrator_incidents(up_to=today)
        rows = sorted((fact.occurred_on, person_id) for person_id, found in facts.items() for fact in found)
        return cls(facts=facts, days=[day for day, _ in rows], people=[person for _, person in rows])

    def reported_between(self, start: date, end: date) -> set[int]:
        low = bisect.bisect_left(self.days, start)
        high = bisect.bisect_right(self.days, end)
        return set(self.people[low:high])


@dataclass
class _Choice:
    person: Person
    score: RfgvScore
    serial: bool
    cases: list[Case]
    relationships: set[str]
    # What the case data shows (as perpetrator_panel.selectors.derived_flags), and the flags set by hand.
    flags: dict[str, bool]
    hand_set: dict[str, bool] = field(default_factory=dict)


@dataclass
class _Writer:
    rng: random.Random
    today: date
    rules: ScoringRules
    panel: User
    police_user: User
    agencies: dict[str, Agency]
    by_kind: dict[str, Agency]
    actors: dict[int, User]
    options: list[TacticalOption]
    histories: _Histories
    taken: set[int]
    flag_counts: Counter[str]
    opened: int
    created: Counter[str] = field(default_factory=Counter)
    backdates: _Backdates = field(default_factory=_Backdates)

    # --- Meetings ---

    def meeting(self, day: date) -> PanelMeeting:
        meeting = PanelMeeting.objects.filter(held_on=day).first() or panel_meeting_create(
            actor=self.panel, held_on=day, chair=CHAIR, notes="Monthly perpetrator panel."
        )
        self.backdates.add(PanelMeeting, meeting.pk, min(day - timedelta(days=28), self.today), 9)
        self.created["meetings"] += 1
        return meeting

    def attendance(self, meeting: PanelMeeting) -> None:
        for slug, (chance, representatives) in ATTENDANCE.items():
            agency = self.agencies.get(slug)
            if agency is None:
                continue
            attended = self.rng.random() < chance
            row = panel_attendance_record(
                actor=self.panel,
                meeting=meeting,
                agency=agency,
                attended=attended,
                representative=self.rng.choice(representatives) if attended else "",
            )
            self.backdates.add(PanelAttendance, row.pk, meeting.held_on, 12)
            self.created["attendance"] += 1

    def review(self, meeting: PanelMeeting, panel_case: PanelCase) -> None:
        review = case_review_record(
            actor=self.panel,
            meeting=meeting,
            panel_case=panel_case,
            investigations=self.rng.choice(INVESTIGATIONS),
            intelligence=self.rng.choice(INTELLIGENCE),
            risk_to_victims=self.rng.choice(RISK_TO_VICTIMS),
        )
        self.backdates.add(CaseReview, review.pk, meeting.held_on, 12)
        self.created["case reviews"] += 1

    # --- Candidates ---

    def shortlist(self, day: date) -> list[tuple[Person, RfgvScore, bool]]:
        """Candidates on the day (RFGV and serial over the incidents reported up to it), reported for an
        incident in the last weeks, not taken by the panel before: the highest scores."""
        recent = self.histories.reported_between(day - timedelta(days=RECENT_DAYS), day) - self.taken
        scored = []
        for person_id in recent:
            facts = [fact for fact in self.histories.facts.get(person_id, []) if fact.occurred_on <= day]
            score = rfgv_score(facts, on=day, rules=self.rules)
            scored.append((score.total, person_id, facts, score))
        scored.sort(key=lambda row: (-row[0], row[1]))
        top = scored[: SHORTLIST * 2]
        people = Person.objects.in_bulk([person_id for _, person_id, _, _ in top])
        shortlist = []
        for _, person_id, facts, score in top:
            person = people[person_id]
            serial = serial_perpetrator(facts, born=person.date_of_birth, on=day, rules=self.rules)
            if serial.age is not None and serial.age < self.rules.serial_min_age:
                continue
            shortlist.append((person, score, serial.is_serial))
        return shortlist[:SHORTLIST]

    def choose(self, day: date, count: int) -> list[_Choice]:
        """`count` of the day's shortlist: the highest scores, nudged toward the seed report's flags (as
        perpetrator_panel.selectors.derived_flags finds them, for the whole shortlist at once)."""
        shortlist = self.shortlist(day)
        parties = defaultdict(list)
        for party in CaseParty.objects.filter(
            person__in=[person for person, _, _ in shortlist], case__opened_on__lte=day
        ).select_related("case"):
            parties[party.person_id].append(party)
        crime_types: defaultdict[tuple[int, int | None], set[str]] = defaultdict(set)
        for case_id, perpetrator_id, crime_type in Incident.objects.filter(
            case_id__in=[party.case_id for found in parties.values() for party in found], is_crime=True
        ).values_list("case_id", "perpetrator_id", "crime_type"):
            crime_types[(case_id, perpetrator_id)].add(crime_type.lower())
        options = []
        for rank, (person, score, serial) in enumerate(shortlist):
            found = parties.get(person.pk, [])
            if not found:
                continue
            types = {
                text
                for party in found
                for text in crime_types[(party.case_id, person.pk)] | crime_types[(party.case_id, None)]
            }
            flags = {
                "stalking": any(party.case.stalking for party in found)
                or any(word in text for text in types for word in STALKING_CRIME_WORDS),
                "strangulation": any(party.case.strangulation for party in found)
                or any(word in text for text in types for word in STRANGULATION_CRIME_WORDS),
                "violence_against_parent": any(party.relationship == Relationship.CHILD_TO_PARENT for party in found),
                "no_fixed_abode": person.no_fixed_abode,
            }
            cases, relationships = [party.case for party in found], {party.relationship for party in found}
            options.append((rank, _Choice(person, score, serial, cases, relationships, flags)))
        chosen: list[_Choice] = []
        while options and len(chosen) < count:
            best = max(options, key=lambda option: self._utility(*option))
            options.remove(best)
            choice = best[1]
            if choice.person.gender != "male":
                if self.flag_counts["non_male"] >= NON_MALE:
                    continue
                self.flag_counts["non_male"] += 1
            self._count(choice)
            chosen.append(choice)
        return chosen

    def _utility(self, rank: int, choice: _Choice) -> float:
        value = -float(rank)
        taken = self.opened + 1
        for name, share in TARGET_SHARE.items():
            deficit = share * taken - self.flag_counts[name]
            value += 2 * deficit if choice.flags[name] else -2 * deficit
        for name, total in TARGET_COUNT.items():
            if choice.flags[name]:
                value += 3 if self.flag_counts[name] < total * taken / TARGET_CASES else -6
        if choice.person.gender != "male":
            value -= 4
        return value

    def _count(self, choice: _Choice) -> None:
        """Count the flags, setting no fixed abode and violence against a parent by hand where the panel
        learnt of them (he is sofa surfing; a family member victim is his mother or father)."""
        self.opened += 1
        for name, total in TARGET_COUNT.items():
            behind = self.flag_counts[name] < round(total * self.opened / TARGET_CASES)
            plausible = name == "no_fixed_abode" or Relationship.FAMILY_MEMBER in choice.relationships
            if not choice.flags[name] and behind and self.flag_counts[name] < total and plausible:
                choice.flags[name] = choice.hand_set[name] = True
        for name in (*TARGET_SHARE, *TARGET_COUNT):
            self.flag_counts[name] += choice.flags[name]

    # --- Panel cases ---

    def open(self, meeting: PanelMeeting, choice: _Choice) -> PanelCase:
        day = meeting.held_on
        reasons = []
        if choice.serial:
            reasons.append(PanelCase.Reason.SERIAL)
        if choice.score.total >= HIGH_RFGV or not reasons:
            reasons.append(PanelCase.Reason.HIGH_RFGV)
        referrals = []
        if self.rng.random() < REFERRED_SHARE:
            referral = self.refer(choice.person, choice.cases, day - timedelta(days=self.rng.randint(7, 21)))
            if referral is not None:
                referrals.append(referral)
                reasons.append(PanelCase.Reason.AGENCY_REFERRAL)
        panel_case = panel_case_open(
            actor=self.panel,
            perpetrator=choice.person,
            opened_on=day,
            cases=choice.cases,
            reasons=reasons,
            referrals=referrals,
            flags=choice.hand_set,
            today=day,
        )
        self.backdates.add(PanelCase, panel_case.pk, day, 11)
        self.taken.add(choice.person.pk)
        self.created["panel cases"] += 1
        self.review(meeting, panel_case)
        items = self.plan(panel_case, day)
        for plan_item in self.rng.sample(items, min(_pick(self.rng, OPENING_ACTIONS), len(items))):
            self.action(meeting, panel_case, plan_item)
        return panel_case

    def refer(self, person: Person, cases: list[Case], received_on: date) -> Referral | None:
        """A police referral of him to the panel (on his latest case the police may change), if any."""
        for case in sorted(cases, key=lambda case: (case.opened_on, case.pk), reverse=True):
            if case.opened_on > received_on:
                continue
            try:
                referral = referral_create(
                    actor=self.police_user,
                    case=case,
                    service=Referral.Service.PERPETRATOR_PANEL,
                    received_on=received_on,
                    perpetrator=person,
                    details=self.rng.choice(REFERRAL_DETAILS),
                    referrer_job_title="Detective sergeant, public protection",
                )
            except PermissionDenied:
                continue
            self.backdates.add(Referral, referral.pk, received_on, 14)
            self.created["referrals"] += 1
            return referral
        return None

    def plan(self, panel_case: PanelCase, day: date) -> list[PlanItem]:
        count = _pick(self.rng, PLAN_ITEMS)
        by_category = defaultdict(list)
        for option in self.options:
            by_category[option.category].append(option)
        # Several categories first (support, prevention, diversion, disruption, enforcement), then any.
        categories = self.rng.sample(list(by_category), len(by_category))
        chosen = [self.rng.choice(by_category[category]) for category in categories[:count]]
        items = []
        for option in chosen:
            agency = self.by_kind.get(option.usual_agency_kind) or self.agencies["police"]
            item = plan_item_add(
                actor=self.panel, panel_case=panel_case, option=option, owning_agency=agency, chosen_on=day
            )
            self.backdates.add(PlanItem, item.pk, day, 12)
            items.append(item)
        self.created["plan items"] += len(items)
        return items

    # --- Actions ---

    def action(self, meeting: PanelMeeting, panel_case: PanelCase, plan_item: PlanItem | None) -> None:
        day = meeting.held_on
        if plan_item is not None:
            agency = plan_item.owning_agency
            description = self.rng.choice(OPTION_ACTIONS.get(plan_item.option.name, ("Report progress.",)))
        else:
            slug = self.rng.choice(sorted(GENERIC_ACTIONS))
            agency = self.agencies[slug]
            description = self.rng.choice(GENERIC_ACTIONS[slug])
        due_on = day + timedelta(days=7 * self.rng.randint(2, 8))
        action = panel_action_create(
            actor=self.panel,
            panel_case=panel_case,
            assigned_agency=agency,
            description=description,
            due_on=due_on,
            meeting=meeting,
            plan_item=plan_item,
        )
        _backdate(PanelAction, action.pk, day, 12)
        self.created["actions"] += 1
        self.outcome(action, plan_item)

    def outcome(self, action: PanelAction, plan_item: PlanItem | None) -> None:
        """Done or not done by the agency on a day in the past, most of those due; a few still open."""
        draw = self.rng.random()
        earliest = action.agreed_on + timedelta(days=3)
        latest = min(action.due_on + timedelta(days=7), self.today)
        if earliest > latest:
            return
        if action.due_on <= self.today:
            done, not_done = draw < ACTION_DONE, ACTION_DONE <= draw < ACTION_DONE + ACTION_NOT_DONE
        else:
            done, not_done = draw < DONE_EARLY, False
        if not (done or not_done):
            self.created["actions still open"] += 1
            return
        on = earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))
        actor = self.actors.get(action.assigned_agency_id) or _AgencySystem(action.assigned_agency)
        if done:
            agency_action_complete(actor=actor, action=action, on=on)
            asks_him = plan_item is not None and plan_item.option.name in COMPLIANCE_OPTIONS
            if asks_him and self.rng.random() < COMPLIANCE_RECORDED:
                panel_action_compliance_record(actor=self.panel, action=action, compliance=_pick(self.rng, COMPLIANCE))
                self.created["compliance recorded"] += 1
        else:
            agency_action_not_done(actor=actor, action=action, reason=_pick(self.rng, NOT_DONE_REASONS), on=on)

    def cases_for_meeting(self, index: int, total: int) -> int:
        if index == 0:
            return FIRST_MEETING_CASES
        rest = TARGET_CASES - FIRST_MEETING_CASES
        return (index * rest) // (total - 1) - ((index - 1) * rest) // (total - 1)


def _agency_actors(agencies: dict[str, Agency]) -> dict[int, User]:
    """One demo user per agency who works its actions (its agency representative or IDVA)."""
    actors: dict[int, User] = {}
    users = User.objects.filter(
        agency__in=agencies.values(), is_active=True, groups__name__in=[Role.AGENCY_REP, Role.IDVA]
    ).prefetch_related("groups")
    for user in users.order_by("pk"):
        actors.setdefault(user.agency_id, user)
    return actors


@transaction.atomic
def seed(*, minimal: bool, stdout: TextIO) -> None:
    """Unless minimal, the demo panel's meetings since April 2024 with their cases, plans, reviews and
    actions, the status history, and a few referrals waiting (idempotent)."""
    if minimal:
        return
    today = timezone.localdate()
    days = meeting_days(start=REVIEW_FROM, today=today)
    held = set(PanelMeeting.objects.filter(status=PanelMeeting.Status.HELD).values_list("held_on", flat=True))
    new_days = [day for day in days if day not in held]
    if new_days == [days[-1]] and PanelMeeting.objects.filter(held_on=days[-1]).exists():
        stdout.write("Demo perpetrator panel: every meeting to date exists, none new.\n")
        return
    agencies = {agency.slug: agency for agency in Agency.objects.filter(active=True)}
    by_kind: dict[str, Agency] = {}
    for agency in sorted(agencies.values(), key=lambda agency: agency.pk):
        by_kind.setdefault(agency.kind, agency)
    flag_counts: Counter[str] = Counter()
    for panel_case in PanelCase.objects.select_related("perpetrator"):
        for name in (*TARGET_SHARE, *TARGET_COUNT):
            flag_counts[name] += getattr(panel_case, name)
        flag_counts["non_male"] += panel_case.perpetrator.gender != "male"
    writer = _Writer(
        rng=random.Random(PANEL_DEMO_SEED + len(held)),  # noqa: S311 - reproducible demo data, not a secret
        today=today,
        rules=scoring_rules(),
        panel=User.objects.prefetch_related("groups").get(email=demo_email("panel")),
        police_user=User.objects.prefetch_related("groups").get(email=demo_email("police")),
        agencies=agencies,
        by_kind=by_kind,
        actors=_agency_actors(agencies),
        options=list(TacticalOption.objects.filter(active=True)),
        histories=_Histories.load(today),
        taken=set(PanelCase.objects.values_list("perpetrator_id", flat=True)),
        flag_counts=flag_counts,
        opened=PanelCase.objects.count(),
    )
    total = len(days) - 1
    for index, day in enumerate(days):
        if day in new_days:
            _hold(writer, day, cases=writer.cases_for_meeting(index, total))
    status_run = panel_statuses_recompute(today=today)
    writer.backdates.write()
    _plans_brought_up_to_date(writer)
    _pending_referrals(writer)
    statuses = Counter(PanelCase.objects.values_list("status", flat=True))
    summary = ", ".join(f"{count} {name}" for name, count in writer.created.items() if count)
    states = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    stdout.write(f"Demo perpetrator panel: {summary} (panel cases: {states}; today's status run: {status_run}).\n")


def _hold(writer: _Writer, day: date, *, cases: int) -> None:
    """One meeting: the nightly job as it ran that morning, attendance, reviews of the active cases (with
    new actions for some), and the new cases taken; a meeting after today is only arranged."""
    if day > writer.today:
        writer.meeting(day)
        return
    if writer.opened:
        # The nightly job, as it ran that morning: who went inactive, who came back.
        panel_statuses_recompute(today=day)
    meeting = writer.meeting(day)
    writer.attendance(meeting)
    active = PanelCase.objects.filter(status=PanelCase.Status.ACTIVE, opened_on__lt=day).annotate(
        actions_count=models.Count("actions")
    )
    for panel_case in active.order_by("pk"):
        if writer.rng.random() >= REVIEWED:
            continue
        writer.review(meeting, panel_case)
        if panel_case.actions_count < MAX_ACTIONS and writer.rng.random() < REVIEW_ACTION:
            items = list(panel_case.plan_items.select_related("option", "owning_agency"))
            writer.action(meeting, panel_case, writer.rng.choice([*items, None]))
    for choice in writer.choose(day, cases):
        writer.open(meeting, choice)


def _plans_brought_up_to_date(writer: _Writer) -> None:
    """Options of a case the panel no longer manages have ended; those of an active case chosen over a
    month ago are in place."""
    month_ago = writer.today - timedelta(days=30)
    items = PlanItem.objects.select_related("panel_case").exclude(status=PlanItem.Status.ENDED)
    for item in items:
        if item.panel_case.status == PanelCase.Status.INACTIVE:
            status, notes = PlanItem.Status.ENDED, "Ended when the panel case became inactive."
        elif item.chosen_on <= month_ago and item.status == PlanItem.Status.PLANNED:
            status, notes = PlanItem.Status.IN_PLACE, "In place."
        else:
            continue
        plan_item_update(actor=writer.panel, plan_item=item, status=status, notes=notes)


def _pending_referrals(writer: _Writer) -> None:
    """Two or three agency referrals to the panel no case answers yet, for today's highest candidates: by
    the police, and one the police recorded from probation."""
    waiting = Referral.objects.filter(service=Referral.Service.PERPETRATOR_PANEL, panel_cases__isnull=True)
    if waiting.exists():
        return
    active = set(PanelCase.objects.filter(status=PanelCase.Status.ACTIVE).values_list("perpetrator_id", flat=True))
    made = 0
    for person, _, _ in writer.shortlist(writer.today):
        if made >= PENDING_REFERRALS or person.pk in active:
            continue
        cases = list(Case.objects.filter(parties__person=person, opened_on__lte=writer.today))
        received_on = writer.today - timedelta(days=writer.rng.randint(2, 20))
        probation = made == PENDING_REFERRALS - 1 and "probation" in writer.agencies
        for case in sorted(cases, key=lambda case: (case.opened_on, case.pk), reverse=True):
            if case.opened_on > received_on:
                continue
            try:
                referral = referral_create(
                    actor=writer.police_user,
                    case=case,
                    service=Referral.Service.PERPETRATOR_PANEL,
                    received_on=received_on,
                    perpetrator=person,
                    details=writer.rng.choice(REFERRAL_DETAILS),
                    referring_agency=writer.agencies["probation"] if probation else None,
                    referrer_name="Offender manager (by email)" if probation else "",
                    referrer_job_title="Probation officer" if probation else "Detective sergeant, public protection",
                )
            except PermissionDenied:
                continue
            writer.backdates.add(Referral, referral.pk, received_on, 14)
            writer.created["referrals waiting"] += 1
            made += 1
            break
    writer.backdates.write()
