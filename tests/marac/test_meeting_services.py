"""The meeting's record: attendance, the confidentiality statement, outcomes (MARAC Plus escalation),
actions, holding the meeting, approving and amending minutes, and the nightly overdue-action digest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from agencies.actors import ApiKeyActor
from agencies.models import Agency, Area, Role, User
from agencies.selectors import agency_has_object_permission
from agencies.services import agency_action_complete
from cases.models import Case
from cases.selectors import VIEW_CASE
from dasv.settings import CELERY_BEAT_SCHEDULE
from marac.models import (
    AgendaItem,
    Attendance,
    MaracAccessGrant,
    MaracAction,
    MaracMeeting,
    MeetingKind,
    MeetingSchedule,
    MinutesAmendment,
)
from marac.services import (
    agenda_build,
    agenda_item_outcome_record,
    agenda_publish,
    attendance_record,
    marac_action_create,
    marac_actions_overdue_notify,
    meeting_confidentiality_confirm,
    meeting_held,
    meetings_generate,
    minutes_amend,
    minutes_approve,
)
from marac.tasks import marac_actions_overdue_notify as overdue_task
from referrals.models import Referral
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory, api_key_for
from tests.factories.cases import case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = date(2026, 3, 25)


@dataclass
class Marac:
    """An area's MARAC with Wednesday 25 March 2026's agenda (two cases) published, the clock the evening
    before."""

    area: Area
    coordinator: User
    police: Agency
    officer: User
    childrens_services: Agency
    meeting: MaracMeeting
    items: list[AgendaItem]
    cases: list[Case]


def build_marac(time_machine: Any, *, publish: bool = True) -> Marac:
    area = AreaFactory()
    coordinator = UserFactory(agency=idva_service(area), roles=[Role.MARAC_COORDINATOR])
    police = AgencyFactory(kind=Agency.Kind.POLICE, areas=[area])
    childrens_services = AgencyFactory(kind=Agency.Kind.CHILDRENS_SOCIAL_CARE, areas=[area])
    schedule = MeetingSchedule.objects.create(
        area=area, weekdays=[1, 3, 5], starts_at=time(10, 0), capacity=2, effective_from=date(2026, 1, 1), weeks_ahead=2
    )
    meetings_generate(schedule=schedule, today=date(2026, 3, 23))
    at(time_machine, 24, 17)
    officer = case_worker(agency=police)
    cases = []
    for received in (16, 17):
        case = make_case(officer, area=area)
        police_referral(
            service=Referral.Service.MARAC,
            referrer=officer,
            case=case,
            received_on=date(2026, 3, received),
            reasons=["visible_high_risk"],
        )
        cases.append(case)
    agenda_build(actor=coordinator, area=area)
    meeting = MaracMeeting.objects.get(area=area, scheduled_on=WEDNESDAY)
    if publish:
        meeting = agenda_publish(actor=coordinator, meeting=meeting)
    items = list(meeting.agenda_items.order_by("position"))
    cases = [item.referral.case for item in items]
    return Marac(area, coordinator, police, officer, childrens_services, meeting, items, cases)


def at(time_machine: Any, day: int, hour: int, minute: int = 0) -> None:
    """Stop the clock at a time on a day of March 2026 in London."""
    time_machine.move_to(datetime(2026, 3, day, hour, minute, tzinfo=LONDON), tick=False)


@pytest.fixture
def marac(time_machine) -> Marac:
    return build_marac(time_machine)


def hold(marac: Marac, time_machine: Any) -> MaracMeeting:
    """Move the clock into the meeting, confirm confidentiality and record it held."""
    at(time_machine, 25, 11)
    meeting_confidentiality_confirm(actor=marac.coordinator, meeting=marac.meeting)
    return meeting_held(actor=marac.coordinator, meeting=marac.meeting)


def approve(marac: Marac, time_machine: Any) -> MaracMeeting:
    """Hold the meeting, hear both cases and approve the minutes."""
    hold(marac, time_machine)
    for item in marac.items:
        agenda_item_outcome_record(actor=marac.coordinator, item=item, outcome=AgendaItem.Outcome.HEARD)
    return minutes_approve(actor=marac.coordinator, meeting=marac.meeting)


def errors_of(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


# --- Who may record ------------------------------------------------------------------------------------

NOT_COORDINATORS: dict[str, Callable[[Marac], Any]] = {
    "idva manager": lambda m: UserFactory(agency=idva_service(), roles=[Role.IDVA_MANAGER]),
    "police representative": lambda m: m.officer,
    "api key": lambda m: ApiKeyActor(api_key=api_key_for(m.police)[0]),
}

COORDINATOR_SERVICES: dict[str, Callable[[Any, Marac], Any]] = {
    "attendance": lambda actor, m: attendance_record(
        actor=actor, meeting=m.meeting, agency=m.police, status=Attendance.Status.PRESENT
    ),
    "confidentiality": lambda actor, m: meeting_confidentiality_confirm(actor=actor, meeting=m.meeting),
    "outcome": lambda actor, m: agenda_item_outcome_record(
        actor=actor, item=m.items[0], outcome=AgendaItem.Outcome.HEARD
    ),
    "action": lambda actor, m: marac_action_create(
        actor=actor, item=m.items[0], assigned_agency=m.police, description="Flag the address", due_on=WEDNESDAY
    ),
    "held": lambda actor, m: meeting_held(actor=actor, meeting=m.meeting),
    "approve": lambda actor, m: minutes_approve(actor=actor, meeting=m.meeting),
    "amend": lambda actor, m: minutes_amend(actor=actor, meeting=m.meeting, text="Correction"),
}


@pytest.mark.parametrize("who", NOT_COORDINATORS)
@pytest.mark.parametrize("service", COORDINATOR_SERVICES)
def test_only_a_coordinator_records_the_meeting(marac, who, service):
    """Every meeting-record service refuses other roles and API keys and writes nothing."""
    actor = NOT_COORDINATORS[who](marac)
    with pytest.raises(PermissionDenied):
        COORDINATOR_SERVICES[service](actor, marac)
    meeting = MaracMeeting.objects.get(pk=marac.meeting.pk)
    assert meeting.status == MaracMeeting.Status.AGENDA_PUBLISHED
    assert not meeting.confidentiality_confirmed
    assert not Attendance.objects.exists()
    assert not MaracAction.objects.exists()
    assert not MinutesAmendment.objects.exists()
    assert not AgendaItem.objects.exclude(outcome=AgendaItem.Outcome.PENDING).exists()


# --- Attendance and confidentiality ---------------------------------------------------------------------


def test_attendance_is_recorded_and_recorded_again_replaces_it(marac):
    """One row per agency: apologies, then present with a representative, updates the same row."""
    first = attendance_record(
        actor=marac.coordinator, meeting=marac.meeting, agency=marac.police, status=Attendance.Status.APOLOGIES
    )
    second = attendance_record(
        actor=marac.coordinator,
        meeting=marac.meeting,
        agency=marac.police,
        status=Attendance.Status.PRESENT,
        representative="  DS Example  ",
    )
    assert second.pk == first.pk
    row = Attendance.objects.get(meeting=marac.meeting, agency=marac.police)
    assert (row.status, row.representative, row.created_by) == ("present", "DS Example", marac.coordinator)


def test_attendance_names_a_bad_status_and_an_inactive_agency(marac):
    """An unknown status and an inactive agency are field errors."""
    inactive = AgencyFactory(areas=[marac.area], active=False)
    with pytest.raises(ValidationError) as error:
        attendance_record(actor=marac.coordinator, meeting=marac.meeting, agency=inactive, status="late")
    assert set(errors_of(error)) == {"status", "agency"}
    assert not Attendance.objects.exists()


def test_nothing_is_recorded_before_the_agenda_is_published(time_machine):
    """A scheduled meeting takes no attendance, confidentiality, outcome or action."""
    marac = build_marac(time_machine, publish=False)
    for service in ("attendance", "confidentiality", "outcome", "action"):
        with pytest.raises(ValidationError) as error:
            COORDINATOR_SERVICES[service](marac.coordinator, marac)
        assert NON_FIELD_ERRORS in errors_of(error)
    assert not Attendance.objects.exists()
    assert not MaracMeeting.objects.get(pk=marac.meeting.pk).confidentiality_confirmed


def test_confirming_confidentiality_sets_the_flag_once(marac):
    """Confirming twice keeps it confirmed."""
    meeting_confidentiality_confirm(actor=marac.coordinator, meeting=marac.meeting)
    meeting = meeting_confidentiality_confirm(actor=marac.coordinator, meeting=marac.meeting)
    assert meeting.confidentiality_confirmed
    assert MaracMeeting.objects.get(pk=marac.meeting.pk).updated_by == marac.coordinator


# --- Holding the meeting ----------------------------------------------------------------------------------


def test_a_meeting_is_held_once_started_and_confidentiality_confirmed(marac, time_machine):
    """Before its start, and without the statement, it is refused; then it is held."""
    meeting_confidentiality_confirm(actor=marac.coordinator, meeting=marac.meeting)
    with pytest.raises(ValidationError, match="not started"):
        meeting_held(actor=marac.coordinator, meeting=marac.meeting)
    at(time_machine, 25, 10)
    assert meeting_held(actor=marac.coordinator, meeting=marac.meeting).status == MaracMeeting.Status.HELD


def test_a_meeting_without_the_confidentiality_statement_is_not_held(marac, time_machine):
    """The statement must be confirmed first."""
    at(time_machine, 25, 11)
    with pytest.raises(ValidationError, match="confidentiality"):
        meeting_held(actor=marac.coordinator, meeting=marac.meeting)
    assert MaracMeeting.objects.get(pk=marac.meeting.pk).status == MaracMeeting.Status.AGENDA_PUBLISHED


def test_an_unpublished_meeting_is_not_held(time_machine):
    """Only a published meeting can be held."""
    marac = build_marac(time_machine, publish=False)
    at(time_machine, 25, 11)
    with pytest.raises(ValidationError) as error:
        meeting_held(actor=marac.coordinator, meeting=marac.meeting)
    assert NON_FIELD_ERRORS in errors_of(error)


# --- Outcomes and MARAC Plus ------------------------------------------------------------------------------


def test_an_outcome_is_recorded_with_the_discussion(marac, time_machine):
    """Heard with a summary and the risk after discussion."""
    hold(marac, time_machine)
    item = agenda_item_outcome_record(
        actor=marac.coordinator,
        item=marac.items[0],
        outcome=AgendaItem.Outcome.HEARD,
        discussion_summary=" Safety plan agreed. ",
        risk_after_discussion="medium",
    )
    stored = AgendaItem.objects.get(pk=item.pk)
    assert (stored.outcome, stored.discussion_summary, stored.risk_after_discussion) == (
        "heard",
        "Safety plan agreed.",
        "medium",
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "pending"}, "outcome"),
        ({"outcome": "closed"}, "outcome"),
        ({"outcome": "deferred"}, "deferred_reason"),
        ({"outcome": "deferred", "deferred_reason": "   "}, "deferred_reason"),
        ({"outcome": "heard", "risk_after_discussion": "very high"}, "risk_after_discussion"),
    ],
)
def test_bad_outcomes_name_the_field(marac, kwargs, field):
    """Pending or unknown outcomes, a deferral without reason and an unknown risk level are refused."""
    with pytest.raises(ValidationError) as error:
        agenda_item_outcome_record(actor=marac.coordinator, item=marac.items[0], **kwargs)
    assert field in errors_of(error)
    assert AgendaItem.objects.get(pk=marac.items[0].pk).outcome == AgendaItem.Outcome.PENDING


def test_a_deferral_keeps_its_reason_and_hearing_clears_it(marac):
    """Deferred with a reason, then heard: the reason is cleared."""
    item = agenda_item_outcome_record(
        actor=marac.coordinator, item=marac.items[0], outcome="deferred", deferred_reason="Police report awaited"
    )
    assert item.deferred_reason == "Police report awaited"
    item = agenda_item_outcome_record(actor=marac.coordinator, item=marac.items[0], outcome="heard")
    assert AgendaItem.objects.get(pk=item.pk).deferred_reason == ""


def test_escalating_refers_the_case_to_marac_plus_once(marac, time_machine):
    """One MARAC Plus referral, by the coordinator, received today, with the original reasons and consent."""
    hold(marac, time_machine)
    item = marac.items[0]
    for _ in range(2):
        agenda_item_outcome_record(actor=marac.coordinator, item=item, outcome=AgendaItem.Outcome.ESCALATED)

    referrals = Referral.objects.filter(case=marac.cases[0], service=Referral.Service.MARAC_PLUS)
    assert referrals.count() == 1
    referral = referrals.get()
    assert referral.received_on == WEDNESDAY
    assert referral.referrer == marac.coordinator
    assert referral.reasons == ["visible_high_risk"]
    assert referral.consent == item.referral.consent
    assert referral.receiving_agency == idva_service()
    assert AgendaItem.objects.get(pk=item.pk).escalation_referral == referral
    assert not Referral.objects.filter(case=marac.cases[1], service=Referral.Service.MARAC_PLUS).exists()


def test_an_escalated_item_stays_escalated(marac):
    """Once referred to MARAC Plus, the outcome cannot become heard."""
    agenda_item_outcome_record(actor=marac.coordinator, item=marac.items[0], outcome="escalated")
    with pytest.raises(ValidationError) as error:
        agenda_item_outcome_record(actor=marac.coordinator, item=marac.items[0], outcome="heard")
    assert "outcome" in errors_of(error)


def test_a_marac_plus_meeting_does_not_escalate_to_itself(marac):
    """Escalation is refused at a MARAC Plus meeting, and no referral is made."""
    MaracMeeting.objects.filter(pk=marac.meeting.pk).update(kind=MeetingKind.MARAC_PLUS)
    with pytest.raises(ValidationError) as error:
        agenda_item_outcome_record(actor=marac.coordinator, item=marac.items[0], outcome="escalated")
    assert "outcome" in errors_of(error)
    assert not Referral.objects.filter(service=Referral.Service.MARAC_PLUS).exists()


# --- Actions -------------------------------------------------------------------------------------------------


def test_an_action_is_agreed_for_an_agency(marac, time_machine):
    """The action is open, owned by the agency, due on the day given, created by the coordinator."""
    hold(marac, time_machine)
    action = marac_action_create(
        actor=marac.coordinator,
        item=marac.items[0],
        assigned_agency=marac.childrens_services,
        description=" Visit the school ",
        due_on=date(2026, 4, 8),
    )
    stored = MaracAction.objects.get(pk=action.pk)
    assert (stored.status, stored.assigned_agency, stored.description, stored.due_on, stored.created_by) == (
        "open",
        marac.childrens_services,
        "Visit the school",
        date(2026, 4, 8),
        marac.coordinator,
    )


def test_an_action_for_an_agency_without_access_gives_it_for_the_meeting(marac):
    """A non-member agency assigned an action sees the case, through a grant the nightly expiry manages."""
    housing = AgencyFactory(kind=Agency.Kind.HOUSING, areas=[marac.area], is_marac_member=False)
    case = marac.cases[0]
    assert not agency_has_object_permission(agency=housing, perm=VIEW_CASE, obj=case)
    marac_action_create(
        actor=marac.coordinator, item=marac.items[0], assigned_agency=housing, description="Repairs", due_on=WEDNESDAY
    )
    assert agency_has_object_permission(agency=housing, perm=VIEW_CASE, obj=case)
    grant = MaracAccessGrant.objects.get(meeting=marac.meeting, agency=housing, case=case)
    assert not grant.had_access_before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"description": "  "}, "description"),
        ({"due_on": date(2026, 3, 24)}, "due_on"),
        ({"assigned_agency": "inactive"}, "assigned_agency"),
    ],
)
def test_bad_actions_name_the_field(marac, kwargs, field):
    """No description, a due date before the meeting and an inactive agency are refused."""
    values = {"assigned_agency": marac.police, "description": "Flag the address", "due_on": WEDNESDAY, **kwargs}
    if values["assigned_agency"] == "inactive":
        values["assigned_agency"] = AgencyFactory(areas=[marac.area], active=False)
    with pytest.raises(ValidationError) as error:
        marac_action_create(actor=marac.coordinator, item=marac.items[0], **values)
    assert field in errors_of(error)
    assert not MaracAction.objects.exists()


# --- Minutes ---------------------------------------------------------------------------------------------------


def test_minutes_need_every_outcome_and_name_the_missing_items(marac, time_machine):
    """The error names the items still pending by position and case reference."""
    hold(marac, time_machine)
    agenda_item_outcome_record(actor=marac.coordinator, item=marac.items[0], outcome="heard")
    with pytest.raises(ValidationError) as error:
        minutes_approve(actor=marac.coordinator, meeting=marac.meeting)
    message = errors_of(error)[NON_FIELD_ERRORS][0]
    assert f"2. {marac.cases[1].reference}" in message
    assert marac.cases[0].reference not in message
    assert MaracMeeting.objects.get(pk=marac.meeting.pk).status == MaracMeeting.Status.HELD


def test_minutes_are_approved_by_the_coordinator_as_chair(marac, time_machine):
    """Approval sets the status, the time and the chair."""
    meeting = approve(marac, time_machine)
    stored = MaracMeeting.objects.get(pk=meeting.pk)
    assert stored.status == MaracMeeting.Status.MINUTES_APPROVED
    assert stored.minutes_approved_at == datetime(2026, 3, 25, 11, 0, tzinfo=LONDON)
    assert stored.chair == marac.coordinator


def test_a_chair_already_named_is_kept(marac, time_machine):
    """Another coordinator approving keeps the chair recorded."""
    chair = UserFactory(agency=idva_service(), roles=[Role.MARAC_COORDINATOR])
    MaracMeeting.objects.filter(pk=marac.meeting.pk).update(chair=chair)
    approve(marac, time_machine)
    assert MaracMeeting.objects.get(pk=marac.meeting.pk).chair == chair


def test_minutes_of_a_meeting_not_held_are_not_approved(marac):
    """A published meeting's minutes are refused."""
    with pytest.raises(ValidationError) as error:
        minutes_approve(actor=marac.coordinator, meeting=marac.meeting)
    assert NON_FIELD_ERRORS in errors_of(error)


@pytest.mark.parametrize("service", ["attendance", "confidentiality", "outcome", "action"])
def test_approved_minutes_lock_the_record(marac, time_machine, service):
    """After approval, recording refuses and asks for an amendment."""
    approve(marac, time_machine)
    with pytest.raises(ValidationError, match="record an amendment"):
        COORDINATOR_SERVICES[service](marac.coordinator, marac)
    assert not MaracAction.objects.exists()
    assert not Attendance.objects.exists()


def test_an_amendment_is_kept_beside_the_approved_minutes(marac, time_machine):
    """The amendment names the meeting, the item, the text, who and when; the item is unchanged."""
    approve(marac, time_machine)
    at(time_machine, 26, 9)
    amendment = minutes_amend(
        actor=marac.coordinator, meeting=marac.meeting, text=" Risk was high ", item=marac.items[0]
    )
    stored = MinutesAmendment.objects.get(pk=amendment.pk)
    assert (stored.meeting, stored.agenda_item, stored.text, stored.created_by) == (
        marac.meeting,
        marac.items[0],
        "Risk was high",
        marac.coordinator,
    )
    assert stored.made_at == datetime(2026, 3, 26, 9, 0, tzinfo=LONDON)
    assert AgendaItem.objects.get(pk=marac.items[0].pk).risk_after_discussion == ""


def test_amendments_need_approved_minutes_text_and_an_item_of_the_meeting(marac, time_machine):
    """Before approval it is refused; blank text and another meeting's item name their fields."""
    with pytest.raises(ValidationError) as error:
        minutes_amend(actor=marac.coordinator, meeting=marac.meeting, text="Too early")
    assert NON_FIELD_ERRORS in errors_of(error)
    approve(marac, time_machine)
    other = build_marac(time_machine)
    with pytest.raises(ValidationError) as error:
        minutes_amend(actor=marac.coordinator, meeting=marac.meeting, text=" ", item=other.items[0])
    assert set(errors_of(error)) == {"text", "item"}
    assert not MinutesAmendment.objects.exists()


# --- Overdue actions ------------------------------------------------------------------------------------------


def _actions(marac: Marac, time_machine: Any) -> list[MaracAction]:
    hold(marac, time_machine)
    return [
        marac_action_create(
            actor=marac.coordinator, item=item, assigned_agency=marac.police, description="Call Ms X", due_on=due
        )
        for item, due in zip(marac.items, (date(2026, 3, 26), date(2026, 4, 30)), strict=True)
    ]


def test_the_coordinator_is_told_once_of_each_newly_overdue_action(marac, time_machine, mailoutbox):
    """One digest naming the overdue action by case reference; a second run sends nothing."""
    early, later = _actions(marac, time_machine)

    assert marac_actions_overdue_notify(today=date(2026, 3, 27)) == 1
    assert marac_actions_overdue_notify(today=date(2026, 3, 27)) == 0
    assert marac_actions_overdue_notify(today=date(2026, 3, 28)) == 0

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [marac.coordinator.email]
    assert marac.cases[0].reference in mail.body
    assert marac.cases[1].reference not in mail.body
    assert "Call Ms X" not in mail.body
    for case in marac.cases:
        assert case.victim.family_name not in mail.body + mail.subject
    assert MaracAction.objects.get(pk=early.pk).overdue_notified_on == date(2026, 3, 27)
    assert MaracAction.objects.get(pk=later.pk).overdue_notified_on is None


def test_done_actions_and_other_areas_coordinators_are_left_out(marac, time_machine, mailoutbox):
    """A completed action is not overdue; a coordinator of another area gets no digest."""
    elsewhere = UserFactory(agency=AgencyFactory(areas=[AreaFactory()]), roles=[Role.MARAC_COORDINATOR])
    early, _later = _actions(marac, time_machine)
    agency_action_complete(actor=marac.officer, action=early, on=WEDNESDAY)

    assert marac_actions_overdue_notify(today=date(2026, 5, 1)) == 1
    assert [mail.to for mail in mailoutbox] == [[marac.coordinator.email]]
    assert elsewhere.email not in mailoutbox[0].to
    assert MaracAction.objects.get(pk=early.pk).overdue_notified_on is None


def test_the_nightly_task_sends_the_digest(marac, time_machine, mailoutbox):
    """The task calls the service for today, and is scheduled nightly in beat."""
    _actions(marac, time_machine)
    at(time_machine, 27, 2, 15)
    assert overdue_task.delay().get() == 1
    assert len(mailoutbox) == 1
    entry = CELERY_BEAT_SCHEDULE["marac-actions-overdue-nightly"]
    assert entry["task"] == "marac.tasks.marac_actions_overdue_notify"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {15})
