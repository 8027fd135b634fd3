"""The perpetrator panel's figures for the annual report (panel_figures): panel cases with an action agreed
in the period, and of those the perpetrators' gender and the four flags, checked against a hand-built set;
the period's boundaries and the area filter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from agencies.models import Agency, Area
from perpetrator_panel.models import PanelCase
from perpetrator_panel.selectors import panel_figures
from perpetrator_panel.services import panel_action_create, panel_case_update, panel_meeting_create
from tests.factories.agencies import AgencyFactory, AreaFactory
from tests.factories.cases import PersonFactory, case_worker
from tests.factories.panel import open_panel_case, panel_member, perpetrator_with_history, police_agency

pytestmark = pytest.mark.django_db

FLAGS = ("stalking", "strangulation", "violence_against_parent", "no_fixed_abode")


def today() -> date:
    return timezone.localdate()


START = 60  # the period: 60 days ago ...
END = 30  # ... to 30 days ago, both included


def ago(days: int) -> date:
    return today() - timedelta(days=days)


def panel_case_in(area: Area, *, gender: str, flags: tuple[str, ...], member) -> PanelCase:
    """A panel case opened 100 days ago for a perpetrator of `gender` whose case is in `area`."""
    recorder = case_worker(AgencyFactory(kind=Agency.Kind.POLICE, areas=[area]))
    perpetrator, cases = perpetrator_with_history(recorder=recorder, perpetrator=PersonFactory(gender=gender))
    return open_panel_case(
        member, perpetrator=perpetrator, cases=cases, opened_on=ago(100), flags={f: f in flags for f in FLAGS}
    )


def agree(member, panel_case: PanelCase, days_ago: int) -> None:
    panel_action_create(
        actor=member,
        panel_case=panel_case,
        assigned_agency=police_agency(),
        description="Check bail conditions",
        due_on=ago(days_ago) + timedelta(days=14),
        agreed_on=ago(days_ago),
    )


@pytest.fixture
def areas() -> dict[str, Area]:
    county = AreaFactory(kind=Area.Kind.COUNTY)
    district = AreaFactory(kind=Area.Kind.DISTRICT, parent=county)
    ward = AreaFactory(kind=Area.Kind.DISTRICT, parent=district)
    elsewhere = AreaFactory(kind=Area.Kind.UNITARY)
    return {"county": county, "district": district, "ward": ward, "elsewhere": elsewhere}


@pytest.fixture
def panel(areas):
    """Eight panel cases (actions agreed N days ago; the period runs from 60 to 30 days ago):

    | # | area      | gender     | flags                          | actions agreed      | in the period |
    |---|-----------|------------|--------------------------------|---------------------|---------------|
    | 1 | county    | male       | stalking, strangulation        | 60 (start day)      | yes           |
    | 2 | district  | male       | stalking, no fixed abode       | 30 (end day)        | yes           |
    | 3 | ward      | female     | violence against parent        | 45, 45, 90          | yes (once)    |
    | 4 | county    | male       | strangulation                  | 61 (day before)     | no            |
    | 5 | county    | male       | stalking                       | 29 (day after)      | no            |
    | 6 | county    | male       | all four                       | none                | no            |
    | 7 | elsewhere | not known  | no fixed abode, violence (APV) | at a meeting, 40    | yes           |
    | 8 | elsewhere | male       | none                           | 50 and 10           | yes           |
    """
    member = panel_member()
    cases = [
        panel_case_in(areas["county"], gender="male", flags=("stalking", "strangulation"), member=member),
        panel_case_in(areas["district"], gender="male", flags=("stalking", "no_fixed_abode"), member=member),
        panel_case_in(areas["ward"], gender="female", flags=("violence_against_parent",), member=member),
        panel_case_in(areas["county"], gender="male", flags=("strangulation",), member=member),
        panel_case_in(areas["county"], gender="male", flags=("stalking",), member=member),
        panel_case_in(areas["county"], gender="male", flags=FLAGS, member=member),
        panel_case_in(
            areas["elsewhere"], gender="not_known", flags=("no_fixed_abode", "violence_against_parent"), member=member
        ),
        panel_case_in(areas["elsewhere"], gender="male", flags=(), member=member),
    ]
    agree(member, cases[0], 60)
    agree(member, cases[1], 30)
    for days in (45, 45, 90):
        agree(member, cases[2], days)
    agree(member, cases[3], 61)
    agree(member, cases[4], 29)
    meeting = panel_meeting_create(actor=member, held_on=ago(40))
    panel_action_create(
        actor=member,
        panel_case=cases[6],
        assigned_agency=police_agency(),
        description="Refer to MAPPA",
        due_on=ago(20),
        meeting=meeting,
    )
    agree(member, cases[7], 50)
    agree(member, cases[7], 10)
    return cases


def test_every_figure_against_hand_computed_values(panel):
    """In the period: cases 1, 2, 3, 7, 8 (five). Male: 1, 2, 8 (3 of 5 = 60.0%); no fixed abode: 2, 7;
    violence against a parent: 3, 7; stalking: 1, 2 (2 of 5 = 40.0%); strangulation: 1 (1 of 5 = 20.0%)."""
    assert panel_figures(start=ago(START), end=ago(END)) == {
        "cases_with_actions": 5,
        "male_pct": 60.0,
        "no_fixed_abode": 2,
        "violence_against_parent": 2,
        "stalking_pct": 40.0,
        "strangulation_pct": 20.0,
    }


def test_the_area_filter_takes_the_area_and_the_areas_within_it(panel, areas):
    """The county with its district and ward: cases 1, 2, 3 (three). Male 2 of 3 = 66.7%; stalking 2 of 3 =
    66.7%; strangulation 1 of 3 = 33.3%; no fixed abode 1 (case 2); violence against a parent 1 (case 3)."""
    assert panel_figures(start=ago(START), end=ago(END), area=areas["county"]) == {
        "cases_with_actions": 3,
        "male_pct": 66.7,
        "no_fixed_abode": 1,
        "violence_against_parent": 1,
        "stalking_pct": 66.7,
        "strangulation_pct": 33.3,
    }


def test_the_area_filter_on_a_district_leaves_out_its_parent(panel, areas):
    """The district: cases 2 and 3 only (the ward is within it; the county is not)."""
    figures = panel_figures(start=ago(START), end=ago(END), area=areas["district"])
    assert figures == {
        "cases_with_actions": 2,
        "male_pct": 50.0,
        "no_fixed_abode": 1,
        "violence_against_parent": 1,
        "stalking_pct": 50.0,
        "strangulation_pct": 0.0,
    }


def test_the_other_area(panel, areas):
    """Elsewhere: cases 7 and 8; 1 of 2 male; neither stalking nor strangulation."""
    figures = panel_figures(start=ago(START), end=ago(END), area=areas["elsewhere"])
    assert (figures["cases_with_actions"], figures["male_pct"], figures["stalking_pct"]) == (2, 50.0, 0.0)
    assert (figures["no_fixed_abode"], figures["violence_against_parent"]) == (1, 1)


def test_a_case_linked_to_cases_in_two_areas_counts_once(panel, areas):
    """Case 8 also linked to a case in the county: counted once in the county's figures (4 cases, 3 male)."""
    member = panel_member()
    recorder = case_worker(AgencyFactory(kind=Agency.Kind.POLICE, areas=[areas["county"]]))
    eighth = panel[7]
    _, more = perpetrator_with_history(recorder=recorder, perpetrator=eighth.perpetrator)
    panel_case_update(
        actor=member,
        panel_case=eighth,
        reasons=eighth.reasons,
        reasons_detail="",
        flags={},
        cases=[*eighth.cases.all(), *more],
    )
    figures = panel_figures(start=ago(START), end=ago(END), area=areas["county"])
    assert (figures["cases_with_actions"], figures["male_pct"]) == (4, 75.0)


def test_no_case_gives_null_percentages(panel):
    """A period with no action agreed: no case, zero counts and no percentages."""
    assert panel_figures(start=ago(200), end=ago(150)) == {
        "cases_with_actions": 0,
        "male_pct": None,
        "no_fixed_abode": 0,
        "violence_against_parent": 0,
        "stalking_pct": None,
        "strangulation_pct": None,
    }


@pytest.mark.parametrize(
    ("agreed_days_ago", "counted"),
    [(61, False), (60, True), (59, True), (31, True), (30, True), (29, False)],
)
def test_period_boundaries(agreed_days_ago, counted):
    """An action agreed on the start day or the end day counts; the day before or after does not."""
    member = panel_member()
    panel_case = open_panel_case(member, opened_on=ago(100))
    agree(member, panel_case, agreed_days_ago)
    assert panel_figures(start=ago(START), end=ago(END))["cases_with_actions"] == (1 if counted else 0)


def test_a_one_day_period():
    """A period of one day holds the actions agreed that day only."""
    member = panel_member()
    panel_case = open_panel_case(member, opened_on=ago(100))
    agree(member, panel_case, 50)
    assert panel_figures(start=ago(50), end=ago(50))["cases_with_actions"] == 1
    assert panel_figures(start=ago(49), end=ago(49))["cases_with_actions"] == 0


def test_figures_take_a_fixed_number_of_queries(panel, django_assert_num_queries):
    """The figures are one aggregate query (whatever the number of cases)."""
    with django_assert_num_queries(1):
        panel_figures(start=ago(START), end=ago(END))
