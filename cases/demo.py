"""The demo partnership's cases: synthetic victims, perpetrators, children, incidents and safe contacts.

Synthetic data only (Faker en_GB, phone numbers from Ofcom's drama range). The whole plan is drawn
from fixed seeds before anything is written, so every run plans the same cases; each case is known
by the source reference of its first incident ("DEMO-CAD-000001"), so a second run finds the cases
it made and creates nothing new. `referrals.demo` calls `seed_cases` and assesses the cases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TextIO

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from faker import Faker

from agencies.demo import demo_email
from agencies.models import Area, User
from cases.models import Case, CaseParty, Gender, Incident, Person, Relationship
from cases.services import PartyInput, case_create, incident_record, safe_contact_save

DEMO_SEED = 2026
DEMO_CASE_COUNT = 300
DEMO_REFERENCE_PREFIX = "DEMO-"
# The referral volume's incidents (referrals.demo_volume): not story cases, and far more of them.
DEMO_VOLUME_PREFIX = "DEMO-VOL-"
# Cases open over several years, on both sides of the partnership's 2020 routing rule. Fixed dates
# (not "today") keep the plan the same on every run.
FIRST_OPENED = date(2018, 1, 4)
LAST_OPENED = date(2026, 9, 30)
LAST_INCIDENT = date(2026, 10, 31)

# Who records cases: (demo user's email local part, share of cases, prefix of their incident references).
RECORDERS = [
    ("police", 58, "CAD"),
    ("health", 12, "HOSP"),
    ("idva", 12, "IDVA"),
    ("childrens.services", 10, "CSC"),
    ("housing", 8, "HSG"),
]
AREAS = [("demo-county", 2), ("demo-north", 1), ("demo-south", 1)]
RELATIONSHIPS = [
    (Relationship.EX_PARTNER, 45),
    (Relationship.PARTNER, 35),
    (Relationship.FAMILY_MEMBER, 12),
    (Relationship.CHILD_TO_PARENT, 8),
]
ETHNICITIES = [
    (Person.Ethnicity.WHITE_BRITISH, 70),
    (Person.Ethnicity.WHITE_OTHER, 9),
    (Person.Ethnicity.ASIAN, 7),
    (Person.Ethnicity.BLACK, 4),
    (Person.Ethnicity.MIXED, 3),
    (Person.Ethnicity.OTHER, 2),
    (Person.Ethnicity.NOT_KNOWN, 5),
]
SEXUALITIES = [
    (Person.Sexuality.HETEROSEXUAL, 80),
    (Person.Sexuality.GAY_LESBIAN, 4),
    (Person.Sexuality.BISEXUAL, 3),
    (Person.Sexuality.NOT_KNOWN, 13),
]
CRIME_TYPES = [
    "Common assault",
    "Assault occasioning actual bodily harm",
    "Controlling or coercive behaviour",
    "Harassment",
    "Stalking",
    "Criminal damage",
    "Threats to kill",
    "Breach of a non-molestation order",
    "Non-fatal strangulation",
]
SAFE_TIMES = [
    "Weekdays 10:00-12:00, while he is at work",
    "School hours only",
    "Any time after 19:00 on Tuesdays and Thursdays",
    "Mornings before 09:00",
    "Through her sister only; never leave a voicemail",
]
DO_NOT_CONTACT = [
    "Never write to the home address.",
    "Do not call at weekends: he checks her phone.",
    "No text messages.",
    "Do not say which service is calling.",
    "",
]
CASE_FLAGS = [
    ("stalking", 0.25),
    ("strangulation", 0.2),
    ("sexual_violence", 0.12),
    ("honour_based_abuse", 0.02),
    ("forced_marriage", 0.01),
]


@dataclass(frozen=True)
class IncidentPlan:
    occurred_on: date
    source_reference: str
    is_crime: bool
    crime_type: str


@dataclass
class CasePlan:
    """One demo case as planned: who records it, the people by their key in the plan, the incidents."""

    recorder: str
    area: str
    victim: int
    perpetrators: list[tuple[int, str]]
    opened_on: date
    children: list[dict[str, Any]] = field(default_factory=list)
    flags: dict[str, bool] = field(default_factory=dict)
    incident_dates: list[date] = field(default_factory=list)
    incidents: list[IncidentPlan] = field(default_factory=list)
    safe_contact: dict[str, str] | None = None


@dataclass(frozen=True)
class DemoCase:
    """A demo case in the database, its plan, and the demo user who recorded it."""

    case: Case
    plan: CasePlan
    recorder: User
    created: bool


class _Planner:
    """Draws the people and cases from fixed seeds; writes nothing."""

    def __init__(self) -> None:
        self.rng = random.Random(DEMO_SEED)  # noqa: S311 - reproducible demo data, not a secret
        self.fake = Faker("en_GB")
        self.fake.seed_instance(DEMO_SEED)
        self.people: list[dict[str, Any]] = []

    def weighted(self, choices: list[tuple[Any, int]]) -> Any:
        values, weights = zip(*choices, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def person(self, *, victim: bool, age_from: int, age_to: int, on: date) -> int:
        """A new person, born so as to be aged age_from-age_to on `on`; returns their key."""
        rng = self.rng
        if victim:
            gender = self.weighted([(Gender.FEMALE, 90), (Gender.MALE, 8), (Gender.NON_BINARY, 2)])
        else:
            gender = self.weighted([(Gender.MALE, 88), (Gender.FEMALE, 11), (Gender.NOT_KNOWN, 1)])
        given_name = {
            Gender.FEMALE: self.fake.first_name_female,
            Gender.MALE: self.fake.first_name_male,
        }.get(gender, self.fake.first_name)()
        age_days = rng.randrange(age_from * 365 + 1, (age_to + 1) * 365 - 1)
        nationality = self.weighted([("uk", 86), ("a8", 6), ("other_eu", 3), ("other", 3), ("not_known", 2)])
        first_language = {"a8": rng.choice(["Polish", "Lithuanian", "Latvian", "Slovak"])}.get(nationality, "English")
        data: dict[str, Any] = {
            "given_name": given_name,
            "family_name": self.fake.last_name(),
            "date_of_birth": on - timedelta(days=age_days),
            "gender": gender,
            "ethnicity": self.weighted(ETHNICITIES),
            "sexuality": self.weighted(SEXUALITIES),
            "disability": self.weighted([("no", 70), ("yes", 15), ("not_known", 15)]),
            "nationality_group": nationality,
            "first_language": first_language,
            "interpreter_needed": first_language != "English" and rng.random() < 0.5,
            "no_fixed_abode": not victim and rng.random() < 0.04,
        }
        self.people.append(data)
        return len(self.people) - 1

    def case(
        self,
        *,
        opened_on: date,
        victim: int | None = None,
        perpetrator: int | None = None,
        relationship: str | None = None,
    ) -> CasePlan:
        """A case opened on a date, for a new or given victim, with a new or given perpetrator."""
        rng = self.rng
        relationship = relationship or self.weighted(RELATIONSHIPS)
        child_to_parent = relationship == Relationship.CHILD_TO_PARENT
        if victim is None:
            ages = (40, 75) if child_to_parent else (17, 60)
            victim = self.person(victim=True, age_from=ages[0], age_to=ages[1], on=opened_on)
        if perpetrator is None:
            ages = (14, 30) if child_to_parent else (18, 65)
            perpetrator = self.person(victim=False, age_from=ages[0], age_to=ages[1], on=opened_on)
        perpetrators = [(perpetrator, relationship)]
        if rng.random() < 0.04:
            # Another person the victim fears, e.g. a relative in honour-based abuse.
            other = self.person(victim=False, age_from=25, age_to=65, on=opened_on)
            perpetrators.append((other, Relationship.FAMILY_MEMBER))
        plan = CasePlan(
            recorder=self.weighted([(local_part, share) for local_part, share, _ in RECORDERS]),
            area=self.weighted(AREAS),
            victim=victim,
            perpetrators=perpetrators,
            opened_on=opened_on,
        )
        if rng.random() < 0.5:
            plan.children = [
                {"age": rng.randrange(18), "gender": rng.choice([Gender.FEMALE, Gender.MALE])}
                for _ in range(self.weighted([(1, 5), (2, 3), (3, 2)]))
            ]
        plan.flags = {flag: rng.random() < share for flag, share in CASE_FLAGS}
        plan.flags["pregnancy"] = self.people[victim]["gender"] == Gender.FEMALE and rng.random() < 0.06
        # The incident that opened the case, earlier incidents (some enough for potential escalation)
        # and a few later ones.
        plan.incident_dates = [opened_on - timedelta(days=rng.randrange(4))]
        earlier = self.weighted([(0, 60), (1, 28), (2, 9), (3, 3)])
        plan.incident_dates += [opened_on - timedelta(days=rng.randrange(5, 330)) for _ in range(earlier)]
        later = self.weighted([(0, 70), (1, 20), (2, 10)])
        plan.incident_dates += [opened_on + timedelta(days=rng.randrange(20, 300)) for _ in range(later)]
        if rng.random() < 0.4:
            plan.safe_contact = {
                "safe_address": self.fake.address().replace("\n", ", "),
                # Ofcom's range for drama: never a real number.
                "safe_phone": f"07700 900{rng.randrange(1000):03d}",
                "safe_times": rng.choice(SAFE_TIMES),
                "do_not_contact": rng.choice(DO_NOT_CONTACT),
            }
        return plan


def demo_case_plans(count: int = DEMO_CASE_COUNT) -> tuple[list[CasePlan], list[dict[str, Any]]]:
    """The demo cases in the order they are opened, and the people they name (by key)."""
    planner = _Planner()
    plans: list[CasePlan] = []
    while len(plans) < count:
        story = planner.weighted([("single", 76), ("repeat", 12), ("new_partner", 4), ("serial", 8)])
        first = planner.case(opened_on=planner.day_between(FIRST_OPENED, LAST_OPENED))
        plans.append(first)
        if story == "single":
            continue
        perpetrator, relationship = first.perpetrators[0]
        again_on = first.opened_on + timedelta(days=planner.rng.randrange(45, 400))
        # A serial perpetrator has one or two more partners; the other stories one more case.
        for _ in range(planner.weighted([(1, 2), (2, 1)]) if story == "serial" else 1):
            if again_on > LAST_OPENED:
                break
            if story == "repeat":
                # The same victim and perpetrator again, often within the 12 months of a repeat MARAC.
                follow_up = planner.case(
                    opened_on=again_on, victim=first.victim, perpetrator=perpetrator, relationship=relationship
                )
            elif story == "new_partner":
                follow_up = planner.case(opened_on=again_on, victim=first.victim, relationship=Relationship.PARTNER)
            else:
                follow_up = planner.case(opened_on=again_on, perpetrator=perpetrator, relationship=Relationship.PARTNER)
            plans.append(follow_up)
            again_on += timedelta(days=planner.rng.randrange(60, 300))
    plans = sorted(plans[:count], key=lambda plan: plan.opened_on)
    prefixes = {local_part: prefix for local_part, _, prefix in RECORDERS}
    number = 0
    for plan in plans:
        incidents = []
        for occurred_on in sorted(day for day in plan.incident_dates if day <= LAST_INCIDENT):
            number += 1
            is_crime = planner.rng.random() < 0.6
            incidents.append(
                IncidentPlan(
                    occurred_on=occurred_on,
                    source_reference=f"{DEMO_REFERENCE_PREFIX}{prefixes[plan.recorder]}-{number:06d}",
                    is_crime=is_crime,
                    crime_type=planner.rng.choice(CRIME_TYPES) if is_crime else "",
                )
            )
        # The first (earliest) incident identifies the case; it is never after the case was opened.
        plan.incidents = incidents
    return plans, planner.people


def demo_users() -> dict[str, User]:
    """The demo users who record cases, by email local part (seed agencies.demo first)."""
    emails = {demo_email(local_part): local_part for local_part, _, _ in RECORDERS}
    users = User.objects.filter(email__in=emails).select_related("agency").prefetch_related("groups")
    found = {emails[user.email]: user for user in users}
    missing = set(emails.values()) - set(found)
    if missing:
        raise LookupError(f"Run agencies.demo.seed first: no demo user {', '.join(sorted(missing))}.")
    return found


@transaction.atomic
def seed_cases(*, stdout: TextIO, count: int = DEMO_CASE_COUNT) -> list[DemoCase]:
    """Create the demo cases that do not exist yet (idempotent) and return every demo case, oldest first."""
    plans, people_data = demo_case_plans(count)
    users = demo_users()
    areas = {area.slug: area for area in Area.objects.filter(slug__in=[slug for slug, _ in AREAS])}
    today = timezone.localdate()
    existing = {
        (agency_id, reference): case_id
        for agency_id, reference, case_id in Incident.objects.filter(source_reference__startswith=DEMO_REFERENCE_PREFIX)
        .exclude(source_reference__startswith=DEMO_VOLUME_PREFIX)
        .values_list("reported_to_id", "source_reference", "case_id")
    }
    known_cases = (
        Case.objects.select_related("victim")
        .prefetch_related(Prefetch("parties", queryset=CaseParty.objects.select_related("person").order_by("pk")))
        .in_bulk(set(existing.values()))
    )
    people: dict[int, Person] = {}
    with_safe_contact: set[int] = set()
    demo_cases: list[DemoCase] = []
    incidents_created = 0
    for plan in plans:
        if plan.opened_on > today:
            break  # never a case in the future (plans are in date order)
        recorder = users[plan.recorder]
        case_id = existing.get((recorder.agency_id, plan.incidents[0].source_reference))
        if case_id is not None:
            case = known_cases[case_id]
        else:
            case = case_create(
                actor=recorder,
                area=areas[plan.area],
                victim=people.get(plan.victim) or people_data[plan.victim],
                perpetrators=[
                    PartyInput(relationship=relationship, person=people.get(key), data=people_data[key])
                    for key, relationship in plan.perpetrators
                ],
                children=plan.children,
                opened_on=plan.opened_on,
                flags=plan.flags,
            )
        # Later cases of the same people link these rows rather than create new ones.
        people.setdefault(plan.victim, case.victim)
        parties = list(case.parties.all()) if case_id is not None else list(case.parties.select_related("person"))
        for (key, _), party in zip(plan.perpetrators, parties, strict=True):
            people.setdefault(key, party.person)
        if case_id is None:
            incidents_created += _record_incidents(recorder, case, plan, perpetrator=parties[0].person, today=today)
            if plan.safe_contact and plan.victim not in with_safe_contact:
                safe_contact_save(actor=recorder, case=case, data=plan.safe_contact)
        if plan.safe_contact:
            with_safe_contact.add(plan.victim)
        demo_cases.append(DemoCase(case=case, plan=plan, recorder=recorder, created=case_id is None))
    created = sum(demo_case.created for demo_case in demo_cases)
    years = sorted({demo_case.plan.opened_on.year for demo_case in demo_cases}) or [today.year]
    stdout.write(
        f"Demo cases: {len(demo_cases)} opened {years[0]} to {years[-1]} "
        f"({created} new, with {incidents_created} new incidents).\n"
    )
    return demo_cases


def _record_incidents(recorder: User, case: Case, plan: CasePlan, *, perpetrator: Person, today: date) -> int:
    created = 0
    for incident in plan.incidents:
        if incident.occurred_on > today:
            continue
        outcome = incident_record(
            actor=recorder,
            case=case,
            occurred_on=incident.occurred_on,
            source_reference=incident.source_reference,
            is_crime=incident.is_crime,
            crime_type=incident.crime_type,
            perpetrator=perpetrator,
        )
        created += outcome.created
    return created
