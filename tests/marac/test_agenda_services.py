"""Building agendas from waiting MARAC referrals: capacity, research lead time, order, flags, idempotence."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.models import Area, Role, User
from cases.models import Case
from marac.models import AgendaItem, MaracMeeting, MeetingSchedule
from marac.services import (
    agenda_build,
    agenda_item_add,
    agenda_item_move,
    agenda_item_remove,
    agenda_item_reorder,
    meeting_capacity_override,
    meetings_generate,
)
from referrals.models import Referral
from tests.factories.agencies import AreaFactory, UserFactory
from tests.factories.cases import case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def area() -> Area:
    return AreaFactory()


@pytest.fixture
def coordinator(area) -> User:
    """A MARAC coordinator of the IDVA service."""
    return UserFactory(agency=idva_service(area), roles=[Role.MARAC_COORDINATOR])


@pytest.fixture
def police() -> User:
    """A police officer of the area, who refers cases to MARAC."""
    return case_worker()


@pytest.fixture
def schedule(area) -> MeetingSchedule:
    """Mon/Wed/Fri at 10:00, two cases a meeting, four weeks ahead (England and Wales bank holidays)."""
    schedule = MeetingSchedule(
        area=area,
        weekdays=[1, 3, 5],
        starts_at=time(10, 0),
        capacity=2,
        effective_from=date(2026, 1, 1),
        weeks_ahead=4,
    )
    schedule.full_clean()
    schedule.save()
    return schedule


@pytest.fixture
def meetings(schedule) -> dict[date, MaracMeeting]:
    """Meetings from Monday 23 March to Monday 20 April 2026 (none on Good Friday 3 or Easter Monday 6 April)."""
    return {
        meeting.scheduled_on: meeting
        for meeting in meetings_generate(schedule=schedule, today=date(2026, 3, 23))
        if meeting.scheduled_on is not None
    }


def clock_at(time_machine, day: date) -> None:
    """Stop the clock at 17:00 on `day`, after that day's meeting."""
    time_machine.move_to(datetime.combine(day, time(17, 0), tzinfo=LONDON), tick=False)


def marac_referral(
    police: User, area: Area, *, received_on: date, children: tuple[int, ...] = (), case: Case | None = None
) -> Referral:
    """A police MARAC referral of a case of the area (with children of those ages)."""
    return police_referral(
        service=Referral.Service.MARAC,
        referrer=police,
        case=case or make_case(police, area=area, children=children),
        received_on=received_on,
    )


def agenda(meeting: MaracMeeting) -> list[int]:
    """The referral ids on a meeting's agenda, in order."""
    return list(meeting.agenda_items.order_by("position").values_list("referral_id", flat=True))


def heard_at(day: date, referral: Referral, area: Area) -> AgendaItem:
    """Record that the referral was heard at a MARAC of the area on that day (minutes approved)."""
    meeting = MaracMeeting.objects.create(
        area=area, starts_at=datetime.combine(day, time(10, 0), tzinfo=LONDON), capacity=10, status="minutes_approved"
    )
    return AgendaItem.objects.create(meeting=meeting, referral=referral, position=1, outcome="heard")


# --- Where referrals go -----------------------------------------------------------------------------------


def test_each_meeting_takes_no_more_than_its_capacity(area, coordinator, police, meetings, time_machine):
    """Five referrals fill two-case meetings in turn, oldest first."""
    clock_at(time_machine, date(2026, 3, 27))
    referrals = [marac_referral(police, area, received_on=date(2026, 3, 20) + timedelta(days=n)) for n in range(5)]

    build = agenda_build(actor=coordinator, area=area)

    assert len(build.placed) == 5
    assert build.still_waiting == []
    assert agenda(meetings[date(2026, 3, 30)]) == [referrals[0].pk, referrals[1].pk]
    assert agenda(meetings[date(2026, 4, 1)]) == [referrals[2].pk, referrals[3].pk]
    assert agenda(meetings[date(2026, 4, 8)]) == [referrals[4].pk]


def test_a_full_meetings_overflow_goes_to_the_next(area, coordinator, police, meetings, time_machine):
    """A later build counts what meetings already list and puts new referrals after them."""
    clock_at(time_machine, date(2026, 3, 24))
    first = [marac_referral(police, area, received_on=date(2026, 3, 20)) for _ in range(3)]
    agenda_build(actor=coordinator, area=area)
    clock_at(time_machine, date(2026, 3, 26))
    later = [marac_referral(police, area, received_on=date(2026, 3, 24)) for _ in range(2)]

    build = agenda_build(actor=coordinator, area=area)

    assert [item.referral for item in build.placed] == later
    assert agenda(meetings[date(2026, 3, 27)]) == [first[2].pk, later[0].pk]
    assert agenda(meetings[date(2026, 3, 30)]) == [later[1].pk]


def test_a_referral_received_the_day_before_a_meeting_goes_to_a_later_one(
    area, coordinator, police, meetings, time_machine
):
    """Two working days for research: received Tuesday 31 March, it skips Wednesday 1 April."""
    clock_at(time_machine, date(2026, 3, 31))
    ready = marac_referral(police, area, received_on=date(2026, 3, 30))
    late = marac_referral(police, area, received_on=date(2026, 3, 31))

    agenda_build(actor=coordinator, area=area)

    assert agenda(meetings[date(2026, 4, 1)]) == [ready.pk]
    assert agenda(meetings[date(2026, 4, 8)]) == [late.pk]


@pytest.mark.parametrize(
    "lead_and_meeting", [(2, date(2026, 4, 8)), (3, date(2026, 4, 10)), (4, date(2026, 4, 10)), (5, date(2026, 4, 13))]
)
def test_bank_holidays_are_not_research_days(area, coordinator, meetings, time_machine, lead_and_meeting):
    """Received 2 April 2026, Good Friday and Easter Monday are no research days (3 days: 10 April, not 8)."""
    lead, expected = lead_and_meeting
    clock_at(time_machine, date(2026, 4, 2))
    referral = marac_referral(case_worker(), area, received_on=date(2026, 4, 2))

    agenda_build(actor=coordinator, area=area, research_working_days=lead)

    assert AgendaItem.objects.get(referral=referral).meeting == meetings[expected]


def test_the_research_lead_time_comes_from_the_setting(area, coordinator, meetings, time_machine, settings):
    """DASV_MARAC_RESEARCH_WORKING_DAYS is the default lead time."""
    settings.DASV_MARAC_RESEARCH_WORKING_DAYS = 5
    clock_at(time_machine, date(2026, 3, 23))
    referral = marac_referral(case_worker(), area, received_on=date(2026, 3, 23))

    agenda_build(actor=coordinator, area=area)

    assert AgendaItem.objects.get(referral=referral).meeting == meetings[date(2026, 3, 30)]


@pytest.mark.parametrize(("subdivision", "meeting_day"), [("ENG", date(2026, 1, 5)), ("SCT", date(2026, 1, 7))])
def test_the_schedules_division_decides_the_research_days(area, coordinator, time_machine, subdivision, meeting_day):
    """Received 31 December 2025: 2 January is a research day in England, a bank holiday in Scotland."""
    schedule = MeetingSchedule.objects.create(
        area=area,
        weekdays=[1, 3, 5],
        starts_at=time(10, 0),
        capacity=2,
        effective_from=date(2025, 12, 1),
        weeks_ahead=2,
        bank_holiday_subdivision=subdivision,
    )
    meetings_generate(schedule=schedule, today=date(2025, 12, 29))
    clock_at(time_machine, date(2025, 12, 31))
    referral = marac_referral(case_worker(), area, received_on=date(2025, 12, 31))

    agenda_build(actor=coordinator, area=area)

    assert AgendaItem.objects.get(referral=referral).meeting.scheduled_on == meeting_day


def test_a_referral_no_meeting_can_take_waits(area, coordinator, schedule, meetings, time_machine):
    """Beyond the last generated meeting's reach, a referral stays waiting and is placed by a later build."""
    clock_at(time_machine, date(2026, 4, 17))
    referral = marac_referral(case_worker(), area, received_on=date(2026, 4, 17))

    build = agenda_build(actor=coordinator, area=area)

    assert build.placed == []
    assert build.still_waiting == [referral.pk]
    assert not AgendaItem.objects.filter(referral=referral).exists()
    meetings_generate(schedule=schedule, today=date(2026, 4, 17))
    assert [item.referral for item in agenda_build(actor=coordinator, area=area).placed] == [referral]
    assert AgendaItem.objects.get(referral=referral).meeting.scheduled_on == date(2026, 4, 22)


def test_only_scheduled_future_meetings_of_the_area_take_referrals(area, coordinator, police, meetings, time_machine):
    """Cancelled, published and past meetings are passed over, as are other areas' meetings."""
    clock_at(time_machine, date(2026, 3, 25))
    MaracMeeting.objects.filter(pk=meetings[date(2026, 3, 27)].pk).update(status="cancelled", cancellation_reason="x")
    MaracMeeting.objects.filter(pk=meetings[date(2026, 3, 30)].pk).update(status="agenda_published")
    other_friday = datetime(2026, 3, 27, 10, 0, tzinfo=LONDON)
    MaracMeeting.objects.create(area=AreaFactory(), starts_at=other_friday, capacity=5)
    referral = marac_referral(police, area, received_on=date(2026, 3, 20))

    agenda_build(actor=coordinator, area=area)

    assert AgendaItem.objects.get(referral=referral).meeting == meetings[date(2026, 4, 1)]


def test_only_the_areas_waiting_marac_referrals_are_listed(area, coordinator, police, meetings, time_machine):
    """IDVA, other areas' and already listed, heard or escalated referrals stay off; a deferred one waits again."""
    clock_at(time_machine, date(2026, 3, 24))
    police_referral(referrer=police, case=make_case(police, area=area), received_on=date(2026, 3, 20))
    marac_referral(police, AreaFactory(), received_on=date(2026, 3, 20))
    heard = marac_referral(police, area, received_on=date(2026, 3, 2))
    heard_at(date(2026, 3, 9), heard, area)
    deferred = marac_referral(police, area, received_on=date(2026, 3, 2))
    AgendaItem.objects.filter(pk=heard_at(date(2026, 3, 9), deferred, area).pk).update(
        outcome="deferred", deferred_reason="Police research missing"
    )
    escalated = marac_referral(police, area, received_on=date(2026, 3, 2))
    AgendaItem.objects.filter(pk=heard_at(date(2026, 3, 9), escalated, area).pk).update(outcome="escalated")

    build = agenda_build(actor=coordinator, area=area)

    # The escalated case was heard (and went on to MARAC Plus): it does not wait for MARAC again.
    assert [item.referral for item in build.placed] == [deferred]


# --- Order and flags -----------------------------------------------------------------------------------------


def test_cases_with_children_come_first_then_oldest_first(area, coordinator, police, schedule, time_machine):
    """On one meeting, cases with children lead (oldest first), adult-only cases follow (oldest first)."""
    MeetingSchedule.objects.filter(pk=schedule.pk).update(capacity=6)
    schedule.refresh_from_db()
    meetings = meetings_generate(schedule=schedule, today=date(2026, 3, 23))
    clock_at(time_machine, date(2026, 3, 24))
    adult_old = marac_referral(police, area, received_on=date(2026, 3, 16))
    children_new = marac_referral(police, area, received_on=date(2026, 3, 20), children=(4,))
    adult_new = marac_referral(police, area, received_on=date(2026, 3, 19))
    children_old = marac_referral(police, area, received_on=date(2026, 3, 17), children=(2, 9))

    agenda_build(actor=coordinator, area=area)

    wednesday = meetings[1]
    assert agenda(wednesday) == [children_old.pk, children_new.pk, adult_old.pk, adult_new.pk]
    assert list(wednesday.agenda_items.order_by("position").values_list("position", "has_children")) == [
        (1, True),
        (2, True),
        (3, False),
        (4, False),
    ]


def test_a_later_build_keeps_children_first_across_old_and_new_items(area, coordinator, police, meetings, time_machine):
    """A case with children added to a meeting that lists an adult-only case goes before it."""
    clock_at(time_machine, date(2026, 3, 23))
    adult = marac_referral(police, area, received_on=date(2026, 3, 23))
    agenda_build(actor=coordinator, area=area)
    clock_at(time_machine, date(2026, 3, 24))
    with_children = marac_referral(police, area, received_on=date(2026, 3, 20), children=(7,))

    agenda_build(actor=coordinator, area=area)

    assert agenda(meetings[date(2026, 3, 25)]) == [with_children.pk, adult.pk]


def test_repeat_referrals_are_flagged_and_old_hearings_listed_for_notice(
    area, coordinator, police, meetings, time_machine
):
    """Repeat within a year is flagged; a case last heard over 12 months before is listed for notice."""
    clock_at(time_machine, date(2025, 1, 10))
    old_case = make_case(police, area=area)
    heard_at(date(2025, 1, 13), marac_referral(police, area, received_on=date(2025, 1, 10), case=old_case), area)
    clock_at(time_machine, date(2025, 11, 3))
    recent_case = make_case(police, area=area)
    heard_at(date(2025, 11, 5), marac_referral(police, area, received_on=date(2025, 11, 3), case=recent_case), area)
    clock_at(time_machine, date(2026, 3, 24))
    back_after_a_year = marac_referral(police, area, received_on=date(2026, 3, 20), case=old_case)
    repeat = marac_referral(police, area, received_on=date(2026, 3, 20), case=recent_case)
    new = marac_referral(police, area, received_on=date(2026, 3, 20))

    agenda_build(actor=coordinator, area=area)

    flags = {
        item.referral_id: (item.is_repeat, item.twelve_month_notice)
        for item in AgendaItem.objects.filter(outcome="pending")
    }
    assert flags == {back_after_a_year.pk: (False, True), repeat.pk: (True, False), new.pk: (False, False)}


# --- Idempotence and who may build -----------------------------------------------------------------------------


def test_building_twice_changes_nothing(area, coordinator, police, meetings, time_machine):
    """The second build places nothing and writes no item."""
    clock_at(time_machine, date(2026, 3, 24))
    for day in (16, 17, 18, 19, 20):
        marac_referral(police, area, received_on=date(2026, 3, day), children=(3,) if day % 2 else ())
    agenda_build(actor=coordinator, area=area)
    before = list(AgendaItem.objects.order_by("pk").values_list("pk", "meeting_id", "position", "updated_at"))
    time_machine.shift(timedelta(minutes=5))

    build = agenda_build(actor=coordinator, area=area)

    assert build.placed == []
    assert list(AgendaItem.objects.order_by("pk").values_list("pk", "meeting_id", "position", "updated_at")) == before


@pytest.mark.parametrize("role", [role for role in Role if role != Role.MARAC_COORDINATOR])
def test_only_a_marac_coordinator_builds_agendas(area, police, meetings, time_machine, role):
    """Every other role is refused and nothing is listed."""
    clock_at(time_machine, date(2026, 3, 24))
    marac_referral(police, area, received_on=date(2026, 3, 20))

    with pytest.raises(PermissionDenied):
        agenda_build(actor=UserFactory(agency=idva_service(area), roles=[role]), area=area)

    assert not AgendaItem.objects.exists()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"meeting_kind": "panel"}, "meeting_kind"), ({"research_working_days": -1}, "research_working_days")],
)
def test_bad_build_arguments_are_refused(area, coordinator, arguments, field):
    """An unknown kind of meeting or a negative lead time is refused, naming the argument."""
    with pytest.raises(ValidationError) as error:
        agenda_build(actor=coordinator, area=area, **arguments)
    assert list(error.value.message_dict) == [field]


# --- The coordinator's changes ---------------------------------------------------------------------------------


@pytest.fixture
def built(area, coordinator, police, meetings, time_machine) -> list[AgendaItem]:
    """Wednesday 25 March 2026's agenda, built at 17:00 on Tuesday 24 March: a case with children (received
    17 March) before an adult-only case (received 16 March)."""
    clock_at(time_machine, date(2026, 3, 24))
    marac_referral(police, area, received_on=date(2026, 3, 16))
    marac_referral(police, area, received_on=date(2026, 3, 17), children=(5,))
    agenda_build(actor=coordinator, area=area)
    return list(meetings[date(2026, 3, 25)].agenda_items.order_by("position"))


def test_adding_to_a_full_meeting_needs_a_capacity_override(area, coordinator, police, meetings, built):
    """A third case on a two-case meeting is refused until the coordinator overrides with a reason."""
    wednesday = meetings[date(2026, 3, 25)]
    referral = marac_referral(police, area, received_on=date(2026, 3, 18))

    with pytest.raises(ValidationError) as error:
        agenda_item_add(actor=coordinator, meeting=wednesday, referral=referral)
    assert error.value.message_dict == {
        "meeting": ["The meeting is full (2 cases): override its capacity, saying why."]
    }
    with pytest.raises(ValidationError) as error:
        meeting_capacity_override(actor=coordinator, meeting=wednesday, reason=" ")
    assert list(error.value.message_dict) == ["reason"]

    meeting_capacity_override(actor=coordinator, meeting=wednesday, reason="Two urgent repeat cases")
    item = agenda_item_add(actor=coordinator, meeting=wednesday, referral=referral)

    wednesday.refresh_from_db()
    assert wednesday.capacity_override_reason == "Two urgent repeat cases"
    assert (item.position, wednesday.agenda_items.count()) == (3, 3)


def test_only_a_waiting_referral_of_the_area_can_be_added(area, coordinator, police, meetings, built):
    """A referral already listed, or of another area, is refused."""
    friday = meetings[date(2026, 3, 27)]
    with pytest.raises(ValidationError) as error:
        agenda_item_add(actor=coordinator, meeting=friday, referral=built[0].referral)
    assert list(error.value.message_dict) == ["referral"]
    with pytest.raises(ValidationError):
        agenda_item_add(
            actor=coordinator,
            meeting=friday,
            referral=marac_referral(police, AreaFactory(), received_on=date(2026, 3, 18)),
        )


def test_moving_an_item_renumbers_both_agendas(area, coordinator, police, meetings, built):
    """The moved item joins the other meeting in agenda order and the first meeting closes up."""
    friday = meetings[date(2026, 3, 27)]
    friday_case = marac_referral(police, area, received_on=date(2026, 3, 18))
    agenda_build(actor=coordinator, area=area)
    with_children, adult = built

    moved = agenda_item_move(actor=coordinator, item=with_children, meeting=friday)

    assert moved.position == 1
    assert agenda(friday) == [with_children.referral_id, friday_case.pk]
    assert list(meetings[date(2026, 3, 25)].agenda_items.values_list("pk", "position")) == [(adult.pk, 1)]


def test_moving_an_item_to_a_full_or_closed_meeting_is_refused(area, coordinator, police, meetings, built):
    """A full meeting (no override), a published one and another area's are refused."""
    friday = meetings[date(2026, 3, 27)]
    for received in (18, 19):
        marac_referral(police, area, received_on=date(2026, 3, received))
    agenda_build(actor=coordinator, area=area)
    published = meetings[date(2026, 3, 30)]
    MaracMeeting.objects.filter(pk=published.pk).update(status="agenda_published")
    elsewhere = MaracMeeting.objects.create(
        area=AreaFactory(), starts_at=datetime(2026, 3, 30, 10, 0, tzinfo=LONDON), capacity=5
    )

    for target in (friday, published, elsewhere):
        with pytest.raises(ValidationError) as error:
            agenda_item_move(actor=coordinator, item=built[0], meeting=target)
        assert list(error.value.message_dict) == ["meeting"]
    assert built[0].meeting.agenda_items.count() == 2


def test_removing_an_item_closes_up_and_the_referral_waits_again(area, coordinator, meetings, built):
    """The item goes (its reason in the history), the agenda closes up, and the next build lists it again."""
    with_children, adult = built

    with pytest.raises(ValidationError):
        agenda_item_remove(actor=coordinator, item=with_children, reason="")
    agenda_item_remove(actor=coordinator, item=with_children, reason="Listed on the wrong MARAC")

    wednesday = meetings[date(2026, 3, 25)]
    assert list(wednesday.agenda_items.values_list("pk", "position")) == [(adult.pk, 1)]
    assert AgendaItem.history.filter(id=with_children.pk).first().history_change_reason == "Listed on the wrong MARAC"
    assert [item.referral for item in agenda_build(actor=coordinator, area=area).placed] == [with_children.referral]


def test_a_reordered_item_keeps_its_place_when_the_agenda_is_built_again(area, coordinator, police, meetings, built):
    """The coordinator puts the adult-only case first; a later case with children goes after it."""
    with_children, adult = built
    wednesday = meetings[date(2026, 3, 25)]
    MaracMeeting.objects.filter(pk=wednesday.pk).update(capacity=3)  # room for one more

    assert agenda_item_reorder(actor=coordinator, item=adult, position=1).position == 1
    later = marac_referral(police, area, received_on=date(2026, 3, 20), children=(1,))
    agenda_build(actor=coordinator, area=area)

    assert agenda(wednesday) == [adult.referral_id, with_children.referral_id, later.pk]
    with pytest.raises(ValidationError) as error:
        agenda_item_reorder(actor=coordinator, item=adult, position=4)
    assert error.value.message_dict == {"position": ["Choose a position from 1 to 3."]}


def test_a_published_agenda_cannot_be_changed(coordinator, meetings, built):
    """Once the agenda is published, items are not moved, removed or reordered and capacity is fixed."""
    wednesday = meetings[date(2026, 3, 25)]
    MaracMeeting.objects.filter(pk=wednesday.pk).update(status="agenda_published")

    with pytest.raises(ValidationError):
        agenda_item_move(actor=coordinator, item=built[0], meeting=meetings[date(2026, 3, 27)])
    with pytest.raises(ValidationError):
        agenda_item_remove(actor=coordinator, item=built[0], reason="Wrong MARAC")
    with pytest.raises(ValidationError):
        agenda_item_reorder(actor=coordinator, item=built[1], position=1)
    with pytest.raises(ValidationError):
        meeting_capacity_override(actor=coordinator, meeting=wednesday, reason="Backlog")
    assert wednesday.agenda_items.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        lambda actor, meetings, item: meeting_capacity_override(
            actor=actor, meeting=meetings[date(2026, 3, 25)], reason="Backlog"
        ),
        lambda actor, meetings, item: agenda_item_move(actor=actor, item=item, meeting=meetings[date(2026, 3, 27)]),
        lambda actor, meetings, item: agenda_item_remove(actor=actor, item=item, reason="Wrong MARAC"),
        lambda actor, meetings, item: agenda_item_reorder(actor=actor, item=item, position=2),
    ],
    ids=["capacity_override", "move", "remove", "reorder"],
)
@pytest.mark.parametrize("role", [Role.IDVA_MANAGER, Role.AGENCY_REP, Role.PARTNERSHIP_ADMIN])
def test_only_a_marac_coordinator_changes_an_agenda(area, meetings, built, change, role):
    """Other roles are refused and the agenda is unchanged."""
    before = list(AgendaItem.objects.order_by("pk").values_list("pk", "meeting_id", "position"))

    with pytest.raises(PermissionDenied):
        change(UserFactory(agency=idva_service(area), roles=[role]), meetings, built[0])

    assert list(AgendaItem.objects.order_by("pk").values_list("pk", "meeting_id", "position")) == before
