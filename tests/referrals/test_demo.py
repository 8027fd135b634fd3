"""seed_demo's routing policies, demo cases, assessments and referral history: what api.md promises, the
seed report's figures, the workflow rules, and idempotency."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from agencies.demo import demo_email
from agencies.models import Role, User
from audit.models import AccessLog
from cases.models import (
    Case,
    CaseAgencyPermission,
    CaseParty,
    CaseReferenceCounter,
    Child,
    Incident,
    Person,
    RiskAssessment,
    SafeContact,
)
from referrals.models import Closure, ContactAttempt, Referral, ReferralEvent, RoutingDecision, RoutingPolicy
from referrals.rules import (
    ALLOCATE,
    CLOSE,
    CONTACT_ATTEMPT,
    RECORD_ENGAGED,
    RECORD_NOT_ENGAGED,
    REOPEN,
)

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
# The second run must not write to these either.
ALSO_COUNTED = (ReferralEvent, ContactAttempt, Closure, CaseAgencyPermission, CaseReferenceCounter, AccessLog)
LAST_YEAR = (date(2025, 4, 1), date(2026, 3, 31))
# Which event kind is which workflow step.
STEP_OF_EVENT = {
    "allocated": ALLOCATE,
    "reallocated": ALLOCATE,
    "contact_attempt": CONTACT_ATTEMPT,
    "engaged": RECORD_ENGAGED,
    "not_engaged": RECORD_NOT_ENGAGED,
    "reopened": REOPEN,
    "closed": CLOSE,
}


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


def _counts(models: tuple[type, ...] = COUNTED) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models}


def _idva_referrals(first: date, last: date):
    return Referral.objects.filter(service=Referral.Service.IDVA, received_on__range=(first, last))


def _manager() -> User:
    return User.objects.select_related("agency").prefetch_related("groups").get(email=demo_email("idva.manager"))


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
def test_minimal_seed_creates_the_idva_team():
    """About fifteen IDVAs of the IDVA service, every specialist post held, two of the young people's
    and A8 posts."""
    _seed("--minimal")
    idvas = User.objects.filter(agency__slug="idva-service", groups__name=Role.IDVA)
    posts = Counter(idvas.values_list("specialist_post", flat=True))
    assert 14 <= idvas.count() <= 17
    assert posts["young_people"] == posts["a8"] == 2
    assert posts["health"] >= 1
    assert posts["stalking"] >= 1


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
    """Run on an earlier day, the seed stops at that day: no case, incident, assessment, referral or
    workflow step after it; the newest referrals are still open."""
    day = date(2018, 5, 31)
    time_machine.move_to(day)
    _seed()
    assert Case.objects.exists()
    assert not Case.objects.filter(opened_on__gt=day).exists()
    assert not Incident.objects.filter(occurred_on__gt=day).exists()
    assert not RiskAssessment.objects.filter(assessed_on__gt=day).exists()
    assert RiskAssessment.objects.values("case").distinct().count() == Case.objects.count()
    assert not Referral.objects.filter(received_on__gt=day).exists()
    assert not ReferralEvent.objects.filter(on__gt=day).exists()
    assert not ContactAttempt.objects.filter(made_on__gt=day).exists()
    assert Referral.objects.filter(service="idva", status="engaged").exists()


# --- The full seed: story cases -------------------------------------------------------------------
