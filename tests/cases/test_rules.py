"""The pure risk rules: DASH scoring, answer validation, risk levels and date windows (no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cases.instruments import DASH_QUESTIONS
from cases.models import RiskInstrument
from cases.rules import (
    DASH_QUESTION_COUNT,
    HIGH,
    MEDIUM,
    STANDARD,
    dash_answer_errors,
    dash_score,
    higher_level,
    in_window,
    risk_level,
)
from cases.services import risk_assessment_errors

ALL_SCORES = range(DASH_QUESTION_COUNT + 1)
KEYS = [f"q{number}" for number in range(1, DASH_QUESTION_COUNT + 1)]
# SafeLives' bands (domain.md section 2): 14+ high, 10-13 medium, below 10 standard.
LEVEL_BY_SCORE = {score: HIGH if score >= 14 else MEDIUM if score >= 10 else STANDARD for score in ALL_SCORES}
DASH = RiskInstrument(code="safelives-dash-2009", kind=RiskInstrument.Kind.ITEMISED, questions=DASH_QUESTIONS)
EXTERNAL_GRADE = RiskInstrument(code="external-grade", kind=RiskInstrument.Kind.GRADE, questions=[])


def answers_with(score: int, *, yes_from_the_end: bool = False, rest: str = "no") -> dict[str, str]:
    """All 24 answers with exactly `score` yes; the others are `rest` (or alternate no / not known)."""
    yes_keys = set(KEYS[-score:] if yes_from_the_end and score else KEYS[:score])
    others = ("no", "not_known") if rest == "mixed" else (rest,)
    return {key: "yes" if key in yes_keys else others[index % len(others)] for index, key in enumerate(KEYS)}


def test_the_levels_table_covers_the_documented_boundaries():
    """The expected table itself: 9 standard, 10 and 13 medium, 14 high."""
    assert [LEVEL_BY_SCORE[score] for score in (0, 9, 10, 13, 14, 24)] == [
        STANDARD,
        STANDARD,
        MEDIUM,
        MEDIUM,
        HIGH,
        HIGH,
    ]


@pytest.mark.parametrize("score", ALL_SCORES)
@pytest.mark.parametrize("rest", ["no", "not_known", "mixed"])
def test_dash_score_counts_only_yes(score, rest):
    """The score is the number of yes answers, whatever the other answers are."""
    assert dash_score(answers_with(score, rest=rest)) == score


@pytest.mark.parametrize("score", ALL_SCORES)
def test_dash_score_does_not_depend_on_which_questions(score):
    """Which questions are answered yes does not change the score."""
    assert dash_score(answers_with(score, yes_from_the_end=True)) == dash_score(answers_with(score)) == score


def test_dash_score_of_no_answers_is_zero():
    """An empty set of answers scores 0."""
    assert dash_score({}) == 0


@pytest.mark.parametrize("score", ALL_SCORES)
def test_complete_answers_have_no_errors(score):
    """24 answers, each yes / no / not known, are valid whatever the score."""
    assert dash_answer_errors(answers_with(score, rest="mixed"), KEYS) == {}


@pytest.mark.parametrize("missing", KEYS)
def test_every_question_must_be_answered(missing):
    """Leaving out any one of the 24 answers is an error on that question only."""
    answers = answers_with(5)
    del answers[missing]
    assert dash_answer_errors(answers, KEYS) == {missing: "Answer this question."}


@pytest.mark.parametrize("value", ["Yes", "YES", "y", "", "maybe", None, True, 1])
def test_an_answer_must_be_yes_no_or_not_known(value):
    """Anything but exactly yes / no / not_known is an error."""
    answers = {**answers_with(5), "q7": value}
    assert dash_answer_errors(answers, KEYS) == {"q7": "Answer yes, no or not known."}


def test_an_answer_to_a_question_not_in_the_instrument_is_an_error():
    """Keys beyond the instrument's questions are reported."""
    answers = {**answers_with(5), "q25": "yes"}
    assert dash_answer_errors(answers, KEYS) == {"q25": "This is not a question of the instrument."}


def test_no_answers_at_all_reports_all_24_questions():
    """An empty submission lists every question."""
    assert set(dash_answer_errors({}, KEYS)) == set(KEYS)


def _errors(**overrides: object) -> dict[str, list[str]]:
    arguments: dict[str, object] = {
        "instrument": DASH,
        "assessed_on": timezone.localdate(),
        "answers": answers_with(10),
        "professional_judgement": False,
        "professional_judgement_reason": "",
    }
    arguments.update(overrides)
    return risk_assessment_errors(**arguments)  # type: ignore[arg-type]


def test_a_complete_assessment_today_has_no_errors():
    """24 valid answers dated today can be recorded."""
    assert _errors() == {}


@pytest.mark.parametrize(
    ("judgement", "reason", "valid"),
    [
        (False, "", True),
        (False, "A reason is harmless without judgement", True),
        (True, "Strangulation disclosed; victim fears for her life", True),
        (True, "", False),
        (True, "   \n\t", False),
    ],
)
def test_professional_judgement_needs_a_reason(judgement, reason, valid):
    """Professional judgement is accepted only with a non-blank reason."""
    errors = _errors(professional_judgement=judgement, professional_judgement_reason=reason)
    assert ("professional_judgement_reason" not in errors) is valid
    assert set(errors) <= {"professional_judgement_reason"}


def test_an_assessment_cannot_be_dated_in_the_future():
    """Tomorrow is refused; today is fine."""
    assert set(_errors(assessed_on=timezone.localdate() + timedelta(days=1))) == {"assessed_on"}


def test_answer_errors_are_reported_per_question():
    """The service's validation lists each wrong answer with its question."""
    answers = answers_with(3)
    del answers["q2"]
    answers["q9"] = "perhaps"
    assert _errors(answers=answers)["answers"] == ["q2: Answer this question.", "q9: Answer yes, no or not known."]


def test_all_errors_are_reported_together():
    """Future date, missing reason and bad answers come back in one answer."""
    errors = _errors(
        assessed_on=timezone.localdate() + timedelta(days=3),
        professional_judgement=True,
        answers={},
    )
    assert set(errors) == {"assessed_on", "professional_judgement_reason", "answers"}


@pytest.mark.parametrize(
    ("grade", "valid"), [("high", True), ("medium", True), ("standard", True), ("", False), ("x", False)]
)
def test_a_recorded_grade_must_be_standard_medium_or_high(grade, valid):
    """The external-grade instrument takes no answers but needs a grade."""
    errors = _errors(instrument=EXTERNAL_GRADE, answers={}, external_grade=grade)
    assert (errors == {}) is valid


@pytest.mark.parametrize("score", ALL_SCORES)
def test_risk_level_by_score(score):
    """Without MARAC routing the level follows SafeLives' bands (13 medium, 14 high)."""
    assert risk_level(score=score, routed_to_marac=False) == LEVEL_BY_SCORE[score]


@pytest.mark.parametrize("score", ALL_SCORES)
def test_routing_to_marac_makes_every_score_high(score):
    """A case routed to MARAC is high risk, whatever the score."""
    assert risk_level(score=score, routed_to_marac=True) == HIGH


@pytest.mark.parametrize("score", [s for s in ALL_SCORES if s >= 14])
def test_a_high_score_is_never_lowered(score):
    """A score of 14 or more stays high even when not routed to MARAC (e.g. the IDVA band)."""
    assert risk_level(score=score, routed_to_marac=False) == HIGH


@pytest.mark.parametrize(
    ("grade", "routed_to_marac", "expected"),
    [
        ("standard", False, STANDARD),
        ("medium", False, MEDIUM),
        ("high", False, HIGH),
        ("standard", True, HIGH),
        ("medium", True, HIGH),
        ("high", True, HIGH),
        (None, False, STANDARD),
    ],
)
def test_a_recorded_grade_is_kept_or_raised(grade, routed_to_marac, expected):
    """Another agency's grade counts as given; MARAC routing raises it, nothing lowers it."""
    assert risk_level(score=None, routed_to_marac=routed_to_marac, recorded_grade=grade) == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (STANDARD, STANDARD, STANDARD),
        (STANDARD, MEDIUM, MEDIUM),
        (MEDIUM, STANDARD, MEDIUM),
        (MEDIUM, HIGH, HIGH),
        (HIGH, STANDARD, HIGH),
        (HIGH, HIGH, HIGH),
    ],
)
def test_higher_level(first, second, expected):
    """The higher of two levels, in either order."""
    assert higher_level(first, second) == expected


ENDING = date(2024, 3, 1)  # a leap year: 2023-03-01 is 366 days before, 2023-03-02 is 365 days before.


@pytest.mark.parametrize(
    ("days_before", "inside"),
    [(-1, False), (0, True), (1, True), (364, True), (365, True), (366, False), (400, False)],
)
def test_a_365_day_window_includes_both_ends(days_before, inside):
    """Ending on D: D and D minus 365 days are in; D minus 366 days and D plus 1 are out."""
    assert in_window(ENDING - timedelta(days=days_before), ending=ENDING, days=365) is inside


def test_the_window_counts_days_not_calendar_years():
    """Across 29 February, 365 days before 2024-03-01 is 2023-03-02, not 2023-03-01."""
    assert in_window(date(2023, 3, 2), ending=ENDING, days=365)
    assert not in_window(date(2023, 3, 1), ending=ENDING, days=365)


@pytest.mark.parametrize("days", [1, 30, 182, 365, 730])
def test_other_window_lengths_keep_the_same_boundaries(days):
    """A window of N days holds D minus N and not D minus N minus 1, for any N."""
    assert in_window(ENDING - timedelta(days=days), ending=ENDING, days=days)
    assert not in_window(ENDING - timedelta(days=days + 1), ending=ENDING, days=days)
