"""Pure perpetrator panel rules: the serial perpetrator rule, the RFGV score (Recency, Frequency, Gravity,
Victims) with its four parts explained, and the active / inactive status.

Plain inputs and outputs (dates, numbers, small records), so every boundary can be tested exhaustively;
perpetrator_panel.services and .selectors feed them from the database.

Windows: a look-back of N years ending on D holds the days from D minus N years to D, both included (with
3 years ending on 21 November 2026, 21 November 2023 counts; 20 November 2023 does not). D minus N years
on 29 February is 28 February in a year that has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from referrals.rules import age_on

ACTIVE, INACTIVE = "active", "inactive"
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class IncidentFact:
    """One incident of a perpetrator, as the rules need it."""

    incident_id: int
    occurred_on: date
    victim_id: int
    is_crime: bool = False
    crime_type: str = ""


@dataclass(frozen=True)
class ScoringRules:
    """The configuration the RFGV score and the serial rule take (PanelConfiguration and GravityRating)."""

    rfgv_look_back_years: int = 2
    serial_look_back_years: int = 3
    serial_min_victims: int = 2
    serial_min_age: int = 16
    # (within_days, points), nearest first: the first band holding the latest incident gives its points.
    recency_bands: tuple[tuple[int, int], ...] = ((30, 10), (91, 7), (182, 5), (365, 3), (730, 1))
    weight_recency: Decimal = Decimal(1)
    weight_frequency: Decimal = Decimal(2)
    weight_gravity: Decimal = Decimal(1)
    weight_victims: Decimal = Decimal(5)
    non_crime_gravity: int = 1
    unlisted_crime_gravity: int = 3
    # Crime type (lower case) -> gravity.
    gravity_by_crime_type: Mapping[str, int] = field(default_factory=dict)
    inactive_after_months: int = 3


def window_start(ending: date, *, years: int = 0, months: int = 0) -> date:
    """The first day of a look-back of `years` and `months` ending on `ending` (both ends included)."""
    return ending - relativedelta(years=years, months=months)


def in_look_back(day: date, *, ending: date, years: int) -> bool:
    """True when `day` is in the look-back of `years` years ending on `ending`, both ends included."""
    return window_start(ending, years=years) <= day <= ending


def incident_gravity(incident: IncidentFact, rules: ScoringRules) -> int:
    """How grave an incident is: its crime type's rating; an unrated crime, or a non-crime, the defaults."""
    if not incident.is_crime:
        return rules.non_crime_gravity
    return rules.gravity_by_crime_type.get(incident.crime_type.strip().lower(), rules.unlisted_crime_gravity)


def recency_points(days_since: int, bands: Sequence[tuple[int, int]]) -> int:
    """Points for the latest incident `days_since` days ago: the first band (nearest first) holding it."""
    for within_days, points in sorted(bands):
        if days_since <= within_days:
            return points
    return 0


@dataclass(frozen=True)
class ScoredIncident:
    """An incident behind a score, with its gravity and how long before the scoring day it was."""

    incident_id: int
    occurred_on: date
    victim_id: int
    crime_type: str
    is_crime: bool
    gravity: int
    days_before: int


@dataclass(frozen=True)
class RfgvScore:
    """An RFGV score: each part's raw value (days since the latest incident, incidents, summed gravity,
    victims), its points (weighted), the total, and the incidents it was computed from."""

    on: date
    look_back_from: date
    days_since_latest: int | None
    recency_band_points: int
    recency: Decimal
    frequency_count: int
    frequency: Decimal
    gravity_sum: int
    gravity: Decimal
    victims_count: int
    victims: Decimal
    total: Decimal
    incidents: tuple[ScoredIncident, ...] = ()

    def parts(self) -> dict[str, object]:
        """The four parts as stored on a panel case (JSON): raw values and points."""
        return {
            "on": self.on.isoformat(),
            "look_back_from": self.look_back_from.isoformat(),
            "recency": {"days_since_latest": self.days_since_latest, "points": str(self.recency)},
            "frequency": {"incidents": self.frequency_count, "points": str(self.frequency)},
            "gravity": {"sum": self.gravity_sum, "points": str(self.gravity)},
            "victims": {"count": self.victims_count, "points": str(self.victims)},
            "total": str(self.total),
        }


def _points(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def rfgv_score(incidents: Iterable[IncidentFact], *, on: date, rules: ScoringRules) -> RfgvScore:
    """The RFGV score on a day over the look-back ending on it (incidents after `on` are ignored):

    - Recency: the recency band points of the latest incident, times the recency weight;
    - Frequency: the number of incidents, times the frequency weight;
    - Gravity: the sum of the incidents' gravity, times the gravity weight;
    - Victims: the number of different victims, times the victims weight.
    The total is the sum of the four; no incident in the look-back scores 0.
    """
    start = window_start(on, years=rules.rfgv_look_back_years)
    counted = sorted(
        (incident for incident in incidents if start <= incident.occurred_on <= on),
        key=lambda incident: (incident.occurred_on, incident.incident_id),
        reverse=True,
    )
    scored = tuple(
        ScoredIncident(
            incident_id=incident.incident_id,
            occurred_on=incident.occurred_on,
            victim_id=incident.victim_id,
            crime_type=incident.crime_type,
            is_crime=incident.is_crime,
            gravity=incident_gravity(incident, rules),
            days_before=(on - incident.occurred_on).days,
        )
        for incident in counted
    )
    days_since = scored[0].days_before if scored else None
    band = recency_points(days_since, rules.recency_bands) if days_since is not None else 0
    gravity_sum = sum(incident.gravity for incident in scored)
    victims_count = len({incident.victim_id for incident in scored})
    recency = _points(rules.weight_recency * band)
    frequency = _points(rules.weight_frequency * len(scored))
    gravity = _points(rules.weight_gravity * gravity_sum)
    victims = _points(rules.weight_victims * victims_count)
    return RfgvScore(
        on=on,
        look_back_from=start,
        days_since_latest=days_since,
        recency_band_points=band,
        recency=recency,
        frequency_count=len(scored),
        frequency=frequency,
        gravity_sum=gravity_sum,
        gravity=gravity,
        victims_count=victims_count,
        victims=victims,
        total=recency + frequency + gravity + victims,
        incidents=scored,
    )


@dataclass(frozen=True)
class SerialFinding:
    """Whether a perpetrator is serial on a day, and why (or why not)."""

    is_serial: bool
    victims: int
    look_back_from: date
    age: int | None
    reason: str


def serial_perpetrator(
    incidents: Iterable[IncidentFact], *, born: date | None, on: date, rules: ScoringRules
) -> SerialFinding:
    """A serial perpetrator: a suspect in incidents against `serial_min_victims` (2) or more different victims
    within the look-back (3 years) ending on `on`, aged `serial_min_age` (16) or over on `on`. An unknown
    date of birth does not exclude him: the age cannot be checked, and the finding says so."""
    start = window_start(on, years=rules.serial_look_back_years)
    victims = len({incident.victim_id for incident in incidents if start <= incident.occurred_on <= on})
    age = age_on(born, on)
    years = rules.serial_look_back_years
    if victims < rules.serial_min_victims:
        reason, serial = f"{victims} victim(s) in {years} years", False
    elif age is not None and age < rules.serial_min_age:
        reason, serial = f"aged {age}, under {rules.serial_min_age}", False
    else:
        aged = f"aged {age}" if age is not None else "age not known"
        reason, serial = f"{victims} victims in {years} years, {aged}", True
    return SerialFinding(is_serial=serial, victims=victims, look_back_from=start, age=age, reason=reason)


def inactive_from(*, opened_on: date, last_incident_on: date | None, months: int) -> date:
    """The day a panel case goes inactive if nothing more is reported: `months` months after the later of
    its latest incident and the day the panel took it (a month-end date falls back to the month's last)."""
    since = max(opened_on, last_incident_on) if last_incident_on else opened_on
    return since + relativedelta(months=months)


def panel_status(*, opened_on: date, last_incident_on: date | None, on: date, months: int) -> str:
    """Active until no incident has been reported to any agency for `months` months: with the latest incident
    on 1 January and 3 months, active to 31 March and inactive from 1 April. A new incident re-activates."""
    return (
        ACTIVE
        if on < inactive_from(opened_on=opened_on, last_incident_on=last_incident_on, months=months)
        else INACTIVE
    )
