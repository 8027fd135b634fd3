"""The figures of the annual report and the SafeLives quarterly return, read from every app in SQL aggregates.

`annual_report` builds the report document (the contract in the issue's notes: exports, API, command and
pages all read it); `safelives_document` the quarterly return's. Each section is a function of its own, so
that the previous period's figures come from exactly the same code. Every count is a SQL aggregate (filtered
counts, grouped counts, Exists and subqueries): the number of queries does not grow with the data, and the
only Python loops run over periods, months, quarters, metrics or aggregate rows, never over cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone

from agencies.figures import percentage
from agencies.models import Agency, Area, User
from cases.models import CaseParty, Incident
from dhr.selectors import dhr_figures
from marac.models import AgendaItem, MaracMeeting, MeetingKind
from marac.returns import DISCUSSED_OUTCOMES
from marac.rules import (
    LGBT_SEXUALITIES,
    MALE,
    POLICE,
    RACIALLY_MINORITISED_ETHNICITIES,
    YES,
    YOUNG_PERPETRATOR_UP_TO,
    YOUNG_VICTIM_AGES,
)
from perpetrator_panel.selectors import panel_figures
from referrals.models import Referral, RiskReduced
from reporting.models import PopulationEstimate, ServiceMetric, ServiceReturn
from reporting.rules import (
    QUARTER,
    Period,
    change_pct,
    financial_quarter,
    population_year,
    previous_period,
    rate_per,
    years_before,
)

Progress = Callable[[int, str], None]

# by_specialist_post keys, in the order the report lists them: the specialist posts, then IDVAs with no
# specialist post ("generic") and referrals nobody is allocated to yet.
SPECIALIST_POSTS = (*(post for post in User.SpecialistPost.values if post), "generic", "unallocated")

# Figures that are settings or labels rather than counts of the period: never compared with the previous
# period. The *_previous and *_change_pct fields are the comparison itself.
NOT_COMPARED = frozenset({"engagement_target_pct", "benchmark_per_10000", "population_year"})
COMPARED_SECTIONS = ("idva", "marac", "police", "perpetrator_panel", "dhr", "services")


# Scope: the areas and the days a report covers ----------------------------------------------------------


class AreaTree:
    """Every area's parent, read in one query: the areas a report covers and the population it counts."""

    def __init__(self, parents: dict[int, int | None]) -> None:
        self.parents = parents
        self._children: dict[int | None, list[int]] = {}
        for pk in sorted(parents):
            self._children.setdefault(parents[pk], []).append(pk)

    @classmethod
    def load(cls) -> AreaTree:
        return cls(dict(Area.objects.values_list("pk", "parent_id")))

    def children(self, pk: int) -> list[int]:
        return self._children.get(pk, [])

    def roots(self) -> list[int]:
        return self._children.get(None, [])

    def with_descendants(self, pk: int) -> set[int]:
        """The area and every area below it (as marac.returns.area_with_descendants, from the loaded tree)."""
        found, waiting = {pk}, [pk]
        while waiting:
            for child in self.children(waiting.pop()):
                if child not in found:
                    found.add(child)
                    waiting.append(child)
        return found


def area_scope(area: Area | None, tree: AreaTree | None = None) -> set[int] | None:
    """The ids of the area and the areas within it; None for the whole partnership (no filter)."""
    if area is None:
        return None
    return (tree or AreaTree.load()).with_descendants(area.pk)


def _in_areas(lookup: str, area_ids: set[int] | None) -> Q:
    """A filter on an area foreign key; no filter for the whole partnership."""
    return Q() if area_ids is None else Q(**{f"{lookup}__in": sorted(area_ids)})


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Aware datetimes from the start of local day `first` to the start of the day after `last` (the
    local days of meetings, as marac.returns reads them)."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


def _on_days(lookup: str, first: date, last: date) -> Q:
    return Q(**{f"{lookup}__gte": first, f"{lookup}__lte": last})


def _at_days(lookup: str, first: date, last: date) -> Q:
    starts, ends = day_bounds(first, last)
    return Q(**{f"{lookup}__gte": starts, f"{lookup}__lt": ends})


def _month_bounds(period: Period) -> list[tuple[str, date, date]]:
    """Each month of the period as (YYYY-MM, first day, last day), clipped to the period."""
    months = []
    for month in period.months:
        year, number = int(month[:4]), int(month[5:])
        first = date(year, number, 1)
        following = date(year + (number == 12), number % 12 + 1, 1)
        months.append((month, max(first, period.start), min(following - timedelta(days=1), period.end)))
    return months


def quarters_of(period: Period) -> list[Period]:
    """The financial-year quarters the period touches, oldest first, clipped to the period (a police year
    starts and ends inside a quarter; a financial year is exactly four)."""
    year = period.start.year if period.start.month >= 4 else period.start.year - 1
    number = (period.start.month - 4) % 12 // 3 + 1
    quarters: list[Period] = []
    while True:
        quarter = financial_quarter(year, number)
        if quarter.start > period.end:
            return quarters
        quarters.append(Period(max(quarter.start, period.start), min(quarter.end, period.end), quarter.label, QUARTER))
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)


# Population ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    all_ages: int | None
    adult_females: int | None


def population_estimates(years: Iterable[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """Every area's estimates of the given years in one query: {(area id, year): (all ages, adult females)}."""
    rows = PopulationEstimate.objects.filter(year__in=sorted(set(years))).values_list(
        "area_id", "year", "all_ages", "adult_females"
    )
    return {(area_id, year): (all_ages, females) for area_id, year, all_ages, females in rows}


def population_for(
    *, area: Area | None, year: int, tree: AreaTree, estimates: dict[tuple[int, int], tuple[int, int]]
) -> Population:
    """The population of an area in a year: its own estimate; without one, the sum of its child areas'
    (each counted the same way), but only when every child area has one, as a partial sum would understate
    it and inflate the rates; the whole partnership (no area) is the sum over the root areas on the same terms. Unknown
    is None (and the rates from it are None)."""

    def of(pk: int) -> tuple[int, int] | None:
        if (pk, year) in estimates:
            return estimates[pk, year]
        return total(tree.children(pk))

    def total(pks: list[int]) -> tuple[int, int] | None:
        found = [of(pk) for pk in pks]
        if not found or any(value is None for value in found):
            return None
        return (sum(value[0] for value in found if value), sum(value[1] for value in found if value))

    value = total(tree.roots()) if area is None else of(area.pk)
    return Population(None, None) if value is None else Population(*value)


# IDVA ---------------------------------------------------------------------------------------------------


def idva_figures(*, period: Period, area_ids: set[int] | None) -> dict[str, Any]:
    """The IDVA service's referrals received in the period (engagement, repeats, by month, by referring
    agency and by the allocated IDVA's specialist post) and its referrals closed in the period (outcomes
    and the victim's view of whether risk was reduced). Three queries."""
    referrals = Referral.objects.filter(_in_areas("case__area", area_ids), service=Referral.Service.IDVA)
    received = referrals.filter(_on_days("received_on", period.start, period.end))
    months = _month_bounds(period)
    counts = received.aggregate(
        referrals=Count("pk"),
        engaged=Count("pk", filter=Q(engagement=Referral.Engagement.ENGAGED)),
        not_engaged=Count("pk", filter=Q(engagement=Referral.Engagement.NOT_ENGAGED)),
        repeats=Count("pk", filter=Q(is_repeat=True)),
        **{f"m{index}": Count("pk", filter=_on_days("received_on", a, b)) for index, (_, a, b) in enumerate(months)},
    )
    by_agency: dict[str, int] = {}
    by_post = dict.fromkeys(SPECIALIST_POSTS, 0)
    groups = received.values("referring_agency__slug", "allocated_to_id", "allocated_to__specialist_post").annotate(
        n=Count("pk")
    )
    for row in groups.order_by():
        slug = row["referring_agency__slug"]
        by_agency[slug] = by_agency.get(slug, 0) + row["n"]
        post = "unallocated" if row["allocated_to_id"] is None else row["allocated_to__specialist_post"] or "generic"
        by_post[post] = by_post.get(post, 0) + row["n"]
    closed_rows = (
        referrals.filter(_on_days("closed_on", period.start, period.end))
        .values("closure_outcome")
        .annotate(
            n=Count("pk"),
            with_closure=Count("closure"),
            reduced=Count("closure", filter=Q(closure__risk_reduced_victim_view=RiskReduced.YES)),
        )
        .order_by("closure_outcome")
    )
    outcomes: dict[str, int] = {}
    with_closure = reduced = 0
    for closed_row in closed_rows:
        outcomes[closed_row["closure_outcome"]] = closed_row["n"]
        with_closure += closed_row["with_closure"]
        reduced += closed_row["reduced"]
    decided = counts["engaged"] + counts["not_engaged"]
    return {
        "referrals": counts["referrals"],
        "referrals_previous": None,
        "referrals_change_pct": None,
        "engaged": counts["engaged"],
        "not_engaged": counts["not_engaged"],
        "engagement_rate_pct": percentage(counts["engaged"], decided),
        "engagement_target_pct": settings.DASV_IDVA_ENGAGEMENT_TARGET_PCT,
        "repeat_referrals": counts["repeats"],
        "repeat_rate_pct": percentage(counts["repeats"], counts["referrals"]),
        "by_month": {month: counts[f"m{index}"] for index, (month, _, _) in enumerate(months)},
        "by_referring_agency": dict(sorted(by_agency.items())),
        "by_specialist_post": by_post,
        "closed": sum(outcomes.values()),
        "outcomes_at_closure": outcomes,
        "risk_reduced_victim_view_pct": percentage(reduced, with_closure),
    }


# MARAC --------------------------------------------------------------------------------------------------


def heard_items(*, first: date, last: date, area_ids: set[int] | None) -> QuerySet[AgendaItem]:
    """Agenda items discussed (heard or escalated) at MARAC meetings (not MARAC Plus, not cancelled) held
    on local days `first` to `last`: the cases heard, as marac.returns.heard_cases_for reads them."""
    return AgendaItem.objects.filter(
        _in_areas("meeting__area", area_ids),
        _at_days("meeting__starts_at", first, last),
        meeting__kind=MeetingKind.MARAC,
        outcome__in=DISCUSSED_OUTCOMES,
    ).exclude(meeting__status=MaracMeeting.Status.CANCELLED)


def children_heard(items: QuerySet[AgendaItem], windows: dict[str, Q] | None = None) -> dict[str, int]:
    """The children in the households of the cases heard, a case's children counted at each hearing:
    {"children": n} and, for each window (a filter on the items), {key: n}. One query, joining the items
    to their cases' children (so it is not one of the items' own aggregates, which the join would
    multiply), rather than a subquery per item."""
    child = "referral__case__children"
    counts = items.aggregate(
        children=Count(child), **{key: Count(child, filter=window) for key, window in (windows or {}).items()}
    )
    return {key: value or 0 for key, value in counts.items()}


# Either flag makes an item a repeat: the agenda copies the referral's flag (marac.returns does the same).
REPEAT = Q(is_repeat=True) | Q(referral__is_repeat=True)


def marac_figures(
    *, period: Period, area_ids: set[int] | None, adult_females: int | None, with_quarters: bool = True
) -> dict[str, Any]:
    """Cases heard at MARAC in the period, repeats, children in the households, meetings held (not
    cancelled, and marked held or with a case discussed), the rate per 10,000 adult females against the
    SafeLives benchmark, and the same counts by financial quarter. Three queries."""
    items = heard_items(first=period.start, last=period.end, area_ids=area_ids)
    quarters = quarters_of(period) if with_quarters else []
    item_counts: dict[str, Any] = {
        "cases": Count("pk"),
        "repeats": Count("pk", filter=REPEAT),
    }
    windows = {}
    for index, quarter in enumerate(quarters):
        within = _at_days("meeting__starts_at", quarter.start, quarter.end)
        item_counts[f"q{index}_cases"] = Count("pk", filter=within)
        item_counts[f"q{index}_repeats"] = Count("pk", filter=within & REPEAT)
        windows[f"q{index}_children"] = within
    counts = items.aggregate(**item_counts) | children_heard(items, windows)
    meetings = (
        MaracMeeting.objects.filter(
            _in_areas("area", area_ids), _at_days("starts_at", period.start, period.end), kind=MeetingKind.MARAC
        )
        .exclude(status=MaracMeeting.Status.CANCELLED)
        .filter(
            Q(status__in=[MaracMeeting.Status.HELD, MaracMeeting.Status.MINUTES_APPROVED])
            | Exists(AgendaItem.objects.filter(meeting=OuterRef("pk"), outcome__in=DISCUSSED_OUTCOMES))
        )
    )
    meeting_counts = meetings.aggregate(
        held=Count("pk"),
        **{
            f"q{index}": Count("pk", filter=_at_days("starts_at", quarter.start, quarter.end))
            for index, quarter in enumerate(quarters)
        },
    )
    return {
        "cases_heard": counts["cases"],
        "cases_heard_previous": None,
        "cases_heard_change_pct": None,
        "repeat_cases": counts["repeats"],
        "repeat_rate_pct": percentage(counts["repeats"], counts["cases"]),
        "children_in_households": counts["children"],
        "meetings_held": meeting_counts["held"],
        "adult_females": adult_females,
        "cases_per_10000_adult_females": rate_per(counts["cases"], adult_females, 10_000),
        "benchmark_per_10000": settings.DASV_MARAC_BENCHMARK_PER_10000,
        "by_quarter": {
            quarter.label: {
                "cases_heard": counts[f"q{index}_cases"],
                "repeat_cases": counts[f"q{index}_repeats"],
                "children_in_households": counts[f"q{index}_children"],
                "meetings_held": meeting_counts[f"q{index}"],
            }
            for index, quarter in enumerate(quarters)
        },
    }


def _day_key(year: Any, month: Any, day: Any) -> Any:
    """A day as the number YYYYMMDD: the difference of two such numbers is at least N * 10000 exactly when
    the later day is on or after the N-th anniversary of the earlier (29 February reaching its anniversary
    on 1 March in other years, as referrals.rules.age_on counts)."""
    return year * 10000 + month * 100 + day


def _date_key(field: str | OuterRef) -> Any:
    """A date (or the local day of a datetime) field as the number YYYYMMDD; None when it is unknown."""
    return _day_key(ExtractYear(field), ExtractMonth(field), ExtractDay(field))


def safelives_figures(*, first: date, last: date, area_ids: set[int] | None) -> dict[str, Any]:
    """The SafeLives quarterly MARAC return (marac.rules.safelives_return: read its docstring for each
    figure) of the meetings held on local days `first` to `last`, in SQL: ages are compared on the
    meeting's local day through YYYYMMDD numbers, so an unknown birth date counts in no age group. Three
    queries."""
    heard_on = "meeting__starts_at"
    items = heard_items(first=first, last=last, area_ids=area_ids)
    heard_key = _date_key(heard_on)
    victim_born_key = _date_key("referral__case__victim__date_of_birth")
    young_perpetrator = Exists(
        CaseParty.objects.filter(case=OuterRef("referral__case"), person__date_of_birth__isnull=False)
        .annotate(born_key=_date_key("person__date_of_birth"))
        .filter(born_key__gt=_date_key(OuterRef(heard_on)) - (YOUNG_PERPETRATOR_UP_TO + 1) * 10000)
    )
    victim = "referral__case__victim__"
    counts = items.aggregate(
        cases=Count("pk"),
        repeats=Count("pk", filter=REPEAT),
        police=Count("pk", filter=Q(referral__referring_agency__kind=POLICE)),
        minoritised=Count("pk", filter=Q(**{f"{victim}ethnicity__in": sorted(RACIALLY_MINORITISED_ETHNICITIES)})),
        lgbt=Count(
            "pk", filter=Q(**{f"{victim}sexuality__in": sorted(LGBT_SEXUALITIES)}) | Q(**{f"{victim}trans": YES})
        ),
        disabled=Count("pk", filter=Q(**{f"{victim}disability": YES})),
        male=Count("pk", filter=Q(**{f"{victim}gender": MALE})),
        young_victims=Count(
            "pk",
            filter=Q(
                LessThanOrEqual(victim_born_key, heard_key - YOUNG_VICTIM_AGES[0] * 10000),
                GreaterThan(victim_born_key, heard_key - (YOUNG_VICTIM_AGES[1] + 1) * 10000),
            ),
        ),
        young_perpetrators=Count("pk", filter=Q(young_perpetrator)),
    )
    by_kind = {
        row["referral__referring_agency__kind"]: row["n"]
        for row in items.values("referral__referring_agency__kind")
        .annotate(n=Count("pk"))
        .order_by("referral__referring_agency__kind")
    }
    total, police = counts["cases"], counts["police"]
    return {
        "cases_discussed": total,
        "repeat_cases": counts["repeats"],
        "children": children_heard(items)["children"],
        "referrals_by_agency_kind": by_kind,
        "police_referrals": police,
        "partner_referrals": total - police,
        "police_percentage": percentage(police, total),
        "partner_percentage": percentage(total - police, total),
        "racially_minoritised_victims": counts["minoritised"],
        "lgbt_victims": counts["lgbt"],
        "disabled_victims": counts["disabled"],
        "male_victims": counts["male"],
        "victims_aged_16_17": counts["young_victims"],
        "cases_with_perpetrator_aged_17_or_under": counts["young_perpetrators"],
    }


# Police -------------------------------------------------------------------------------------------------

POLICE_INCIDENTS = Q(reported_to__kind=Agency.Kind.POLICE)


def police_figures(*, period: Period, area_ids: set[int] | None, population: int | None, year: int) -> dict[str, Any]:
    """Domestic abuse incidents reported to the police that occurred in the period, the crimes among them,
    and both per 1,000 population of the period's population year. One query."""
    counts = Incident.objects.filter(
        POLICE_INCIDENTS, _in_areas("case__area", area_ids), _on_days("occurred_on", period.start, period.end)
    ).aggregate(incidents=Count("pk"), crimes=Count("pk", filter=Q(is_crime=True)))
    return {
        "incidents": counts["incidents"],
        "incidents_previous": None,
        "incidents_change_pct": None,
        "crimes": counts["crimes"],
        "crimes_previous": None,
        "crimes_change_pct": None,
        "population": population,
        "population_year": year,
        "incidents_per_1000": rate_per(counts["incidents"], population, 1000),
        "crimes_per_1000": rate_per(counts["crimes"], population, 1000),
    }


def trend_table(
    *,
    period: Period,
    area: Area | None,
    area_ids: set[int] | None,
    tree: AreaTree,
    estimates: dict[tuple[int, int], tuple[int, int]],
) -> list[dict[str, Any]]:
    """Table 1 of the city report: police incidents and crimes and their rates per 1,000 population, by
    year (police years for a police-year report, financial years otherwise), the last
    DASV_REPORT_TREND_YEARS years ending with the report's, oldest first; the years before the first with
    any incident are left out. One query."""
    years = years_before(period, settings.DASV_REPORT_TREND_YEARS)
    counts = Incident.objects.filter(
        POLICE_INCIDENTS, _in_areas("case__area", area_ids), _on_days("occurred_on", years[0].start, years[-1].end)
    ).aggregate(
        **{f"i{index}": Count("pk", filter=_on_days("occurred_on", y.start, y.end)) for index, y in enumerate(years)},
        **{
            f"c{index}": Count("pk", filter=_on_days("occurred_on", y.start, y.end) & Q(is_crime=True))
            for index, y in enumerate(years)
        },
    )
    rows: list[dict[str, Any]] = []
    for index, year in enumerate(years):
        incidents, crimes = counts[f"i{index}"], counts[f"c{index}"]
        if not rows and not incidents:
            continue
        population = population_for(area=area, year=population_year(year), tree=tree, estimates=estimates).all_ages
        rows.append(
            {
                "label": year.label,
                "start": year.start.isoformat(),
                "end": year.end.isoformat(),
                "incidents": incidents,
                "incidents_per_1000": rate_per(incidents, population, 1000),
                "crimes": crimes,
                "crimes_per_1000": rate_per(crimes, population, 1000),
                "population": population,
            }
        )
    return rows


# Service returns ----------------------------------------------------------------------------------------


def service_figures(*, period: Period, area_ids: set[int] | None) -> dict[str, Any]:
    """The service returns lying wholly inside the period, summed over every agency and area of the scope,
    for the active metrics with at least one return, with their checks:

    - a total with parts (`part_of`), when the period has returns of both the total and at least one part:
      ok when the total equals the sum of its parts; otherwise the check fails and the total is withheld
      (null in `services`), as the seed report's 601 against 479 + 200 would be;
    - a subset (`subset_of`) with returns of both: ok unless it exceeds the figure it is a subset of (the
      check's `metric` and `total`; the subset is its one part); both stay published, as which one is
      wrong is not known. Its share of that figure is in `services_shares` (null when the check fails or
      the figure has no return).
    Checks are listed in the catalogue's order. Returns {"services", "service_metrics" (of the metrics
    in `services`), "service_checks", "services_shares"}. Two queries."""
    metrics = list(ServiceMetric.objects.filter(active=True).select_related("part_of", "subset_of"))
    sums = dict(
        ServiceReturn.objects.filter(
            _in_areas("area", area_ids),
            metric__active=True,
            period_start__gte=period.start,
            period_end__lte=period.end,
        )
        .values("metric_id")
        .annotate(total=Sum("value"))
        .order_by()
        .values_list("metric_id", "total")
    )
    reported = [metric for metric in metrics if metric.pk in sums]
    values: dict[str, int | None] = {metric.code: sums[metric.pk] for metric in reported}
    checks: list[dict[str, Any]] = []
    shares: dict[str, float | None] = {}
    withheld: set[str] = set()
    # One pass in the catalogue's order: a metric's own checks appear where the metric does.
    for metric in reported:
        parts = {part.code: sums[part.pk] for part in reported if part.part_of_id == metric.pk}
        if parts:
            total, parts_sum = sums[metric.pk], sum(parts.values())
            ok = total == parts_sum
            if not ok:
                withheld.add(metric.code)
            checks.append(
                {
                    "metric": metric.code,
                    "kind": "parts",
                    "total": total,
                    "parts_sum": parts_sum,
                    "parts": parts,
                    "ok": ok,
                    "message": (
                        f"{metric.name}: {total} is the sum of its parts."
                        if ok
                        else f"{metric.name}: {total} is not the sum of its parts ({parts_sum}); the total is withheld."
                    ),
                }
            )
        superset = metric.subset_of
        if superset is None:
            continue
        if superset.pk not in sums:
            shares[metric.code] = None
            continue
        whole, part = sums[superset.pk], sums[metric.pk]
        ok = part <= whole
        shares[metric.code] = percentage(part, whole) if ok else None
        checks.append(
            {
                "metric": superset.code,
                "kind": "subset",
                "total": whole,
                "parts_sum": part,
                "parts": {metric.code: part},
                "ok": ok,
                "message": (
                    f"{metric.name}: {part} is within {superset.name} ({whole})."
                    if ok
                    else f"{metric.name}: {part} is more than {superset.name} ({whole}), of which it is a part."
                ),
            }
        )
    for code in withheld:
        values[code] = None
    return {
        "services": values,
        "service_metrics": {
            metric.code: {
                "name": metric.name,
                "target": metric.annual_target,
                "part_of": metric.part_of.code if metric.part_of else None,
                "subset_of": metric.subset_of.code if metric.subset_of else None,
            }
            for metric in reported
        },
        "service_checks": checks,
        "services_shares": shares,
    }


# The documents ------------------------------------------------------------------------------------------


def _area_dict(area: Area | None) -> dict[str, str] | None:
    return None if area is None else {"slug": area.slug, "name": area.name}


@dataclass(frozen=True)
class Scope:
    """What every section of a report shares: the area (None: the whole partnership), the ids it covers,
    the area tree and the population estimates read once, and the day the report is run."""

    area: Area | None
    area_ids: set[int] | None
    tree: AreaTree
    estimates: dict[tuple[int, int], tuple[int, int]]
    today: date


def _sections(*, period: Period, scope: Scope, full: bool, progress: Progress, steps: dict[str, int]) -> dict[str, Any]:
    """The comparable sections of a period; `full` adds what only the report's own period shows (the
    quarters, the SafeLives return and the trend). `steps` gives the progress to report after each section."""
    area, area_ids, tree, estimates, today = scope.area, scope.area_ids, scope.tree, scope.estimates, scope.today
    year = population_year(period)
    population = population_for(area=area, year=year, tree=tree, estimates=estimates)
    sections: dict[str, Any] = {}
    sections["idva"] = idva_figures(period=period, area_ids=area_ids)
    progress(steps.get("idva", 0), "IDVA referrals")
    sections["marac"] = marac_figures(
        period=period, area_ids=area_ids, adult_females=population.adult_females, with_quarters=full
    )
    if full:
        sections["marac"]["safelives"] = safelives_figures(first=period.start, last=period.end, area_ids=area_ids)
    else:
        del sections["marac"]["by_quarter"]
    progress(steps.get("marac", 0), "MARAC cases heard")
    sections["police"] = police_figures(period=period, area_ids=area_ids, population=population.all_ages, year=year)
    progress(steps.get("police", 0), "Police incidents and crimes")
    if full:
        sections["trend"] = trend_table(period=period, area=area, area_ids=area_ids, tree=tree, estimates=estimates)
        progress(steps.get("trend", 0), "Trend table")
    sections["perpetrator_panel"] = panel_figures(start=period.start, end=period.end, area=area)
    progress(steps.get("perpetrator_panel", 0), "Perpetrator panel")
    sections["dhr"] = dhr_figures(start=period.start, end=period.end, area=area, today=min(period.end, today))
    progress(steps.get("dhr", 0), "Domestic homicide reviews")
    sections.update(service_figures(period=period, area_ids=area_ids))
    progress(steps.get("services", 0), "Service returns")
    return sections


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def changes_between(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every scalar figure of the compared sections against the previous period: {"idva.referrals":
    {"previous", "change_pct"}}, in the document's order. A figure that is a number or null now is
    compared, with a null previous when the previous period has no such figure (dicts and lists are not
    compared; nor settings and the population year). `change_pct` is always the
    relative change of the previous value, percentages included: an engagement rate going from 50.0 to
    60.0 is +20.0, not 10 points."""
    changes: dict[str, dict[str, Any]] = {}
    for section in COMPARED_SECTIONS:
        before = previous.get(section) or {}
        for name, value in (current.get(section) or {}).items():
            if name in NOT_COMPARED or name.endswith(("_previous", "_change_pct")):
                continue
            if value is not None and not _is_number(value):
                continue
            was = before.get(name)
            was = was if _is_number(was) else None
            changes[f"{section}.{name}"] = {"previous": was, "change_pct": change_pct(value, was)}
    return changes


CURRENT_STEPS = {"idva": 10, "marac": 25, "police": 40, "trend": 55, "perpetrator_panel": 65, "dhr": 75, "services": 85}


def annual_report(
    *, period: Period, area: Area | None, today: date | None = None, on_progress: Progress | None = None
) -> dict[str, Any]:
    """The annual report document of the area (with the areas within it; None: the whole partnership) for
    the period, against the previous period. `today` fixes the day DHR actions are overdue on (capped at
    the period's end, so a past year's report is reproducible). `on_progress(percent, step)` is called
    after each section. The same data gives the same document, JSON-safe, keys in a stable order."""
    today = today or timezone.localdate()
    progress: Progress = on_progress or (lambda percent, step: None)
    before = previous_period(period)
    tree = AreaTree.load()
    trend_years = years_before(period, settings.DASV_REPORT_TREND_YEARS)
    estimates = population_estimates(
        [population_year(period), population_year(before), *(population_year(year) for year in trend_years)]
    )
    scope = Scope(area=area, area_ids=area_scope(area, tree), tree=tree, estimates=estimates, today=today)
    current = _sections(period=period, scope=scope, full=True, progress=progress, steps=CURRENT_STEPS)
    previous = _sections(period=before, scope=scope, full=False, progress=lambda percent, step: None, steps={})
    progress(95, "Previous period")

    idva, marac, police = current["idva"], current["marac"], current["police"]
    idva["referrals_previous"] = previous["idva"]["referrals"]
    idva["referrals_change_pct"] = change_pct(idva["referrals"], idva["referrals_previous"])
    marac["cases_heard_previous"] = previous["marac"]["cases_heard"]
    marac["cases_heard_change_pct"] = change_pct(marac["cases_heard"], marac["cases_heard_previous"])
    for figure in ("incidents", "crimes"):
        police[f"{figure}_previous"] = previous["police"][figure]
        police[f"{figure}_change_pct"] = change_pct(police[figure], police[f"{figure}_previous"])

    document = {
        "period": period.as_dict(),
        "previous_period": before.as_dict(),
        "area": _area_dict(area),
        "idva": idva,
        "marac": marac,
        "police": police,
        "trend": current["trend"],
        "perpetrator_panel": current["perpetrator_panel"],
        "dhr": current["dhr"],
        "services": current["services"],
        "service_metrics": current["service_metrics"],
        "service_checks": current["service_checks"],
        "services_shares": current["services_shares"],
        "changes": changes_between(current, previous),
    }
    progress(100, "Done")
    return document


def safelives_document(*, period: Period, area: Area | None) -> dict[str, Any]:
    """The SafeLives quarterly MARAC return of the area (with the areas within it; None: every area) for
    the meetings held in the period, at the annual report's place for it (`marac.safelives`), so that
    disclosure control and the exports treat it as they treat the report's."""
    return {
        "period": period.as_dict(),
        "area": _area_dict(area),
        "marac": {"safelives": safelives_figures(first=period.start, last=period.end, area_ids=area_scope(area))},
    }
