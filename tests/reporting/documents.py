"""Hand-written annual report documents that follow the report document contract exactly (the shape
reporting.figures.annual_report returns), for the tests of disclosure control, exports, charts and pages.

The figures are those of the seed partnership's 2020-21 report (seeds/002) where it gives them, with the
rest made up to be consistent: parts add up to their totals and percentages are computed with the same
rules as the real document. Some counts are deliberately small (stalking IDVA referrals, the DHR deaths,
a few referring agencies) so that disclosure control has something to do.
"""

from __future__ import annotations

import copy
from typing import Any

from agencies.figures import percentage
from reporting.rules import change_pct, rate_per

# Table 1 of the city report (seeds/000): Cambridge City, police years December-November. The report
# gives incidents, crimes and both rates per 1,000 but not the population it used; these populations are
# ones that give every published rate (any in a band of about 900 people would).
TABLE_1: tuple[dict[str, Any], ...] = (
    {"label": "2010/11", "incidents": 1914, "incidents_per_1000": 15.5, "crimes": 503, "crimes_per_1000": 4.1,
     "population": 123484},
    {"label": "2011/12", "incidents": 1609, "incidents_per_1000": 13.0, "crimes": 384, "crimes_per_1000": 3.1,
     "population": 123900},
    {"label": "2012/13", "incidents": 1558, "incidents_per_1000": 12.5, "crimes": 474, "crimes_per_1000": 3.8,
     "population": 124600},
    {"label": "2013/14", "incidents": 1606, "incidents_per_1000": 12.8, "crimes": 561, "crimes_per_1000": 4.5,
     "population": 125500},
    {"label": "2014/15", "incidents": 1744, "incidents_per_1000": 13.7, "crimes": 690, "crimes_per_1000": 5.4,
     "population": 127300},
    {"label": "2015/16", "incidents": 1725, "incidents_per_1000": 13.2, "crimes": 785, "crimes_per_1000": 6.0,
     "population": 130700},
    {"label": "2016/17", "incidents": 1968, "incidents_per_1000": 14.9, "crimes": 1059, "crimes_per_1000": 8.0,
     "population": 132100},
    {"label": "2017/18", "incidents": 1898, "incidents_per_1000": 14.2, "crimes": 1134, "crimes_per_1000": 8.5,
     "population": 133600},
)  # fmt: skip

MONTHS = ("2020-04", "2020-05", "2020-06", "2020-07", "2020-08", "2020-09",
          "2020-10", "2020-11", "2020-12", "2021-01", "2021-02", "2021-03")  # fmt: skip
# 2,324 referrals over the year, rising as each lockdown eased.
REFERRALS_BY_MONTH = (168, 181, 199, 205, 214, 196, 190, 172, 180, 189, 196, 234)

# The county's trend, financial years (incidents, crimes, population all ages).
COUNTY_TREND = (
    ("2013-14", 2013, 11210, 3980, 812400),
    ("2014-15", 2014, 11895, 4420, 818900),
    ("2015-16", 2015, 12388, 4871, 826100),
    ("2016-17", 2016, 13027, 5366, 834300),
    ("2017-18", 2017, 13650, 5802, 841200),
    ("2018-19", 2018, 14105, 6133, 847000),
    ("2019-20", 2019, 14522, 6410, 853200),
    ("2020-21", 2020, 14804, 6870, 859830),
)


def _trend_row(label: str, year: int, incidents: int, crimes: int, population: int) -> dict[str, Any]:
    return {
        "label": label,
        "start": f"{year}-04-01",
        "end": f"{year + 1}-03-31",
        "incidents": incidents,
        "incidents_per_1000": rate_per(incidents, population, 1000),
        "crimes": crimes,
        "crimes_per_1000": rate_per(crimes, population, 1000),
        "population": population,
    }


# The previous year's value of every scalar figure, for "changes".
PREVIOUS: dict[str, int | float | None] = {
    "idva.referrals": 1969,
    "idva.engaged": 1402,
    "idva.not_engaged": 455,
    "idva.engagement_rate_pct": 75.5,
    "idva.engagement_target_pct": 75.0,
    "idva.repeat_referrals": 650,
    "idva.repeat_rate_pct": 33.0,
    "idva.closed": 1870,
    "idva.risk_reduced_victim_view_pct": 79.4,
    "marac.cases_heard": 1471,
    "marac.repeat_cases": 461,
    "marac.repeat_rate_pct": 31.3,
    "marac.children_in_households": 1802,
    "marac.meetings_held": 198,
    "marac.adult_females": 362100,
    "marac.cases_per_10000_adult_females": 40.6,
    "marac.benchmark_per_10000": 40,
    "police.incidents": 14522,
    "police.crimes": 6410,
    "police.population": 853200,
    "police.population_year": 2019,
    "police.incidents_per_1000": 17.0,
    "police.crimes_per_1000": 7.5,
    "perpetrator_panel.cases_with_actions": 0,
    "perpetrator_panel.male_pct": None,
    "perpetrator_panel.no_fixed_abode": 0,
    "perpetrator_panel.violence_against_parent": 0,
    "perpetrator_panel.stalking_pct": None,
    "perpetrator_panel.strangulation_pct": None,
    "dhr.deaths_meeting_criteria": 5,
    "dhr.homicides": 3,
    "dhr.suicides": 2,
    "dhr.female": 4,
    "dhr.male": 1,
    "dhr.reviewed_as_child_death": 0,
    "dhr.reviews_open": 9,
    "dhr.recommendations": 35,
    "services.refuge_women_housed": 101,
    "services.refuge_children_housed": 120,
    "services.outreach_referrals": 1890,
    "services.victim_hub_victims_supported": 3120,
    "services.victim_hub_da_victims_supported": 602,
    "services.isva_service_referrals": 498,
    "services.isva_referrals": 390,
    "services.chisva_referrals": 108,
    "services.isva_service_clients": 741,
    "services.isva_clients": 590,
    "services.chisva_clients": 151,
    "services.rape_crisis_survivors_supported": 1502,
    "services.adult_safeguarding_da_referrals": 801,
    "services.adult_safeguarding_sv_referrals": 280,
    "services.children_supported": 744,
    "services.sarac_referrals": 4,
    "services.champions_members": 221,
    "services.champions_attendance": 388,
    "services.training_sessions_delivered": 61,
}

SERVICE_METRICS: dict[str, dict[str, Any]] = {
    "refuge_women_housed": {"name": "Women housed in refuge", "target": None, "part_of": None, "subset_of": None},
    "refuge_children_housed": {"name": "Children housed in refuge", "target": None, "part_of": None, "subset_of": None},
    "outreach_referrals": {"name": "Referrals to domestic abuse outreach services", "target": None, "part_of": None,
                           "subset_of": None},
    "victim_hub_victims_supported": {"name": "Victims of crime supported by the Victim and Witness Hub",
                                     "target": None, "part_of": None, "subset_of": None},
    "victim_hub_da_victims_supported": {"name": "Victims of domestic abuse supported by the Victim and Witness Hub",
                                        "target": None, "part_of": None, "subset_of": "victim_hub_victims_supported"},
    "isva_service_referrals": {"name": "New referrals to the ISVA service (ISVA and ChISVA)", "target": None,
                               "part_of": None, "subset_of": None},
    "isva_referrals": {"name": "ISVA referrals", "target": None, "part_of": "isva_service_referrals",
                       "subset_of": None},
    "chisva_referrals": {"name": "ChISVA referrals", "target": None, "part_of": "isva_service_referrals",
                         "subset_of": None},
    "isva_service_clients": {"name": "Clients supported by the ISVA service (ISVA and ChISVA)", "target": None,
                             "part_of": None, "subset_of": None},
    "isva_clients": {"name": "ISVA clients", "target": None, "part_of": "isva_service_clients", "subset_of": None},
    "chisva_clients": {"name": "ChISVA clients", "target": None, "part_of": "isva_service_clients",
                       "subset_of": None},
    "rape_crisis_survivors_supported": {"name": "Survivors supported by Rape Crisis", "target": None,
                                        "part_of": None, "subset_of": None},
    "adult_safeguarding_da_referrals": {"name": "Adult safeguarding referrals with a domestic abuse element",
                                        "target": None, "part_of": None, "subset_of": None},
    "adult_safeguarding_sv_referrals": {"name": "Adult safeguarding referrals with a sexual violence element",
                                        "target": None, "part_of": None, "subset_of": None},
    "children_supported": {"name": "Children and young people supported after domestic abuse", "target": 600,
                           "part_of": None, "subset_of": None},
    "sarac_referrals": {"name": "Referrals to the Sexual Assault Risk Assessment Conference (SARAC)",
                        "target": None, "part_of": None, "subset_of": None},
    "champions_members": {"name": "Members of the DASV Champions network", "target": None, "part_of": None,
                          "subset_of": None},
    "champions_attendance": {"name": "Attendance at DASV Champions sessions", "target": None, "part_of": None,
                             "subset_of": None},
    "training_sessions_delivered": {"name": "Training sessions delivered", "target": None, "part_of": None,
                                    "subset_of": None},
}  # fmt: skip


def _changes(document: dict[str, Any]) -> dict[str, dict[str, int | float | None]]:
    changes = {}
    for key, previous in PREVIOUS.items():
        section, figure = key.split(".", 1)
        current = document[section][figure]
        changes[key] = {"previous": previous, "change_pct": change_pct(current, previous)}
    return changes


def annual_document() -> dict[str, Any]:
    """The whole partnership's annual report for the financial year 2020-21 (a fresh copy each call)."""
    by_month = dict(zip(MONTHS, REFERRALS_BY_MONTH, strict=True))
    document: dict[str, Any] = {
        "period": {"start": "2020-04-01", "end": "2021-03-31", "label": "2020-21", "kind": "financial_year"},
        "previous_period": {"start": "2019-04-01", "end": "2020-03-31", "label": "2019-20", "kind": "financial_year"},
        "area": None,
        "idva": {
            "referrals": 2324,
            "referrals_previous": 1969,
            "referrals_change_pct": change_pct(2324, 1969),  # 18.0
            "engaged": 1580,
            "not_engaged": 499,
            "engagement_rate_pct": percentage(1580, 1580 + 499),  # 76.0
            "engagement_target_pct": 75.0,
            "repeat_referrals": 697,
            "repeat_rate_pct": percentage(697, 2324),  # 30.0
            "by_month": by_month,
            "by_referring_agency": {
                "cambridgeshire-constabulary": 1502,
                "addenbrookes-hospital": 214,
                "hinchingbrooke-hospital": 96,
                "cambridgeshire-childrens-social-care": 188,
                "peterborough-childrens-social-care": 121,
                "cambridge-womens-aid": 73,
                "refuge-outreach": 58,
                "probation-service": 41,
                "peterborough-housing": 27,
                "gp-practice": 3,
                "fire-and-rescue": 1,
            },
            "by_specialist_post": {
                "young_people": 52,
                "a8": 61,
                "health": 88,
                "stalking": 3,
                "generic": 1890,
                "unallocated": 230,
            },
            "closed": 2110,
            "outcomes_at_closure": {
                "support_completed": 1400,
                "not_engaged": 480,
                "victim_withdrew": 150,
                "moved_out_of_area": 48,
                "transferred": 28,
                "other": 4,
            },
            "risk_reduced_victim_view_pct": 81.3,
        },
        "marac": {
            "cases_heard": 1176,
            "cases_heard_previous": 1471,
            "cases_heard_change_pct": change_pct(1176, 1471),  # -20.1
            "repeat_cases": 388,
            "repeat_rate_pct": percentage(388, 1176),  # 33.0
            "children_in_households": 1450,
            "meetings_held": 150,
            "adult_females": 365000,
            "cases_per_10000_adult_females": rate_per(1176, 365000, 10000),  # 32.2
            "benchmark_per_10000": 40,
            "by_quarter": {
                "2020-21 Q1": {
                    "cases_heard": 310,
                    "repeat_cases": 100,
                    "children_in_households": 380,
                    "meetings_held": 38,
                },
                "2020-21 Q2": {
                    "cases_heard": 280,
                    "repeat_cases": 95,
                    "children_in_households": 350,
                    "meetings_held": 37,
                },
                "2020-21 Q3": {
                    "cases_heard": 296,
                    "repeat_cases": 98,
                    "children_in_households": 370,
                    "meetings_held": 38,
                },
                "2020-21 Q4": {
                    "cases_heard": 290,
                    "repeat_cases": 95,
                    "children_in_households": 350,
                    "meetings_held": 37,
                },
            },
            "safelives": {
                "cases_discussed": 1176,
                "repeat_cases": 388,
                "children": 1450,
                "referrals_by_agency_kind": {
                    "adult_safeguarding": 2,
                    "childrens_social_care": 50,
                    "health": 80,
                    "housing": 30,
                    "idva_service": 190,
                    "police": 820,
                    "probation": 4,
                },
                "police_referrals": 820,
                "partner_referrals": 356,
                "police_percentage": percentage(820, 1176),  # 69.7
                "partner_percentage": percentage(356, 1176),  # 30.3
                "racially_minoritised_victims": 141,
                "lgbt_victims": 23,
                "disabled_victims": 190,
                "male_victims": 58,
                "victims_aged_16_17": 3,
                "cases_with_perpetrator_aged_17_or_under": 2,
            },
        },
        "police": {
            "incidents": 14804,
            "incidents_previous": 14522,
            "incidents_change_pct": change_pct(14804, 14522),  # 1.9
            "crimes": 6870,
            "crimes_previous": 6410,
            "crimes_change_pct": change_pct(6870, 6410),  # 7.2
            "population": 859830,
            "population_year": 2020,
            "incidents_per_1000": rate_per(14804, 859830, 1000),  # 17.2
            "crimes_per_1000": rate_per(6870, 859830, 1000),  # 8.0
        },
        "trend": [_trend_row(*row) for row in COUNTY_TREND],
        "perpetrator_panel": {
            # Seed: 69 cases, all but one perpetrator male, six of violence against a parent, five of no
            # fixed abode, 55% stalking, 47% strangulation.
            "cases_with_actions": 69,
            "male_pct": percentage(68, 69),  # 98.6
            "no_fixed_abode": 5,
            "violence_against_parent": 6,
            "stalking_pct": percentage(38, 69),  # 55.1
            "strangulation_pct": percentage(33, 69),  # 47.8
        },
        "dhr": {
            # Seed: 7 deaths, 4 homicides and 3 suicides, 5 women and 2 men, one reviewed as a child death;
            # 10 reviews open.
            "deaths_meeting_criteria": 7,
            "homicides": 4,
            "suicides": 3,
            "female": 5,
            "male": 2,
            "reviewed_as_child_death": 1,
            "reviews_open": 10,
            "reviews_by_stage": {"scoping": 2, "panel_setup": 3, "overview_report": 1, "home_office_qa": 4},
            "recommendations": 42,
            "actions": {"total": 96, "complete": 60, "overdue": 7},
            "by_theme": {
                "Male victims": {"recommendations": 6, "actions_complete": 9, "actions_overdue": 1},
                "Substance misuse": {"recommendations": 11, "actions_complete": 14, "actions_overdue": 3},
                "Suicide": {"recommendations": 8, "actions_complete": 10, "actions_overdue": 0},
            },
        },
        "services": {
            "refuge_women_housed": 93,
            "refuge_children_housed": 112,
            "outreach_referrals": 2297,
            "victim_hub_victims_supported": 3387,
            "victim_hub_da_victims_supported": 647,
            # Withheld: the returns for the total say 530 but its parts add up to 524.
            "isva_service_referrals": None,
            "isva_referrals": 407,
            "chisva_referrals": 117,
            "isva_service_clients": 789,
            "isva_clients": 620,
            "chisva_clients": 169,
            "rape_crisis_survivors_supported": 1679,
            "adult_safeguarding_da_referrals": 679,
            "adult_safeguarding_sv_referrals": 249,
            "children_supported": 913,
            "sarac_referrals": 3,
            "champions_members": 240,
            "champions_attendance": 410,
            "training_sessions_delivered": 46,
        },
        "service_metrics": copy.deepcopy(SERVICE_METRICS),
        "service_checks": [
            {
                "metric": "isva_service_referrals",
                "kind": "parts",
                "total": 530,
                "parts_sum": 524,
                "parts": {"isva_referrals": 407, "chisva_referrals": 117},
                "ok": False,
                "message": "The parts add up to 524, not the total of 530: the total is withheld.",
            },
            {
                "metric": "isva_service_clients",
                "kind": "parts",
                "total": 789,
                "parts_sum": 789,
                "parts": {"isva_clients": 620, "chisva_clients": 169},
                "ok": True,
                "message": "The parts add up to the total.",
            },
            {
                "metric": "victim_hub_victims_supported",
                "kind": "subset",
                "total": 3387,
                "parts_sum": 647,
                "parts": {"victim_hub_da_victims_supported": 647},
                "ok": True,
                "message": "The subset is within the total.",
            },
        ],
    }
    document["changes"] = _changes(document)
    return document


AGENCY_NAMES = {
    "cambridgeshire-constabulary": "Cambridgeshire Constabulary",
    "addenbrookes-hospital": "Addenbrooke's Hospital",
    "hinchingbrooke-hospital": "Hinchingbrooke Hospital",
    "cambridgeshire-childrens-social-care": "Cambridgeshire Children's Social Care",
    "peterborough-childrens-social-care": "Peterborough Children's Social Care",
    "cambridge-womens-aid": "Cambridge Women's Aid",
    "refuge-outreach": "Refuge outreach",
    "probation-service": "Probation Service",
    "peterborough-housing": "Peterborough Housing",
    "gp-practice": "GP practice",
    "fire-and-rescue": "Fire and Rescue Service",
    "scoping": "Scoping and information gathering",
    "panel_setup": "Chair, author and panel appointed",
    "overview_report": "Overview report",
    "home_office_qa": "Home Office quality assurance",
}
