"""Real Celery workers for the tests that need one: a `celery worker` subprocess over Redis against the test
database (PostgreSQL), started on its own queue and always stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from dasv.celery import app
from tests.conftest import restore_migration_data

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The test database as a DATABASE_URL, for the worker process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def require_worker_services() -> None:
    """Skip without Redis and PostgreSQL, except in CI, where their absence fails the test. Puts back what
    the data migrations made, which an earlier transactional test may have emptied."""
    if not os.environ.get("CELERY_BROKER_URL") or connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the worker tests: they need CELERY_BROKER_URL and PostgreSQL.")
        pytest.skip("needs Redis (CELERY_BROKER_URL) and PostgreSQL: run it with `make test`")
    restore_migration_data()


def start_worker(queue: str, *, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """A solo-pool `celery worker` subprocess consuming only `queue`, started and answering pings; returns
    the process and the worker's name."""
    name = f"{queue}-{uuid.uuid4().hex[:4]}@localhost"
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
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "dasv.settings", **(env or {})},
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=1.0):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(process)
            pytest.fail(f"The Celery worker did not start (exit code {process.poll()}).")
    return process, name


def stop_worker(process: subprocess.Popen) -> None:
    """Stop a worker (warm shutdown), killing it if it does not stop in time; never leave one behind."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def new_queue() -> str:
    """A queue name no other test uses."""
    return f"test-{uuid.uuid4().hex[:8]}"
