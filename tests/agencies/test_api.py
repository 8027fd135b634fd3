"""The API base: authentication, deny by default, errors, pagination, schema, and the first resources."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from agencies.models import ApiKey, Role
from agencies.services import api_key_revoke, user_deactivate
from tests.factories.agencies import AgencyFactory, UserFactory, api_key_for

pytestmark = pytest.mark.django_db

AGENCIES = "/api/v1/agencies/"
ME = "/api/v1/me/"
STAFF = "/api/v1/staff/"


def _queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_anonymous_request_is_refused_with_401(api_client):
    """Without credentials the API answers 401, naming the Api-Key scheme, in the error format."""
    response = api_client.get(AGENCIES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert set(response.json()) == {"errors"}
    assert response.json()["errors"]["non_field_errors"]


@pytest.mark.parametrize("url", [AGENCIES, ME, STAFF])
def test_every_resource_refuses_anonymous_requests(api_client, url):
    """Each resource refuses a request without credentials."""
    assert api_client.get(url).status_code == 401


def test_agency_list_with_an_api_key(key_client):
    """With an agency's key the directory of active agencies is listed, paginated."""
    agency = AgencyFactory(name="Alpha Police")
    AgencyFactory(name="Gone Agency", active=False)
    response = key_client(agency).get(AGENCIES)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    names = [row["name"] for row in body["results"]]
    assert "Alpha Police" in names
    assert "Gone Agency" not in names
    assert set(body["results"][0]) == {"id", "slug", "name", "kind", "is_marac_member", "areas"}


def test_agency_list_query_count_is_constant(key_client):
    """Listing agencies costs the same number of queries for 3 or 30 agencies."""
    agency = AgencyFactory()
    client = key_client(agency)
    client.get(AGENCIES)  # first use records last_used_at
    few = _queries(client, AGENCIES)
    for _ in range(27):
        AgencyFactory()
    assert _queries(client, AGENCIES) == few
    assert few <= 4


@pytest.mark.parametrize(
    "header",
    ["Api-Key not-a-key", "Api-Key abc.def", "Bearer something", "Api-Key"],
)
def test_invalid_credentials_are_refused(api_client, header):
    """A malformed or unknown key answers 401."""
    AgencyFactory()
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert api_client.get(AGENCIES).status_code == 401


def test_revoked_expired_and_inactive_agency_keys_are_refused(api_client):
    """Revoked keys, expired keys and keys of an agency since deactivated answer 401."""
    agency = AgencyFactory()
    revoked, revoked_key = api_key_for(agency)
    api_key_revoke(api_key=revoked)
    _, expired_key = api_key_for(agency, expires_at=timezone.now() - timedelta(days=1))
    leaving = AgencyFactory()
    _, leaving_key = api_key_for(leaving)
    leaving.active = False
    leaving.save()
    for key in (revoked_key, expired_key, leaving_key):
        api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        assert api_client.get(AGENCIES).status_code == 401


def test_key_use_is_recorded(key_client):
    """Using a key records when it was last used."""
    agency = AgencyFactory()
    key_client(agency).get(AGENCIES)
    assert ApiKey.objects.get(agency=agency).last_used_at is not None


def test_read_scope_key_cannot_write(key_client):
    """A read-scoped key is refused (403) on a write; a write key reaches the method check (405)."""
    agency = AgencyFactory()
    assert key_client(agency, scope=ApiKey.Scope.READ).post(AGENCIES, {}).status_code == 403
    assert key_client(agency, scope=ApiKey.Scope.WRITE).post(AGENCIES, {}).status_code == 405


def test_verified_session_can_use_the_api(signed_in_client):
    """A browser session verified with two factors can call the API."""
    client = signed_in_client(UserFactory())
    assert client.get(AGENCIES).status_code == 200


def test_unverified_session_cannot_use_the_api(client):
    """A session without the second factor is not authenticated for the API."""
    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(AGENCIES).status_code == 401


def test_session_writes_need_csrf(signed_in_client):
    """Session-authenticated writes without a CSRF token are refused."""
    from django.test import Client

    from tests.conftest import sign_in

    client = sign_in(Client(enforce_csrf_checks=True), UserFactory())
    response = client.post(AGENCIES, data="{}", content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in json.dumps(response.json())


def test_pagination_follows_page_size_up_to_200(key_client):
    """page_size chooses the page length, and is capped at 200."""
    from django.contrib.auth.models import Group

    from agencies.models import Agency

    groups = Group.objects.bulk_create(Group(name=f"agency:bulk-{n}") for n in range(205))
    Agency.objects.bulk_create(
        Agency(name=f"Bulk {n:03d}", slug=f"bulk-{n}", kind=Agency.Kind.OTHER, group=group)
        for n, group in enumerate(groups)
    )
    client = key_client(AgencyFactory())
    body = client.get(AGENCIES, {"page_size": 1}).json()
    assert len(body["results"]) == 1
    assert body["count"] == 206
    assert body["next"] is not None
    assert body["previous"] is None
    assert len(client.get(AGENCIES, {"page_size": 500}).json()["results"]) == 200
    assert len(client.get(AGENCIES).json()["results"]) == 50


def test_me_for_a_user(signed_in_client):
    """/me/ describes the signed-in user and their agency."""
    user = UserFactory(roles=[Role.IDVA], specialist_post="stalking")
    body = signed_in_client(user).get(ME).json()
    assert body["type"] == "user"
    assert body["id"] == user.pk
    assert body["roles"] == ["idva"]
    assert body["specialist_post"] == "stalking"
    assert body["agency"]["slug"] == user.agency.slug


def test_me_for_an_api_key(key_client):
    """/me/ describes the key and the agency it acts for."""
    agency = AgencyFactory()
    body = key_client(agency, scope=ApiKey.Scope.READ, name="Records sync").get(ME).json()
    assert body["type"] == "api_key"
    assert body["name"] == "Records sync"
    assert body["scope"] == "read"
    assert body["agency"]["id"] == agency.pk


def test_staff_lists_only_the_callers_own_agency(key_client):
    """Staff are listed for the caller's agency only: never another agency's, never inactive users."""
    agency, other = AgencyFactory(), AgencyFactory()
    idva = UserFactory(agency=agency, roles=[Role.IDVA], specialist_post="young_people")
    manager = UserFactory(agency=agency, roles=[Role.IDVA_MANAGER])
    UserFactory(agency=agency, roles=[Role.IDVA], is_active=False)
    outsider = UserFactory(agency=other, roles=[Role.IDVA])
    body = key_client(agency).get(STAFF).json()
    ids = {row["id"] for row in body["results"]}
    assert ids == {idva.pk, manager.pk}
    assert outsider.pk not in ids
    row = next(row for row in body["results"] if row["id"] == idva.pk)
    assert row == {
        "id": idva.pk,
        "name": idva.get_full_name(),
        "roles": ["idva"],
        "specialist_post": "young_people",
    }


def test_staff_filtered_by_role(signed_in_client):
    """?role= keeps the staff holding that role."""
    user = UserFactory(roles=[Role.IDVA_MANAGER])
    idva = UserFactory(agency=user.agency, roles=[Role.IDVA])
    body = signed_in_client(user).get(STAFF, {"role": "idva"}).json()
    assert [row["id"] for row in body["results"]] == [idva.pk]


def test_staff_with_an_unknown_role_is_a_400_naming_the_field(key_client):
    """An unknown role answers 400 with the field's error."""
    response = key_client(AgencyFactory()).get(STAFF, {"role": "chief"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["role"]


def test_staff_query_count_is_constant(key_client):
    """Listing staff costs the same number of queries for 2 or 20 users."""
    agency = AgencyFactory()
    client = key_client(agency)
    UserFactory.create_batch(2, agency=agency, roles=[Role.IDVA])
    client.get(STAFF)
    few = _queries(client, STAFF)
    UserFactory.create_batch(18, agency=agency, roles=[Role.IDVA, Role.AGENCY_REP])
    assert _queries(client, STAFF) == few


def test_deactivated_user_disappears_from_staff(key_client):
    """A deactivated user is no longer offered for allocation."""
    agency = AgencyFactory()
    user = UserFactory(agency=agency, roles=[Role.IDVA])
    user_deactivate(user=user)
    assert key_client(agency).get(STAFF).json()["count"] == 0


def test_schema_is_valid_openapi(api_client):
    """/api/v1/schema/ is a valid OpenAPI 3 document describing the resources and the key scheme."""
    response = api_client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate(schema)
    assert schema["openapi"].startswith("3.")
    for path in (AGENCIES, ME, STAFF):
        assert path in schema["paths"]
    assert any(scheme.get("in") == "header" for scheme in schema["components"]["securitySchemes"].values())


def test_docs_need_sign_in(client, signed_in_client):
    """The API documentation is for signed-in users, served from this app."""
    response = client.get(reverse("api-docs"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = signed_in_client(UserFactory()).get(reverse("api-docs"))
    assert page.status_code == 200
    assert b"swagger" in page.content.lower()
