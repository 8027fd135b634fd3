"""Management commands: seed_demo, create_api_key, demo_code."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.demo import DEMO_BACKUP_CODES, DEMO_PASSWORD, USERS, demo_email
from agencies.models import ROLE_NAMES, Agency, ApiKey, Area, User
from tests.factories.agencies import AgencyFactory

pytestmark = pytest.mark.django_db

API_AGENCY_SLUGS = {"police", "idva-service", "childrens-social-care", "health", "housing"}


def _seed(*args: str) -> str:
    """seed_demo --minimal: the ground floor these tests are about (the full seed: tests/referrals/test_demo.py)."""
    out = StringIO()
    call_command("seed_demo", "--minimal", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_partnership_of_api_md():
    """The demo area, the api.md agencies (all MARAC members), every agency kind, every role."""
    _seed()
    area = Area.objects.get(slug="demo-county")
    members = Agency.objects.filter(slug__in=API_AGENCY_SLUGS, areas=area, is_marac_member=True)
    assert set(members.values_list("slug", flat=True)) == API_AGENCY_SLUGS
    assert set(Agency.objects.values_list("kind", flat=True)) == set(Agency.Kind.values)
    held = {group for user in User.objects.prefetch_related("groups") for group in user.roles}
    assert held == ROLE_NAMES


def test_seed_demo_is_idempotent():
    """Running seed_demo twice leaves the same rows."""
    _seed()
    counts = (Area.objects.count(), Agency.objects.count(), User.objects.count())
    _seed()
    assert (Area.objects.count(), Agency.objects.count(), User.objects.count()) == counts


def test_seed_demo_minimal_creates_the_ground_floor():
    """--minimal creates the area, agencies and users."""
    _seed()
    assert Agency.objects.filter(slug__in=API_AGENCY_SLUGS).count() == 5
    assert User.objects.count() == len(USERS)


def test_seed_demo_prints_how_to_sign_in():
    """seed_demo prints the demo password, backup codes and every demo user."""
    out = _seed()
    assert DEMO_PASSWORD in out
    assert DEMO_BACKUP_CODES[0] in out
    assert all(demo_email(local) in out for local, *_ in USERS)


def test_seed_demo_refuses_production(settings):
    """Demo users with published secrets must never exist in production."""
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        _seed()
    assert not User.objects.exists()


def test_demo_user_signs_in_as_the_readme_says(client):
    """A demo user signs in with the demo password and the code from `demo_code`."""
    _seed()
    out = StringIO()
    call_command("demo_code", stdout=out, stderr=StringIO())
    code = out.getvalue().strip()
    assert len(code) == 6
    assert code.isdigit()
    email = demo_email("idva")
    response = client.post(reverse("login"), {"email": email, "password": DEMO_PASSWORD})
    assert response["Location"] == reverse("login-code")
    response = client.post(reverse("login-code"), {"code": code})
    assert response["Location"] == reverse("home")


def test_demo_backup_code_signs_in(client):
    """A demo backup code signs in once per seed."""
    _seed()
    client.post(reverse("login"), {"email": demo_email("police"), "password": DEMO_PASSWORD})
    assert client.post(reverse("login-code"), {"code": DEMO_BACKUP_CODES[0]})["Location"] == reverse("home")


def test_create_api_key_prints_the_key_alone_on_the_last_line():
    """create_api_key prints the key on stdout's last line; that key authenticates as the agency."""
    agency = AgencyFactory(slug="police")
    out = StringIO()
    call_command("create_api_key", "--agency", "police", "--name", "Records sync", stdout=out, stderr=StringIO())
    key = out.getvalue().strip().splitlines()[-1]
    api_key = ApiKey.objects.get()
    assert api_key.scope == "write"
    assert api_key.agency == agency
    assert key not in api_key.hashed_key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/me/").json()["agency"]["slug"] == "police"


def test_create_api_key_with_read_scope_and_expiry():
    """--scope read and --expires are honoured."""
    AgencyFactory(slug="health")
    call_command(
        "create_api_key",
        "--agency",
        "health",
        "--name",
        "BI",
        "--scope",
        "read",
        "--expires",
        "2030-01-31",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    api_key = ApiKey.objects.get()
    assert api_key.scope == "read"
    assert api_key.expiry_date.date().isoformat() == "2030-01-31"


def test_create_api_key_for_an_unknown_agency_fails():
    """An unknown agency slug is an error and creates nothing."""
    with pytest.raises(CommandError, match="No agency"):
        call_command("create_api_key", "--agency", "nowhere", "--name", "x", stdout=StringIO())
    assert not ApiKey.objects.exists()
