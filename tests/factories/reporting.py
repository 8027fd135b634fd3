"""Factories for reporting: the people who run reports, population estimates, provider agencies, report runs
in each state, and a little activity for a report to count (built through the services)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from django.utils import timezone

from agencies.models import Agency, Area, Role, User
from reporting.models import PopulationEstimate, ReportRun
from reporting.rules import parse_period
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import add_incident, case_worker, make_case
from tests.factories.referrals import police_referral


def report_user(role: str = Role.ANALYST, agency: Agency | None = None, **kwargs: Any) -> User:
    """A user with a report role (analyst by default) at a new agency unless given."""
    return UserFactory(agency=agency or AgencyFactory(kind=Agency.Kind.OTHER), roles=[role], **kwargs)


def provider_agency(kind: str = Agency.Kind.REFUGE, **kwargs: Any) -> Agency:
    """A provider agency of the kind (a refuge by default), serving a new area unless given."""
    return AgencyFactory(kind=kind, is_marac_member=False, **kwargs)


class PopulationEstimateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PopulationEstimate

    area = factory.SubFactory(AreaFactory)
    year = 2020
    all_ages = 500_000
    adult_females = 210_000
    source = "ONS mid-year estimates (synthetic)"


def report_run(
    *,
    status: str = ReportRun.Status.QUEUED,
    period: str = "2020-21",
    area: Area | None = None,
    requested_by: User | None = None,
    requested_by_agency: Agency | None = None,
    result: dict[str, Any] | None = None,
    kind: str = ReportRun.Kind.ANNUAL,
    **kwargs: Any,
) -> ReportRun:
    """A run in the given state, made directly (no task): for lists, access and the API's answers."""
    parsed = parse_period(period)
    if requested_by is not None and requested_by_agency is None:
        requested_by_agency = requested_by.agency
    done = status == ReportRun.Status.DONE
    values: dict[str, Any] = {
        "progress": 100 if done else 0,
        "started_at": timezone.now() if status != ReportRun.Status.QUEUED else None,
        "finished_at": timezone.now() if done else None,
        **kwargs,
    }
    return ReportRun.objects.create(
        kind=kind,
        parameters={"period": period, "area": area.slug if area else None},
        period_start=parsed.start,
        period_end=parsed.end,
        period_label=parsed.label,
        area=area,
        status=status,
        requested_by=requested_by,
        requested_by_agency=requested_by_agency,
        result=result if result is not None else ({"period": parsed.as_dict()} if done else None),
        **values,
    )


def report_activity(*, area: Area, first: date, referrals: int = 7, incidents: int = 3) -> None:
    """Some IDVA referrals and police incidents for a report of `area` to count, from day `first`: each
    referral is made by a police user of the area (so the police count under its slug)."""
    police = AgencyFactory(kind=Agency.Kind.POLICE, areas=[area])
    referrer = case_worker(police)
    for n in range(referrals):
        police_referral(received_on=first + timedelta(days=3 * n), referrer=referrer)
    case = make_case(referrer, area=area)
    for n in range(incidents):
        add_incident(referrer, case, occurred_on=first + timedelta(days=5 * n), is_crime=n % 2 == 0)
