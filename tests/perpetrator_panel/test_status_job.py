"""The nightly status job: panel cases go inactive on the rule's day (3 months with no incident reported to
any agency) with the exit score of that day, come back on a new incident, keep their status history, and a
second run the same day changes nothing. The clock is moved with time-machine."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from agencies.models import Agency
from perpetrator_panel.models import PanelCase, PanelConfiguration, StatusChange
from perpetrator_panel.services import panel_statuses_recompute
from perpetrator_panel.tasks import panel_statuses_recompute as panel_statuses_task
from tests.factories.agencies import AgencyFactory
from tests.factories.cases import add_incident, case_worker, make_case
from tests.factories.panel import open_panel_case, panel_member, perpetrator_with_history, police_agency

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOTHING = {"deactivated": 0, "reactivated": 0, "rescored": 0}


def on_day(time_machine, day: date, hour: int = 2) -> None:
    """Move the clock to the night of `day` (the job runs at 02:30)."""
    time_machine.move_to(datetime.combine(day, time(hour, 30), tzinfo=LONDON), tick=False)


@pytest.fixture
def history(time_machine):
    """On 1 January 2026: a perpetrator with incidents that day (victim A) and on 1 December 2025 (victim
    B), recorded by the police, and a panel case opened that day."""
    on_day(time_machine, date(2026, 1, 1), hour=10)
    recorder = case_worker(police_agency())
    perpetrator, cases = perpetrator_with_history(recorder=recorder, incidents=((0, 0), (1, 31)))
    member = panel_member()
    panel_case = open_panel_case(member, perpetrator=perpetrator, cases=cases)
    return panel_case, recorder, cases


def changes(panel_case: PanelCase) -> list[tuple[date, str, Decimal]]:
    return list(StatusChange.objects.filter(panel_case=panel_case).values_list("on", "status", "score"))


def test_the_opening_is_the_first_row_of_the_history(history):
    """Opening writes the first status row: active, on the day taken, with the entry score."""
    panel_case, _, _ = history
    # Entry on 1 January: latest 0 days (10), 2 x 2, 1 + 1, 2 x 5 = 26.
    assert panel_case.entry_score == Decimal("26.00")
    assert changes(panel_case) == [(date(2026, 1, 1), "active", Decimal("26.00"))]
    row = StatusChange.objects.get(panel_case=panel_case)
    assert (row.reason, row.last_incident_on) == ("Taken by the panel.", date(2026, 1, 1))


def test_active_to_31_march_inactive_on_1_april(history, time_machine):
    """Last incident 1 January: the job keeps the case active on 31 March and closes it on 1 April, with
    the rule's day, its reason, and the exit score of 1 April (latest 90 days: 7, 2 x 2, 1 + 1, 2 x 5 = 23)."""
    panel_case, _, _ = history
    on_day(time_machine, date(2026, 3, 31))
    assert panel_statuses_recompute() == {"deactivated": 0, "reactivated": 0, "rescored": 1}
    panel_case.refresh_from_db()
    assert panel_case.status == PanelCase.Status.ACTIVE
    assert (panel_case.score_now_on, panel_case.score_now) == (date(2026, 3, 31), Decimal("23.00"))

    on_day(time_machine, date(2026, 4, 1))
    assert panel_statuses_recompute() == {"deactivated": 1, "reactivated": 0, "rescored": 1}
    panel_case.refresh_from_db()
    assert panel_case.status == PanelCase.Status.INACTIVE
    assert panel_case.exited_on == panel_case.status_changed_on == date(2026, 4, 1)
    assert panel_case.exit_score == Decimal("23.00")
    row = StatusChange.objects.filter(panel_case=panel_case).last()
    assert (row.on, row.status, row.score, row.last_incident_on) == (
        date(2026, 4, 1),
        "inactive",
        Decimal("23.00"),
        date(2026, 1, 1),
    )
    assert row.reason == "No incident reported to any agency for 3 months (since 1 January 2026)."


def test_a_second_run_the_same_day_changes_nothing(history, time_machine):
    """Run twice on 1 April: the second run returns zeros, writes no row and leaves updated_at alone."""
    panel_case, _, _ = history
    on_day(time_machine, date(2026, 4, 1))
    panel_statuses_recompute()
    panel_case.refresh_from_db()
    rows, updated_at, versions = StatusChange.objects.count(), panel_case.updated_at, panel_case.history.count()
    time_machine.move_to(datetime(2026, 4, 1, 3, 0, tzinfo=LONDON), tick=False)
    assert panel_statuses_recompute() == NOTHING
    panel_case.refresh_from_db()
    assert StatusChange.objects.count() == rows == 2
    assert panel_case.updated_at == updated_at
    assert panel_case.history.count() == versions


def test_a_second_run_while_active_changes_nothing(history, time_machine):
    """Run twice on 10 February while active: the second returns zeros and changes nothing."""
    panel_case, _, _ = history
    on_day(time_machine, date(2026, 2, 10))
    assert panel_statuses_recompute() == {"deactivated": 0, "reactivated": 0, "rescored": 1}
    panel_case.refresh_from_db()
    updated_at, history_rows = panel_case.updated_at, panel_case.history.count()
    assert panel_statuses_recompute() == NOTHING
    panel_case.refresh_from_db()
    assert (panel_case.updated_at, panel_case.history.count()) == (updated_at, history_rows)
    assert StatusChange.objects.count() == 1


def test_a_late_run_still_closes_on_the_rules_day(history):
    """Run first on 20 April (the job missed some nights): the case closed on 1 April, with 1 April's score."""
    panel_case, _, _ = history
    assert panel_statuses_recompute(today=date(2026, 4, 20))["deactivated"] == 1
    panel_case.refresh_from_db()
    assert (panel_case.exited_on, panel_case.exit_score) == (date(2026, 4, 1), Decimal("23.00"))
    # The score now is 20 April's: latest 109 days (5), 2 x 2, 1 + 1, 2 x 5 = 21.
    assert (panel_case.score_now, panel_case.score_now_on) == (Decimal("21.00"), date(2026, 4, 20))


def test_a_new_incident_reactivates_and_the_history_is_kept(history, time_machine):
    """Closed on 1 April; an incident on 10 April (recorded through the incident service) makes it active
    again on 10 April with its row and the exit cleared; with nothing more it closes again on 10 July."""
    panel_case, recorder, cases = history
    on_day(time_machine, date(2026, 4, 1))
    panel_statuses_recompute()
    on_day(time_machine, date(2026, 4, 10), hour=9)
    add_incident(recorder, cases[0], occurred_on=date(2026, 4, 10), perpetrator=panel_case.perpetrator)
    assert panel_statuses_recompute() == {"deactivated": 0, "reactivated": 1, "rescored": 1}
    panel_case.refresh_from_db()
    assert panel_case.status == PanelCase.Status.ACTIVE
    assert (panel_case.exited_on, panel_case.exit_score) == (None, None)
    assert panel_case.status_changed_on == date(2026, 4, 10)
    assert panel_case.last_incident_on == date(2026, 4, 10)
    # 10 April: latest 0 days (10), 3 x 2, 1 + 1 + 1, 2 x 5 = 29.
    row = StatusChange.objects.filter(panel_case=panel_case).last()
    assert (row.on, row.status, row.score, row.reason) == (
        date(2026, 4, 10),
        "active",
        Decimal("29.00"),
        "New incident on 10 April 2026.",
    )
    assert panel_statuses_recompute() == NOTHING

    on_day(time_machine, date(2026, 7, 9))
    assert panel_statuses_recompute()["deactivated"] == 0
    on_day(time_machine, date(2026, 7, 10))
    assert panel_statuses_recompute()["deactivated"] == 1
    panel_case.refresh_from_db()
    assert panel_case.exited_on == date(2026, 7, 10)
    assert [(on, status) for on, status, _ in changes(panel_case)] == [
        (date(2026, 1, 1), "active"),
        (date(2026, 4, 1), "inactive"),
        (date(2026, 4, 10), "active"),
        (date(2026, 7, 10), "inactive"),
    ]


def test_an_incident_recorded_late_reactivates_from_the_exit_day(history, time_machine):
    """Closed on 1 April; on 5 April the police record an incident of 20 March: the case is active again
    (until 20 June), its new row dated no earlier than the exit, and it closes again on 20 June."""
    panel_case, recorder, cases = history
    on_day(time_machine, date(2026, 4, 1))
    panel_statuses_recompute()
    on_day(time_machine, date(2026, 4, 5), hour=9)
    add_incident(recorder, cases[0], occurred_on=date(2026, 3, 20), perpetrator=panel_case.perpetrator)
    assert panel_statuses_recompute()["reactivated"] == 1
    panel_case.refresh_from_db()
    assert (panel_case.status, panel_case.status_changed_on) == ("active", date(2026, 4, 1))
    row = StatusChange.objects.filter(panel_case=panel_case).last()
    assert (row.on, row.status, row.reason) == (date(2026, 4, 1), "active", "New incident on 20 March 2026.")
    assert panel_statuses_recompute(today=date(2026, 6, 19))["deactivated"] == 0
    assert panel_statuses_recompute(today=date(2026, 6, 20))["deactivated"] == 1
    panel_case.refresh_from_db()
    assert panel_case.exited_on == date(2026, 6, 20)


def test_an_incident_against_a_new_victim_in_another_agency_reactivates(history, time_machine):
    """Any agency counts: an incident reported to a housing agency in a new case re-activates."""
    panel_case, _, _ = history
    on_day(time_machine, date(2026, 4, 1))
    panel_statuses_recompute()
    on_day(time_machine, date(2026, 5, 2), hour=9)
    housing = case_worker(AgencyFactory(kind=Agency.Kind.HOUSING))
    case = make_case(housing, perpetrators=[panel_case.perpetrator])
    add_incident(housing, case, occurred_on=date(2026, 5, 1))
    assert panel_statuses_recompute()["reactivated"] == 1
    panel_case.refresh_from_db()
    assert (panel_case.status, panel_case.status_changed_on) == ("active", date(2026, 5, 1))


def test_a_newer_active_panel_case_prevents_reactivating_the_old_one(history, time_machine):
    """Closed on 1 April; a new panel case opened for him on 5 April; an incident on 10 April keeps the old
    one closed (the new one carries it)."""
    panel_case, recorder, cases = history
    on_day(time_machine, date(2026, 4, 1))
    panel_statuses_recompute()
    on_day(time_machine, date(2026, 4, 5), hour=10)
    newer = open_panel_case(panel_member(), perpetrator=panel_case.perpetrator, reasons=["high_harm"])
    on_day(time_machine, date(2026, 4, 10), hour=10)
    add_incident(recorder, cases[1], occurred_on=date(2026, 4, 10), perpetrator=panel_case.perpetrator)
    result = panel_statuses_recompute()
    assert (result["deactivated"], result["reactivated"]) == (0, 0)
    panel_case.refresh_from_db()
    newer.refresh_from_db()
    assert (panel_case.status, newer.status) == ("inactive", "active")
    assert panel_case.last_incident_on == newer.last_incident_on == date(2026, 4, 10)
    assert [status for _, status, _ in changes(panel_case)] == ["active", "inactive"]
    assert panel_statuses_recompute() == NOTHING


def test_with_two_closed_panel_cases_the_newer_one_reactivates(history, time_machine):
    """Both his panel cases closed (1 April and 5 July); an incident on 10 July re-activates the newer one,
    not the old one."""
    panel_case, recorder, cases = history
    on_day(time_machine, date(2026, 4, 1))
    panel_statuses_recompute()
    on_day(time_machine, date(2026, 4, 5), hour=10)
    newer = open_panel_case(panel_member(), perpetrator=panel_case.perpetrator, reasons=["high_harm"])
    on_day(time_machine, date(2026, 7, 5))
    assert panel_statuses_recompute()["deactivated"] == 1
    on_day(time_machine, date(2026, 7, 10), hour=10)
    add_incident(recorder, cases[0], occurred_on=date(2026, 7, 10), perpetrator=panel_case.perpetrator)
    assert panel_statuses_recompute()["reactivated"] == 1
    panel_case.refresh_from_db()
    newer.refresh_from_db()
    assert (panel_case.status, newer.status) == ("inactive", "active")
    assert panel_statuses_recompute() == NOTHING


def test_opened_after_the_last_incident_counts_from_the_opening(time_machine):
    """Last incident 1 January, taken 1 February: active on 30 April, closed on 1 May."""
    on_day(time_machine, date(2026, 2, 1), hour=10)
    perpetrator, cases = perpetrator_with_history(incidents=((0, 31), (1, 40)))
    panel_case = open_panel_case(perpetrator=perpetrator, cases=cases)
    assert panel_statuses_recompute(today=date(2026, 4, 30))["deactivated"] == 0
    assert panel_statuses_recompute(today=date(2026, 5, 1))["deactivated"] == 1
    panel_case.refresh_from_db()
    assert panel_case.exited_on == date(2026, 5, 1)
    row = StatusChange.objects.filter(panel_case=panel_case).last()
    assert row.reason == "No incident reported to any agency for 3 months (since 1 January 2026)."


def test_month_end_last_incident_closes_at_the_end_of_february(time_machine):
    """Last incident 30 November 2027: active on 28 February 2028, closed on 29 February (a leap year)."""
    on_day(time_machine, date(2027, 11, 30), hour=10)
    perpetrator, cases = perpetrator_with_history(incidents=((0, 0), (1, 3)))
    panel_case = open_panel_case(perpetrator=perpetrator, cases=cases)
    assert panel_statuses_recompute(today=date(2028, 2, 28))["deactivated"] == 0
    assert panel_statuses_recompute(today=date(2028, 2, 29))["deactivated"] == 1
    panel_case.refresh_from_db()
    assert panel_case.exited_on == date(2028, 2, 29)


def test_the_configured_months_decide(history):
    """With inactive_after_months set to 1, the case closes on 1 February."""
    panel_case, _, _ = history
    PanelConfiguration.objects.update(inactive_after_months=1)
    assert panel_statuses_recompute(today=date(2026, 1, 31))["deactivated"] == 0
    assert panel_statuses_recompute(today=date(2026, 2, 1))["deactivated"] == 1
    panel_case.refresh_from_db()
    assert panel_case.exited_on == date(2026, 2, 1)
    row = StatusChange.objects.filter(panel_case=panel_case).last()
    assert row.reason == "No incident reported to any agency for 1 month (since 1 January 2026)."


def test_the_task_runs_the_job_through_the_celery_app(history, time_machine):
    """The task (eager in tests) runs the job and returns its counts; run again it changes nothing."""
    panel_case, _, _ = history
    on_day(time_machine, date(2026, 4, 1))
    assert panel_statuses_task.delay().get() == {"deactivated": 1, "reactivated": 0, "rescored": 1}
    assert panel_statuses_task.apply_async().get() == NOTHING
    panel_case.refresh_from_db()
    assert panel_case.status == PanelCase.Status.INACTIVE
    assert timezone.localdate() == date(2026, 4, 1)


def test_the_task_is_scheduled_nightly():
    """Celery beat runs the task every night."""
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert panel_statuses_task.name in tasks


def test_run_every_night_for_half_a_year(history, time_machine):
    """Run every night from 2 January to 31 July (twice a night), with a new incident on 10 April: the case
    closes on 1 April, comes back on 10 April and closes on 10 July, and nothing else; each second run of a
    night changes nothing."""
    panel_case, recorder, cases = history
    on_day(time_machine, date(2026, 4, 10), hour=9)
    add_incident(recorder, cases[0], occurred_on=date(2026, 4, 10), perpetrator=panel_case.perpetrator)
    on_day(time_machine, date(2026, 7, 31), hour=9)
    seen = []
    night = date(2026, 1, 2)
    while night <= date(2026, 7, 31):
        first = panel_statuses_recompute(today=night)
        assert panel_statuses_recompute(today=night) == NOTHING, night
        if first["deactivated"] or first["reactivated"]:
            seen.append((night, "inactive" if first["deactivated"] else "active"))
        night += timedelta(days=1)
    assert seen == [(date(2026, 4, 1), "inactive"), (date(2026, 4, 10), "active"), (date(2026, 7, 10), "inactive")]
    assert [(on, status) for on, status, _ in changes(panel_case)] == [
        (date(2026, 1, 1), "active"),
        *seen,
    ]
