"""Agency research on a published agenda: who may record it, what it needs, when, and the daily reminders
of research still missing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.actors import ApiKeyActor
from agencies.models import Agency, ApiKey, Area, Role, User
from cases.models import Case
from dasv.settings import CELERY_BEAT_SCHEDULE
from marac.models import AgendaItem, MaracMeeting, MeetingSchedule, Research
from marac.services import (
    agenda_build,
    agenda_publish,
    meeting_confidentiality_confirm,
    meeting_held,
    meetings_generate,
    research_reminders_send,
    research_reminders_send_all,
    research_save,
)
from marac.tasks import research_reminders_send_all as reminders_task
from referrals.models import Referral
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory, api_key_for
from tests.factories.cases import case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
WEDNESDAY = date(2026, 3, 25)


@dataclass
class Marac:
    """An area's MARAC with Wednesday 25 March 2026's agenda (two cases), the clock the evening before."""

    area: Area
    coordinator: User
    police: Agency
    officer: User
    childrens_services: Agency
    childrens_rep: User
    meeting: MaracMeeting
    items: list[AgendaItem]
    cases: list[Case]


def at(time_machine: Any, day: int, hour: int) -> None:
    """Stop the clock at an hour of a day of March 2026 in London."""
    time_machine.move_to(datetime(2026, 3, day, hour, 0, tzinfo=LONDON), tick=False)


def build_marac(time_machine: Any, *, publish: bool = True) -> Marac:
    area = AreaFactory()
    coordinator = UserFactory(agency=idva_service(area), roles=[Role.MARAC_COORDINATOR])
    police = AgencyFactory(kind=Agency.Kind.POLICE, areas=[area])
    childrens_services = AgencyFactory(kind=Agency.Kind.CHILDRENS_SOCIAL_CARE, areas=[area])
    childrens_rep = UserFactory(agency=childrens_services, roles=[Role.AGENCY_REP])
    schedule = MeetingSchedule.objects.create(
        area=area, weekdays=[1, 3, 5], starts_at=time(10, 0), capacity=2, effective_from=date(2026, 1, 1), weeks_ahead=2
    )
    meetings_generate(schedule=schedule, today=date(2026, 3, 23))
    at(time_machine, 24, 17)
    officer = case_worker(agency=police)
    for received in (16, 17):
        case = make_case(officer, area=area)
        police_referral(
            service=Referral.Service.MARAC, referrer=officer, case=case, received_on=date(2026, 3, received)
        )
    agenda_build(actor=coordinator, area=area)
    meeting = MaracMeeting.objects.get(area=area, scheduled_on=WEDNESDAY)
    if publish:
        meeting = agenda_publish(actor=coordinator, meeting=meeting)
    items = list(meeting.agenda_items.select_related("referral__case__victim").order_by("position"))
    cases = [item.referral.case for item in items]
    return Marac(area, coordinator, police, officer, childrens_services, childrens_rep, meeting, items, cases)


@pytest.fixture
def marac(time_machine) -> Marac:
    return build_marac(time_machine)


def key_actor(agency: Agency, scope: str = ApiKey.Scope.WRITE) -> ApiKeyActor:
    return ApiKeyActor(api_key=api_key_for(agency, scope=scope)[0])


# --- Who may research -------------------------------------------------------------------------------------

ALLOWED: dict[str, Callable[[Marac], Any]] = {
    "member agency representative": lambda m: m.childrens_rep,
    "recording police officer": lambda m: m.officer,
    "IDVA": lambda m: UserFactory(agency=idva_service(), roles=[Role.IDVA]),
    "IDVA manager": lambda m: UserFactory(agency=idva_service(), roles=[Role.IDVA_MANAGER]),
    "coordinator": lambda m: m.coordinator,
    "member agency's system (write key)": lambda m: key_actor(m.childrens_services),
}

REFUSED: dict[str, Callable[[Marac], Any]] = {
    "analyst of a member agency": lambda m: UserFactory(agency=m.childrens_services, roles=[Role.ANALYST]),
    "member agency user without a role": lambda m: UserFactory(agency=m.childrens_services),
    "read-only key": lambda m: key_actor(m.childrens_services, ApiKey.Scope.READ),
    "non-member agency": lambda m: case_worker(
        agency=AgencyFactory(kind=Agency.Kind.HOUSING, areas=[m.area], is_marac_member=False)
    ),
    "another area's member": lambda m: case_worker(agency=AgencyFactory(kind=Agency.Kind.PROBATION)),
    "inactive member": lambda m: case_worker(agency=AgencyFactory(areas=[m.area], active=False)),
}


@pytest.mark.parametrize("who", ALLOWED)
def test_allowed_researchers_record_their_agencys_research(marac, who):
    """The research is stored for the actor's agency, facts apart from opinion, and submitted."""
    actor = ALLOWED[who](marac)
    research = research_save(
        actor=actor,
        agenda_item=marac.items[0],
        holds_information=True,
        facts=" Two call-outs in 2025. ",
        opinion="Escalating.",
        withheld="Intelligence report: live investigation.",
    )
    stored = Research.objects.get(pk=research.pk)
    assert stored.agency == actor.agency
    assert (stored.facts, stored.opinion, stored.withheld) == (
        "Two call-outs in 2025.",
        "Escalating.",
        "Intelligence report: live investigation.",
    )
    assert stored.submitted_at == datetime(2026, 3, 24, 17, 0, tzinfo=LONDON)
    assert stored.submitted_by == (actor if isinstance(actor, User) else None)


@pytest.mark.parametrize("who", REFUSED)
def test_others_may_not_research(marac, who):
    """Other roles, read-only keys, non-members, other areas and inactive agencies are refused; nothing is written."""
    actor = REFUSED[who](marac)
    with pytest.raises(PermissionDenied):
        research_save(actor=actor, agenda_item=marac.items[0], holds_information=False)
    assert not Research.objects.exists()


def test_a_member_that_cannot_see_the_case_may_not_research(marac):
    """A member agency joining the area after publishing has no access to the case, so no research."""
    late = AgencyFactory(kind=Agency.Kind.HEALTH, areas=[marac.area])
    with pytest.raises(PermissionDenied):
        research_save(actor=case_worker(agency=late), agenda_item=marac.items[0], holds_information=False)
    assert not Research.objects.exists()


# --- What research needs ---------------------------------------------------------------------------------


def test_holding_information_needs_facts(marac):
    """An agency that holds information records the facts (field error on facts)."""
    with pytest.raises(ValidationError) as error:
        research_save(actor=marac.childrens_rep, agenda_item=marac.items[0], holds_information=True, facts="  ")
    assert "facts" in error.value.message_dict
    assert not Research.objects.exists()


def test_holding_nothing_is_research_too(marac):
    """An agency records that it holds nothing, without facts."""
    research = research_save(actor=marac.childrens_rep, agenda_item=marac.items[0], holds_information=False)
    assert not research.holds_information
    assert research.submitted_at is not None


def test_saving_again_updates_the_one_record_and_a_draft_is_not_submitted(marac, time_machine):
    """One record per item and agency: a draft, then the submission the next morning."""
    draft = research_save(
        actor=marac.childrens_rep, agenda_item=marac.items[0], holds_information=True, facts="Draft", submit=False
    )
    assert draft.submitted_at is None
    at(time_machine, 25, 8)
    other_rep = UserFactory(agency=marac.childrens_services, roles=[Role.AGENCY_REP])
    final = research_save(actor=other_rep, agenda_item=marac.items[0], holds_information=True, facts="Final")

    assert final.pk == draft.pk
    stored = Research.objects.get()
    assert (stored.facts, stored.submitted_by, stored.created_by, stored.updated_by) == (
        "Final",
        other_rep,
        marac.childrens_rep,
        other_rep,
    )
    assert stored.submitted_at == datetime(2026, 3, 25, 8, 0, tzinfo=LONDON)


def test_each_agency_keeps_its_own_research(marac):
    """Two agencies on one item make two records."""
    research_save(actor=marac.childrens_rep, agenda_item=marac.items[0], holds_information=False)
    research_save(actor=marac.officer, agenda_item=marac.items[0], holds_information=True, facts="Incidents")
    assert Research.objects.filter(agenda_item=marac.items[0]).count() == 2


def test_research_never_reads_the_safe_contact(marac):
    """Saving research runs no query on the safe contact table."""
    with CaptureQueriesContext(connection) as queries:
        research_save(actor=marac.childrens_rep, agenda_item=marac.items[0], holds_information=True, facts="Facts")
    assert not any("safecontact" in query["sql"].lower() for query in queries.captured_queries)


# --- When ------------------------------------------------------------------------------------------------


def test_research_waits_for_the_published_agenda(time_machine):
    """Before publishing, even the agency that recorded the case cannot research (the whole form errs)."""
    marac = build_marac(time_machine, publish=False)
    with pytest.raises(ValidationError) as error:
        research_save(actor=marac.officer, agenda_item=marac.items[0], holds_information=False)
    assert NON_FIELD_ERRORS in error.value.message_dict
    assert not Research.objects.exists()


def test_research_closes_when_the_meeting_is_held(marac, time_machine):
    """After the meeting is held, research is refused."""
    at(time_machine, 25, 11)
    meeting_confidentiality_confirm(actor=marac.coordinator, meeting=marac.meeting)
    meeting_held(actor=marac.coordinator, meeting=marac.meeting)
    with pytest.raises(ValidationError) as error:
        research_save(actor=marac.childrens_rep, agenda_item=marac.items[0], holds_information=False)
    assert NON_FIELD_ERRORS in error.value.message_dict
    assert not Research.objects.exists()


# --- Reminders -----------------------------------------------------------------------------------------------


def test_agencies_missing_research_are_reminded_once_a_day(marac, mailoutbox):
    """Police submitted everything, children's services one item: only children's services' reps are emailed,
    naming the meeting day, the count and the missing reference only; a second run that day sends nothing."""
    for item in marac.items:
        research_save(actor=marac.officer, agenda_item=item, holds_information=True, facts="Incidents")
    research_save(actor=marac.childrens_rep, agenda_item=marac.items[0], holds_information=False)
    second_rep = UserFactory(agency=marac.childrens_services, roles=[Role.AGENCY_REP])
    UserFactory(agency=marac.childrens_services, roles=[Role.AGENCY_REP], is_active=False)
    UserFactory(agency=marac.childrens_services, roles=[Role.ANALYST])

    assert research_reminders_send(meeting=marac.meeting, today=date(2026, 3, 24)) == 1
    assert research_reminders_send(meeting=marac.meeting, today=date(2026, 3, 24)) == 0

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == sorted([marac.childrens_rep.email, second_rep.email])
    assert "25 March 2026" in mail.subject
    assert "1 of the 2 cases" in mail.body
    assert marac.cases[1].reference in mail.body
    assert marac.cases[0].reference not in mail.body
    for case in marac.cases:
        for name in (case.victim.given_name, case.victim.family_name):
            assert name not in mail.subject + mail.body
    assert MaracMeeting.objects.get(pk=marac.meeting.pk).research_reminded_on == date(2026, 3, 24)


def test_a_draft_is_still_missing_and_the_next_day_reminds_again(marac, mailoutbox):
    """Unsubmitted research counts as missing; the next day's run sends again."""
    research_save(
        actor=marac.childrens_rep, agenda_item=marac.items[0], holds_information=True, facts="Draft", submit=False
    )
    assert research_reminders_send(meeting=marac.meeting, today=date(2026, 3, 23)) == 2  # police and children's
    assert research_reminders_send(meeting=marac.meeting, today=date(2026, 3, 24)) == 2
    childrens = [mail for mail in mailoutbox if mail.to == [marac.childrens_rep.email]]
    assert len(childrens) == 2
    assert "2 of the 2 cases" in childrens[0].body


def test_agencies_without_representatives_or_nothing_missing_get_no_mail(marac, mailoutbox):
    """The IDVA service has no agency representative; everyone else has submitted: nothing is sent."""
    for actor in (marac.officer, marac.childrens_rep):
        for item in marac.items:
            research_save(actor=actor, agenda_item=item, holds_information=False)
    assert research_reminders_send(meeting=marac.meeting) == 0
    assert mailoutbox == []


def test_only_published_meetings_get_reminders(time_machine, mailoutbox):
    """A scheduled agenda, and a held meeting, send nothing; the daily job covers published meetings only."""
    unpublished = build_marac(time_machine, publish=False)
    assert research_reminders_send(meeting=unpublished.meeting) == 0
    assert research_reminders_send_all(today=date(2026, 3, 24)) == 0
    published = build_marac(time_machine)
    assert research_reminders_send_all(today=date(2026, 3, 24)) == 2
    at(time_machine, 25, 11)
    meeting_confidentiality_confirm(actor=published.coordinator, meeting=published.meeting)
    meeting_held(actor=published.coordinator, meeting=published.meeting)
    assert research_reminders_send(meeting=published.meeting, today=date(2026, 3, 25)) == 0
    assert len(mailoutbox) == 2


def test_the_daily_task_sends_the_reminders(marac, mailoutbox):
    """The task reminds for today, and beat runs it daily at seven."""
    assert reminders_task.delay().get() == 2
    assert len(mailoutbox) == 2
    entry = CELERY_BEAT_SCHEDULE["marac-research-reminders-daily"]
    assert entry["task"] == "marac.tasks.research_reminders_send_all"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})
