"""The admin: partnership administrators keep the panel's configuration, gravity ratings and tactical options;
bad recency bands are refused; panel members without the admin role cannot reach these pages."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from agencies.models import Role
from perpetrator_panel.admin import recency_bands_errors
from perpetrator_panel.models import GravityRating, PanelConfiguration, TacticalOption
from tests.factories.agencies import UserFactory
from tests.factories.panel import panel_member

pytestmark = pytest.mark.django_db

BANDS = [{"within_days": 28, "points": 12}, {"within_days": 90, "points": 6}, {"within_days": 365, "points": 2}]


@pytest.fixture
def admin_user():
    return UserFactory(roles=[Role.PARTNERSHIP_ADMIN])


def _configuration_form(**changes: Any) -> dict[str, Any]:
    form = {
        "serial_look_back_years": 3,
        "serial_min_victims": 2,
        "serial_min_age": 16,
        "rfgv_look_back_years": 2,
        "recency_bands": json.dumps(BANDS),
        "weight_recency": "1.00",
        "weight_frequency": "2.00",
        "weight_gravity": "1.00",
        "weight_victims": "5.00",
        "non_crime_gravity": 1,
        "unlisted_crime_gravity": 3,
        "inactive_after_months": 3,
    }
    return form | changes


def test_partnership_admin_changes_the_configuration(signed_in_client, admin_user):
    """A partnership administrator changes a look-back, a weight, the bands and the status rule (recorded as theirs)."""
    configuration = PanelConfiguration.objects.get()
    client = signed_in_client(admin_user)
    url = reverse("admin:perpetrator_panel_panelconfiguration_change", args=[configuration.pk])
    page = client.get(url)
    assert page.status_code == 200
    for heading in ("Serial perpetrators", "RFGV score: look-back and weights", "Recency bands", "Gravity defaults"):
        assert heading in page.text
    response = client.post(
        url, _configuration_form(rfgv_look_back_years=3, weight_victims="6.50", inactive_after_months=4)
    )
    assert response.status_code == 302, response.text
    configuration.refresh_from_db()
    assert configuration.rfgv_look_back_years == 3
    assert configuration.weight_victims == Decimal("6.50")
    assert configuration.inactive_after_months == 4
    assert configuration.recency_bands == BANDS
    assert configuration.updated_by == admin_user


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ("[]", "This field is required."),
        ("[1, 2]", "Band 1 must have exactly"),
        ('{"within_days": 30, "points": 10}', "Give a list of bands"),
        ('[{"within_days": 30}]', 'Band 1 must have exactly "within_days" and "points"'),
        ('[{"within_days": 0, "points": 10}]', "Band 1: within_days must be a whole number of days, 1 or more."),
        ('[{"within_days": 30, "points": "ten"}]', "Band 1: points must be a whole number, 0 or more."),
        (
            '[{"within_days": 90, "points": 7}, {"within_days": 30, "points": 5}]',
            "Band 2: within_days must be more than the band before (90).",
        ),
        (
            '[{"within_days": 30, "points": 5}, {"within_days": 90, "points": 7}]',
            "Band 2: points cannot be more than the nearer band's (5).",
        ),
    ],
)
def test_bad_recency_bands_are_refused_with_a_message(signed_in_client, admin_user, bands, message):
    """Recency bands of the wrong shape are refused, saying what is wrong; the configuration is unchanged."""
    configuration = PanelConfiguration.objects.get()
    before = configuration.recency_bands
    client = signed_in_client(admin_user)
    url = reverse("admin:perpetrator_panel_panelconfiguration_change", args=[configuration.pk])
    response = client.post(url, _configuration_form(recency_bands=bands, rfgv_look_back_years=5))
    assert response.status_code == 200
    assert escape(message) in response.text
    configuration.refresh_from_db()
    assert configuration.recency_bands == before
    assert configuration.rfgv_look_back_years == 2


def test_recency_bands_of_the_defaults_pass():
    """The migration's default bands are valid; a boolean is not a whole number of days."""
    assert recency_bands_errors(PanelConfiguration.objects.get().recency_bands) == []
    assert recency_bands_errors([{"within_days": True, "points": 1}]) == [
        "Band 1: within_days must be a whole number of days, 1 or more."
    ]


def test_the_configuration_cannot_be_added_again_or_deleted(signed_in_client, admin_user):
    """There is one configuration row: no add page while it exists, and no delete."""
    configuration = PanelConfiguration.objects.get()
    client = signed_in_client(admin_user)
    assert client.get(reverse("admin:perpetrator_panel_panelconfiguration_add")).status_code == 403
    delete = reverse("admin:perpetrator_panel_panelconfiguration_delete", args=[configuration.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert PanelConfiguration.objects.count() == 1


def test_partnership_admin_changes_a_gravity_rating(signed_in_client, admin_user):
    """A partnership administrator finds a crime type by search and changes its gravity."""
    rating = GravityRating.objects.get(crime_type="Stalking")
    client = signed_in_client(admin_user)
    found = client.get(reverse("admin:perpetrator_panel_gravityrating_changelist"), {"q": "stalk"})
    assert found.status_code == 200
    assert "Stalking" in found.text
    assert "Harassment" not in found.text
    response = client.post(
        reverse("admin:perpetrator_panel_gravityrating_change", args=[rating.pk]),
        {"crime_type": "Stalking", "gravity": 11},
    )
    assert response.status_code == 302, response.text
    rating.refresh_from_db()
    assert rating.gravity == 11
    assert rating.updated_by == admin_user


def test_a_gravity_out_of_range_is_refused(signed_in_client, admin_user):
    """A gravity over 20 is refused on the field and nothing changes."""
    rating = GravityRating.objects.get(crime_type="Stalking")
    client = signed_in_client(admin_user)
    response = client.post(
        reverse("admin:perpetrator_panel_gravityrating_change", args=[rating.pk]),
        {"crime_type": "Stalking", "gravity": 21},
    )
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 20." in response.text
    rating.refresh_from_db()
    assert rating.gravity == 8


def test_partnership_admin_lists_tactical_options_by_category_and_adds_one(signed_in_client, admin_user):
    """The menu filters by category; a new option is added, recorded as the administrator's."""
    client = signed_in_client(admin_user)
    listed = client.get(
        reverse("admin:perpetrator_panel_tacticaloption_changelist"), {"category__exact": "enforcement"}
    )
    assert listed.status_code == 200
    assert "MAPPA referral" in listed.text
    assert "Substance misuse treatment" not in listed.text
    response = client.post(
        reverse("admin:perpetrator_panel_tacticaloption_add"),
        {
            "name": "Electronic monitoring (tag)",
            "category": "enforcement",
            "description": "",
            "usual_agency_kind": "probation",
            "position": 30,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.text
    option = TacticalOption.objects.get(name="Electronic monitoring (tag)")
    assert option.created_by == admin_user


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:perpetrator_panel_panelconfiguration_changelist",
        "admin:perpetrator_panel_gravityrating_changelist",
        "admin:perpetrator_panel_tacticaloption_changelist",
    ],
)
def test_a_panel_member_without_the_admin_role_cannot_reach_the_admin(signed_in_client, url_name):
    """A panel member (signed in with two factors) has no admin access to the panel's configuration."""
    client = signed_in_client(panel_member())
    response = client.get(reverse(url_name))
    # Not staff: sent to the admin's login, which refuses someone already signed in with two factors.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert client.get(response["Location"]).status_code == 403


def test_a_panel_member_cannot_change_the_configuration(signed_in_client):
    """A panel member's post to the configuration changes nothing."""
    configuration = PanelConfiguration.objects.get()
    client = signed_in_client(panel_member())
    url = reverse("admin:perpetrator_panel_panelconfiguration_change", args=[configuration.pk])
    response = client.post(url, _configuration_form(rfgv_look_back_years=5))
    assert response.status_code in (302, 403)
    configuration.refresh_from_db()
    assert configuration.rfgv_look_back_years == 2


def test_anonymous_is_sent_to_sign_in():
    """Without signing in, the admin pages redirect to the login."""
    response = Client().get(reverse("admin:perpetrator_panel_panelconfiguration_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
