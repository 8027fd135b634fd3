"""Disclosure control of published reports: primary and secondary suppression, derived figures, and the
trend table's rates (acceptance item 3)."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from reporting.disclosure import PRIMARY, SECONDARY, display, published
from reporting.rules import rate_per
from tests.reporting.documents import TABLE_1, annual_document


def value_at(document: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (list rows by index; "changes.<key>.<field>" for a change)."""
    if path.startswith("changes."):
        key, _, field = path.removeprefix("changes.").rpartition(".")
        return document["changes"][key][field]
    node: Any = document
    for key in path.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def months_document(values: list[int]) -> dict[str, Any]:
    """A document with only IDVA referrals by month (and their total)."""
    by_month = {f"2020-{month:02d}": value for month, value in enumerate(values, start=4)}
    return {"idva": {"referrals": sum(values), "by_month": by_month}}


# Primary suppression ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "threshold", "expected"),
    [
        (0, 5, None),
        (1, 5, PRIMARY),
        (2, 5, PRIMARY),
        (3, 5, PRIMARY),
        (4, 5, PRIMARY),
        (5, 5, None),
        (6, 5, None),
        (4, 10, PRIMARY),
        (9, 10, PRIMARY),
        (10, 10, None),
        (1, 1, None),
        (1, 0, None),
    ],
)
def test_primary_suppression_hides_counts_from_one_to_below_the_threshold(value, threshold, expected):
    """A count from 1 to threshold - 1 is null and listed as primary; 0 and the threshold itself are shown."""
    document = annual_document()
    document["services"]["champions_members"] = value
    result = published(document, threshold)
    if expected is None:
        assert result["services"]["champions_members"] == value
        assert "services.champions_members" not in result["suppressed"]
    else:
        assert result["services"]["champions_members"] is None
        assert result["suppressed"]["services.champions_members"] == expected
    assert result["disclosure"] == {"threshold": threshold}


def test_threshold_zero_publishes_everything():
    """With a threshold of 0 the published document is the document, with nothing suppressed."""
    document = annual_document()
    result = published(document, 0)
    assert result == {**document, "suppressed": {}, "disclosure": {"threshold": 0}}


def test_published_leaves_the_stored_document_alone():
    """Publishing works on a copy: the stored result keeps every figure."""
    document = annual_document()
    before = copy.deepcopy(document)
    published(document, 5)
    assert document == before


def test_the_seed_year_is_published_with_its_small_counts_suppressed():
    """The seed year's small counts are primary, and what would reveal them secondary, path by path."""
    result = published(annual_document(), 5)
    assert result["suppressed"] == {
        "idva.by_referring_agency.gp-practice": PRIMARY,
        "idva.by_referring_agency.fire-and-rescue": PRIMARY,
        # The stalking post's 3 referrals alone would be the total less the other posts.
        "idva.by_specialist_post.young_people": SECONDARY,
        "idva.by_specialist_post.stalking": PRIMARY,
        "idva.outcomes_at_closure.transferred": SECONDARY,
        "idva.outcomes_at_closure.other": PRIMARY,
        "marac.safelives.referrals_by_agency_kind.adult_safeguarding": PRIMARY,
        "marac.safelives.referrals_by_agency_kind.probation": PRIMARY,
        "marac.safelives.victims_aged_16_17": PRIMARY,
        "marac.safelives.cases_with_perpetrator_aged_17_or_under": PRIMARY,
        # 98.6% of 69 is 68: the one perpetrator who is not male.
        "perpetrator_panel.male_pct": SECONDARY,
        "dhr.homicides": PRIMARY,
        "dhr.suicides": PRIMARY,
        # 2 men of 7 deaths: the 5 women would give them away.
        "dhr.female": SECONDARY,
        "dhr.male": PRIMARY,
        "dhr.reviewed_as_child_death": PRIMARY,
        "dhr.reviews_by_stage.scoping": PRIMARY,
        "dhr.reviews_by_stage.panel_setup": PRIMARY,
        "dhr.reviews_by_stage.overview_report": PRIMARY,
        "dhr.reviews_by_stage.home_office_qa": PRIMARY,
        "dhr.by_theme.Male victims.actions_overdue": PRIMARY,
        "dhr.by_theme.Substance misuse.actions_overdue": PRIMARY,
        "services.sarac_referrals": PRIMARY,
        "changes.dhr.homicides.previous": PRIMARY,
        "changes.dhr.homicides.change_pct": SECONDARY,
        "changes.dhr.suicides.previous": PRIMARY,
        "changes.dhr.suicides.change_pct": SECONDARY,
        "changes.dhr.female.previous": PRIMARY,
        "changes.dhr.female.change_pct": SECONDARY,
        "changes.dhr.male.previous": PRIMARY,
        "changes.dhr.male.change_pct": SECONDARY,
        "changes.services.sarac_referrals.previous": PRIMARY,
        "changes.services.sarac_referrals.change_pct": SECONDARY,
    }
    for path in result["suppressed"]:
        assert value_at(result, path) is None
    assert result["changes"]["dhr.homicides"] == {"previous": None, "change_pct": None}
    # Shown: the totals, zeros, and figures that are not counts.
    assert result["dhr"]["deaths_meeting_criteria"] == 7
    assert result["marac"]["meetings_held"] == 150
    assert result["police"]["population"] == 859830
    assert result["idva"]["referrals"] == 2324


def test_the_shape_of_the_document_is_kept():
    """The published document has every key of the document, in the same order, plus the two of its own."""
    document = annual_document()
    result = published(document, 5)
    assert list(result) == [*document, "suppressed", "disclosure"]
    for section in ("idva", "marac", "police", "perpetrator_panel", "dhr", "services"):
        assert list(result[section]) == list(document[section])
    assert len(result["trend"]) == len(document["trend"])


# Secondary suppression -------------------------------------------------------------------------------------


def test_a_lone_suppressed_month_takes_the_smallest_other_month_with_it():
    """April's 3 referrals would be the total less the other months: June (8, the smallest) goes too."""
    result = published(months_document([3, 10, 8, 12, 9]), 5)
    assert result["idva"]["referrals"] == 42
    assert result["idva"]["by_month"] == {
        "2020-04": None,
        "2020-05": 10,
        "2020-06": None,
        "2020-07": 12,
        "2020-08": 9,
    }
    assert result["suppressed"] == {"idva.by_month.2020-04": PRIMARY, "idva.by_month.2020-06": SECONDARY}


def test_two_suppressed_months_need_nothing_more():
    """A group with two suppressed parts already hides each of them."""
    result = published(months_document([3, 10, 2, 12]), 5)
    assert result["suppressed"] == {"idva.by_month.2020-04": PRIMARY, "idva.by_month.2020-06": PRIMARY}
    assert result["idva"]["by_month"]["2020-05"] == 10


def test_the_second_cell_is_never_a_zero():
    """A suppressed zero hides nothing (the reader would still get the lone count), so a non-zero part goes."""
    result = published(months_document([3, 0, 0, 40, 25]), 5)
    assert result["suppressed"] == {"idva.by_month.2020-04": PRIMARY, "idva.by_month.2020-08": SECONDARY}
    assert result["idva"]["by_month"]["2020-05"] == 0


def test_equal_candidates_take_the_first():
    """Of equally small parts, the first in the document's order is suppressed."""
    result = published(months_document([3, 20, 11, 11]), 5)
    assert result["suppressed"] == {"idva.by_month.2020-04": PRIMARY, "idva.by_month.2020-06": SECONDARY}


def test_other_deaths_are_a_hidden_category_of_their_own():
    """7 homicides and no suicide of 10 deaths would reveal 3 other deaths: the homicides are suppressed."""
    document = {"dhr": {"deaths_meeting_criteria": 10, "homicides": 7, "suicides": 0}}
    result = published(document, 5)
    assert result["dhr"] == {"deaths_meeting_criteria": 10, "homicides": None, "suicides": 0}
    assert result["suppressed"] == {"dhr.homicides": SECONDARY}


def test_a_suppressed_part_beside_other_deaths_is_already_hidden():
    """With other deaths (not published) in the group, one suppressed part is one of two unknowns."""
    document = {"dhr": {"deaths_meeting_criteria": 30, "homicides": 20, "suicides": 2}}
    result = published(document, 5)
    assert result["suppressed"] == {"dhr.suicides": PRIMARY}
    assert result["dhr"]["homicides"] == 20


def test_a_suppressed_total_is_not_left_as_the_sum_of_its_parts():
    """A total suppressed by one group is not left recoverable from its parts in another."""
    document = {
        "marac": {
            "cases_heard": 40,
            "repeat_cases": 38,
            "by_quarter": {
                "Q1": {"cases_heard": 10, "repeat_cases": 10},
                "Q2": {"cases_heard": 10, "repeat_cases": 9},
                "Q3": {"cases_heard": 10, "repeat_cases": 10},
                "Q4": {"cases_heard": 10, "repeat_cases": 9},
            },
        }
    }
    result = published(document, 5)
    # 2 first cases of 40 would be revealed by the repeat cases: they are suppressed...
    assert result["suppressed"]["marac.repeat_cases"] == SECONDARY
    # ...and then a quarter's repeat cases too, or the quarters would add up to them.
    assert any(path.startswith("marac.by_quarter.") for path in result["suppressed"])


def test_an_alias_is_suppressed_with_the_figure():
    """A figure repeated elsewhere (the previous value in "changes") is suppressed in both places."""
    document = {
        "idva": {"referrals": 40, "referrals_previous": 3, "referrals_change_pct": 1233.3},
        "changes": {"idva.referrals": {"previous": 3, "change_pct": 1233.3}},
    }
    result = published(document, 5)
    assert result["idva"] == {"referrals": 40, "referrals_previous": None, "referrals_change_pct": None}
    assert result["changes"]["idva.referrals"] == {"previous": None, "change_pct": None}
    assert result["suppressed"] == {
        "idva.referrals_previous": PRIMARY,
        "idva.referrals_change_pct": SECONDARY,
        "changes.idva.referrals.previous": PRIMARY,
        "changes.idva.referrals.change_pct": SECONDARY,
    }


# Derived figures -------------------------------------------------------------------------------------------


def test_percentages_rates_and_changes_of_a_suppressed_count_are_nulled():
    """A percentage, rate or change computed from a suppressed count is null and listed as secondary."""
    document = {
        "idva": {"referrals": 100, "engaged": 90, "not_engaged": 3, "engagement_rate_pct": 96.8},
        "marac": {"cases_heard": 60, "repeat_cases": 2, "repeat_rate_pct": 3.3},
        "police": {"incidents": 4, "crimes": 0, "population": 20000, "incidents_per_1000": 0.2, "crimes_per_1000": 0.0},
        "trend": [{"label": "2019-20", "incidents": 40, "incidents_per_1000": 2.0, "crimes": 3, "crimes_per_1000": 0.2,
                   "population": 20000}],
        "changes": {
            "idva.engagement_rate_pct": {"previous": 80.0, "change_pct": 21.0},
            "idva.not_engaged": {"previous": 10, "change_pct": -70.0},
        },
    }  # fmt: skip
    result = published(document, 5)
    assert result["suppressed"] == {
        "idva.not_engaged": PRIMARY,
        "idva.engagement_rate_pct": SECONDARY,
        "marac.repeat_cases": PRIMARY,
        "marac.repeat_rate_pct": SECONDARY,
        "police.incidents": PRIMARY,
        "police.incidents_per_1000": SECONDARY,
        "trend.0.crimes": PRIMARY,
        "trend.0.crimes_per_1000": SECONDARY,
        "changes.idva.engagement_rate_pct.change_pct": SECONDARY,
        "changes.idva.not_engaged.change_pct": SECONDARY,
    }
    # Not counts: the population and the previous period's rate stay; a zero rate of a zero count stays.
    assert result["police"]["population"] == 20000
    assert result["police"]["crimes_per_1000"] == 0.0
    assert result["changes"]["idva.engagement_rate_pct"]["previous"] == 80.0
    assert result["changes"]["idva.not_engaged"]["previous"] == 10


def test_a_percentage_of_a_suppressed_denominator_is_nulled():
    """The repeat rate would give back suppressed referrals from the repeat referrals shown."""
    document = {"idva": {"referrals": 3, "repeat_referrals": 0, "repeat_rate_pct": 0.0}}
    result = published(document, 5)
    assert result["idva"] == {"referrals": None, "repeat_referrals": 0, "repeat_rate_pct": None}


@pytest.mark.parametrize(
    ("male_pct", "hidden"),
    [(98.6, True), (55.1, False), (1.4, True), (100.0, False), (94.2, True), (92.8, False)],
)
def test_a_percentage_that_gives_back_a_small_count_is_nulled(male_pct, hidden):
    """Of 69 panel cases, 98.6% male is 68 (one not), 94.2% is 65 (four not): such percentages are nulled."""
    document = {"perpetrator_panel": {"cases_with_actions": 69, "male_pct": male_pct}}
    result = published(document, 5)
    assert (result["perpetrator_panel"]["male_pct"] is None) is hidden


# No suppressed cell can be recomputed ----------------------------------------------------------------------

# The additive groups of the seed year's document, written out by hand: (total, the parts' paths, or the
# breakdown whose every key is a part).
GROUPS: list[tuple[str, list[str] | str]] = [
    ("idva.referrals", "idva.by_month"),
    ("idva.referrals", "idva.by_referring_agency"),
    ("idva.referrals", "idva.by_specialist_post"),
    ("idva.referrals", ["idva.engaged", "idva.not_engaged"]),
    ("idva.referrals", ["idva.repeat_referrals"]),
    ("idva.closed", "idva.outcomes_at_closure"),
    ("marac.cases_heard", [f"marac.by_quarter.2020-21 Q{quarter}.cases_heard" for quarter in (1, 2, 3, 4)]),
    ("marac.repeat_cases", [f"marac.by_quarter.2020-21 Q{quarter}.repeat_cases" for quarter in (1, 2, 3, 4)]),
    ("marac.children_in_households",
     [f"marac.by_quarter.2020-21 Q{quarter}.children_in_households" for quarter in (1, 2, 3, 4)]),
    ("marac.cases_heard", ["marac.repeat_cases"]),
    ("marac.safelives.cases_discussed", "marac.safelives.referrals_by_agency_kind"),
    ("marac.safelives.cases_discussed", ["marac.safelives.police_referrals", "marac.safelives.partner_referrals"]),
    ("marac.safelives.cases_discussed", ["marac.safelives.victims_aged_16_17"]),
    ("marac.safelives.cases_discussed", ["marac.safelives.cases_with_perpetrator_aged_17_or_under"]),
    ("marac.safelives.cases_discussed", ["marac.safelives.male_victims"]),
    ("police.incidents", ["police.crimes"]),
    *((f"trend.{row}.incidents", [f"trend.{row}.crimes"]) for row in range(8)),
    ("perpetrator_panel.cases_with_actions", ["perpetrator_panel.no_fixed_abode"]),
    ("perpetrator_panel.cases_with_actions", ["perpetrator_panel.violence_against_parent"]),
    ("dhr.deaths_meeting_criteria", ["dhr.homicides", "dhr.suicides"]),
    ("dhr.deaths_meeting_criteria", ["dhr.female", "dhr.male"]),
    ("dhr.deaths_meeting_criteria", ["dhr.reviewed_as_child_death"]),
    ("dhr.reviews_open", "dhr.reviews_by_stage"),
    ("dhr.actions.total", ["dhr.actions.complete", "dhr.actions.overdue"]),
    ("services.isva_service_clients", ["services.isva_clients", "services.chisva_clients"]),
    ("services.victim_hub_victims_supported", ["services.victim_hub_da_victims_supported"]),
]  # fmt: skip


def parts_of(document: dict[str, Any], parts: list[str] | str) -> list[str]:
    if isinstance(parts, str):
        return [f"{parts}.{key}" for key in value_at(document, parts)]
    return parts


def assert_nothing_recoverable(document: dict[str, Any], result: dict[str, Any], threshold: int) -> None:
    """What a reader would work out from each group of the published document (the total less the other
    parts) is never a suppressed count, and never a small count left over."""
    for total, parts in GROUPS:
        try:
            cells = [total, *parts_of(document, parts)]
            original = [value_at(document, cell) for cell in cells]
        except (KeyError, IndexError):
            continue
        shown = [value_at(result, cell) for cell in cells]
        hidden = [index for index, value in enumerate(shown) if value is None]
        rest = original[0] - sum(original[1:])
        if len(hidden) == 1:
            index = hidden[0]
            others = sum(value for position, value in enumerate(shown[1:], start=1) if position != index)
            worked_out = others if index == 0 else shown[0] - others
            assert worked_out != original[index], f"{cells[index]} is {worked_out}: the rest of {total}"
        if not hidden:
            assert not 0 < rest < threshold, f"{total} less its parts shows a small count ({rest})"


@pytest.mark.parametrize("threshold", [3, 5, 10, 50])
def test_no_suppressed_cell_of_the_seed_year_can_be_recomputed(threshold):
    """For every group of the seed year, at several thresholds, the reader recomputes no suppressed cell."""
    document = annual_document()
    assert_nothing_recoverable(document, published(document, threshold), threshold)


def partition(generator: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(generator.randint(0, total) for _ in range(parts - 1))
    return [high - low for low, high in zip([0, *cuts], [*cuts, total], strict=True)]


@pytest.mark.parametrize("seed", range(40))
def test_no_suppressed_cell_of_a_small_area_can_be_recomputed(seed):
    """Random small areas (many small counts in groups sharing totals) never leave a suppressed cell
    recoverable from a group."""
    generator = random.Random(seed)
    document = annual_document()
    idva = document["idva"]
    referrals = generator.randint(0, 60)
    idva["referrals"] = referrals
    idva["by_month"] = dict(zip(idva["by_month"], partition(generator, referrals, 12), strict=True))
    idva["by_specialist_post"] = dict(zip(idva["by_specialist_post"], partition(generator, referrals, 6), strict=True))
    agencies = list(idva["by_referring_agency"])[:5]
    idva["by_referring_agency"] = dict(zip(agencies, partition(generator, referrals, 5), strict=True))
    engaged, not_engaged, _ = partition(generator, referrals, 3)
    idva["engaged"], idva["not_engaged"] = engaged, not_engaged
    idva["repeat_referrals"] = generator.randint(0, referrals)
    dhr = document["dhr"]
    deaths = generator.randint(0, 20)
    dhr["deaths_meeting_criteria"] = deaths
    dhr["homicides"], dhr["suicides"], _ = partition(generator, deaths, 3)
    dhr["female"], dhr["male"], _ = partition(generator, deaths, 3)
    dhr["reviewed_as_child_death"] = generator.randint(0, deaths)
    assert_nothing_recoverable(document, published(document, 5), 5)


# Display ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("idva.referrals", "2,324"),
        ("idva.engagement_rate_pct", "76.0%"),
        ("idva.referrals_change_pct", "+18.0%"),
        ("marac.cases_heard_change_pct", "-20.1%"),
        ("changes.idva.referrals.change_pct", "+18.0%"),
        ("changes.idva.referrals.previous", "1,969"),
        ("police.incidents_per_1000", "17.2"),
        ("police.population_year", "2020"),
        ("marac.benchmark_per_10000", "40"),
        ("idva.by_referring_agency.gp-practice", "fewer than 5"),
        ("idva.by_specialist_post.young_people", "suppressed"),
        ("services.isva_service_referrals", "not available"),
    ],
)
def test_display_shows_published_figures_as_the_pages_do(path, expected):
    """Figures read as numbers, percentages, changes and rates, or "fewer than 5" / "suppressed"."""
    result = published(annual_document(), 5)
    assert display(value_at(result, path), path, result) == expected


def test_display_names_the_threshold():
    """With a threshold of 10 a primary-suppressed count reads "fewer than 10"."""
    result = published(annual_document(), 10)
    assert display(None, "dhr.homicides", result) == "fewer than 10"


# The trend table's rates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("row", TABLE_1, ids=[row["label"] for row in TABLE_1])
def test_trend_rates_match_table_1_of_the_city_report(row):
    """Incidents and crimes per 1,000 population, one decimal half up, are the rates of Table 1."""
    assert rate_per(row["incidents"], row["population"], 1000) == row["incidents_per_1000"]
    assert rate_per(row["crimes"], row["population"], 1000) == row["crimes_per_1000"]


@pytest.mark.parametrize(
    ("count", "population", "per", "expected"),
    [
        (1914, 123484, 1000, 15.5),  # 15.49998...
        (1425, 100000, 1000, 14.3),  # exactly 14.25: half up, where float rounding gives 14.2
        (1235, 100000, 1000, 12.4),  # exactly 12.35
        (2465, 200000, 1000, 12.3),  # 12.325
        (1, 8000, 1000, 0.1),  # 0.125
        (5, 40000, 10000, 1.3),  # exactly 1.25
        (1176, 365000, 10000, 32.2),
        (0, 123484, 1000, 0.0),
        (1914, 0, 1000, None),
        (1914, None, 1000, None),
    ],
)
def test_rates_round_half_up_to_one_decimal(count, population, per, expected):
    """Rates per 1,000 and per 10,000 round half up, and are null without a population."""
    assert rate_per(count, population, per) == expected


def test_the_published_trend_table_keeps_table_1():
    """A trend table of Table 1's years publishes every count and rate as Table 1 gives them."""
    document = annual_document()
    document["trend"] = [
        {"start": f"{2000 + index + 9}-12-01", "end": f"{2000 + index + 10}-11-30", **row}
        for index, row in enumerate(TABLE_1)
    ]
    result = published(document, 5)
    for row, expected in zip(result["trend"], TABLE_1, strict=True):
        for key in ("incidents", "incidents_per_1000", "crimes", "crimes_per_1000", "population"):
            assert row[key] == expected[key]
    assert not [path for path in result["suppressed"] if path.startswith("trend.")]


@pytest.mark.parametrize("small", ["victim_hub_da_victims_supported", "victim_hub_victims_supported"])
def test_a_service_share_goes_with_a_suppressed_count(small):
    """A subset's share of its superset is withheld when either count is suppressed: with the other count
    it would give the small one back; with both shown it is published."""
    document = annual_document()
    document["services_shares"] = {"victim_hub_da_victims_supported": 19.1}
    shown = published(copy.deepcopy(document), 5)
    assert shown["services_shares"]["victim_hub_da_victims_supported"] == 19.1
    assert "services_shares.victim_hub_da_victims_supported" not in shown["suppressed"]

    document["services"][small] = 3
    result = published(document, 5)
    assert result["services"][small] is None
    assert result["services_shares"]["victim_hub_da_victims_supported"] is None
    assert result["suppressed"]["services_shares.victim_hub_da_victims_supported"] == SECONDARY
