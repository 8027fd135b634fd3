"""Working days and UK bank holidays, for statutory and partnership deadlines."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from datetime import date, timedelta

from django.conf import settings
from holidays import country_holidays

# England and Wales share their bank holidays; a Scottish or Northern Irish partnership sets
# DASV_BANK_HOLIDAY_SUBDIVISION to "SCT" or "NIR".
DEFAULT_SUBDIVISION = "ENG"

_COUNTRY = "GB"
_SATURDAY = 5
# Fewer working days than this fit in no calendar year (52 weeks of 5 days, less at most ~12
# holidays), so it bounds how many years of holidays a deadline can need.
_MIN_WORKING_DAYS_PER_YEAR = 240


def bank_holidays(*, years: Iterable[int], subdivision: str | None = None) -> frozenset[date]:
    """The bank holidays of those years in the subdivision (the setting, else England and Wales)."""
    if subdivision is None:
        subdivision = getattr(settings, "DASV_BANK_HOLIDAY_SUBDIVISION", DEFAULT_SUBDIVISION)
    # The cache is keyed on the resolved subdivision, so a changed setting is never served stale,
    # and on the sorted distinct years, so [2027, 2026] and (2026, 2027) share one entry.
    return _bank_holidays(tuple(sorted(set(years))), subdivision)


@functools.lru_cache(maxsize=64)
def _bank_holidays(years: tuple[int, ...], subdivision: str) -> frozenset[date]:
    # Building the holiday table is slow next to a lookup, and the nightly deadline job asks for
    # the same few years thousands of times. Holidays that fall on a weekend (Boxing Day 2026)
    # are kept alongside their weekday substitutes: is_working_day skips weekends anyway.
    return frozenset(country_holidays(_COUNTRY, subdiv=subdivision, years=years))


def is_working_day(day: date, *, holidays: Collection[date]) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < _SATURDAY and day not in holidays


def add_working_days(start: date, days: int, *, holidays: Collection[date]) -> date:
    """The date `days` working days after `start`; `start` itself never counts, and 0 days is `start`."""
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}.")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day, holidays=holidays):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, *, holidays: Collection[date]) -> int:
    """How many working days fall after `start` and on or before `end` (0 when `end` is not later)."""
    if end <= start:
        return 0
    # Count weekdays arithmetically (whole weeks, then the leftover days) rather than walking
    # every day, so a span of years costs no more than a week; then take off each weekday holiday
    # once (set() in case the caller listed one twice).
    span = (end - start).days
    whole_weeks, leftover = divmod(span, 7)
    weekdays = whole_weeks * 5
    first_leftover = start + timedelta(days=whole_weeks * 7)
    weekdays += sum(
        1 for offset in range(1, leftover + 1) if (first_leftover + timedelta(days=offset)).weekday() < _SATURDAY
    )
    weekday_holidays = sum(1 for holiday in set(holidays) if start < holiday <= end and holiday.weekday() < _SATURDAY)
    return weekdays - weekday_holidays


def working_day_deadline(start: date, days: int, *, subdivision: str | None = None) -> date:
    """`days` working days after `start`, skipping the bank holidays of the subdivision."""
    # The start year and the next cover any deadline short of a year; longer ones take in enough
    # further years that the count can never run past the holidays it was given.
    last_year = start.year + 1 + max(days, 0) // _MIN_WORKING_DAYS_PER_YEAR
    holidays = bank_holidays(years=range(start.year, last_year + 1), subdivision=subdivision)
    return add_working_days(start, days, holidays=holidays)
