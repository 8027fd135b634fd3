"""Session lifetime: inactivity timeout, absolute lifetime, deactivation, admin behind 2FA."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role
from agencies.services import user_deactivate
from audit.models import AccessLog
from tests.factories.agencies import UserFactory

pytestmark = pytest.mark.django_db


def test_session_expires_after_inactivity(signed_in_client, settings):
    """After the idle timeout without a request, the next request is sent to sign in."""
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = signed_in_client(user)
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(timedelta(minutes=settings.DASV_SESSION_IDLE_MINUTES - 1))
        assert client.get(reverse("home")).status_code == 200, "activity within the limit keeps the session"
        traveller.shift(timedelta(minutes=settings.DASV_SESSION_IDLE_MINUTES + 1))
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert AccessLog.objects.get(action=AccessLog.Action.SESSION_EXPIRED).detail == {"reason": "inactivity"}


def test_default_idle_timeout_is_thirty_minutes_and_lifetime_twelve_hours(settings):
    """The defaults are 30 minutes of inactivity and 12 hours in all."""
    assert settings.DASV_SESSION_IDLE_MINUTES == 30
    assert settings.DASV_SESSION_MAX_HOURS == 12


def test_session_ends_after_its_absolute_lifetime_despite_activity(signed_in_client, settings):
    """Even a constantly active session ends after the absolute lifetime."""
    user = UserFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = signed_in_client(user)
        client.get(reverse("home"))
        elapsed = timedelta()
        step = timedelta(minutes=settings.DASV_SESSION_IDLE_MINUTES - 5)
        while elapsed < timedelta(hours=settings.DASV_SESSION_MAX_HOURS) - step:
            traveller.shift(step)
            elapsed += step
            assert client.get(reverse("home")).status_code == 200
        traveller.shift(step)
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert AccessLog.objects.filter(action=AccessLog.Action.SESSION_EXPIRED, detail__reason="lifetime").exists()


def test_deactivating_a_user_ends_their_sessions(signed_in_client):
    """A user deactivated while signed in is signed out at their next request."""
    user = UserFactory()
    client = signed_in_client(user)
    assert client.get(reverse("home")).status_code == 200
    user_deactivate(user=user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unverified_session_is_not_signed_in(client):
    """A session that passed the password but not the second factor reaches no page."""
    user = UserFactory()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_admin_requires_a_verified_partnership_admin(client, signed_in_client):
    """The admin is for verified partnership administrators; its login goes through the 2FA sign-in."""
    admin_user = UserFactory(roles=[Role.PARTNERSHIP_ADMIN])
    admin_user.refresh_from_db()
    assert admin_user.is_staff

    # Password only (no second factor): the admin refuses and sends to the main sign-in.
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert client.get(reverse("admin:login"))["Location"].startswith(reverse("login"))

    verified = signed_in_client(admin_user)
    assert verified.get(reverse("admin:index")).status_code == 200
    assert verified.get(reverse("admin:agencies_agency_changelist")).status_code == 200


def test_admin_refuses_users_without_the_admin_role(signed_in_client):
    """An IDVA, even verified, cannot use the admin."""
    idva = UserFactory(roles=[Role.IDVA])
    response = signed_in_client(idva).get(reverse("admin:index"), follow=True)
    assert response.status_code == 403
    assert not idva.is_staff


def test_pages_are_not_cached(signed_in_client):
    """Pages carry Cache-Control: no-store, so shared computers keep nothing."""
    response = signed_in_client(UserFactory()).get(reverse("home"))
    assert response["Cache-Control"] == "no-store"
