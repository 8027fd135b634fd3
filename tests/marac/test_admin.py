"""The admin: partnership administrators keep MARAC schedules and closure dates; others cannot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Role
from marac.models import ClosureDate, MeetingSchedule
from tests.factories.agencies import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_partnership_admin_adds_a_schedule_and_a_closure(signed_in_client):
    """A partnership administrator adds a three-a-week schedule and a closure day, recorded as theirs."""
    admin = UserFactory(roles=[Role.PARTNERSHIP_ADMIN])
    client = signed_in_client(admin)
    area = AreaFactory()
    response = client.post(
        reverse("admin:marac_meetingschedule_add"),
        {
            "area": area.pk,
            "kind": "marac",
            "weekdays": "[1, 3, 5]",
            "starts_at": "10:00",
            "capacity": 12,
            "bank_holiday_subdivision": "ENG",
            "effective_from": "2027-01-04",
            "weeks_ahead": 12,
        },
    )
    assert response.status_code == 302, response.content
    schedule = MeetingSchedule.objects.get()
    assert schedule.weekdays == [1, 3, 5]
    assert schedule.created_by == admin
    response = client.post(
        reverse("admin:marac_closuredate_add"), {"area": area.pk, "on": "2027-02-10", "reason": "Training day"}
    )
    assert response.status_code == 302, response.content
    assert ClosureDate.objects.get().reason == "Training day"


@pytest.mark.parametrize("role", [Role.MARAC_COORDINATOR, Role.AGENCY_REP, Role.ANALYST])
def test_other_roles_cannot_change_schedules(signed_in_client, role):
    """Coordinators, agency representatives and analysts have no admin access to schedules."""
    client = signed_in_client(UserFactory(roles=[role]))
    assert client.get(reverse("admin:marac_meetingschedule_changelist")).status_code in (302, 403)
