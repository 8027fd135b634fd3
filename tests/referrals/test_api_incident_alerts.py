"""Incidents recorded through the API raise repeat-MARAC alerts (single and bulk), once per incident."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Case, Incident
from referrals.models import Referral, RepeatMaracAlert
from referrals.services import referral_create
from tests.conftest import sign_in
from tests.factories.agencies import api_key_for
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"
BULK = "/api/v1/incidents/bulk/"


def post_json(client: Any, url: str, body: Any, key: str | None = None) -> Any:
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def incident_day() -> date:
    return timezone.localdate() - timedelta(days=1)


def incident_body(case: Case, reference: str = "CAD-100", **overrides: Any) -> dict[str, Any]:
    return {
        "case": case.pk,
        "occurred_on": incident_day().isoformat(),
        "source_reference": reference,
        "is_crime": True,
        **overrides,
    }


@pytest.fixture(params=["api_key", "session"])
def police(request, partnership_rule) -> SimpleNamespace:
    """A police case worker, calling with the agency's API key or signed in; the IDVA service exists."""
    idva_service()
    user = case_worker()
    if request.param == "api_key":
        _, key = api_key_for(user.agency)
        client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    else:
        client = sign_in(Client(), user)
    return SimpleNamespace(user=user, client=client)


def marac_referral(police: SimpleNamespace, *, days_before_incident: int, perpetrator: Any, victim: Any) -> Referral:
    """A MARAC referral of the victim and perpetrator, received that many days before the incident."""
    case = make_case(police.user, victim=victim, perpetrators=[perpetrator])
    return referral_create(
        actor=police.user,
        case=case,
        service=Referral.Service.MARAC,
        received_on=incident_day() - timedelta(days=days_before_incident),
    )


@pytest.fixture
def people() -> SimpleNamespace:
    return SimpleNamespace(victim=PersonFactory(), perpetrator=PersonFactory(gender="male"))


def record(police: SimpleNamespace, case: Case, how: str, reference: str = "CAD-100") -> Incident:
    if how == "single":
        response = post_json(police.client, INCIDENTS, incident_body(case, reference))
        assert response.status_code in {200, 201}, response.content
        return Incident.objects.get(pk=response.json()["id"])
    response = post_json(police.client, BULK, [incident_body(case, reference)])
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert row["status"] in {200, 201}, row
    return Incident.objects.get(pk=row["id"])


@pytest.mark.parametrize("how", ["single", "bulk"])
@pytest.mark.parametrize(("days_before", "alert"), [(1, True), (200, True), (365, True), (366, False), (0, False)])
def test_an_incident_within_365_days_of_a_marac_referral_raises_one_alert(police, people, how, days_before, alert):
    """A new incident of a victim and perpetrator referred to MARAC 1 to 365 days before raises exactly one
    alert pointing at that referral; 366 days before (or the referral's own day) raises none."""
    previous = marac_referral(police, days_before_incident=days_before, **vars(people))
    case = make_case(police.user, victim=people.victim, perpetrators=[people.perpetrator])
    incident = record(police, case, how)
    alerts = list(RepeatMaracAlert.objects.all())
    if alert:
        assert [(row.incident, row.case, row.previous_referral) for row in alerts] == [(incident, case, previous)]
        assert alerts[0].status == RepeatMaracAlert.Status.OPEN
    else:
        assert alerts == []


@pytest.mark.parametrize("how", ["single", "bulk"])
def test_a_reposted_incident_raises_no_second_alert(police, people, how):
    """Posting the same source reference again answers the existing incident and raises nothing more."""
    marac_referral(police, days_before_incident=30, **vars(people))
    case = make_case(police.user, victim=people.victim, perpetrators=[people.perpetrator])
    first = record(police, case, how)
    again = record(police, case, how)
    assert again == first
    assert Incident.objects.count() == 1
    assert RepeatMaracAlert.objects.count() == 1


def test_an_idempotent_replay_raises_no_second_alert(police, people):
    """Replaying a POST with its Idempotency-Key records nothing and raises nothing more."""
    marac_referral(police, days_before_incident=30, **vars(people))
    case = make_case(police.user, victim=people.victim, perpetrators=[people.perpetrator])
    for _ in range(2):
        assert post_json(police.client, INCIDENTS, incident_body(case), key="cad-100").status_code == 201
    assert (Incident.objects.count(), RepeatMaracAlert.objects.count()) == (1, 1)


@pytest.mark.parametrize("how", ["single", "bulk"])
def test_another_perpetrator_raises_no_alert(police, people, how):
    """An incident of the same victim with a perpetrator who was not referred to MARAC raises no alert."""
    marac_referral(police, days_before_incident=30, **vars(people))
    case = make_case(police.user, victim=people.victim, perpetrators=[PersonFactory(gender="male")])
    record(police, case, how)
    assert RepeatMaracAlert.objects.count() == 0


def test_an_idva_referral_raises_no_alert(police, people):
    """Only a MARAC referral makes the next incident a repeat MARAC."""
    case = make_case(police.user, victim=people.victim, perpetrators=[people.perpetrator])
    referral_create(actor=police.user, case=case, service="idva", received_on=incident_day() - timedelta(days=30))
    record(police, case, "single")
    assert RepeatMaracAlert.objects.count() == 0


def test_bulk_raises_one_alert_per_new_incident_and_none_for_failed_rows(police, people):
    """In a bulk import each new incident is checked on its own; a failed row raises nothing."""
    marac_referral(police, days_before_incident=30, **vars(people))
    case = make_case(police.user, victim=people.victim, perpetrators=[people.perpetrator])
    other = make_case(police.user)
    rows = [
        incident_body(case, "CAD-1"),
        incident_body(case, "CAD-2", occurred_on="not a date"),
        incident_body(other, "CAD-3"),
        incident_body(case, "CAD-4"),
        incident_body(case, "CAD-1"),
    ]
    body = post_json(police.client, BULK, rows).json()
    assert [row["status"] for row in body["results"]] == [201, 400, 201, 201, 200]
    alerted = set(RepeatMaracAlert.objects.values_list("incident__source_reference", flat=True))
    assert alerted == {"CAD-1", "CAD-4"}
