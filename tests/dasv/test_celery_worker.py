"""A Celery task executed by a real worker process over Redis, against the test database."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.db import connection

from audit.models import AccessLog
from audit.services import access_log_record
from audit.tasks import access_log_verify
from dasv.celery import app
from tests.workers import new_queue, require_worker_services, start_worker, stop_worker


@pytest.fixture
def worker(transactional_db) -> Iterator[str]:
    """A `celery worker` subprocess on its own queue; yields the queue name."""
    require_worker_services()
    queue = new_queue()
    process, _ = start_worker(queue)
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = True
        stop_worker(process)


@pytest.mark.worker
def test_task_runs_on_a_real_worker_over_redis(worker):
    """The nightly chain check, sent through Redis, is run by the worker against the same database."""
    for n in range(3):
        access_log_record(action=AccessLog.Action.VIEW, object_type="test.thing", object_id=n)
    result = access_log_verify.apply_async(queue=worker)
    outcome = result.get(timeout=60)
    assert result.state == "SUCCESS"
    assert outcome == {"ok": True, "rows_checked": 3, "first_broken_id": None}


@pytest.mark.worker
def test_nightly_first_contact_check_runs_on_a_real_worker(worker):
    """The nightly first-contact job, run by the worker, flags a referral with no contact attempt for
    weeks and leaves one contacted the day it arrived; a second run changes nothing."""
    from datetime import timedelta

    from django.utils import timezone

    from referrals.models import Referral
    from referrals.services import contact_attempt_record
    from referrals.tasks import referrals_contact_overdue_flag
    from tests.factories.referrals import referral_at

    long_ago = timezone.localdate() - timedelta(days=30)
    waiting = referral_at(Referral.Status.ALLOCATED, received_on=long_ago)
    contacted = referral_at(Referral.Status.ALLOCATED, received_on=long_ago)
    contact_attempt_record(
        actor=contacted.idva,
        referral=contacted.referral,
        made_on=long_ago,
        method="phone_call",
        safe_to_leave_message=False,
        outcome="no_answer",
    )
    first = referrals_contact_overdue_flag.apply_async(queue=worker).get(timeout=60)
    second = referrals_contact_overdue_flag.apply_async(queue=worker).get(timeout=60)
    assert first == {"flagged": 1, "cleared": 0}
    assert second == {"flagged": 0, "cleared": 0}
    waiting.referral.refresh_from_db()
    contacted.referral.refresh_from_db()
    assert waiting.referral.contact_overdue_since is not None
    assert contacted.referral.contact_overdue_since is None


@pytest.mark.worker
def test_nightly_review_deadline_notice_runs_on_a_real_worker(worker):
    """The nightly review deadline job, run by the worker, notes a review past its decision target and not
    one still on time; a second run sends nothing and returns 0."""
    from datetime import timedelta

    from django.utils import timezone

    from dhr.models import Review
    from dhr.tasks import reviews_overdue_notify
    from tests.factories.dhr import dhr_coordinator, notified_review

    coordinator = dhr_coordinator()
    late = notified_review(coordinator, notified_on=timezone.localdate() - timedelta(days=70))
    on_time = notified_review(coordinator, notified_on=timezone.localdate() - timedelta(days=3))
    first = reviews_overdue_notify.apply_async(queue=worker).get(timeout=60)
    second = reviews_overdue_notify.apply_async(queue=worker).get(timeout=60)
    assert (first, second) == (1, 0)
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.overdue_notified.startswith("decision:")
    assert on_time.overdue_notified == ""
    assert Review.objects.filter(overdue_notified="").count() == 1


def test_nightly_panel_status_job_runs_on_a_real_worker(worker):
    """The nightly perpetrator panel status job, run by the worker, closes a panel case whose last incident
    was more than 3 months ago, on the rule's day with the exit score; a second run changes nothing."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import time_machine
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from perpetrator_panel.models import PanelCase, StatusChange
    from perpetrator_panel.tasks import panel_statuses_recompute
    from tests.factories.panel import open_panel_case, perpetrator_with_history

    taken_on = timezone.localdate() - timedelta(days=100)
    with time_machine.travel(
        datetime(taken_on.year, taken_on.month, taken_on.day, 10, tzinfo=ZoneInfo("Europe/London"))
    ):
        perpetrator, cases = perpetrator_with_history(incidents=((0, 0), (1, 31)))
        panel_case = open_panel_case(perpetrator=perpetrator, cases=cases)
    first = panel_statuses_recompute.apply_async(queue=worker).get(timeout=60)
    second = panel_statuses_recompute.apply_async(queue=worker).get(timeout=60)
    assert first == {"deactivated": 1, "reactivated": 0, "rescored": 1}
    assert second == {"deactivated": 0, "reactivated": 0, "rescored": 0}
    panel_case.refresh_from_db()
    assert panel_case.status == PanelCase.Status.INACTIVE
    exit_day = taken_on + relativedelta(months=3)
    assert panel_case.exited_on == exit_day
    # On the exit day: the latest incident 89-92 days old (7 up to 91 days, else 5), 2 x 2, 1 + 1, 2 x 5.
    recency = 7 if (exit_day - taken_on).days <= 91 else 5
    assert panel_case.exit_score == recency + 4 + 2 + 10
    assert list(StatusChange.objects.filter(panel_case=panel_case).values_list("status", flat=True)) == [
        "active",
        "inactive",
    ]


def test_suite_runs_on_postgresql_in_ci():
    """In CI the suite must run on PostgreSQL, never silently on SQLite."""
    if os.environ.get("CI") == "true":
        assert connection.vendor == "postgresql"
        assert os.environ.get("CELERY_BROKER_URL"), "CI must provide Redis"
