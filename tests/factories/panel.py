"""Factories for the perpetrator panel: panel members, perpetrators with incident histories against
several victims, and panel cases opened through the services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from agencies.models import Agency, Role, User
from cases.models import Case, Person
from perpetrator_panel.models import PanelCase
from perpetrator_panel.services import panel_case_open
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import PersonFactory, add_incident, case_worker, make_case


def police_agency() -> Agency:
    """The partnership's police force (one per test database)."""
    return Agency.objects.filter(kind=Agency.Kind.POLICE, slug="police").first() or AgencyFactory(
        kind=Agency.Kind.POLICE, slug="police", name="Demo Police"
    )


def panel_member(agency: Agency | None = None, **kwargs: Any) -> User:
    """A perpetrator panel member (by default of a new probation agency: not the police)."""
    return UserFactory(agency=agency or AgencyFactory(kind=Agency.Kind.PROBATION), roles=[Role.PANEL_MEMBER], **kwargs)


def perpetrator_with_history(
    *,
    recorder: User | None = None,
    incidents: Sequence[tuple[int, int]] = ((0, 10), (1, 40)),
    perpetrator: Person | None = None,
    crime_type: str = "",
    **case_flags: bool,
) -> tuple[Person, list[Case]]:
    """A perpetrator and his cases: `incidents` are (victim number, days ago) pairs; each victim number gets
    its own case, recorded by `recorder` (a police case worker by default)."""
    recorder = recorder or case_worker(police_agency())
    perpetrator = perpetrator or PersonFactory(gender="male")
    cases: dict[int, Case] = {}
    today = timezone.localdate()
    for victim, days_ago in incidents:
        if victim not in cases:
            cases[victim] = make_case(
                recorder, perpetrators=[perpetrator], opened_on=today - timedelta(days=days_ago), **case_flags
            )
        add_incident(
            recorder,
            cases[victim],
            occurred_on=today - timedelta(days=days_ago),
            perpetrator=perpetrator,
            is_crime=bool(crime_type),
            crime_type=crime_type,
        )
    return perpetrator, list(cases.values())


def open_panel_case(
    actor: User | None = None,
    *,
    perpetrator: Person | None = None,
    cases: Sequence[Case] | None = None,
    opened_on: date | None = None,
    reasons: Sequence[str] = (PanelCase.Reason.SERIAL,),
    **kwargs: Any,
) -> PanelCase:
    """A panel case opened by a panel member (for a new serial perpetrator unless one is given)."""
    actor = actor or panel_member()
    if perpetrator is None:
        perpetrator, found = perpetrator_with_history()
        cases = found if cases is None else cases
    elif cases is None:
        cases = list(Case.objects.filter(parties__person=perpetrator))
    return panel_case_open(
        actor=actor,
        perpetrator=perpetrator,
        opened_on=opened_on or timezone.localdate(),
        cases=cases,
        reasons=reasons,
        **kwargs,
    )
