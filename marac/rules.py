"""Pure MARAC rules: the days a schedule meets, and where waiting referrals go on agendas.

Plain inputs and outputs (dates, numbers, small records), so every boundary can be tested exhaustively;
marac.services feeds them from the database and stores what they decide.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from agencies.calendar import working_days_between

# A case heard at MARAC this many days ago or more is listed for notice when it comes back.
TWELVE_MONTHS_DAYS = 365


def meeting_days(
    *,
    weekdays: Collection[int],
    start: date,
    end: date,
    holidays: Collection[date],
    closures: Collection[date] = (),
) -> list[date]:
    """The days from `start` to `end` (both included) on the schedule's ISO weekdays (Monday 1), except
    bank holidays and closure dates."""
    if not weekdays:
        return []
    if any(day not in range(1, 8) for day in weekdays):
        raise ValueError(f"Weekdays are ISO numbers 1 (Monday) to 7 (Sunday), not {sorted(weekdays)}.")
    days = []
    day = start
    while day <= end:
        if day.isoweekday() in weekdays and day not in holidays and day not in closures:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class WaitingReferral:
    """A MARAC referral waiting to be heard."""

    referral_id: int
    received_on: date
    has_children: bool
    is_repeat: bool
    # The last day the case was heard at MARAC, if ever.
    last_heard_on: date | None = None


@dataclass(frozen=True)
class MeetingSlot:
    """A meeting that can take cases: its day, how many it may hear, how many it already lists."""

    meeting_id: int
    on: date
    capacity: int
    listed: int = 0


@dataclass(frozen=True)
class Placement:
    referral_id: int
    meeting_id: int
    has_children: bool
    is_repeat: bool
    twelve_month_notice: bool


def twelve_month_notice(*, last_heard_on: date | None, meeting_on: date) -> bool:
    """A case heard at MARAC twelve months or more before this meeting is listed for notice."""
    return last_heard_on is not None and (meeting_on - last_heard_on).days >= TWELVE_MONTHS_DAYS


def plan_agenda(
    waiting: Iterable[WaitingReferral],
    meetings: Sequence[MeetingSlot],
    *,
    research_working_days: int,
    holidays: Collection[date],
) -> list[Placement]:
    """Place each waiting referral, oldest first, on the earliest meeting that has room and leaves the
    agencies at least `research_working_days` working days between the referral's receipt and the
    meeting. Referrals no meeting can take stay waiting (they are not in the result)."""
    slots = sorted(meetings, key=lambda slot: (slot.on, slot.meeting_id))
    free = {slot.meeting_id: max(slot.capacity - slot.listed, 0) for slot in slots}
    placements = []
    for referral in sorted(waiting, key=lambda item: (item.received_on, item.referral_id)):
        for slot in slots:
            if free[slot.meeting_id] <= 0:
                continue
            # working_days_between gives 0 for a meeting before receipt, which a lead of 0 would accept.
            if slot.on < referral.received_on:
                continue
            if working_days_between(referral.received_on, slot.on, holidays=holidays) < research_working_days:
                continue
            free[slot.meeting_id] -= 1
            placements.append(
                Placement(
                    referral_id=referral.referral_id,
                    meeting_id=slot.meeting_id,
                    has_children=referral.has_children,
                    is_repeat=referral.is_repeat,
                    twelve_month_notice=twelve_month_notice(last_heard_on=referral.last_heard_on, meeting_on=slot.on),
                )
            )
            break
    return placements


@dataclass(frozen=True)
class ListedCase:
    """An agenda item as ordering sees it."""

    item_id: int
    has_children: bool
    received_on: date
    pinned_position: int | None = None


def agenda_order(items: Iterable[ListedCase]) -> list[int]:
    """The agenda's order (item ids): cases with children first, so that children's services can leave,
    then adult-only cases; each group oldest referral first. Items the coordinator placed by hand keep
    their positions (1-based) and the others fill the gaps in that order."""
    items = list(items)
    # A sorted list, not a dict by position, so that two items pinned to one position both stay (the
    # lower id there, the other next) rather than one silently replacing the other.
    pinned = sorted((item.pinned_position, item.item_id) for item in items if item.pinned_position is not None)
    flowing = sorted(
        (item for item in items if item.pinned_position is None),
        key=lambda item: (not item.has_children, item.received_on, item.item_id),
    )
    order: list[int] = []
    position = 1
    queue = iter(flowing)
    while len(order) < len(items):
        if pinned and pinned[0][0] <= position:
            order.append(pinned.pop(0)[1])
        else:
            following = next(queue, None)
            if following is None:
                # Pinned positions beyond the end close up, in their order.
                order.extend(item_id for _, item_id in pinned)
                break
            order.append(following.item_id)
        position += 1
    return order
