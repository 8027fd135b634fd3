"""Meetings generated from schedules (bank holidays, closures, idempotence), and moving and cancelling them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.actors import ApiKeyActor
from agencies.calendar import bank_holidays
from agencies.models import Area, Role, User
from marac.models import AgendaItem, ClosureDate, MaracMeeting, MeetingSchedule
from marac.services import meeting_cancel, meeting_move, meetings_generate, meetings_generate_all
from marac.tasks import meetings_generate_all as daily_task
from referrals.models import Referral
from tests.factories.agencies import AreaFactory, UserFactory, api_key_for
from tests.factories.cases import case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MON, WED, FRI = 1, 3, 5


def schedule_for(area: Area, **kwargs: object) -> MeetingSchedule:
    """A three-a-week (Monday, Wednesday, Friday) 10:00 schedule of the area, 8 cases a meeting."""
    values: dict[str, object] = {
        "weekdays": [MON, WED, FRI],
        "starts_at": time(10, 0),
        "capacity": 8,
        "effective_from": date(2025, 1, 1),
        "weeks_ahead": 12,
    }
    values.update(kwargs)
    schedule = MeetingSchedule(area=area, **values)
    schedule.full_clean()
    schedule.save()
    return schedule


def days_of(meetings: list[MaracMeeting]) -> list[date]:
    return sorted(meeting.scheduled_on for meeting in meetings if meeting.scheduled_on is not None)


@pytest.fixture
def area() -> Area:
    return AreaFactory()


@pytest.fixture
def coordinator(area) -> User:
    """A MARAC coordinator of the IDVA service."""
    return UserFactory(agency=idva_service(area), roles=[Role.MARAC_COORDINATOR])


# --- Generating ------------------------------------------------------------------------------------------


def test_spring_2026_skips_easter_may_day_spring_bank_holiday_and_closures(area):
    """Twelve weeks from 23 March 2026 meet Mon/Wed/Fri except Easter, both May bank holidays and a closure."""
    ClosureDate.objects.create(area=area, on=date(2026, 4, 15), reason="Training day")
    ClosureDate.objects.create(area=AreaFactory(), on=date(2026, 4, 17), reason="Another area's closure")
    schedule = schedule_for(area)

    days = days_of(meetings_generate(schedule=schedule, today=date(2026, 3, 23)))

    skipped = {date(2026, 4, 3), date(2026, 4, 6), date(2026, 4, 15), date(2026, 5, 4), date(2026, 5, 25)}
    expected = [
        date(2026, 3, 23) + timedelta(days=offset)
        for offset in range(12 * 7 + 1)
        if (date(2026, 3, 23) + timedelta(days=offset)).isoweekday() in (MON, WED, FRI)
    ]
    assert len(expected) == 37
    assert days == [day for day in expected if day not in skipped]
    assert len(days) == 32
    assert date(2026, 4, 17) in days  # another area's closure does not close this one


def test_christmas_2026_skips_christmas_day_boxing_day_substitute_and_new_year(area):
    """Around Christmas 2026 no meeting falls on 25 Dec, 28 Dec (Boxing Day observed) or 1 Jan 2027."""
    schedule = schedule_for(area, weeks_ahead=6)

    days = days_of(meetings_generate(schedule=schedule, today=date(2026, 12, 14)))

    assert days[0] == date(2026, 12, 14)
    assert days[-1] == date(2027, 1, 25)  # a Monday, six weeks on
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)}.isdisjoint(days)
    assert {date(2026, 12, 23), date(2026, 12, 30), date(2027, 1, 4)} <= set(days)


def test_from_easter_to_new_year_no_meeting_falls_on_a_bank_holiday_or_closure(area):
    """41 weeks from 23 March 2026 take in Easter, both May bank holidays, August, Christmas and New Year."""
    closures = {date(2026, 4, 15), date(2026, 12, 23), date(2026, 12, 30)}
    for day in closures:
        ClosureDate.objects.create(area=area, on=day, reason="Office closed")
    schedule = schedule_for(area, weeks_ahead=41)

    days = days_of(meetings_generate(schedule=schedule, today=date(2026, 3, 23)))

    holidays = bank_holidays(years=[2026, 2027], subdivision="ENG")
    assert (days[0], days[-1]) == (date(2026, 3, 23), date(2027, 1, 4))
    assert set(days).isdisjoint(holidays | closures)
    assert {day.isoweekday() for day in days} == {MON, WED, FRI}
    # Every Monday, Wednesday and Friday that is neither is there: 124 days less 8 holidays and 3 closures.
    assert len(days) == 124 - 8 - 3


@pytest.mark.parametrize(
    ("subdivision", "meets_on_2_january"),
    [("ENG", True), ("WLS", True), ("SCT", False)],
)
def test_the_area_division_decides_whose_bank_holidays_count(area, subdivision, meets_on_2_january):
    """2 January 2026 (a Friday) is a bank holiday in Scotland only; the range spans two years."""
    schedule = schedule_for(area, bank_holiday_subdivision=subdivision, weeks_ahead=1)

    days = days_of(meetings_generate(schedule=schedule, today=date(2025, 12, 29)))

    assert (date(2026, 1, 2) in days) is meets_on_2_january
    assert {date(2025, 12, 29), date(2025, 12, 31), date(2026, 1, 5)} <= set(days)


def test_meetings_start_at_the_schedule_time_in_london_with_the_capacity(area):
    """10:00 is 09:00 UTC in summer time and 10:00 UTC in winter; each meeting takes the schedule's capacity."""
    schedule = schedule_for(area, capacity=14, weeks_ahead=2)
    summer = meetings_generate(schedule=schedule, today=date(2026, 6, 1))[0]
    winter = meetings_generate(schedule=schedule, today=date(2026, 12, 7))[0]

    assert summer.starts_at == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert winter.starts_at == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert (summer.capacity, summer.area, summer.kind, summer.status) == (14, area, "marac", "scheduled")


def test_generation_keeps_within_the_schedule_dates(area):
    """A schedule starting later begins on its first day, and one ending stops on its last."""
    schedule = schedule_for(area, effective_from=date(2026, 3, 4), effective_to=date(2026, 3, 13))

    days = days_of(meetings_generate(schedule=schedule, today=date(2026, 3, 1)))

    assert days == [date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 11), date(2026, 3, 13)]
    assert meetings_generate(schedule=schedule, today=date(2026, 3, 20)) == []


def test_generating_twice_creates_nothing_new(area):
    """A second run (and a later one) makes only the days that were not made yet."""
    schedule = schedule_for(area, weeks_ahead=2)
    first = meetings_generate(schedule=schedule, today=date(2026, 3, 2))

    assert meetings_generate(schedule=schedule, today=date(2026, 3, 2)) == []
    later = meetings_generate(schedule=schedule, today=date(2026, 3, 4))

    assert len(first) == 7
    assert days_of(later) == [date(2026, 3, 18)]
    assert MaracMeeting.objects.filter(schedule=schedule).count() == 8


def test_a_moved_or_cancelled_meeting_is_not_made_again(area, coordinator, time_machine):
    """Generating after a meeting was moved or cancelled leaves its planned day alone."""
    time_machine.move_to(datetime(2026, 3, 2, 8, 0, tzinfo=LONDON), tick=False)
    schedule = schedule_for(area, weeks_ahead=2)
    moved, cancelled, *_ = meetings_generate(schedule=schedule, today=date(2026, 3, 2))
    meeting_move(actor=coordinator, meeting=moved, starts_at=datetime(2026, 3, 3, 14, 0, tzinfo=LONDON))
    meeting_cancel(actor=coordinator, meeting=cancelled, reason="Chair unavailable")

    assert meetings_generate(schedule=schedule, today=date(2026, 3, 2)) == []
    assert MaracMeeting.objects.filter(schedule=schedule, scheduled_on=date(2026, 3, 2)).count() == 1
    assert MaracMeeting.objects.filter(schedule=schedule, scheduled_on=date(2026, 3, 4)).get().status == "cancelled"


def test_the_daily_job_generates_for_every_schedule_in_force(area):
    """meetings_generate_all covers each current schedule and skips ended ones."""
    schedule_for(area, weeks_ahead=1)
    schedule_for(AreaFactory(), weekdays=[2], weeks_ahead=1)
    ended = schedule_for(AreaFactory(), effective_to=date(2026, 2, 1))

    assert meetings_generate_all(today=date(2026, 3, 2)) == 4 + 1
    assert not ended.meetings.exists()
    assert meetings_generate_all(today=date(2026, 3, 2)) == 0


# --- Moving and cancelling ---------------------------------------------------------------------------------


@pytest.fixture
def now(time_machine) -> datetime:
    """The clock stopped at 08:00 on Monday 2 March 2026."""
    moment = datetime(2026, 3, 2, 8, 0, tzinfo=LONDON)
    time_machine.move_to(moment, tick=False)
    return moment


@pytest.fixture
def meetings(area, now) -> list[MaracMeeting]:
    """Two weeks of Mon/Wed/Fri meetings from 2 March 2026, 8 cases each."""
    return meetings_generate(schedule=schedule_for(area, weeks_ahead=2), today=now.date())


def listed(meeting: MaracMeeting, *, count: int, area: Area) -> list[AgendaItem]:
    """List `count` new MARAC referrals of the area on the meeting, positions 1 to count."""
    referrer = case_worker()
    items = []
    for position in range(1, count + 1):
        referral = police_referral(
            service=Referral.Service.MARAC,
            referrer=referrer,
            case=make_case(referrer, area=area),
            received_on=date(2026, 2, 20),
        )
        items.append(AgendaItem.objects.create(meeting=meeting, referral=referral, position=position))
    return items


def test_moving_a_meeting_takes_its_agenda_with_it(area, coordinator, meetings):
    """The agenda items stay with the moved meeting, in their order, at its new time."""
    meeting = meetings[1]
    items = listed(meeting, count=2, area=area)
    new_time = datetime(2026, 3, 5, 13, 30, tzinfo=LONDON)

    moved = meeting_move(actor=coordinator, meeting=meeting, starts_at=new_time, reason="Room unavailable")

    assert moved.starts_at == new_time
    assert moved.scheduled_on == date(2026, 3, 4)  # the planned day is kept
    assert list(moved.agenda_items.order_by("position")) == items
    assert AgendaItem.objects.filter(meeting__starts_at=new_time).count() == 2
    assert moved.history.first().history_change_reason == "Room unavailable"


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (datetime(2026, 3, 1, 10, 0, tzinfo=LONDON), "The new time must be in the future."),
        (datetime(2026, 3, 2, 10, 0), "Give the time with its time zone."),  # noqa: DTZ001 - the naive time is the point
    ],
)
def test_a_meeting_moves_only_to_a_future_aware_time(coordinator, meetings, when, message):
    """A time in the past or without a time zone is refused, naming the field."""
    with pytest.raises(ValidationError) as error:
        meeting_move(actor=coordinator, meeting=meetings[0], starts_at=when)
    assert error.value.message_dict == {"starts_at": [message]}


def test_cancelling_moves_the_agenda_after_the_target_items(area, coordinator, meetings):
    """The cancelled meeting's items follow the target's own, in their order, renumbered."""
    cancelled, target = meetings[0], meetings[1]
    own = listed(target, count=2, area=area)
    moving = listed(cancelled, count=3, area=area)

    meeting_cancel(actor=coordinator, meeting=cancelled, reason="Snow", move_agenda_to=target)

    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.cancellation_reason) == ("cancelled", "Snow")
    assert list(target.agenda_items.order_by("position")) == own + moving
    assert list(target.agenda_items.order_by("position").values_list("position", flat=True)) == [1, 2, 3, 4, 5]
    assert not cancelled.agenda_items.exists()


def test_cancelling_a_meeting_with_an_agenda_needs_somewhere_to_move_it(area, coordinator, meetings):
    """Without a target meeting, a meeting with items is not cancelled; an empty one is."""
    listed(meetings[0], count=1, area=area)

    with pytest.raises(ValidationError) as error:
        meeting_cancel(actor=coordinator, meeting=meetings[0], reason="Snow")

    assert error.value.message_dict == {"move_agenda_to": ["Move its agenda to another meeting first."]}
    meetings[0].refresh_from_db()
    assert meetings[0].status == "scheduled"
    assert meeting_cancel(actor=coordinator, meeting=meetings[1], reason="Snow").status == "cancelled"


def test_cancelling_needs_a_reason(coordinator, meetings):
    """A blank reason is refused, naming the field."""
    with pytest.raises(ValidationError) as error:
        meeting_cancel(actor=coordinator, meeting=meetings[0], reason="  ")
    assert error.value.message_dict == {"reason": ["Say why the meeting is cancelled."]}


def test_the_target_must_have_room_for_the_moved_agenda(area, coordinator, meetings):
    """Moving more items than the target has room for is refused until its capacity is overridden."""
    cancelled, target = meetings[0], meetings[1]
    listed(target, count=7, area=area)
    listed(cancelled, count=2, area=area)

    with pytest.raises(ValidationError) as error:
        meeting_cancel(actor=coordinator, meeting=cancelled, reason="Snow", move_agenda_to=target)
    assert "room for 1 more cases, not 2" in error.value.message_dict["move_agenda_to"][0]

    MaracMeeting.objects.filter(pk=target.pk).update(capacity_override_reason="Backlog after the snow")
    meeting_cancel(actor=coordinator, meeting=cancelled, reason="Snow", move_agenda_to=target)
    assert target.agenda_items.count() == 9


@pytest.mark.parametrize("problem", ["itself", "other_area", "cancelled"])
def test_the_target_must_be_another_open_meeting_of_the_same_marac(area, coordinator, meetings, problem):
    """The agenda cannot move to the meeting itself, another area's meeting or a cancelled meeting."""
    listed(meetings[0], count=1, area=area)
    if problem == "itself":
        target = meetings[0]
    elif problem == "other_area":
        target = meetings_generate(schedule=schedule_for(AreaFactory(), weeks_ahead=1), today=date(2026, 3, 2))[0]
    else:
        target = meetings[1]
        meeting_cancel(actor=coordinator, meeting=target, reason="Snow")

    with pytest.raises(ValidationError) as error:
        meeting_cancel(actor=coordinator, meeting=meetings[0], reason="Snow", move_agenda_to=target)

    assert list(error.value.message_dict) == ["move_agenda_to"]
    assert meetings[0].agenda_items.count() == 1


@pytest.mark.parametrize("status", ["held", "minutes_approved", "cancelled"])
def test_a_held_or_cancelled_meeting_cannot_be_moved_or_cancelled(coordinator, meetings, status):
    """Once held (or already cancelled) the meeting is the record: moving and cancelling are refused."""
    meeting = meetings[0]
    MaracMeeting.objects.filter(pk=meeting.pk).update(status=status, cancellation_reason="Snow")

    with pytest.raises(ValidationError):
        meeting_move(actor=coordinator, meeting=meeting, starts_at=datetime(2026, 3, 3, 10, 0, tzinfo=LONDON))
    with pytest.raises(ValidationError):
        meeting_cancel(actor=coordinator, meeting=meeting, reason="Snow")


@pytest.mark.parametrize("role", [role for role in Role if role != Role.MARAC_COORDINATOR])
def test_only_a_marac_coordinator_moves_or_cancels(area, meetings, role):
    """Every other role is refused and the meeting is unchanged."""
    user = UserFactory(agency=idva_service(area), roles=[role])
    meeting = meetings[0]

    with pytest.raises(PermissionDenied):
        meeting_move(actor=user, meeting=meeting, starts_at=datetime(2026, 3, 3, 10, 0, tzinfo=LONDON))
    with pytest.raises(PermissionDenied):
        meeting_cancel(actor=user, meeting=meeting, reason="Snow")

    meeting.refresh_from_db()
    assert (meeting.status, meeting.starts_at) == ("scheduled", datetime(2026, 3, 2, 10, 0, tzinfo=LONDON))


def test_an_api_key_cannot_move_or_cancel(area, meetings):
    """A partner system's key acts for an agency with no role: refused."""
    actor = ApiKeyActor(api_key=api_key_for(idva_service(area))[0])

    with pytest.raises(PermissionDenied):
        meeting_cancel(actor=actor, meeting=meetings[0], reason="Snow")


def test_the_daily_task_is_scheduled_and_generates(area, time_machine, settings):
    """The beat schedule runs marac.tasks.meetings_generate_all, which generates from today's date."""
    time_machine.move_to(datetime(2026, 3, 2, 6, 0, tzinfo=LONDON), tick=False)
    schedule_for(area, weeks_ahead=1)

    assert "marac.tasks.meetings_generate_all" in {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()}
    assert daily_task() == 4
    assert daily_task() == 0
