"""The people API: read-only lists and details of the people in the cases the caller may see."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from faker import Faker

from agencies.models import Role
from agencies.services import object_permission_grant
from audit.models import AccessLog
from cases.models import Person
from cases.selectors import VIEW_CASE
from cases.services import safe_contact_save
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"
fake = Faker("en_GB")


def detail(person: Person) -> str:
    return f"{PEOPLE}{person.pk}/"


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture(params=["api_key", "session"])
def caller(request, key_client, signed_in_client) -> SimpleNamespace:
    """A case worker's agency calling with its API key, or the case worker signed in (two factors)."""
    idva_service()
    user = case_worker()
    client = key_client(user.agency) if request.param == "api_key" else signed_in_client(user)
    return SimpleNamespace(user=user, agency=user.agency, client=client, kind=request.param)


def test_list_shows_victims_and_perpetrators_of_the_callers_cases(caller):
    """The list holds the victim and perpetrators of the caller's cases, once each, by name."""
    case = make_case(caller.user)
    make_case(caller.user, victim=case.victim)  # the same victim in a second case is listed once
    perpetrator_ids = set(
        Person.objects.filter(case_parties__case__lead_agency=caller.agency).values_list("pk", flat=True)
    )
    body = caller.client.get(PEOPLE).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert {row["id"] for row in body["results"]} == {case.victim_id, *perpetrator_ids}
    assert body["count"] == 3
    row = next(row for row in body["results"] if row["id"] == case.victim_id)
    assert row["given_name"] == case.victim.given_name
    assert row["date_of_birth"] == case.victim.date_of_birth.isoformat()
    assert "safe_contact" not in row


def test_other_agencies_people_are_not_listed_and_are_404(caller, key_client):
    """People only in another agency's cases are neither listed nor shown (404)."""
    own = make_case(caller.user)
    hidden = make_case(case_worker())
    listed = {row["id"] for row in caller.client.get(PEOPLE).json()["results"]}
    assert hidden.victim_id not in listed
    assert caller.client.get(detail(hidden.victim)).status_code == 404
    outsider = key_client(AgencyFactory())
    assert outsider.get(PEOPLE).json()["count"] == 0
    assert outsider.get(detail(own.victim)).status_code == 404
    assert caller.client.get(f"{PEOPLE}999999/").status_code == 404


def test_a_person_in_no_case_is_404(caller):
    """Someone recorded in no case is nobody's to see."""
    assert caller.client.get(detail(PersonFactory())).status_code == 404


def test_detail_shows_the_person(caller):
    """The detail shows a person of the caller's cases."""
    case = make_case(caller.user)
    data = caller.client.get(detail(case.victim)).json()
    assert data["id"] == case.victim_id
    assert data["family_name"] == case.victim.family_name
    assert data["gender"] == "female"


def test_search_by_name_words(caller):
    """?search= keeps the people whose names or aliases contain every word."""
    wanted = PersonFactory(given_name="Ariadne", family_name="Quillfeather")
    make_case(caller.user, victim=wanted)
    make_case(caller.user)
    body = caller.client.get(PEOPLE, {"search": "ariad quill"}).json()
    assert [row["id"] for row in body["results"]] == [wanted.pk]
    assert caller.client.get(PEOPLE, {"search": "ariadne nobody"}).json()["count"] == 0


def test_filter_by_date_of_birth(caller):
    """?date_of_birth= keeps the people born that day."""
    case = make_case(caller.user)
    body = caller.client.get(PEOPLE, {"date_of_birth": case.victim.date_of_birth.isoformat()}).json()
    assert case.victim_id in [row["id"] for row in body["results"]]
    assert all(row["date_of_birth"] == case.victim.date_of_birth.isoformat() for row in body["results"])


def test_bad_date_of_birth_is_a_400(caller):
    """A malformed date answers 400 naming the parameter."""
    response = caller.client.get(PEOPLE, {"date_of_birth": "31/01/1990"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["date_of_birth"]


@pytest.mark.parametrize("role", [Role.ANALYST, Role.DHR_COORDINATOR])
def test_users_without_a_case_role_see_nobody(signed_in_client, role):
    """Analysts see no person: an empty list and 404 on details."""
    worker = case_worker()
    case = make_case(worker)
    client = signed_in_client(UserFactory(agency=worker.agency, roles=[role]))
    assert client.get(PEOPLE).json()["count"] == 0
    assert client.get(detail(case.victim)).status_code == 404


def test_people_are_read_only(caller):
    """People are created with cases: POST answers 405 and creates nobody."""
    before = Person.objects.count()
    response = caller.client.post(
        PEOPLE, data=json.dumps({"given_name": "A", "family_name": "B"}), content_type="application/json"
    )
    assert response.status_code == 405
    assert Person.objects.count() == before


def test_anonymous_requests_are_refused(api_client):
    """Without credentials the people endpoints answer 401."""
    case = make_case(case_worker())
    assert api_client.get(PEOPLE).status_code == 401
    assert api_client.get(detail(case.victim)).status_code == 401


def test_list_query_count_is_constant(caller):
    """Listing people costs the same number of queries for 4 or 24 people."""
    for _ in range(2):
        make_case(caller.user)
    caller.client.get(PEOPLE)
    few = queries(caller.client, PEOPLE)
    for _ in range(10):
        make_case(caller.user)
    assert caller.client.get(PEOPLE).json()["count"] == 24
    assert queries(caller.client, PEOPLE) == few


def test_safe_contact_only_in_the_detail_for_agencies_allowed_to_see_it(caller, key_client):
    """The victim's safe contact appears in their detail for the lead agency only; never in lists."""
    case = make_case(caller.user)
    address = fake.address()
    safe_contact_save(actor=caller.user, case=case, data={"safe_address": address})
    shown = caller.client.get(detail(case.victim)).json()
    assert shown["safe_contact"]["safe_address"] == address
    perpetrator = case.parties.get().person
    assert "safe_contact" not in caller.client.get(detail(perpetrator)).json()
    member = AgencyFactory()
    object_permission_grant(agency=member, perm=VIEW_CASE, obj=case, reason="On the MARAC agenda")
    member_client = key_client(member)
    hidden = member_client.get(detail(case.victim))
    assert hidden.status_code == 200
    assert "safe_contact" not in hidden.json()
    for client in (caller.client, member_client):
        listed = client.get(PEOPLE)
        assert all("safe_contact" not in row for row in listed.json()["results"])
        assert address not in listed.content.decode()


def test_detail_and_list_are_logged(caller):
    """A detail writes a VIEW row for the person; a list writes one LIST row with the filters."""
    case = make_case(caller.user)
    caller.client.get(detail(case.victim))
    caller.client.get(PEOPLE, {"search": case.victim.family_name})
    view = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    assert (view.object_type, view.object_id) == ("cases.person", str(case.victim_id))
    listed = AccessLog.objects.get(action=AccessLog.Action.LIST)
    assert listed.object_type == "cases.person"
    assert listed.detail["filters"] == {"search": case.victim.family_name}
    assert listed.detail["count"] >= 1
