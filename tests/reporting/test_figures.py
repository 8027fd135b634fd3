"""The annual report document (acceptance item 1): a hand-made partnership year built through the services
(tests/reporting/partnership.py), every figure checked against values worked out by hand, with the previous
year's change, nulls for zero denominators, period edges, the area filter, what must not count, the
service-return checks and a query count that does not grow with the data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date

import pytest

from marac.returns import safelives_return_for
from reporting.figures import (
    annual_report,
)
from reporting.rules import financial_year, police_year
from tests.conftest import rolled_back
from tests.reporting.partnership import Partnership, build_partnership

YEAR = financial_year(2024)  # 1 April 2024 to 31 March 2025; the previous year is 2023-24


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def partnership(django_db_setup, django_db_blocker) -> Iterator[Partnership]:
    """The hand-made partnership, built once for this module (the tests only read it) and rolled back."""
    with rolled_back(django_db_blocker):
        yield build_partnership()


@pytest.fixture
def report(db, partnership):
    return annual_report(period=YEAR, area=partnership.county)


def test_period_and_area(report):
    """The document names its period, the previous period and the area."""
    assert report["period"] == {
        "start": "2024-04-01",
        "end": "2025-03-31",
        "label": "2024-25",
        "kind": "financial_year",
    }
    assert report["previous_period"] == {
        "start": "2023-04-01",
        "end": "2024-03-31",
        "label": "2023-24",
        "kind": "financial_year",
    }
    assert report["area"] == {"slug": "demo-county", "name": "Demo County"}
    assert list(report) == [
        "period",
        "previous_period",
        "area",
        "idva",
        "marac",
        "police",
        "trend",
        "perpetrator_panel",
        "dhr",
        "services",
        "service_metrics",
        "service_checks",
        "services_shares",
        "changes",
    ]


def test_idva_figures(report):
    """IDVA referrals received in 2024-25 in the county and its districts: R1 (1 April), R2 (31 March),
    R3, R4 (a repeat of R3's case), R5 and R9 (North); not R6 (1 April 2025), R7 (31 March 2024), R8
    (Elsewhere). Closed in the year: R1, R3 and R7 (received the year before), not R9 (closed 1 April
    2025)."""
    assert report["idva"] == {
        "referrals": 6,
        "referrals_previous": 3,  # R7, R10, R11
        "referrals_change_pct": 100.0,  # (6 - 3) / 3
        "engaged": 3,  # R1, R4, R9
        "not_engaged": 1,  # R3
        "engagement_rate_pct": 75.0,  # 3 of the 4 with an outcome (R2, R5 have none yet)
        "engagement_target_pct": 75.0,
        "repeat_referrals": 1,  # R4
        "repeat_rate_pct": 16.7,  # 1 / 6
        "by_month": {
            "2024-04": 1,
            "2024-05": 2,
            "2024-06": 0,
            "2024-07": 0,
            "2024-08": 1,
            "2024-09": 0,
            "2024-10": 0,
            "2024-11": 0,
            "2024-12": 1,
            "2025-01": 0,
            "2025-02": 0,
            "2025-03": 1,
        },
        "by_referring_agency": {"health": 2, "police": 4},  # R2, R5; R1, R3, R4, R9
        "by_specialist_post": {
            "young_people": 1,  # R3
            "a8": 1,  # R4
            "health": 0,
            "stalking": 0,
            "generic": 3,  # R1, R5, R9
            "unallocated": 1,  # R2
        },
        "closed": 3,
        "outcomes_at_closure": {"not_engaged": 1, "support_completed": 2},
        "risk_reduced_victim_view_pct": 66.7,  # R1 and R7 of the three
    }


def test_marac_figures(report):
    """Cases heard at the county's MARAC meetings in 2024-25: A and B (escalated) at M1 (00:30 on 1 April,
    23:30 UTC on 31 March), C at M2 (North, 31 March 2025), I (moved from the cancelled M5) and J at M6;
    not D (deferred), E (pending), M3's (1 April 2025), the MARAC Plus meeting's, the meeting recorded as
    cancelled, Elsewhere's. 2023-24: L and N at M9, P at M10 (23:30 on 31 March 2024)."""
    marac = dict(report["marac"])
    safelives = marac.pop("safelives")
    assert marac == {
        "cases_heard": 5,
        "cases_heard_previous": 3,
        "cases_heard_change_pct": 66.7,  # (5 - 3) / 3
        "repeat_cases": 1,  # J, the second MARAC referral of A's case
        "repeat_rate_pct": 20.0,
        "children_in_households": 5,  # A 2, J 2 (A's case again), I 1
        "meetings_held": 3,  # M1, M2, M6 (not M5 cancelled, M7 cancelled, M11 not held, M4 MARAC Plus)
        "adult_females": 1600,
        "cases_per_10000_adult_females": 31.3,  # 5 / 1,600 * 10,000 = 31.25, half up
        "benchmark_per_10000": 40,
        "by_quarter": {
            "2024-25 Q1": {"cases_heard": 2, "repeat_cases": 0, "children_in_households": 2, "meetings_held": 1},
            "2024-25 Q2": {"cases_heard": 0, "repeat_cases": 0, "children_in_households": 0, "meetings_held": 0},
            "2024-25 Q3": {"cases_heard": 2, "repeat_cases": 1, "children_in_households": 3, "meetings_held": 1},
            "2024-25 Q4": {"cases_heard": 1, "repeat_cases": 0, "children_in_households": 0, "meetings_held": 1},
        },
    }
    assert safelives == {
        "cases_discussed": 5,
        "repeat_cases": 1,
        "children": 5,
        "referrals_by_agency_kind": {"health": 1, "housing": 1, "police": 3},  # B; I; A, C, J
        "police_referrals": 3,
        "partner_referrals": 2,
        "police_percentage": 60.0,
        "partner_percentage": 40.0,
        "racially_minoritised_victims": 2,  # A and J: the same Black victim, heard twice
        "lgbt_victims": 2,  # B bisexual, C trans
        "disabled_victims": 1,  # I
        "male_victims": 1,  # I
        "victims_aged_16_17": 1,  # C (16 that day); B turned 18 on M1's local day
        "cases_with_perpetrator_aged_17_or_under": 1,  # C's (18 the day after M2)
    }


def test_safelives_section_equals_marac_returns(partnership, report):
    """The SafeLives section computed in SQL equals marac.returns' Python count of the same year."""
    python = asdict(safelives_return_for(area=partnership.county, first=YEAR.start, last=YEAR.end))
    python["referrals_by_agency_kind"] = dict(python["referrals_by_agency_kind"])
    assert report["marac"]["safelives"] == python


def test_police_figures_and_trend(report):
    """Police incidents 6-9 (1 April 2024 to 31 March 2025; not 10 on 1 April 2025, nor Elsewhere's or the
    one reported to health) against 2-5 the year before; rates per 1,000 of the mid-2024 county
    population. The trend starts with 2020-21, the first year with an incident; mid-2020 to mid-2022 have
    no population, and mid-2023 is the sum of the districts'."""
    assert report["police"] == {
        "incidents": 4,
        "incidents_previous": 4,
        "incidents_change_pct": 0.0,
        "crimes": 2,  # 6, 7
        "crimes_previous": 3,  # 3, 4, 5
        "crimes_change_pct": -33.3,
        "population": 3000,
        "population_year": 2024,
        "incidents_per_1000": 1.3,  # 4 / 3,000 * 1,000 = 1.33
        "crimes_per_1000": 0.7,  # 0.67
    }
    none = {"incidents_per_1000": None, "crimes_per_1000": None, "population": None}
    assert report["trend"] == [
        {"label": "2020-21", "start": "2020-04-01", "end": "2021-03-31", "incidents": 1, "crimes": 0, **none},
        {"label": "2021-22", "start": "2021-04-01", "end": "2022-03-31", "incidents": 0, "crimes": 0, **none},
        {"label": "2022-23", "start": "2022-04-01", "end": "2023-03-31", "incidents": 0, "crimes": 0, **none},
        {
            "label": "2023-24",
            "start": "2023-04-01",
            "end": "2024-03-31",
            "incidents": 4,
            "incidents_per_1000": 1.3,
            "crimes": 3,
            "crimes_per_1000": 1.0,
            "population": 3000,  # North 1,800 + South 1,200
        },
        {
            "label": "2024-25",
            "start": "2024-04-01",
            "end": "2025-03-31",
            "incidents": 4,
            "incidents_per_1000": 1.3,
            "crimes": 2,
            "crimes_per_1000": 0.7,
            "population": 3000,
        },
    ]
    assert list(report["trend"][0]) == [
        "label",
        "start",
        "end",
        "incidents",
        "incidents_per_1000",
        "crimes",
        "crimes_per_1000",
        "population",
    ]


def test_panel_and_dhr_figures(report):
    """Panel cases with actions agreed in the year: P1 (male; stalking, no fixed abode) and P2 (female,
    action on 31 March 2025; strangulation, violence against a parent). Deaths notified in the year
    meeting the criteria: D1 (1 April 2024), D2 (31 March 2025, North) and D4 (a child death review);
    open reviews D1, D2, D3, D6; actions overdue on 31 March 2025 (the end of the year, not today)."""
    assert report["perpetrator_panel"] == {
        "cases_with_actions": 2,
        "male_pct": 50.0,
        "no_fixed_abode": 1,
        "violence_against_parent": 1,
        "stalking_pct": 50.0,
        "strangulation_pct": 50.0,
    }
    assert report["dhr"] == {
        "deaths_meeting_criteria": 3,
        "homicides": 2,  # D1, D4
        "suicides": 1,  # D2
        "female": 2,
        "male": 1,
        "reviewed_as_child_death": 1,
        "reviews_open": 4,
        "reviews_by_stage": {"panel_setup": 4},
        "recommendations": 2,
        # D1's due 30 March 2025 (open), 15 April 2025 (open, not yet overdue), 1 September 2024 (done);
        # D6's due 31 January 2024 (open).
        "actions": {"total": 4, "complete": 1, "overdue": 2},
        "by_theme": {"Risk assessment": {"recommendations": 1, "actions_complete": 1, "actions_overdue": 1}},
    }


def test_dhr_overdue_on_an_earlier_today(partnership):
    """With `today` before the year's end, actions are overdue on that day: only D6's on 1 January 2025."""
    report = annual_report(period=YEAR, area=partnership.county, today=date(2025, 1, 1))
    assert report["dhr"]["actions"] == {"total": 4, "complete": 1, "overdue": 1}


def test_service_returns_and_checks(report):
    """Returns lying wholly inside the year, over every agency of the county and its districts: the 601
    adult safeguarding referrals against 479 + 200 from the MASH teams are flagged and the total withheld;
    the ISVA parts add up; the Hub's domestic abuse victims are 25% of its victims. Not counted: the
    refuge return straddling the year's end, Elsewhere's outreach return, the retired champions metric."""
    assert report["services"] == {
        "refuge_women_housed": 35,
        "outreach_referrals": 10,  # North's
        "victim_hub_victims_supported": 1000,
        "victim_hub_da_victims_supported": 250,
        "isva_service_referrals": 150,
        "isva_referrals": 100,
        "chisva_referrals": 50,
        "children_supported": 420,  # 120 (April-June) + 300 (South, October-March), by two agencies
        "adult_safeguarding_referrals": None,  # withheld: 601 is not 479 + 200
        "mash_north_referrals": 479,
        "mash_south_referrals": 200,
    }
    assert report["service_checks"] == [
        {
            "metric": "victim_hub_victims_supported",
            "kind": "subset",
            "total": 1000,
            "parts_sum": 250,
            "parts": {"victim_hub_da_victims_supported": 250},
            "ok": True,
            "message": "Victims of domestic abuse supported by the Victim and Witness Hub: 250 is within Victims "
            "of crime supported by the Victim and Witness Hub (1000).",
        },
        {
            "metric": "isva_service_referrals",
            "kind": "parts",
            "total": 150,
            "parts_sum": 150,
            "parts": {"isva_referrals": 100, "chisva_referrals": 50},
            "ok": True,
            "message": "New referrals to the ISVA service (ISVA and ChISVA): 150 is the sum of its parts.",
        },
        {
            "metric": "adult_safeguarding_referrals",
            "kind": "parts",
            "total": 601,
            "parts_sum": 679,
            "parts": {"mash_north_referrals": 479, "mash_south_referrals": 200},
            "ok": False,
            "message": "Adult safeguarding referrals (DA or SV): 601 is not the sum of its parts (679); the total "
            "is withheld.",
        },
    ]
    assert report["services_shares"] == {"victim_hub_da_victims_supported": 25.0}
    metrics = report["service_metrics"]
    assert list(metrics) == list(report["services"])
    assert metrics["children_supported"] == {
        "name": "Children and young people supported after domestic abuse",
        "target": 600,
        "part_of": None,
        "subset_of": None,
    }
    assert metrics["mash_north_referrals"]["part_of"] == "adult_safeguarding_referrals"
    assert metrics["victim_hub_da_victims_supported"]["subset_of"] == "victim_hub_victims_supported"


def test_changes_on_the_previous_year(report):
    """Every scalar figure against 2023-24, worked out by hand; relative change, percentages included."""

    def change(previous, change_pct):
        return {"previous": previous, "change_pct": change_pct}

    assert report["changes"] == {
        "idva.referrals": change(3, 100.0),
        "idva.engaged": change(1, 200.0),  # R7
        "idva.not_engaged": change(0, None),
        "idva.engagement_rate_pct": change(100.0, -25.0),
        "idva.repeat_referrals": change(0, None),
        "idva.repeat_rate_pct": change(0.0, None),
        "idva.closed": change(0, None),
        "idva.risk_reduced_victim_view_pct": change(None, None),
        "marac.cases_heard": change(3, 66.7),
        "marac.repeat_cases": change(1, 0.0),  # P, L's case again
        "marac.repeat_rate_pct": change(33.3, -39.9),  # 20.0 against 33.3
        "marac.children_in_households": change(2, 150.0),  # L 1, P 1
        "marac.meetings_held": change(2, 50.0),
        "marac.adult_females": change(1200, 33.3),  # North 700 + South 500
        "marac.cases_per_10000_adult_females": change(25.0, 25.2),  # 3 / 1,200 * 10,000
        "police.incidents": change(4, 0.0),
        "police.crimes": change(3, -33.3),
        "police.population": change(3000, 0.0),
        "police.incidents_per_1000": change(1.3, 0.0),
        "police.crimes_per_1000": change(1.0, -30.0),
        "perpetrator_panel.cases_with_actions": change(1, 100.0),  # P3
        "perpetrator_panel.male_pct": change(100.0, -50.0),
        "perpetrator_panel.no_fixed_abode": change(0, None),
        "perpetrator_panel.violence_against_parent": change(0, None),
        "perpetrator_panel.stalking_pct": change(0.0, None),
        "perpetrator_panel.strangulation_pct": change(0.0, None),
        "dhr.deaths_meeting_criteria": change(1, 200.0),  # D6
        "dhr.homicides": change(1, 100.0),
        "dhr.suicides": change(0, None),
        "dhr.female": change(1, 100.0),
        "dhr.male": change(0, None),
        "dhr.reviewed_as_child_death": change(0, None),
        "dhr.reviews_open": change(4, 0.0),
        "dhr.recommendations": change(2, 0.0),
        "services.refuge_women_housed": change(None, None),
        "services.outreach_referrals": change(None, None),
        "services.victim_hub_victims_supported": change(800, 25.0),
        "services.victim_hub_da_victims_supported": change(200, 25.0),
        "services.isva_service_referrals": change(120, 25.0),
        "services.isva_referrals": change(70, 42.9),
        "services.chisva_referrals": change(50, 0.0),
        "services.children_supported": change(400, 5.0),
        "services.adult_safeguarding_referrals": change(None, None),
        "services.mash_north_referrals": change(None, None),
        "services.mash_south_referrals": change(None, None),
    }


def test_whole_partnership(partnership):
    """Without an area every area counts (Elsewhere too); its population is unknown, as Elsewhere (a root
    area) has no estimate, so the rates are null."""
    report = annual_report(period=YEAR, area=None)
    assert report["area"] is None
    assert (report["idva"]["referrals"], report["idva"]["by_referring_agency"]) == (7, {"health": 2, "police": 5})
    assert (report["marac"]["cases_heard"], report["marac"]["meetings_held"]) == (6, 4)
    assert (report["police"]["incidents"], report["police"]["crimes"]) == (5, 3)
    assert report["police"]["population"] is None
    assert report["police"]["incidents_per_1000"] is None
    assert report["marac"]["adult_females"] is None
    assert report["marac"]["cases_per_10000_adult_females"] is None
    assert report["services"]["outreach_referrals"] == 109
    assert report["perpetrator_panel"]["cases_with_actions"] == 3
    assert report["dhr"]["deaths_meeting_criteria"] == 4


def test_a_district_and_an_empty_previous_year(partnership):
    """North alone: R9, C, incident 7, its own mid-2024 estimate (10 people, 5 adult females); it had no
    referral or case heard in 2023-24, so those changes are null."""
    report = annual_report(period=YEAR, area=partnership.north)
    idva, marac, police = report["idva"], report["marac"], report["police"]
    assert (idva["referrals"], idva["referrals_previous"], idva["referrals_change_pct"]) == (1, 0, None)
    assert (marac["cases_heard"], marac["cases_heard_previous"], marac["cases_heard_change_pct"]) == (1, 0, None)
    assert (marac["meetings_held"], marac["adult_females"], marac["cases_per_10000_adult_females"]) == (1, 5, 2000.0)
    assert (police["incidents"], police["crimes"], police["incidents_per_1000"], police["crimes_per_1000"]) == (
        1,
        1,
        100.0,
        100.0,
    )
    assert (police["incidents_previous"], police["incidents_change_pct"]) == (1, 0.0)  # incident 3
    assert report["changes"]["police.population"] == {"previous": 1800, "change_pct": -99.4}
    assert report["services"] == {"outreach_referrals": 10}
    assert report["perpetrator_panel"]["cases_with_actions"] == 1  # P2
    assert report["dhr"]["deaths_meeting_criteria"] == 1  # D2


def test_an_area_without_population(partnership):
    """Elsewhere has no population estimate: population and every rate are null; nothing happened there
    the year before, so the changes are null too."""
    report = annual_report(period=YEAR, area=partnership.elsewhere)
    assert report["police"] == {
        "incidents": 1,
        "incidents_previous": 0,
        "incidents_change_pct": None,
        "crimes": 1,
        "crimes_previous": 0,
        "crimes_change_pct": None,
        "population": None,
        "population_year": 2024,
        "incidents_per_1000": None,
        "crimes_per_1000": None,
    }
    assert (report["marac"]["adult_females"], report["marac"]["cases_per_10000_adult_females"]) == (None, None)
    assert report["trend"] == [
        {
            "label": "2024-25",
            "start": "2024-04-01",
            "end": "2025-03-31",
            "incidents": 1,
            "incidents_per_1000": None,
            "crimes": 1,
            "crimes_per_1000": None,
            "population": None,
        }
    ]
    assert report["changes"]["idva.referrals"] == {"previous": 0, "change_pct": None}


def test_police_year_report(partnership):
    """Police year 2023/24 (1 December 2023 to 30 November 2024): incidents 4-7, not 3 (30 November 2023)
    nor 8 (1 December 2024); the year before (2022/23) had 2 and 3. Its trend is in police years and its
    quarters are the financial quarters it touches, cut to the year."""
    report = annual_report(period=police_year(2024), area=partnership.county)
    assert report["period"] == {"start": "2023-12-01", "end": "2024-11-30", "label": "2023/24", "kind": "police_year"}
    assert report["previous_period"]["label"] == "2022/23"
    police = report["police"]
    assert (police["incidents"], police["crimes"], police["incidents_previous"], police["crimes_previous"]) == (
        4,
        4,
        2,
        1,
    )
    assert (police["incidents_change_pct"], police["crimes_change_pct"]) == (100.0, 300.0)
    assert (police["population_year"], police["incidents_per_1000"], police["crimes_per_1000"]) == (2024, 1.3, 1.3)
    assert [(row["label"], row["incidents"], row["crimes"], row["population"]) for row in report["trend"]] == [
        ("2019/20", 1, 0, None),
        ("2020/21", 0, 0, None),
        ("2021/22", 0, 0, None),
        ("2022/23", 2, 1, 3000),
        ("2023/24", 4, 4, 3000),
    ]
    assert [(row["incidents_per_1000"], row["crimes_per_1000"]) for row in report["trend"][-2:]] == [
        (0.7, 0.3),
        (1.3, 1.3),
    ]
    months = list(report["idva"]["by_month"])
    assert (months[0], months[-1], len(months)) == ("2023-12", "2024-11", 12)
    assert report["idva"]["referrals"] == 5  # R7, R1, R3, R4, R9
    assert list(report["marac"]["by_quarter"]) == ["2023-24 Q3", "2023-24 Q4", "2024-25 Q1", "2024-25 Q2", "2024-25 Q3"]
    # M10 (31 March 2024) in 2023-24 Q4; M1 (1 April 2024) in 2024-25 Q1; M6 (8 October 2024) in Q3.
    assert [quarter["cases_heard"] for quarter in report["marac"]["by_quarter"].values()] == [0, 1, 2, 0, 2]


def test_an_empty_period(partnership):
    """A year with nothing recorded: zero counts, null percentages, rates and changes, no trend rows."""
    report = annual_report(period=financial_year(2015), area=partnership.county)
    idva = report["idva"]
    assert (idva["referrals"], idva["engagement_rate_pct"], idva["repeat_rate_pct"]) == (0, None, None)
    assert (idva["referrals_change_pct"], idva["risk_reduced_victim_view_pct"], idva["closed"]) == (None, None, 0)
    assert set(idva["by_month"].values()) == {0}
    assert (idva["by_referring_agency"], idva["outcomes_at_closure"]) == ({}, {})
    assert (report["marac"]["repeat_rate_pct"], report["marac"]["safelives"]["police_percentage"]) == (None, None)
    assert report["trend"] == []
    assert (report["services"], report["service_checks"], report["services_shares"]) == ({}, [], {})
    assert report["perpetrator_panel"]["male_pct"] is None


def test_the_same_data_gives_the_same_document(partnership):
    """Two runs give equal documents, which are JSON as they are; progress is reported after each section."""
    steps = []
    first = annual_report(period=YEAR, area=partnership.county, on_progress=lambda *step: steps.append(step))
    second = annual_report(period=YEAR, area=partnership.county)
    assert first == second
    assert json.dumps(first, sort_keys=False) == json.dumps(second, sort_keys=False)
    assert json.loads(json.dumps(first)) == first
    assert [percent for percent, _ in steps] == [10, 25, 40, 55, 65, 75, 85, 95, 100]
    assert all(isinstance(text, str) and text for _, text in steps)
