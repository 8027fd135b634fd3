"""The home page per role, error pages and security headers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from agencies.models import Role
from agencies.views import ROLE_HOME
from tests.factories.agencies import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_home_page_says_what_each_role_can_do(signed_in_client, role):
    """Each role's home page lists that role's abilities, and no other role's."""
    user = UserFactory(roles=[role])
    response = signed_in_client(user).get(reverse("home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert all(escape(ability) in content for ability in ROLE_HOME[role])
    others = [ability for other, abilities in ROLE_HOME.items() if other != role for ability in abilities]
    assert not any(escape(ability) in content for ability in others)


def test_navigation_follows_the_role(signed_in_client):
    """The administration link shows only for partnership administrators."""
    admin_url = reverse("admin:index").encode()
    assert admin_url in signed_in_client(UserFactory(roles=[Role.PARTNERSHIP_ADMIN])).get(reverse("home")).content
    idva_client = Client()
    from tests.conftest import sign_in

    assert admin_url not in sign_in(idva_client, UserFactory(roles=[Role.IDVA])).get(reverse("home")).content


def test_partnership_name_is_in_the_header(signed_in_client, settings):
    """The configured partnership name heads every page; GOV.UK's crown does not."""
    settings.DASV_PARTNERSHIP_NAME = "Northshire DASV Partnership"
    content = signed_in_client(UserFactory()).get(reverse("home")).content.decode()
    assert "Northshire DASV Partnership" in content
    assert "govuk-logo" not in content


def test_unknown_page_is_a_404_page(signed_in_client):
    """An unknown address answers the 404 page."""
    response = signed_in_client(UserFactory()).get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_security_headers(client):
    """Pages send a CSP without inline script, and the usual security headers."""
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-ID"]


def test_pages_have_no_inline_script(client):
    """No page carries an inline <script> (the CSP would block it)."""
    import re

    content = client.get(reverse("login")).content.decode()
    scripts = re.findall(r"<script([^>]*)>", content)
    assert scripts
    assert all("src=" in attributes for attributes in scripts)


def test_healthz_answers_without_sign_in(client):
    """The health check answers anonymous requests with 'ok'."""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_server_error_page_stands_alone(client):
    """The 500 page renders with no context at all (the database may be what failed)."""
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Sorry, there is a problem with the service" in html
