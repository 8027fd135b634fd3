"""seed_demo's perpetrator panel: monthly meetings since April 2024, about seventy panel cases with plans,
reviews, actions and a status history, and agency referrals waiting on the candidate list."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from perpetrator_panel import demo
from perpetrator_panel.models import (
    CaseReview,
    PanelAction,
    PanelAttendance,
    PanelCase,
    PanelMeeting,
    PlanItem,
    StatusChange,
)
from referrals.models import Referral

COUNTED = (PanelMeeting, PanelAttendance, CaseReview, PanelCase, StatusChange, PlanItem, PanelAction, Referral)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.mark.django_db
def test_minimal_seed_creates_no_panel_data():
    """--minimal makes no panel meeting, case or referral."""
    call_command("seed_demo", "--minimal", stdout=StringIO())
    assert not PanelMeeting.objects.exists()
    assert not PanelCase.objects.exists()
    assert not Referral.objects.filter(service=Referral.Service.PERPETRATOR_PANEL).exists()


def test_meeting_days_are_first_thursdays_up_to_the_next_one():
    """The panel meets on the first Thursday of each month from the review's start, with the next one ahead."""
    days = demo.meeting_days(start=date(2024, 4, 1), today=date(2024, 7, 4))
    assert days == [date(2024, 4, 4), date(2024, 5, 2), date(2024, 6, 6), date(2024, 7, 4), date(2024, 8, 1)]
    assert all(day.weekday() == 3 and day.day <= 7 for day in days)
