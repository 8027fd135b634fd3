"""The reporting services: requesting a run (validation, who may), executing it safely more than once
(claim, progress, the first finisher wins, failures), service returns and population estimates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError

from agencies.actors import ApiKeyActor
from agencies.models import Agency, Role
from reporting import figures
from reporting.models import PopulationEstimate, ReportRun, ServiceMetric, ServiceReturn
from reporting.services import (
    population_estimates_load,
    report_run_execute,
    report_run_request,
    service_return_submit,
)
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory, api_key_for
from tests.factories.reporting import PopulationEstimateFactory, provider_agency, report_run, report_user

pytestmark = pytest.mark.django_db


def _fake_report(document: dict[str, Any] | None = None, *, seen: list | None = None):
    """A stand-in for figures.annual_report that reports progress twice and returns `document`."""

    def annual_report(*, period, area, today=None, on_progress=None):
        on_progress(30, "IDVA referrals")
        if seen is not None:
            seen.append(ReportRun.objects.values_list("status", "progress", "step").get())
        on_progress(80, "Police")
        return document or {"period": period.as_dict(), "area": area.slug if area else None}

    return annual_report


# --- Requesting -------------------------------------------------------------------------------------


def test_a_request_records_the_run_and_what_was_asked(django_capture_on_commit_callbacks, monkeypatch):
    """An analyst's request stores the period as given and as resolved, the area and who asked; the task is
    sent only when the transaction commits."""
    monkeypatch.setattr(figures, "annual_report", _fake_report())
    area = AreaFactory(slug="demo-county")
    analyst = report_user()

    with django_capture_on_commit_callbacks() as callbacks:
        run = report_run_request(actor=analyst, period=" 2020-21 ", area="demo-county")

    assert len(callbacks) == 1
    assert (run.status, run.kind, run.period_label) == ("queued", "annual", "2020-21")
    assert (run.period_start, run.period_end) == (date(2020, 4, 1), date(2021, 3, 31))
    assert run.parameters == {"period": "2020-21", "area": "demo-county"}
    assert (run.area, run.requested_by, run.requested_by_agency) == (area, analyst, analyst.agency)
    assert run.scheduled is False


@pytest.mark.parametrize(
    ("period", "area", "field"),
    [
        ("2020-22", None, "period"),
        ("next year", None, "period"),
        ("2021-04-01:2020-03-31", None, "period"),
        ("2020-21", "no-such-area", "area"),
    ],
)
def test_a_bad_period_or_area_is_a_field_error_and_writes_nothing(period, area, field):
    """A period that cannot be read, or an unknown area, names the field; no run is made."""
    with pytest.raises(ValidationError) as raised:
        report_run_request(actor=report_user(), period=period, area=area)

    assert field in raised.value.message_dict
    assert ReportRun.objects.count() == 0


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        ([Role.ANALYST], True),
        ([Role.IDVA_MANAGER], True),
        ([Role.PARTNERSHIP_ADMIN], True),
        ([Role.IDVA], False),
        ([Role.MARAC_COORDINATOR], False),
        ([], False),
    ],
)
def test_who_may_request_a_run(roles, allowed):
    """Only the report roles (and agencies' keys, and the system) may request a run."""
    user = UserFactory(roles=roles)
    if allowed:
        assert report_run_request(actor=user, period="2020-21").pk
    else:
        with pytest.raises(PermissionDenied):
            report_run_request(actor=user, period="2020-21")
        assert ReportRun.objects.count() == 0


def test_an_agency_key_requests_a_run_for_its_agency():
    """A run requested with an agency's key belongs to that agency and to no user."""
    agency = AgencyFactory()
    api_key, _ = api_key_for(agency)

    run = report_run_request(actor=ApiKeyActor(api_key=api_key), period="2020-04-01:2020-09-30")

    assert (run.requested_by, run.requested_by_agency, run.period_label) == (None, agency, "1 Apr 2020 to 30 Sep 2020")


# --- Executing --------------------------------------------------------------------------------------


def test_execution_claims_reports_progress_and_stores_the_result(monkeypatch):
    """The run is running (one attempt) while it computes, with each step's progress written as it goes;
    then it is done at 100% with the result and when it finished."""
    seen: list = []
    monkeypatch.setattr(figures, "annual_report", _fake_report({"figures": 1}, seen=seen))
    run = report_run(status=ReportRun.Status.QUEUED)

    done = report_run_execute(run_id=run.pk)

    assert seen == [("running", 30, "IDVA referrals")]
    run.refresh_from_db()
    assert (run.status, run.progress, run.step, run.attempts, run.error) == ("done", 100, "Done", 1, "")
    assert run.result == {"figures": 1}
    assert run.started_at <= run.finished_at
    assert done.pk == run.pk


def test_a_done_run_is_left_alone(monkeypatch):
    """A redelivered task for a run already done changes nothing and computes nothing."""
    monkeypatch.setattr(figures, "annual_report", lambda **kwargs: pytest.fail("computed again"))
    run = report_run(status=ReportRun.Status.DONE, result={"kept": True}, attempts=1)
    before = ReportRun.objects.values().get(pk=run.pk)

    report_run_execute(run_id=run.pk)

    assert ReportRun.objects.values().get(pk=run.pk) == before


def test_a_run_left_running_by_a_lost_worker_is_computed_again(monkeypatch):
    """A run still marked running (its worker died) is claimed again: a second attempt, then done."""
    monkeypatch.setattr(figures, "annual_report", _fake_report({"again": True}))
    run = report_run(status=ReportRun.Status.RUNNING, attempts=1, progress=40, step="Police")

    report_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.attempts, run.result) == ("done", 2, {"again": True})


def test_the_first_worker_to_finish_wins(monkeypatch):
    """When another worker stores its result while this one computes, this one's result is dropped."""

    def finished_elsewhere(*, period, area, today=None, on_progress=None):
        ReportRun.objects.update(status="done", result={"winner": "other"}, progress=100)
        on_progress(90, "Late")  # a loser's progress does not touch a done run
        return {"winner": "this"}

    monkeypatch.setattr(figures, "annual_report", finished_elsewhere)
    run = report_run(status=ReportRun.Status.QUEUED)

    report_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.progress, run.result) == ("done", 100, {"winner": "other"})


def test_an_error_marks_the_run_failed_with_its_first_line_only(monkeypatch):
    """A bug in the figures marks the run failed with the error's type and first line (later lines may
    quote data), and is not raised again: retrying would fail the same way."""

    def broken(**kwargs):
        raise ValueError("cannot add up\nDETAIL: Key (name)=(Jane Smith)")

    monkeypatch.setattr(figures, "annual_report", broken)
    run = report_run(status=ReportRun.Status.QUEUED)

    report_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.error, run.result, run.attempts) == ("failed", "ValueError: cannot add up", None, 1)
    assert "Jane" not in run.error


def test_a_database_error_marks_the_run_failed_and_is_raised_for_a_retry(monkeypatch):
    """An OperationalError (a lost connection) marks the run failed and is raised again, so Celery retries;
    the retry claims the failed run again and finishes it."""
    calls = []

    def flaky(*, period, area, today=None, on_progress=None):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return {"ok": True}

    monkeypatch.setattr(figures, "annual_report", flaky)
    run = report_run(status=ReportRun.Status.QUEUED)

    with pytest.raises(OperationalError):
        report_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "OperationalError: server closed the connection unexpectedly")

    report_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.error, run.attempts, run.result) == ("done", "", 2, {"ok": True})


def test_a_safelives_run_stores_the_safelives_document(monkeypatch):
    """A SafeLives quarterly run stores figures.safelives_document for its quarter and area."""
    area = AreaFactory()
    calls = []

    def document(*, period, area):
        calls.append((period.label, area))
        return {"period": period.as_dict(), "marac": {"safelives": {}}}

    monkeypatch.setattr(figures, "safelives_document", document)
    run = report_run(
        status=ReportRun.Status.QUEUED, kind=ReportRun.Kind.SAFELIVES_QUARTERLY, period="2020-21 Q3", area=area
    )

    report_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert calls == [("2020-21 Q3", area)]
    assert (run.status, run.result["period"]["start"]) == ("done", "2020-10-01")


def test_with_eager_celery_the_run_is_computed_when_the_request_commits(
    django_capture_on_commit_callbacks, monkeypatch
):
    """With no broker (tests, make run) the task runs in-process as the request's transaction commits."""
    monkeypatch.setattr(figures, "annual_report", _fake_report({"eager": True}))

    with django_capture_on_commit_callbacks(execute=True):
        run = report_run_request(actor=None, period="2020-21")

    run.refresh_from_db()
    assert (run.status, run.result, run.attempts) == ("done", {"eager": True}, 1)


# --- Service returns --------------------------------------------------------------------------------


def _refuge_worker() -> Any:
    return UserFactory(agency=provider_agency(Agency.Kind.REFUGE), roles=[Role.AGENCY_REP])


def test_a_provider_submits_a_return_and_submitting_again_replaces_it():
    """A refuge's worker records women housed for a quarter; the same again replaces the value."""
    worker = _refuge_worker()
    metric = ServiceMetric.objects.get(code="refuge_women_housed")
    area = worker.agency.areas.get()
    kwargs = {"metric": metric, "area": area, "period_start": date(2020, 4, 1), "period_end": date(2020, 6, 30)}

    first = service_return_submit(actor=worker, value=12, **kwargs)
    second = service_return_submit(actor=worker, value=14, notes="Corrected", **kwargs)

    assert first.pk == second.pk
    saved = ServiceReturn.objects.get()
    assert (saved.agency, saved.value, saved.notes, saved.submitted_by) == (worker.agency, 14, "Corrected", worker)


@pytest.mark.parametrize(
    ("code", "changes", "field"),
    [
        ("isva_referrals", {}, "metric"),
        ("refuge_women_housed", {"period_end": date(2020, 3, 31)}, "period_end"),
        ("refuge_women_housed", {"value": -1}, "value"),
    ],
)
def test_a_bad_return_is_a_field_error_and_writes_nothing(code, changes, field):
    """A metric the agency's kind does not report, a period ending before it starts or a negative value
    names the field; nothing is written."""
    worker = _refuge_worker()
    values = {
        "metric": ServiceMetric.objects.get(code=code),
        "area": worker.agency.areas.get(),
        "period_start": date(2020, 4, 1),
        "period_end": date(2020, 6, 30),
        "value": 3,
        **changes,
    }

    with pytest.raises(ValidationError) as raised:
        service_return_submit(actor=worker, **values)

    assert list(raised.value.message_dict) == [field]
    assert ServiceReturn.objects.count() == 0


def test_a_user_without_a_role_cannot_submit_a_return():
    """A user with no role at their agency may not submit."""
    user = UserFactory(agency=provider_agency(), roles=[])
    with pytest.raises(PermissionDenied):
        service_return_submit(
            actor=user,
            metric=ServiceMetric.objects.get(code="sarac_referrals"),
            area=user.agency.areas.get(),
            period_start=date(2020, 4, 1),
            period_end=date(2020, 6, 30),
            value=1,
        )


def test_a_partnership_administrator_keys_in_a_provider_s_return():
    """The partnership team records the figure a refuge sent them, as the refuge's return, checked against
    the metrics a refuge reports."""
    admin = UserFactory(agency=AgencyFactory(kind=Agency.Kind.OTHER), roles=[Role.PARTNERSHIP_ADMIN])
    refuge = provider_agency(Agency.Kind.REFUGE)
    kwargs = {"area": refuge.areas.get(), "period_start": date(2020, 4, 1), "period_end": date(2021, 3, 31)}

    saved = service_return_submit(
        actor=admin, agency=refuge, metric=ServiceMetric.objects.get(code="refuge_women_housed"), value=93, **kwargs
    )
    with pytest.raises(ValidationError) as raised:
        service_return_submit(
            actor=admin, agency=refuge, metric=ServiceMetric.objects.get(code="isva_referrals"), value=1, **kwargs
        )

    assert (saved.agency, saved.value, saved.submitted_by) == (refuge, 93, admin)
    assert list(raised.value.message_dict) == ["metric"]
    assert ServiceReturn.objects.count() == 1


def test_only_a_partnership_administrator_records_another_agency_s_return():
    """A refuge's worker may not record a return as another provider; nothing is written."""
    worker = _refuge_worker()
    other = provider_agency(Agency.Kind.REFUGE)
    with pytest.raises(PermissionDenied):
        service_return_submit(
            actor=worker,
            agency=other,
            metric=ServiceMetric.objects.get(code="refuge_women_housed"),
            area=other.areas.get(),
            period_start=date(2020, 4, 1),
            period_end=date(2021, 3, 31),
            value=5,
        )
    assert ServiceReturn.objects.count() == 0


# --- Population estimates ---------------------------------------------------------------------------


def _row(area: str, year: Any = "2020", all_ages: Any = "100000", adult_females: Any = "42000") -> dict[str, Any]:
    return {"area": area, "year": year, "all_ages": all_ages, "adult_females": adult_females, "source": "ONS"}


def test_population_estimates_are_created_and_updated():
    """New (area, year) rows are created and an existing one is updated."""
    area = AreaFactory(slug="north")
    PopulationEstimateFactory(area=area, year=2019, all_ages=1, adult_females=1)

    counts = population_estimates_load(rows=[_row("north", "2019", "99,500"), _row("north", "2020")])

    assert counts == {"created": 1, "updated": 1, "unchanged": 0}
    assert list(PopulationEstimate.objects.order_by("year").values_list("year", "all_ages", "adult_females")) == [
        (2019, 99_500, 42_000),
        (2020, 100_000, 42_000),
    ]


def test_loading_the_same_estimates_again_changes_nothing():
    """A second load of the same rows updates nothing and adds no change history."""
    AreaFactory(slug="north")
    rows = [_row("north", "2019"), _row("north", "2020")]
    population_estimates_load(rows=rows)
    history = PopulationEstimate.history.count()

    assert population_estimates_load(rows=rows) == {"created": 0, "updated": 0, "unchanged": 2}
    assert PopulationEstimate.history.count() == history


@pytest.mark.parametrize(
    ("bad", "field", "line"),
    [
        (_row("nowhere"), "area", 3),
        (_row("north", year="twenty"), "year", 3),
        (_row("north", year="1850"), "year", 3),
        (_row("north", all_ages="-5"), "all_ages", 3),
        (_row("north", adult_females="200000"), "adult_females", 3),
        (_row("north", year="2019"), "year", 3),
        ({"area": "north", "year": "2021", "all_ages": "", "adult_females": "1"}, "all_ages", 3),
    ],
)
def test_one_bad_population_row_writes_nothing_and_names_its_line(bad, field, line):
    """Any bad row (unknown area, a year that is not one, a negative or impossible count, a duplicate,
    a missing figure) refuses the whole load, naming the line and the field."""
    AreaFactory(slug="north")

    with pytest.raises(ValidationError) as raised:
        population_estimates_load(rows=[_row("north", "2019"), bad])

    assert list(raised.value.message_dict) == [field]
    assert raised.value.message_dict[field][0].startswith(f"Line {line}")
    assert PopulationEstimate.objects.count() == 0


def test_the_task_is_acknowledged_late_and_retries_database_errors_only():
    """The run task is acknowledged after it finishes (a lost worker's task is delivered again), retries an
    OperationalError up to three times with backoff, and has time limits below the visibility timeout."""
    from django.conf import settings

    from reporting.tasks import report_run_execute_task

    assert report_run_execute_task.acks_late is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert report_run_execute_task.autoretry_for == (OperationalError,)
    assert (report_run_execute_task.max_retries, report_run_execute_task.retry_backoff) == (3, True)
    assert report_run_execute_task.soft_time_limit < report_run_execute_task.time_limit
    assert report_run_execute_task.time_limit < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
