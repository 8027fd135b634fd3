"""Signing in with email, password and a security code; enrolment; lockout; signing out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessLog
from tests.conftest import confirmed_device, totp_code
from tests.factories.agencies import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _password_step(client: Client, email: str, password: str = TEST_PASSWORD, **extra: str):
    return client.post(reverse("login"), {"email": email, "password": password, **extra})


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_login_page_is_public(client):
    """The sign-in page answers anonymous visitors."""
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_pages_redirect_anonymous_visitors_to_sign_in(client):
    """Every page except sign-in sends anonymous visitors to the sign-in page."""
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_and_code_sign_the_user_in(client):
    """A correct password then the current code signs in, logs the sign-in and reaches home."""
    user = UserFactory()
    device = confirmed_device(user)
    response = _password_step(client, user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("login-code")
    assert not _signed_in(client), "the password alone must not sign anyone in"

    response = client.post(reverse("login-code"), {"code": totp_code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _signed_in(client)
    assert client.get(reverse("home")).status_code == 200
    assert AccessLog.objects.filter(action=AccessLog.Action.LOGIN, user=user).count() == 1


def test_email_is_case_insensitive(client):
    """The email address is matched whatever its case."""
    user = UserFactory(email="someone@example.org")
    confirmed_device(user)
    response = _password_step(client, "Someone@Example.ORG")
    assert response["Location"] == reverse("login-code")


def test_wrong_password_is_refused_and_logged(client):
    """A wrong password gives one generic error and a failed-sign-in log row."""
    user = UserFactory()
    response = _password_step(client, user.email, "not-the-password")
    assert response.status_code == 200
    assert b"Enter a correct email address and password" in response.content
    assert not _signed_in(client)
    failure = AccessLog.objects.get(action=AccessLog.Action.LOGIN_FAILED)
    assert failure.detail == {"email": user.email, "step": "password"}


def test_wrong_totp_code_is_refused(client):
    """A code from another time window is refused; the user stays signed out."""
    user = UserFactory()
    device = confirmed_device(user)
    _password_step(client, user.email)
    response = client.post(reverse("login-code"), {"code": totp_code(device, offset_steps=5)})
    assert response.status_code == 200
    assert b"The security code is not correct" in response.content
    assert not _signed_in(client)
    assert AccessLog.objects.filter(action=AccessLog.Action.LOGIN_FAILED, detail__step="code").exists()


def test_empty_code_names_the_field(client):
    """Submitting no code says which field is missing."""
    user = UserFactory()
    confirmed_device(user)
    _password_step(client, user.email)
    response = client.post(reverse("login-code"), {"code": ""})
    assert b"Enter the security code" in response.content
    assert b'href="#id_code"' in response.content


def test_a_totp_code_cannot_be_used_twice(client):
    """Replaying the code just used is refused."""
    user = UserFactory()
    device = confirmed_device(user)
    code = totp_code(device)
    _password_step(client, user.email)
    client.post(reverse("login-code"), {"code": code})
    client.post(reverse("logout"))
    _password_step(client, user.email)
    response = client.post(reverse("login-code"), {"code": code})
    assert response.status_code == 200
    assert not _signed_in(client)


def test_backup_code_signs_in_once(client):
    """A static backup code works in place of the app's code, once."""
    user = UserFactory()
    confirmed_device(user)
    backup = StaticDevice.objects.create(user=user, name="Backup", confirmed=True)
    StaticToken.objects.create(device=backup, token="backup123")
    _password_step(client, user.email)
    assert client.post(reverse("login-code"), {"code": "backup123"}).status_code == 302
    client.post(reverse("logout"))
    _password_step(client, user.email)
    assert client.post(reverse("login-code"), {"code": "backup123"}).status_code == 200
    assert not _signed_in(client)


def test_code_step_needs_a_recent_password_step(client):
    """The code page without a password step sends the visitor back to sign in."""
    response = client.get(reverse("login-code"))
    assert response["Location"] == reverse("login")


def test_new_session_key_on_sign_in(client):
    """Signing in replaces the session key (no session fixation)."""
    user = UserFactory()
    device = confirmed_device(user)
    _password_step(client, user.email)
    key_before = client.session.session_key
    client.post(reverse("login-code"), {"code": totp_code(device)})
    assert client.session.session_key != key_before


def test_next_is_followed_only_within_the_site(client):
    """After sign-in the user goes where they were going, but never to another site."""
    user = UserFactory()
    device = confirmed_device(user)
    _password_step(client, user.email, next="/api/v1/docs/")
    assert client.post(reverse("login-code"), {"code": totp_code(device)})["Location"] == "/api/v1/docs/"

    client.post(reverse("logout"))
    device.refresh_from_db()
    _password_step(client, user.email, next="https://evil.example.com/")
    response = client.post(reverse("login-code"), {"code": totp_code(device, offset_steps=1)})
    assert response["Location"] == reverse("home")


def test_first_sign_in_enrols_an_authenticator_app(client):
    """A user without a device scans a QR code, confirms a code, gets backup codes and is signed in."""
    user = UserFactory()
    response = _password_step(client, user.email)
    assert response["Location"] == reverse("login-setup")
    page = client.get(reverse("login-setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        wrong = client.post(reverse("login-setup"), {"code": totp_code(device, offset_steps=4)})
        assert wrong.status_code == 200
        assert not _signed_in(client)
        # django-otp throttles the device for a moment after a wrong code.
        traveller.shift(timedelta(seconds=3))
        device.refresh_from_db()
        response = client.post(reverse("login-setup"), {"code": totp_code(device)})
    assert response["Location"] == reverse("backup-codes")
    assert _signed_in(client)
    device.refresh_from_db()
    assert device.confirmed
    codes_page = client.get(reverse("backup-codes"))
    tokens = StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    assert len(tokens) == 10
    assert all(token.encode() in codes_page.content for token in tokens)
    # Shown once only.
    assert client.get(reverse("backup-codes"))["Location"] == reverse("home")
    assert AccessLog.objects.filter(action=AccessLog.Action.TWO_FACTOR_ENROLLED, object_id=str(user.pk)).exists()


def test_enrolled_user_cannot_enrol_again(client):
    """Someone with a password but not the phone cannot set up a second app."""
    user = UserFactory()
    confirmed_device(user)
    _password_step(client, user.email)
    assert client.get(reverse("login-setup"))["Location"] == reverse("login-code")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_after_the_configured_failures(client):
    """After the configured number of failures the account is locked, even with the right password."""
    user = UserFactory()
    confirmed_device(user)
    for _ in range(2):
        assert _password_step(client, user.email, "wrong-password-x").status_code == 200
    locked = _password_step(client, user.email, "wrong-password-x")
    assert locked.status_code == 429
    assert b"Sign-in locked" in locked.content
    assert _password_step(client, user.email).status_code == 429
    assert AccessLog.objects.filter(action=AccessLog.Action.LOCKOUT).exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_codes_count_towards_the_lockout(client):
    """Guessing security codes locks the account just as guessing passwords does."""
    user = UserFactory()
    device = confirmed_device(user)
    _password_step(client, user.email)
    for _ in range(2):
        response = client.post(reverse("login-code"), {"code": totp_code(device, offset_steps=7)})
        assert response.status_code == 200
    response = client.post(reverse("login-code"), {"code": totp_code(device, offset_steps=7)})
    assert response.status_code == 429
    assert _password_step(client, user.email).status_code == 429


def test_default_lockout_is_five_failures(settings):
    """The default lockout threshold is five failures."""
    assert settings.AXES_FAILURE_LIMIT == 5


def test_inactive_user_cannot_sign_in(client):
    """A deactivated user's correct password is refused."""
    user = UserFactory(is_active=False)
    response = _password_step(client, user.email)
    assert response.status_code == 200
    assert not _signed_in(client)


def test_sign_out_requires_post_and_is_logged(signed_in_client):
    """Signing out is a POST; it ends the session and is logged."""
    user = UserFactory()
    client = signed_in_client(user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert not _signed_in(client)
    assert AccessLog.objects.filter(action=AccessLog.Action.LOGOUT, user=user).exists()


def test_password_hashing_is_argon2(settings):
    """Passwords are hashed with Argon2."""
    user = UserFactory()
    user.set_password("another-long-password")
    assert user.password.startswith("argon2")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Sh0rt-pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("384729104857", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(password, problem):
    """Passwords need 12 characters and may not be common or all digits."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=problem):
        validate_password(password, UserFactory.build())


def test_a_long_uncommon_password_is_accepted():
    """A long passphrase passes the validators."""
    from django.contrib.auth.password_validation import validate_password

    validate_password("walrus-teacup-lantern-meadow", UserFactory.build())
