"""The reporting commands: `annual_report` prints the published document (the same as the API's `data`),
and `load_population` loads population estimates from CSV, all or nothing."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from audit.models import AccessLog
from reporting.disclosure import published
from reporting.models import PopulationEstimate, ReportRun
from tests.conftest import sign_in
from tests.factories.agencies import AreaFactory
from tests.factories.reporting import PopulationEstimateFactory, report_activity, report_user

pytestmark = pytest.mark.django_db


def _annual_report(*args: str) -> str:
    out = StringIO()
    call_command("annual_report", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_county():
    area = AreaFactory(slug="demo-county", name="Demo County")
    report_activity(area=area, first=date(2020, 5, 1), referrals=8, incidents=2)
    PopulationEstimateFactory(area=area, year=2020)
    return area


def test_the_command_prints_the_published_document_and_records_the_run(demo_county):
    """The JSON printed is the stored result as published (sorted keys); the run is recorded with no user,
    done, and the export is in the access log."""
    output = _annual_report("--period", "2020-21", "--area", "demo-county", "--format", "json")

    run = ReportRun.objects.get()
    document = json.loads(output)
    assert document == published(run.result, settings.DASV_DISCLOSURE_THRESHOLD)
    assert output == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert (run.status, run.requested_by, run.requested_by_agency, run.attempts) == ("done", None, None, 1)
    assert document["idva"]["referrals"] == 8
    assert document["period"] == {
        "start": "2020-04-01",
        "end": "2021-03-31",
        "label": "2020-21",
        "kind": "financial_year",
    }
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, object_id=str(run.pk)).count() == 1


def test_the_command_prints_what_the_api_answers_for_the_same_parameters(
    demo_county, client, django_capture_on_commit_callbacks
):
    """For the same period and area, the command's JSON equals the API's `data`."""
    from rest_framework.test import APIClient

    api = sign_in(APIClient(), report_user())
    with django_capture_on_commit_callbacks(execute=True):
        run_id = api.post(
            "/api/v1/reports/annual/", {"period": "2020-04-01:2021-03-31", "area": "demo-county"}, format="json"
        ).json()["id"]
    data = api.get(f"/api/v1/reports/annual/{run_id}/").json()["data"]

    output = _annual_report("--period", "2020-04-01:2021-03-31", "--area", "demo-county")

    assert data is not None
    assert json.loads(output) == data


def test_a_whole_partnership_report_by_range_of_days(demo_county):
    """Without --area the report covers the whole partnership; a range of days is a custom period."""
    document = json.loads(_annual_report("--period", "2020-04-01:2020-09-30"))

    assert document["area"] is None
    assert document["period"]["kind"] == "custom"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--period", "2020-22"), "period: 2020-22 is not a financial year"),
        (("--period", "last year"), "period: Enter a financial year"),
        (("--period", "2020-21", "--area", "atlantis"), "area: There is no area with the slug 'atlantis'"),
    ],
)
def test_a_bad_period_or_area_is_a_clear_error_and_records_nothing(args, message):
    """A period that cannot be read, or an unknown area, stops the command with the reason; no run."""
    with pytest.raises(CommandError, match=message):
        _annual_report(*args)
    assert ReportRun.objects.count() == 0


def test_a_failed_report_is_a_command_error(monkeypatch):
    """When the figures fail, the command says so (with the run's error) instead of printing."""

    def broken(**kwargs):
        raise ValueError("no figures")

    monkeypatch.setattr("reporting.figures.annual_report", broken)

    with pytest.raises(CommandError, match="ValueError: no figures"):
        _annual_report("--period", "2020-21")
    assert ReportRun.objects.get().status == "failed"


def test_the_command_prints_csv(demo_county):
    """--format csv prints the published document as CSV, one figure a line."""
    output = _annual_report("--period", "2020-21", "--area", "demo-county", "--format", "csv")

    assert output.splitlines()[0].startswith("Section,Table,Figure,Value")
    assert "idva.referrals" in output


# --- load_population --------------------------------------------------------------------------------


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "population.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _load(path: Path) -> str:
    out = StringIO()
    call_command("load_population", str(path), stdout=out)
    return out.getvalue()


def test_population_rows_are_loaded_and_existing_years_updated(tmp_path):
    """Rows are created, an existing (area, year) is updated, and the command says how many of each."""
    north = AreaFactory(slug="north")
    AreaFactory(slug="south")
    PopulationEstimateFactory(area=north, year=2019, all_ages=1, adult_females=0)
    path = _csv(
        tmp_path,
        "\ufeffarea,year,all_ages,adult_females,source\n"
        "north,2019,120000,51000,ONS mid-2019\n"
        "north,2020,121500,51600,ONS mid-2020\n"
        ",,,,\n"
        "south,2020,80000,33000,\n",
    )

    output = _load(path)

    assert "Loaded 3 population estimates (2 new, 1 updated, 0 unchanged)." in output
    assert list(
        PopulationEstimate.objects.order_by("area__slug", "year").values_list(
            "area__slug", "year", "all_ages", "adult_females", "source"
        )
    ) == [
        ("north", 2019, 120_000, 51_000, "ONS mid-2019"),
        ("north", 2020, 121_500, 51_600, "ONS mid-2020"),
        ("south", 2020, 80_000, 33_000, ""),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("north,2020,1,1,x\n", "Line 1 must be the header"),
        ("area,year,all_ages\nnorth,2020,1\n", "adult_females missing"),
        (
            "area,year,all_ages,adult_females,source\nnorth,2020,10,5,a\nnowhere,2020,10,5,b\n",
            "Line 3: there is no area",
        ),
        ("area,year,all_ages,adult_females,source\nnorth,2020,10,5,a\n\nnorth,2021,10,50,b\n", "Line 4: adult_females"),
        ("area,year,all_ages,adult_females,source\nnorth,20x0,10,5,a\n", "Line 2: year must be a whole number"),
    ],
)
def test_one_bad_row_loads_nothing_and_names_the_line_and_field(tmp_path, text, message):
    """A missing header or any bad row stops the load with its line and field; nothing is written."""
    AreaFactory(slug="north")

    with pytest.raises(CommandError, match=message):
        _load(_csv(tmp_path, text))
    assert PopulationEstimate.objects.count() == 0


def test_a_missing_file_is_a_clear_error(tmp_path):
    """A file that cannot be read is a CommandError naming it."""
    with pytest.raises(CommandError, match="Cannot read"):
        _load(tmp_path / "missing.csv")
