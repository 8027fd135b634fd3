"""The pure MARAC rules: the days a schedule meets, placing waiting referrals on agendas, the twelve-month
notice and the order of an agenda (no database)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from agencies.calendar import bank_holidays
from marac.rules import (
    ListedCase,
    MeetingSlot,
    Placement,
    WaitingReferral,
    agenda_order,
    meeting_days,
    plan_agenda,
    twelve_month_notice,
)

MON, WED, FRI = 1, 3, 5
MON_WED_FRI = (MON, WED, FRI)

ENGLAND_2026 = bank_holidays(years=[2026], subdivision="ENG")
SCOTLAND_2026 = bank_holidays(years=[2026], subdivision="SCT")

# England and Wales' 2026 bank holidays, written out by hand (not read from the calendar).
ENGLAND_2026_BY_HAND = {
    date(2026, 1, 1),  # Thursday
    date(2026, 4, 3),  # Good Friday
    date(2026, 4, 6),  # Easter Monday
    date(2026, 5, 4),  # May Day
    date(2026, 5, 25),  # Spring bank holiday
    date(2026, 8, 31),  # Summer bank holiday
    date(2026, 12, 25),  # Christmas Day, a Friday
    date(2026, 12, 28),  # Boxing Day (a Saturday) observed on the Monday
}


def all_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def working_days_before(meeting_on: date, count: int, *, holidays: frozenset[date] | set[date]) -> date:
    """The day `count` working days before the meeting, counted by walking back day by day (the meeting day
    is the last of them, as the rule counts days after receipt up to and including the meeting)."""
    day = meeting_on
    remaining = count
    while remaining:
        if day.weekday() < 5 and day not in holidays:
            remaining -= 1
        day -= timedelta(days=1)
    return day


def waiting(
    referral_id: int,
    received_on: date,
    *,
    has_children: bool = False,
    is_repeat: bool = False,
    last_heard_on: date | None = None,
) -> WaitingReferral:
    return WaitingReferral(referral_id, received_on, has_children, is_repeat, last_heard_on)


def placed(placements: list[Placement]) -> dict[int, int]:
    """Referral id to meeting id."""
    return {placement.referral_id: placement.meeting_id for placement in placements}


# --- meeting_days ----------------------------------------------------------------------------------------


def test_the_calendar_gives_the_bank_holidays_the_schedules_rely_on():
    """The 2026 England and Wales bank holidays the tests below rely on are the ones the calendar gives."""
    assert set(ENGLAND_2026) >= ENGLAND_2026_BY_HAND
    assert set(ENGLAND_2026) - ENGLAND_2026_BY_HAND == {date(2026, 12, 26)}  # Boxing Day itself, a Saturday


def test_meeting_days_skip_good_friday_and_easter_monday():
    """Across Easter 2026 a Monday, Wednesday and Friday MARAC does not meet on Good Friday or Easter Monday."""
    days = meeting_days(weekdays=MON_WED_FRI, start=date(2026, 3, 30), end=date(2026, 4, 10), holidays=ENGLAND_2026)
    assert days == [date(2026, 3, 30), date(2026, 4, 1), date(2026, 4, 8), date(2026, 4, 10)]


def test_meeting_days_skip_christmas_day_and_observed_boxing_day():
    """Christmas Day (Friday 25 December 2026) and Boxing Day observed (Monday 28 December) are skipped."""
    days = meeting_days(weekdays=MON_WED_FRI, start=date(2026, 12, 21), end=date(2026, 12, 31), holidays=ENGLAND_2026)
    assert days == [date(2026, 12, 21), date(2026, 12, 23), date(2026, 12, 30)]


def test_meeting_days_skip_the_may_day_bank_holiday():
    """The May Day bank holiday, Monday 4 May 2026, is skipped."""
    days = meeting_days(weekdays=MON_WED_FRI, start=date(2026, 5, 1), end=date(2026, 5, 8), holidays=ENGLAND_2026)
    assert days == [date(2026, 5, 1), date(2026, 5, 6), date(2026, 5, 8)]


def test_meeting_days_of_a_whole_year_are_every_scheduled_weekday_but_holidays_and_closures():
    """Over 2026 the meetings are exactly the scheduled weekdays that are neither bank holidays nor closures."""
    closures = {date(2026, 7, 15), date(2026, 7, 16)}  # a Wednesday, and a Thursday the MARAC never meets
    days = meeting_days(
        weekdays=MON_WED_FRI,
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        holidays=ENGLAND_2026,
        closures=closures,
    )
    expected = [
        day
        for day in all_days(date(2026, 1, 1), date(2026, 12, 31))
        if day.isoweekday() in MON_WED_FRI and day not in ENGLAND_2026_BY_HAND and day not in closures
    ]
    assert days == expected
    assert not set(days) & (set(ENGLAND_2026) | closures)
    assert all(day.isoweekday() in MON_WED_FRI for day in days)
    # 52 each of Mondays, Wednesdays and Fridays; 7 of them bank holidays, 1 closed.
    assert len(days) == 52 * 3 - 7 - 1


def test_meeting_days_are_in_date_order_without_repeats():
    """The days come back once each, earliest first, whatever order the weekdays are given in."""
    days = meeting_days(weekdays=[5, 1, 3, 1], start=date(2026, 6, 1), end=date(2026, 6, 30), holidays=ENGLAND_2026)
    assert days == sorted(set(days))
    assert days[0] == date(2026, 6, 1)
    assert len(days) == 13  # June 2026: five Mondays, four Wednesdays, four Fridays


@pytest.mark.parametrize(
    ("subdivision", "expected"),
    [
        ("ENG", [date(2026, 1, 2), date(2026, 1, 9)]),
        ("SCT", [date(2026, 1, 9)]),
    ],
)
def test_meeting_days_skip_scotlands_second_of_january(subdivision, expected):
    """2 January 2026 is a bank holiday in Scotland only: a Scottish Friday MARAC does not meet then."""
    holidays = bank_holidays(years=[2026], subdivision=subdivision)
    assert meeting_days(weekdays=[FRI], start=date(2026, 1, 1), end=date(2026, 1, 9), holidays=holidays) == expected


def test_a_scottish_schedule_still_meets_on_englands_easter_monday():
    """Easter Monday is not a Scottish bank holiday, so a Scottish Monday MARAC meets on 6 April 2026."""
    days = meeting_days(weekdays=[MON], start=date(2026, 4, 6), end=date(2026, 4, 6), holidays=SCOTLAND_2026)
    assert days == [date(2026, 4, 6)]


def test_a_closure_date_is_skipped():
    """A local closure on a meeting day is skipped like a bank holiday."""
    days = meeting_days(
        weekdays=[WED],
        start=date(2026, 9, 1),
        end=date(2026, 9, 30),
        holidays=ENGLAND_2026,
        closures=[date(2026, 9, 16)],
    )
    assert days == [date(2026, 9, 2), date(2026, 9, 9), date(2026, 9, 23), date(2026, 9, 30)]


def test_a_closure_on_a_day_the_marac_does_not_meet_changes_nothing():
    """Closing on a day the schedule does not meet (or on a bank holiday) takes no meeting away."""
    arguments = {"weekdays": MON_WED_FRI, "start": date(2026, 4, 1), "end": date(2026, 4, 30), "holidays": ENGLAND_2026}
    assert meeting_days(**arguments, closures=[date(2026, 4, 7), date(2026, 4, 6)]) == meeting_days(**arguments)


def test_no_weekdays_means_no_meetings():
    """A schedule with no weekdays meets on no day."""
    assert meeting_days(weekdays=[], start=date(2026, 1, 1), end=date(2026, 12, 31), holidays=ENGLAND_2026) == []


@pytest.mark.parametrize("weekdays", [[0], [8], [1, 3, 8], [-1], [1, 7, 0]])
def test_a_weekday_outside_monday_to_sunday_is_refused(weekdays):
    """ISO weekdays run from 1 (Monday) to 7 (Sunday); anything else raises ValueError."""
    with pytest.raises(ValueError, match="Weekdays are ISO numbers"):
        meeting_days(weekdays=weekdays, start=date(2026, 1, 1), end=date(2026, 1, 31), holidays=ENGLAND_2026)


def test_weekend_weekdays_are_allowed():
    """Saturday (6) and Sunday (7) are unusual but valid meeting days."""
    days = meeting_days(weekdays=[6, 7], start=date(2026, 12, 21), end=date(2026, 12, 27), holidays=ENGLAND_2026)
    # Boxing Day falls on the Saturday and is itself a holiday.
    assert days == [date(2026, 12, 27)]


def test_a_start_after_the_end_gives_no_days():
    """When the start is after the end there are no meeting days."""
    assert meeting_days(weekdays=MON_WED_FRI, start=date(2026, 5, 8), end=date(2026, 5, 1), holidays=()) == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 7, 6), [date(2026, 7, 6)]),  # a Monday
        (date(2026, 7, 7), []),  # a Tuesday
        (date(2026, 8, 31), []),  # a Monday bank holiday
    ],
)
def test_start_and_end_are_both_included(day, expected):
    """A range of one day gives that day when it is a meeting day."""
    assert meeting_days(weekdays=MON_WED_FRI, start=day, end=day, holidays=ENGLAND_2026) == expected


# --- plan_agenda -----------------------------------------------------------------------------------------

# Two meetings in July 2026, with no bank holiday near.
WED_15_JULY = date(2026, 7, 15)
FRI_17_JULY = date(2026, 7, 17)
LONG_AGO = date(2026, 6, 1)


def test_a_meeting_takes_no_more_than_its_capacity():
    """A meeting with room for two takes the two oldest referrals; the third goes to the next meeting."""
    meetings = [MeetingSlot(meeting_id=1, on=WED_15_JULY, capacity=2), MeetingSlot(10, FRI_17_JULY, capacity=5)]
    referrals = [waiting(1, date(2026, 6, 3)), waiting(2, date(2026, 6, 1)), waiting(3, date(2026, 6, 2))]
    result = plan_agenda(referrals, meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert placed(result) == {2: 1, 3: 1, 1: 10}


def test_cases_already_listed_count_against_the_capacity():
    """A meeting of capacity three that already lists two has room for one more."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=3, listed=2), MeetingSlot(2, FRI_17_JULY, capacity=3)]
    referrals = [waiting(1, LONG_AGO), waiting(2, LONG_AGO + timedelta(days=1))]
    result = plan_agenda(referrals, meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert placed(result) == {1: 1, 2: 2}


@pytest.mark.parametrize("listed", [3, 4, 20])
def test_a_full_or_overfull_meeting_takes_nothing(listed):
    """A meeting listing as many cases as its capacity, or more (an override), takes no more."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=3, listed=listed)]
    assert plan_agenda([waiting(1, LONG_AGO)], meetings, research_working_days=5, holidays=ENGLAND_2026) == []


@pytest.mark.parametrize("lead", [1, 2, 3, 5, 10, 15])
def test_a_referral_received_exactly_the_research_lead_before_is_placed(lead):
    """Received N working days before the meeting, a referral is placed with a research lead of N."""
    received_on = working_days_before(WED_15_JULY, lead, holidays=ENGLAND_2026)
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=5)]
    result = plan_agenda([waiting(1, received_on)], meetings, research_working_days=lead, holidays=ENGLAND_2026)
    assert placed(result) == {1: 1}


@pytest.mark.parametrize("lead", [1, 2, 3, 5, 10, 15])
def test_a_referral_received_a_working_day_too_late_is_not_placed(lead):
    """Received N-1 working days before the meeting, a referral is not placed with a research lead of N."""
    received_on = working_days_before(WED_15_JULY, lead - 1, holidays=ENGLAND_2026)
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=5)]
    assert plan_agenda([waiting(1, received_on)], meetings, research_working_days=lead, holidays=ENGLAND_2026) == []


def test_the_research_lead_at_its_boundary_written_out():
    """Five working days before Wednesday 15 July 2026 is Wednesday 8 July: placed; Thursday 9 July is not."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=5)]
    result = plan_agenda(
        [waiting(1, date(2026, 7, 8)), waiting(2, date(2026, 7, 9))],
        meetings,
        research_working_days=5,
        holidays=ENGLAND_2026,
    )
    assert placed(result) == {1: 1}


def test_a_weekend_between_counts_as_no_working_days():
    """Received on a Friday for the Monday after, there is one working day (the Monday) to research."""
    meetings = [MeetingSlot(1, date(2026, 7, 13), capacity=5)]
    friday = date(2026, 7, 10)
    assert placed(plan_agenda([waiting(1, friday)], meetings, research_working_days=1, holidays=())) == {1: 1}
    assert plan_agenda([waiting(1, friday)], meetings, research_working_days=2, holidays=()) == []


def test_a_bank_holiday_between_counts_as_no_working_day():
    """Over Easter 2026, received Tuesday 31 March is four working days before Wednesday 8 April, not six."""
    meetings = [MeetingSlot(1, date(2026, 4, 8), capacity=5)]
    tuesday, monday = date(2026, 3, 31), date(2026, 3, 30)
    assert plan_agenda([waiting(1, tuesday)], meetings, research_working_days=5, holidays=ENGLAND_2026) == []
    assert placed(plan_agenda([waiting(1, monday)], meetings, research_working_days=5, holidays=ENGLAND_2026)) == {1: 1}
    # Without the holidays the same Tuesday would be early enough.
    assert placed(plan_agenda([waiting(1, tuesday)], meetings, research_working_days=5, holidays=())) == {1: 1}


def test_a_referral_too_late_for_one_meeting_goes_to_the_next():
    """A referral too recent for the first meeting's research goes to the next meeting it can make."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=5), MeetingSlot(2, date(2026, 7, 22), capacity=5)]
    recent = date(2026, 7, 13)  # two working days before 15 July, seven before 22 July
    result = plan_agenda(
        [waiting(1, recent), waiting(2, LONG_AGO)], meetings, research_working_days=5, holidays=ENGLAND_2026
    )
    assert placed(result) == {1: 2, 2: 1}


def test_a_referral_too_late_for_a_meeting_does_not_use_its_room():
    """An older referral that cannot make a meeting leaves its place to a younger one that can."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=1), MeetingSlot(2, date(2026, 7, 29), capacity=1)]
    # Referral 1 is older only in id order; referral 2 was received earlier and so goes first.
    referrals = [waiting(1, date(2026, 7, 14)), waiting(2, LONG_AGO)]
    result = plan_agenda(referrals, meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert placed(result) == {2: 1, 1: 2}


def test_the_oldest_referral_is_placed_first():
    """With one place left, the referral received first takes it, whatever order they are given in."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=1)]
    referrals = [waiting(1, date(2026, 6, 10)), waiting(2, date(2026, 6, 9)), waiting(3, date(2026, 6, 11))]
    result = plan_agenda(referrals, meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert placed(result) == {2: 1}


def test_placements_come_back_oldest_first():
    """The placements are in the order the referrals were placed: oldest first."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=2), MeetingSlot(2, FRI_17_JULY, capacity=2)]
    referrals = [waiting(4, date(2026, 6, 4)), waiting(1, date(2026, 6, 1)), waiting(3, date(2026, 6, 3))]
    result = plan_agenda(iter(referrals), meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert [placement.referral_id for placement in result] == [1, 3, 4]
    assert [placement.meeting_id for placement in result] == [1, 1, 2]


def test_referrals_received_the_same_day_go_in_id_order():
    """Ties on the day of receipt are broken by the referral's id, lowest first."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=1), MeetingSlot(2, FRI_17_JULY, capacity=1)]
    referrals = [waiting(7, LONG_AGO), waiting(3, LONG_AGO), waiting(5, LONG_AGO)]
    result = plan_agenda(referrals, meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert [(placement.referral_id, placement.meeting_id) for placement in result] == [(3, 1), (5, 2)]


def test_meetings_given_out_of_order_are_filled_earliest_first():
    """The earliest meeting is filled first whatever order the meetings are given in."""
    meetings = [
        MeetingSlot(1, date(2026, 7, 22), capacity=1),
        MeetingSlot(2, FRI_17_JULY, capacity=1),
        MeetingSlot(3, WED_15_JULY, capacity=1),
    ]
    referrals = [waiting(1, LONG_AGO), waiting(2, LONG_AGO), waiting(3, LONG_AGO)]
    result = plan_agenda(referrals, meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert placed(result) == {1: 3, 2: 2, 3: 1}


def test_meetings_on_the_same_day_are_filled_in_id_order():
    """Two meetings on one day are filled lowest meeting id first."""
    meetings = [MeetingSlot(9, WED_15_JULY, capacity=1), MeetingSlot(4, WED_15_JULY, capacity=1)]
    result = plan_agenda([waiting(1, LONG_AGO)], meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert placed(result) == {1: 4}


def test_referrals_no_meeting_can_take_stay_waiting():
    """When every meeting is full or too soon, the referral is left out of the placements."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=1), MeetingSlot(2, FRI_17_JULY, capacity=1)]
    referrals = [waiting(1, LONG_AGO), waiting(2, LONG_AGO), waiting(3, LONG_AGO), waiting(4, date(2026, 7, 16))]
    result = plan_agenda(referrals, meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert placed(result) == {1: 1, 2: 2}


@pytest.mark.parametrize(
    ("referrals", "meetings"),
    [
        ([], [MeetingSlot(1, WED_15_JULY, capacity=5)]),
        ([waiting(1, LONG_AGO)], []),
        ([waiting(1, date(2026, 7, 14))], [MeetingSlot(1, WED_15_JULY, capacity=5)]),
    ],
    ids=["nobody waiting", "no meetings", "no time to research"],
)
def test_nothing_fits_means_nothing_placed(referrals, meetings):
    """With nobody waiting, no meeting, or no meeting far enough ahead, nothing is placed."""
    assert plan_agenda(referrals, meetings, research_working_days=5, holidays=ENGLAND_2026) == []


def test_a_referral_is_never_placed_on_a_meeting_before_it_was_received():
    """Even with no research lead, a referral goes to no meeting held before the day it was received."""
    meetings = [MeetingSlot(1, date(2026, 7, 8), capacity=5), MeetingSlot(2, WED_15_JULY, capacity=5)]
    result = plan_agenda([waiting(1, date(2026, 7, 10))], meetings, research_working_days=0, holidays=ENGLAND_2026)
    assert placed(result) == {1: 2}


def test_with_no_research_lead_a_referral_can_be_heard_the_day_it_arrives():
    """With a research lead of 0, a meeting on the day of receipt may take the referral."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=5)]
    result = plan_agenda([waiting(1, WED_15_JULY)], meetings, research_working_days=0, holidays=ENGLAND_2026)
    assert placed(result) == {1: 1}


def test_a_placement_carries_the_referrals_facts():
    """Each placement says whether the case has children and is a repeat, as the waiting referral did."""
    meetings = [MeetingSlot(1, WED_15_JULY, capacity=5)]
    referrals = [
        waiting(1, LONG_AGO, has_children=True, is_repeat=False),
        waiting(2, LONG_AGO, has_children=False, is_repeat=True),
    ]
    result = plan_agenda(referrals, meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert result == [
        Placement(referral_id=1, meeting_id=1, has_children=True, is_repeat=False, twelve_month_notice=False),
        Placement(referral_id=2, meeting_id=1, has_children=False, is_repeat=True, twelve_month_notice=False),
    ]


def test_the_twelve_month_notice_is_judged_on_the_meeting_it_is_placed_on():
    """A case last heard 364 days before the first meeting gets notice only if it goes to a later one."""
    first, second = WED_15_JULY, FRI_17_JULY
    last_heard_on = first - timedelta(days=364)
    meetings = [MeetingSlot(1, first, capacity=1), MeetingSlot(2, second, capacity=1)]
    referrals = [
        waiting(1, LONG_AGO, last_heard_on=last_heard_on),
        waiting(2, LONG_AGO + timedelta(days=1), last_heard_on=last_heard_on),
    ]
    result = plan_agenda(referrals, meetings, research_working_days=5, holidays=ENGLAND_2026)
    assert [(p.referral_id, p.meeting_id, p.twelve_month_notice) for p in result] == [(1, 1, False), (2, 2, True)]


# --- twelve_month_notice ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_since", "expected"),
    [(0, False), (1, False), (364, False), (365, True), (366, True), (3650, True)],
)
def test_twelve_month_notice_from_365_days(days_since, expected):
    """A case heard 365 days or more before the meeting is listed for notice; 364 days is not enough."""
    meeting_on = date(2026, 11, 20)
    last_heard_on = meeting_on - timedelta(days=days_since)
    assert twelve_month_notice(last_heard_on=last_heard_on, meeting_on=meeting_on) is expected


def test_a_case_never_heard_gets_no_twelve_month_notice():
    """A case never heard at MARAC is new, not listed for notice."""
    assert twelve_month_notice(last_heard_on=None, meeting_on=date(2026, 11, 20)) is False


def test_twelve_month_notice_across_a_leap_day():
    """Across 29 February 2028, 365 days is a day short of the calendar date a year on, and is enough."""
    assert twelve_month_notice(last_heard_on=date(2027, 3, 1), meeting_on=date(2028, 2, 29)) is True
    assert twelve_month_notice(last_heard_on=date(2027, 3, 2), meeting_on=date(2028, 2, 29)) is False


# --- agenda_order ----------------------------------------------------------------------------------------


def case(item_id: int, received_on: date, *, children: bool = False, pinned: int | None = None) -> ListedCase:
    return ListedCase(item_id=item_id, has_children=children, received_on=received_on, pinned_position=pinned)


DAY = date(2026, 6, 1)


def test_cases_with_children_come_first_then_adult_only_cases():
    """Cases with children are heard first, so children's services can leave; then adult-only cases."""
    items = [case(1, DAY), case(2, DAY + timedelta(days=5), children=True), case(3, DAY), case(4, DAY, children=True)]
    assert agenda_order(items) == [4, 2, 1, 3]


def test_each_group_is_oldest_referral_first():
    """Within the children and adult-only groups, the oldest referral comes first, ties by item id."""
    items = [
        case(10, DAY + timedelta(days=3), children=True),
        case(11, DAY + timedelta(days=1), children=True),
        case(12, DAY + timedelta(days=1), children=True),
        case(20, DAY + timedelta(days=9)),
        case(21, DAY),
        case(19, DAY),
    ]
    assert agenda_order(items) == [11, 12, 10, 19, 21, 20]


def test_pinned_positions_are_kept_and_the_rest_fill_the_gaps():
    """Items the coordinator placed by hand keep their positions; the others flow into the gaps in order."""
    items = [
        case(1, DAY, children=True),
        case(2, DAY + timedelta(days=1), children=True),
        case(3, DAY),
        case(4, DAY + timedelta(days=1)),
        case(5, DAY + timedelta(days=9), pinned=1),
        case(6, DAY + timedelta(days=9), pinned=4),
    ]
    assert agenda_order(items) == [5, 1, 2, 6, 3, 4]


def test_a_pinned_adult_case_can_go_before_cases_with_children():
    """Pinning overrides the children-first order."""
    items = [case(1, DAY, children=True), case(2, DAY, pinned=1)]
    assert agenda_order(items) == [2, 1]


def test_pins_beyond_the_end_close_up_in_their_order():
    """Items pinned past the end of the agenda come last, in the order of their pinned positions."""
    items = [case(1, DAY), case(2, DAY, pinned=9), case(3, DAY, children=True), case(4, DAY, pinned=7)]
    assert agenda_order(items) == [3, 1, 4, 2]


def test_a_pin_beyond_the_end_and_one_within_it():
    """A pin inside the agenda keeps its place while one past the end closes up to the end."""
    items = [case(1, DAY), case(2, DAY, pinned=2), case(3, DAY, pinned=50)]
    assert agenda_order(items) == [1, 2, 3]


def test_all_pinned_follow_their_positions():
    """When every item is pinned the agenda follows the pins."""
    items = [case(1, DAY, pinned=3), case(2, DAY, pinned=1), case(3, DAY, children=True, pinned=2)]
    assert agenda_order(items) == [2, 3, 1]


def test_all_pinned_with_gaps_close_up():
    """Every item pinned, with gaps between the positions: the order of the pins, closed up."""
    items = [case(1, DAY, pinned=8), case(2, DAY, pinned=2), case(3, DAY, pinned=5)]
    assert agenda_order(items) == [2, 3, 1]


def test_two_items_pinned_to_one_position_both_stay():
    """Two items pinned to the same position both stay on the agenda: the lower id there, the other next."""
    items = [case(1, DAY, children=True), case(3, DAY, pinned=1), case(2, DAY, pinned=1), case(4, DAY)]
    assert agenda_order(items) == [2, 3, 1, 4]


def test_an_empty_agenda_has_no_order():
    """No items, no order."""
    assert agenda_order([]) == []


def test_one_item_is_its_own_order():
    """A single item, pinned or not, is the whole agenda."""
    assert agenda_order([case(7, DAY)]) == [7]
    assert agenda_order([case(7, DAY, pinned=3)]) == [7]


def test_every_item_appears_once_whatever_the_pins():
    """For every way of pinning three or four items to positions 1 to 5 (shared positions included), each
    item appears exactly once; when the pins are distinct and inside the agenda, each is kept."""
    for size in (3, 4):
        for pins in itertools.product([None, 1, 2, 3, 4, 5], repeat=size):
            items = [
                case(item_id, DAY + timedelta(days=size - item_id), children=item_id % 2 == 0, pinned=pin)
                for item_id, pin in enumerate(pins, start=1)
            ]
            order = agenda_order(items)
            assert sorted(order) == [item.item_id for item in items], (pins, order)
            pinned = [pin for pin in pins if pin is not None]
            if len(set(pinned)) == len(pinned) and all(pin <= size for pin in pinned):
                for item in items:
                    if item.pinned_position is not None:
                        assert order[item.pinned_position - 1] == item.item_id, (pins, order)
