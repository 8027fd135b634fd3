"""Referring a perpetrator to the perpetrator panel through the referrals API: the `perpetrator` field in
and out (the case's only perpetrator by default, the one named when there are several, refused for other
services and for people the caller cannot see), with nothing written on a refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency
from cases.models import Person
from referrals.models import Referral
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case
from tests.factories.panel import police_agency

pytestmark = pytest.mark.django_db

REFERRALS = "/api/v1/referrals/"


@pytest.fixture
def officer():
    """A case worker of the partnership's police force (which receives referrals to the panel)."""
    idva_service()
    return case_worker(police_agency())


def body(case, service: str = "perpetrator_panel", **extra) -> dict:
    return {"case": case.pk, "service": service, "received_on": timezone.localdate().isoformat(), **extra}


def test_a_panel_referral_names_the_cases_only_perpetrator_by_default(officer):
    """Without `perpetrator`, a panel referral of a one-perpetrator case names him, in the answer, the detail
    and the list."""
    case = make_case(officer)
    him = case.parties.get().person
    client = sign_in(APIClient(), officer)

    response = client.post(REFERRALS, body(case), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["perpetrator"] == him.pk
    referral = Referral.objects.get()
    assert referral.perpetrator == him
    assert client.get(f"{REFERRALS}{referral.pk}/").json()["perpetrator"] == him.pk
    assert client.get(REFERRALS).json()["results"][0]["perpetrator"] == him.pk


def test_a_case_with_several_perpetrators_needs_the_one_referred(officer, key_client):
    """With two perpetrators, leaving `perpetrator` out is a 400 on the field and writes nothing; naming the
    second (with the police key) refers him."""
    first, second = PersonFactory(gender="male"), PersonFactory(gender="male")
    case = make_case(officer, perpetrators=[first, second])
    client = key_client(officer.agency)

    refused = client.post(REFERRALS, body(case), format="json")
    made = client.post(REFERRALS, body(case, perpetrator=second.pk), format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"]["perpetrator"] == [
        "Choose which of the case's perpetrators is referred to the panel."
    ]
    assert made.status_code == 201, made.content
    assert made.json()["perpetrator"] == second.pk
    assert list(Referral.objects.values_list("perpetrator_id", flat=True)) == [second.pk]


def test_someone_who_is_no_perpetrator_in_the_case_is_refused(officer):
    """A person the caller may see but who is not a perpetrator in this case (here: the victim, and another
    case's perpetrator) is a 400 on `perpetrator`; nothing is written."""
    case = make_case(officer)
    other = make_case(officer)
    client = sign_in(APIClient(), officer)

    for person in (case.victim, other.parties.get().person):
        response = client.post(REFERRALS, body(case, perpetrator=person.pk), format="json")
        assert response.status_code == 400
        assert response.json()["errors"]["perpetrator"] == ["This person is not a perpetrator in the case."]
    assert not Referral.objects.exists()


@pytest.mark.parametrize("who", ["unknown", "too_large", "unseen", "not_an_id"])
def test_a_person_the_caller_cannot_see_is_no_such_person(officer, who):
    """An id that does not exist (or could not), or of a perpetrator in another agency's case, answers "No such person."
    (ids do not leak); a non-number is a 400 on the field too. Nothing is written."""
    case = make_case(officer)
    housing_worker = case_worker(AgencyFactory(kind=Agency.Kind.HOUSING))
    unseen = make_case(housing_worker).parties.get().person
    value = {
        "unknown": Person.objects.order_by("-pk").first().pk + 100,
        "too_large": int("9" * 30),
        "unseen": unseen.pk,
        "not_an_id": "him",
    }[who]

    response = sign_in(APIClient(), officer).post(REFERRALS, body(case, perpetrator=value), format="json")

    assert response.status_code == 400
    expected = ["A valid integer is required."] if who == "not_an_id" else ["No such person."]
    assert response.json()["errors"]["perpetrator"] == expected
    assert not Referral.objects.exists()


def test_other_services_take_no_perpetrator(officer):
    """An IDVA referral naming a perpetrator is a 400 on the field; without one (or with null) it is made,
    with `perpetrator` null."""
    case = make_case(officer)
    him = case.parties.get().person
    client = sign_in(APIClient(), officer)

    refused = client.post(REFERRALS, body(case, "idva", perpetrator=him.pk), format="json")
    made = client.post(REFERRALS, body(case, "idva", perpetrator=None), format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"]["perpetrator"] == ["Only a referral to the perpetrator panel names a perpetrator."]
    assert made.status_code == 201, made.content
    assert made.json()["perpetrator"] is None
    assert Referral.objects.count() == 1


def test_a_panel_referral_with_an_idempotency_key_is_made_once(officer, key_client):
    """The same key and body replays the first referral, naming the same perpetrator."""
    case = make_case(officer, opened_on=timezone.localdate() - timedelta(days=3))
    client = key_client(officer.agency)

    first = client.post(REFERRALS, body(case), format="json", HTTP_IDEMPOTENCY_KEY="panel-1")
    second = client.post(REFERRALS, body(case), format="json", HTTP_IDEMPOTENCY_KEY="panel-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert Referral.objects.count() == 1


def test_the_schema_documents_the_perpetrator_field(officer):
    """The referral's request and answer both carry `perpetrator` in the OpenAPI schema."""
    schema = sign_in(APIClient(), officer).get("/api/v1/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]

    assert "perpetrator" in components["ReferralInputRequest"]["properties"]
    assert "perpetrator" in components["ReferralOutput"]["properties"]
    assert "perpetrator" not in components["ReferralInputRequest"].get("required", [])
