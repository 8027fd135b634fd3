"""Pure rules for risk assessments: DASH scoring, risk levels and date windows. No database here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

DASH_ANSWERS = ("yes", "no", "not_known")
DASH_QUESTION_COUNT = 24
# SafeLives' levels, fixed by the instrument (not by the partnership's routing policy).
HIGH_RISK_FROM = 14
MEDIUM_RISK_FROM = 10

STANDARD, MEDIUM, HIGH = "standard", "medium", "high"
_LEVEL_ORDER = {STANDARD: 0, MEDIUM: 1, HIGH: 2}


def dash_score(answers: Mapping[str, str]) -> int:
    """The DASH score: the number of "yes" answers."""
    return sum(1 for answer in answers.values() if answer == "yes")


def dash_answer_errors(answers: Mapping[str, object], keys: Iterable[str]) -> dict[str, str]:
    """Per question key, what is wrong with the answers (missing, or not yes / no / not known)."""
    errors: dict[str, str] = {}
    expected = list(keys)
    for key in expected:
        if key not in answers:
            errors[key] = "Answer this question."
        elif answers[key] not in DASH_ANSWERS:
            errors[key] = "Answer yes, no or not known."
    for key in answers:
        if key not in expected:
            errors[key] = "This is not a question of the instrument."
    return errors


def risk_level(*, score: int | None, routed_to_marac: bool, recorded_grade: str | None = None) -> str:
    """High at 14 or more, or whenever the case goes to MARAC; medium at 10-13; else standard.

    A recorded grade (another agency's DASH or DARA) counts as given; routing can raise it, never
    lower it.
    """
    if score is not None:
        level = HIGH if score >= HIGH_RISK_FROM else MEDIUM if score >= MEDIUM_RISK_FROM else STANDARD
    else:
        level = recorded_grade or STANDARD
    if routed_to_marac:
        level = HIGH
    return level


def higher_level(first: str, second: str) -> str:
    return first if _LEVEL_ORDER[first] >= _LEVEL_ORDER[second] else second


def in_window(day: date, *, ending: date, days: int) -> bool:
    """True when `day` is in the window of `days` days ending on `ending`, both ends included.

    With 365 days ending on D, D minus 365 days is in; D minus 366 days is not; days after D are not.
    """
    return ending - timedelta(days=days) <= day <= ending
