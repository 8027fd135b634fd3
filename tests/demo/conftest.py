"""The full demo, seeded once for every test in this package and rolled back when the package ends.

`seed_demo` runs every app's seeder (about a minute on PostgreSQL), so the apps' tests of the full demo
live here and share one seed. The tests of `--minimal` and of seeds under other conditions stay in each
app's tests/<app>/test_demo.py, where no full seed is open."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import rolled_back


@pytest.fixture(scope="package")
def full_seed(django_db_setup: None, django_db_blocker) -> Iterator[str]:
    """The full demo in one transaction for this package; `seed_demo`'s output."""
    with rolled_back(django_db_blocker):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        # Every foreign key of the seed holds. On PostgreSQL this also fires the deferred checks of the
        # half a million new rows once, here, rather than again at each test's teardown (which checks
        # constraints inside a savepoint it rolls back: 6 s a test).
        connection.check_constraints()
        yield out.getvalue()
