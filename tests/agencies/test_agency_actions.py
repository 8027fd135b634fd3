"""The shared transitions of actions assigned to agencies (update, complete, not done), on a real concrete
table (MARAC actions): what each writes, what a refused step leaves unchanged, who may act, and the
database constraint that keeps an action's outcome consistent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.actors import ApiKeyActor
from agencies.models import Agency, AgencyAction, User
from agencies.services import agency_action_complete, agency_action_not_done, agency_action_update
from marac.models import AgendaItem, MaracAction, MaracMeeting
from tests.factories.agencies import AgencyFactory, api_key_for
from tests.factories.cases import case_worker
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
ALL = NON_FIELD_ERRORS  # "__all__": a step the action's status does not allow
REASONS = [AgencyAction.NotDoneReason.CIRCUMSTANCES_CHANGED, AgencyAction.NotDoneReason.AGENCY_DID_NOT_ACT]


def today() -> date:
    return timezone.localdate()


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)


@dataclass
class ActionSetup:
    """A MARAC action assigned to a police agency, and a representative of that agency."""

    action: MaracAction
    worker: User

    @property
    def agency(self) -> Agency:
        return self.action.assigned_agency


def marac_action(
    *, agreed_days_ago: int = 10, due_in_days: int = 14, created_at: datetime | None = None
) -> ActionSetup:
    """An open action agreed at a MARAC `agreed_days_ago` days ago (or at `created_at`), assigned to the
    police agency that made the referral."""
    worker = case_worker()
    referral = police_referral(service="marac", referrer=worker, received_on=days_ago(agreed_days_ago + 10))
    # Noon in London is the same day in UTC, whatever the season.
    agreed_at = created_at or datetime.combine(days_ago(agreed_days_ago), time(12), tzinfo=LONDON)
    meeting = MaracMeeting.objects.create(area=worker.agency.areas.get(), starts_at=agreed_at, capacity=10)
    item = AgendaItem.objects.create(meeting=meeting, referral=referral, position=1)
    action = MaracAction.objects.create(
        agenda_item=item,
        assigned_agency=worker.agency,
        description="Check the perpetrator's bail conditions and share them with the IDVA.",
        due_on=timezone.localdate(agreed_at) + timedelta(days=due_in_days),
        created_at=agreed_at,
    )
    return ActionSetup(action=action, worker=worker)


@pytest.fixture
def setup() -> ActionSetup:
    return marac_action()


def stored(action: MaracAction) -> dict[str, Any]:
    """The action's row as stored."""
    return MaracAction.objects.filter(pk=action.pk).values().get()


def refused(call, field: str, *, action: MaracAction) -> ValidationError:
    """Run a step that must be refused on `field`; the action's row must be as it was."""
    before = stored(action)
    with pytest.raises(ValidationError) as error:
        call()
    messages = error.value.message_dict
    assert field in messages, messages
    assert all(message.strip() for message in messages[field])
    assert stored(action) == before
    return error.value


def steps(actor: Any, action: MaracAction, on: date) -> dict[str, Any]:
    """Each transition, ready to call for the actor on the day."""
    return {
        "update": lambda: agency_action_update(actor=actor, action=action, text="Called the officer.", on=on),
        "complete": lambda: agency_action_complete(actor=actor, action=action, on=on),
        "not_done": lambda: agency_action_not_done(
            actor=actor, action=action, reason=AgencyAction.NotDoneReason.CIRCUMSTANCES_CHANGED, on=on
        ),
    }


STEPS = ["update", "complete", "not_done"]
CLOSING_STEPS = ["complete", "not_done"]


# --- update ----------------------------------------------------------------------------------------------


def test_update_adds_a_dated_note_saying_who(setup):
    """A progress note is added with its day, the person and their agency, and the text; the action stays open."""
    action = agency_action_update(
        actor=setup.worker, action=setup.action, text="  Bail conditions requested.  ", on=days_ago(2)
    )
    action.refresh_from_db()
    who = f"{setup.worker.get_full_name()}, {setup.agency.name}"
    assert action.updates == [{"on": days_ago(2).isoformat(), "by": who, "text": "Bail conditions requested."}]
    assert action.status == AgencyAction.Status.OPEN
    assert action.completed_on is None
    assert action.updated_by == setup.worker


def test_update_is_dated_today_unless_told(setup):
    """Without a date the note is dated today."""
    action = agency_action_update(actor=setup.worker, action=setup.action, text="Chased.")
    assert action.updates[-1]["on"] == today().isoformat()


def test_updates_are_kept_oldest_first(setup):
    """A second note is added after the first; nothing earlier is lost."""
    agency_action_update(actor=setup.worker, action=setup.action, text="First.", on=days_ago(3))
    agency_action_update(actor=setup.worker, action=setup.action, text="Second.", on=days_ago(1))
    setup.action.refresh_from_db()
    assert [note["text"] for note in setup.action.updates] == ["First.", "Second."]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_update_needs_some_text(setup, text):
    """A note with nothing in it is refused and the action is unchanged."""
    refused(
        lambda: agency_action_update(actor=setup.worker, action=setup.action, text=text), "text", action=setup.action
    )


def test_an_agencys_system_may_update_its_action(setup):
    """The assigned agency's system, with an API key, may add a note; the note says it was a system."""
    api_key, _ = api_key_for(setup.agency)
    action = agency_action_update(actor=ApiKeyActor(api_key), action=setup.action, text="Record updated.")
    assert action.updates[-1]["by"] == f"A system of {setup.agency.name}"
    assert action.updated_by is None


# --- complete --------------------------------------------------------------------------------------------


def test_complete_sets_done_and_the_day(setup):
    """Completing records the action as done on the day it was done, with a note."""
    action = agency_action_complete(actor=setup.worker, action=setup.action, on=days_ago(1))
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.DONE
    assert action.completed_on == days_ago(1)
    assert action.not_done_reason == ""
    assert action.updates[-1]["on"] == days_ago(1).isoformat()
    assert action.updates[-1]["text"] == "Done."
    assert action.updated_by == setup.worker


def test_complete_keeps_the_note_given(setup):
    """A note given on completion is recorded instead of the plain "Done."."""
    action = agency_action_complete(actor=setup.worker, action=setup.action, on=today(), note=" Shared at 10am. ")
    assert action.updates[-1]["text"] == "Shared at 10am."


def test_complete_after_the_due_date_is_still_done():
    """An action done late is recorded as done, on the late day."""
    overdue = marac_action(agreed_days_ago=30, due_in_days=7)
    action = agency_action_complete(actor=overdue.worker, action=overdue.action, on=today())
    assert action.status == AgencyAction.Status.DONE
    assert action.completed_on == today()


# --- not done --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", REASONS)
def test_not_done_records_why(setup, reason):
    """Not done records the reason, the day, and a note saying the reason."""
    action = agency_action_not_done(actor=setup.worker, action=setup.action, reason=reason, on=days_ago(1))
    action.refresh_from_db()
    assert action.status == AgencyAction.Status.NOT_DONE
    assert action.not_done_reason == reason
    assert action.completed_on == days_ago(1)
    assert action.updates[-1]["text"] == f"{AgencyAction.NotDoneReason(reason).label}."


def test_not_done_keeps_the_note_given(setup):
    """A note given with the reason is recorded instead of the reason's label."""
    action = agency_action_not_done(
        actor=setup.worker,
        action=setup.action,
        reason=AgencyAction.NotDoneReason.CIRCUMSTANCES_CHANGED,
        on=today(),
        note="The victim moved out of the area.",
    )
    assert action.updates[-1]["text"] == "The victim moved out of the area."


@pytest.mark.parametrize("reason", ["", "forgot", "done", "CIRCUMSTANCES_CHANGED", "Circumstances changed"])
def test_not_done_needs_a_valid_reason(setup, reason):
    """Not done without one of the two reasons is refused and the action is unchanged."""
    refused(
        lambda: agency_action_not_done(actor=setup.worker, action=setup.action, reason=reason, on=today()),
        "reason",
        action=setup.action,
    )


# --- closed actions --------------------------------------------------------------------------------------


@pytest.mark.parametrize("closing", CLOSING_STEPS)
@pytest.mark.parametrize("step", STEPS)
def test_a_closed_action_refuses_further_steps(setup, closing, step):
    """Once done or not done, an action takes no note, and cannot be completed or found not done again."""
    steps(setup.worker, setup.action, days_ago(2))[closing]()
    setup.action.refresh_from_db()
    error = refused(steps(setup.worker, setup.action, days_ago(1))[step], ALL, action=setup.action)
    label = AgencyAction.Status(setup.action.status).label.lower()
    assert label in " ".join(error.message_dict[ALL])


def test_a_step_on_a_stale_copy_sees_the_stored_status(setup):
    """A step on an out-of-date copy of a closed action is refused: the stored row decides."""
    stale = MaracAction.objects.get(pk=setup.action.pk)
    agency_action_complete(actor=setup.worker, action=setup.action, on=today())
    refused(lambda: agency_action_update(actor=setup.worker, action=stale, text="Late note."), ALL, action=stale)


# --- who may act -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", STEPS)
def test_only_the_assigned_agency_may_act(setup, step):
    """A user of another agency may take no step on the action, and it is unchanged."""
    outsider = case_worker(AgencyFactory(kind=Agency.Kind.POLICE, areas=list(setup.agency.areas.all())))
    before = stored(setup.action)
    with pytest.raises(PermissionDenied):
        steps(outsider, setup.action, today())[step]()
    assert stored(setup.action) == before


@pytest.mark.parametrize("step", STEPS)
def test_another_agencys_system_may_not_act(setup, step):
    """Another agency's system, with its own API key, may take no step on the action."""
    api_key, _ = api_key_for(AgencyFactory())
    before = stored(setup.action)
    with pytest.raises(PermissionDenied):
        steps(ApiKeyActor(api_key), setup.action, today())[step]()
    assert stored(setup.action) == before


def test_another_agency_is_refused_even_on_a_closed_action(setup):
    """Another agency learns nothing about a closed action's status: it is refused permission first."""
    agency_action_complete(actor=setup.worker, action=setup.action, on=today())
    with pytest.raises(PermissionDenied):
        agency_action_update(actor=case_worker(), action=setup.action, text="Note.")


# --- dates -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", STEPS)
def test_a_future_date_is_refused(setup, step):
    """No step may be dated after today."""
    refused(steps(setup.worker, setup.action, today() + timedelta(days=1))[step], "on", action=setup.action)


@pytest.mark.parametrize("step", CLOSING_STEPS)
def test_a_date_before_the_action_was_agreed_is_refused(setup, step):
    """An action cannot be done, or found not done, before the day it was agreed."""
    refused(steps(setup.worker, setup.action, days_ago(11))[step], "on", action=setup.action)


@pytest.mark.parametrize("step", STEPS)
def test_the_day_the_action_was_agreed_is_allowed(setup, step):
    """Any step may be dated the day the action was agreed."""
    action = steps(setup.worker, setup.action, days_ago(10))[step]()
    assert action.updates[-1]["on"] == days_ago(10).isoformat()


@pytest.mark.parametrize("step", STEPS)
def test_today_is_allowed(setup, step):
    """Any step may be dated today."""
    action = steps(setup.worker, setup.action, today())[step]()
    assert action.updates[-1]["on"] == today().isoformat()


def test_an_update_dated_before_the_action_was_agreed_is_refused(setup):
    """A progress note cannot be dated before the action was agreed."""
    refused(steps(setup.worker, setup.action, days_ago(11))["update"], "on", action=setup.action)


@pytest.mark.parametrize("step", CLOSING_STEPS)
def test_the_day_agreed_is_the_local_day(step):
    """An action agreed at 00:30 on 10 July (23:30 UTC on 9 July) was agreed on 10 July: it cannot be
    closed on 9 July."""
    agreed_at = datetime(2026, 7, 10, 0, 30, tzinfo=LONDON)
    setup = marac_action(created_at=agreed_at)
    refused(steps(setup.worker, setup.action, date(2026, 7, 9))[step], "on", action=setup.action)


# --- the database constraint -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row",
    [
        {"status": "done", "completed_on": None},
        {"status": "done", "completed_on": date(2026, 1, 5), "not_done_reason": "agency_did_not_act"},
        {"status": "not_done", "completed_on": date(2026, 1, 5), "not_done_reason": ""},
        {"status": "not_done", "completed_on": None, "not_done_reason": "circumstances_changed"},
        {"status": "open", "completed_on": date(2026, 1, 5)},
        {"status": "open", "not_done_reason": "agency_did_not_act"},
    ],
    ids=[
        "done without a day",
        "done with a reason",
        "not done without a reason",
        "not done without a day",
        "open with a day",
        "open with a reason",
    ],
)
def test_the_database_refuses_an_inconsistent_outcome(setup, row):
    """The check constraint refuses a row whose status, day and reason do not agree, even written directly."""
    before = stored(setup.action)
    with pytest.raises(IntegrityError), transaction.atomic():
        MaracAction.objects.filter(pk=setup.action.pk).update(**row)
    assert stored(setup.action) == before


@pytest.mark.parametrize(
    "row",
    [
        {"status": "open", "completed_on": None, "not_done_reason": ""},
        {"status": "done", "completed_on": date(2026, 1, 5), "not_done_reason": ""},
        {"status": "not_done", "completed_on": date(2026, 1, 5), "not_done_reason": "agency_did_not_act"},
    ],
    ids=["open", "done", "not done"],
)
def test_the_database_accepts_a_consistent_outcome(setup, row):
    """Each consistent combination of status, day and reason is accepted by the constraint."""
    MaracAction.objects.filter(pk=setup.action.pk).update(**row)
    assert {key: stored(setup.action)[key] for key in row} == row


# --- is_overdue ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_in_days", "expected"),
    [(-30, True), (-1, True), (0, False), (1, False)],
)
def test_an_open_action_is_overdue_after_its_due_day(setup, due_in_days, expected):
    """An open action is overdue from the day after it was due, not on the due day itself."""
    setup.action.due_on = today() + timedelta(days=due_in_days)
    assert setup.action.is_overdue(today()) is expected


@pytest.mark.parametrize("closing", CLOSING_STEPS)
def test_a_closed_action_is_never_overdue(closing):
    """An action done or found not done is not overdue, however long past its due day."""
    overdue = marac_action(agreed_days_ago=60, due_in_days=7)
    assert overdue.action.is_overdue(today()) is True
    action = steps(overdue.worker, overdue.action, today())[closing]()
    assert action.is_overdue(today()) is False
