"""The pure rules of reporting: reporting periods, the previous period, change, rates and the population
year of a period. No database here; reporting.figures reads the data and applies these."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta


class PeriodError(ValueError):
    """A period that cannot be read; the message says what is wrong and is shown to the user."""


@dataclass(frozen=True)
class Period:
    """A reporting period, both ends included. `kind` is financial_year (April-March), police_year
    (December-November), quarter (a financial-year quarter) or custom."""

    start: date
    end: date
    label: str
    kind: str = "custom"

    @property
    def months(self) -> list[str]:
        """The calendar months the period touches, as "YYYY-MM", in order."""
        months = []
        month = self.start.replace(day=1)
        while month <= self.end:
            months.append(f"{month.year:04d}-{month.month:02d}")
            month += relativedelta(months=1)
        return months

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label, "kind": self.kind}


FINANCIAL_YEAR = "financial_year"
POLICE_YEAR = "police_year"
QUARTER = "quarter"
CUSTOM = "custom"

_FINANCIAL = re.compile(r"^(\d{4})-(\d{2})$")
_POLICE = re.compile(r"^(\d{4})/(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-(\d{2}) Q([1-4])$")

# A custom range may cover at most this many days (a little over five years).
LONGEST_RANGE_DAYS = 366 * 5


def financial_year(start_year: int) -> Period:
    """The financial year from 1 April `start_year` to 31 March the year after: "2020-21"."""
    return Period(
        date(start_year, 4, 1),
        date(start_year + 1, 3, 31),
        f"{start_year}-{(start_year + 1) % 100:02d}",
        FINANCIAL_YEAR,
    )


def police_year(end_year: int) -> Period:
    """The police year from 1 December `end_year - 1` to 30 November `end_year`: "2017/18" (Table 1 of the
    city report counts December 2017 to November 2018 as 2017/18)."""
    return Period(
        date(end_year - 1, 12, 1), date(end_year, 11, 30), f"{end_year - 1}/{end_year % 100:02d}", POLICE_YEAR
    )


def financial_quarter(start_year: int, quarter: int) -> Period:
    """Quarter 1-4 of the financial year starting in April `start_year` (Q4 is January-March)."""
    if quarter not in (1, 2, 3, 4):
        raise PeriodError(f"A quarter is 1 to 4, not {quarter}.")
    first = date(start_year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    last = first + relativedelta(months=3) - timedelta(days=1)
    return Period(first, last, f"{start_year}-{(start_year + 1) % 100:02d} Q{quarter}", QUARTER)


def custom_period(start: date, end: date) -> Period:
    """Any range of days, both ends included."""
    if end < start:
        raise PeriodError("The period must end on or after the day it starts.")
    if (end - start).days >= LONGEST_RANGE_DAYS:
        raise PeriodError("The period can be at most five years long.")
    return Period(start, end, f"{start:%-d %b %Y} to {end:%-d %b %Y}", CUSTOM)


def parse_period(text: str) -> Period:
    """Read a period as the API and the command take it: "2020-21" (financial year), "2017/18" (police
    year, December-November), "2020-21 Q3" (financial quarter) or "2020-04-01:2021-03-31" (any range)."""
    text = (text or "").strip()
    if match := _FINANCIAL.match(text):
        first, second = int(match[1]), int(match[2])
        if (first + 1) % 100 != second:
            raise PeriodError(f"{text} is not a financial year: write it as 2020-21.")
        return financial_year(first)
    if match := _POLICE.match(text):
        first, second = int(match[1]), int(match[2])
        if (first + 1) % 100 != second:
            raise PeriodError(f"{text} is not a police year: write it as 2017/18.")
        return police_year(first + 1)
    if match := _QUARTER.match(text):
        first, second = int(match[1]), int(match[2])
        if (first + 1) % 100 != second:
            raise PeriodError(f"{text} is not a financial-year quarter: write it as 2020-21 Q3.")
        return financial_quarter(first, int(match[3]))
    if match := _RANGE.match(text):
        try:
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError as error:
            raise PeriodError(f"{text} has a day that does not exist.") from error
        return custom_period(start, end)
    raise PeriodError(
        "Enter a financial year (2020-21), a police year (2017/18), a quarter (2020-21 Q3) or a range of days "
        "(2020-04-01:2021-03-31)."
    )


def previous_period(period: Period) -> Period:
    """The period a year before: the previous financial or police year, the same quarter a year before,
    or the same days a year before (29 February becomes 28 February)."""
    if period.kind == FINANCIAL_YEAR:
        return financial_year(period.start.year - 1)
    if period.kind == POLICE_YEAR:
        return police_year(period.end.year - 1)
    if period.kind == QUARTER:
        start = period.start - relativedelta(years=1)
        year = start.year if start.month >= 4 else start.year - 1
        return financial_quarter(year, int(period.label[-1]))
    return custom_period(period.start - relativedelta(years=1), period.end - relativedelta(years=1))


def years_before(period: Period, count: int) -> list[Period]:
    """`count` years ending with the one the period ends in, oldest first, for the trend table: police years
    for a police-year report, otherwise financial years."""
    if period.kind == POLICE_YEAR:
        last = period.end.year
        return [police_year(year) for year in range(last - count + 1, last + 1)]
    last = period.end.year if period.end.month >= 4 else period.end.year - 1
    return [financial_year(year) for year in range(last - count + 1, last + 1)]


def change_pct(current: int | float | None, previous: int | float | None) -> float | None:
    """The change from `previous` to `current` as a percentage of `previous`, rounded half up to one
    decimal; None when either is unknown or the previous is 0."""
    if current is None or previous is None or previous == 0:
        return None
    return _half_up_tenths(1000 * (current - previous), previous)


def rate_per(count: int | None, population: int | None, per: int) -> float | None:
    """`count` per `per` people of `population`, rounded half up to one decimal; None when either is
    unknown or the population is 0."""
    if count is None or not population:
        return None
    return _half_up_tenths(10 * per * count, population)


def _half_up_tenths(numerator: int | float, denominator: int | float) -> float:
    """numerator / denominator / 10 rounded half away from zero to one decimal, in integer arithmetic
    when both are integers (so 14.25 is 14.3, not float rounding's 14.2)."""
    if isinstance(numerator, int) and isinstance(denominator, int):
        sign = -1 if (numerator < 0) != (denominator < 0) else 1
        numerator, denominator = abs(numerator), abs(denominator)
        return sign * ((2 * numerator + denominator) // (2 * denominator)) / 10
    from decimal import ROUND_HALF_UP, Decimal

    value = Decimal(str(numerator)) / Decimal(str(denominator)) / 10
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def population_year(period: Period) -> int:
    """The mid-year estimate a period's rates use: the year of the period's middle day (a financial year
    2020-21 uses mid-2020; a police year 2017/18 uses mid-2018)."""
    middle = period.start + (period.end - period.start) / 2
    return middle.year
