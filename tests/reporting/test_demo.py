"""The demo's reporting data on the demo partnership's ground floor: population estimates since 2010, the
providers' service returns for each financial year since 2018-19 (2020-21 as in the seed report, 2019-20
with a total its parts do not add up to), and last financial year's report run; idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from agencies import demo as agencies_demo
from agencies.demo import DEMO_AREA_SLUG, demo_email
from reporting import demo as reporting_demo
from reporting.figures import annual_report
from reporting.models import PopulationEstimate, ReportRun, ServiceReturn
from reporting.rules import financial_year
from tests.conftest import rolled_back


def _seed(*, minimal: bool = False) -> str:
    out = StringIO()
    reporting_demo.seed(minimal=minimal, stdout=out)
    return out.getvalue()


def _last_year() -> int:
    today = timezone.localdate()
    return today.year - 1 if today.month >= 4 else today.year - 2


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo ground floor and its reporting data, seeded once for this module and rolled back after."""
    with rolled_back(django_db_blocker):
        agencies_demo.seed(minimal=False, stdout=StringIO())
        out = _seed()
        connection.check_constraints()
        yield out


@pytest.mark.django_db
def test_minimal_seed_makes_no_reporting_data():
    """--minimal leaves estimates, returns and runs out."""
    agencies_demo.seed(minimal=True, stdout=StringIO())
    _seed(minimal=True)
    assert (PopulationEstimate.objects.count(), ServiceReturn.objects.count(), ReportRun.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_every_area_has_an_estimate_each_year_and_the_county_is_its_districts(seeded):
    """Three areas from 2010 to this year; the county's people and adult females are its districts' sums."""
    this_year = timezone.localdate().year
    assert PopulationEstimate.objects.count() == 3 * (this_year - 2010 + 1)
    for year in (2010, 2020, this_year):
        rows = {row.area.slug: row for row in PopulationEstimate.objects.filter(year=year).select_related("area")}
        county, north, south = rows[DEMO_AREA_SLUG], rows["demo-north"], rows["demo-south"]
        assert county.all_ages == north.all_ages + south.all_ages
        assert county.adult_females == north.adult_females + south.adult_females
        assert 0.40 < county.adult_females / county.all_ages < 0.43
    assert PopulationEstimate.objects.get(area__slug="demo-north", year=2020).all_ages == 461_000


@pytest.mark.django_db
def test_each_complete_financial_year_since_2018_19_has_its_returns(seeded):
    """21 returns a year from the providers, keyed in by the partnership administrator."""
    years = range(2018, _last_year() + 1)
    for year in years:
        period = financial_year(year)
        assert ServiceReturn.objects.filter(period_start=period.start, period_end=period.end).count() == 21
    assert ServiceReturn.objects.count() == 21 * len(years)
    assert set(ServiceReturn.objects.values_list("submitted_by__email", flat=True)) == {demo_email("admin")}


@pytest.mark.django_db
def test_2020_21_returns_are_the_seed_report_s(seeded):
    """93 women and 112 children in refuge, 2,297 outreach referrals, 524 = 407 + 117 ISVA referrals,
    479 + 200 adult safeguarding referrals with a domestic abuse element."""
    period = financial_year(2020)
    returns = ServiceReturn.objects.filter(period_start=period.start, period_end=period.end)
    sums = dict(returns.values_list("metric__code").annotate(total=Sum("value")))
    assert sums["refuge_women_housed"] == 93
    assert sums["refuge_children_housed"] == 112
    assert sums["outreach_referrals"] == 2_297
    assert (sums["isva_service_referrals"], sums["isva_referrals"], sums["chisva_referrals"]) == (524, 407, 117)
    assert sums["adult_safeguarding_da_referrals"] == 679
    assert sums["children_supported"] == 913


@pytest.mark.django_db
def test_the_miskeyed_year_is_flagged_and_its_total_withheld(seeded):
    """2019-20's ISVA service total is 10 short of its parts: the report flags it and publishes no total;
    2020-21 passes every check."""
    miskeyed = annual_report(period=financial_year(2019), area=None)
    failed = [check for check in miskeyed["service_checks"] if not check["ok"]]
    assert [(check["metric"], check["parts_sum"] - check["total"]) for check in failed] == [
        ("isva_service_referrals", 10)
    ]
    assert miskeyed["services"]["isva_service_referrals"] is None
    clean = annual_report(period=financial_year(2020), area=None)
    assert all(check["ok"] for check in clean["service_checks"])
    assert clean["services"]["isva_service_referrals"] == 524


@pytest.mark.django_db
def test_last_financial_year_s_report_has_run(seeded):
    """The analyst's run of last financial year's report for the whole partnership is done."""
    period = financial_year(_last_year())
    run = ReportRun.objects.get(kind=ReportRun.Kind.ANNUAL, period_start=period.start, area=None)
    assert (run.status, run.period_label, run.requested_by.email) == ("done", period.label, demo_email("analyst"))
    assert run.result["period"]["label"] == period.label


@pytest.mark.django_db
def test_a_second_run_creates_nothing(seeded):
    """Seeding again adds no estimate, return or run."""
    before = (PopulationEstimate.objects.count(), ServiceReturn.objects.count(), ReportRun.objects.count())
    out = _seed()
    assert (PopulationEstimate.objects.count(), ServiceReturn.objects.count(), ReportRun.objects.count()) == before
    assert "0 new service returns" in out
