"""Factories for people, cases, incidents and risk assessments, built through the services.

Synthetic people only (Faker en_GB). Cases are created by `case_create`, so the creating agency and
the IDVA service get their access exactly as in production.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import factory
from django.utils import timezone
from faker import Faker

from agencies.models import Agency, Area, Role, User
from cases.instruments import DASH_CODE
from cases.models import Case, Incident, Person, RiskInstrument
from cases.services import PartyInput, case_create, incident_record
from referrals.services import Submission, risk_assessment_submit
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory

_fake = Faker("en_GB")
_references = itertools.count(1)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=18, maximum_age=70)
    gender = "female"


def idva_service(area: Area | None = None) -> Agency:
    """The partnership's IDVA service (created once per test database)."""
    agency = Agency.objects.filter(kind=Agency.Kind.IDVA_SERVICE).first()
    return agency or AgencyFactory(kind=Agency.Kind.IDVA_SERVICE, slug="idva-service", areas=[area or AreaFactory()])


def case_worker(agency: Agency | None = None, role: str = Role.AGENCY_REP, **kwargs: Any) -> User:
    """A user who works with cases (by default an agency representative of a new police agency)."""
    return UserFactory(agency=agency or AgencyFactory(kind=Agency.Kind.POLICE), roles=[role], **kwargs)


def make_case(
    actor: Any,
    *,
    victim: Person | None = None,
    perpetrators: Sequence[Person] = (),
    children: Sequence[int] = (),
    area: Area | None = None,
    opened_on: date | None = None,
    **flags: bool,
) -> Case:
    """A case recorded by `actor` (with one new perpetrator unless perpetrators are given)."""
    parties = [PartyInput(relationship="ex_partner", person=person) for person in perpetrators] or [
        PartyInput(relationship="ex_partner", person=PersonFactory(gender="male"))
    ]
    return case_create(
        actor=actor,
        area=area or actor.agency.areas.first() or AreaFactory(),
        victim=victim or PersonFactory(),
        perpetrators=parties,
        children=[{"age": age} for age in children],
        opened_on=opened_on,
        flags=flags,
    )


def dash_answers(score: int) -> dict[str, str]:
    """Answers to the 24 DASH questions with exactly `score` yes answers (the rest no)."""
    return {f"q{n}": "yes" if n <= score else "no" for n in range(1, 25)}


def submit_dash(actor: Any, case: Case, *, score: int, assessed_on: date | None = None, **kwargs: Any) -> Submission:
    """Submit a DASH assessment with the given score through the routing service."""
    return risk_assessment_submit(
        actor=actor,
        case=case,
        instrument=RiskInstrument.objects.get(code=DASH_CODE),
        assessed_on=assessed_on or timezone.localdate(),
        answers=dash_answers(score),
        **kwargs,
    )


def add_incident(actor: Any, case: Case, *, occurred_on: date | None = None, **kwargs: Any) -> Incident:
    """An incident reported to the actor's agency, with a fresh source reference."""
    return incident_record(
        actor=actor,
        case=case,
        occurred_on=occurred_on or timezone.localdate() - timedelta(days=1),
        source_reference=kwargs.pop("source_reference", f"CAD-{next(_references):06d}"),
        **kwargs,
    ).incident
