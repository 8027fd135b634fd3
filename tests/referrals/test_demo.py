"""seed_demo's routing policies, demo cases and assessments: what api.md promises, and idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cases.demo import DEMO_CASE_COUNT
from cases.models import Case, CaseParty, Child, Incident, Person, RiskAssessment, SafeContact
from referrals.models import Referral, RoutingDecision, RoutingPolicy

POLICY_2020 = date(2020, 1, 1)
API_MD_POLICIES = {
    date(2009, 1, 1): (14, None, None, 3, 365, 365),
    POLICY_2020: (17, 14, 16, 3, 365, 365),
}
COUNTED = (
    Case,
    Person,
    CaseParty,
    Child,
    Incident,
    SafeContact,
    RiskAssessment,
    RoutingDecision,
    Referral,
    RoutingPolicy,
)


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _policies() -> dict[date, tuple[int | None, ...]]:
    return {
        policy.effective_from: (
            policy.marac_threshold,
            policy.idva_band_min,
            policy.idva_band_max,
            policy.escalation_count,
            policy.escalation_window_days,
            policy.repeat_window_days,
        )
        for policy in RoutingPolicy.objects.all()
    }


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture(scope="module")
def full_seed(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The full demo seeded once for this module (about 15 s), rolled back when the module ends."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _seed()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- --minimal ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_minimal_seed_creates_the_two_policies_of_api_md():
    """--minimal: SafeLives' default until 2019-12-31 and the partnership's rule from 2020-01-01."""
    _seed("--minimal")
    assert _policies() == API_MD_POLICIES


@pytest.mark.django_db
def test_minimal_seed_creates_no_cases():
    """--minimal creates no case, person, incident, assessment or referral."""
    _seed("--minimal")
    counts = _counts()
    assert counts["RoutingPolicy"] == 2
    assert {name: count for name, count in counts.items() if name != "RoutingPolicy"} == dict.fromkeys(
        [model.__name__ for model in COUNTED if model is not RoutingPolicy], 0
    )


@pytest.mark.django_db
def test_minimal_seed_is_idempotent():
    """A second --minimal run keeps the same two policies."""
    _seed("--minimal")
    ids = set(RoutingPolicy.objects.values_list("pk", flat=True))
    _seed("--minimal")
    assert set(RoutingPolicy.objects.values_list("pk", flat=True)) == ids


@pytest.mark.django_db
def test_seed_keeps_an_existing_policy_of_the_same_date(partnership_rule):
    """A 2020 policy already there (same rule) is kept, not duplicated or renamed."""
    _seed("--minimal")
    assert RoutingPolicy.objects.get(effective_from=POLICY_2020) == partnership_rule
    assert RoutingPolicy.objects.get(effective_from=POLICY_2020).name == partnership_rule.name
    assert _policies() == API_MD_POLICIES


@pytest.mark.django_db
def test_seed_sets_an_unused_policy_to_the_rule_of_api_md():
    """A 2020 policy with another rule that has routed nothing is set to MARAC 17, IDVA 14-16."""
    RoutingPolicy.objects.create(name="Draft", effective_from=POLICY_2020, marac_threshold=15)
    _seed("--minimal")
    assert _policies() == API_MD_POLICIES


@pytest.mark.django_db
def test_seed_leaves_a_policy_that_has_routed_alone():
    """A 2020 policy with another rule that has routed assessments is kept as it is, and reported."""
    from tests.factories.cases import case_worker, idva_service, make_case, submit_dash

    pilot = RoutingPolicy.objects.create(name="Pilot", effective_from=POLICY_2020, marac_threshold=15)
    idva_service()
    worker = case_worker()
    submit_dash(worker, make_case(worker, opened_on=date(2021, 5, 1)), score=15, assessed_on=date(2021, 5, 1))
    out = _seed("--minimal")
    pilot.refresh_from_db()
    assert (pilot.marac_threshold, pilot.idva_band_min) == (15, None)
    assert "Kept the routing policy Pilot" in out


@pytest.mark.django_db
def test_seed_never_creates_anything_in_the_future(time_machine):
    """Run on an earlier day, the seed stops at that day: no case, incident or assessment after it."""
    day = date(2018, 5, 31)
    time_machine.move_to(day)
    _seed()
    assert Case.objects.exists()
    assert not Case.objects.filter(opened_on__gt=day).exists()
    assert not Incident.objects.filter(occurred_on__gt=day).exists()
    assert not RiskAssessment.objects.filter(assessed_on__gt=day).exists()
    assert RiskAssessment.objects.values("case").distinct().count() == Case.objects.count()


# --- The full seed --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_seed_creates_a_few_hundred_assessed_cases(full_seed):
    """Hundreds of cases, each with a DASH assessment and its routing decision."""
    assert Case.objects.count() == DEMO_CASE_COUNT >= 200
    assert RiskAssessment.objects.values("case").distinct().count() == DEMO_CASE_COUNT
    assert RoutingDecision.objects.count() == RiskAssessment.objects.count()
    assert f"{DEMO_CASE_COUNT} new" in full_seed


@pytest.mark.django_db
def test_full_seed_assesses_on_both_sides_of_the_2020_rule(full_seed):
    """Assessments before 2020 are routed by SafeLives' default, from 2020 by the partnership's rule,
    and each policy routes to its own outcomes (no IDVA band before 2020)."""
    decisions = RoutingDecision.objects.select_related("policy", "risk_assessment")
    before = decisions.filter(risk_assessment__assessed_on__lt=POLICY_2020)
    after = decisions.filter(risk_assessment__assessed_on__gte=POLICY_2020)
    assert before.count() >= 20
    assert after.count() >= 20
    assert {decision.policy.effective_from for decision in before} == {date(2009, 1, 1)}
    assert {decision.policy.effective_from for decision in after} == {POLICY_2020}
    assert set(before.values_list("routing", flat=True)) == {"marac", "standard"}
    assert set(after.values_list("routing", flat=True)) == {"marac", "idva", "standard"}


@pytest.mark.django_db
def test_full_seed_scores_are_spread_realistically(full_seed):
    """Many 5-13, a good share 14-16, some 17 or more; some professional judgement."""
    scores = list(RiskAssessment.objects.values_list("score", flat=True))
    share = {
        band: sum(low <= score <= high for score in scores) / len(scores)
        for band, (low, high) in {"5-13": (5, 13), "14-16": (14, 16), "17+": (17, 24)}.items()
    }
    assert share["5-13"] >= 0.4
    assert 0.15 <= share["14-16"] <= 0.4
    assert 0.05 <= share["17+"] <= 0.25
    assert RiskAssessment.objects.filter(professional_judgement=True).exclude(professional_judgement_reason="").exists()


@pytest.mark.django_db
def test_full_seed_dates_are_in_the_past_and_after_opening(full_seed):
    """No assessment or incident in the future; each assessment on or after its case opened; cases
    open from 2018 to 2026."""
    today = timezone.localdate()
    assert not RiskAssessment.objects.filter(assessed_on__gt=today).exists()
    assert not Incident.objects.filter(occurred_on__gt=today).exists()
    assert all(
        assessment.assessed_on >= assessment.case.opened_on
        for assessment in RiskAssessment.objects.select_related("case")
    )
    years = set(Case.objects.values_list("opened_on__year", flat=True))
    assert {2018, 2019, 2020, 2026} <= years <= set(range(2018, 2027))


@pytest.mark.django_db
def test_full_seed_has_repeat_victims_and_serial_perpetrators(full_seed):
    """Some victims have two cases with the same perpetrator, and found repeats; some perpetrators are
    in cases of several victims."""
    same_pair_again = (
        CaseParty.objects.values("case__victim", "person").annotate(cases=Count("case")).filter(cases__gt=1)
    )
    assert same_pair_again.count() >= 10
    serial = (
        CaseParty.objects.values("person").annotate(victims=Count("case__victim", distinct=True)).filter(victims__gt=1)
    )
    assert serial.count() >= 5
    assert Referral.objects.filter(is_repeat=True).exists()
    assert any("repeat" in criteria for criteria in RoutingDecision.objects.values_list("marac_criteria", flat=True))


@pytest.mark.django_db
def test_full_seed_spreads_cases_across_agencies_areas_and_households(full_seed):
    """Cases from several agencies, in the three demo areas, children in about half, some safe contacts."""
    assert set(Case.objects.values_list("area__slug", flat=True)) == {"demo-county", "demo-north", "demo-south"}
    assert Case.objects.values("lead_agency").distinct().count() >= 4
    with_children = Case.objects.filter(children__isnull=False).distinct().count()
    assert 0.35 <= with_children / DEMO_CASE_COUNT <= 0.65
    assert SafeContact.objects.count() >= 50
    assert not Incident.objects.exclude(source_reference__startswith="DEMO-").exists()


@pytest.mark.django_db
def test_full_seed_twice_changes_no_counts(full_seed):
    """A second full run creates nothing: same counts of every demo table."""
    before = _counts()
    out = _seed()
    assert _counts() == before
    assert "0 new" in out
