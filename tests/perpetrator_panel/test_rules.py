"""The pure perpetrator panel rules: the RFGV score and its parts, look-back windows, the serial perpetrator
rule and the active / inactive status by the months-without-an-incident rule (no database).

Expected values are worked out by hand in the comments, never with the functions under test."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from perpetrator_panel.rules import (
    ACTIVE,
    INACTIVE,
    IncidentFact,
    ScoringRules,
    in_look_back,
    inactive_from,
    incident_gravity,
    panel_status,
    recency_points,
    rfgv_score,
    serial_perpetrator,
    window_start,
)

DAY = date(2026, 11, 21)
RULES = ScoringRules(gravity_by_crime_type={"common assault": 4, "rape": 15, "stalking": 8})
_ids = iter(range(1, 10_000))


def incident(occurred_on: date, victim: int = 1, *, crime_type: str = "", is_crime: bool | None = None) -> IncidentFact:
    """An incident against victim number `victim` (a crime when it has a crime type unless told)."""
    crime = bool(crime_type) if is_crime is None else is_crime
    return IncidentFact(next(_ids), occurred_on, victim, crime, crime_type)


def days_before(days: int, on: date = DAY) -> date:
    return on - timedelta(days=days)


def add_months_by_hand(day: date, months: int) -> date:
    """`day` plus `months` calendar months, the day clamped to the month's last (written out, not dateutil)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- RFGV --------------------------------------------------------------------------------------------


def test_no_incident_scores_zero_in_every_part():
    """With no incident at all, every part and the total are 0 and there is no latest incident."""
    score = rfgv_score([], on=DAY, rules=RULES)
    assert score.total == Decimal("0.00")
    assert (score.recency, score.frequency, score.gravity, score.victims) == (0, 0, 0, 0)
    assert score.days_since_latest is None
    assert score.recency_band_points == 0
    assert (score.frequency_count, score.gravity_sum, score.victims_count) == (0, 0, 0)
    assert score.look_back_from == date(2024, 11, 21)
    assert score.incidents == ()


def test_one_non_crime_incident():
    """One non-crime 10 days ago: recency 10 (band of 30 days), frequency 1 x 2, gravity 1, victims 1 x 5."""
    score = rfgv_score([incident(days_before(10))], on=DAY, rules=RULES)
    assert score.days_since_latest == 10
    assert (score.recency, score.frequency, score.gravity, score.victims) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("1.00"),
        Decimal("5.00"),
    )
    assert score.total == Decimal("18.00")


def several_victims_history() -> list[IncidentFact]:
    return [
        incident(days_before(5), 1, crime_type="Common assault"),  # rated 4 (case ignored)
        incident(days_before(40), 2),  # not a crime: 1
        incident(days_before(100), 1, crime_type="Theft of a phone"),  # unrated crime: 3
        incident(days_before(400), 3, crime_type="  RAPE "),  # rated 15 (spaces and case ignored)
    ]


def test_several_victims_with_rated_unrated_and_non_crime_incidents():
    """Four incidents, three victims: recency 10 (5 days), frequency 4 x 2 = 8, gravity 4 + 1 + 3 + 15 = 23,
    victims 3 x 5 = 15; total 56."""
    score = rfgv_score(several_victims_history(), on=DAY, rules=RULES)
    assert score.days_since_latest == 5
    assert score.recency == Decimal("10.00")
    assert (score.frequency_count, score.frequency) == (4, Decimal("8.00"))
    assert (score.gravity_sum, score.gravity) == (23, Decimal("23.00"))
    assert (score.victims_count, score.victims) == (3, Decimal("15.00"))
    assert score.total == Decimal("56.00")
    assert [line.gravity for line in score.incidents] == [4, 1, 3, 15]
    assert [line.days_before for line in score.incidents] == [5, 40, 100, 400]


def test_incidents_after_the_scoring_day_are_ignored():
    """An incident the day after the scoring day (or later) changes nothing."""
    history = several_victims_history()
    later = [incident(DAY + timedelta(days=1), 9, crime_type="Rape"), incident(DAY + timedelta(days=400), 8)]
    assert rfgv_score(history + later, on=DAY, rules=RULES).total == Decimal("56.00")


def test_an_incident_on_the_scoring_day_counts_with_zero_days():
    """An incident on the scoring day itself is 0 days old, in the nearest band."""
    score = rfgv_score([incident(DAY)], on=DAY, rules=RULES)
    assert score.days_since_latest == 0
    assert score.recency == Decimal("10.00")
    assert score.total == Decimal("18.00")


def test_the_same_victim_twice_is_one_victim():
    """Two incidents against the same victim: 2 incidents, 1 victim."""
    score = rfgv_score([incident(days_before(1), 7), incident(days_before(2), 7)], on=DAY, rules=RULES)
    assert (score.frequency_count, score.victims_count) == (2, 1)
    # 10 + 2 x 2 + (1 + 1) + 5
    assert score.total == Decimal("21.00")


def test_changed_weights_and_gravity_defaults():
    """Other weights and defaults: recency 10 x 1.5 = 15, frequency 4 x 0.25 = 1, gravity (4 + 2 + 6 + 15)
    x 0.1 = 2.7, victims 3 x 3.33 = 9.99; total 28.69."""
    rules = replace(
        RULES,
        weight_recency=Decimal("1.5"),
        weight_frequency=Decimal("0.25"),
        weight_gravity=Decimal("0.1"),
        weight_victims=Decimal("3.33"),
        non_crime_gravity=2,
        unlisted_crime_gravity=6,
    )
    score = rfgv_score(several_victims_history(), on=DAY, rules=rules)
    assert score.gravity_sum == 27
    assert (score.recency, score.frequency, score.gravity, score.victims) == (
        Decimal("15.00"),
        Decimal("1.00"),
        Decimal("2.70"),
        Decimal("9.99"),
    )
    assert score.total == Decimal("28.69")


def test_points_are_rounded_half_up_to_two_places():
    """A weight of 0.125 on a gravity of 1 gives 0.13 (half up), not 0.12."""
    rules = replace(RULES, weight_gravity=Decimal("0.125"), weight_recency=Decimal(0), weight_victims=Decimal(0))
    score = rfgv_score([incident(days_before(1))], on=DAY, rules=rules)
    assert score.gravity == Decimal("0.13")
    assert score.total == Decimal("2.13")


def test_changed_gravity_ratings_change_the_gravity():
    """The gravity of a crime type is the configured rating: rated 20 instead of 4 moves the total by 16."""
    history = [incident(days_before(1), crime_type="Common assault")]
    before = rfgv_score(history, on=DAY, rules=RULES)
    after = rfgv_score(history, on=DAY, rules=replace(RULES, gravity_by_crime_type={"common assault": 20}))
    assert after.total - before.total == Decimal(16)


@pytest.mark.parametrize(
    ("days", "band_points"),
    [
        (0, 10),
        (29, 10),
        (30, 10),
        (31, 7),
        (90, 7),
        (91, 7),
        (92, 5),
        (182, 5),
        (183, 3),
        (365, 3),
        (366, 1),
        (729, 1),
        (730, 1),
    ],
)
def test_recency_band_boundaries(days, band_points):
    """The latest incident `days` ago falls in the first band holding it (30 in, 31 out of the first...)."""
    score = rfgv_score([incident(days_before(days))], on=DAY, rules=RULES)
    assert score.recency_band_points == band_points
    assert score.recency == Decimal(band_points)
    assert score.total == Decimal(band_points + 2 + 1 + 5)


def test_recency_takes_the_latest_incident_whatever_the_order_given():
    """The latest incident decides recency even when given last."""
    score = rfgv_score([incident(days_before(200)), incident(days_before(31))], on=DAY, rules=RULES)
    assert score.days_since_latest == 31
    assert score.recency_band_points == 7


@pytest.mark.parametrize(
    ("days", "points"),
    [(0, 4), (5, 4), (6, 2), (20, 2), (21, 0), (10_000, 0)],
)
def test_recency_points_with_bands_in_any_order(days, points):
    """Bands given out of order are read nearest first; beyond the last band, no points."""
    assert recency_points(days, [(20, 2), (5, 4)]) == points


def test_recency_beyond_every_band_scores_no_recency_but_counts_the_rest():
    """With a 3-year look-back an incident 800 days ago is counted but earns no recency points."""
    score = rfgv_score([incident(days_before(800))], on=DAY, rules=replace(RULES, rfgv_look_back_years=3))
    assert score.recency_band_points == 0
    assert score.total == Decimal("8.00")  # 0 + 2 + 1 + 5


# --- Look-back windows -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("occurred_on", "counted"),
    [
        (date(2024, 11, 21), True),  # exactly 2 years before: counts
        (date(2024, 11, 20), False),  # the day before: does not
        (date(2024, 11, 22), True),
        (DAY, True),
        (DAY + timedelta(days=1), False),
    ],
)
def test_rfgv_look_back_is_two_years_both_ends_included(occurred_on, counted):
    """The RFGV look-back ending 21 November 2026 starts on 21 November 2024."""
    score = rfgv_score([incident(occurred_on)], on=DAY, rules=RULES)
    assert score.frequency_count == (1 if counted else 0)
    assert score.look_back_from == date(2024, 11, 21)


@pytest.mark.parametrize(
    ("ending", "years", "start"),
    [
        (date(2028, 2, 29), 2, date(2026, 2, 28)),  # no 29 February in 2026: the 28th
        (date(2028, 2, 29), 4, date(2024, 2, 29)),
        (date(2028, 2, 29), 1, date(2027, 2, 28)),
        (date(2026, 2, 28), 2, date(2024, 2, 28)),
        (date(2025, 3, 1), 1, date(2024, 3, 1)),
        (date(2026, 11, 21), 3, date(2023, 11, 21)),
        (date(2026, 1, 1), 2, date(2024, 1, 1)),
    ],
)
def test_window_start(ending, years, start):
    """The first day of a look-back of whole years; 29 February goes back to 28 February in a common year."""
    assert window_start(ending, years=years) == start


@pytest.mark.parametrize(
    ("occurred_on", "counted"),
    [
        (date(2026, 2, 28), True),
        (date(2026, 2, 27), False),
        (date(2028, 2, 29), True),
        (date(2028, 3, 1), False),
    ],
)
def test_rfgv_look_back_ending_on_29_february(occurred_on, counted):
    """Scored on 29 February 2028, two years back is 28 February 2026 (counted), the 27th is not."""
    score = rfgv_score([incident(occurred_on)], on=date(2028, 2, 29), rules=RULES)
    assert score.frequency_count == (1 if counted else 0)


def test_29_february_incident_in_a_look_back_starting_28_february():
    """Scored on 28 February 2026, an incident on 29 February 2024 is inside (the window starts 28 February
    2024); one on 27 February 2024 is not."""
    inside = rfgv_score([incident(date(2024, 2, 29))], on=date(2026, 2, 28), rules=RULES)
    outside = rfgv_score([incident(date(2024, 2, 27))], on=date(2026, 2, 28), rules=RULES)
    assert (inside.frequency_count, outside.frequency_count) == (1, 0)


def test_in_look_back_for_every_day_around_the_boundary():
    """For each day of three years around the window, in_look_back agrees with the window by hand."""
    ending = date(2027, 3, 15)
    start = date(2025, 3, 15)
    day = date(2024, 9, 1)
    while day <= date(2027, 9, 1):
        assert in_look_back(day, ending=ending, years=2) == (start <= day <= ending), day
        day += timedelta(days=1)


def test_incident_gravity():
    """Rated crime types by their rating (case and spaces ignored); unrated crimes and non-crimes by the
    defaults; a non-crime with a crime type written is still a non-crime."""
    assert incident_gravity(incident(DAY, crime_type="Stalking"), RULES) == 8
    assert incident_gravity(incident(DAY, crime_type=" stalking  "), RULES) == 8
    assert incident_gravity(incident(DAY, crime_type="Burglary"), RULES) == 3
    assert incident_gravity(incident(DAY, is_crime=True), RULES) == 3
    assert incident_gravity(incident(DAY), RULES) == 1
    assert incident_gravity(incident(DAY, crime_type="Rape", is_crime=False), RULES) == 1


# --- Serial perpetrators ---------------------------------------------------------------------------

ADULT = date(1990, 5, 5)


@pytest.mark.parametrize(
    ("second_victim_on", "serial"),
    [
        (date(2023, 11, 21), True),  # exactly 3 years before: in
        (date(2023, 11, 20), False),  # the day before: out
        (date(2023, 11, 22), True),
        (DAY, True),
        (DAY + timedelta(days=1), False),  # after the day: not counted
    ],
)
def test_serial_look_back_boundary(second_victim_on, serial):
    """Two victims within 3 years ending 21 November 2026: the look-back starts 21 November 2023."""
    history = [incident(days_before(3), 1), incident(second_victim_on, 2)]
    finding = serial_perpetrator(history, born=ADULT, on=DAY, rules=RULES)
    assert finding.is_serial is serial
    assert finding.victims == (2 if serial else 1)
    assert finding.look_back_from == date(2023, 11, 21)


@pytest.mark.parametrize(
    ("born", "age", "serial"),
    [
        (date(2010, 11, 21), 16, True),  # 16th birthday on the day
        (date(2010, 11, 22), 15, False),  # 16 tomorrow
        (date(2010, 11, 20), 16, True),
        (date(2011, 11, 21), 15, False),
        (date(1960, 1, 1), 66, True),
        (None, None, True),  # not known: the age cannot exclude him
    ],
)
def test_serial_age_boundary(born, age, serial):
    """Aged 16 or over on the day; a birthday that day counts; an unknown date of birth does not exclude."""
    history = [incident(days_before(3), 1), incident(days_before(300), 2)]
    finding = serial_perpetrator(history, born=born, on=DAY, rules=RULES)
    assert finding.age == age
    assert finding.is_serial is serial
    if born is None:
        assert "age not known" in finding.reason
    elif not serial:
        assert finding.reason == f"aged {age}, under 16"


@pytest.mark.parametrize(
    ("on", "serial"),
    [(date(2025, 2, 28), False), (date(2025, 3, 1), True)],
)
def test_serial_age_born_on_29_february(on, serial):
    """Born 29 February 2008, with a minimum age of 17: 16 on 28 February 2025, 17 on 1 March 2025."""
    history = [incident(on - timedelta(days=1), 1), incident(on - timedelta(days=2), 2)]
    finding = serial_perpetrator(history, born=date(2008, 2, 29), on=on, rules=replace(RULES, serial_min_age=17))
    assert finding.is_serial is serial


@pytest.mark.parametrize(
    ("victims", "min_victims", "serial"),
    [((1,), 1, True), ((1,), 2, False), ((1, 2), 2, True), ((1, 1), 2, False), ((1, 1, 1), 2, False)],
)
def test_serial_minimum_victims(victims, min_victims, serial):
    """Different victims are counted: the same victim twice is one victim."""
    history = [incident(days_before(10 * n + 1), victim) for n, victim in enumerate(victims)]
    finding = serial_perpetrator(history, born=ADULT, on=DAY, rules=replace(RULES, serial_min_victims=min_victims))
    assert finding.is_serial is serial
    assert finding.victims == len(set(victims))


def test_serial_with_no_incident():
    """No incident at all: not serial, no victims."""
    finding = serial_perpetrator([], born=ADULT, on=DAY, rules=RULES)
    assert (finding.is_serial, finding.victims) == (False, 0)
    assert finding.reason == "0 victim(s) in 3 years"


def test_serial_look_back_is_configurable():
    """With a 1-year look-back, a victim 400 days ago no longer counts."""
    history = [incident(days_before(3), 1), incident(days_before(400), 2)]
    assert serial_perpetrator(history, born=ADULT, on=DAY, rules=RULES).is_serial is True
    finding = serial_perpetrator(history, born=ADULT, on=DAY, rules=replace(RULES, serial_look_back_years=1))
    assert finding.is_serial is False
    assert finding.look_back_from == date(2025, 11, 21)


def test_serial_accepts_a_one_pass_iterable():
    """A generator of incidents (read once) gives the same finding as a list."""
    history = [incident(days_before(3), 1), incident(days_before(30), 2)]
    assert serial_perpetrator(iter(history), born=ADULT, on=DAY, rules=RULES).is_serial is True
    assert rfgv_score(iter(history), on=DAY, rules=RULES).victims_count == 2


# --- Active / inactive -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "status"),
    [
        (date(2026, 1, 1), ACTIVE),
        (date(2026, 3, 31), ACTIVE),
        (date(2026, 4, 1), INACTIVE),
        (date(2026, 4, 2), INACTIVE),
        (date(2027, 1, 1), INACTIVE),
    ],
)
def test_three_months_after_the_last_incident(on, status):
    """Last incident 1 January: active to 31 March, inactive from 1 April."""
    args = {"opened_on": date(2025, 12, 1), "last_incident_on": date(2026, 1, 1), "months": 3}
    assert panel_status(on=on, **args) == status
    assert inactive_from(opened_on=args["opened_on"], last_incident_on=args["last_incident_on"], months=3) == date(
        2026, 4, 1
    )


@pytest.mark.parametrize(
    ("last_incident_on", "months", "first_inactive_day"),
    [
        (date(2025, 11, 30), 3, date(2026, 2, 28)),  # no 30 February: the month's last
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
        (date(2026, 11, 29), 3, date(2027, 2, 28)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 2, 28), 3, date(2026, 5, 28)),
    ],
)
def test_month_ends(last_incident_on, months, first_inactive_day):
    """A month-end date falls back to the shorter month's last day; active the day before, inactive on it."""
    opened_on = date(2025, 1, 1)
    assert inactive_from(opened_on=opened_on, last_incident_on=last_incident_on, months=months) == first_inactive_day
    before = first_inactive_day - timedelta(days=1)
    assert panel_status(opened_on=opened_on, last_incident_on=last_incident_on, on=before, months=months) == ACTIVE
    assert (
        panel_status(opened_on=opened_on, last_incident_on=last_incident_on, on=first_inactive_day, months=months)
        == INACTIVE
    )


@pytest.mark.parametrize(
    ("on", "status"),
    [(date(2026, 4, 30), ACTIVE), (date(2026, 5, 1), INACTIVE)],
)
def test_opened_after_the_last_incident_counts_from_the_opening(on, status):
    """Last incident 1 January, taken by the panel 1 February: the three months run from 1 February."""
    assert panel_status(opened_on=date(2026, 2, 1), last_incident_on=date(2026, 1, 1), on=on, months=3) == status


@pytest.mark.parametrize(
    ("on", "status"),
    [(date(2026, 1, 15), ACTIVE), (date(2026, 4, 14), ACTIVE), (date(2026, 4, 15), INACTIVE)],
)
def test_no_incident_at_all_counts_from_the_opening(on, status):
    """No incident at all, taken 15 January: active to 14 April, inactive from 15 April."""
    assert panel_status(opened_on=date(2026, 1, 15), last_incident_on=None, on=on, months=3) == status
    assert inactive_from(opened_on=date(2026, 1, 15), last_incident_on=None, months=3) == date(2026, 4, 15)


def test_a_later_incident_reactivates():
    """Inactive from 1 April after a 1 January incident; a new incident on 10 April makes it active again,
    to 9 July; inactive again from 10 July."""
    opened = date(2025, 12, 1)
    assert panel_status(opened_on=opened, last_incident_on=date(2026, 1, 1), on=date(2026, 4, 10), months=3) == (
        INACTIVE
    )
    for on, status in [(date(2026, 4, 10), ACTIVE), (date(2026, 7, 9), ACTIVE), (date(2026, 7, 10), INACTIVE)]:
        assert panel_status(opened_on=opened, last_incident_on=date(2026, 4, 10), on=on, months=3) == status


@pytest.mark.parametrize("months", [1, 2, 3, 6, 12, 36])
def test_status_for_every_last_incident_day_of_two_years(months):
    """For every last-incident day of 2027 and 2028 (a leap year), the first inactive day is that day plus
    `months` months by hand, and the status flips exactly there."""
    opened = date(2026, 6, 1)
    last = date(2027, 1, 1)
    while last <= date(2028, 12, 31):
        first_inactive = add_months_by_hand(last, months)
        assert inactive_from(opened_on=opened, last_incident_on=last, months=months) == first_inactive, last
        day_before = first_inactive - timedelta(days=1)
        assert panel_status(opened_on=opened, last_incident_on=last, on=day_before, months=months) == ACTIVE
        assert panel_status(opened_on=opened, last_incident_on=last, on=first_inactive, months=months) == INACTIVE
        last += timedelta(days=1)
