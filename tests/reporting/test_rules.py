"""The pure rules of reporting: periods, the previous period, change, rates and the population year."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reporting.rules import (
    CUSTOM,
    FINANCIAL_YEAR,
    POLICE_YEAR,
    QUARTER,
    Period,
    PeriodError,
    change_pct,
    custom_period,
    financial_quarter,
    financial_year,
    parse_period,
    police_year,
    population_year,
    previous_period,
    rate_per,
    years_before,
)


def test_a_financial_year_runs_from_1_april_to_31_march():
    """2020-21 is 1 April 2020 to 31 March 2021."""
    assert financial_year(2020) == Period(date(2020, 4, 1), date(2021, 3, 31), "2020-21", FINANCIAL_YEAR)


def test_a_police_year_runs_from_1_december_to_30_november():
    """2017/18 is 1 December 2017 to 30 November 2018, as Table 1 of the city report counts it."""
    assert police_year(2018) == Period(date(2017, 12, 1), date(2018, 11, 30), "2017/18", POLICE_YEAR)


def test_the_century_turns_in_labels():
    """1999-00 and 1999/00 carry two digits of the next year."""
    assert financial_year(1999).label == "1999-00"
    assert police_year(2000).label == "1999/00"


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        (1, date(2020, 4, 1), date(2020, 6, 30)),
        (2, date(2020, 7, 1), date(2020, 9, 30)),
        (3, date(2020, 10, 1), date(2020, 12, 31)),
        (4, date(2021, 1, 1), date(2021, 3, 31)),
    ],
)
def test_financial_quarters(quarter, start, end):
    """Q1 is April-June and Q4 January-March of the next calendar year."""
    period = financial_quarter(2020, quarter)
    assert (period.start, period.end, period.label, period.kind) == (start, end, f"2020-21 Q{quarter}", QUARTER)


@pytest.mark.parametrize("quarter", [0, 5])
def test_a_quarter_outside_1_to_4_is_refused(quarter):
    """There is no quarter 0 or 5."""
    with pytest.raises(PeriodError):
        financial_quarter(2020, quarter)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-21", financial_year(2020)),
        (" 2020-21 ", financial_year(2020)),
        ("1999-00", financial_year(1999)),
        ("2017/18", police_year(2018)),
        ("2020-21 Q4", financial_quarter(2020, 4)),
        ("2020-04-01:2021-03-31", Period(date(2020, 4, 1), date(2021, 3, 31), "1 Apr 2020 to 31 Mar 2021", CUSTOM)),
        ("2024-02-29:2024-02-29", Period(date(2024, 2, 29), date(2024, 2, 29), "29 Feb 2024 to 29 Feb 2024", CUSTOM)),
    ],
)
def test_periods_are_read_as_the_api_and_command_take_them(text, expected):
    """Financial years, police years, quarters and ranges of days are all understood."""
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a financial year"),
        ("2020", "Enter a financial year"),
        ("2020-22", "not a financial year"),
        ("2017/19", "not a police year"),
        ("2020-22 Q1", "not a financial-year quarter"),
        ("2020-21 Q5", "Enter a financial year"),
        ("2021-02-30:2021-03-31", "does not exist"),
        ("2021-03-31:2021-03-30", "end on or after"),
        ("2015-01-01:2021-01-01", "at most five years"),
    ],
)
def test_periods_that_cannot_be_read_say_why(text, message):
    """A bad period raises PeriodError with a message a user can act on."""
    with pytest.raises(PeriodError, match=message):
        parse_period(text)


def test_a_one_day_range_and_the_longest_range_are_accepted():
    """A range of one day is a period; five years (with leap days) is the longest."""
    assert custom_period(date(2021, 1, 1), date(2021, 1, 1)).months == ["2021-01"]
    longest = custom_period(date(2020, 1, 1), date(2020, 1, 1) + timedelta(days=366 * 5 - 1))
    assert longest.end == date(2025, 1, 3)
    with pytest.raises(PeriodError):
        custom_period(date(2020, 1, 1), date(2020, 1, 1) + timedelta(days=366 * 5))


def test_months_of_a_period_include_partly_covered_months_in_order():
    """A financial year has the twelve months April to March; a range touches every month it covers."""
    assert financial_year(2020).months == [f"2020-{m:02d}" for m in range(4, 13)] + ["2021-01", "2021-02", "2021-03"]
    assert custom_period(date(2020, 1, 31), date(2020, 3, 1)).months == ["2020-01", "2020-02", "2020-03"]


@pytest.mark.parametrize(
    ("period", "previous"),
    [
        (financial_year(2020), financial_year(2019)),
        (police_year(2018), police_year(2017)),
        (financial_quarter(2020, 1), financial_quarter(2019, 1)),
        (financial_quarter(2020, 4), financial_quarter(2019, 4)),
        (
            custom_period(date(2020, 4, 1), date(2021, 3, 31)),
            custom_period(date(2019, 4, 1), date(2020, 3, 31)),
        ),
        (
            custom_period(date(2024, 2, 29), date(2024, 3, 31)),
            custom_period(date(2023, 2, 28), date(2023, 3, 31)),
        ),
    ],
)
def test_the_previous_period_is_a_year_before(period, previous):
    """The previous financial or police year, the same quarter a year before, or the same days."""
    assert previous_period(period) == previous


def test_the_trend_years_end_with_the_report_s_year():
    """Eight police years for a police-year report, as Table 1; financial years otherwise."""
    assert [p.label for p in years_before(police_year(2018), 8)] == [
        "2010/11",
        "2011/12",
        "2012/13",
        "2013/14",
        "2014/15",
        "2015/16",
        "2016/17",
        "2017/18",
    ]
    assert [p.label for p in years_before(financial_year(2020), 3)] == ["2018-19", "2019-20", "2020-21"]
    # A range ending in March belongs to the financial year that ends then; one ending in April, the next.
    assert years_before(custom_period(date(2020, 6, 1), date(2021, 3, 31)), 1) == [financial_year(2020)]
    assert years_before(custom_period(date(2020, 6, 1), date(2021, 4, 1)), 1) == [financial_year(2021)]


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (2324, 1969, 18.0),  # the seed report's +18%
        (1176, 1471, -20.1),  # and its -20% (20.05 rounds away from zero)
        (5, 4, 25.0),
        (1, 3, -66.7),
        (2, 3, -33.3),
        (7, 8, -12.5),  # exactly a half: away from zero
        (9, 8, 12.5),
        (0, 5, -100.0),
        (5, 0, None),
        (0, 0, None),
        (None, 5, None),
        (5, None, None),
        (76.5, 75.0, 2.0),
    ],
)
def test_change_is_a_percentage_of_the_previous_rounded_half_up(current, previous, expected):
    """Change to one decimal, halves away from zero, null with no previous figure."""
    assert change_pct(current, previous) == expected


@pytest.mark.parametrize(
    ("count", "population", "per", "expected"),
    [
        # Table 1 of the city report with a population of 123,484 (its rates imply about 123,500).
        (1914, 123_484, 1000, 15.5),
        (503, 123_484, 1000, 4.1),
        (1, 2000, 1000, 0.5),
        (1, 20_000, 1000, 0.1),  # 0.05 rounds up
        (1, 20_001, 1000, 0.0),
        (1176, 294_000, 10_000, 40.0),
        (0, 100, 1000, 0.0),
        (5, 0, 1000, None),
        (5, None, 1000, None),
        (None, 100, 1000, None),
    ],
)
def test_rates_per_population_are_rounded_half_up_to_one_decimal(count, population, per, expected):
    """Rates per 1,000 or 10,000, null without a population."""
    assert rate_per(count, population, per) == expected


@pytest.mark.parametrize(
    ("period", "year"),
    [
        (financial_year(2020), 2020),
        (police_year(2018), 2018),
        (financial_quarter(2020, 4), 2021),
        (custom_period(date(2020, 1, 1), date(2020, 12, 31)), 2020),
        (custom_period(date(2020, 12, 31), date(2021, 1, 1)), 2020),
    ],
)
def test_a_period_uses_the_estimate_of_the_year_holding_its_middle_day(period, year):
    """Mid-2020 for 2020-21; mid-2018 for police year 2017/18."""
    assert population_year(period) == year
