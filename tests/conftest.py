"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from agencies.models import Agency, User
from tests.factories.agencies import AgencyFactory, UserFactory, api_key_for

# Playwright's synchronous API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code the device's authenticator app shows now (or `offset_steps` periods away)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset_steps)
    return f"{code:0{device.digits}d}"


def confirmed_device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def sign_in(client: Client, user: User) -> Client:
    """Sign a test client in as the user, verified by their second factor, as the login flow does."""
    device = confirmed_device(user)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def agency(db) -> Agency:
    return AgencyFactory()


@pytest.fixture
def other_agency(db) -> Agency:
    return AgencyFactory()


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(**kwargs: object) -> User:
        return UserFactory(**kwargs)

    return make


@pytest.fixture
def signed_in_client(client: Client) -> Callable[[User], Client]:
    """Call with a user: the test client, signed in as that user with two factors."""
    return lambda user: sign_in(client, user)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def key_client(db) -> Callable[..., APIClient]:
    """Call with an agency (and scope): an API client authenticating with a new key of that agency."""

    def make(agency: Agency, **kwargs: object) -> APIClient:
        _, key = api_key_for(agency, **kwargs)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client

    return make


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI nothing may be skipped: a skipped test there is a missing service or a broken set-up."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; skipping is not allowed in CI.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def partnership_rule(db):
    """The seed partnership's routing rule from 2020-01-01 (MARAC 17, IDVA band 14-16), beside
    SafeLives' default from the migration."""
    from datetime import date

    from referrals.models import RoutingPolicy

    policy, _ = RoutingPolicy.objects.get_or_create(
        effective_from=date(2020, 1, 1),
        defaults={"name": "Partnership rule", "marac_threshold": 17, "idva_band_min": 14, "idva_band_max": 16},
    )
    return policy


DATA_MIGRATIONS = [
    ("agencies.migrations.0002_role_groups", "create_roles"),
    ("cases.migrations.0002_risk_instruments", "create_instruments"),
    ("referrals.migrations.0002_safelives_default_policy", "create_default_policy"),
    ("referrals.migrations.0003_admin_permissions", "grant"),
    ("referrals.migrations.0005_idva_workflow_data", "forwards"),
    ("referrals.migrations.0006_safety_measure_admin_permissions", "grant"),
    ("marac.migrations.0004_admin_permissions", "grant"),
    ("perpetrator_panel.migrations.0002_defaults", "forwards"),
    ("dhr.migrations.0002_defaults", "forwards"),
    ("reporting.migrations.0002_defaults", "forwards"),
]


def restore_migration_data() -> None:
    """Put back what the data migrations made (role groups and their permissions, risk instruments, the
    default routing policy).

    A transactional test (browser tests, the worker test) empties the database when it ends, and
    serialized rollback cannot restore it while Playwright's event loop holds another connection object.
    Every function here is idempotent.
    """
    from importlib import import_module

    from django.apps import apps

    for module, function in DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)


@contextmanager
def rolled_back(django_db_blocker: Any) -> Iterator[None]:
    """Database access, in a transaction rolled back at the end, for data a whole module (or package) of
    tests shares and only reads: its tests' own transactions are savepoints inside it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
