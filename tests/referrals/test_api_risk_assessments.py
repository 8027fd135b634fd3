"""The risk assessments API: submitting routes the assessment and makes its referrals; lists and details."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, ApiKey, Role
from agencies.services import object_permission_grant
from audit.models import AccessLog
from cases.models import Case, RiskAssessment
from cases.selectors import VIEW_CASE
from referrals.models import Referral, RoutingDecision
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import add_incident, case_worker, dash_answers, idva_service, make_case, submit_dash

pytestmark = pytest.mark.django_db

ASSESSMENTS = "/api/v1/risk-assessments/"


def detail(assessment: RiskAssessment) -> str:
    return f"{ASSESSMENTS}{assessment.pk}/"


def post_json(client: Any, url: str, body: Any, **extra: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def dash_body(case: Case, score: int = 0, **overrides: Any) -> dict[str, Any]:
    """The body api.md documents, with exactly `score` yes answers."""
    return {
        "case": case.pk,
        "instrument": "safelives-dash-2009",
        "assessed_on": timezone.localdate().isoformat(),
        "answers": dash_answers(score),
        "professional_judgement": False,
        "professional_judgement_reason": "",
        **overrides,
    }


def written() -> tuple[int, int, int]:
    return RiskAssessment.objects.count(), RoutingDecision.objects.count(), Referral.objects.count()


@pytest.fixture(params=["api_key", "session"])
def caller(request, key_client, signed_in_client, partnership_rule) -> SimpleNamespace:
    """A case worker's agency calling with its API key, or the case worker signed in (two factors);
    the partnership's routing rule (MARAC 17, IDVA band 14-16) is in force."""
    idva_service()
    user = case_worker()
    client = key_client(user.agency) if request.param == "api_key" else signed_in_client(user)
    return SimpleNamespace(user=user, agency=user.agency, client=client, kind=request.param, policy=partnership_rule)


# --- Submitting --------------------------------------------------------------------------------------


def test_submit_a_dash_as_documented(caller):
    """The api.md body records, scores and routes the assessment: 201 with the documented fields."""
    case = make_case(caller.user)
    response = post_json(caller.client, ASSESSMENTS, dash_body(case, score=17))
    assert response.status_code == 201, response.content
    data = response.json()
    assessment = RiskAssessment.objects.get()
    assert data["id"] == assessment.pk
    assert data["case"] == case.pk
    assert data["instrument"] == "safelives-dash-2009"
    assert data["assessed_on"] == timezone.localdate().isoformat()
    assert data["assessing_agency"] == caller.agency.slug
    assert data["score"] == 17
    assert data["risk_level"] == "high"
    assert data["marac_criteria"] == ["visible_high_risk"]
    assert data["routing"] == "marac"
    assert data["routing_policy"] == caller.policy.pk
    assert set(data["explanations"]) == {"visible_high_risk"}
    assert {row["service"] for row in data["referrals"]} == {"marac", "idva"}
    marac = next(row for row in data["referrals"] if row["service"] == "marac")
    assert set(marac) == {"id", "service", "received_on", "reasons", "is_repeat", "status"}
    assert marac["received_on"] == data["assessed_on"]
    assert marac["reasons"] == ["visible_high_risk"]
    assert marac["is_repeat"] is False
    assert marac["status"] == "received"


@pytest.mark.parametrize(
    ("score", "routing", "risk_level", "services"),
    [
        (24, "marac", "high", {"marac", "idva"}),
        (17, "marac", "high", {"marac", "idva"}),
        (16, "idva", "high", {"idva"}),
        (14, "idva", "high", {"idva"}),
        (13, "standard", "medium", set()),
        (10, "standard", "medium", set()),
        (9, "standard", "standard", set()),
        (0, "standard", "standard", set()),
    ],
)
def test_routing_decides_the_referrals(caller, score, routing, risk_level, services):
    """MARAC makes a MARAC and an IDVA referral, IDVA one IDVA referral, standard none."""
    case = make_case(caller.user)
    data = post_json(caller.client, ASSESSMENTS, dash_body(case, score=score)).json()
    assert (data["routing"], data["risk_level"]) == (routing, risk_level)
    assert {row["service"] for row in data["referrals"]} == services
    assert set(Referral.objects.filter(case=case).values_list("service", flat=True)) == services
    assert Referral.objects.filter(case=case).count() == len(services)
    assert all(r.referring_agency == caller.agency for r in Referral.objects.filter(case=case))


def test_professional_judgement_routes_to_marac(caller):
    """Professional judgement with a reason routes to MARAC whatever the score."""
    case = make_case(caller.user)
    body = dash_body(case, score=3, professional_judgement=True, professional_judgement_reason="Escalating threats")
    data = post_json(caller.client, ASSESSMENTS, body).json()
    assert data["routing"] == "marac"
    assert data["marac_criteria"] == ["professional_judgement"]
    assert data["risk_level"] == "high"


def test_potential_escalation_counts_incidents_of_the_victim(caller):
    """Three incidents of the victim in the policy's window route to MARAC on potential escalation."""
    case = make_case(caller.user)
    for days in (10, 100, 365):
        add_incident(caller.user, case, occurred_on=timezone.localdate() - timedelta(days=days))
    data = post_json(caller.client, ASSESSMENTS, dash_body(case, score=2)).json()
    assert data["marac_criteria"] == ["potential_escalation"]
    assert data["routing"] == "marac"


def test_create_referrals_false_routes_but_refers_nobody(caller):
    """With create_referrals false the assessment is routed and stored, and no referral is made."""
    case = make_case(caller.user)
    data = post_json(caller.client, ASSESSMENTS, dash_body(case, score=20, create_referrals=False)).json()
    assert data["routing"] == "marac"
    assert data["referrals"] == []
    assert RoutingDecision.objects.get().routing == "marac"
    assert Referral.objects.count() == 0


def test_an_external_grade_is_recorded_and_routed(caller):
    """A partner's recorded grade needs no answers; a high grade goes to the IDVA service."""
    case = make_case(caller.user)
    graded_by = AgencyFactory(kind=Agency.Kind.POLICE)
    body = {
        "case": case.pk,
        "instrument": "external-grade",
        "assessed_on": timezone.localdate().isoformat(),
        "external_grade": "high",
        "external_tool": "police_dash",
        "external_agency": graded_by.slug,
    }
    response = post_json(caller.client, ASSESSMENTS, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["instrument"] == "external-grade"
    assert data["score"] is None
    assert (data["external_grade"], data["external_tool"], data["external_agency"]) == (
        "high",
        "police_dash",
        graded_by.slug,
    )
    assert data["routing"] == "idva"
    assert [row["service"] for row in data["referrals"]] == ["idva"]


def _without_q24(body: dict[str, Any]) -> None:
    del body["answers"]["q24"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_without_q24, "answers"),
        (lambda body: body["answers"].update(q3="maybe"), "answers"),
        (lambda body: body["answers"].update(q25="yes"), "answers"),
        (lambda body: body.pop("answers"), "answers"),
        (lambda body: body.update(assessed_on=(timezone.localdate() + timedelta(days=1)).isoformat()), "assessed_on"),
        (lambda body: body.update(assessed_on="02/03/2026"), "assessed_on"),
        (lambda body: body.update(assessed_on=date(2000, 1, 1).isoformat()), "assessed_on"),
        (lambda body: body.update(professional_judgement=True), "professional_judgement_reason"),
        (
            lambda body: body.update(professional_judgement=True, professional_judgement_reason="   "),
            "professional_judgement_reason",
        ),
        (lambda body: body.update(instrument="dash-1999"), "instrument"),
        (lambda body: body.update(instrument="external-grade", answers={}), "external_grade"),
        (lambda body: body.update(instrument="external-grade", external_grade="severe"), "external_grade"),
        (lambda body: body.update(external_agency="no-such-agency"), "external_agency"),
        (lambda body: body.update(case=999_999), "case"),
        (lambda body: body.pop("case"), "case"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(caller, change, field):
    """Missing or bad answers, future dates, judgement without reason...: 400 on the field, nothing written."""
    case = make_case(caller.user)
    body = dash_body(case, score=18)
    change(body)
    response = post_json(caller.client, ASSESSMENTS, body)
    assert response.status_code == 400
    assert set(response.json()) == {"errors"}
    assert list(response.json()["errors"]) == [field]
    assert written() == (0, 0, 0)


def test_several_errors_are_reported_together(caller):
    """The service reports every field that is wrong at once."""
    case = make_case(caller.user)
    body = dash_body(case, professional_judgement=True)
    body["answers"].pop("q1")
    body["assessed_on"] = (timezone.localdate() + timedelta(days=2)).isoformat()
    errors = post_json(caller.client, ASSESSMENTS, body).json()["errors"]
    assert set(errors) == {"answers", "assessed_on", "professional_judgement_reason"}
    assert errors["answers"] == ["q1: Answer this question."]
    assert written() == (0, 0, 0)


def test_a_case_the_caller_cannot_see_is_a_400(caller):
    """Another agency's case answers 400 "No such case." and nothing is written."""
    hidden = make_case(case_worker())
    response = post_json(caller.client, ASSESSMENTS, dash_body(hidden, score=20))
    assert response.status_code == 400
    assert response.json() == {"errors": {"case": ["No such case."]}}
    assert written() == (0, 0, 0)


def test_a_case_the_caller_may_only_view_is_a_403(key_client, partnership_rule):
    """An agency that may only view a case cannot assess it (403); nothing is written."""
    case = make_case(case_worker())
    member = AgencyFactory()
    object_permission_grant(agency=member, perm=VIEW_CASE, obj=case, reason="On the MARAC agenda")
    response = post_json(key_client(member), ASSESSMENTS, dash_body(case, score=20))
    assert response.status_code == 403
    assert written() == (0, 0, 0)


def test_read_scope_key_cannot_submit(key_client, partnership_rule):
    """A read-only key may list assessments but not submit one (403)."""
    worker = case_worker()
    case = make_case(worker)
    client = key_client(worker.agency, scope=ApiKey.Scope.READ)
    assert client.get(ASSESSMENTS).status_code == 200
    assert post_json(client, ASSESSMENTS, dash_body(case, score=20)).status_code == 403
    assert written() == (0, 0, 0)


def test_anonymous_requests_are_refused(api_client, partnership_rule):
    """Without credentials every risk-assessment endpoint answers 401."""
    worker = case_worker()
    case = make_case(worker)
    assessment = submit_dash(worker, case, score=5).assessment
    assert api_client.get(ASSESSMENTS).status_code == 401
    assert api_client.get(detail(assessment)).status_code == 401
    assert post_json(api_client, ASSESSMENTS, dash_body(case)).status_code == 401


# --- Reading -----------------------------------------------------------------------------------------


def test_detail_shows_the_stored_routing_and_referrals(caller):
    """The detail shows the routing decision as stored, with the policy and the referrals."""
    case = make_case(caller.user)
    submission = submit_dash(caller.user, case, score=15)
    data = caller.client.get(detail(submission.assessment)).json()
    assert data["id"] == submission.assessment.pk
    assert (data["routing"], data["routing_policy"], data["marac_criteria"]) == ("idva", caller.policy.pk, [])
    assert data["explanations"] == {}
    assert [row["id"] for row in data["referrals"]] == [submission.referrals[0].pk]
    assert data["answers"] == dash_answers(15)


def test_list_and_detail_show_the_callers_assessments_only(caller, key_client):
    """Assessments of the caller's cases are listed; others' are not listed and are 404."""
    own = submit_dash(caller.user, make_case(caller.user), score=5).assessment
    worker = case_worker()
    others = submit_dash(worker, make_case(worker), score=5).assessment
    body = caller.client.get(ASSESSMENTS).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [row["id"] for row in body["results"]] == [own.pk]
    assert caller.client.get(detail(others)).status_code == 404
    outsider = key_client(AgencyFactory())
    assert outsider.get(ASSESSMENTS).json()["count"] == 0
    assert outsider.get(detail(own)).status_code == 404


def test_filter_by_case(caller):
    """?case= keeps one case's assessments; another agency's case answers 400."""
    first, second = make_case(caller.user), make_case(caller.user)
    wanted = submit_dash(caller.user, first, score=5).assessment
    submit_dash(caller.user, second, score=5)
    body = caller.client.get(ASSESSMENTS, {"case": first.pk}).json()
    assert [row["id"] for row in body["results"]] == [wanted.pk]
    hidden = make_case(case_worker())
    assert caller.client.get(ASSESSMENTS, {"case": hidden.pk}).json() == {"errors": {"case": ["No such case."]}}


@pytest.mark.parametrize("role", [Role.ANALYST, Role.DHR_COORDINATOR])
def test_users_without_a_case_role_see_no_assessment(signed_in_client, partnership_rule, role):
    """Analysts see no assessment: an empty list and 404 on details."""
    worker = case_worker()
    assessment = submit_dash(worker, make_case(worker), score=5).assessment
    client = signed_in_client(UserFactory(agency=worker.agency, roles=[role]))
    assert client.get(ASSESSMENTS).json()["count"] == 0
    assert client.get(detail(assessment)).status_code == 404


def test_list_query_count_is_constant(caller):
    """Listing assessments costs the same number of queries for 2 or 12, with routing and referrals."""
    for score in (5, 15):
        submit_dash(caller.user, make_case(caller.user), score=score)
    caller.client.get(ASSESSMENTS)
    few = queries(caller.client, ASSESSMENTS)
    for score in range(14, 24):
        submit_dash(caller.user, make_case(caller.user), score=score)
    assert caller.client.get(ASSESSMENTS).json()["count"] == 12
    assert queries(caller.client, ASSESSMENTS) == few


def test_detail_and_list_are_logged(caller):
    """A detail writes a VIEW row for the assessment; a list writes one LIST row."""
    assessment = submit_dash(caller.user, make_case(caller.user), score=5).assessment
    caller.client.get(detail(assessment))
    caller.client.get(ASSESSMENTS, {"case": assessment.case_id})
    view = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    assert (view.object_type, view.object_id) == ("cases.riskassessment", str(assessment.pk))
    listed = AccessLog.objects.get(action=AccessLog.Action.LIST)
    assert listed.object_type == "cases.riskassessment"
    assert listed.detail["filters"] == {"case": str(assessment.case_id)}
    assert listed.detail["count"] == 1
