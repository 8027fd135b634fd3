"""Pure review rules: when each stage's target falls, what is overdue, and how long a review has been in
its stage.

A stage's target is the day by which a review should have moved past the stage, counted from the day the
review entered it, from the notification, or from the decision to review (calendar months, then days).
On the target day itself nothing is overdue; from the day after, it is. A review is overdue on every
target of its current stage or a later one that has passed (a review still scoping two months after the
notification is overdue for the decision due one month after it). Targets of stages already passed, and
targets counted from an event that has not happened (no decision yet), do not count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

STAGE_ENTERED, NOTIFICATION, DECISION = "stage_entered", "notification", "decision"


@dataclass(frozen=True)
class StageTarget:
    """A stage's place and target, as the rules need them."""

    code: str
    position: int
    target_from: str = STAGE_ENTERED
    months: int = 0
    days: int = 0

    @property
    def has_target(self) -> bool:
        return bool(self.months or self.days)


@dataclass(frozen=True)
class ReviewDates:
    """What a review's targets are counted from."""

    stage_position: int
    stage_entered_on: date
    notified_on: date
    decision_on: date | None


def target_day(anchor: date, *, months: int = 0, days: int = 0) -> date:
    """The target day: `months` calendar months after `anchor` (31 January + 1 month is 28 or 29 February),
    then `days` days."""
    return anchor + relativedelta(months=months) + timedelta(days=days)


def stage_due_on(stage: StageTarget, review: ReviewDates) -> date | None:
    """The day a review should have moved past `stage`, or None: no target, a target counted from the
    stage entered when the review is not in it, or from a decision not made yet."""
    if not stage.has_target:
        return None
    if stage.target_from == NOTIFICATION:
        anchor: date | None = review.notified_on
    elif stage.target_from == DECISION:
        anchor = review.decision_on
    else:
        anchor = review.stage_entered_on if stage.position == review.stage_position else None
    if anchor is None:
        return None
    return target_day(anchor, months=stage.months, days=stage.days)


def is_past(due_on: date, today: date) -> bool:
    """Overdue from the day after the target day; on the target day, not yet."""
    return today > due_on


@dataclass(frozen=True)
class Target:
    """A target a review is measured against: the stage, and its day."""

    stage_code: str
    due_on: date


def open_targets(stages: Iterable[StageTarget], review: ReviewDates) -> list[Target]:
    """The targets of the review's current stage and the stages after it that can be counted, earliest
    first."""
    targets = []
    for stage in stages:
        if stage.position < review.stage_position:
            continue
        due = stage_due_on(stage, review)
        if due is not None:
            targets.append(Target(stage.code, due))
    return sorted(targets, key=lambda target: (target.due_on, target.stage_code))


def overdue_targets(stages: Iterable[StageTarget], review: ReviewDates, *, today: date) -> list[Target]:
    """The targets the review has passed (earliest first); empty when it is on time."""
    return [target for target in open_targets(stages, review) if is_past(target.due_on, today)]


def next_target(stages: Iterable[StageTarget], review: ReviewDates, *, today: date) -> Target | None:
    """The earliest target not yet passed, if any."""
    return next((t for t in open_targets(stages, review) if not is_past(t.due_on, today)), None)


def days_in_stage(entered_on: date, today: date) -> int:
    """Whole days since the review entered its stage (0 on the day it entered)."""
    return (today - entered_on).days
