"""The annual report on partnerships built for one test each: a subset larger than its figure, the
population of an area without its own estimate, the quarters of periods, and a query count that does not
grow with the data."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency
from reporting.figures import (
    AreaTree,
    annual_report,
    population_estimates,
    population_for,
    quarters_of,
    service_figures,
)
from reporting.rules import custom_period, financial_year
from tests.factories.agencies import AreaFactory
from tests.reporting.partnership import add_batch, partnership_base

YEAR = financial_year(2024)  # 1 April 2024 to 31 March 2025; the previous year is 2023-24


# The number of queries annual_report makes, whatever the amount of data.
REPORT_QUERIES = 36


def test_subset_larger_than_its_figure_is_flagged(db):
    """A subset larger than the figure it is part of is flagged, with no share; a total with no part
    reported and parts with no total are not checked."""
    p = partnership_base()
    year = (date(2024, 4, 1), date(2025, 3, 31))
    p.submit(Agency.Kind.VICTIM_HUB, "victim_hub_victims_supported", p.county, *year, 100)
    p.submit(Agency.Kind.VICTIM_HUB, "victim_hub_da_victims_supported", p.county, *year, 150)
    p.submit(Agency.Kind.ISVA_SERVICE, "isva_service_clients", p.county, *year, 80)
    p.submit(Agency.Kind.ISVA_SERVICE, "isva_referrals", p.county, *year, 60)
    figures = service_figures(period=YEAR, area_ids=None)
    assert figures["services"] == {
        "victim_hub_victims_supported": 100,
        "victim_hub_da_victims_supported": 150,
        "isva_referrals": 60,
        "isva_service_clients": 80,
    }
    assert [(check["metric"], check["kind"], check["ok"]) for check in figures["service_checks"]] == [
        ("victim_hub_victims_supported", "subset", False)
    ]
    assert figures["services_shares"] == {"victim_hub_da_victims_supported": None}


def test_population_of_an_area_without_its_own_estimate(db):
    """An area with no estimate counts its child areas' only when every one has an estimate; the whole
    partnership is the sum of its root areas'."""
    county = AreaFactory()
    first, second = AreaFactory(parent=county), AreaFactory(parent=county)
    other = AreaFactory()
    from reporting.models import PopulationEstimate

    PopulationEstimate.objects.create(area=first, year=2024, all_ages=100, adult_females=40)
    PopulationEstimate.objects.create(area=other, year=2024, all_ages=50, adult_females=20)
    tree, estimates = AreaTree.load(), population_estimates([2024])
    assert population_for(area=county, year=2024, tree=tree, estimates=estimates).all_ages is None
    PopulationEstimate.objects.create(area=second, year=2024, all_ages=200, adult_females=90)
    estimates = population_estimates([2024])
    assert population_for(area=county, year=2024, tree=tree, estimates=estimates).adult_females == 130
    whole = population_for(area=None, year=2024, tree=tree, estimates=estimates)
    assert (whole.all_ages, whole.adult_females) == (350, 150)


def test_quarters_of_periods():
    """A financial year has its four quarters; a custom range the quarters it touches, cut to it."""
    assert [q.label for q in quarters_of(YEAR)] == ["2024-25 Q1", "2024-25 Q2", "2024-25 Q3", "2024-25 Q4"]
    cut = quarters_of(custom_period(date(2024, 6, 15), date(2024, 7, 2)))
    assert [(q.label, q.start, q.end) for q in cut] == [
        ("2024-25 Q1", date(2024, 6, 15), date(2024, 6, 30)),
        ("2024-25 Q2", date(2024, 7, 1), date(2024, 7, 2)),
    ]


def test_query_count_does_not_grow_with_the_data(db):
    """The report makes the same number of queries for N rows of each kind as for 3N."""
    p = partnership_base()
    add_batch(p, 2)
    with CaptureQueriesContext(connection) as small:
        smaller = annual_report(period=YEAR, area=p.county)
    add_batch(p, 4)
    with CaptureQueriesContext(connection) as large:
        larger = annual_report(period=YEAR, area=p.county)
    assert (smaller["idva"]["referrals"], larger["idva"]["referrals"]) == (2, 6)
    assert (smaller["marac"]["cases_heard"], larger["marac"]["cases_heard"]) == (2, 6)
    assert (smaller["police"]["incidents"], larger["police"]["incidents"]) == (2, 6)
    assert len(small) == len(large) == REPORT_QUERIES
