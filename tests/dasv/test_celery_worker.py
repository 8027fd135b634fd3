"""A Celery task executed by a real worker process over Redis, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from audit.models import AccessLog
from audit.services import access_log_record
from audit.tasks import access_log_verify
from dasv.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db) -> Iterator[str]:
    """A `celery worker` subprocess on its own queue; yields the queue name."""
    broker = os.environ.get("CELERY_BROKER_URL")
    if not broker or connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the worker test: it needs CELERY_BROKER_URL and PostgreSQL.")
        pytest.skip("needs Redis (CELERY_BROKER_URL) and PostgreSQL: run it with `make test`")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    name = f"{queue}@localhost"
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "dasv.settings"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dasv",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            name,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=1.0):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not start (exit code {process.poll()}).")
        yield queue
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.worker
def test_task_runs_on_a_real_worker_over_redis(worker):
    """The nightly chain check, sent through Redis, is run by the worker against the same database."""
    for n in range(3):
        access_log_record(action=AccessLog.Action.VIEW, object_type="test.thing", object_id=n)
    result = access_log_verify.apply_async(queue=worker)
    outcome = result.get(timeout=60)
    assert result.state == "SUCCESS"
    assert outcome == {"ok": True, "rows_checked": 3, "first_broken_id": None}


def test_suite_runs_on_postgresql_in_ci():
    """In CI the suite must run on PostgreSQL, never silently on SQLite."""
    if os.environ.get("CI") == "true":
        assert connection.vendor == "postgresql"
        assert os.environ.get("CELERY_BROKER_URL"), "CI must provide Redis"
