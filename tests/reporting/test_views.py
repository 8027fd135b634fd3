"""The report pages: running the annual report and the history of runs, a run's page (progress polled with
htmx, the error of a failed run, the published report once done) and its CSV, XLSX and PDF downloads."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Area, Role, User
from audit.models import AccessLog
from reporting.models import ReportRun
from reporting.rules import parse_period
from reporting.services import population_estimates_load, report_run_execute, report_run_request
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.cases import add_incident, case_worker, idva_service, make_case
from tests.factories.referrals import police_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2021, 6, 1, 12, 0, tzinfo=LONDON)
REPORT_ROLES = [Role.ANALYST, Role.IDVA_MANAGER, Role.PARTNERSHIP_ADMIN]
OTHER_ROLES = [Role.IDVA, Role.AGENCY_REP, Role.MARAC_COORDINATOR, Role.DHR_COORDINATOR, Role.PANEL_MEMBER]
REFERRALS = 7
NOT_A_DAY = {"end_day": "31", "end_month": "2", "end_year": "2021"}


def year_of_data(*, referrals: int = REFERRALS, incidents: int = 6, per_month: int = 1) -> Area:
    """A small year 2020-21 in "Demo County" (with its population estimate): police referrals to the IDVA
    service, `per_month` a month from April 2020 (all from one police force), and incidents reported to
    the police. Run it on or after 1 June 2021."""
    county = AreaFactory(name="Demo County", slug="demo-county")
    population_estimates_load(
        rows=[{"area": "demo-county", "year": 2020, "all_ages": 520_000, "adult_females": 215_000, "source": "Test"}]
    )
    idva_service(county)
    police = AgencyFactory(name="Demo Police", slug="demo-police", kind=Agency.Kind.POLICE, areas=[county])
    officer = case_worker(agency=police)
    for n in range(referrals):
        month = 4 + n // per_month
        case = make_case(officer, area=county, opened_on=date(2020, 4, 1))
        police_referral(referrer=officer, case=case, received_on=date(2020, month, 10 + n % per_month))
        if n < incidents:
            add_incident(officer, case, occurred_on=date(2020, month, 5))
    return county


def done_run(actor: User, *, period: str = "2020-21", area: str | None = None) -> ReportRun:
    """A run requested and computed now (the test's transaction never commits, so the task is run here)."""
    run = report_run_request(actor=actor, period=period, area=area)
    return report_run_execute(run_id=run.pk)


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _reporter(role: str = Role.ANALYST) -> User:
    return UserFactory(roles=[role])


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def analyst(now) -> User:
    return _reporter()


@pytest.fixture
def report(analyst) -> ReportRun:
    """The annual report 2020-21 of the whole partnership over a small year of data, done."""
    year_of_data()
    return done_run(analyst)


def _urls(run: ReportRun) -> dict[str, str]:
    return {
        "index": reverse("report-index"),
        "detail": reverse("report-run-detail", kwargs={"pk": run.pk}),
        "progress": reverse("report-run-progress", kwargs={"pk": run.pk}),
        "download": reverse("report-run-download", kwargs={"pk": run.pk, "fmt": "csv"}),
    }


# --- Who may open which page -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["index", "detail", "progress", "download"])
def test_anonymous_users_are_sent_to_sign_in(report, client, page):
    """Every report page asks an anonymous visitor to sign in."""
    response = client.get(_urls(report)[page])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", REPORT_ROLES)
@pytest.mark.parametrize("page", ["index", "detail", "download"])
def test_report_roles_open_the_pages(report, role, page):
    """Analysts, IDVA managers and partnership administrators open the reports, every run and its downloads
    (one history for the partnership, whoever ran it)."""
    assert _client(_reporter(role)).get(_urls(report)[page]).status_code == 200


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("page", ["index", "detail", "progress", "download"])
def test_other_roles_are_refused(report, role, page):
    """Any other role gets 403, whatever the run."""
    assert _client(case_worker(role=role)).get(_urls(report)[page]).status_code == 403


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_cannot_run_a_report(analyst, role):
    """A POST from another role is refused and writes nothing."""
    response = _client(case_worker(role=role)).post(
        reverse("report-index"), {"period_type": "financial_year", "financial_year": "2020"}
    )
    assert response.status_code == 403
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize("page", ["detail", "progress", "download"])
def test_a_run_that_does_not_exist_is_404(analyst, page):
    """A run id that is not there answers 404 (report roles see every run, so that is the only one)."""
    run = ReportRun(pk=999_999)
    assert _client(analyst).get(_urls(run)[page]).status_code == 404


# --- Running a report ----------------------------------------------------------------------------------------


def _dates(field: str, day: date) -> dict[str, str]:
    return {f"{field}_day": str(day.day), f"{field}_month": str(day.month), f"{field}_year": str(day.year)}


@pytest.mark.parametrize(
    ("answers", "period", "label"),
    [
        ({"period_type": "financial_year", "financial_year": "2020"}, "2020-21", "2020-21"),
        ({"period_type": "police_year", "police_year": "2018"}, "2017/18", "2017/18"),
        (
            {"period_type": "custom", **_dates("start", date(2020, 4, 1)), **_dates("end", date(2020, 9, 30))},
            "2020-04-01:2020-09-30",
            "1 Apr 2020 to 30 Sep 2020",
        ),
    ],
)
def test_running_a_report_queues_it_and_shows_its_page(
    analyst, django_capture_on_commit_callbacks, answers, period, label
):
    """Each kind of period becomes the period text of the run; the page of the new run follows, and the
    run (in-process here) is done."""
    county = year_of_data(referrals=2, incidents=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(analyst).post(reverse("report-index"), {**answers, "area": county.slug})
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("report-run-detail", kwargs={"pk": run.pk})
    assert (run.parameters, run.period_label, run.area, run.requested_by) == (
        {"period": period, "area": "demo-county"},
        label,
        county,
        analyst,
    )
    run.refresh_from_db()
    assert run.status == ReportRun.Status.DONE


def test_the_whole_partnership_is_the_default_area(analyst, django_capture_on_commit_callbacks):
    """Without an area the run covers the whole partnership."""
    with django_capture_on_commit_callbacks(execute=True):
        _client(analyst).post(reverse("report-index"), {"period_type": "financial_year", "financial_year": "2019"})
    run = ReportRun.objects.get()
    assert (run.area, run.parameters) == (None, {"period": "2019-20", "area": None})


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({}, "period_type", "Select which period the report covers"),
        ({"period_type": "financial_year", "financial_year": ""}, "financial_year", "Select the financial year"),
        ({"period_type": "police_year", "police_year": "1900"}, "police_year", "Select a valid choice"),
        ({"period_type": "custom", **_dates("start", date(2020, 4, 1))}, "end", "Enter the last day of the period"),
        (
            {
                "period_type": "custom",
                **_dates("start", date(2020, 4, 1)),
                "end_day": "31",
                "end_month": "2",
                "end_year": "2021",
            },
            "end",
            "must be a real date",
        ),
        (
            {"period_type": "custom", **_dates("start", date(2020, 4, 1)), **_dates("end", date(2020, 3, 1))},
            "start",
            "The period must end on or after the day it starts.",
        ),
        (
            {"period_type": "custom", **_dates("start", date(2010, 4, 1)), **_dates("end", date(2020, 3, 1))},
            "start",
            "at most five years",
        ),
        (
            {"period_type": "financial_year", "financial_year": "2020", "area": "atlantis"},
            "area",
            "Select a valid choice",
        ),
    ],
)
def test_a_bad_form_writes_nothing_and_says_what_is_wrong(analyst, answers, field, message):
    """The error is in the summary and next to its field; no run is queued."""
    response = _client(analyst).post(reverse("report-index"), answers)
    assert response.status_code == 200
    assert not ReportRun.objects.exists()
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert f'id="id_{field}_error"' in content


def test_the_form_offers_the_years_and_areas(analyst):
    """Financial years up to the current one (the last complete one chosen), police years, the areas."""
    AreaFactory(name="Demo County", slug="demo-county")
    content = _client(analyst).get(reverse("report-index")).content.decode()
    assert '<option value="2020" selected>2020-21 (April 2020 to March 2021)</option>' in content
    assert "2017/18 (December 2017 to November 2018)" in content
    assert '<option value="demo-county">Demo County</option>' in content
    assert "The whole partnership" in content


def test_the_history_lists_runs_newest_first_in_a_fixed_number_of_queries(analyst, time_machine):
    """What, period, area, who and status of each run, newest first; 3 runs or 9, the same number of
    queries, and the list is in the access log."""
    area = AreaFactory(name="Demo County", slug="demo-county")
    client = _client(analyst)
    url = reverse("report-index")

    def add_runs(count: int) -> None:
        for n in range(count):
            time_machine.shift(timedelta(minutes=1))
            run = report_run_request(actor=_reporter(), period=f"{2010 + n}-{(11 + n) % 100:02d}", area=area.slug)
            ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.DONE, result={})

    add_runs(3)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    add_runs(6)
    client.get(url)  # the session notes the time that has passed once, not in the count
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few), "\n".join(q["sql"][:200] for q in many.captured_queries)
    content = response.content.decode()
    assert content.index("2015-16") < content.index("2014-15") < content.index("2010-11")
    assert "Demo County" in content
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="reporting.reportrun").exists()


# --- A run's page and its progress ---------------------------------------------------------------------------


def _running(analyst: User, *, progress: int = 40, step: str = "MARAC figures") -> ReportRun:
    run = report_run_request(actor=analyst, period="2020-21")
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.RUNNING, progress=progress, step=step, started_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def test_a_running_report_shows_its_progress_and_polls(analyst):
    """The page of a running run has the progress panel, which htmx polls every 2 seconds."""
    run = _running(analyst)
    content = _client(analyst).get(reverse("report-run-detail", kwargs={"pk": run.pk})).content.decode()
    progress_url = reverse("report-run-progress", kwargs={"pk": run.pk})
    assert f'hx-get="{progress_url}"' in content
    assert 'hx-trigger="every 2s"' in content
    assert 'hx-swap="outerHTML"' in content
    assert '<progress id="run-progress-bar" class="app-progress" max="100" value="40">' in content
    assert "40% done: MARAC figures" in content
    assert "Download the report" not in content


def test_the_progress_fragment_answers_the_panel_while_running(analyst):
    """While the run works the fragment is the panel alone, with its percent and step."""
    run = _running(analyst, progress=65, step="Police incidents")
    response = _client(analyst).get(reverse("report-run-progress", kwargs={"pk": run.pk}), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert "HX-Refresh" not in response
    assert content.lstrip().startswith('<div id="run-progress"')
    assert "65% done: Police incidents" in content
    assert "<html" not in content


@pytest.mark.parametrize("status", [ReportRun.Status.DONE, ReportRun.Status.FAILED])
def test_the_progress_fragment_reloads_the_page_once_finished(analyst, status):
    """Once the run is done (or failed) the fragment tells htmx to reload the page, which shows the report."""
    run = _running(analyst)
    ReportRun.objects.filter(pk=run.pk).update(status=status)
    response = _client(analyst).get(reverse("report-run-progress", kwargs={"pk": run.pk}), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_a_failed_run_shows_its_error_and_can_be_run_again(analyst, django_capture_on_commit_callbacks):
    """The error message and a button that queues the same report again."""
    run = _running(analyst)
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.FAILED, error="OperationalError: gone away")
    client = _client(analyst)
    content = client.get(reverse("report-run-detail", kwargs={"pk": run.pk})).content.decode()
    assert "OperationalError: gone away" in content
    assert "Run it again" in content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report-run-again", kwargs={"pk": run.pk}))
    again = ReportRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == reverse("report-run-detail", kwargs={"pk": again.pk})
    assert again.parameters == run.parameters
    again.refresh_from_db()
    assert again.status == ReportRun.Status.DONE


def test_running_again_is_for_the_report_roles(analyst):
    """Another role cannot queue a run again."""
    run = _running(analyst)
    response = _client(case_worker()).post(reverse("report-run-again", kwargs={"pk": run.pk}))
    assert response.status_code == 403
    assert ReportRun.objects.count() == 1


# --- The report ------------------------------------------------------------------------------------------------


def test_the_report_shows_the_published_figures_charts_and_tables(report, analyst):
    """Headline figures, three charts each with its table, the breakdown tables with agency names, the
    suppression note and the downloads; no link to a case; the view is in the access log."""
    response = _client(analyst).get(reverse("report-run-detail", kwargs={"pk": report.pk}))
    content = response.content.decode()
    assert response.status_code == 200
    assert report.result["idva"]["referrals"] == REFERRALS
    assert "IDVA referrals" in content
    headline = next(item for item in response.context["headlines"] if item["key"] == "IDVA referrals")
    assert headline["value"] == str(REFERRALS)
    assert content.count("<svg") >= 3
    assert len(response.context["charts"]) == 3
    for chart in response.context["charts"]:
        assert f"{chart.caption}: the figures" in content
    captions = [table.caption for table in response.context["tables"]]
    for caption in (
        "IDVA referrals by month",
        "IDVA referrals by referring agency",
        "IDVA referrals by specialist post",
        "Outcomes of referrals closed",
        "MARAC by quarter",
        "Domestic abuse incidents and crimes by year",
        "Open reviews by stage",
    ):
        assert caption in captions
    assert "Demo Police" in content
    assert "Counts below 5 are shown as 'fewer than 5'" in content
    for fmt in ("csv", "xlsx", "pdf"):
        assert reverse("report-run-download", kwargs={"pk": report.pk, "fmt": fmt}) in content
    assert "/cases/" not in content
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, object_type="reporting.reportrun").exists()


def test_small_counts_are_shown_as_fewer_than_5(report, analyst):
    """The published document goes to the page: a month with 1 referral says "fewer than 5", never 1."""
    response = _client(analyst).get(reverse("report-run-detail", kwargs={"pk": report.pk}))
    months = next(table for table in response.context["tables"] if table.caption == "IDVA referrals by month")
    april = next(row for row in months.rows if row[0] == "April 2020")
    assert april[1] in ("fewer than 5", "suppressed")
    assert all(row[1] != "1" for row in months.rows)


def test_a_safelives_quarterly_run_shows_the_return(analyst):
    """A scheduled SafeLives quarterly run has no charts: its page is the return's table."""
    year_of_data(referrals=1, incidents=0)
    run = report_run_request(actor=None, period="2020-21 Q1", kind=ReportRun.Kind.SAFELIVES_QUARTERLY, scheduled=True)
    run = report_run_execute(run_id=run.pk)
    response = _client(analyst).get(reverse("report-run-detail", kwargs={"pk": run.pk}))
    assert response.status_code == 200
    assert response.context["charts"] == []
    assert [table.caption for table in response.context["tables"]] == ["SafeLives MARAC return for the period"]
    assert "Cases discussed" in response.content.decode()


def test_a_safelives_quarterly_run_is_published_with_suppression_and_exported(analyst):
    """The quarterly return goes through disclosure control like the annual report (2 cases discussed are
    "fewer than 5"), and its CSV holds the return's rows."""
    from tests.factories.reporting import report_run

    safelives = {
        "cases_discussed": 2,
        "repeat_cases": 0,
        "children": 3,
        "referrals_by_agency_kind": {"police": 2},
        "police_referrals": 2,
        "partner_referrals": 0,
        "police_percentage": 100.0,
        "partner_percentage": 0.0,
    }
    result = {"period": parse_period("2020-21 Q1").as_dict(), "area": None, "marac": {"safelives": safelives}}
    run = report_run(
        status=ReportRun.Status.DONE, period="2020-21 Q1", kind=ReportRun.Kind.SAFELIVES_QUARTERLY, result=result
    )
    page = _client(analyst).get(reverse("report-run-detail", kwargs={"pk": run.pk})).content.decode()
    assert "fewer than 5" in page
    response = _client(analyst).get(reverse("report-run-download", kwargs={"pk": run.pk, "fmt": "csv"}))
    rows = {row["Path"]: row["Value"] for row in csv.DictReader(io.StringIO(response.content.decode()))}
    assert rows["marac.safelives.cases_discussed"] == "fewer than 5"
    assert rows["marac.safelives.police_percentage"] == "suppressed"


def test_failed_service_checks_are_shown_as_withheld(analyst):
    """A total whose parts do not add up is withheld with the sum of its parts."""
    from reporting.views.report import Shown, failed_checks, services

    document = {
        "services": {"isva_service_referrals": None, "isva_referrals": 479, "chisva_referrals": 200},
        "service_metrics": {
            "isva_service_referrals": {"name": "New referrals to the ISVA service", "target": None},
            "isva_referrals": {"name": "ISVA referrals", "target": None},
            "chisva_referrals": {"name": "ChISVA referrals", "target": 150, "subset_of": "isva_service_referrals"},
        },
        "services_shares": {"chisva_referrals": 29.5},
        "service_checks": [
            {
                "metric": "isva_service_referrals",
                "kind": "parts",
                "total": 601,
                "parts_sum": 679,
                "parts": {"isva_referrals": 479, "chisva_referrals": 200},
                "ok": False,
                "message": "The parts add up to 679, not 601.",
            }
        ],
        "suppressed": {},
    }
    shown = Shown(document, 5)
    table = services(shown)
    assert table.rows[0] == ["New referrals to the ISVA service", "withheld: parts add up to 679", "", ""]
    assert table.rows[2] == ["ChISVA referrals", "200", "29.5% of new referrals to the ISVA service", "150"]
    assert failed_checks(shown) == ["The parts add up to 679, not 601."]


# --- Downloads -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("csv", "text/csv", b""),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
    ],
)
def test_downloads_are_the_published_report_and_are_logged(analyst, fmt, content_type, magic):
    """Each format with its content type and file name, from the stored result; each download is in the
    access log with its format."""
    county = year_of_data()
    run = done_run(analyst, area=county.slug)
    response = _client(analyst).get(reverse("report-run-download", kwargs={"pk": run.pk, "fmt": fmt}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="annual-report-2020-21-demo-county.{fmt}"'
    assert response.content.startswith(magic)
    assert len(response.content) > 100
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.object_type, log.object_id, log.detail, log.user_id) == (
        "reporting.reportrun",
        str(run.pk),
        {"format": fmt},
        analyst.pk,
    )


def test_the_csv_has_the_stored_figures(report, analyst):
    """Smoke check: the CSV's referrals line is the stored result's figure."""
    response = _client(analyst).get(reverse("report-run-download", kwargs={"pk": report.pk, "fmt": "csv"}))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    referrals = next(row for row in rows if row["Path"] == "idva.referrals")
    assert referrals["Value"] == str(report.result["idva"]["referrals"]) == str(REFERRALS)
    assert response["Content-Disposition"].endswith('annual-report-2020-21-partnership.csv"')


def test_the_xlsx_has_the_stored_figures(report, analyst):
    """Smoke check: the workbook opens and holds the referrals figure."""
    from openpyxl import load_workbook

    response = _client(analyst).get(reverse("report-run-download", kwargs={"pk": report.pk, "fmt": "xlsx"}))
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    values = [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert REFERRALS in values or str(REFERRALS) in values


def test_a_police_year_download_is_named_after_it(analyst):
    """2017/18 becomes 2017-18 in the file name."""
    run = done_run(analyst, period="2017/18")
    response = _client(analyst).get(reverse("report-run-download", kwargs={"pk": run.pk, "fmt": "csv"}))
    assert response["Content-Disposition"] == 'attachment; filename="annual-report-2017-18-partnership.csv"'


@pytest.mark.parametrize("fmt", ["csv", "docx"])
def test_no_download_of_an_unfinished_run_or_an_unknown_format(analyst, fmt):
    """A run still working has nothing to download (404), nor has any run an unknown format; no log row."""
    run = _running(analyst)
    if fmt == "docx":
        ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.DONE, result={})
    response = _client(analyst).get(reverse("report-run-download", kwargs={"pk": run.pk, "fmt": fmt}))
    assert response.status_code == 404
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()
