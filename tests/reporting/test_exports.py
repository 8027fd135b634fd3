"""Exports of a published annual report: CSV, XLSX and PDF carry every figure of the document, show
suppressed counts as such, and neutralise text a spreadsheet would run as a formula (acceptance item 4)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting import charts
from reporting.disclosure import display, published
from reporting.exports import (
    CSV_HEADER,
    HEADLINES,
    WITHHELD,
    XLSX_HEADER,
    Row,
    report_csv,
    report_pdf,
    report_rows,
    report_xlsx,
    rows_by_path,
)
from tests.reporting.documents import AGENCY_NAMES, annual_document

SECTIONS = ("idva", "marac", "police", "perpetrator_panel", "dhr")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return published(annual_document(), 5)


def figures(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every figure of the published document the exports must carry, by path: the scalar figures of each
    section and every breakdown, the trend table, the services and the service checks' numbers. A
    section's "<figure>_previous" and "<figure>_change_pct" are checked with their figure's row."""

    def leaves(node: Any, path: str) -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from leaves(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from leaves(value, f"{path}.{index}")
        elif node is None or (isinstance(node, int | float) and not isinstance(node, bool)):
            yield path, node

    for section in SECTIONS:
        for path, value in leaves(document[section], section):
            if not path.endswith(("_previous", "_change_pct")):
                yield path, value
    yield from leaves(document["trend"], "trend")
    yield from leaves(document["services"], "services")
    for index, check in enumerate(document["service_checks"]):
        yield f"service_checks.{index}.total", check["total"]
        yield f"service_checks.{index}.parts_sum", check["parts_sum"]


def shown(document: dict[str, Any], path: str, value: Any) -> str:
    """What an export shows for a figure that is not a number."""
    if value is None and path.startswith("services.") and path not in document["suppressed"]:
        return WITHHELD
    return display(value, path, document)


def test_every_figure_has_one_row(document):
    """report_rows gives one row per figure, each with its section, table, label and path."""
    rows = report_rows(document, AGENCY_NAMES)
    by_path = rows_by_path(rows)
    expected = dict(figures(document))
    assert set(expected) <= set(by_path)
    assert all(isinstance(row, Row) and row.section and row.table and row.label for row in rows)
    assert by_path["idva.referrals"] == Row(
        section="IDVA service",
        table="IDVA figures",
        label="IDVA referrals",
        value="2,324",
        previous="1,969",
        change="+18.0%",
        raw=2324,
        previous_raw=1969,
        change_raw=18.0,
        unit="number",
        path="idva.referrals",
    )
    assert by_path["idva.by_referring_agency.cambridgeshire-constabulary"].label == "Cambridgeshire Constabulary"
    assert by_path["idva.by_referring_agency.gp-practice"].value == "fewer than 5"
    assert by_path["idva.by_specialist_post.young_people"].value == "suppressed"
    assert by_path["trend.7.incidents_per_1000"].label == "2020-21: Incidents per 1,000"
    assert by_path["services.isva_service_referrals"].value == WITHHELD


def test_an_agency_without_a_label_is_named_in_words(document):
    """Without a label an agency's slug is shown as words."""
    by_path = rows_by_path(report_rows(document))
    assert by_path["idva.by_referring_agency.cambridge-womens-aid"].label == "Cambridge womens aid"


# CSV -------------------------------------------------------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_numbers_equal_the_document(document):
    """Every figure's CSV value is the published number, or its text when suppressed or not available;
    previous values and changes are those of the document."""
    lines = read_csv(report_csv(document, AGENCY_NAMES))
    assert tuple(lines[0]) == CSV_HEADER
    by_path = {line[7]: line for line in lines[1:] if line[7]}
    for path, value in figures(document):
        cell = by_path[path][3]
        if value is None:
            assert cell == shown(document, path, value), path
        else:
            assert float(cell) == value, path
    for key, change in document["changes"].items():
        line = by_path[key]
        for column, field in ((4, "previous"), (5, "change_pct")):
            if change[field] is None:
                assert line[column] == display(None, f"changes.{key}.{field}", document), key
            else:
                assert float(line[column]) == change[field], key
    for section in SECTIONS:
        for key, value in document[section].items():
            if key.endswith("_previous") and value is not None:
                assert float(by_path[f"{section}.{key.removesuffix('_previous')}"][4]) == value


def test_csv_shows_suppressed_counts_as_fewer_than_5(document):
    """Suppressed counts read "fewer than 5" (primary) or "suppressed" (secondary) in the CSV."""
    by_path = {line[7]: line for line in read_csv(report_csv(document, AGENCY_NAMES))[1:]}
    assert by_path["idva.by_referring_agency.gp-practice"][2:4] == ["GP practice", "fewer than 5"]
    assert by_path["idva.by_specialist_post.young_people"][3] == "suppressed"
    assert by_path["dhr.homicides"][3:6] == ["fewer than 5", "fewer than 5", "suppressed"]


FORMULAS = {
    "gp-practice": '=HYPERLINK("https://example.com/steal","Click")',
    "fire-and-rescue": "+1+1",
    "probation-service": "@SUM(A1:A2)",
    "peterborough-housing": "-2+3",
    "refuge-outreach": "\tcmd",
    "hinchingbrooke-hospital": "\r=1",
}


@pytest.fixture(scope="module")
def hostile() -> tuple[dict[str, Any], dict[str, str]]:
    """A document whose names (an agency's, a metric's) are formulas."""
    source = annual_document()
    source["service_metrics"]["training_sessions_delivered"]["name"] = "=1+1"
    return published(source, 5), {**AGENCY_NAMES, **FORMULAS}


def test_csv_neutralises_formulas(hostile):
    """A name starting with = + - @ tab or return is written with a leading apostrophe in the CSV."""
    document, labels = hostile
    by_path = {line[7]: line for line in read_csv(report_csv(document, labels))[1:]}
    for slug, name in FORMULAS.items():
        assert by_path[f"idva.by_referring_agency.{slug}"][2] == f"'{name}"
    assert by_path["services.training_sessions_delivered"][2] == "'=1+1"
    # Negative changes stay numbers: they are not text.
    assert by_path["marac.cases_heard"][5] == "-20.1"


# XLSX ------------------------------------------------------------------------------------------------------


def read_xlsx(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: [tuple(row) for row in sheet.iter_rows()] for sheet in workbook.worksheets}


def test_xlsx_numbers_equal_the_document(document):
    """The workbook has a sheet per section with a header row; every figure is a number cell equal to the
    document's value, or its text when suppressed or not available."""
    sheets = read_xlsx(report_xlsx(document, AGENCY_NAMES))
    assert list(sheets) == [
        "Report",
        "IDVA service",
        "MARAC",
        "Police",
        "Trend",
        "Perpetrator panel",
        "Domestic homicide reviews",
        "Service returns",
    ]
    by_path = {}
    for title, rows in sheets.items():
        if title == "Report":
            continue
        assert tuple(cell.value for cell in rows[0]) == XLSX_HEADER
        by_path.update({row[6].value: row for row in rows[1:] if row[6].value})
    for path, value in figures(document):
        cell = by_path[path][2]
        if value is None:
            assert (cell.data_type, cell.value) == ("s", shown(document, path, value)), path
        else:
            assert cell.data_type == "n", path
            assert cell.value == value, path
    for key, change in document["changes"].items():
        row = by_path[key]
        for cell, field in ((row[3], "previous"), (row[4], "change_pct")):
            if change[field] is None:
                assert cell.value == display(None, f"changes.{key}.{field}", document), key
            else:
                assert (cell.data_type, cell.value) == ("n", change[field]), key


def test_xlsx_says_what_the_report_is(document):
    """The first sheet gives the period, the area and the disclosure rule."""
    sheets = read_xlsx(report_xlsx(document))
    about = {row[0].value: row[1].value for row in sheets["Report"]}
    assert about["Period"] == "2020-21 (2020-04-01 to 2021-03-31)"
    assert about["Area"] == "The whole partnership"
    assert "fewer than 5" in about["Disclosure control"]


def test_xlsx_neutralises_formulas(hostile):
    """A name that is a formula is a text cell starting with an apostrophe; no cell is a formula."""
    document, labels = hostile
    sheets = read_xlsx(report_xlsx(document, labels))
    cells = [cell for rows in sheets.values() for row in rows for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    by_path = {row[6].value: row for rows in sheets.values() for row in rows[1:] if len(row) > 6}
    for slug, name in FORMULAS.items():
        cell = by_path[f"idva.by_referring_agency.{slug}"][1]
        # XLSX stores a carriage return as _x000D_, which openpyxl reads back as it is.
        assert (cell.data_type, cell.value.replace("_x000D_", "\r")) == ("s", f"'{name}")
    cell = by_path["services.training_sessions_delivered"][1]
    assert (cell.data_type, cell.value) == ("s", "'=1+1")


def test_xlsx_shows_suppressed_counts_as_fewer_than_5(document):
    """Suppressed counts read "fewer than 5" or "suppressed" in the workbook."""
    sheets = read_xlsx(report_xlsx(document, AGENCY_NAMES))
    by_path = {row[6].value: row for rows in sheets.values() for row in rows[1:] if len(row) > 6}
    assert by_path["idva.by_referring_agency.fire-and-rescue"][2].value == "fewer than 5"
    assert by_path["dhr.female"][2].value == "suppressed"


# PDF -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_lines(document) -> list[str]:
    """The text of the PDF of the seed year with its three charts, line by line (made once: WeasyPrint
    takes a few seconds)."""
    chart_svgs = {
        name: getattr(charts, name)(document).svg for name in ("referrals_by_month", "incident_trend", "marac_volume")
    }
    content = report_pdf(document, chart_svgs, AGENCY_NAMES)
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


def test_pdf_headline_figures_equal_the_document(document, pdf_lines):
    """Each headline figure's row reads its label, value, previous value and change from the document."""
    by_path = rows_by_path(report_rows(document, AGENCY_NAMES))
    for path in HEADLINES:
        row = by_path[path]
        assert f"{row.label} {row.value} {row.previous} {row.change}" in pdf_lines, path
    assert "IDVA referrals 2,324 1,969 +18.0%" in pdf_lines
    assert "MARAC cases heard 1,176 1,471 -20.1%" in pdf_lines


def test_pdf_trend_table_equals_the_document(document, pdf_lines):
    """Each year of the trend table is one row with the document's incidents, crimes, rates and population."""
    for row in document["trend"]:
        expected = (
            f"{row['label']} {row['incidents']:,} {row['incidents_per_1000']:.1f} {row['crimes']:,} "
            f"{row['crimes_per_1000']:.1f} {row['population']:,}"
        )
        assert expected in pdf_lines
    assert "2020-21 14,804 17.2 6,870 8.0 859,830" in pdf_lines


def test_pdf_tables_equal_the_document(document, pdf_lines):
    """Every figure of the one-figure tables (by month, agency, post, outcome, stage, services) is in its row."""
    for row in report_rows(document, AGENCY_NAMES):
        if row.table in {"Referrals by month", "Referrals by referring agency", "Outcomes at closure"}:
            assert f"{row.label} {row.value}" in pdf_lines, row.path
    assert "April 2020 168" in pdf_lines
    assert "MARAC figures" in pdf_lines
    assert "2020-21 Q1 310 100 380 38" in pdf_lines


def test_pdf_shows_suppressed_counts_as_fewer_than_5(pdf_lines):
    """Suppressed counts read "fewer than 5" or "suppressed" in the PDF."""
    assert "GP practice fewer than 5" in pdf_lines
    assert "Young People's IDVA suppressed" in pdf_lines
    assert "Homicides fewer than 5 fewer than 5 suppressed" in pdf_lines


def test_pdf_draws_the_charts(pdf_lines):
    """The charts are drawn in the PDF (their axis labels are text)."""
    assert "Apr" in pdf_lines
    assert "Cases heard SafeLives benchmark" in pdf_lines  # the MARAC chart's legend


def test_pdf_escapes_names(document):
    """A name with markup is printed as text, not read as HTML."""
    labels = {**AGENCY_NAMES, "gp-practice": '<img src="file:///etc/passwd"> & <b>Co</b>'}
    content = report_pdf(document, {}, labels)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert '<img src="file:///etc/passwd"> & <b>Co</b> fewer than 5' in text
