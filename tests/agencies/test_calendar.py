"""Working days and UK bank holidays: agencies.calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from agencies.calendar import (
    DEFAULT_SUBDIVISION,
    add_working_days,
    bank_holidays,
    is_working_day,
    working_day_deadline,
    working_days_between,
)

ENGLAND_2026 = bank_holidays(years=[2026], subdivision="ENG")
ENGLAND_2026_27 = bank_holidays(years=[2026, 2027], subdivision="ENG")
NO_HOLIDAYS: frozenset[date] = frozenset()


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=offset) for offset in range((date(year + 1, 1, 1) - first).days)]


def _naive_between(start: date, end: date, holidays: frozenset[date]) -> int:
    """Walk every day: the obviously right count the arithmetic one is checked against."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        count += is_working_day(day, holidays=holidays)
        day += timedelta(days=1)
    return count


# bank_holidays


def test_england_2026_bank_holidays_are_the_published_ones():
    """England and Wales 2026: the eight bank holidays, plus Boxing Day on its Saturday."""
    published = {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2026, 12, 28),
    }
    assert bank_holidays(years=[2026], subdivision="ENG") == published


def test_bank_holidays_returns_a_frozenset_of_dates():
    """The result is immutable, so a cached value cannot be changed by a caller."""
    assert isinstance(ENGLAND_2026, frozenset)
    assert all(type(day) is date for day in ENGLAND_2026)


def test_bank_holidays_spans_every_year_asked_for():
    """Several years come back together, and only those years."""
    assert {day.year for day in ENGLAND_2026_27} == {2026, 2027}
    assert ENGLAND_2026 < ENGLAND_2026_27
    assert date(2027, 1, 1) in ENGLAND_2026_27


def test_bank_holidays_of_no_years_is_empty():
    """No years, no holidays."""
    assert bank_holidays(years=[], subdivision="ENG") == frozenset()


@pytest.mark.parametrize("years", [[2027, 2026], (2026, 2027), range(2026, 2028), [2026, 2027, 2026]])
def test_bank_holidays_ignores_order_and_repeats_of_years(years):
    """Any iterable of the same years gives the same (cached) set."""
    assert bank_holidays(years=years, subdivision="ENG") is ENGLAND_2026_27


def test_bank_holidays_accepts_a_one_shot_iterable():
    """A generator of years is read once and works like a list."""
    assert bank_holidays(years=(year for year in [2026]), subdivision="ENG") == ENGLAND_2026


def test_scotland_differs_from_england():
    """2 January is a Scottish bank holiday and not an English one; Easter Monday the reverse."""
    scotland = bank_holidays(years=[2026], subdivision="SCT")
    assert date(2026, 1, 2) in scotland
    assert date(2026, 1, 2) not in ENGLAND_2026
    assert date(2026, 4, 6) in ENGLAND_2026
    assert date(2026, 4, 6) not in scotland


def test_default_subdivision_is_england_and_wales(settings):
    """Without DASV_BANK_HOLIDAY_SUBDIVISION the holidays are England and Wales's."""
    del settings.DASV_BANK_HOLIDAY_SUBDIVISION
    assert DEFAULT_SUBDIVISION == "ENG"
    assert bank_holidays(years=[2026]) == ENGLAND_2026


def test_setting_overrides_the_default_subdivision(settings):
    """DASV_BANK_HOLIDAY_SUBDIVISION="SCT" gives Scottish holidays, even after English ones were cached."""
    del settings.DASV_BANK_HOLIDAY_SUBDIVISION
    assert date(2026, 1, 2) not in bank_holidays(years=[2026])
    settings.DASV_BANK_HOLIDAY_SUBDIVISION = "SCT"
    assert date(2026, 1, 2) in bank_holidays(years=[2026])


def test_explicit_subdivision_beats_the_setting(settings):
    """A subdivision passed in wins over the setting."""
    settings.DASV_BANK_HOLIDAY_SUBDIVISION = "SCT"
    assert bank_holidays(years=[2026], subdivision="ENG") == ENGLAND_2026


# is_working_day


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 30), True),  # Monday
        (date(2026, 4, 1), True),  # Wednesday
        (date(2026, 4, 2), True),  # Thursday
        (date(2026, 3, 27), True),  # Friday
        (date(2026, 3, 28), False),  # Saturday
        (date(2026, 3, 29), False),  # Sunday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 12, 26), False),  # Boxing Day, a Saturday
        (date(2026, 12, 28), False),  # Boxing Day (observed), a Monday
    ],
)
def test_is_working_day(day, expected):
    """Monday to Friday count unless a bank holiday; weekends never count."""
    assert is_working_day(day, holidays=ENGLAND_2026) is expected


def test_is_working_day_without_holidays_is_just_weekdays():
    """With no holidays every weekday of 2026 is a working day and no weekend day is."""
    for day in _days_of(2026):
        assert is_working_day(day, holidays=NO_HOLIDAYS) is (day.weekday() < 5)


# add_working_days


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 3, 20), 1, date(2026, 3, 23)),  # Friday + 1: Monday
        (date(2026, 3, 19), 2, date(2026, 3, 23)),  # Thursday + 2: Monday
        (date(2026, 3, 21), 1, date(2026, 3, 23)),  # Saturday + 1: Monday
        (date(2026, 3, 22), 1, date(2026, 3, 23)),  # Sunday + 1: Monday
        (date(2026, 3, 16), 5, date(2026, 3, 23)),  # Monday + 5: the next Monday
        (date(2026, 3, 16), 10, date(2026, 3, 30)),  # two whole weeks
    ],
)
def test_add_working_days_skips_weekends(start, days, expected):
    """Saturdays and Sundays are stepped over; the start day itself never counts."""
    assert add_working_days(start, days, holidays=NO_HOLIDAYS) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 4, 2), 1, date(2026, 4, 7)),  # Thursday + 1: past Good Friday, the weekend, Easter Monday
        (date(2026, 4, 2), 2, date(2026, 4, 8)),  # the referral example: Wednesday
        (date(2026, 4, 1), 1, date(2026, 4, 2)),  # the day before is untouched
        (date(2026, 4, 3), 1, date(2026, 4, 7)),  # received on Good Friday itself
    ],
)
def test_add_working_days_skips_easter_2026(start, days, expected):
    """Good Friday (3 April) and Easter Monday (6 April) 2026 are not working days."""
    assert add_working_days(start, days, holidays=ENGLAND_2026) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # Thursday + 1: past Christmas, the weekend, observed Boxing Day
        (date(2026, 12, 23), 2, date(2026, 12, 29)),
        (date(2026, 12, 24), 2, date(2026, 12, 30)),
    ],
)
def test_add_working_days_skips_christmas_2026(start, days, expected):
    """Christmas Day (Friday 25) and Boxing Day observed (Monday 28 December 2026) are skipped."""
    assert add_working_days(start, days, holidays=ENGLAND_2026) == expected


def test_add_working_days_crosses_new_year():
    """31 December 2026 + 1 working day is Monday 4 January 2027: New Year's Day is a Friday holiday."""
    assert add_working_days(date(2026, 12, 31), 1, holidays=ENGLAND_2026_27) == date(2027, 1, 4)


@pytest.mark.parametrize(
    "start",
    [date(2026, 3, 25), date(2026, 3, 28), date(2026, 4, 3), date(2026, 12, 26)],  # weekday, weekend, holidays
)
def test_add_zero_working_days_returns_start(start):
    """0 working days is the start itself, even when that is a weekend or a holiday."""
    assert add_working_days(start, 0, holidays=ENGLAND_2026) == start


@pytest.mark.parametrize("days", [-1, -5])
def test_add_negative_working_days_raises(days):
    """Counting backwards is refused rather than guessed at."""
    with pytest.raises(ValueError, match="must not be negative"):
        add_working_days(date(2026, 4, 2), days, holidays=ENGLAND_2026)


def test_add_working_days_always_lands_on_a_working_day():
    """For every start of 2026 and 1 to 5 days, the deadline is a working day after the start."""
    for start in _days_of(2026):
        for days in range(1, 6):
            deadline = add_working_days(start, days, holidays=ENGLAND_2026_27)
            assert deadline > start
            assert is_working_day(deadline, holidays=ENGLAND_2026_27)


# working_days_between


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 3, 20), date(2026, 3, 23), 1),  # Friday to Monday
        (date(2026, 3, 16), date(2026, 3, 20), 4),  # Monday to Friday: the Monday does not count
        (date(2026, 3, 15), date(2026, 3, 22), 5),  # Sunday to Sunday: one whole week
        (date(2026, 4, 2), date(2026, 4, 8), 2),  # across Easter
        (date(2026, 12, 24), date(2026, 12, 31), 3),  # across Christmas: 29, 30, 31
        (date(2026, 1, 1), date(2026, 12, 31), 253),  # the rest of 2026: 260 weekdays less 7 weekday holidays
        (date(2026, 3, 21), date(2026, 3, 22), 0),  # a weekend only
    ],
)
def test_working_days_between(start, end, expected):
    """Working days after the start and up to and including the end."""
    assert working_days_between(start, end, holidays=ENGLAND_2026) == expected


@pytest.mark.parametrize("end", [date(2026, 4, 8), date(2026, 4, 7), date(2026, 1, 1)])
def test_working_days_between_is_zero_unless_end_is_later(end):
    """An end on or before the start gives 0, never a negative count."""
    assert working_days_between(date(2026, 4, 8), end, holidays=ENGLAND_2026) == 0


def test_working_days_between_counts_repeated_holidays_once():
    """A holiday listed twice is still one day off."""
    holidays = [date(2026, 4, 3), date(2026, 4, 3), date(2026, 4, 6)]
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 8), holidays=holidays) == 2


def test_working_days_between_matches_a_day_by_day_count():
    """The arithmetic count agrees with walking every day, from every start of 2026 over spans up to 40 days."""
    for start in _days_of(2026):
        for span in range(41):
            end = start + timedelta(days=span)
            assert working_days_between(start, end, holidays=ENGLAND_2026_27) == _naive_between(
                start, end, ENGLAND_2026_27
            ), (start, end)


def test_working_days_between_inverts_add_working_days():
    """For every start of 2026 and n from 0 to 5, the days between start and its n-day deadline are n."""
    for start in _days_of(2026):
        for days in range(6):
            deadline = add_working_days(start, days, holidays=ENGLAND_2026_27)
            assert working_days_between(start, deadline, holidays=ENGLAND_2026_27) == days, (start, days)


# working_day_deadline


def test_working_day_deadline_uses_england_by_default(settings):
    """The referral example with no holidays passed in: Thursday 2 April 2026 + 2 is Wednesday 8 April."""
    del settings.DASV_BANK_HOLIDAY_SUBDIVISION
    assert working_day_deadline(date(2026, 4, 2), 2) == date(2026, 4, 8)


def test_working_day_deadline_fetches_next_years_holidays():
    """A deadline crossing New Year skips 1 January 2027 although the start is in 2026."""
    assert working_day_deadline(date(2026, 12, 31), 1, subdivision="ENG") == date(2027, 1, 4)


def test_working_day_deadline_follows_the_subdivision(settings):
    """Thursday 1 January 2026 + 1 is Friday 2 in England, Monday 5 in Scotland (passed or set)."""
    del settings.DASV_BANK_HOLIDAY_SUBDIVISION
    assert working_day_deadline(date(2026, 1, 1), 1) == date(2026, 1, 2)
    assert working_day_deadline(date(2026, 1, 1), 1, subdivision="SCT") == date(2026, 1, 5)
    settings.DASV_BANK_HOLIDAY_SUBDIVISION = "SCT"
    assert working_day_deadline(date(2026, 1, 1), 1) == date(2026, 1, 5)


def test_working_day_deadline_zero_days_returns_start():
    """0 days is the start, as with add_working_days."""
    assert working_day_deadline(date(2026, 4, 3), 0, subdivision="ENG") == date(2026, 4, 3)


def test_working_day_deadline_negative_days_raises():
    """Negative days are refused here too."""
    with pytest.raises(ValueError, match="must not be negative"):
        working_day_deadline(date(2026, 4, 2), -1, subdivision="ENG")


@pytest.mark.parametrize("days", [260, 600])
def test_working_day_deadline_beyond_a_year_still_skips_holidays(days):
    """Deadlines running past the next year take in the holidays of every year they cross."""
    start = date(2026, 12, 31)
    all_years = bank_holidays(years=range(2026, 2031), subdivision="ENG")
    expected = add_working_days(start, days, holidays=all_years)
    # Only 2026 and 2027's holidays would miss those of later years and land too early.
    assert add_working_days(start, days, holidays=ENGLAND_2026_27) < expected
    assert working_day_deadline(start, days, subdivision="ENG") == expected
