"""The annual report in a real browser: an IDVA manager runs the report for a financial year, watches it
finish, reads the charts and their tables and downloads the CSV, XLSX and PDF; a refuge submits a service
return. An axe check on every page visited, and the forms used by keyboard."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from agencies.models import Agency, Role
from audit.models import AccessLog
from reporting.models import ReportRun, ServiceReturn
from tests.dasv.test_celery_worker import worker  # noqa: F401 (the real-worker fixture)
from tests.e2e.test_cases import _follow, _sign_in, _type_into
from tests.e2e.test_referrals import _choose, _fill_date, _sign_out
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import idva_service
from tests.reporting.test_views import year_of_data

pytestmark = pytest.mark.e2e

NOW = datetime(2021, 6, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))
REFERRALS = 18  # 6 a month in April, May and June 2020: shown, not suppressed
FINANCIAL_YEAR = "A financial year (April to March)"


def _manager():
    county = year_of_data(referrals=REFERRALS, incidents=REFERRALS, per_month=6)
    return UserFactory(
        agency=idva_service(county), roles=[Role.IDVA_MANAGER], given_name="Morwenna", family_name="Trevail"
    )


def _run_the_report(ui) -> None:
    """From the home page: Reports, a financial year (the last complete one is chosen), run it; by keyboard."""
    page = ui.page
    _follow(ui, page.get_by_role("link", name="Reports", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    _choose(page, "Which period?", FINANCIAL_YEAR)
    expect(page.get_by_label("If a financial year: which year")).to_have_value("2020")
    page.get_by_label("Area").focus()
    page.keyboard.press("Tab")  # on to the button
    _follow(ui, page.get_by_role("button", name="Run the report"))


def _check_the_report(ui) -> None:
    """The report: headline figures, three charts each with its table, the tables, the suppression note."""
    page = ui.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Annual report 2020-21")
    headlines = page.locator("#headlines")
    expect(headlines.get_by_text("IDVA referrals", exact=True)).to_be_visible()
    expect(headlines).to_contain_text(str(REFERRALS))
    charts = page.locator("figure.app-chart")
    expect(charts).to_have_count(3)
    for index in range(3):
        chart = charts.nth(index)
        expect(chart.locator("svg")).to_have_count(1)
        expect(chart.locator("svg")).to_have_attribute("role", "img")
        caption = chart.locator("figcaption").inner_text()
        expect(page.get_by_role("table", name=f"{caption}: the figures")).to_be_visible()
    by_month = page.get_by_role("table", name="IDVA referrals by month").first
    expect(by_month.get_by_role("row", name="April 2020 6")).to_be_visible()
    expect(page.get_by_role("table", name="IDVA referrals by referring agency")).to_contain_text("Demo Police")
    expect(page.get_by_text("Counts below 5 are shown as 'fewer than 5'")).to_be_visible()


def _download(ui, label: str) -> Path:
    page = ui.page
    with page.expect_download() as info:
        page.get_by_role("link", name=f"Download the report ({label})").press("Enter")
    download = info.value
    path = Path(download.path())
    assert path.stat().st_size > 0, f"the {label} is empty"
    assert download.suggested_filename == f"annual-report-2020-21-partnership.{label.lower()}"
    return path


def test_manager_runs_the_annual_report_reads_it_and_downloads_it(ui):
    """Reports -> a financial year -> run -> the report with its charts and tables -> CSV, XLSX and PDF."""
    with time_machine.travel(NOW, tick=True):
        manager = _manager()
        _sign_in(ui, manager)
        _run_the_report(ui)
        run = ReportRun.objects.get()
        assert run.status == ReportRun.Status.DONE  # eager Celery: done within the POST
        _check_the_report(ui)

        rows = list(csv.DictReader(io.StringIO(_download(ui, "CSV").read_text(encoding="utf-8-sig"))))
        referrals = next(row for row in rows if row["Path"] == "idva.referrals")
        assert referrals["Value"] == str(REFERRALS)
        assert _download(ui, "XLSX").read_bytes().startswith(b"PK")
        assert _download(ui, "PDF").read_bytes().startswith(b"%PDF")
        exports = AccessLog.objects.filter(action=AccessLog.Action.EXPORT, user=manager)
        assert sorted(log.detail["format"] for log in exports) == ["csv", "pdf", "xlsx"]

        # The run is in the history, and its page opens from there.
        _follow(ui, ui.page.get_by_role("link", name="Reports", exact=True))
        history = ui.page.get_by_role("table", name="1 run, newest first")
        expect(history).to_contain_text("Morwenna Trevail")
        expect(history).to_contain_text("Done")
        _follow(ui, history.get_by_role("link", name="Annual report 2020-21"))
        expect(ui.page.get_by_role("heading", level=1)).to_have_text("Annual report 2020-21")


def test_a_bad_period_is_explained_and_nothing_runs(ui):
    """A range of days with no last day: the error summary links to the field, and no run is queued."""
    with time_machine.travel(NOW, tick=True):
        _sign_in(ui, _manager())
        page = ui.page
        _follow(ui, page.get_by_role("link", name="Reports", exact=True))
        _choose(page, "Which period?", "A range of days")
        _fill_date(page, "If a range of days: first day", date(2020, 4, 1))
        _follow(ui, page.get_by_role("button", name="Run the report"))
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Enter the last day of the period")
        expect(page.locator("#id_end_error")).to_contain_text("Enter the last day of the period")
        assert not ReportRun.objects.exists()


@pytest.mark.worker
def test_the_run_page_follows_a_real_worker_until_the_report_shows(ui, worker, monkeypatch):  # noqa: F811
    """With a real worker over Redis, the run page shows the progress panel, polls it with htmx, and
    reloads into the report once the worker has finished."""
    from reporting.tasks import report_run_execute_task

    # The run's task is held until the page shows the run queued, then sent to the test worker's queue.
    held: list[tuple] = []
    monkeypatch.setattr(report_run_execute_task, "delay", lambda *args, **kwargs: held.append((args, kwargs)))
    manager = _manager()
    _sign_in(ui, manager)
    page = ui.page
    _follow(ui, page.get_by_role("link", name="Reports", exact=True))
    # The years offered are today's: choose 2020-21 from the list.
    _choose(page, "Which period?", FINANCIAL_YEAR)
    page.get_by_label("If a financial year: which year").select_option("2020")
    _follow(ui, page.get_by_role("button", name="Run the report"))
    run = ReportRun.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annual report 2020-21")
    expect(page.get_by_role("heading", name="Waiting to start")).to_be_visible()
    expect(page.get_by_role("progressbar", name="0% done")).to_be_visible()
    # htmx asks for the panel again every 2 seconds; nothing changes while the run waits.
    with page.expect_response(lambda response: response.url.endswith(f"/reports/runs/{run.pk}/progress/")):
        pass
    assert held == [((run.pk,), {})]
    report_run_execute_task.apply_async(held[0][0], held[0][1], queue=worker)
    # The worker computes it; the next poll answers HX-Refresh and the page reloads into the report.
    expect(page.get_by_role("heading", name="Headline figures")).to_be_visible(timeout=90_000)
    ui.check()
    run.refresh_from_db()
    assert run.status == ReportRun.Status.DONE
    assert run.started_at is not None
    _check_the_report(ui)


def test_a_refuge_submits_a_service_return(ui):
    """A refuge worker opens Service returns, submits the women housed in a year by keyboard, and sees it
    listed with a success message."""
    with time_machine.travel(NOW, tick=True):
        county = year_of_data(referrals=0, incidents=0)
        refuge = AgencyFactory(name="Demo Refuge", slug="demo-refuge", kind=Agency.Kind.REFUGE, areas=[county])
        worker_user = UserFactory(agency=refuge, roles=[Role.AGENCY_REP], given_name="Carys", family_name="Pengelly")
        _sign_in(ui, worker_user)
        page = ui.page
        _follow(ui, page.get_by_role("link", name="Service returns", exact=True))
        expect(page.get_by_text("No returns yet.")).to_be_visible()
        _follow(ui, page.get_by_role("link", name="Submit a return"))
        page.get_by_label("Figure").select_option(label="Women housed in refuge")
        page.get_by_label("Area it covers").select_option(label="Demo County")
        _fill_date(page, "First day of the period", date(2020, 4, 1))
        _fill_date(page, "Last day of the period", date(2021, 3, 31))
        _type_into(page, "Value", "84")
        page.keyboard.press("Tab")
        page.keyboard.type("Two refuges.")
        _follow(ui, page.get_by_role("button", name="Submit the return"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Service returns")
        expect(page.get_by_role("alert")).to_contain_text("Women housed in refuge: 84 for Demo County")
        expect(page.get_by_role("table", name="1 return, latest period first")).to_contain_text("Two refuges.")
        saved = ServiceReturn.objects.get()
        assert (saved.agency, saved.value, saved.submitted_by) == (refuge, 84, worker_user)
        _sign_out(ui)
