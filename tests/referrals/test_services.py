"""Submitting risk assessments (routing decisions and their referrals) and creating referrals, with the database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies.models import Agency, User
from cases.instruments import DASH_CODE, EXTERNAL_GRADE_CODE
from cases.models import Case, Person, RiskAssessment, RiskInstrument
from cases.services import PartyInput, case_create
from referrals.models import Referral, RoutingDecision, RoutingPolicy
from referrals.services import referral_create, risk_assessment_submit
from tests.factories.cases import (
    PersonFactory,
    add_incident,
    case_worker,
    dash_answers,
    idva_service,
    make_case,
    submit_dash,
)

pytestmark = pytest.mark.django_db

D = date(2023, 3, 1)


@pytest.fixture
def idva_agency(db) -> Agency:
    """The partnership's IDVA service (it exists before any case is opened)."""
    return idva_service()


@pytest.fixture
def police(idva_agency) -> User:
    """A police agency representative who records cases and assessments."""
    return case_worker()


@pytest.fixture
def victim(db) -> Person:
    return PersonFactory()


@pytest.fixture
def perpetrator(db) -> Person:
    return PersonFactory(gender="male")


def _counts() -> tuple[int, int, int]:
    return RiskAssessment.objects.count(), RoutingDecision.objects.count(), Referral.objects.count()


def _safelives() -> RoutingPolicy:
    return RoutingPolicy.objects.get(effective_from=date(2009, 1, 1))


# --- The routing decision and the policy that produced it --------------------------------------------


@pytest.mark.parametrize(
    ("assessed_on", "expected"),
    [
        (date(2019, 12, 31), (date(2009, 1, 1), "marac", ["visible_high_risk"])),
        (date(2020, 1, 1), (date(2020, 1, 1), "idva", [])),
    ],
)
def test_the_decision_stores_the_policy_in_force_on_the_assessment_date(
    police, partnership_rule, assessed_on, expected
):
    """A 15 on 2019-12-31 goes to MARAC by SafeLives' default; on 2020-01-01 to the IDVA service by the
    2020 rule; the decision records which policy decided."""
    policy_from, routing, criteria = expected
    case = make_case(police, opened_on=date(2019, 12, 1))
    submission = submit_dash(police, case, score=15, assessed_on=assessed_on)
    decision = RoutingDecision.objects.get(risk_assessment=submission.assessment)
    assert decision.policy == RoutingPolicy.objects.get(effective_from=policy_from)
    assert (decision.routing, decision.marac_criteria) == (routing, criteria)
    assert set(decision.explanations) == set(criteria)
    assert submission.assessment.risk_level == "high"
    assert submission.assessment.score == 15


def test_a_marac_routing_creates_a_marac_and_an_idva_referral(police):
    """MARAC: two referrals (MARAC and IDVA), by the assessing agency and user, on the assessment date."""
    case = make_case(police, opened_on=D)
    submission = submit_dash(police, case, score=20, assessed_on=D)
    referrals = {referral.service: referral for referral in Referral.objects.filter(case=case)}
    assert set(referrals) == {"marac", "idva"}
    assert {referral.pk for referral in submission.referrals} == {referral.pk for referral in referrals.values()}
    for referral in referrals.values():
        assert referral.referring_agency == police.agency
        assert referral.referrer == police
        assert referral.received_on == D
        assert referral.risk_assessment == submission.assessment
        assert referral.status == "received"
        assert referral.is_repeat is False
    assert referrals["marac"].reasons == ["visible_high_risk"]


def test_an_idva_routing_creates_one_idva_referral(police, partnership_rule):
    """In the IDVA band under the 2020 rule: one IDVA referral and no MARAC referral."""
    case = make_case(police, opened_on=D)
    submission = submit_dash(police, case, score=14, assessed_on=D)
    assert submission.decision.routing == "idva"
    assert list(Referral.objects.filter(case=case).values_list("service", flat=True)) == ["idva"]


@pytest.mark.parametrize("score", [0, 9, 13])
def test_a_standard_routing_creates_no_referral(police, partnership_rule, score):
    """Standard or medium risk with no criterion: the decision is stored, no referral is made."""
    case = make_case(police, opened_on=D)
    submission = submit_dash(police, case, score=score, assessed_on=D)
    assert submission.decision.routing == "standard"
    assert submission.referrals == []
    assert not Referral.objects.exists()


def test_create_referrals_false_stores_the_decision_only(police):
    """With create_referrals=False a MARAC decision is recorded but no referral is made."""
    case = make_case(police, opened_on=D)
    submission = submit_dash(police, case, score=22, assessed_on=D, create_referrals=False)
    assert RoutingDecision.objects.get(risk_assessment=submission.assessment).routing == "marac"
    assert submission.referrals == []
    assert not Referral.objects.exists()


def test_professional_judgement_below_the_threshold_is_marac_and_high(police):
    """A 10 with professional judgement goes to MARAC as high risk, and the reason is kept."""
    case = make_case(police, opened_on=D)
    submission = submit_dash(
        police,
        case,
        score=10,
        assessed_on=D,
        professional_judgement=True,
        professional_judgement_reason="  Strangled last week; she believes he will kill her.  ",
    )
    assert submission.decision.marac_criteria == ["professional_judgement"]
    assert submission.assessment.risk_level == "high"
    assert submission.assessment.professional_judgement_reason == "Strangled last week; she believes he will kill her."
    assert {referral.service for referral in submission.referrals} == {"marac", "idva"}


def test_a_recorded_high_grade_goes_to_the_idva_service(police, partnership_rule):
    """Another agency's high grade, with no criterion, makes an IDVA referral and is high risk."""
    case = make_case(police, opened_on=D)
    submission = risk_assessment_submit(
        actor=police,
        case=case,
        instrument=RiskInstrument.objects.get(code=EXTERNAL_GRADE_CODE),
        assessed_on=D,
        external_grade="high",
        external_tool="dara",
    )
    assert submission.assessment.score is None
    assert (submission.decision.routing, submission.assessment.risk_level) == ("idva", "high")
    assert [referral.service for referral in submission.referrals] == ["idva"]


def test_a_policys_past_decisions_do_not_change_when_a_policy_is_added(police, partnership_rule):
    """Adding a policy (even one in force on an earlier assessment's date) leaves stored decisions as
    they were; only new assessments are routed by it."""
    first_case = make_case(police, opened_on=D)
    first = submit_dash(police, first_case, score=15, assessed_on=D)
    assert first.decision.routing == "idva"
    stricter = RoutingPolicy.objects.create(
        name="Pilot: MARAC at 15", effective_from=date(2021, 1, 1), marac_threshold=15
    )
    first.decision.refresh_from_db()
    first.assessment.refresh_from_db()
    assert (first.decision.policy_id, first.decision.routing) == (partnership_rule.pk, "idva")
    assert first.decision.marac_criteria == []
    assert first.assessment.risk_level == "high"
    assert list(Referral.objects.filter(case=first_case).values_list("service", flat=True)) == ["idva"]

    second = submit_dash(police, make_case(police, opened_on=D), score=15, assessed_on=D)
    assert (second.decision.policy_id, second.decision.routing) == (stricter.pk, "marac")


# --- Potential escalation -----------------------------------------------------------------------------


def test_escalation_counts_incidents_of_every_case_of_the_victim(police, victim):
    """Two incidents in one case and one in another case of the same victim make three: escalation."""
    first = make_case(police, victim=victim, opened_on=D - timedelta(days=200))
    second = make_case(police, victim=victim, opened_on=D - timedelta(days=10))
    add_incident(police, first, occurred_on=D - timedelta(days=200))
    add_incident(police, first, occurred_on=D - timedelta(days=100))
    add_incident(police, second, occurred_on=D - timedelta(days=10))
    submission = submit_dash(police, second, score=3, assessed_on=D)
    assert submission.decision.marac_criteria == ["potential_escalation"]
    assert submission.decision.routing == "marac"
    assert submission.assessment.risk_level == "high"


def test_two_incidents_are_not_escalation(police, victim):
    """Two incidents in the window are below the count of three."""
    case = make_case(police, victim=victim, opened_on=D - timedelta(days=30))
    add_incident(police, case, occurred_on=D - timedelta(days=30))
    add_incident(police, case, occurred_on=D - timedelta(days=1))
    assert submit_dash(police, case, score=3, assessed_on=D).decision.routing == "standard"


@pytest.mark.parametrize(("oldest_days_before", "escalates"), [(365, True), (366, False)])
def test_escalation_window_ends_on_the_assessment_date(police, victim, oldest_days_before, escalates):
    """An incident 365 days before the assessment counts, 366 days does not; later incidents never do."""
    case = make_case(police, victim=victim, opened_on=D - timedelta(days=400))
    for days in (oldest_days_before, 20, 0, -1, -2):
        add_incident(police, case, occurred_on=D - timedelta(days=days))
    submission = submit_dash(police, case, score=3, assessed_on=D)
    assert (submission.decision.marac_criteria == ["potential_escalation"]) is escalates


def test_incidents_of_another_victim_do_not_count(police, perpetrator):
    """Incidents in another victim's case (even with the same perpetrator) are not this victim's."""
    other = make_case(police, perpetrators=[perpetrator], opened_on=D - timedelta(days=50))
    for days in (50, 40, 30):
        add_incident(police, other, occurred_on=D - timedelta(days=days))
    case = make_case(police, perpetrators=[perpetrator], opened_on=D - timedelta(days=5))
    add_incident(police, case, occurred_on=D - timedelta(days=5))
    assert submit_dash(police, case, score=3, assessed_on=D).decision.marac_criteria == []


# --- Repeat MARAC -------------------------------------------------------------------------------------


def _marac_referral(police: User, case: Case, on: date) -> None:
    submission = submit_dash(police, case, score=20, assessed_on=on)
    assert submission.decision.routing == "marac"


def test_repeat_needs_the_same_victim_and_a_perpetrator_in_common(police, victim, perpetrator):
    """A new case of the same victim and perpetrator within 365 days of the MARAC referral is a repeat,
    whatever the score; its referrals are marked as repeats."""
    _marac_referral(police, make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=D), D)
    again = make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=D + timedelta(days=90))
    submission = submit_dash(police, again, score=2, assessed_on=D + timedelta(days=100))
    assert submission.decision.marac_criteria == ["repeat"]
    assert submission.assessment.risk_level == "high"
    assert {(referral.service, referral.is_repeat) for referral in submission.referrals} == {
        ("marac", True),
        ("idva", True),
    }


def test_a_different_perpetrator_is_not_a_repeat(police, victim, perpetrator):
    """The same victim with another perpetrator is a new MARAC case, not a repeat."""
    _marac_referral(police, make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=D), D)
    other = make_case(police, victim=victim, opened_on=D + timedelta(days=90))
    submission = submit_dash(police, other, score=2, assessed_on=D + timedelta(days=100))
    assert (submission.decision.routing, submission.decision.marac_criteria) == ("standard", [])


def test_a_different_victim_of_the_same_perpetrator_is_not_a_repeat(police, perpetrator):
    """A serial perpetrator's next victim is not a repeat of the first victim's MARAC referral."""
    _marac_referral(police, make_case(police, perpetrators=[perpetrator], opened_on=D), D)
    other = make_case(police, perpetrators=[perpetrator], opened_on=D + timedelta(days=90))
    assert submit_dash(police, other, score=2, assessed_on=D + timedelta(days=100)).decision.routing == "standard"


def test_one_perpetrator_in_common_is_enough(police, victim, perpetrator):
    """A later case with the earlier perpetrator and a new one is still a repeat."""
    _marac_referral(police, make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=D), D)
    later = make_case(
        police, victim=victim, perpetrators=[PersonFactory(gender="male"), perpetrator], opened_on=D + timedelta(days=5)
    )
    assert submit_dash(police, later, score=2, assessed_on=D + timedelta(days=5)).decision.marac_criteria == ["repeat"]


@pytest.mark.parametrize(("days_after", "repeat"), [(365, True), (366, False)])
def test_repeat_window_is_365_days_from_the_last_marac_referral(police, victim, perpetrator, days_after, repeat):
    """365 days after the MARAC referral is still a repeat; 366 days is a new referral."""
    _marac_referral(police, make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=D), D)
    later = make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=D + timedelta(days=days_after))
    submission = submit_dash(police, later, score=2, assessed_on=D + timedelta(days=days_after))
    assert (submission.decision.marac_criteria == ["repeat"]) is repeat


def test_an_idva_referral_is_not_a_marac_repeat(police, victim, perpetrator, partnership_rule):
    """Only earlier MARAC referrals make the repeat criterion; an earlier IDVA-band referral does not."""
    first = make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=D)
    assert submit_dash(police, first, score=15, assessed_on=D).decision.routing == "idva"
    later = make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=D + timedelta(days=30))
    submission = submit_dash(police, later, score=2, assessed_on=D + timedelta(days=30))
    assert submission.decision.marac_criteria == []


# --- Referral.is_repeat -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "same_perpetrator", "days_after", "repeat"),
    [
        ("idva", True, 100, True),
        ("idva", True, 365, True),
        ("idva", True, 366, False),
        ("idva", True, 0, True),
        ("marac", True, 100, False),
        ("idva", False, 100, False),
    ],
)
def test_is_repeat_needs_the_same_service_victim_and_a_perpetrator_in_window(
    police, service, same_perpetrator, days_after, repeat
):
    """A referral repeats an earlier one to the same service, for the same victim and a perpetrator in
    common, received in the 365 days ending on its date."""
    victim, perpetrator = PersonFactory(), PersonFactory(gender="male")
    first_case = make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=D)
    referral_create(actor=police, case=first_case, service="idva", received_on=D)
    parties = [perpetrator] if same_perpetrator else [PersonFactory(gender="male")]
    case = make_case(police, victim=victim, perpetrators=parties, opened_on=D + timedelta(days=days_after))
    referral = referral_create(actor=police, case=case, service=service, received_on=D + timedelta(days=days_after))
    assert referral.is_repeat is repeat
    referral.refresh_from_db()
    assert referral.is_repeat is repeat


def test_a_first_referral_is_not_a_repeat(police):
    """With no earlier referral there is nothing to repeat."""
    case = make_case(police, opened_on=D)
    assert referral_create(actor=police, case=case, service="idva", received_on=D).is_repeat is False


def test_a_second_referral_of_the_same_case_is_a_repeat(police):
    """A second IDVA referral of the same case within the window is a repeat."""
    case = make_case(police, opened_on=D)
    referral_create(actor=police, case=case, service="idva", received_on=D)
    assert referral_create(actor=police, case=case, service="idva", received_on=D + timedelta(days=200)).is_repeat


def test_a_later_referral_does_not_make_an_earlier_one_a_repeat(police):
    """Only referrals received on or before this one's date count (one entered late is not a repeat of
    a later one)."""
    case = make_case(police, opened_on=D)
    referral_create(actor=police, case=case, service="idva", received_on=D + timedelta(days=10))
    assert not referral_create(actor=police, case=case, service="idva", received_on=D).is_repeat


def test_another_victims_referral_is_not_a_repeat(police, perpetrator):
    """Same perpetrator and service, different victim: not a repeat."""
    referral_create(
        actor=police, case=make_case(police, perpetrators=[perpetrator], opened_on=D), service="idva", received_on=D
    )
    case = make_case(police, perpetrators=[perpetrator], opened_on=D)
    assert not referral_create(actor=police, case=case, service="idva", received_on=D + timedelta(days=1)).is_repeat


def test_a_case_without_perpetrators_has_no_repeats(police, victim):
    """Repeats need a perpetrator in common: a case recorded with none never repeats."""
    cases = [case_create(actor=police, area=police.agency.areas.first(), victim=victim, opened_on=D) for _ in range(2)]
    referral_create(actor=police, case=cases[0], service="idva", received_on=D)
    assert not referral_create(actor=police, case=cases[1], service="idva", received_on=D).is_repeat


def test_sharing_without_consent_needs_a_reason(police):
    """A referral shared without consent needs the reason; nothing is written without it."""
    case = make_case(police, opened_on=D)
    with pytest.raises(ValidationError) as error:
        referral_create(actor=police, case=case, service="idva", received_on=D, consent="not_given_shared_to_protect")
    assert "consent_reason" in error.value.message_dict
    assert not Referral.objects.exists()


# --- Nothing written on errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"professional_judgement": True, "professional_judgement_reason": " "}, "professional_judgement_reason"),
        ({"assessed_on": date(2008, 12, 31)}, "assessed_on"),
        ({"answers": {**dash_answers(20), "q24": "maybe"}}, "answers"),
        ({"answers": {key: value for key, value in dash_answers(20).items() if key != "q1"}}, "answers"),
    ],
)
def test_an_invalid_assessment_writes_nothing(police, overrides, field):
    """Invalid input (no reason, a date with no policy, bad answers) raises and writes no row."""
    case = make_case(police, opened_on=D)
    before = _counts()
    arguments = {"answers": dash_answers(20), "assessed_on": D, **overrides}
    with pytest.raises(ValidationError) as error:
        risk_assessment_submit(
            actor=police, case=case, instrument=RiskInstrument.objects.get(code=DASH_CODE), **arguments
        )
    assert field in error.value.message_dict
    assert _counts() == before


def test_a_future_assessment_writes_nothing(police):
    """An assessment dated tomorrow is refused and writes nothing."""
    case = make_case(police)
    before = _counts()
    with pytest.raises(ValidationError):
        submit_dash(police, case, score=20, assessed_on=timezone.localdate() + timedelta(days=1))
    assert _counts() == before


def test_an_agency_without_access_cannot_submit(police):
    """A third agency may not assess a case it cannot change; nothing is written."""
    case = make_case(police, opened_on=D)
    before = _counts()
    with pytest.raises(PermissionDenied):
        submit_dash(case_worker(), case, score=20, assessed_on=D)
    assert _counts() == before


def test_the_idva_service_can_assess_any_case(police, idva_agency):
    """The IDVA service holds change on every case, so its IDVAs can submit assessments."""
    case = make_case(police, opened_on=D)
    idva = case_worker(idva_agency, role="idva")
    submission = submit_dash(idva, case, score=20, assessed_on=D)
    assert submission.assessment.assessing_agency == idva_agency
    assert {referral.referring_agency for referral in submission.referrals} == {idva_agency}


def test_the_shipped_default_policy_matches_api_md():
    """The migration's SafeLives default: from 2009-01-01, MARAC 14, no IDVA band, 3 in 365, repeat 365."""
    policy = _safelives()
    assert (
        policy.marac_threshold,
        policy.idva_band_min,
        policy.idva_band_max,
        policy.escalation_count,
        policy.escalation_window_days,
        policy.repeat_window_days,
    ) == (14, None, None, 3, 365, 365)


def test_a_repeat_is_found_through_cases_of_the_same_victim_only(police, victim, perpetrator):
    """Through the parties join: the same perpetrator in another victim's case adds no repeat."""
    # The perpetrator is in the victim's case and in a case of another victim with MARAC referrals.
    _marac_referral(police, make_case(police, perpetrators=[perpetrator], opened_on=D), D)
    case = case_create(
        actor=police,
        area=police.agency.areas.first(),
        victim=victim,
        perpetrators=[PartyInput(relationship="partner", person=perpetrator)],
        opened_on=D,
    )
    assert submit_dash(police, case, score=2, assessed_on=D).decision.marac_criteria == []
