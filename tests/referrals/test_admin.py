"""The admin: routing policies editable until used; case records and safe contacts not in it."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from agencies.models import Role
from cases.models import Case, Person, SafeContact
from referrals.models import Referral, RoutingPolicy, SafetyMeasure
from tests.factories.agencies import UserFactory
from tests.factories.cases import case_worker, idva_service, make_case, submit_dash
from tests.factories.referrals import referral_at

pytestmark = pytest.mark.django_db


def test_case_records_and_safe_contacts_are_not_in_the_admin():
    """The admin cannot show cases, people or safe contacts (they bypass per-agency access)."""
    for model in (Case, Person, SafeContact):
        assert not admin.site.is_registered(model)


def test_partnership_admin_adds_and_edits_an_unused_policy(signed_in_client):
    """A partnership administrator can add a policy and change it while nothing was routed by it."""
    client = signed_in_client(UserFactory(roles=[Role.PARTNERSHIP_ADMIN]))
    response = client.post(
        reverse("admin:referrals_routingpolicy_add"),
        {
            "name": "Pilot",
            "effective_from": "2031-01-01",
            "marac_threshold": 16,
            "idva_band_min": 13,
            "idva_band_max": 15,
            "escalation_count": 3,
            "escalation_window_days": 180,
            "repeat_window_days": 365,
        },
    )
    assert response.status_code == 302, response.content
    policy = RoutingPolicy.objects.get(name="Pilot")
    assert client.get(reverse("admin:referrals_routingpolicy_change", args=[policy.pk])).status_code == 200


def test_a_policy_that_has_routed_is_read_only(signed_in_client, partnership_rule):
    """Once a policy has routed an assessment, the admin refuses to change or delete it."""
    idva_service()
    worker = case_worker()
    submit_dash(worker, make_case(worker), score=15, assessed_on=date(2024, 5, 1))
    client = signed_in_client(UserFactory(roles=[Role.PARTNERSHIP_ADMIN]))
    change_url = reverse("admin:referrals_routingpolicy_change", args=[partnership_rule.pk])
    response = client.post(change_url, {"name": "Changed", "marac_threshold": 10})
    assert response.status_code == 403
    partnership_rule.refresh_from_db()
    assert partnership_rule.marac_threshold == 17
    delete_url = reverse("admin:referrals_routingpolicy_delete", args=[partnership_rule.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert RoutingPolicy.objects.filter(pk=partnership_rule.pk).exists()


def test_an_idva_band_must_sit_below_the_marac_threshold():
    """The database refuses a policy whose IDVA band reaches the MARAC threshold."""
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RoutingPolicy.objects.create(
            name="Bad", effective_from=date(2032, 1, 1), marac_threshold=15, idva_band_min=14, idva_band_max=16
        )


def test_partnership_admin_keeps_the_safety_measures(signed_in_client):
    """A partnership administrator adds a safety measure and retires one; closures keep what they had."""
    client = signed_in_client(UserFactory(roles=[Role.PARTNERSHIP_ADMIN]))
    response = client.post(
        reverse("admin:referrals_safetymeasure_add"),
        {"code": "tecsos-phone", "name": "TecSOS phone", "position": 20, "active": "on"},
    )
    assert response.status_code == 302, response.content
    assert SafetyMeasure.objects.get(code="tecsos-phone").active
    assert client.get(reverse("admin:referrals_safetymeasure_changelist")).status_code == 200


def test_a_safety_measure_in_use_cannot_be_deleted(signed_in_client):
    """A measure recorded on a closure can be retired but not deleted."""
    setup = referral_at(Referral.Status.CLOSED)
    measure = SafetyMeasure.objects.get(code="sanctuary-scheme")
    setup.referral.closure.safety_measures.add(measure)
    client = signed_in_client(UserFactory(roles=[Role.PARTNERSHIP_ADMIN]))
    response = client.get(reverse("admin:referrals_safetymeasure_delete", args=[measure.pk]))
    assert response.status_code == 403
    unused = SafetyMeasure.objects.get(code="personal-alarm")
    assert client.get(reverse("admin:referrals_safetymeasure_delete", args=[unused.pk])).status_code == 200


def test_safety_measures_are_not_editable_by_case_workers(signed_in_client):
    """An IDVA has no admin access to the list."""
    client = signed_in_client(UserFactory(roles=[Role.IDVA]))
    assert client.get(reverse("admin:referrals_safetymeasure_changelist")).status_code in (302, 403)
