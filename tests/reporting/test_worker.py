"""Report runs on real Celery workers over Redis, against the test database: the stored result equals the
report computed in-process, and a worker killed mid-run leaves the run to another worker, which finishes it
exactly once."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import date

import psycopg2
import pytest
from django.db import connection

from dasv.celery import app
from reporting.figures import annual_report
from reporting.models import ReportRun
from reporting.rules import parse_period
from reporting.services import report_run_request
from reporting.tasks import report_run_execute_task
from tests.factories.agencies import AreaFactory
from tests.factories.reporting import PopulationEstimateFactory, report_activity
from tests.workers import new_queue, require_worker_services, start_worker, stop_worker

# A table the report reads only after its first progress step (the IDVA section is done by then): holding
# an exclusive lock on it stops a worker mid-run, with no hook in the code under test.
TABLE_READ_AFTER_FIRST_STEP = "marac_agendaitem"
# Seconds Redis waits before delivering an unacknowledged task again (production: two hours).
SHORT_VISIBILITY_TIMEOUT = "3"

pytestmark = pytest.mark.worker


@pytest.fixture
def workers(transactional_db) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start workers with `workers(queue, env=...)`; every one is stopped when the test ends."""
    require_worker_services()
    started: list[subprocess.Popen] = []

    def start(queue: str, *, env: dict[str, str] | None = None) -> subprocess.Popen:
        process, _ = start_worker(queue, env=env)
        started.append(process)
        return process

    app.conf.task_always_eager = False
    try:
        yield start
    finally:
        app.conf.task_always_eager = True
        for process in started:
            stop_worker(process)


@pytest.fixture
def to_queue(monkeypatch) -> Callable[[str], None]:
    """Send the report task to a test queue: report_run_request's delay_on_commit calls `delay`."""

    def route(queue: str) -> None:
        monkeypatch.setattr(
            report_run_execute_task, "delay", lambda *args: report_run_execute_task.apply_async(args, queue=queue)
        )

    return route


def _the_report_area():
    area = AreaFactory(slug="demo-county", name="Demo County")
    report_activity(area=area, first=date(2020, 5, 1), referrals=6, incidents=4)
    PopulationEstimateFactory(area=area, year=2020)
    return area


def _wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}.")
        time.sleep(0.2)


def test_the_annual_report_runs_on_a_real_worker(workers, to_queue):
    """Requested as the API does, the run is computed by a worker over Redis; its stored result equals the
    report computed in this process."""
    area = _the_report_area()
    queue = new_queue()
    workers(queue)
    to_queue(queue)

    run = report_run_request(actor=None, period="2020-21", area="demo-county")
    _wait_for(
        lambda: ReportRun.objects.get(pk=run.pk).status in {"done", "failed"}, seconds=120, what="the run to finish"
    )

    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts, run.error) == ("done", 100, 1, "")
    assert run.result == annual_report(period=parse_period("2020-21"), area=area)


def test_a_run_killed_mid_way_is_finished_once_by_another_worker(workers, to_queue):
    """Worker A is killed (SIGKILL) while the run is part-way (held by a table lock after its first
    progress step). The task was not acknowledged: after the visibility timeout worker B receives it again,
    claims the run (a second attempt) and finishes it. One run, done once, with the in-process result."""
    area = _the_report_area()
    queue = new_queue()
    short = {"CELERY_VISIBILITY_TIMEOUT": SHORT_VISIBILITY_TIMEOUT}
    worker_a = workers(queue, env=short)
    to_queue(queue)
    settings = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings.get("PASSWORD") or None,
        host=settings["HOST"],
        port=settings["PORT"],
    )
    try:
        with blocker.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TABLE_READ_AFTER_FIRST_STEP} IN ACCESS EXCLUSIVE MODE")
        run = report_run_request(actor=None, period="2020-21", area="demo-county")

        def part_way() -> bool:
            current = ReportRun.objects.get(pk=run.pk)
            assert current.status != "done", "the lock did not hold the run"
            return current.status == "running" and current.progress > 0

        _wait_for(part_way, seconds=60, what="worker A to start the run")
        worker_a.send_signal(signal.SIGKILL)
        worker_a.wait(timeout=20)
    finally:
        blocker.rollback()
        blocker.close()
    held = ReportRun.objects.get(pk=run.pk)
    assert (held.status, held.attempts) == ("running", 1)

    workers(queue, env=short)
    _wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == "done", seconds=120, what="worker B to finish")

    assert ReportRun.objects.filter(kind="annual", period_label="2020-21", area=area).count() == 1
    run.refresh_from_db()
    assert (run.status, run.progress, run.step, run.attempts, run.error) == ("done", 100, "Done", 2, "")
    assert run.started_at < run.finished_at
    assert run.result == annual_report(period=parse_period("2020-21"), area=area)
    assert worker_a.returncode == -signal.SIGKILL
