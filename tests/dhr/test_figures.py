"""The review figures for the annual report, checked figure by figure against a hand-built set of ten
reviews (values worked out by hand in the comments), the period's boundary days and the area filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agencies.models import Agency, Area, Role, User
from agencies.services import agency_action_complete, agency_action_not_done
from dhr.models import LearningTheme, Review
from dhr.selectors import dhr_figures
from dhr.services import (
    local_approval_record,
    qa_feedback_record,
    qa_submit,
    recommendation_add,
    review_action_add,
    review_decide,
    review_publish,
    review_stage_move,
)
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.dhr import dhr_coordinator, notified_review, stage

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
BUILT_ON = date(2026, 5, 1)
# The financial year 2025-26.
START, END = date(2025, 4, 1), date(2026, 3, 31)
TODAY = date(2026, 7, 1)


@dataclass
class Partnership:
    county: Area
    district: Area
    other_area: Area
    reviews: dict[str, Review]


def _decide(coordinator: User, review: Review, decision: str, on: date) -> Review:
    return review_decide(actor=coordinator, review=review, decision=decision, on=on, rationale="Recorded.")


def _action(coordinator: User, recommendation, agency: Agency, due_on: date):
    return review_action_add(
        actor=coordinator,
        recommendation=recommendation,
        assigned_agency=agency,
        lead="Lead",
        description="Deliver the change.",
        due_on=due_on,
    )


@pytest.fixture
def partnership() -> Partnership:
    """Ten reviews, built on 1 May 2026:

    | ref | notified   | type     | gender | area     | decision           | stage now       |
    | R1  | 2025-04-01 | homicide | female | district | commission         | panel_setup     |
    | R2  | 2026-03-31 | homicide | male   | county   | commission         | imrs            |
    | R3  | 2025-03-31 | homicide | female | county   | commission         | panel_setup     |
    | R4  | 2026-04-01 | suicide  | female | county   | commission         | overview_report |
    | R5  | 2025-06-10 | suicide  | female | county   | commission         | action_plan     |
    | R6  | 2025-09-01 | suicide  | male   | county   | commission         | closed          |
    | R7  | 2025-10-01 | homicide | female | county   | child_death_review | closed          |
    | R8  | 2025-11-01 | homicide | female | county   | not_commissioned   | closed          |
    | R9  | 2025-12-01 | homicide | female | other    | pending            | notification    |
    | R10 | 2026-01-15 | other    | female | other    | commission         | local_approval  |

    Recommendations (themes) and actions (due; state on 1 July 2026):
    R5 #1 (Substance misuse, Suicide): a1 done; a2 open due 1 June (overdue); a3 open due 1 August.
    R5 #2 (Suicide): a4 done.
    R6 #1 (Male victims): a5 not done; a6 open due 1 July (due today: not overdue).
    R2 #1 (no theme): a7 open due 15 June (overdue).
    R10 #1 (Substance misuse): a8 done.
    """
    county = AreaFactory(kind=Area.Kind.COUNTY)
    district = AreaFactory(kind=Area.Kind.DISTRICT, parent=county)
    other_area = AreaFactory(kind=Area.Kind.COUNTY)
    health = AgencyFactory(kind=Agency.Kind.HEALTH)
    health_lead = UserFactory(agency=health, roles=[Role.AGENCY_REP])
    themes = {theme.name: theme for theme in LearningTheme.objects.all()}
    with time_machine.travel(datetime.combine(BUILT_ON, time(12), tzinfo=LONDON), tick=False):
        coordinator = dhr_coordinator()
        rows = [
            ("R1", date(2025, 4, 1), "homicide", "female", district),
            ("R2", date(2026, 3, 31), "homicide", "male", county),
            ("R3", date(2025, 3, 31), "homicide", "female", county),
            ("R4", date(2026, 4, 1), "suicide", "female", county),
            ("R5", date(2025, 6, 10), "suicide", "female", county),
            ("R6", date(2025, 9, 1), "suicide", "male", county),
            ("R7", date(2025, 10, 1), "homicide", "female", county),
            ("R8", date(2025, 11, 1), "homicide", "female", county),
            ("R9", date(2025, 12, 1), "homicide", "female", other_area),
            ("R10", date(2026, 1, 15), "other", "female", other_area),
        ]
        reviews = {
            name: notified_review(coordinator, notified_on=day, death_type=kind, deceased_gender=gender, area=area)
            for name, day, kind, gender, area in rows
        }
        for name in ("R1", "R2", "R3", "R4", "R5", "R6", "R10"):
            reviews[name] = _decide(coordinator, reviews[name], "commission", reviews[name].notified_on)
        reviews["R7"] = _decide(coordinator, reviews["R7"], "child_death_review", date(2025, 10, 20))
        reviews["R8"] = _decide(coordinator, reviews["R8"], "not_commissioned", date(2025, 11, 20))
        review_stage_move(actor=coordinator, review=reviews["R2"], stage=stage("imrs"), on=date(2026, 4, 10))
        review_stage_move(actor=coordinator, review=reviews["R4"], stage=stage("overview_report"), on=date(2026, 4, 20))
        review_stage_move(actor=coordinator, review=reviews["R6"], stage=stage("closed"), on=date(2026, 3, 1))
        local_approval_record(actor=coordinator, review=reviews["R10"], on=date(2026, 4, 1))
        r5 = reviews["R5"]
        local_approval_record(actor=coordinator, review=r5, on=date(2025, 12, 1))
        submission = qa_submit(actor=coordinator, review=r5, submitted_on=date(2025, 12, 5))
        qa_feedback_record(actor=coordinator, submission=submission, feedback="accepted", on=date(2026, 2, 1))
        review_publish(actor=coordinator, review=r5, published_on=date(2026, 3, 1), url="https://example.org/r5")

        r5_first = recommendation_add(
            actor=coordinator, review=r5, text="One.", themes=[themes["Substance misuse"], themes["Suicide"]]
        )
        a1 = _action(coordinator, r5_first, health, date(2026, 5, 15))
        _action(coordinator, r5_first, health, date(2026, 6, 1))
        _action(coordinator, r5_first, health, date(2026, 8, 1))
        r5_second = recommendation_add(actor=coordinator, review=r5, text="Two.", themes=[themes["Suicide"]])
        a4 = _action(coordinator, r5_second, health, date(2026, 5, 20))
        r6_first = recommendation_add(
            actor=coordinator, review=reviews["R6"], text="Three.", themes=[themes["Male victims"]]
        )
        a5 = _action(coordinator, r6_first, health, date(2026, 6, 1))
        _action(coordinator, r6_first, health, date(2026, 7, 1))
        r2_first = recommendation_add(actor=coordinator, review=reviews["R2"], text="Four.")
        _action(coordinator, r2_first, health, date(2026, 6, 15))
        r10_first = recommendation_add(
            actor=coordinator, review=reviews["R10"], text="Five.", themes=[themes["Substance misuse"]]
        )
        a8 = _action(coordinator, r10_first, health, date(2026, 5, 1))
        for done in (a1, a4, a8):
            agency_action_complete(actor=health_lead, action=done, on=BUILT_ON)
        agency_action_not_done(actor=health_lead, action=a5, reason="circumstances_changed", on=BUILT_ON)
    for review in reviews.values():
        review.refresh_from_db()
    return Partnership(county=county, district=district, other_area=other_area, reviews=reviews)


def test_every_figure_for_the_whole_partnership(partnership):
    """Deaths in the year: R1, R2, R5, R6, R7 (child death review) and R10 meet the criteria (R3 and R4
    fall outside, R8 did not meet them, R9 is undecided): 6, of which 3 homicides (R1, R2, R7), 2 suicides
    (R5, R6), 4 women, 2 men. Open reviews: the commissioned ones not closed, whenever notified (R1, R2, R3,
    R4, R5, R10)."""
    assert partnership.reviews["R5"].stage.code == "action_plan"
    figures = dhr_figures(start=START, end=END, today=TODAY)
    assert figures == {
        "deaths_meeting_criteria": 6,
        "homicides": 3,
        "suicides": 2,
        "female": 4,
        "male": 2,
        "reviewed_as_child_death": 1,
        "reviews_open": 6,
        "reviews_by_stage": {
            "panel_setup": 2,
            "imrs": 1,
            "overview_report": 1,
            "local_approval": 1,
            "action_plan": 1,
        },
        "recommendations": 5,
        "actions": {"total": 8, "complete": 3, "overdue": 2},
        "by_theme": {
            "Male victims": {"recommendations": 1, "actions_complete": 0, "actions_overdue": 0},
            "Substance misuse": {"recommendations": 2, "actions_complete": 2, "actions_overdue": 1},
            "Suicide": {"recommendations": 2, "actions_complete": 2, "actions_overdue": 1},
        },
    }
    # Stages in their order, themes by name.
    assert list(figures["reviews_by_stage"]) == [
        "panel_setup",
        "imrs",
        "overview_report",
        "local_approval",
        "action_plan",
    ]
    assert list(figures["by_theme"]) == ["Male victims", "Substance misuse", "Suicide"]


def test_the_period_counts_its_first_and_last_days_only(partnership):
    """Notified on the first day (R1) and the last (R2) count; the day before (R3) and after (R4) do not."""
    assert dhr_figures(start=START, end=END, today=TODAY)["deaths_meeting_criteria"] == 6
    inner = dhr_figures(start=date(2025, 4, 2), end=date(2026, 3, 30), today=TODAY)
    assert (inner["deaths_meeting_criteria"], inner["homicides"], inner["male"]) == (4, 1, 1)
    outer = dhr_figures(start=date(2025, 3, 31), end=date(2026, 4, 1), today=TODAY)
    assert (outer["deaths_meeting_criteria"], outer["homicides"], outer["suicides"]) == (8, 4, 3)
    only_first = dhr_figures(start=START, end=START, today=TODAY)
    assert (only_first["deaths_meeting_criteria"], only_first["female"]) == (1, 1)
    only_last = dhr_figures(start=END, end=END, today=TODAY)
    assert (only_last["deaths_meeting_criteria"], only_last["male"]) == (1, 1)


def test_overdue_actions_from_the_day_after_their_target_date(partnership):
    """a2 is due 1 June: not overdue that day, overdue the next; a7 (15 June) from 16 June."""
    overdue = {
        day: dhr_figures(start=START, end=END, today=day)["actions"]["overdue"]
        for day in (date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 15), date(2026, 6, 16))
    }
    assert overdue == {date(2026, 6, 1): 0, date(2026, 6, 2): 1, date(2026, 6, 15): 1, date(2026, 6, 16): 2}


def test_the_area_filter_takes_the_area_and_the_areas_within_it(partnership):
    """The county: R1 (in its district), R2, R5, R6, R7 meet the criteria; open R1, R2, R3, R4, R5;
    recommendations of R5, R6 and R2 (4) with actions a1-a7."""
    county = dhr_figures(start=START, end=END, area=partnership.county, today=TODAY)
    assert county == {
        "deaths_meeting_criteria": 5,
        "homicides": 3,
        "suicides": 2,
        "female": 3,
        "male": 2,
        "reviewed_as_child_death": 1,
        "reviews_open": 5,
        "reviews_by_stage": {"panel_setup": 2, "imrs": 1, "overview_report": 1, "action_plan": 1},
        "recommendations": 4,
        "actions": {"total": 7, "complete": 2, "overdue": 2},
        "by_theme": {
            "Male victims": {"recommendations": 1, "actions_complete": 0, "actions_overdue": 0},
            "Substance misuse": {"recommendations": 1, "actions_complete": 1, "actions_overdue": 1},
            "Suicide": {"recommendations": 2, "actions_complete": 2, "actions_overdue": 1},
        },
    }
    district = dhr_figures(start=START, end=END, area=partnership.district, today=TODAY)
    assert (district["deaths_meeting_criteria"], district["reviews_open"], district["recommendations"]) == (1, 1, 0)
    assert district["actions"] == {"total": 0, "complete": 0, "overdue": 0}
    assert district["by_theme"] == {}
    other = dhr_figures(start=START, end=END, area=partnership.other_area, today=TODAY)
    assert other == {
        "deaths_meeting_criteria": 1,
        "homicides": 0,
        "suicides": 0,
        "female": 1,
        "male": 0,
        "reviewed_as_child_death": 0,
        "reviews_open": 1,
        "reviews_by_stage": {"local_approval": 1},
        "recommendations": 1,
        "actions": {"total": 1, "complete": 1, "overdue": 0},
        "by_theme": {"Substance misuse": {"recommendations": 1, "actions_complete": 1, "actions_overdue": 0}},
    }


def test_no_reviews_gives_zeros(db):
    """With no reviews every figure is zero and the breakdowns are empty."""
    assert dhr_figures(start=START, end=END, today=TODAY) == {
        "deaths_meeting_criteria": 0,
        "homicides": 0,
        "suicides": 0,
        "female": 0,
        "male": 0,
        "reviewed_as_child_death": 0,
        "reviews_open": 0,
        "reviews_by_stage": {},
        "recommendations": 0,
        "actions": {"total": 0, "complete": 0, "overdue": 0},
        "by_theme": {},
    }


def test_figures_take_a_fixed_number_of_queries(partnership, django_assert_max_num_queries):
    """The figures are SQL aggregates: a handful of queries whatever the number of reviews."""
    with django_assert_max_num_queries(6):
        dhr_figures(start=START, end=END, area=partnership.county, today=TODAY)
