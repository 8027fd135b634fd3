"""The demo partnership's reporting data: population estimates for its areas, the providers' service
returns for each financial year (one with a total that its parts do not add up to, as in the seed report),
and last financial year's annual report, run as the analyst would (idempotent)."""

from __future__ import annotations

import random
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from agencies.demo import DEMO_AREA_SLUG, demo_email
from agencies.models import Agency, Area, User
from reporting.models import ReportRun, ServiceMetric, ServiceReturn
from reporting.rules import financial_year
from reporting.services import (
    population_estimates_load,
    report_run_execute,
    report_run_request,
    service_return_submit,
)

REPORTING_DEMO_SEED = 2021
FIRST_YEAR = 2010
FIRST_RETURNS_YEAR = 2018
# Mid-2020 populations of the two districts (the county is their sum), and yearly growth.
DISTRICTS = {"demo-north": 461_000, "demo-south": 394_000}
GROWTH = 0.008
ADULT_FEMALE_SHARE = 0.415

# The seed report's 2020-21 figures (domain.md section 8), the scale of every demo year:
# (provider agency slug, metric code, area slug, value).
RETURNS_2020: tuple[tuple[str, str, str, int], ...] = (
    ("refuge", "refuge_women_housed", DEMO_AREA_SLUG, 93),
    ("refuge", "refuge_children_housed", DEMO_AREA_SLUG, 112),
    ("outreach", "outreach_referrals", DEMO_AREA_SLUG, 2_297),
    ("victim-hub", "victim_hub_victims_supported", DEMO_AREA_SLUG, 3_387),
    ("victim-hub", "victim_hub_da_victims_supported", DEMO_AREA_SLUG, 647),
    ("isva-service", "isva_service_referrals", DEMO_AREA_SLUG, 524),
    ("isva-service", "isva_referrals", DEMO_AREA_SLUG, 407),
    ("isva-service", "chisva_referrals", DEMO_AREA_SLUG, 117),
    ("isva-service", "isva_service_clients", DEMO_AREA_SLUG, 789),
    ("isva-service", "isva_clients", DEMO_AREA_SLUG, 620),
    ("isva-service", "chisva_clients", DEMO_AREA_SLUG, 169),
    ("isva-service", "rape_crisis_survivors_supported", DEMO_AREA_SLUG, 1_679),
    # One MASH agency returns for each district, as the seed report's two MASH teams did (479 + 200).
    ("adult-safeguarding", "adult_safeguarding_da_referrals", "demo-north", 479),
    ("adult-safeguarding", "adult_safeguarding_da_referrals", "demo-south", 200),
    ("adult-safeguarding", "adult_safeguarding_sv_referrals", "demo-north", 171),
    ("adult-safeguarding", "adult_safeguarding_sv_referrals", "demo-south", 78),
    ("community", "children_supported", DEMO_AREA_SLUG, 913),
    ("dasv-partnership", "sarac_referrals", DEMO_AREA_SLUG, 4),
    ("dasv-partnership", "champions_members", DEMO_AREA_SLUG, 250),
    ("dasv-partnership", "champions_attendance", DEMO_AREA_SLUG, 480),
    ("dasv-partnership", "training_sessions_delivered", DEMO_AREA_SLUG, 21),
)
# The year whose ISVA service total was keyed wrongly (the seed report's 601 against 479 + 200 kind of
# slip): the report flags it and withholds the total.
MISKEYED_YEAR = 2019
MISKEYED_METRIC = "isva_service_referrals"
ANALYST = "analyst"
ADMIN = "admin"


def _population_rows(last_year: int) -> list[dict[str, str]]:
    rows = []
    for year in range(FIRST_YEAR, last_year + 1):
        factor = (1 + GROWTH) ** (year - 2020)
        districts = {slug: round(base * factor) for slug, base in DISTRICTS.items()}
        for slug, people in (*districts.items(), (DEMO_AREA_SLUG, sum(districts.values()))):
            females = sum(round(value * ADULT_FEMALE_SHARE) for value in districts.values())
            rows.append(
                {
                    "area": slug,
                    "year": str(year),
                    "all_ages": str(people),
                    "adult_females": str(round(people * ADULT_FEMALE_SHARE) if slug != DEMO_AREA_SLUG else females),
                    "source": "Demo mid-year estimate (synthetic)",
                }
            )
    return rows


def _returns(*, last_year: int, rng: random.Random) -> list[tuple[int, str, str, str, int]]:
    """(financial year, agency slug, metric code, area slug, value) for every year with returns."""
    returns = []
    for year in range(FIRST_RETURNS_YEAR, last_year + 1):
        scale = 1 + 0.05 * (year - 2020)
        values: dict[tuple[str, str, str], int] = {}
        for agency, metric, area, base in RETURNS_2020:
            if year == 2020:
                values[(agency, metric, area)] = base
            else:
                values[(agency, metric, area)] = max(0, round(base * scale * rng.uniform(0.92, 1.08)))
        # Parts add up to their totals (and a subset stays within its total) in every other year.
        for total, parts in (
            ("isva_service_referrals", ("isva_referrals", "chisva_referrals")),
            ("isva_service_clients", ("isva_clients", "chisva_clients")),
        ):
            values[("isva-service", total, DEMO_AREA_SLUG)] = sum(
                values[("isva-service", part, DEMO_AREA_SLUG)] for part in parts
            )
            if year == MISKEYED_YEAR and total == MISKEYED_METRIC:
                values[("isva-service", total, DEMO_AREA_SLUG)] -= 10
        hub = ("victim-hub", "victim_hub_victims_supported", DEMO_AREA_SLUG)
        hub_da = ("victim-hub", "victim_hub_da_victims_supported", DEMO_AREA_SLUG)
        values[hub_da] = min(values[hub_da], values[hub])
        returns.extend((year, *key, value) for key, value in values.items())
    return returns


@transaction.atomic
def seed(*, minimal: bool, stdout: TextIO) -> None:
    """Unless minimal: population estimates since 2010, service returns for every complete financial year
    since 2018-19, and last financial year's annual report (idempotent)."""
    if minimal:
        return
    today = timezone.localdate()
    # The last complete financial year.
    last_year = today.year - 1 if today.month >= 4 else today.year - 2
    loaded = population_estimates_load(rows=_population_rows(today.year))
    metrics = {metric.code: metric for metric in ServiceMetric.objects.all()}
    agencies = {agency.slug: agency for agency in Agency.objects.filter(active=True)}
    areas = {area.slug: area for area in Area.objects.filter(slug__in=[DEMO_AREA_SLUG, *DISTRICTS])}
    # The partnership team keys in the returns providers send them, as partnerships do today.
    admin = User.objects.select_related("agency").prefetch_related("groups").get(email=demo_email(ADMIN))
    existing = set(
        ServiceReturn.objects.values_list("agency__slug", "metric__code", "area__slug", "period_start", "period_end")
    )
    new = 0
    rng = random.Random(REPORTING_DEMO_SEED)  # noqa: S311 - reproducible demo data, not a secret
    for year, agency_slug, code, area_slug, value in _returns(last_year=last_year, rng=rng):
        period = financial_year(year)
        if (agency_slug, code, area_slug, period.start, period.end) in existing:
            continue
        service_return_submit(
            actor=admin,
            agency=agencies[agency_slug],
            metric=metrics[code],
            area=areas[area_slug],
            period_start=period.start,
            period_end=period.end,
            value=value,
            notes="Demo return.",
        )
        new += 1
    report = _last_year_report(last_year=last_year)
    stdout.write(
        f"Demo reporting: population estimates {loaded['created']} new, {loaded['updated']} updated, "
        f"{loaded['unchanged']} unchanged; "
        f"{new} new service returns ({ServiceReturn.objects.count()} in all); {report}.\n"
    )


def _last_year_report(*, last_year: int) -> str:
    period = financial_year(last_year)
    done = ReportRun.objects.filter(
        kind=ReportRun.Kind.ANNUAL,
        period_start=period.start,
        period_end=period.end,
        area=None,
        status=ReportRun.Status.DONE,
    ).exists()
    if done:
        return f"the {period.label} annual report exists"
    analyst = User.objects.select_related("agency").prefetch_related("groups").get(email=demo_email(ANALYST))
    # Computed here rather than queued: the seed is one transaction, and its task would wait for the commit.
    run = report_run_request(actor=analyst, period=period.label, area=None, enqueue=False)
    run = report_run_execute(run_id=run.pk)
    return f"the {period.label} annual report run ({run.get_status_display().lower()})"
