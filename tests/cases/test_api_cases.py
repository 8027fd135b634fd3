"""The cases API: creating cases (new and existing people), lists, details, safe contacts, access log."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from faker import Faker
from openapi_spec_validator import validate

from agencies.models import ApiKey, Role
from agencies.services import object_permission_grant
from audit.models import AccessLog
from cases.models import Case, CaseParty, Child, Person, SafeContact
from cases.selectors import VIEW_CASE
from cases.services import safe_contact_save
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
fake = Faker("en_GB")


def detail(case: Case) -> str:
    return f"{CASES}{case.pk}/"


def post_json(client: Any, url: str, body: Any, **extra: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def new_person(gender: str = "female") -> dict[str, str]:
    return {
        "given_name": fake.first_name(),
        "family_name": fake.last_name(),
        "date_of_birth": fake.date_of_birth(minimum_age=18, maximum_age=70).isoformat(),
        "gender": gender,
    }


def case_body(area_slug: str, **overrides: Any) -> dict[str, Any]:
    """The body api.md documents: a new victim, a new perpetrator, one child."""
    return {
        "area": area_slug,
        "victim": new_person(),
        "perpetrators": [{**new_person("male"), "relationship": "ex_partner"}],
        "children": [{"age": 4}],
        **overrides,
    }


def counts() -> tuple[int, int, int, int]:
    return Case.objects.count(), Person.objects.count(), CaseParty.objects.count(), Child.objects.count()


@pytest.fixture(params=["api_key", "session"])
def caller(request, key_client, signed_in_client) -> SimpleNamespace:
    """A case worker's agency calling with its API key, or the case worker signed in (two factors)."""
    idva_service()
    user = case_worker()
    client = key_client(user.agency) if request.param == "api_key" else signed_in_client(user)
    return SimpleNamespace(user=user, agency=user.agency, client=client, kind=request.param)


@pytest.fixture
def outsider(key_client) -> Any:
    """An API client of a police agency with no part in the cases of the test."""
    return key_client(AgencyFactory())


# --- Creating ----------------------------------------------------------------------------------------


def test_create_case_as_documented(caller):
    """The api.md body creates the case, its people and child; 201 with ids, reference and the rest."""
    area = caller.agency.areas.first()
    body = case_body(area.slug)
    response = post_json(caller.client, CASES, body)
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(pk=data["id"])
    assert data["reference"] == case.reference
    assert data["reference"].startswith(f"DA-{timezone.localdate().year}-")
    assert data["victim"]["id"] == case.victim_id
    assert data["victim"]["given_name"] == body["victim"]["given_name"]
    assert data["victim"]["date_of_birth"] == body["victim"]["date_of_birth"]
    [perpetrator] = data["perpetrators"]
    assert perpetrator["id"] == case.parties.get().person_id
    assert perpetrator["relationship"] == "ex_partner"
    assert perpetrator["family_name"] == body["perpetrators"][0]["family_name"]
    assert [child["age"] for child in data["children"]] == [4]
    assert data["area"] == area.slug
    assert data["lead_agency"] == caller.agency.slug
    assert data["status"] == "open"
    assert data["opened_on"] == timezone.localdate().isoformat()
    assert data["flags"] == dict.fromkeys(
        ["stalking", "strangulation", "honour_based_abuse", "forced_marriage", "sexual_violence", "pregnancy"],
        False,
    )
    assert {"created_at", "updated_at"} <= set(data)
    # The creating agency may see the safe contact (none recorded yet).
    assert data["safe_contact"] is None
    assert caller.client.get(detail(case)).status_code == 200


def test_session_creation_records_who_created_the_case(key_client, signed_in_client):
    """A case created in a signed-in session records the user as its creator."""
    user = case_worker()
    response = post_json(signed_in_client(user), CASES, case_body(user.agency.areas.first().slug))
    assert Case.objects.get(pk=response.json()["id"]).created_by == user


def test_create_case_with_flags_and_opened_on(caller):
    """Flags and the opening date are taken from the body."""
    opened_on = timezone.localdate() - timedelta(days=3)
    body = case_body(
        caller.agency.areas.first().slug,
        flags={"stalking": True, "pregnancy": True},
        opened_on=opened_on.isoformat(),
    )
    data = post_json(caller.client, CASES, body).json()
    case = Case.objects.get(pk=data["id"])
    assert case.stalking
    assert case.pregnancy
    assert not case.strangulation
    assert data["flags"]["stalking"] is True
    assert data["opened_on"] == opened_on.isoformat()


def test_existing_people_are_linked_not_copied(caller):
    """A victim and a perpetrator given by id are linked to the new case; no person is created."""
    earlier = make_case(caller.user)
    perpetrator = earlier.parties.get().person
    people = Person.objects.count()
    body = {
        "area": earlier.area.slug,
        "victim": {"id": earlier.victim_id},
        "perpetrators": [
            {"id": perpetrator.pk, "relationship": "partner"},
            {**new_person("male"), "relationship": "family_member"},
        ],
    }
    response = post_json(caller.client, CASES, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["victim"]["id"] == earlier.victim_id
    linked = data["perpetrators"][0]
    assert (linked["id"], linked["relationship"]) == (perpetrator.pk, "partner")
    assert Person.objects.count() == people + 1
    assert Case.objects.get(pk=data["id"]).perpetrators.filter(pk=perpetrator.pk).exists()


def test_a_person_the_caller_cannot_see_is_a_400_naming_the_field(caller):
    """Ids of people only in another agency's cases answer "No such person." and write nothing."""
    hidden = make_case(case_worker())
    before = counts()
    body = {
        "area": caller.agency.areas.first().slug,
        "victim": {"id": hidden.victim_id},
        "perpetrators": [{"id": hidden.parties.get().person_id, "relationship": "ex_partner"}],
    }
    response = post_json(caller.client, CASES, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["victim"] == {"id": ["No such person."]}
    assert errors["perpetrators"] == {"0": {"id": ["No such person."]}}
    missing = post_json(caller.client, CASES, {**body, "victim": {"id": 999_999}, "perpetrators": []})
    assert missing.json()["errors"] == {"victim": {"id": ["No such person."]}}
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda body: body.pop("area"), "area"),
        (lambda body: body.update(area="no-such-area"), "area"),
        (lambda body: body.pop("victim"), "victim"),
        (lambda body: body["victim"].pop("family_name"), "victim"),
        (lambda body: body["victim"].update(gender="unknown"), "victim"),
        (lambda body: body["victim"].update(date_of_birth="31/01/1990"), "victim"),
        (lambda body: body["victim"].update(id=1), "victim"),
        (lambda body: body["perpetrators"][0].pop("relationship"), "perpetrators"),
        (lambda body: body["perpetrators"][0].update(relationship="neighbour"), "perpetrators"),
        (lambda body: body.update(children=[{"age": 18}]), "children"),
        (lambda body: body.update(children=[{"age": -1}]), "children"),
        (lambda body: body.update(flags={"stalking": "often"}), "flags"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(caller, change, field):
    """Each kind of bad input answers 400 in the error format, naming the field, and writes nothing."""
    body = case_body(caller.agency.areas.first().slug)
    change(body)
    before = counts()
    response = post_json(caller.client, CASES, body)
    assert response.status_code == 400
    assert set(response.json()) == {"errors"}
    assert field in response.json()["errors"]
    assert counts() == before


def test_the_victim_cannot_also_be_a_perpetrator(caller):
    """The service's own check (victim listed as perpetrator) is a 400 on perpetrators; nothing written."""
    earlier = make_case(caller.user)
    before = counts()
    body = {
        "area": earlier.area.slug,
        "victim": {"id": earlier.victim_id},
        "perpetrators": [{"id": earlier.victim_id, "relationship": "partner"}],
    }
    response = post_json(caller.client, CASES, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["perpetrators"]
    assert counts() == before


def test_read_scope_key_cannot_create_cases(key_client):
    """A read-only key may list cases but not create one (403)."""
    agency = AgencyFactory()
    client = key_client(agency, scope=ApiKey.Scope.READ)
    assert client.get(CASES).status_code == 200
    response = post_json(client, CASES, case_body(agency.areas.first().slug))
    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_anonymous_requests_are_refused(api_client):
    """Without credentials every cases endpoint answers 401."""
    case = make_case(case_worker())
    assert api_client.get(CASES).status_code == 401
    assert api_client.get(detail(case)).status_code == 401
    assert post_json(api_client, CASES, case_body(case.area.slug)).status_code == 401


# --- Reading -----------------------------------------------------------------------------------------


def test_list_shows_the_callers_cases_only(caller, outsider):
    """The caller lists its agency's cases; another agency's cases are not listed, and it sees none of them."""
    own = make_case(caller.user)
    others = make_case(case_worker())
    body = caller.client.get(CASES).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [row["id"] for row in body["results"]] == [own.pk]
    assert others.pk not in [row["id"] for row in outsider.get(CASES).json()["results"]]
    assert outsider.get(CASES).json()["count"] == 0


def test_detail_of_another_agencys_case_is_404(caller, outsider):
    """A case of another agency answers 404 (as does an id that does not exist)."""
    own = make_case(caller.user)
    others = make_case(case_worker())
    assert caller.client.get(detail(others)).status_code == 404
    assert outsider.get(detail(own)).status_code == 404
    assert caller.client.get(f"{CASES}999999/").status_code == 404


def test_detail_shows_the_case(caller):
    """The detail shows the case with its victim, perpetrators and children."""
    case = make_case(caller.user, children=[3, 9])
    data = caller.client.get(detail(case)).json()
    assert data["id"] == case.pk
    assert data["reference"] == case.reference
    assert data["victim"]["id"] == case.victim_id
    assert [row["id"] for row in data["perpetrators"]] == [case.parties.get().person_id]
    assert sorted(child["age"] for child in data["children"]) == [3, 9]


def test_idva_service_sees_every_case(key_client):
    """Cases created by any agency are visible to the IDVA service."""
    idva = idva_service()
    case = make_case(case_worker())
    assert key_client(idva).get(detail(case)).status_code == 200


@pytest.mark.parametrize("role", [Role.ANALYST, Role.DHR_COORDINATOR, Role.PARTNERSHIP_ADMIN])
def test_users_without_a_case_role_see_no_case(signed_in_client, role):
    """Analysts and other roles without case work see an empty list and 404 on details."""
    worker = case_worker()
    case = make_case(worker)
    client = signed_in_client(UserFactory(agency=worker.agency, roles=[role]))
    assert client.get(CASES).json()["count"] == 0
    assert client.get(detail(case)).status_code == 404


def test_filter_by_reference(caller):
    """?reference= keeps the case with that reference (case-insensitively)."""
    wanted, _ = make_case(caller.user), make_case(caller.user)
    body = caller.client.get(CASES, {"reference": wanted.reference.lower()}).json()
    assert [row["id"] for row in body["results"]] == [wanted.pk]


def test_filter_by_updated_since(caller):
    """?updated_since= keeps the cases changed at or after that time."""
    old = make_case(caller.user)
    Case.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=10))
    recent = make_case(caller.user)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    body = caller.client.get(CASES, {"updated_since": since}).json()
    assert [row["id"] for row in body["results"]] == [recent.pk]


def test_bad_filter_is_a_400(caller):
    """A malformed updated_since answers 400 naming the parameter."""
    response = caller.client.get(CASES, {"updated_since": "last tuesday"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["updated_since"]


def test_list_query_count_is_constant(caller):
    """Listing cases costs the same number of queries for 2 or 12 cases."""
    for _ in range(2):
        make_case(caller.user, children=[2])
    caller.client.get(CASES)  # the first use of a key records when it was used
    few = queries(caller.client, CASES)
    for _ in range(10):
        make_case(caller.user, children=[1, 5], perpetrators=[PersonFactory(), PersonFactory()])
    assert caller.client.get(CASES).json()["count"] == 12
    assert queries(caller.client, CASES) == few


# --- Safe contact ------------------------------------------------------------------------------------


def test_safe_contact_only_in_the_detail_for_agencies_allowed_to_see_it(caller, key_client):
    """The lead agency sees the safe contact in the detail; an agency with view only never sees it."""
    case = make_case(caller.user)
    address = fake.address()
    safe_contact_save(actor=caller.user, case=case, data={"safe_address": address, "safe_phone": "07700 900123"})
    shown = caller.client.get(detail(case)).json()
    assert shown["safe_contact"]["safe_address"] == address
    assert shown["safe_contact"]["safe_phone"] == "07700 900123"
    member = AgencyFactory()
    object_permission_grant(agency=member, perm=VIEW_CASE, obj=case, reason="On the MARAC agenda")
    member_client = key_client(member)
    hidden = member_client.get(detail(case))
    assert hidden.status_code == 200
    assert "safe_contact" not in hidden.json()
    assert address not in hidden.content.decode()
    for client in (caller.client, member_client):
        listed = client.get(CASES)
        assert "safe_contact" not in listed.json()["results"][0]
        assert address not in listed.content.decode()


def test_safe_contact_is_encrypted_at_rest(caller):
    """The safe contact columns hold ciphertext, never the plaintext."""
    case = make_case(caller.user)
    address = fake.address()
    safe_contact_save(actor=caller.user, case=case, data={"safe_address": address, "safe_phone": "07700 900456"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT safe_address, safe_phone FROM cases_safecontact")
        stored_address, stored_phone = cursor.fetchone()
    assert address not in stored_address
    assert "07700" not in stored_phone
    assert SafeContact.objects.get().safe_address == address


# --- Access log --------------------------------------------------------------------------------------


def test_detail_writes_a_view_row_naming_the_caller(caller):
    """Each retrieve writes one VIEW row for the case, naming the API key or the user."""
    case = make_case(caller.user)
    caller.client.get(detail(case))
    row = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    assert (row.object_type, row.object_id) == ("cases.case", str(case.pk))
    assert row.agency == caller.agency
    if caller.kind == "api_key":
        assert row.api_key_id == ApiKey.objects.get(agency=caller.agency).pk
        assert row.user is None
    else:
        assert row.user == caller.user


def test_list_writes_one_list_row_with_filters_and_count(caller):
    """A list writes one LIST row, with the filters and the number of rows shown."""
    for _ in range(3):
        make_case(caller.user)
    caller.client.get(CASES, {"page_size": 2, "updated_since": "2020-01-01T00:00:00Z"})
    row = AccessLog.objects.get(action=AccessLog.Action.LIST)
    assert row.object_type == "cases.case"
    assert row.detail["filters"] == {"updated_since": "2020-01-01T00:00:00Z"}
    assert row.detail["count"] == 2
    assert row.detail["total"] == 3


def test_failed_detail_writes_no_view_row(caller):
    """A 404 shows nothing, so it logs no VIEW."""
    case = make_case(case_worker())
    assert caller.client.get(detail(case)).status_code == 404
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()


# --- Schema ------------------------------------------------------------------------------------------


def test_schema_describes_the_case_people_incident_and_risk_assessment_paths(api_client):
    """The OpenAPI schema stays valid and documents the new resources and the Idempotency-Key header."""
    response = api_client.get("/api/v1/schema/", {"format": "json"})
    schema = json.loads(response.content)
    validate(schema)
    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/{id}/",
        "/api/v1/people/",
        "/api/v1/people/{id}/",
        "/api/v1/incidents/",
        "/api/v1/incidents/{id}/",
        "/api/v1/incidents/bulk/",
        "/api/v1/risk-assessments/",
        "/api/v1/risk-assessments/{id}/",
    ):
        assert path in schema["paths"], path
    for path in ("/api/v1/cases/", "/api/v1/incidents/", "/api/v1/incidents/bulk/", "/api/v1/risk-assessments/"):
        headers = [p["name"] for p in schema["paths"][path]["post"]["parameters"] if p["in"] == "header"]
        assert headers == ["Idempotency-Key"]
    assert "post" not in schema["paths"]["/api/v1/people/"]
    area = AreaFactory()
    assert area.slug  # the schema holds no data: a new area changes nothing in it
