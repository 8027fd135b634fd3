"""The daily report scheduler: the annual report on 1 April, the SafeLives quarterly returns on the first
day of each quarter for the areas that held MARAC meetings, nothing on other days, never twice."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from agencies.models import Area
from marac.models import MaracMeeting, MeetingKind
from reporting.models import ReportRun
from reporting.services import report_runs_schedule
from reporting.tasks import report_runs_schedule_task
from tests.factories.agencies import AreaFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _no_computing(monkeypatch):
    """The scheduler's job is to queue runs: leave them queued (no eager computation)."""
    monkeypatch.setattr("reporting.tasks.report_run_execute_task.delay_on_commit", lambda *args, **kwargs: None)


def _meeting(area: Area, day: date, **kwargs: object) -> MaracMeeting:
    return MaracMeeting.objects.create(
        area=area, starts_at=datetime(day.year, day.month, day.day, 10, tzinfo=LONDON), capacity=12, **kwargs
    )


def _runs() -> list[tuple[str, str, str | None, bool]]:
    return [
        (run.kind, run.period_label, run.area.slug if run.area else None, run.scheduled)
        for run in ReportRun.objects.select_related("area").order_by("kind", "area__slug")
    ]


def test_the_beat_schedule_runs_the_scheduler_daily_at_three():
    """The beat entry calls the scheduler task every day at 03:00."""
    entry = settings.CELERY_BEAT_SCHEDULE["reporting-runs-schedule-daily"]
    assert entry["task"] == report_runs_schedule_task.name == "reporting.tasks.report_runs_schedule_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {0})


def test_on_31_march_nothing_is_scheduled_and_on_1_april_the_year_and_the_quarter_are():
    """At 03:00 on 31 March nothing is due; at 03:00 on 1 April the 2020-21 annual report for the whole
    partnership, and the Q4 SafeLives return of the one area that held a MARAC in January to March."""
    north, south = AreaFactory(slug="north"), AreaFactory(slug="south")
    _meeting(north, date(2021, 2, 10))
    _meeting(south, date(2020, 12, 15))  # the quarter before
    _meeting(south, date(2021, 3, 3), kind=MeetingKind.MARAC_PLUS)  # not a MARAC
    _meeting(south, date(2021, 3, 10), status=MaracMeeting.Status.CANCELLED, cancellation_reason="Snow")

    with time_machine.travel(datetime(2021, 3, 31, 3, 0, tzinfo=LONDON), tick=False):
        assert report_runs_schedule_task() == []
    with time_machine.travel(datetime(2021, 4, 1, 3, 0, tzinfo=LONDON), tick=False):
        ids = report_runs_schedule_task()

    assert len(ids) == 2
    assert _runs() == [
        ("annual", "2020-21", None, True),
        ("safelives_quarterly", "2020-21 Q4", "north", True),
    ]
    annual = ReportRun.objects.get(kind="annual")
    assert (annual.period_start, annual.period_end, annual.requested_by, annual.status) == (
        date(2020, 4, 1),
        date(2021, 3, 31),
        None,
        "queued",
    )


@pytest.mark.parametrize(
    ("today", "meeting_on", "label"),
    [
        (date(2020, 7, 1), date(2020, 6, 30), "2020-21 Q1"),
        (date(2020, 10, 1), date(2020, 7, 1), "2020-21 Q2"),
        (date(2021, 1, 1), date(2020, 12, 31), "2020-21 Q3"),
    ],
)
def test_each_quarter_start_schedules_the_previous_quarters_safelives_returns(today, meeting_on, label):
    """On 1 July, 1 October and 1 January the previous quarter's SafeLives return is queued for each area
    that held a MARAC in it (and no annual report)."""
    east, west = AreaFactory(slug="east"), AreaFactory(slug="west")
    _meeting(east, meeting_on)
    _meeting(west, meeting_on)

    runs = report_runs_schedule(today=today)

    assert [(run.kind, run.period_label, run.area.slug) for run in runs] == [
        ("safelives_quarterly", label, "east"),
        ("safelives_quarterly", label, "west"),
    ]


@pytest.mark.parametrize("today", [date(2021, 4, 2), date(2021, 3, 1), date(2020, 6, 1), date(2020, 12, 25)])
def test_other_days_schedule_nothing(today):
    """Any day but the first of a quarter queues nothing."""
    _meeting(AreaFactory(), today.replace(day=1))

    assert report_runs_schedule(today=today) == []
    assert ReportRun.objects.count() == 0


def test_running_the_scheduler_twice_makes_nothing_new():
    """A second run on 1 April (a beat restart, a manual call) finds the runs already scheduled."""
    _meeting(AreaFactory(slug="north"), date(2021, 1, 5))

    first = report_runs_schedule(today=date(2021, 4, 1))
    second = report_runs_schedule(today=date(2021, 4, 1))

    assert (len(first), second) == (2, [])
    assert ReportRun.objects.count() == 2


def test_a_run_someone_requested_does_not_stop_the_scheduled_one():
    """Only a scheduled run counts as already scheduled: an analyst's own 2020-21 run is another run."""
    from reporting.services import report_run_request

    report_run_request(actor=None, period="2020-21")

    runs = report_runs_schedule(today=date(2021, 4, 1))

    assert [(run.kind, run.scheduled) for run in runs] == [("annual", True)]
    assert ReportRun.objects.count() == 2
