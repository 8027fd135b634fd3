"""seed_demo's MARAC: meetings three times a week since 2018 with agendas, attendance and outcomes, and for
the last year research and actions."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from agencies.models import Agency
from cases.models import CaseAgencyPermission
from marac.models import (
    AgendaItem,
    Attendance,
    ClosureDate,
    MaracAccessGrant,
    MaracAction,
    MaracMeeting,
    MeetingSchedule,
    Research,
)
from referrals.models import Referral, ReferralEvent

COUNTED = (
    MeetingSchedule,
    ClosureDate,
    MaracMeeting,
    AgendaItem,
    Research,
    Attendance,
    MaracAction,
    MaracAccessGrant,
    CaseAgencyPermission,
    Referral,
    ReferralEvent,
)


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def _financial_years() -> list[tuple[date, date]]:
    """Each complete financial year (1 April to 31 March) from 2018-19 to the last one ended."""
    today = timezone.localdate()
    years = []
    year = 2018
    while date(year + 1, 3, 31) < today:
        years.append((date(year, 4, 1), date(year + 1, 3, 31)))
        year += 1
    return years


def _members() -> list[Agency]:
    return list(Agency.objects.filter(is_marac_member=True, active=True, areas__slug="demo-county"))


@pytest.mark.django_db
def test_minimal_seed_creates_no_meetings():
    """--minimal makes no schedule, closure or meeting."""
    _seed("--minimal")
    assert not MeetingSchedule.objects.exists()
    assert not ClosureDate.objects.exists()
    assert not MaracMeeting.objects.exists()
