"""The referrals API: referring a case, who sees which referral, the IDVA workflow's steps, filters."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, ApiKey, Role
from agencies.services import object_permission_grant
from audit.models import AccessLog
from cases.models import Case
from cases.selectors import VIEW_CASE
from referrals.models import Closure, ContactAttempt, Referral, ReferralEvent, SafetyMeasure
from referrals.services import referral_create, referrals_contact_overdue_flag
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, UserFactory, api_key_for
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case, submit_dash
from tests.factories.referrals import ReferralSetup, idva_manager, idva_user, police_referral, referral_at

pytestmark = pytest.mark.django_db

REFERRALS = "/api/v1/referrals/"
STEPS = ("allocate", "contact-attempts", "engagement", "close", "reopen")

# Every field of a referral in the list; the detail adds the timeline, contact attempts and closure.
REFERRAL_FIELDS = {
    "id",
    "case",
    "service",
    "perpetrator",
    "referring_agency",
    "receiving_agency",
    "referrer_name",
    "referrer_job_title",
    "referrer_phone",
    "referrer_email",
    "received_on",
    "risk_assessment",
    "reasons",
    "details",
    "consent",
    "consent_reason",
    "status",
    "is_repeat",
    "allocated_to",
    "allocated_on",
    "first_contact_attempt_on",
    "engagement",
    "engagement_on",
    "not_engaged_reason",
    "not_engaged_detail",
    "closed_on",
    "closure_outcome",
    "contact_overdue_since",
    "created_at",
    "updated_at",
}
DETAIL_FIELDS = REFERRAL_FIELDS | {"events", "contact_attempts", "closure"}


def today() -> str:
    return timezone.localdate().isoformat()


def days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def detail(referral: Referral) -> str:
    return f"{REFERRALS}{referral.pk}/"


def step_url(referral: Referral, step: str) -> str:
    return f"{REFERRALS}{referral.pk}/{step}/"


def post_json(client: Any, url: str, body: Any, key: str | None = None) -> Any:
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def queries(client: Any, url: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def session_of(user: Any) -> Client:
    """A separate test client signed in as the user (several people act in one test)."""
    return sign_in(Client(), user)


def key_of(agency: Agency, scope: str = ApiKey.Scope.WRITE) -> Client:
    _, key = api_key_for(agency, scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}")


def referral_body(case: Case, **overrides: Any) -> dict[str, Any]:
    """The body api.md documents."""
    return {
        "case": case.pk,
        "service": "idva",
        "received_on": today(),
        "consent": "given",
        "consent_reason": "",
        **overrides,
    }


def step_body(step: str, setup: ReferralSetup) -> dict[str, Any]:
    """A valid body for each step (whether the referral's status allows the step is another matter)."""
    return {
        "allocate": {"idva": setup.idva.pk},
        "contact-attempts": {
            "made_on": today(),
            "method": "phone_call",
            "safe_to_leave_message": False,
            "outcome": "no_answer",
        },
        "engagement": {"outcome": "engaged", "on": today()},
        "close": {"outcome": "support_completed", "on": today()},
        "reopen": {"on": today(), "detail": "Called the helpline and asked for her IDVA."},
    }[step]


def footprint(referral: Referral) -> tuple[Any, ...]:
    """Everything a step could write for this referral."""
    referral.refresh_from_db()
    return (
        referral.status,
        referral.allocated_to_id,
        referral.engagement,
        referral.closed_on,
        referral.events.count(),
        referral.contact_attempts.count(),
        Closure.objects.filter(referral=referral).count(),
    )


@pytest.fixture(params=["api_key", "session"])
def caller(request, partnership_rule) -> SimpleNamespace:
    """A police case worker's agency calling with its API key, or the case worker signed in (two factors);
    the IDVA service exists and the partnership's routing rule is in force."""
    idva_service()
    user = case_worker()
    client = key_of(user.agency) if request.param == "api_key" else session_of(user)
    return SimpleNamespace(user=user, agency=user.agency, client=client, kind=request.param)


# --- Referring a case ----------------------------------------------------------------------------------


def test_refer_a_case_as_documented(caller):
    """The api.md body makes an IDVA referral received by the IDVA service: 201 with the documented fields."""
    case = make_case(caller.user)
    assessment = submit_dash(caller.user, case, score=15, create_referrals=False).assessment
    body = referral_body(
        case,
        risk_assessment=assessment.pk,
        reasons=["professional_judgement"],
        details="Victim asked for support with the court date.",
        referrer_job_title="Police constable",
        referrer_phone="01632 960001",
    )
    response = post_json(caller.client, REFERRALS, body)
    assert response.status_code == 201, response.content
    data = response.json()
    referral = Referral.objects.get()
    assert set(data) == DETAIL_FIELDS
    assert data["id"] == referral.pk
    assert (data["case"], data["service"], data["risk_assessment"]) == (case.pk, "idva", assessment.pk)
    assert data["referring_agency"] == caller.agency.slug
    assert data["receiving_agency"] == idva_service().slug
    assert data["received_on"] == today()
    assert data["reasons"] == ["professional_judgement"]
    assert data["details"] == "Victim asked for support with the court date."
    assert (data["consent"], data["consent_reason"]) == ("given", "")
    assert (data["status"], data["is_repeat"]) == ("received", False)
    assert (data["referrer_job_title"], data["referrer_phone"]) == ("Police constable", "01632 960001")
    expected_name = caller.user.get_full_name() if caller.kind == "session" else ""
    assert data["referrer_name"] == expected_name
    for empty in ("allocated_to", "allocated_on", "first_contact_attempt_on", "engagement_on", "closed_on"):
        assert data[empty] is None
    assert (data["engagement"], data["closure_outcome"], data["not_engaged_reason"]) == ("", "", "")
    assert data["contact_overdue_since"] is None
    assert (data["contact_attempts"], data["closure"]) == ([], None)
    [event] = data["events"]
    assert (event["kind"], event["on"], event["status_after"]) == ("received", today(), "received")
    assert event["recorded_by"] == (caller.user.pk if caller.kind == "session" else None)
    assert event["recorded_by_agency"] == caller.agency.slug
    assert {"detail", "recorded_at"} <= set(event)


def test_sharing_without_consent_with_a_reason_is_recorded(caller):
    """Consent not given, shared to protect, is accepted with its reason and shown as sent."""
    case = make_case(caller.user)
    body = referral_body(case, consent="not_given_shared_to_protect", consent_reason="Children at risk of harm.")
    data = post_json(caller.client, REFERRALS, body).json()
    assert (data["consent"], data["consent_reason"]) == ("not_given_shared_to_protect", "Children at risk of harm.")


@pytest.mark.parametrize(
    ("days_before", "same_service", "same_perpetrator", "is_repeat"),
    [
        (1, True, True, True),
        (365, True, True, True),
        (366, True, True, False),
        (100, False, True, False),
        (100, True, False, False),
    ],
    ids=["day-1", "day-365", "day-366", "another-service", "another-perpetrator"],
)
def test_is_repeat_follows_api_md(caller, days_before, same_service, same_perpetrator, is_repeat):
    """A repeat: an earlier referral to the same service, same victim, a perpetrator in common, received in
    the 365 days ending on this one's received_on (both ends included), even from another case."""
    victim, perpetrator = PersonFactory(), PersonFactory(gender="male")
    earlier_case = make_case(caller.user, victim=victim, perpetrators=[perpetrator])
    referral_create(
        actor=caller.user,
        case=earlier_case,
        service="idva" if same_service else "marac",
        received_on=timezone.localdate() - timedelta(days=days_before),
    )
    perpetrators = [perpetrator] if same_perpetrator else [PersonFactory(gender="male")]
    case = make_case(caller.user, victim=victim, perpetrators=perpetrators)
    response = post_json(caller.client, REFERRALS, referral_body(case))
    assert response.status_code == 201, response.content
    assert response.json()["is_repeat"] is is_repeat
    assert Referral.objects.get(pk=response.json()["id"]).is_repeat is is_repeat


def test_an_idva_referring_to_their_own_service_gets_the_referral_back(partnership_rule):
    """The response shows the referral made, even when it is not in the referring IDVA's own caseload."""
    idva = idva_user(idva_service())
    case = make_case(case_worker())
    response = post_json(session_of(idva), REFERRALS, referral_body(case, service="marac", reasons=["repeat"]))
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["service"], data["reasons"], data["status"]) == ("marac", ["repeat"], "received")
    assert data["referring_agency"] == data["receiving_agency"] == idva.agency.slug
    assert [event["kind"] for event in data["events"]] == ["received"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_no_consent_without_a_reason_is_a_400_and_writes_nothing(caller, reason):
    """Shared without consent and without saying why: 400 on consent_reason, nothing written."""
    case = make_case(caller.user)
    body = referral_body(case, consent="not_given_shared_to_protect", consent_reason=reason)
    response = post_json(caller.client, REFERRALS, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["consent_reason"]
    assert (Referral.objects.count(), ReferralEvent.objects.count()) == (0, 0)


def _assessment_of_another_case(case: Case, user: Any) -> int:
    return submit_dash(user, make_case(user), score=5, create_referrals=False).assessment.pk


def _hidden_assessment(case: Case, user: Any) -> int:
    worker = case_worker()
    return submit_dash(worker, make_case(worker), score=5, create_referrals=False).assessment.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda body, case, user: body.update(service="counselling"), "service"),
        (lambda body, case, user: body.pop("service"), "service"),
        (
            lambda body, case, user: body.update(received_on=(timezone.localdate() + timedelta(days=1)).isoformat()),
            "received_on",
        ),
        (lambda body, case, user: body.update(received_on="03/03/2026"), "received_on"),
        (lambda body, case, user: body.pop("received_on"), "received_on"),
        (lambda body, case, user: body.update(case=make_case(case_worker()).pk), "case"),
        (lambda body, case, user: body.update(case=999_999), "case"),
        (lambda body, case, user: body.pop("case"), "case"),
        (lambda body, case, user: body.update(consent="maybe"), "consent"),
        (lambda body, case, user: body.update(reasons=["visible_high_risk", "gut_feeling"]), "reasons"),
        (lambda body, case, user: body.update(reasons="repeat"), "reasons"),
        (
            lambda body, case, user: body.update(risk_assessment=_assessment_of_another_case(case, user)),
            "risk_assessment",
        ),
        (lambda body, case, user: body.update(risk_assessment=_hidden_assessment(case, user)), "risk_assessment"),
        (lambda body, case, user: body.update(receiving_agency="no-such-agency"), "receiving_agency"),
        (lambda body, case, user: body.update(receiving_agency=user.agency.slug), "receiving_agency"),
        (lambda body, case, user: body.update(referrer_email="not an email"), "referrer_email"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(caller, change, field):
    """Each kind of bad input answers 400 in the error format, naming the field, and writes nothing."""
    case = make_case(caller.user)
    body = referral_body(case)
    change(body, case, caller.user)
    response = post_json(caller.client, REFERRALS, body)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"errors"}
    assert list(response.json()["errors"]) == [field]
    assert (Referral.objects.count(), ReferralEvent.objects.count()) == (0, 0)


def test_a_case_the_caller_cannot_see_is_no_such_case(caller):
    """Another agency's case answers 400 "No such case.", as for risk assessments and incidents."""
    hidden = make_case(case_worker())
    response = post_json(caller.client, REFERRALS, referral_body(hidden))
    assert response.json() == {"errors": {"case": ["No such case."]}}


def test_a_case_the_caller_may_only_view_is_a_403(partnership_rule):
    """An agency that may only view a case cannot refer it (403); nothing is written."""
    idva_service()
    case = make_case(case_worker())
    member = AgencyFactory()
    object_permission_grant(agency=member, perm=VIEW_CASE, obj=case, reason="On the MARAC agenda")
    response = post_json(key_of(member), REFERRALS, referral_body(case))
    assert response.status_code == 403
    assert Referral.objects.count() == 0


def test_an_idempotency_key_replays_the_referral(caller):
    """The same key and body answer the first response and make one referral."""
    case = make_case(caller.user)
    first = post_json(caller.client, REFERRALS, referral_body(case), key="refer-1")
    again = post_json(caller.client, REFERRALS, referral_body(case), key="refer-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == 1


def test_read_scope_key_cannot_refer_or_step(partnership_rule):
    """A read-only key may list referrals but not refer a case nor take a step (403); nothing is written."""
    setup = referral_at("received")
    police = key_of(setup.referrer.agency, scope=ApiKey.Scope.READ)
    service = key_of(setup.referral.receiving_agency, scope=ApiKey.Scope.READ)
    assert police.get(REFERRALS).status_code == 200
    before = footprint(setup.referral)
    assert post_json(police, REFERRALS, referral_body(setup.case)).status_code == 403
    for step in STEPS:
        assert post_json(service, step_url(setup.referral, step), step_body(step, setup)).status_code == 403
    assert Referral.objects.count() == 1
    assert footprint(setup.referral) == before


def test_anonymous_requests_are_refused(api_client, partnership_rule):
    """Without credentials every referrals endpoint answers 401."""
    setup = referral_at("received")
    assert api_client.get(REFERRALS).status_code == 401
    assert api_client.get(detail(setup.referral)).status_code == 401
    assert post_json(api_client, REFERRALS, referral_body(setup.case)).status_code == 401
    for step in STEPS:
        assert post_json(api_client, step_url(setup.referral, step), step_body(step, setup)).status_code == 401


# --- Who sees which referral ----------------------------------------------------------------------------


def listed(client: Any, **params: Any) -> list[int]:
    response = client.get(REFERRALS, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_referring_agency_sees_what_it_referred(partnership_rule):
    """A police agency lists and reads its own referrals; another police agency's are not listed and 404."""
    own = police_referral()
    others = police_referral()
    for client in (key_of(own.referring_agency), session_of(own.referrer)):
        assert listed(client) == [own.pk]
        assert client.get(detail(own)).status_code == 200
        assert client.get(detail(others)).status_code == 404


def test_the_manager_sees_every_referral_the_service_received(partnership_rule):
    """The IDVA manager (and the service's API key) list every referral the service received."""
    first = referral_at("allocated")
    second = police_referral()
    expected = sorted([first.referral.pk, second.pk])
    assert sorted(listed(session_of(first.manager))) == expected
    assert sorted(listed(key_of(first.referral.receiving_agency))) == expected


def test_an_idva_sees_only_their_own_caseload(partnership_rule):
    """An IDVA lists only the referrals allocated to them; a colleague's and unallocated ones are 404."""
    mine = referral_at("allocated")
    colleagues = referral_at("allocated")
    unallocated = police_referral()
    client = session_of(mine.idva)
    assert listed(client) == [mine.referral.pk]
    assert client.get(detail(mine.referral)).status_code == 200
    assert client.get(detail(colleagues.referral)).status_code == 404
    assert client.get(detail(unallocated)).status_code == 404


@pytest.mark.parametrize("role", [Role.ANALYST, Role.DHR_COORDINATOR, Role.PARTNERSHIP_ADMIN])
def test_users_without_a_case_role_see_no_referral(partnership_rule, role):
    """Analysts and other roles without case work see an empty list and 404 on details."""
    referral = police_referral()
    client = session_of(UserFactory(agency=referral.receiving_agency, roles=[role]))
    body = client.get(REFERRALS).json()
    assert (body["count"], body["results"]) == (0, [])
    assert client.get(detail(referral)).status_code == 404


def _outsider_key(setup: ReferralSetup) -> Client:
    return key_of(AgencyFactory())


def _outsider_manager(setup: ReferralSetup) -> Client:
    # A manager of another IDVA-kind agency: the role does not reach across agencies.
    return session_of(idva_manager(AgencyFactory(kind=Agency.Kind.IDVA_SERVICE)))


def _other_idva(setup: ReferralSetup) -> Client:
    # An IDVA of the receiving agency, not allocated this referral: it is not theirs to see.
    return session_of(idva_user(setup.referral.receiving_agency))


@pytest.mark.parametrize("outsider", [_outsider_key, _outsider_manager, _other_idva])
@pytest.mark.parametrize("endpoint", ["detail", *STEPS])
def test_a_referral_the_caller_cannot_see_is_a_404_everywhere(partnership_rule, outsider, endpoint):
    """Another agency, or an IDVA it is not allocated to, gets 404 on the detail and every step; nothing
    is written."""
    setup = referral_at("allocated")
    client = outsider(setup)
    before = footprint(setup.referral)
    if endpoint == "detail":
        response = client.get(detail(setup.referral))
    else:
        response = post_json(client, step_url(setup.referral, endpoint), step_body(endpoint, setup))
    assert response.status_code == 404
    assert set(response.json()) == {"errors"}
    assert footprint(setup.referral) == before


def _referrer_session(setup: ReferralSetup) -> Client:
    return session_of(setup.referrer)


def _referrer_key(setup: ReferralSetup) -> Client:
    return key_of(setup.referrer.agency)


def _marac_coordinator(setup: ReferralSetup) -> Client:
    # Sees every referral the service receives, but works MARAC referrals, not the IDVA caseload.
    return session_of(UserFactory(agency=setup.referral.receiving_agency, roles=[Role.MARAC_COORDINATOR]))


@pytest.mark.parametrize("actor", [_referrer_session, _referrer_key, _marac_coordinator])
@pytest.mark.parametrize("step", STEPS)
def test_a_visible_referral_the_caller_may_not_work_is_a_403(partnership_rule, actor, step):
    """The referring police agency and the MARAC coordinator see the referral but may not step it: 403,
    before the body is looked at, and nothing is written."""
    setup = referral_at("allocated")
    client = actor(setup)
    assert client.get(detail(setup.referral)).status_code == 200
    before = footprint(setup.referral)
    for body in (step_body(step, setup), {}):
        response = post_json(client, step_url(setup.referral, step), body)
        assert response.status_code == 403
        assert set(response.json()) == {"errors"}
    assert footprint(setup.referral) == before


def test_the_allocated_idva_may_not_allocate(partnership_rule):
    """Allocation is the manager's: the IDVA who holds the referral gets 403."""
    setup = referral_at("allocated")
    colleague = idva_user(setup.referral.receiving_agency)
    response = post_json(session_of(setup.idva), step_url(setup.referral, "allocate"), {"idva": colleague.pk})
    assert response.status_code == 403
    setup.referral.refresh_from_db()
    assert setup.referral.allocated_to == setup.idva


# --- The workflow -------------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["sessions", "api_key"])
def test_the_whole_workflow_through_the_api(partnership_rule, by):
    """Allocate, contact, engaged, close: each step answers the referral, and the detail shows the timeline,
    the contact attempt and the closure outcomes."""
    setup = referral_at("received", received_on=timezone.localdate() - timedelta(days=10))
    referral = setup.referral
    if by == "sessions":
        manager, idva = session_of(setup.manager), session_of(setup.idva)
    else:
        manager = idva = key_of(referral.receiving_agency)
    staff = manager.get("/api/v1/staff/", {"role": "idva"}).json()["results"]
    assert setup.idva.pk in {row["id"] for row in staff}

    response = post_json(manager, step_url(referral, "allocate"), {"idva": setup.idva.pk, "on": days_ago(9)})
    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data) == DETAIL_FIELDS
    assert (data["status"], data["allocated_to"], data["allocated_on"]) == ("allocated", setup.idva.pk, days_ago(9))

    attempt = {
        "made_on": days_ago(8),
        "method": "text_message",
        "safe_to_leave_message": True,
        "outcome": "message_left",
        "notes": "Texted the safe number.",
    }
    response = post_json(idva, step_url(referral, "contact-attempts"), attempt)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["first_contact_attempt_on"]) == ("contacting", days_ago(8))
    [made] = data["contact_attempts"]
    assert {key: made[key] for key in attempt} == attempt
    assert made["made_by"] == (setup.idva.pk if by == "sessions" else None)

    response = post_json(idva, step_url(referral, "engagement"), {"outcome": "engaged", "on": days_ago(7)})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["engagement"]) == ("engaged", "engaged")

    measures = list(SafetyMeasure.objects.filter(active=True).values_list("code", flat=True)[:2])
    closing = {
        "outcome": "support_completed",
        "on": days_ago(1),
        "risk_reduced_idva_view": "yes",
        "risk_reduced_victim_view": "not_known",
        "safety_measures": measures,
        "criminal_justice_outcome": "convicted",
        "civil_justice_outcome": "non_molestation_order",
        "housing_outcome": "safe_at_home",
        "notes": "Safety plan in place.",
    }
    response = post_json(idva, step_url(referral, "close"), closing)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["closed_on"], data["closure_outcome"]) == ("closed", days_ago(1), "support_completed")
    closure = data["closure"]
    assert sorted(closure["safety_measures"]) == sorted(measures)
    assert {key: closure[key] for key in closing if key not in {"outcome", "on", "safety_measures"}} == {
        key: value for key, value in closing.items() if key not in {"outcome", "on", "safety_measures"}
    }

    data = manager.get(detail(referral)).json()
    assert [(event["kind"], event["on"], event["status_after"]) for event in data["events"]] == [
        ("received", days_ago(10), "received"),
        ("allocated", days_ago(9), "allocated"),
        ("contact_attempt", days_ago(8), "contacting"),
        ("engaged", days_ago(7), "engaged"),
        ("closed", days_ago(1), "closed"),
    ]
    assert {event["recorded_by_agency"] for event in data["events"][1:]} == {referral.receiving_agency.slug}


def test_not_engaged_and_reopened(partnership_rule):
    """Not engaged with its reason, then re-opened when the victim gets in touch: back to contacting."""
    setup = referral_at("contacting")
    idva = session_of(setup.idva)
    body = {"outcome": "not_engaged", "reason": "other", "detail": "Moved in with family.", "on": days_ago(1)}
    data = post_json(idva, step_url(setup.referral, "engagement"), body).json()
    assert (data["status"], data["not_engaged_reason"], data["not_engaged_detail"]) == (
        "not_engaged",
        "other",
        "Moved in with family.",
    )
    response = post_json(idva, step_url(setup.referral, "reopen"), {"on": today(), "detail": "She called back."})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["engagement"], data["not_engaged_reason"]) == ("contacting", "", "")
    assert data["events"][-1]["kind"] == "reopened"


def test_allocation_is_dated_today_unless_said(partnership_rule):
    """Without `on`, the allocation is dated today."""
    setup = referral_at("received")
    data = post_json(session_of(setup.manager), step_url(setup.referral, "allocate"), {"idva": setup.idva.pk}).json()
    assert data["allocated_on"] == today()


def _manager_id(setup: ReferralSetup) -> dict[str, Any]:
    return {"idva": setup.manager.pk}


def _idva_of_another_agency(setup: ReferralSetup) -> dict[str, Any]:
    return {"idva": idva_user(AgencyFactory(kind=Agency.Kind.IDVA_SERVICE)).pk}


def _inactive_idva(setup: ReferralSetup) -> dict[str, Any]:
    return {"idva": idva_user(setup.referral.receiving_agency, is_active=False).pk}


def _unsafe_message(setup: ReferralSetup) -> dict[str, Any]:
    return {"made_on": today(), "method": "phone_call", "safe_to_leave_message": False, "outcome": "message_left"}


TOMORROW = object()


@pytest.mark.parametrize(
    ("status", "step", "body", "field", "message"),
    [
        ("allocated", "close", {"outcome": "support_completed"}, "non_field_errors", "Record an engagement outcome"),
        ("contacting", "close", {"outcome": "support_completed"}, "non_field_errors", "Record an engagement outcome"),
        ("received", "engagement", {"outcome": "engaged"}, "non_field_errors", "Allocate the referral"),
        ("allocated", "engagement", {"outcome": "engaged"}, "non_field_errors", "Record a contact attempt"),
        ("received", "contact-attempts", None, "non_field_errors", "Allocate the referral"),
        ("engaged", "reopen", {"detail": "Called back."}, "non_field_errors", "did not engage can be re-opened"),
        ("closed", "allocate", None, "non_field_errors", "The referral is closed."),
        ("closed", "engagement", {"outcome": "not_engaged", "reason": "declined"}, "non_field_errors", "closed"),
        ("engaged", "close", {"outcome": "not_engaged"}, "outcome", "The victim engaged"),
        ("contacting", "engagement", {"outcome": "not_engaged"}, "reason", "did not engage"),
        ("contacting", "engagement", {"outcome": "not_engaged", "reason": "other"}, "detail", "did not engage"),
        ("contacting", "engagement", {"outcome": "engaged", "reason": "declined"}, "reason", "only when"),
        ("contacting", "engagement", {"outcome": "maybe"}, "outcome", ""),
        ("contacting", "engagement", {"outcome": "engaged", "on": TOMORROW}, "on", "future"),
        ("contacting", "engagement", {"outcome": "engaged", "on": "10/03/2026"}, "on", ""),
        ("allocated", "contact-attempts", _unsafe_message, "outcome", "not safe to leave a message"),
        ("engaged", "close", {"outcome": "support_completed", "safety_measures": ["moat"]}, "safety_measures", "moat"),
        ("engaged", "close", {"outcome": "support_completed", "housing_outcome": "castle"}, "housing_outcome", ""),
        ("not_engaged", "reopen", {"detail": "  "}, "detail", "got back in touch"),
        ("received", "allocate", _manager_id, "idva", "No such IDVA"),
        ("received", "allocate", _idva_of_another_agency, "idva", "No such IDVA"),
        ("received", "allocate", _inactive_idva, "idva", "No such IDVA"),
        ("received", "allocate", {"idva": "someone"}, "idva", ""),
    ],
)
def test_a_refused_step_is_a_400_naming_the_problem_and_writes_nothing(
    partnership_rule, *, status, step, body, field, message
):
    """A step the referral's status does not allow, or bad input, answers 400 naming the field (or
    non_field_errors for the status) and leaves the referral as it was."""
    setup = referral_at(status)
    if body is None:
        body = step_body(step, setup)
    elif callable(body):
        body = body(setup)
    else:
        body = {"on": today(), **body}
        if body["on"] is TOMORROW:
            body["on"] = (timezone.localdate() + timedelta(days=1)).isoformat()
    before = footprint(setup.referral)
    response = post_json(session_of(setup.manager), step_url(setup.referral, step), body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert footprint(setup.referral) == before


def test_allocating_again_to_the_same_idva_is_refused_without_a_key(partnership_rule):
    """Without an Idempotency-Key a repeated allocation is a new request: refused, as already allocated."""
    setup = referral_at("received")
    manager = session_of(setup.manager)
    assert post_json(manager, step_url(setup.referral, "allocate"), {"idva": setup.idva.pk}).status_code == 200
    again = post_json(manager, step_url(setup.referral, "allocate"), {"idva": setup.idva.pk})
    assert again.status_code == 400
    assert list(again.json()["errors"]) == ["idva"]


@pytest.mark.parametrize("step", ["allocate", "contact-attempts"])
def test_an_idempotency_key_replays_a_step(partnership_rule, step):
    """The same key and body on a step answer the first response and take the step once."""
    setup = referral_at("received" if step == "allocate" else "allocated")
    manager = session_of(setup.manager)
    first = post_json(manager, step_url(setup.referral, step), step_body(step, setup), key=f"{step}-1")
    again = post_json(manager, step_url(setup.referral, step), step_body(step, setup), key=f"{step}-1")
    assert first.status_code == again.status_code
    assert first.status_code in {200, 201}
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    kind = "allocated" if step == "allocate" else "contact_attempt"
    assert setup.referral.events.filter(kind=kind).count() == 1
    assert ContactAttempt.objects.count() == (1 if step == "contact-attempts" else 0)


# --- Filters and lists ---------------------------------------------------------------------------------


@pytest.fixture
def service_referrals(partnership_rule) -> SimpleNamespace:
    """Four referrals the IDVA service received, at different steps and dates, after the nightly check of
    first contact: `old` (received 40 days ago, never allocated) and `allocated` (20 days ago, not yet
    contacted) are overdue; `contacting` (10 days ago) and `marac` (a MARAC referral, 5 days ago) are not."""
    old = police_referral(received_on=timezone.localdate() - timedelta(days=40))
    allocated = referral_at("allocated", received_on=timezone.localdate() - timedelta(days=20))
    contacting = referral_at("contacting", received_on=timezone.localdate() - timedelta(days=10))
    marac = police_referral(service="marac", received_on=timezone.localdate() - timedelta(days=5))
    referrals_contact_overdue_flag()
    return SimpleNamespace(
        old=old,
        allocated=allocated.referral,
        contacting=contacting.referral,
        marac=marac,
        idva=allocated.idva,
        client=key_of(old.receiving_agency),
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda r: {}, {"old", "allocated", "contacting", "marac"}),
        (lambda r: {"service": "marac"}, {"marac"}),
        (lambda r: {"service": "idva"}, {"old", "allocated", "contacting"}),
        (lambda r: {"status": "received"}, {"old", "marac"}),
        (lambda r: {"status": "contacting"}, {"contacting"}),
        (lambda r: {"status": "closed"}, set()),
        (lambda r: {"received_from": days_ago(20)}, {"allocated", "contacting", "marac"}),
        (lambda r: {"received_to": days_ago(20)}, {"old", "allocated"}),
        (lambda r: {"received_from": days_ago(20), "received_to": days_ago(10)}, {"allocated", "contacting"}),
        (lambda r: {"allocated_to": r.idva.pk}, {"allocated"}),
        (lambda r: {"case": r.contacting.case_id}, {"contacting"}),
        (lambda r: {"contact_overdue": "true"}, {"old", "allocated"}),
        (lambda r: {"contact_overdue": "false"}, {"contacting", "marac"}),
        (lambda r: {"service": "idva", "contact_overdue": "true", "received_from": days_ago(30)}, {"allocated"}),
    ],
)
def test_each_filter_narrows_the_list(service_referrals, params, expected):
    """Each filter keeps exactly the referrals it names; filters combine."""
    names = {getattr(service_referrals, name).pk: name for name in ("old", "allocated", "contacting", "marac")}
    ids = listed(service_referrals.client, **params(service_referrals))
    assert {names[pk] for pk in ids} == expected


def test_the_list_is_newest_first_unless_ordered(service_referrals):
    """By default the newest received first; ?ordering=received the oldest first."""
    r = service_referrals
    newest_first = [r.marac.pk, r.contacting.pk, r.allocated.pk, r.old.pk]
    assert listed(r.client) == newest_first
    assert listed(r.client, ordering="received") == newest_first[::-1]


def test_updated_since_keeps_referrals_changed_since(partnership_rule, time_machine):
    """?updated_since= keeps the referrals changed at or after that time (a step counts as a change)."""
    time_machine.move_to(timezone.now() - timedelta(days=2), tick=False)
    quiet = police_referral(received_on=timezone.localdate() - timedelta(days=3))
    setup = referral_at("received", received_on=timezone.localdate() - timedelta(days=3))
    time_machine.move_to(timezone.now() + timedelta(days=2), tick=False)
    since = timezone.now()
    manager = session_of(setup.manager)
    post_json(manager, step_url(setup.referral, "allocate"), {"idva": setup.idva.pk})
    assert listed(manager, updated_since=since.isoformat()) == [setup.referral.pk]
    earlier = (since - timedelta(days=3)).isoformat()
    assert sorted(listed(manager, updated_since=earlier)) == sorted([quiet.pk, setup.referral.pk])


def _unknown_user(r: SimpleNamespace) -> dict[str, Any]:
    return {"allocated_to": 999_999}


def _idva_of_another_agency_filter(r: SimpleNamespace) -> dict[str, Any]:
    # A real IDVA the caller has no way to know of: refused exactly as an id that does not exist.
    return {"allocated_to": idva_user(AgencyFactory(kind=Agency.Kind.IDVA_SERVICE)).pk}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (lambda r: {"service": "counselling"}, "service", ""),
        (lambda r: {"status": "lost"}, "status", ""),
        (lambda r: {"received_from": "03/03/2026"}, "received_from", ""),
        (lambda r: {"received_to": "yesterday"}, "received_to", ""),
        (lambda r: {"received_from": days_ago(1), "received_to": days_ago(2)}, "received_to", "on or after"),
        (lambda r: {"updated_since": "last week"}, "updated_since", ""),
        (lambda r: {"allocated_to": "someone"}, "allocated_to", ""),
        (_unknown_user, "allocated_to", "No such user."),
        (_idva_of_another_agency_filter, "allocated_to", "No such user."),
        (lambda r: {"case": "twelve"}, "case", ""),
        (lambda r: {"contact_overdue": "perhaps"}, "contact_overdue", ""),
        (lambda r: {"ordering": "shoe_size"}, "ordering", ""),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(service_referrals, params, field, message):
    """A filter value that is not valid answers 400 with that field's error."""
    response = service_referrals.client.get(REFERRALS, params(service_referrals))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert message in " ".join(errors[field])


def test_a_case_filter_the_caller_cannot_see_is_no_such_case(partnership_rule):
    """?case= of another police agency's case answers 400 "No such case.", as for a case that does not exist."""
    referral = police_referral()
    client = key_of(referral.referring_agency)
    for case_id in (make_case(case_worker()).pk, 999_999):
        response = client.get(REFERRALS, {"case": case_id})
        assert response.status_code == 400
        assert response.json() == {"errors": {"case": ["No such case."]}}


def test_the_referrer_may_filter_by_the_idva_it_sees(partnership_rule):
    """The referring agency may filter by the IDVA allocated to one of its referrals."""
    setup = referral_at("allocated")
    assert listed(key_of(setup.referrer.agency), allocated_to=setup.idva.pk) == [setup.referral.pk]


def test_list_query_count_is_constant(partnership_rule, django_assert_max_num_queries):
    """Listing referrals costs the same number of queries for 3 or 15."""
    manager = idva_manager(idva_service())
    referrer = case_worker()
    for _ in range(3):
        police_referral(referrer=referrer)
    client = session_of(manager)
    client.get(REFERRALS)
    few = queries(client, REFERRALS)
    for _ in range(12):
        police_referral(referrer=referrer)
    with django_assert_max_num_queries(few):
        assert client.get(REFERRALS).json()["count"] == 15


def test_detail_query_count_does_not_grow_with_the_timeline(partnership_rule, django_assert_max_num_queries):
    """A closed referral's detail (timeline, contact attempt, closure) costs what a new one's does, plus
    the closure's safety measures."""
    new = referral_at("received")
    closed = referral_at("closed")
    client = key_of(new.referral.receiving_agency)
    client.get(detail(new.referral))
    few = queries(client, detail(new.referral))
    with django_assert_max_num_queries(few + 1):
        assert client.get(detail(closed.referral)).json()["status"] == "closed"


def test_detail_and_list_are_logged(partnership_rule):
    """A detail writes a VIEW row for the referral; a list writes one LIST row with its filters."""
    referral = police_referral()
    client = key_of(referral.referring_agency)
    client.get(detail(referral))
    client.get(REFERRALS, {"service": "idva"})
    view = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    assert (view.object_type, view.object_id) == ("referrals.referral", str(referral.pk))
    listed_row = AccessLog.objects.get(action=AccessLog.Action.LIST)
    assert listed_row.object_type == "referrals.referral"
    assert listed_row.detail["filters"] == {"service": "idva"}
    assert listed_row.detail["count"] == 1


def test_the_schema_documents_the_referral_endpoints(api_client):
    """The OpenAPI schema lists the list, detail and every step, each step with the Idempotency-Key."""
    paths = api_client.get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/referrals/"])
    assert "get" in paths["/api/v1/referrals/{id}/"]
    for step in STEPS:
        operation = paths[f"/api/v1/referrals/{{id}}/{step}/"]["post"]
        assert "Idempotency-Key" in {parameter["name"] for parameter in operation["parameters"]}
        assert {"400", "403", "404"} <= set(operation["responses"])
