"""The pure review rules: target days by calendar months, each stage's due day, overdue from the day after
the target day, which targets count at each stage, and days in a stage (no database)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

import pytest

from dhr.rules import (
    DECISION,
    NOTIFICATION,
    STAGE_ENTERED,
    ReviewDates,
    StageTarget,
    Target,
    days_in_stage,
    is_past,
    next_target,
    open_targets,
    overdue_targets,
    stage_due_on,
    target_day,
)

# The default stages' shape (dhr/migrations/0002_defaults.py), written out by hand.
NOTIFY = StageTarget("notification", 1)
SCOPING = StageTarget("scoping", 2)
DECIDE = StageTarget("decision", 3, NOTIFICATION, months=1)
PANEL = StageTarget("panel_setup", 4)
OVERVIEW = StageTarget("overview_report", 8)
APPROVAL = StageTarget("local_approval", 9, DECISION, months=6)
QA = StageTarget("home_office_qa", 10)
CLOSED = StageTarget("closed", 13)
DEFAULTS = [NOTIFY, SCOPING, DECIDE, PANEL, OVERVIEW, APPROVAL, QA, CLOSED]

NOTIFIED = date(2026, 1, 31)
DECIDED = date(2026, 2, 20)


def dates(position: int, *, entered: date = NOTIFIED, decided: date | None = None) -> ReviewDates:
    return ReviewDates(stage_position=position, stage_entered_on=entered, notified_on=NOTIFIED, decision_on=decided)


@pytest.mark.parametrize(
    ("anchor", "months", "days", "expected"),
    [
        (date(2026, 1, 31), 1, 0, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, 0, date(2028, 2, 29)),  # leap year
        (date(2100, 1, 31), 1, 0, date(2100, 2, 28)),  # not a leap year (century)
        (date(2000, 1, 31), 1, 0, date(2000, 2, 29)),  # a leap year (400)
        (date(2026, 1, 30), 1, 0, date(2026, 2, 28)),
        (date(2026, 2, 28), 1, 0, date(2026, 3, 28)),
        (date(2026, 3, 31), 1, 0, date(2026, 4, 30)),
        (date(2026, 8, 31), 6, 0, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, 0, date(2028, 2, 29)),
        (date(2026, 12, 15), 1, 0, date(2027, 1, 15)),
        (date(2026, 7, 1), 6, 0, date(2027, 1, 1)),
        (date(2028, 2, 29), 12, 0, date(2029, 2, 28)),
        (date(2026, 1, 31), 1, 1, date(2026, 3, 1)),  # months first, then days
        (date(2028, 1, 31), 1, 1, date(2028, 3, 1)),
        (date(2026, 1, 1), 0, 28, date(2026, 1, 29)),
        (date(2026, 12, 20), 0, 14, date(2027, 1, 3)),
        (date(2026, 5, 5), 0, 0, date(2026, 5, 5)),
    ],
)
def test_target_day_counts_calendar_months_then_days(anchor, months, days, expected):
    """Months are calendar months (31 January + 1 month is the last day of February), then days."""
    assert target_day(anchor, months=months, days=days) == expected


def test_stage_with_no_target_has_no_due_day():
    """A stage with neither months nor days has no due day, whatever it is counted from."""
    for target_from in (STAGE_ENTERED, NOTIFICATION, DECISION):
        stage = StageTarget("x", 3, target_from)
        assert not stage.has_target
        assert stage_due_on(stage, dates(3, decided=DECIDED)) is None


@pytest.mark.parametrize("position", [1, 2, 3, 4, 9, 13])
def test_target_from_notification_counts_from_the_notification_at_any_stage(position):
    """A target counted from the notification falls on the same day wherever the review is."""
    assert stage_due_on(DECIDE, dates(position, entered=date(2026, 6, 1))) == date(2026, 2, 28)


@pytest.mark.parametrize("position", [1, 3, 4, 9, 10])
def test_target_from_decision_counts_from_the_decision(position):
    """A target counted from the decision: six months after it, at any stage."""
    assert stage_due_on(APPROVAL, dates(position, decided=DECIDED)) == date(2026, 8, 20)


@pytest.mark.parametrize("position", [1, 3, 9])
def test_target_from_decision_has_no_day_before_a_decision(position):
    """With no decision yet, a target counted from the decision has no day."""
    assert stage_due_on(APPROVAL, dates(position, decided=None)) is None


@pytest.mark.parametrize(("months", "days"), [(0, 14), (1, 0), (2, 10)])
def test_target_from_stage_entered_counts_only_in_that_stage(months, days):
    """A target counted from the day the review entered the stage applies only while it is in it."""
    stage = StageTarget("imrs", 6, STAGE_ENTERED, months=months, days=days)
    entered = date(2026, 4, 10)
    assert stage_due_on(stage, dates(6, entered=entered)) == target_day(entered, months=months, days=days)
    for elsewhere in (1, 5, 7, 13):
        assert stage_due_on(stage, dates(elsewhere, entered=entered)) is None


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 2, 27), False),
        (date(2026, 2, 28), False),  # the target day itself
        (date(2026, 3, 1), True),  # the day after
        (date(2026, 12, 31), True),
        (date(2025, 12, 31), False),
    ],
)
def test_is_past_from_the_day_after_the_target_day(today, expected):
    """On the target day nothing is overdue; from the day after it is."""
    assert is_past(date(2026, 2, 28), today) is expected


def test_open_targets_in_the_first_stage_are_the_decision_target():
    """At notification, the decision target counts; the completion target has no day yet."""
    assert open_targets(DEFAULTS, dates(1)) == [Target("decision", date(2026, 2, 28))]


def test_open_targets_ignore_stages_before_the_current_one():
    """Past the decision, its target no longer counts; the completion target does."""
    assert open_targets(DEFAULTS, dates(4, entered=DECIDED, decided=DECIDED)) == [
        Target("local_approval", date(2026, 8, 20))
    ]


def test_open_targets_at_the_stage_itself_count_it():
    """At local approval, its own target still counts; at QA (after it) it does not."""
    assert open_targets(DEFAULTS, dates(9, entered=date(2026, 7, 1), decided=DECIDED)) == [
        Target("local_approval", date(2026, 8, 20))
    ]
    assert open_targets(DEFAULTS, dates(10, entered=date(2026, 7, 1), decided=DECIDED)) == []


def test_open_targets_several_are_earliest_first():
    """Several targets are listed earliest first, whatever their order of stages."""
    stages = [
        StageTarget("a", 1, STAGE_ENTERED, days=40),
        StageTarget("b", 2, NOTIFICATION, months=1),
        StageTarget("c", 3, NOTIFICATION, days=10),
        StageTarget("d", 4, DECISION, months=6),
    ]
    targets = open_targets(stages, dates(1, entered=NOTIFIED))
    assert targets == [
        Target("c", date(2026, 2, 10)),
        Target("b", date(2026, 2, 28)),
        Target("a", date(2026, 3, 12)),
    ]


def test_targets_on_the_same_day_are_ordered_by_stage_code():
    """Two targets on one day come in a stable order."""
    stages = [StageTarget("z", 1, NOTIFICATION, days=5), StageTarget("m", 2, NOTIFICATION, days=5)]
    assert [t.stage_code for t in open_targets(stages, dates(1))] == ["m", "z"]


@pytest.mark.parametrize(
    ("position", "today", "overdue"),
    [
        (1, date(2026, 2, 28), []),
        (1, date(2026, 3, 1), ["decision"]),
        (2, date(2026, 3, 1), ["decision"]),  # still scoping after the decision target
        (3, date(2026, 3, 1), ["decision"]),
        (3, date(2026, 2, 28), []),
    ],
)
def test_overdue_before_the_decision(position, today, overdue):
    """A review notified on 31 January is overdue for its decision from 1 March, at any stage up to it."""
    assert [t.stage_code for t in overdue_targets(DEFAULTS, dates(position), today=today)] == overdue


@pytest.mark.parametrize(
    ("position", "today", "overdue"),
    [
        (4, date(2026, 8, 20), []),
        (4, date(2026, 8, 21), ["local_approval"]),
        (8, date(2026, 8, 21), ["local_approval"]),
        (9, date(2026, 8, 21), ["local_approval"]),
        (10, date(2026, 8, 21), []),  # at QA: past the completion target's stage
        (13, date(2027, 8, 21), []),
    ],
)
def test_overdue_after_the_decision(position, today, overdue):
    """A commissioned review is overdue for completion from the day after decision + 6 months, until QA."""
    review = dates(position, entered=DECIDED, decided=DECIDED)
    assert [t.stage_code for t in overdue_targets(DEFAULTS, review, today=today)] == overdue


def test_overdue_targets_lists_every_passed_target_earliest_first():
    """A review past two targets has both, earliest first; the next target is the one not passed."""
    stages = [
        StageTarget("scoping", 2, STAGE_ENTERED, days=14),
        StageTarget("decision", 3, NOTIFICATION, months=1),
        StageTarget("later", 4, NOTIFICATION, months=3),
    ]
    review = dates(2, entered=NOTIFIED)
    today = date(2026, 3, 1)
    assert overdue_targets(stages, review, today=today) == [
        Target("scoping", date(2026, 2, 14)),
        Target("decision", date(2026, 2, 28)),
    ]
    assert next_target(stages, review, today=today) == Target("later", date(2026, 4, 30))


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 2, 1), Target("decision", date(2026, 2, 28))),
        (date(2026, 2, 28), Target("decision", date(2026, 2, 28))),  # due today: still next
        (date(2026, 3, 1), None),
    ],
)
def test_next_target_is_the_earliest_not_yet_passed(today, expected):
    """The next target is the earliest one not passed; none once all have passed."""
    assert next_target(DEFAULTS, dates(1), today=today) == expected


def test_no_targets_in_a_final_stage():
    """A closed review has no target, overdue or next."""
    review = dates(13, entered=date(2026, 3, 1), decided=DECIDED)
    assert open_targets(DEFAULTS, review) == []
    assert next_target(DEFAULTS, review, today=date(2030, 1, 1)) is None


@pytest.mark.parametrize(
    ("entered", "today", "days"),
    [
        (date(2026, 3, 1), date(2026, 3, 1), 0),
        (date(2026, 3, 1), date(2026, 3, 2), 1),
        (date(2026, 2, 28), date(2026, 3, 1), 1),
        (date(2028, 2, 28), date(2028, 3, 1), 2),  # leap year
        (date(2025, 12, 31), date(2026, 12, 31), 365),
        (date(2027, 12, 31), date(2028, 12, 31), 366),
        (date(2026, 3, 28), date(2026, 3, 30), 2),  # across the clocks going forward
    ],
)
def test_days_in_stage(entered, today, days):
    """Whole days since the review entered its stage (0 on the day)."""
    assert days_in_stage(entered, today) == days


def test_targets_hold_for_every_notification_day_of_a_year():
    """For every notification day of a leap year, the decision target is one calendar month later: not
    overdue on it, overdue the day after."""
    day = date(2028, 1, 1)
    while day.year == 2028:
        review = ReviewDates(stage_position=1, stage_entered_on=day, notified_on=day, decision_on=None)
        (due,) = open_targets(DEFAULTS, review)
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        assert due.due_on == date(year, month, min(day.day, monthrange(year, month)[1]))
        assert not overdue_targets(DEFAULTS, review, today=due.due_on)
        assert overdue_targets(DEFAULTS, review, today=due.due_on + timedelta(days=1)) == [due]
        day += timedelta(days=1)
