"""Celery tasks of reporting (thin: each calls one service): computing a report run, and the daily
scheduler of the annual report and the SafeLives quarterly returns."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


# acks_late with the settings' reject_on_worker_lost: a worker killed mid-run leaves the message to be
# delivered again (after the broker's visibility timeout), and report_run_execute is safe to run twice.
@shared_task(
    name="reporting.tasks.report_run_execute_task",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def report_run_execute_task(run_id: int) -> dict[str, object]:
    """Compute one report run (idempotent: a run already done is left alone); its id and final status."""
    from reporting.services import report_run_execute

    run = report_run_execute(run_id=run_id)
    return {"id": run.pk, "status": run.status}


@shared_task(name="reporting.tasks.report_runs_schedule_task", acks_late=True)
def report_runs_schedule_task() -> list[int]:
    """Daily: queue the reports due today (none on most days; never the same one twice); their ids."""
    from django.utils import timezone

    from reporting.services import report_runs_schedule

    return [run.pk for run in report_runs_schedule(today=timezone.localdate())]
