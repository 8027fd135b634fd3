"""The pure routing rules: policy in force, the four MARAC criteria, routing, risk level, repeats (no database)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from cases.rules import HIGH, MEDIUM, STANDARD, risk_level
from referrals.rules import (
    CRITERIA_ORDER,
    IDVA,
    MARAC,
    POTENTIAL_ESCALATION,
    PROFESSIONAL_JUDGEMENT,
    REPEAT,
    VISIBLE_HIGH_RISK,
    AssessmentFacts,
    Policy,
    is_repeat_referral,
    marac_criteria,
    policy_in_force,
    route,
)

ALL_SCORES = range(25)
# The two policies of api.md's seed_demo.
SAFELIVES = Policy(
    id=1,
    effective_from=date(2009, 1, 1),
    marac_threshold=14,
    idva_band=None,
    escalation_count=3,
    escalation_window_days=365,
    repeat_window_days=365,
)
PARTNERSHIP = Policy(
    id=2,
    effective_from=date(2020, 1, 1),
    marac_threshold=17,
    idva_band=(14, 16),
    escalation_count=3,
    escalation_window_days=365,
    repeat_window_days=365,
)
POLICIES = {"safelives": SAFELIVES, "partnership": PARTNERSHIP}
ON = date(2024, 6, 15)


def days_before(days: int) -> date:
    return ON - timedelta(days=days)


def decide(
    policy: Policy,
    *,
    score: int | None = 0,
    judgement: bool = False,
    incidents: tuple[date, ...] = (),
    marac_referrals: tuple[date, ...] = (),
    grade: str | None = None,
) -> tuple[str, list[str], str]:
    """Routing, criteria codes and risk level, as risk_assessment_submit combines the rules."""
    facts = AssessmentFacts(
        assessed_on=ON,
        score=score,
        professional_judgement=judgement,
        incident_dates=incidents,
        marac_referral_dates=marac_referrals,
        recorded_grade=grade,
    )
    result = route(facts, policy)
    level = risk_level(score=score, routed_to_marac=result.routing == MARAC, recorded_grade=grade)
    return result.routing, result.criteria_codes, level


def _safelives_expected(score: int) -> tuple[str, list[str], str]:
    if score >= 14:
        return MARAC, [VISIBLE_HIGH_RISK], HIGH
    return STANDARD, [], MEDIUM if score >= 10 else STANDARD


def _partnership_expected(score: int) -> tuple[str, list[str], str]:
    if score >= 17:
        return MARAC, [VISIBLE_HIGH_RISK], HIGH
    if score >= 14:
        return IDVA, [], HIGH
    return STANDARD, [], MEDIUM if score >= 10 else STANDARD


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (9, (STANDARD, [], STANDARD)),
        (10, (STANDARD, [], MEDIUM)),
        (13, (STANDARD, [], MEDIUM)),
        (14, (MARAC, [VISIBLE_HIGH_RISK], HIGH)),
        (24, (MARAC, [VISIBLE_HIGH_RISK], HIGH)),
    ],
)
def test_safelives_table_at_its_boundaries(score, expected):
    """The expected table for SafeLives' default: 13 is medium and standard services, 14 MARAC."""
    assert _safelives_expected(score) == expected


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (13, (STANDARD, [], MEDIUM)),
        (14, (IDVA, [], HIGH)),
        (16, (IDVA, [], HIGH)),
        (17, (MARAC, [VISIBLE_HIGH_RISK], HIGH)),
    ],
)
def test_partnership_table_at_its_boundaries(score, expected):
    """The expected table for the 2020 rule: 13 standard, 14-16 IDVA, 17 MARAC."""
    assert _partnership_expected(score) == expected


@pytest.mark.parametrize("score", ALL_SCORES)
def test_every_score_under_safelives_default(score):
    """SafeLives' default: MARAC at 14 or more, no IDVA band."""
    assert decide(SAFELIVES, score=score) == _safelives_expected(score)


@pytest.mark.parametrize("score", ALL_SCORES)
def test_every_score_under_the_partnership_rule(score):
    """The 2020 rule: MARAC at 17 or more, the IDVA service for 14-16 (still high risk)."""
    assert decide(PARTNERSHIP, score=score) == _partnership_expected(score)


@pytest.mark.parametrize("policy_name", POLICIES)
@pytest.mark.parametrize("score", ALL_SCORES)
def test_professional_judgement_sends_every_score_to_marac_as_high_risk(policy_name, score):
    """Judgement routes any score to MARAC, high risk; a score over the threshold is listed first."""
    policy = POLICIES[policy_name]
    expected = [VISIBLE_HIGH_RISK] * (score >= policy.marac_threshold) + [PROFESSIONAL_JUDGEMENT]
    assert decide(policy, score=score, judgement=True) == (MARAC, expected, HIGH)


def test_score_10_routed_to_marac_by_judgement_is_high_not_medium():
    """Routing raises the level: a medium score sent to MARAC on judgement is high risk."""
    assert decide(SAFELIVES, score=10, judgement=True) == (MARAC, [PROFESSIONAL_JUDGEMENT], HIGH)


@pytest.mark.parametrize("policy_name", POLICIES)
@pytest.mark.parametrize(
    ("incident_days_before", "escalates"),
    [
        ((10, 20), False),
        ((10, 20, 30), True),
        ((10, 20, 365), True),
        ((10, 20, 366), False),
        ((0, 0, 0), True),
        ((0, 1, 2, 3), True),
        ((10, 20, -1), False),
        ((10, 20, -1, -30, -300), False),
        ((10, 366, 400, 700), False),
    ],
)
def test_potential_escalation_at_the_count_and_window_boundaries(policy_name, incident_days_before, escalates):
    """3 incidents in the 365 days ending on the assessment date escalate (both ends in); 2 do not;
    incidents after the assessment date do not count; several on one day count separately."""
    incidents = tuple(days_before(days) for days in incident_days_before)
    routing, criteria, level = decide(POLICIES[policy_name], score=2, incidents=incidents)
    if escalates:
        assert (routing, criteria, level) == (MARAC, [POTENTIAL_ESCALATION], HIGH)
    else:
        assert (routing, criteria, level) == (STANDARD, [], STANDARD)


def test_the_escalation_explanation_lists_the_incidents_in_the_window():
    """The criterion carries the dates that counted, oldest first, and says so in words."""
    facts = AssessmentFacts(
        assessed_on=ON,
        score=0,
        professional_judgement=False,
        incident_dates=(days_before(3), days_before(366), days_before(365), days_before(1), ON + timedelta(days=1)),
    )
    (criterion,) = marac_criteria(facts, SAFELIVES)
    assert criterion.code == POTENTIAL_ESCALATION
    assert criterion.dates == (days_before(365), days_before(3), days_before(1))
    assert criterion.explanation.startswith("3 incidents in the last 365 days")


@pytest.mark.parametrize(
    ("count", "window", "incident_days_before", "escalates"),
    [
        (3, 182, (1, 2, 182), True),
        (3, 182, (1, 2, 183), False),
        (2, 365, (1, 365), True),
        (4, 365, (1, 2, 3), False),
        (4, 365, (1, 2, 3, 4), True),
    ],
)
def test_escalation_count_and_window_are_the_policys(count, window, incident_days_before, escalates):
    """Count and window are configurable (Kent: 3 in 6 months); the boundaries follow the policy."""
    policy = Policy(
        id=3,
        effective_from=date(2021, 1, 1),
        marac_threshold=14,
        idva_band=None,
        escalation_count=count,
        escalation_window_days=window,
        repeat_window_days=365,
    )
    _, criteria, _ = decide(policy, incidents=tuple(days_before(days) for days in incident_days_before))
    assert (criteria == [POTENTIAL_ESCALATION]) is escalates


@pytest.mark.parametrize("policy_name", POLICIES)
@pytest.mark.parametrize(
    ("referral_days_before", "repeat"),
    [
        ((), False),
        ((0,), True),
        ((1,), True),
        ((365,), True),
        ((366,), False),
        ((-1,), False),
        ((366, 500), False),
        ((700, 366, 365), True),
    ],
)
def test_repeat_marac_within_365_days_of_the_last_marac_referral(policy_name, referral_days_before, repeat):
    """An earlier MARAC referral (same victim and perpetrator) 365 days back is a repeat; 366 is not."""
    referrals = tuple(days_before(days) for days in referral_days_before)
    routing, criteria, level = decide(POLICIES[policy_name], score=3, marac_referrals=referrals)
    if repeat:
        assert (routing, criteria, level) == (MARAC, [REPEAT], HIGH)
    else:
        assert (routing, criteria, level) == (STANDARD, [], STANDARD)


def test_the_repeat_explanation_names_the_last_referral():
    """The repeat criterion names the most recent MARAC referral in the window."""
    facts = AssessmentFacts(
        assessed_on=ON,
        score=0,
        professional_judgement=False,
        marac_referral_dates=(days_before(300), days_before(20), days_before(500)),
    )
    (criterion,) = marac_criteria(facts, SAFELIVES)
    assert criterion.dates == (days_before(300), days_before(20))
    assert "last on 26 May 2024" in criterion.explanation


def test_the_documented_order_of_criteria():
    """Criteria are listed in api.md's order (SafeLives' numbering): visible high risk, judgement,
    escalation, repeat."""
    assert CRITERIA_ORDER == (VISIBLE_HIGH_RISK, PROFESSIONAL_JUDGEMENT, POTENTIAL_ESCALATION, REPEAT)


COMBINATIONS = list(itertools.product([False, True], repeat=4))


@pytest.mark.parametrize(("repeat", "high", "judgement", "escalation"), COMBINATIONS)
def test_every_combination_of_criteria_under_the_partnership_rule(repeat, high, judgement, escalation):
    """All criteria that apply are listed, in order; any one sends a 15 to MARAC; none leaves it with
    the IDVA service."""
    routing, criteria, level = decide(
        PARTNERSHIP,
        score=20 if high else 15,
        judgement=judgement,
        incidents=(days_before(1), days_before(2), days_before(3 if escalation else 400)),
        marac_referrals=(days_before(100 if repeat else 400),),
    )
    expected = [
        code
        for code, applies in (
            (VISIBLE_HIGH_RISK, high),
            (PROFESSIONAL_JUDGEMENT, judgement),
            (POTENTIAL_ESCALATION, escalation),
            (REPEAT, repeat),
        )
        if applies
    ]
    assert criteria == expected
    assert routing == (MARAC if expected else IDVA)
    assert level == HIGH


@pytest.mark.parametrize(("repeat", "high", "judgement", "escalation"), COMBINATIONS)
def test_every_combination_of_criteria_under_safelives_default(repeat, high, judgement, escalation):
    """With no IDVA band, a medium score goes to MARAC on any criterion and to standard services on none."""
    routing, criteria, level = decide(
        SAFELIVES,
        score=14 if high else 12,
        judgement=judgement,
        incidents=(days_before(0), days_before(100), days_before(365 if escalation else 366)),
        marac_referrals=(days_before(365 if repeat else 366),),
    )
    assert len(criteria) == sum((repeat, high, judgement, escalation))
    assert criteria == [code for code in CRITERIA_ORDER if code in criteria]
    assert (routing, level) == ((MARAC, HIGH) if criteria else (STANDARD, MEDIUM))


@pytest.mark.parametrize("policy_name", POLICIES)
@pytest.mark.parametrize(
    ("grade", "judgement", "incident_count", "expected"),
    [
        ("high", False, 0, (IDVA, [], HIGH)),
        ("medium", False, 0, (STANDARD, [], MEDIUM)),
        ("standard", False, 0, (STANDARD, [], STANDARD)),
        ("standard", True, 0, (MARAC, [PROFESSIONAL_JUDGEMENT], HIGH)),
        ("medium", False, 3, (MARAC, [POTENTIAL_ESCALATION], HIGH)),
        ("high", True, 3, (MARAC, [PROFESSIONAL_JUDGEMENT, POTENTIAL_ESCALATION], HIGH)),
    ],
)
def test_a_recorded_external_grade(policy_name, grade, judgement, incident_count, expected):
    """Another agency's grade has no score (so no visible high risk); high with no criterion goes to the
    IDVA service; the other criteria apply as usual and MARAC raises the level to high."""
    incidents = tuple(days_before(days) for days in range(1, incident_count + 1))
    assert decide(POLICIES[policy_name], score=None, grade=grade, judgement=judgement, incidents=incidents) == expected


def test_the_result_names_the_policy_that_decided():
    """The routing result carries the policy, so the decision can store its id."""
    facts = AssessmentFacts(assessed_on=ON, score=15, professional_judgement=False)
    assert route(facts, PARTNERSHIP).policy.id == 2
    assert route(facts, SAFELIVES).policy.id == 1


@pytest.mark.parametrize(
    ("on", "expected_id"),
    [
        (date(2009, 1, 1), 1),
        (date(2015, 6, 30), 1),
        (date(2019, 12, 31), 1),
        (date(2020, 1, 1), 2),
        (date(2020, 1, 2), 2),
        (date(2026, 11, 21), 2),
    ],
)
@pytest.mark.parametrize("listed", [(SAFELIVES, PARTNERSHIP), (PARTNERSHIP, SAFELIVES)])
def test_the_policy_in_force_on_a_date(on, expected_id, listed):
    """The latest policy effective on or before the date, whatever order they come in."""
    assert policy_in_force(listed, on).id == expected_id


@pytest.mark.parametrize("on", [date(2008, 12, 31), date(1999, 1, 1)])
def test_no_policy_before_the_first(on):
    """Before the first effective date there is no policy: a LookupError, not a guess."""
    with pytest.raises(LookupError):
        policy_in_force([SAFELIVES, PARTNERSHIP], on)


def test_no_policies_at_all():
    """With no policy configured nothing is in force."""
    with pytest.raises(LookupError):
        policy_in_force([], ON)


@pytest.mark.parametrize("score", ALL_SCORES)
def test_the_same_assessment_either_side_of_the_policy_change(score):
    """An assessment on 2019-12-31 is routed by SafeLives' default, on 2020-01-01 by the 2020 rule."""
    for on, expected in ((date(2019, 12, 31), _safelives_expected), (date(2020, 1, 1), _partnership_expected)):
        policy = policy_in_force([SAFELIVES, PARTNERSHIP], on)
        facts = AssessmentFacts(assessed_on=on, score=score, professional_judgement=False)
        result = route(facts, policy)
        level = risk_level(score=score, routed_to_marac=result.routing == MARAC)
        assert (result.routing, result.criteria_codes, level) == expected(score)


@pytest.mark.parametrize(
    ("earlier_days_before", "repeat"),
    [
        ((), False),
        ((0,), True),
        ((1,), True),
        ((365,), True),
        ((366,), False),
        ((-1,), False),
        ((-1, 366), False),
        ((1000, 366, 365), True),
    ],
)
def test_is_repeat_referral_at_the_window_boundaries(earlier_days_before, repeat):
    """A referral is a repeat when an earlier one was received in the 365 days ending on its date."""
    earlier = [days_before(days) for days in earlier_days_before]
    assert is_repeat_referral(received_on=ON, earlier_received_on=earlier) is repeat


@pytest.mark.parametrize(("window", "days", "repeat"), [(182, 182, True), (182, 183, False), (730, 700, True)])
def test_is_repeat_referral_with_another_window(window, days, repeat):
    """The window length is a parameter with the same inclusive boundaries."""
    assert is_repeat_referral(received_on=ON, earlier_received_on=[days_before(days)], window_days=window) is repeat


def test_is_repeat_referral_accepts_any_iterable():
    """A generator of dates works (the service passes a query's values)."""
    assert is_repeat_referral(received_on=ON, earlier_received_on=(days_before(d) for d in (400, 30)))
