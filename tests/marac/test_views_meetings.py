"""The meeting's minutes pages: attendance, confidentiality, outcomes, actions, held, approval,
amendments and the minutes PDF, through the coordinator's pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from agencies.models import Agency, Area, Role, User
from audit.models import AccessLog
from marac.models import AgendaItem, Attendance, MaracAction, MaracMeeting, MeetingSchedule, MinutesAmendment
from marac.services import agenda_build, agenda_publish, marac_action_create, meetings_generate
from referrals.models import Referral
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = date(2026, 3, 25)


@dataclass
class Meeting:
    """Wednesday 25 March 2026's MARAC with two cases, its agenda published, and the people around it."""

    area: Area
    coordinator: User
    police: Agency
    officer: User
    childrens_services: Agency
    meeting: MaracMeeting
    items: list[AgendaItem]


@pytest.fixture
def marac(time_machine) -> Meeting:
    area = AreaFactory()
    coordinator = UserFactory(agency=idva_service(area), roles=[Role.MARAC_COORDINATOR])
    police = AgencyFactory(kind=Agency.Kind.POLICE, areas=[area])
    childrens_services = AgencyFactory(kind=Agency.Kind.CHILDRENS_SOCIAL_CARE, areas=[area])
    schedule = MeetingSchedule.objects.create(
        area=area, weekdays=[1, 3, 5], starts_at=time(10, 0), capacity=2, effective_from=date(2026, 1, 1), weeks_ahead=2
    )
    meetings_generate(schedule=schedule, today=date(2026, 3, 23))
    time_machine.move_to(datetime(2026, 3, 24, 17, 0, tzinfo=LONDON), tick=False)
    officer = case_worker(agency=police)
    for received in (16, 17):
        case = make_case(officer, area=area)
        police_referral(
            service=Referral.Service.MARAC, referrer=officer, case=case, received_on=date(2026, 3, received)
        )
    agenda_build(actor=coordinator, area=area)
    meeting = MaracMeeting.objects.get(area=area, scheduled_on=WEDNESDAY)
    agenda_publish(actor=coordinator, meeting=meeting)
    # The meeting is under way.
    time_machine.move_to(datetime(2026, 3, 25, 12, 0, tzinfo=LONDON), tick=False)
    items = list(meeting.agenda_items.order_by("position"))
    meeting.refresh_from_db()
    return Meeting(area, coordinator, police, officer, childrens_services, meeting, items)


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _minutes(marac: Meeting) -> str:
    return reverse("marac-minutes", kwargs={"pk": marac.meeting.pk})


def _post(marac: Meeting, form: str, **data: str):
    return _client(marac.coordinator).post(_minutes(marac), {"form": form, **data})


def _outcome(marac: Meeting, item: AgendaItem, outcome: str, **fields: str):
    prefix = f"item-{item.pk}"
    data = {f"{prefix}-outcome": outcome, **{f"{prefix}-{name}": value for name, value in fields.items()}}
    return _post(marac, "outcome", item=str(item.pk), **data)


def _confirm_and_hold(marac: Meeting) -> None:
    _post(marac, "confidentiality")
    _post(marac, "held")


def _people(marac: Meeting) -> dict[str, Callable[[], User]]:
    return {
        "coordinator": lambda: marac.coordinator,
        "other_area_coordinator": lambda: UserFactory(
            agency=AgencyFactory(kind=Agency.Kind.IDVA_SERVICE), roles=[Role.MARAC_COORDINATOR]
        ),
        "police": lambda: marac.officer,
        "analyst": lambda: UserFactory(agency=marac.coordinator.agency, roles=[Role.ANALYST]),
    }


@pytest.mark.parametrize(
    ("who", "status_code"),
    [("coordinator", 200), ("other_area_coordinator", 404), ("police", 403), ("analyst", 403)],
)
@pytest.mark.parametrize("name", ["marac-minutes", "marac-minutes-pdf"])
def test_who_may_open_the_minutes(marac, who, status_code, name):
    """Only a coordinator of the meeting's area; another area's coordinator gets 404, other roles 403."""
    user = _people(marac)[who]()
    response = _client(user).get(reverse(name, kwargs={"pk": marac.meeting.pk}))
    assert response.status_code == status_code


@pytest.mark.parametrize("name", ["marac-minutes", "marac-minutes-pdf", "marac-minutes-approve"])
def test_anonymous_users_are_sent_to_sign_in(marac, client, name):
    """No part of the minutes is shown, or changed, without signing in."""
    url = reverse(name, kwargs={"pk": marac.meeting.pk})
    response = client.post(url) if name == "marac-minutes-approve" else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_minutes_page_lists_agencies_statement_and_cases(marac):
    """Each member agency for attendance, the confidentiality statement, each case with its forms."""
    content = _client(marac.coordinator).get(_minutes(marac)).content.decode()
    for text in (
        escape(marac.police.name),
        escape(marac.childrens_services.name),
        "Confidentiality statement",
        "Confirmed by those present",
        *(item.referral.case.reference for item in marac.items),
        "Add an action",
        "Mark the meeting as held",
        "Escalated to MARAC Plus",
    ):
        assert text in content, text
    assert "style=" not in content
    assert "aria-expanded" not in content


def test_attendance_is_recorded_for_each_agency(marac):
    """Present with a representative, apologies, absent: one row per member agency."""
    agencies = list(Agency.objects.filter(is_marac_member=True, areas=marac.area))
    data = {f"status_{agency.pk}": "absent" for agency in agencies}
    data[f"status_{marac.police.pk}"] = "present"
    data[f"representative_{marac.police.pk}"] = "DS Jane Holt"
    data[f"status_{marac.childrens_services.pk}"] = "apologies"

    response = _post(marac, "attendance", **data)

    assert response.status_code == 302
    police = Attendance.objects.get(meeting=marac.meeting, agency=marac.police)
    assert (police.status, police.representative) == ("present", "DS Jane Holt")
    assert Attendance.objects.get(meeting=marac.meeting, agency=marac.childrens_services).status == "apologies"
    assert Attendance.objects.filter(meeting=marac.meeting).count() == len(agencies)


def test_attendance_without_every_agency_is_refused(marac):
    """An agency left unanswered is named in the error summary; nothing is written."""
    response = _post(marac, "attendance", **{f"status_{marac.police.pk}": "present"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert escape(f"Select whether {marac.childrens_services.name} was present") in content
    assert not Attendance.objects.exists()


def test_confidentiality_statement_is_confirmed(marac):
    """The button records the statement as confirmed; the page then says so, without the button."""
    response = _client(marac.coordinator).post(_minutes(marac), {"form": "confidentiality"}, follow=True)

    marac.meeting.refresh_from_db()
    assert marac.meeting.confidentiality_confirmed
    content = response.content.decode()
    assert "Confidentiality statement confirmed." in content
    assert 'value="confidentiality"' not in content


def test_outcome_is_recorded_with_discussion_and_risk(marac):
    """Heard, with the summary and the risk after discussion."""
    item = marac.items[0]
    response = _outcome(marac, item, "heard", discussion_summary="Safety plan agreed.", risk_after_discussion="high")

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.outcome, item.discussion_summary, item.risk_after_discussion) == (
        "heard",
        "Safety plan agreed.",
        "high",
    )


def test_deferral_without_a_reason_is_refused_and_writes_nothing(marac):
    """Deferred needs its reason: the error shows under the option and nothing changes."""
    item = marac.items[0]
    response = _outcome(marac, item, "deferred", discussion_summary="Not reached.")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Error: " in content
    assert "Say why the case is deferred" in content
    assert f'href="#id_item-{item.pk}-deferred_reason"' in content
    item.refresh_from_db()
    assert (item.outcome, item.discussion_summary) == ("pending", "")


def test_deferral_with_a_reason_is_recorded(marac):
    """The reason typed under "Deferred" is kept with the outcome."""
    item = marac.items[1]
    _outcome(marac, item, "deferred", deferred_reason="Police research not ready.")

    item.refresh_from_db()
    assert (item.outcome, item.deferred_reason) == ("deferred", "Police research not ready.")


def test_an_action_is_added_for_an_item(marac):
    """The agency, the action and its due date; it shows under the item."""
    item = marac.items[0]
    prefix = f"action-{item.pk}"
    response = _post(
        marac,
        "action",
        item=str(item.pk),
        **{
            f"{prefix}-assigned_agency": str(marac.police.pk),
            f"{prefix}-description": "Flag the address for a priority response.",
            f"{prefix}-due_on_day": "1",
            f"{prefix}-due_on_month": "4",
            f"{prefix}-due_on_year": "2026",
        },
    )

    assert response.status_code == 302
    action = MaracAction.objects.get(agenda_item=item)
    assert (action.assigned_agency, action.due_on) == (marac.police, date(2026, 4, 1))
    content = _client(marac.coordinator).get(_minutes(marac)).content.decode()
    assert "Flag the address for a priority response." in content


def test_an_action_without_a_description_is_refused(marac):
    """The error summary names the missing answer; no action is written."""
    item = marac.items[0]
    response = _post(marac, "action", item=str(item.pk), **{f"action-{item.pk}-assigned_agency": str(marac.police.pk)})

    assert response.status_code == 200
    assert "Say what the agency will do" in response.content.decode()
    assert not MaracAction.objects.exists()


def test_an_item_of_another_meeting_is_refused(marac):
    """The hidden item must be on this meeting's agenda."""
    response = _post(marac, "outcome", item="999999", **{"item-999999-outcome": "heard"})

    assert response.status_code == 200
    assert "Choose an item on this meeting" in response.content.decode()


def test_the_meeting_is_held_only_after_the_statement_is_confirmed(marac):
    """Held is refused until the confidentiality statement is confirmed, then recorded."""
    response = _post(marac, "held")
    assert response.status_code == 200
    assert "Confirm the confidentiality statement first." in response.content.decode()
    marac.meeting.refresh_from_db()
    assert marac.meeting.status == MaracMeeting.Status.AGENDA_PUBLISHED

    _confirm_and_hold(marac)

    marac.meeting.refresh_from_db()
    assert marac.meeting.status == MaracMeeting.Status.HELD
    content = _client(marac.coordinator).get(_minutes(marac)).content.decode()
    assert "Approve the minutes" in content


def test_approval_is_refused_while_an_item_is_pending_then_approved(marac):
    """The chair cannot approve with an outcome missing; with every outcome recorded the minutes lock."""
    _confirm_and_hold(marac)
    _outcome(marac, marac.items[0], "heard")
    approve = reverse("marac-minutes-approve", kwargs={"pk": marac.meeting.pk})

    response = _client(marac.coordinator).post(approve, follow=True)

    assert f"Record the outcome of 2. {marac.items[1].referral.case.reference}" in response.content.decode()
    marac.meeting.refresh_from_db()
    assert marac.meeting.status == MaracMeeting.Status.HELD

    _outcome(marac, marac.items[1], "escalated")
    response = _client(marac.coordinator).post(approve, follow=True)

    marac.meeting.refresh_from_db()
    assert marac.meeting.status == MaracMeeting.Status.MINUTES_APPROVED
    content = response.content.decode()
    assert "Minutes approved" in content
    assert "Add an amendment" in content
    assert 'name="form" value="outcome"' not in content
    assert "Mark the meeting as held" not in content


def test_approve_takes_only_a_post(marac):
    """Approving is a change: a GET is refused."""
    response = _client(marac.coordinator).get(reverse("marac-minutes-approve", kwargs={"pk": marac.meeting.pk}))
    assert response.status_code == 405


def test_approved_minutes_take_amendments_not_changes(marac):
    """After approval an outcome is refused; an amendment is kept beside the record."""
    _confirm_and_hold(marac)
    for item in marac.items:
        _outcome(marac, item, "heard")
    _client(marac.coordinator).post(reverse("marac-minutes-approve", kwargs={"pk": marac.meeting.pk}))

    refused = _outcome(marac, marac.items[0], "deferred", deferred_reason="Too late.")
    assert refused.status_code == 200
    assert "The minutes are approved" in refused.content.decode()
    marac.items[0].refresh_from_db()
    assert marac.items[0].outcome == "heard"

    empty = _post(marac, "amendment", text="")
    assert "Enter the amendment" in empty.content.decode()
    assert not MinutesAmendment.objects.exists()

    response = _post(marac, "amendment", item=str(marac.items[0].pk), text="The risk was medium, not high.")

    assert response.status_code == 302
    amendment = MinutesAmendment.objects.get()
    assert (amendment.agenda_item, amendment.created_by) == (marac.items[0], marac.coordinator)
    content = _client(marac.coordinator).get(_minutes(marac)).content.decode()
    assert "The risk was medium, not high." in content


def test_minutes_pdf_is_downloaded_and_logged_as_an_export(marac):
    """A PDF attachment, with an EXPORT row in the access log."""
    response = _client(marac.coordinator).get(reverse("marac-minutes-pdf", kwargs={"pk": marac.meeting.pk}))

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    logged = AccessLog.objects.get(action=AccessLog.Action.EXPORT, object_type="marac.maracmeeting")
    assert logged.object_id == str(marac.meeting.pk)


def test_minutes_page_query_count_does_not_grow_with_actions(marac, django_assert_max_num_queries):
    """Actions are loaded in one query for the whole meeting."""
    for item in marac.items:
        for agency in (marac.police, marac.childrens_services):
            marac_action_create(
                actor=marac.coordinator,
                item=item,
                assigned_agency=agency,
                description="Share.",
                due_on=date(2026, 4, 1),
            )
    client = _client(marac.coordinator)
    client.get(_minutes(marac))  # warm the session and the content types
    with django_assert_max_num_queries(11):
        response = client.get(_minutes(marac))
    assert response.content.decode().count('<td class="govuk-table__cell">Share.</td>') == 4
