"""The full demo's IDVA service and cases, on the demo seeded once for tests/demo (conftest.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from itertools import pairwise

import pytest
from django.db.models import Count, F, Min
from django.utils import timezone

from agencies.models import Role, User
from cases.demo import DEMO_CASE_COUNT, DEMO_VOLUME_PREFIX
from cases.models import (
    Case,
    CaseParty,
    Incident,
    RiskAssessment,
    SafeContact,
)
from referrals.models import Closure, Referral, ReferralEvent, RoutingDecision
from referrals.rules import (
    RECEIVED,
    WITHIN,
    is_repeat_referral,
    status_after,
)
from referrals.selectors import idva_caseloads, specialist_suggestion, triage_queue
from tests.referrals.test_demo import (
    ALSO_COUNTED,
    COUNTED,
    LAST_YEAR,
    POLICY_2020,
    STEP_OF_EVENT,
    _counts,
    _idva_referrals,
    _manager,
    _seed,
)


@pytest.mark.django_db
def test_full_seed_creates_a_few_hundred_story_cases_and_assesses_every_case(full_seed):
    """The story cases (through the services), and the volume's; every case has a DASH assessment and
    each assessment its routing decision."""
    story = Case.objects.filter(incidents__source_reference__startswith="DEMO-").exclude(
        incidents__source_reference__startswith=DEMO_VOLUME_PREFIX
    )
    assert story.distinct().count() == DEMO_CASE_COUNT >= 200
    assert Case.objects.count() > 10 * DEMO_CASE_COUNT
    assert RiskAssessment.objects.values("case").distinct().count() == Case.objects.count()
    assert RoutingDecision.objects.count() == RiskAssessment.objects.count()
    assert f"{DEMO_CASE_COUNT} new" in full_seed


@pytest.mark.django_db
def test_full_seed_assesses_on_both_sides_of_the_2020_rule(full_seed):
    """Assessments before 2020 are routed by SafeLives' default, from 2020 by the partnership's rule,
    and each policy routes to its own outcomes (no IDVA band before 2020)."""
    decisions = RoutingDecision.objects.all()
    before = decisions.filter(risk_assessment__assessed_on__lt=POLICY_2020)
    after = decisions.filter(risk_assessment__assessed_on__gte=POLICY_2020)
    assert before.count() >= 20
    assert after.count() >= 20
    assert set(before.values_list("policy__effective_from", flat=True)) == {date(2009, 1, 1)}
    assert set(after.values_list("policy__effective_from", flat=True)) == {POLICY_2020}
    assert set(before.values_list("routing", flat=True)) == {"marac", "standard"}
    assert set(after.values_list("routing", flat=True)) == {"marac", "idva", "standard"}


@pytest.mark.django_db
def test_full_seed_story_scores_are_spread_realistically(full_seed):
    """The story cases' assessments: many 5-13, a good share 14-16, some 17 or more; some professional
    judgement. (The volume holds only assessments that led to an IDVA referral: mostly 14 or more.)"""
    scores = list(
        RiskAssessment.objects.exclude(case__incidents__source_reference__startswith=DEMO_VOLUME_PREFIX).values_list(
            "score", flat=True
        )
    )
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
    """No assessment, incident, referral or step in the future; each assessment on or after its case
    opened; cases open from 2018 to 2026."""
    today = timezone.localdate()
    assert not RiskAssessment.objects.filter(assessed_on__gt=today).exists()
    assert not Incident.objects.filter(occurred_on__gt=today).exists()
    assert not Referral.objects.filter(received_on__gt=today).exists()
    assert not ReferralEvent.objects.filter(on__gt=today).exists()
    assert not RiskAssessment.objects.filter(assessed_on__lt=F("case__opened_on")).exists()
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
    assert 0.35 <= with_children / Case.objects.count() <= 0.65
    assert SafeContact.objects.count() >= 50
    assert not Incident.objects.exclude(source_reference__startswith="DEMO-").exists()


# --- The full seed: a realistic year of referrals, and earlier years --------------------------------


@pytest.mark.django_db
def test_full_seed_has_a_realistic_last_year_of_idva_referrals(full_seed):
    """2025-26: about 2,300 IDVA referrals (the seed report's 2,324), police the largest source."""
    referrals = _idva_referrals(*LAST_YEAR)
    assert 2200 <= referrals.count() <= 2450
    by_agency = Counter(referrals.values_list("referring_agency__slug", flat=True))
    assert by_agency.most_common(1)[0][0] == "police"
    assert 0.6 <= by_agency["police"] / referrals.count() <= 0.72
    assert {"health", "childrens-social-care", "housing", "idva-service"} <= set(by_agency)


@pytest.mark.django_db
def test_full_seed_engagement_rate_of_the_last_year_is_near_76_percent(full_seed):
    """Engaged / referrals with an engagement outcome, 2025-26: between 72% and 80%."""
    referrals = _idva_referrals(*LAST_YEAR).exclude(engagement="")
    engaged = referrals.filter(engagement=Referral.Engagement.ENGAGED).count()
    assert 0.72 <= engaged / referrals.count() <= 0.80
    reasons = set(referrals.exclude(engagement="engaged").values_list("not_engaged_reason", flat=True))
    assert reasons == set(Referral.NotEngagedReason.values)


@pytest.mark.django_db
def test_full_seed_repeat_rate_of_the_last_year_is_near_30_percent(full_seed):
    """Repeat referrals / all IDVA referrals, 2025-26: between 26% and 34%."""
    referrals = _idva_referrals(*LAST_YEAR)
    assert 0.26 <= referrals.filter(is_repeat=True).count() / referrals.count() <= 0.34


@pytest.mark.django_db
def test_full_seed_repeats_are_what_the_rule_finds_in_the_database(full_seed):
    """For a sample of volume referrals (both services), is_repeat is what is_repeat_referral gives from
    the earlier referrals in the database: same service, same victim, a perpetrator in common."""
    sample = list(
        Referral.objects.filter(case__incidents__source_reference__startswith=DEMO_VOLUME_PREFIX)
        .filter(received_on__range=LAST_YEAR)
        .select_related("case")
        .distinct()
        .order_by("pk")[::20][:150]
    )
    assert {referral.is_repeat for referral in sample} == {True, False}
    assert {referral.service for referral in sample} == {"idva", "marac"}
    for referral in sample:
        perpetrators = list(referral.case.parties.values_list("person_id", flat=True))
        earlier = (
            Referral.objects.filter(
                service=referral.service,
                case__victim_id=referral.case.victim_id,
                case__parties__person_id__in=perpetrators,
                received_on__lte=referral.received_on,
            )
            .exclude(pk=referral.pk)
            .values_list("received_on", flat=True)
        )
        assert referral.is_repeat == is_repeat_referral(received_on=referral.received_on, earlier_received_on=earlier)


@pytest.mark.django_db
def test_full_seed_has_earlier_years_back_to_2018_19(full_seed):
    """Every financial year from 2018-19 has IDVA referrals at a realistic volume (2019-20 about 18% below
    2020-21), and MARAC referrals fall when the 2020 rule raised the threshold."""
    counts = {year: _idva_referrals(date(year, 4, 1), date(year + 1, 3, 31)).count() for year in range(2018, 2026)}
    assert all(1700 <= count <= 2450 for count in counts.values()), counts
    assert 1.1 <= counts[2020] / counts[2019] <= 1.26
    marac = {
        year: Referral.objects.filter(
            service="marac", received_on__range=(date(year, 4, 1), date(year + 1, 3, 31))
        ).count()
        for year in (2019, 2020)
    }
    assert marac[2020] < 0.9 * marac[2019]


@pytest.mark.django_db
def test_full_seed_marac_referrals_follow_routing(full_seed):
    """A MARAC referral comes with an IDVA referral of the same assessment, which was routed to MARAC by
    the policy in force; an assessment routed to the IDVA band makes an IDVA referral only."""
    marac = Referral.objects.filter(service="marac", risk_assessment__isnull=False)
    assert marac.count() >= 5000
    assert not marac.exclude(risk_assessment__routing_decision__routing="marac").exists()
    assert not marac.exclude(risk_assessment__referrals__service="idva").exists()
    idva_band = Referral.objects.filter(risk_assessment__routing_decision__routing="idva")
    assert not idva_band.filter(service="marac").exists()
    assert not RoutingDecision.objects.filter(routing="idva", risk_assessment__assessed_on__lt=POLICY_2020).exists()


# --- The full seed: the workflow --------------------------------------------------------------------


@pytest.mark.django_db
def test_full_seed_every_timeline_is_in_order_and_ends_at_the_status(full_seed):
    """Every referral's events, as recorded, start with "received", are in date order, step the status as
    the workflow rules do, and the last one's status is the referral's."""
    statuses = dict(Referral.objects.values_list("pk", "status"))
    timelines = defaultdict(list)
    for referral_id, kind, on, status in ReferralEvent.objects.order_by("referral_id", "pk").values_list(
        "referral_id", "kind", "on", "status_after"
    ):
        timelines[referral_id].append((kind, on, status))
    assert set(timelines) == set(statuses)
    for referral_id, events in timelines.items():
        assert events[0][0] == "received"
        assert events[0][2] == RECEIVED
        assert [on for _, on, _ in events] == sorted(on for _, on, _ in events), referral_id
        for (_, _, before), (kind, _, after) in pairwise(events):
            assert status_after(before, STEP_OF_EVENT[kind]) == after, referral_id
        assert events[-1][2] == statuses[referral_id], referral_id
    ordered = ReferralEvent.objects.filter(referral_id=next(iter(timelines))).last()
    assert ordered is not None
    assert ordered.status_after == statuses[ordered.referral_id]


@pytest.mark.django_db
def test_full_seed_referral_dates_match_their_steps(full_seed):
    """The dates kept on each referral are those of its steps: first contact attempt, closure (with its
    outcomes), allocation on or after receipt by an IDVA of the IDVA service."""
    referrals = Referral.objects.filter(service="idva")
    first = referrals.annotate(first=Min("contact_attempts__made_on"))
    assert not first.filter(first__isnull=False).exclude(first_contact_attempt_on=F("first")).exists()
    assert not first.filter(first__isnull=True, first_contact_attempt_on__isnull=False).exists()
    assert Closure.objects.count() == referrals.filter(status="closed").count()
    assert not referrals.filter(allocated_on__lt=F("received_on")).exists()
    assert not referrals.filter(closed_on__lt=F("engagement_on")).exists()
    idvas = set(User.objects.filter(agency__slug="idva-service", groups__name=Role.IDVA).values_list("pk", flat=True))
    assert set(referrals.exclude(allocated_to=None).values_list("allocated_to", flat=True)) <= idvas
    engaged = Closure.objects.filter(referral__engagement="engaged", referral__received_on__range=LAST_YEAR)
    reduced = engaged.filter(risk_reduced_idva_view="yes").count()
    assert reduced / engaged.count() >= 0.6
    assert engaged.filter(safety_measures__code="safety-plan").distinct().count() / engaged.count() >= 0.8
    assert Closure.objects.exclude(criminal_justice_outcome="none").exists()
    assert Closure.objects.exclude(housing_outcome="not_applicable").exists()


@pytest.mark.django_db
def test_full_seed_rows_pass_model_validation(full_seed):
    """A sample of the volume's rows passes full_clean: every constraint the services check holds."""
    volume = Referral.objects.filter(case__incidents__source_reference__startswith=DEMO_VOLUME_PREFIX).distinct()
    for status in Referral.Status.values:
        for referral in volume.filter(status=status).order_by("pk")[:3]:
            referral.full_clean()
            referral.case.full_clean()
            referral.case.victim.full_clean()
            referral.risk_assessment.full_clean()
            for row in [*referral.events.all(), *referral.contact_attempts.all()]:
                row.full_clean()
    for closure in Closure.objects.filter(referral__in=volume).order_by("pk")[:5]:
        closure.full_clean()


@pytest.mark.django_db
def test_full_seed_every_specialist_post_has_its_referrals(full_seed):
    """Each specialist post is allocated referrals, mostly ones triage suggests for that post."""
    allocated = _idva_referrals(*LAST_YEAR).select_related("case", "case__victim", "referring_agency", "allocated_to")
    for post in ("young_people", "a8", "health", "stalking"):
        theirs = list(allocated.filter(allocated_to__specialist_post=post))
        assert len(theirs) >= 60, post
        suited = sum(post in specialist_suggestion(referral) for referral in theirs)
        assert suited / len(theirs) >= 0.5, post


@pytest.mark.django_db
def test_full_seed_idva_caseloads_sit_mostly_in_the_safe_range(full_seed):
    """The manager's caseloads page: most IDVAs hold 60-80 open referrals (a part-time post fewer)."""
    caseloads = idva_caseloads(actor=_manager())
    assert len(caseloads) >= 15
    within = [caseload for caseload in caseloads if caseload.band == WITHIN]
    assert len(within) >= 0.75 * len(caseloads)
    assert 800 <= sum(caseload.open_referrals for caseload in caseloads) <= 1300


@pytest.mark.django_db
def test_full_seed_leaves_recent_referrals_waiting_and_open(full_seed):
    """Some referrals of the last days wait in the triage queue; recent ones are open; none older than a
    fortnight is unallocated."""
    manager = _manager()
    queue = list(triage_queue(actor=manager))
    today = timezone.localdate()
    assert queue
    assert all((today - referral.received_on).days <= 14 for referral in queue)
    recent = Referral.objects.filter(service="idva", received_on__gte=date(2026, 9, 1))
    assert recent.exclude(status="closed").count() >= 0.5 * recent.count()
    assert Referral.objects.filter(service="idva", status__in=["allocated", "contacting"]).exists()


# --- Idempotency ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_seed_twice_changes_no_counts(full_seed):
    """A second full run creates nothing: same counts of every demo table, no access-log rows."""
    before = _counts(COUNTED + ALSO_COUNTED)
    out = _seed()
    assert _counts(COUNTED + ALSO_COUNTED) == before
    assert "0 new" in out
    assert "none new" in out
