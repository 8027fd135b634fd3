"""Pure MARAC rules: the days a schedule meets, where waiting referrals go on agendas, and the figures of
the SafeLives quarterly MARAC data return.

Plain inputs and outputs (dates, numbers, small records), so every boundary can be tested exhaustively;
marac.services feeds them from the database and stores what they decide.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from agencies.calendar import working_days_between
from agencies.figures import percentage
from referrals.rules import age_on

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


# SafeLives quarterly MARAC data return ------------------------------------------------------------------

# Person.Ethnicity values counted as Black, Asian or racially minoritised: the Black, Asian, Mixed and Other
# ethnic groups. White British, White other and Not known are not counted. SafeLives' older "B&ME" wording
# could be read to include White minorities (Irish, Gypsy or Traveller, Eastern European), but our
# ethnicity choices record only "White other", which mixes those with e.g. White Americans, so counting
# it would overstate the figure; the choice is the partnership's to revisit if ethnicity becomes finer.
RACIALLY_MINORITISED_ETHNICITIES = frozenset({"black", "asian", "mixed", "other"})
# Person.Sexuality values counted as LGBT+ (a trans victim counts too, whatever their sexuality).
LGBT_SEXUALITIES = frozenset({"gay_lesbian", "bisexual", "other"})
YES = "yes"
MALE = "male"
POLICE = "police"
YOUNG_VICTIM_AGES = (16, 17)
YOUNG_PERPETRATOR_UP_TO = 17
QUARTERS = (1, 2, 3, 4)


@dataclass(frozen=True)
class HeardCase:
    """The plain facts of one agenda item heard at a MARAC meeting, as the SafeLives return needs them."""

    heard_on: date
    is_repeat: bool
    children_count: int
    referring_agency_kind: str
    victim_ethnicity: str
    victim_sexuality: str
    victim_disability: str
    victim_gender: str
    victim_born: date | None
    perpetrators_born: tuple[date | None, ...] = ()
    victim_trans: str = "not_known"


@dataclass(frozen=True)
class SafeLivesReturn:
    """The figures of the SafeLives quarterly MARAC data return for one area and quarter.

    `cases_discussed` is the quarter's total; the other counts are cases among them. Percentages are of
    the cases discussed, rounded half up to one decimal, and None when no case was discussed.
    """

    cases_discussed: int
    repeat_cases: int
    children: int
    # (referring agency kind, cases), by kind: a tuple, not a dict, so the return stays immutable.
    referrals_by_agency_kind: tuple[tuple[str, int], ...]
    police_referrals: int
    partner_referrals: int
    police_percentage: float | None
    partner_percentage: float | None
    racially_minoritised_victims: int
    lgbt_victims: int
    disabled_victims: int
    male_victims: int
    victims_aged_16_17: int
    cases_with_perpetrator_aged_17_or_under: int


def safelives_return(cases: Iterable[HeardCase]) -> SafeLivesReturn:
    """The SafeLives quarterly MARAC data return for the cases heard in a quarter.

    SafeLives counts cases *discussed*: each heard agenda item is one case, so a case heard at two
    meetings of the quarter counts twice (and its children twice). Ages are taken on the meeting day;
    an unknown birth date counts in no age group. A case counts once among those with a perpetrator aged
    17 or under however many of its perpetrators are. Police referrals are those whose referring agency
    is the police; partner referrals are all others (the IDVA service included), as SafeLives'
    "partner agency referrals" are. Black, Asian or racially minoritised victims are those of the Black,
    Asian, Mixed or Other ethnic groups (not White British, White other or Not known); LGBT+ victims are
    gay, lesbian, bisexual or of another sexuality, or trans.
    """
    cases = list(cases)
    total = len(cases)
    by_kind: dict[str, int] = {}
    for case in cases:
        by_kind[case.referring_agency_kind] = by_kind.get(case.referring_agency_kind, 0) + 1
    police = by_kind.get(POLICE, 0)

    def victim_young(case: HeardCase) -> bool:
        age = age_on(case.victim_born, case.heard_on)
        return age is not None and YOUNG_VICTIM_AGES[0] <= age <= YOUNG_VICTIM_AGES[1]

    def perpetrator_young(case: HeardCase) -> bool:
        ages = (age_on(born, case.heard_on) for born in case.perpetrators_born)
        return any(age is not None and age <= YOUNG_PERPETRATOR_UP_TO for age in ages)

    return SafeLivesReturn(
        cases_discussed=total,
        repeat_cases=sum(case.is_repeat for case in cases),
        children=sum(case.children_count for case in cases),
        referrals_by_agency_kind=tuple(sorted(by_kind.items())),
        police_referrals=police,
        partner_referrals=total - police,
        police_percentage=percentage(police, total),
        partner_percentage=percentage(total - police, total),
        racially_minoritised_victims=sum(case.victim_ethnicity in RACIALLY_MINORITISED_ETHNICITIES for case in cases),
        lgbt_victims=sum(case.victim_sexuality in LGBT_SEXUALITIES or case.victim_trans == YES for case in cases),
        disabled_victims=sum(case.victim_disability == YES for case in cases),
        male_victims=sum(case.victim_gender == MALE for case in cases),
        victims_aged_16_17=sum(victim_young(case) for case in cases),
        cases_with_perpetrator_aged_17_or_under=sum(perpetrator_young(case) for case in cases),
    )


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and last days of quarter `quarter` (1-4) of the financial year starting in April of
    `year`: Q1 April-June, Q2 July-September, Q3 October-December, Q4 January-March of the next
    calendar year (so 2025-26 Q4 is `quarter_bounds(2025, 4)`, January to March 2026).

    SafeLives collects MARAC data by calendar quarter (published as the 12 months to the end of March,
    June, September or December), so these are the same quarters under the financial-year labels the
    partnership's reports use (domain.md section 8).
    """
    if quarter not in QUARTERS:
        raise ValueError(f"A quarter is 1 to 4, not {quarter}.")
    # Q1 starts in April (month 4), Q2 July, Q3 October, Q4 January of the next calendar year.
    first = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    following = date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return first, following - timedelta(days=1)


def quarter_label(year: int, quarter: int) -> str:
    """The financial-year label of a quarter: "2025-26 Q4"."""
    if quarter not in QUARTERS:
        raise ValueError(f"A quarter is 1 to 4, not {quarter}.")
    return f"{year}-{(year + 1) % 100:02d} Q{quarter}"
