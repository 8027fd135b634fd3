"""Idempotency-Key on the API's POSTs: replay within 24 hours, refusal of a reused key, expiry, purge."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from agencies.api.idempotency import idempotency_records_purge
from agencies.models import IdempotencyRecord
from cases.models import Case, Incident, RiskAssessment
from referrals.models import Referral, RoutingDecision
from tests.factories.agencies import api_key_for
from tests.factories.cases import case_worker, dash_answers, idva_service, make_case

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
INCIDENTS = "/api/v1/incidents/"
BULK = "/api/v1/incidents/bulk/"
ASSESSMENTS = "/api/v1/risk-assessments/"


def post_json(client: Any, url: str, body: Any, key: str | None = None) -> Any:
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def case_body(area_slug: str, family_name: str = "Example") -> dict[str, Any]:
    return {
        "area": area_slug,
        "victim": {"given_name": "Alex", "family_name": family_name, "gender": "female"},
        "perpetrators": [{"given_name": "Sam", "family_name": "Sample", "relationship": "partner"}],
    }


@pytest.fixture
def worker():
    idva_service()
    return case_worker()


@pytest.fixture
def agency_client(worker, key_client):
    """The worker's agency calling with an API key."""
    return key_client(worker.agency)


def test_the_same_key_and_body_replays_the_first_response(agency_client, worker):
    """A repeated POST with the same key and body answers the first response and creates nothing new."""
    body = case_body(worker.agency.areas.first().slug)
    first = post_json(agency_client, CASES, body, key="a1b2c3")
    again = post_json(agency_client, CASES, body, key="a1b2c3")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Case.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(agency_client, worker):
    """Reusing a key for a different body answers 422 naming the header, and creates nothing."""
    slug = worker.agency.areas.first().slug
    post_json(agency_client, CASES, case_body(slug), key="reused")
    response = post_json(agency_client, CASES, case_body(slug, family_name="Other"), key="reused")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert Case.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_refused(agency_client, worker):
    """A key belongs to one request: the same key on another path answers 422."""
    case = make_case(worker)
    post_json(agency_client, CASES, case_body(case.area.slug), key="one-key")
    incident = {"case": case.pk, "occurred_on": "2025-01-01", "source_reference": "CAD-9"}
    assert post_json(agency_client, INCIDENTS, incident, key="one-key").status_code == 422
    assert Incident.objects.count() == 0


def test_without_a_key_every_post_is_new(agency_client, worker):
    """Without the header nothing is replayed."""
    body = case_body(worker.agency.areas.first().slug)
    post_json(agency_client, CASES, body)
    post_json(agency_client, CASES, body)
    assert Case.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_keys_belong_to_their_caller(agency_client, worker, key_client, signed_in_client):
    """Another key of the same agency, or a user, may use the same key string for its own request."""
    body = case_body(worker.agency.areas.first().slug)
    post_json(agency_client, CASES, body, key="shared")
    assert post_json(key_client(worker.agency), CASES, body, key="shared").status_code == 201
    assert post_json(signed_in_client(worker), CASES, body, key="shared").status_code == 201
    assert Case.objects.count() == 3
    callers = set(IdempotencyRecord.objects.values_list("caller", flat=True))
    assert f"user:{worker.pk}" in callers
    assert len(callers) == 3


def test_a_session_user_gets_replays_too(worker, signed_in_client):
    """Idempotency works the same for a signed-in user."""
    session = signed_in_client(worker)
    body = case_body(worker.agency.areas.first().slug)
    first = post_json(session, CASES, body, key="from-the-browser")
    again = post_json(session, CASES, body, key="from-the-browser")
    assert again.json() == first.json()
    assert Case.objects.count() == 1


def test_keys_expire_after_24_hours(agency_client, worker, time_machine):
    """After 24 hours the old response is ignored: the same key and body create a new case."""
    body = case_body(worker.agency.areas.first().slug)
    time_machine.move_to(timezone.now(), tick=False)
    post_json(agency_client, CASES, body, key="daily")
    time_machine.shift(timedelta(hours=23, minutes=59))
    assert post_json(agency_client, CASES, body, key="daily")["Idempotent-Replayed"] == "true"
    time_machine.shift(timedelta(minutes=2))
    response = post_json(agency_client, CASES, body, key="daily")
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert Case.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_a_failed_request_does_not_use_up_the_key(agency_client, worker):
    """A 400 is not stored: the corrected request may be sent with the same key."""
    body = case_body(worker.agency.areas.first().slug)
    bad = {**body, "area": "no-such-area"}
    assert post_json(agency_client, CASES, bad, key="retry-me").status_code == 400
    assert IdempotencyRecord.objects.count() == 0
    assert post_json(agency_client, CASES, body, key="retry-me").status_code == 201
    assert Case.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "bad\nkey"])
def test_a_malformed_key_is_a_400(agency_client, worker, key):
    """An empty, over-long or unprintable key answers 400 naming the header; nothing is created."""
    response = post_json(agency_client, CASES, case_body(worker.agency.areas.first().slug), key=key)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert Case.objects.count() == 0


def test_an_incident_replay_answers_201_as_the_first_time(agency_client, worker):
    """The replay of a created incident is the first answer (201), not the 200 of a repeated reference."""
    case = make_case(worker)
    body = {"case": case.pk, "occurred_on": "2025-01-01", "source_reference": "CAD-7"}
    first = post_json(agency_client, INCIDENTS, body, key="inc-1")
    again = post_json(agency_client, INCIDENTS, body, key="inc-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Incident.objects.count() == 1


def test_a_bulk_replay_answers_the_same_rows(agency_client, worker):
    """A replayed bulk import answers the first per-row results and records nothing more."""
    case = make_case(worker)
    rows = [
        {"case": case.pk, "occurred_on": "2025-01-01", "source_reference": "CAD-1"},
        {"case": case.pk, "occurred_on": "tomorrow", "source_reference": "CAD-2"},
    ]
    first = post_json(agency_client, BULK, rows, key="bulk-1")
    again = post_json(agency_client, BULK, rows, key="bulk-1")
    assert again.json() == first.json()
    assert [row["status"] for row in again.json()["results"]] == [201, 400]
    assert Incident.objects.count() == 1


def test_a_risk_assessment_replay_makes_no_second_assessment_or_referral(agency_client, worker, partnership_rule):
    """Replaying a submission answers the same routing and referrals and writes nothing new."""
    case = make_case(worker)
    body = {
        "case": case.pk,
        "instrument": "safelives-dash-2009",
        "assessed_on": timezone.localdate().isoformat(),
        "answers": dash_answers(18),
    }
    first = post_json(agency_client, ASSESSMENTS, body, key="dash-1")
    again = post_json(agency_client, ASSESSMENTS, body, key="dash-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert len(again.json()["referrals"]) == 2
    counts = RiskAssessment.objects.count(), RoutingDecision.objects.count(), Referral.objects.count()
    assert counts == (1, 1, 2)


def test_purge_deletes_only_records_older_than_24_hours(agency_client, worker):
    """The clean-up removes expired records and keeps the ones still replayable."""
    body = case_body(worker.agency.areas.first().slug)
    post_json(agency_client, CASES, body, key="old")
    post_json(agency_client, CASES, body, key="new")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_the_record_names_the_caller(worker):
    """A key's record names the API key by its prefix, and its agency."""
    from rest_framework.test import APIClient

    api_key, key = api_key_for(worker.agency)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    post_json(client, CASES, case_body(worker.agency.areas.first().slug), key="named")
    record = IdempotencyRecord.objects.get()
    assert (record.caller, record.api_key, record.agency, record.user) == (
        f"key:{api_key.prefix}",
        api_key,
        worker.agency,
        None,
    )
    assert (record.method, record.path, record.status_code) == ("POST", CASES, 201)


def test_nightly_task_purges_old_records(db):
    """The nightly task deletes the records older than 24 hours (scheduled in CELERY_BEAT_SCHEDULE)."""
    from django.conf import settings

    from agencies.tasks import idempotency_records_purge

    assert any(
        job["task"] == "agencies.tasks.idempotency_records_purge" for job in settings.CELERY_BEAT_SCHEDULE.values()
    )
    assert idempotency_records_purge.delay().get() == 0
