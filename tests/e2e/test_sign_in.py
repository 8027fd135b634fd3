"""Signing in with two factors in a real browser, by keyboard, with an axe check on every page."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Role
from tests.conftest import confirmed_device, totp_code
from tests.factories.agencies import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def _password_step(ui, email: str, password: str) -> None:
    page = ui.page
    page.get_by_label("Email address").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_sign_in_with_two_factors_reaches_home(ui):
    """An IDVA signs in by keyboard with password and code, sees home, and signs out."""
    user = UserFactory(roles=[Role.IDVA])
    device = confirmed_device(user)
    page = ui.goto("/")
    assert "/sign-in/" in page.url

    # A form error: the error summary names the fields.
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").press("Enter")
    assert page.get_by_role("alert").get_by_text("Enter your email address").is_visible()
    assert page.title().startswith("Error: ")
    ui.check()

    _password_step(ui, user.email, TEST_PASSWORD)
    assert page.url.endswith("/sign-in/code/")
    ui.check()

    page.get_by_label("Security code").focus()
    page.keyboard.type(totp_code(device))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name=f"Welcome, {user.given_name}").is_visible()
    ui.check()

    ui.goto("/no-such-page/", status=404)
    assert page.get_by_role("heading", name="Page not found").is_visible()

    page.goto(ui.base_url + "/api/v1/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    ui.check()

    ui.goto("/")
    page.get_by_role("button", name="Sign out").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/sign-in/" in page.url
    assert page.get_by_text("You have signed out").is_visible()
    ui.check()


def test_first_sign_in_sets_up_the_authenticator_app(ui):
    """A new user scans the QR code, confirms a code, and is shown backup codes once."""
    user = UserFactory(roles=[Role.AGENCY_REP])
    ui.goto("/sign-in/")
    _password_step(ui, user.email, TEST_PASSWORD)
    page = ui.page
    assert page.url.endswith("/sign-in/set-up/")
    ui.check()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Security code").fill(totp_code(device))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and sign in").click()
    assert page.get_by_role("heading", name="Your backup codes").is_visible()
    ui.check()
    with page.expect_navigation():
        page.get_by_role("link", name="Continue").click()
    assert page.get_by_role("heading", name=re.compile("Welcome")).is_visible()


def test_forbidden_page_for_a_non_administrator(ui):
    """An IDVA who opens the administration site gets the accessible 403 page."""
    user = UserFactory(roles=[Role.IDVA])
    device = confirmed_device(user)
    ui.goto("/sign-in/")
    _password_step(ui, user.email, TEST_PASSWORD)
    ui.page.get_by_label("Security code").fill(totp_code(device))
    with ui.page.expect_navigation():
        ui.page.keyboard.press("Enter")
    ui.goto("/admin/", status=403)
    assert ui.page.get_by_role("heading", name=re.compile("permission", re.IGNORECASE)).is_visible()


@override_settings(AXES_FAILURE_LIMIT=2)
def test_lockout_page(ui):
    """Too many wrong passwords lead to the accessible lockout page."""
    user = UserFactory()
    ui.goto("/sign-in/")
    _password_step(ui, user.email, "wrong-password-1")
    _password_step(ui, user.email, "wrong-password-2")
    assert ui.page.get_by_role("heading", name="Sign-in locked").is_visible()
    ui.check(status=429)


@override_settings(ROOT_URLCONF="tests.protected_app.urls")
def test_server_error_page(ui):
    """A failure inside a page shows the accessible server error page, with no details."""
    user = UserFactory()
    device = confirmed_device(user)
    ui.goto("/sign-in/")
    _password_step(ui, user.email, TEST_PASSWORD)
    ui.page.get_by_label("Security code").fill(totp_code(device))
    with ui.page.expect_navigation():
        ui.page.keyboard.press("Enter")
    page = ui.goto("/test-only/fail/", status=500)
    assert page.get_by_role("heading", name=re.compile("problem with the service")).is_visible()
    assert "deliberate" not in page.content()
