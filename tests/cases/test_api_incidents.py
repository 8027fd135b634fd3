"""The incidents API: recording (once per source reference), bulk import row by row, lists and details."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import ApiKey, Role
from agencies.services import object_permission_grant
from audit.models import AccessLog
from cases.models import Case, Incident
from cases.selectors import VIEW_CASE
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import PersonFactory, add_incident, case_worker, idva_service, make_case

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"
BULK = "/api/v1/incidents/bulk/"


def detail(incident: Incident) -> str:
    return f"{INCIDENTS}{incident.pk}/"


def post_json(client: Any, url: str, body: Any, **extra: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def incident_body(case: Case, reference: str = "CAD-123", **overrides: Any) -> dict[str, Any]:
    """The body api.md documents."""
    return {"case": case.pk, "occurred_on": yesterday(), "source_reference": reference, "is_crime": True, **overrides}


@pytest.fixture(params=["api_key", "session"])
def caller(request, key_client, signed_in_client) -> SimpleNamespace:
    """A case worker's agency calling with its API key, or the case worker signed in (two factors)."""
    idva_service()
    user = case_worker()
    client = key_client(user.agency) if request.param == "api_key" else signed_in_client(user)
    return SimpleNamespace(user=user, agency=user.agency, client=client, kind=request.param)


# --- Recording one -----------------------------------------------------------------------------------


def test_record_an_incident_as_documented(caller):
    """The api.md body records an incident reported to the caller's agency: 201 with its fields."""
    case = make_case(caller.user)
    perpetrator = case.parties.get().person
    response = post_json(
        caller.client, INCIDENTS, incident_body(case, perpetrator=perpetrator.pk, crime_type="Assault")
    )
    assert response.status_code == 201, response.content
    data = response.json()
    incident = Incident.objects.get()
    assert data["id"] == incident.pk
    assert data["case"] == case.pk
    assert data["perpetrator"] == perpetrator.pk
    assert data["occurred_on"] == yesterday()
    assert data["reported_to"] == caller.agency.slug
    assert data["is_crime"] is True
    assert data["crime_type"] == "Assault"
    assert data["source_reference"] == "CAD-123"
    assert {"created_at", "updated_at"} <= set(data)


def test_a_repeated_reference_answers_200_with_the_existing_incident(caller):
    """Posting a reference the agency already used answers 200 with that incident and changes nothing."""
    case = make_case(caller.user)
    first = post_json(caller.client, INCIDENTS, incident_body(case)).json()
    again = post_json(
        caller.client,
        INCIDENTS,
        incident_body(case, occurred_on=(timezone.localdate() - timedelta(days=9)).isoformat(), is_crime=False),
    )
    assert again.status_code == 200
    assert again.json() == first
    assert Incident.objects.count() == 1
    assert Incident.objects.get().is_crime is True


def test_the_same_reference_from_another_agency_is_another_incident(caller, key_client):
    """References are unique per reporting agency: the IDVA service may use the same one."""
    case = make_case(caller.user)
    post_json(caller.client, INCIDENTS, incident_body(case))
    response = post_json(key_client(idva_service()), INCIDENTS, incident_body(case))
    assert response.status_code == 201
    assert Incident.objects.count() == 2


def test_a_case_the_caller_cannot_see_is_a_400_and_writes_nothing(caller):
    """Another agency's case, or no case, answers 400 "No such case." on the case field."""
    hidden = make_case(case_worker())
    for case_id in (hidden.pk, 999_999):
        response = post_json(caller.client, INCIDENTS, {**incident_body(hidden), "case": case_id})
        assert response.status_code == 400
        assert response.json() == {"errors": {"case": ["No such case."]}}
    assert Incident.objects.count() == 0


def test_a_case_the_caller_may_only_view_is_a_403(key_client):
    """An agency that may see a case but not change it cannot add incidents (403); nothing is written."""
    case = make_case(case_worker())
    member = AgencyFactory()
    object_permission_grant(agency=member, perm=VIEW_CASE, obj=case, reason="On the MARAC agenda")
    response = post_json(key_client(member), INCIDENTS, incident_body(case))
    assert response.status_code == 403
    assert set(response.json()) == {"errors"}
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda body, case: body.pop("occurred_on"), "occurred_on"),
        (lambda body, case: body.update(occurred_on="01/02/2026"), "occurred_on"),
        (
            lambda body, case: body.update(occurred_on=(timezone.localdate() + timedelta(days=1)).isoformat()),
            "occurred_on",
        ),
        (lambda body, case: body.pop("source_reference"), "source_reference"),
        (lambda body, case: body.update(source_reference="X" * 65), "source_reference"),
        (lambda body, case: body.update(source_reference=""), "source_reference"),
        (lambda body, case: body.pop("case"), "case"),
        (lambda body, case: body.update(case="twelve"), "case"),
        (lambda body, case: body.update(is_crime="perhaps"), "is_crime"),
        (lambda body, case: body.update(perpetrator=case.victim_id), "perpetrator"),
        (lambda body, case: body.update(perpetrator=PersonFactory().pk), "perpetrator"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(caller, change, field):
    """Each kind of bad input answers 400 in the error format, naming the field, and writes nothing."""
    case = make_case(caller.user)
    body = incident_body(case)
    change(body, case)
    response = post_json(caller.client, INCIDENTS, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert Incident.objects.count() == 0


def test_read_scope_key_cannot_record_incidents(key_client):
    """A read-only key may list incidents but not record one (403)."""
    worker = case_worker()
    case = make_case(worker)
    client = key_client(worker.agency, scope=ApiKey.Scope.READ)
    assert client.get(INCIDENTS).status_code == 200
    assert post_json(client, INCIDENTS, incident_body(case)).status_code == 403
    assert post_json(client, BULK, [incident_body(case)]).status_code == 403
    assert Incident.objects.count() == 0


def test_anonymous_requests_are_refused(api_client):
    """Without credentials every incidents endpoint answers 401."""
    worker = case_worker()
    incident = add_incident(worker, make_case(worker))
    assert api_client.get(INCIDENTS).status_code == 401
    assert api_client.get(detail(incident)).status_code == 401
    assert post_json(api_client, INCIDENTS, incident_body(incident.case)).status_code == 401
    assert post_json(api_client, BULK, [incident_body(incident.case)]).status_code == 401


# --- Bulk --------------------------------------------------------------------------------------------


def test_bulk_answers_per_row_and_a_bad_row_fails_only_itself(caller, key_client):
    """Good rows are recorded, repeats answer 200, bad rows answer their own errors and write nothing."""
    case = make_case(caller.user)
    view_only = make_case(case_worker())
    object_permission_grant(agency=caller.agency, perm=VIEW_CASE, obj=view_only, reason="On the MARAC agenda")
    hidden = make_case(case_worker())
    existing = add_incident(caller.user, case, source_reference="CAD-OLD")
    rows = [
        incident_body(case, "CAD-1"),
        {**incident_body(case, "CAD-2"), "occurred_on": "not a date"},
        incident_body(case, "CAD-OLD"),
        incident_body(hidden, "CAD-3"),
        incident_body(view_only, "CAD-4"),
        "not an object",
        incident_body(case, "CAD-5"),
        incident_body(case, "CAD-1"),
    ]
    response = post_json(caller.client, BULK, rows)
    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    assert [row["index"] for row in results] == list(range(len(rows)))
    assert [row["status"] for row in results] == [201, 400, 200, 400, 403, 400, 201, 200]
    assert results[1]["errors"] == {"occurred_on": results[1]["errors"]["occurred_on"]}
    assert results[2]["id"] == existing.pk
    assert results[3]["errors"] == {"case": ["No such case."]}
    assert "non_field_errors" in results[5]["errors"]
    assert results[7]["id"] == results[0]["id"]
    assert (body["created"], body["existing"], body["failed"]) == (2, 2, 4)
    assert set(Incident.objects.values_list("source_reference", flat=True)) == {"CAD-OLD", "CAD-1", "CAD-5"}


def test_bulk_refuses_more_than_5000_rows(caller):
    """A list longer than 5,000 answers 400 and records nothing."""
    case = make_case(caller.user)
    rows = [incident_body(case, f"CAD-{n}") for n in range(5001)]
    response = post_json(caller.client, BULK, rows)
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("body", [{"case": 1}, [], "rows"])
def test_bulk_needs_a_non_empty_list(caller, body):
    """Anything but a non-empty JSON list answers 400."""
    response = post_json(caller.client, BULK, body)
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]


def test_bulk_loads_the_rows_cases_at_once(caller, monkeypatch):
    """The bulk import loads the cases its rows name in one query, not case by case."""
    import cases.api.serializers

    lookups = []
    monkeypatch.setattr(
        cases.api.serializers, "case_get", lambda **kwargs: lookups.append(kwargs) or pytest.fail("looked up")
    )
    first, second = make_case(caller.user), make_case(caller.user)
    rows = [incident_body(first if n % 2 else second, f"CAD-{n}") for n in range(10)]
    response = post_json(caller.client, BULK, rows)
    assert [row["status"] for row in response.json()["results"]] == [201] * 10
    assert lookups == []


# --- Reading -----------------------------------------------------------------------------------------


def test_list_and_detail_show_the_callers_incidents_only(caller, key_client):
    """Incidents of the caller's cases are listed and shown; others' are not listed and are 404."""
    own = add_incident(caller.user, make_case(caller.user))
    worker = case_worker()
    others = add_incident(worker, make_case(worker))
    body = caller.client.get(INCIDENTS).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [row["id"] for row in body["results"]] == [own.pk]
    assert caller.client.get(detail(own)).json()["source_reference"] == own.source_reference
    assert caller.client.get(detail(others)).status_code == 404
    outsider = key_client(AgencyFactory())
    assert outsider.get(INCIDENTS).json()["count"] == 0
    assert outsider.get(detail(own)).status_code == 404


def test_filter_by_case_and_updated_since(caller):
    """?case= keeps one case's incidents; ?updated_since= the recently changed ones."""
    first, second = make_case(caller.user), make_case(caller.user)
    old = add_incident(caller.user, first)
    Incident.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=5))
    recent = add_incident(caller.user, first)
    elsewhere = add_incident(caller.user, second)
    by_case = caller.client.get(INCIDENTS, {"case": first.pk}).json()["results"]
    assert {row["id"] for row in by_case} == {old.pk, recent.pk}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    by_time = caller.client.get(INCIDENTS, {"updated_since": since}).json()["results"]
    assert {row["id"] for row in by_time} == {recent.pk, elsewhere.pk}


def test_filter_by_a_case_the_caller_cannot_see_is_a_400(caller):
    """?case= naming another agency's case answers 400 "No such case." (as for a missing one)."""
    hidden = make_case(case_worker())
    response = caller.client.get(INCIDENTS, {"case": hidden.pk})
    assert response.status_code == 400
    assert response.json() == {"errors": {"case": ["No such case."]}}


@pytest.mark.parametrize("role", [Role.ANALYST, Role.PARTNERSHIP_ADMIN])
def test_users_without_a_case_role_see_no_incident(signed_in_client, role):
    """Analysts see no incident: an empty list and 404 on details."""
    worker = case_worker()
    incident = add_incident(worker, make_case(worker))
    client = signed_in_client(UserFactory(agency=worker.agency, roles=[role]))
    assert client.get(INCIDENTS).json()["count"] == 0
    assert client.get(detail(incident)).status_code == 404


def test_list_query_count_is_constant(caller):
    """Listing incidents costs the same number of queries for 2 or 20 incidents."""
    case = make_case(caller.user)
    for _ in range(2):
        add_incident(caller.user, case)
    caller.client.get(INCIDENTS)
    few = queries(caller.client, INCIDENTS)
    for _ in range(18):
        add_incident(caller.user, make_case(caller.user))
    assert caller.client.get(INCIDENTS).json()["count"] == 20
    assert queries(caller.client, INCIDENTS) == few


def test_detail_and_list_are_logged(caller):
    """A detail writes a VIEW row for the incident; a list writes one LIST row."""
    incident = add_incident(caller.user, make_case(caller.user))
    caller.client.get(detail(incident))
    caller.client.get(INCIDENTS)
    view = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    assert (view.object_type, view.object_id) == ("cases.incident", str(incident.pk))
    listed = AccessLog.objects.get(action=AccessLog.Action.LIST)
    assert (listed.object_type, listed.detail["count"]) == ("cases.incident", 1)
