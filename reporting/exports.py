"""Exports of a published annual report: the tables and flat rows of the document, and the CSV, XLSX and
PDF files made from them.

Pure rendering: these functions take the *published* document (reporting.disclosure.published), run no
queries, and show suppressed counts as "fewer than 5" / "suppressed". Names the document does not hold
(agencies and review stages are in it by slug or code) come in `labels`, a {slug or code: name} mapping the
caller loads; a slug with no label is shown as words. Text that a spreadsheet would run as a formula is
neutralised in the CSV and the workbook (OWASP "CSV injection"): an agency or metric name is typed by people.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from defusedcsv import csv
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from reporting.disclosure import display
from reporting.labels import (
    AGENCY_KINDS,
    CLOSURE_OUTCOMES,
    COLUMN_LABELS,
    SPECIALIST_POSTS,
    figure_label,
    month_label,
    words,
)

Number = int | float

SECTIONS: tuple[tuple[str, str], ...] = (
    ("idva", "IDVA service"),
    ("marac", "MARAC"),
    ("police", "Police"),
    ("trend", "Trend"),
    ("perpetrator_panel", "Perpetrator panel"),
    ("dhr", "Domestic homicide reviews"),
    ("services", "Service returns"),
)
SECTION_TITLES = dict(SECTIONS)

# A service figure that is null without being suppressed failed its check (parts not adding up to it).
WITHHELD = "withheld: its parts do not add up to it"

# The unit of percentages ("%" alone would be quoted by defusedcsv as a possible formula).
PERCENT = "percent"

FIGURES = "figures"
BREAKDOWN = "breakdown"
FIGURE_HEADERS = ("Figure", "Value", "Previous period", "Change")

# Spreadsheets run a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Cell:
    """One cell of a table: the text shown, the published number (None when suppressed, not available
    or text) and the figure's path in the document ("" for a label or a note)."""

    text: str
    raw: Number | None = None
    path: str = ""


@dataclass(frozen=True)
class Table:
    """A table of a section. `kind` "figures": rows of (figure, value, previous period, change); kind
    "breakdown": rows of (label, one or more figures) under `headers`."""

    section: str
    title: str
    kind: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Row:
    """One published figure, flattened (a CSV line): the section and table it is in, its name in words,
    its value, previous-period value and change as shown, the published numbers (None when suppressed
    or not available), its unit and its path in the document."""

    section: str
    table: str
    label: str
    value: str
    previous: str = ""
    change: str = ""
    raw: Number | None = None
    previous_raw: Number | None = None
    change_raw: Number | None = None
    unit: str = ""
    path: str = ""


@dataclass
class _Builder:
    document: dict[str, Any]
    labels: Mapping[str, str]
    tables: list[Table] = field(default_factory=list)

    def cell(self, path: str, value: Any) -> Cell:
        text = display(value, path, self.document)
        if value is None and path.startswith("services.") and path not in self.suppressed:
            text = WITHHELD
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        return Cell(text, number, path)

    @property
    def suppressed(self) -> dict[str, str]:
        return self.document.get("suppressed") or {}

    def change_cells(self, path: str) -> tuple[Cell, Cell]:
        """The previous period's value and the change of the figure at `path`: from "changes", or from the
        section's own "<figure>_previous" and "<figure>_change_pct"."""
        entry = (self.document.get("changes") or {}).get(path)
        if entry is not None:
            return (
                self.cell(f"changes.{path}.previous", entry.get("previous")),
                self.cell(f"changes.{path}.change_pct", entry.get("change_pct")),
            )
        section, _, figure = path.rpartition(".")
        node = _node(self.document, section)
        if isinstance(node, dict) and f"{figure}_previous" in node:
            return (
                self.cell(f"{path}_previous", node[f"{figure}_previous"]),
                self.cell(f"{path}_change_pct", node.get(f"{figure}_change_pct")),
            )
        return Cell(""), Cell("")

    def figures(self, section: str, title: str, prefix: str, values: Mapping[str, Any]) -> None:
        """A table of the scalar figures of `values` (a section, or a part of one), skipping the previous
        values and changes that have their own columns."""
        rows: list[tuple[Cell, ...]] = []
        for key, value in values.items():
            path = f"{prefix}.{key}"
            if isinstance(value, dict) and value and all(_is_scalar(inner) for inner in value.values()):
                if path in _NESTED_FIGURES:
                    rows.extend(self.figure_row(f"{path}.{inner}", v) for inner, v in value.items())
                continue
            if not _is_scalar(value) or isinstance(value, str):
                continue
            base = key.removesuffix("_previous").removesuffix("_change_pct")
            if base != key and base in values:
                continue
            rows.append(self.figure_row(path, value))
        if rows:
            self.tables.append(Table(section, title, FIGURES, FIGURE_HEADERS, tuple(rows)))

    def figure_row(self, path: str, value: Any) -> tuple[Cell, ...]:
        previous, change = self.change_cells(path)
        return (Cell(figure_label(path)), self.cell(path, value), previous, change)

    def breakdown(self, section: str, title: str, path: str, headers: tuple[str, str], label: Any = None) -> None:
        """A table of one figure per key of the breakdown at `path`."""
        values = _node(self.document, path)
        if not isinstance(values, dict) or not values:
            return
        name = label or (lambda key: self.labels.get(key) or words(key))
        rows = tuple((Cell(name(key)), self.cell(f"{path}.{key}", value)) for key, value in values.items())
        self.tables.append(Table(section, title, BREAKDOWN, headers, rows))

    def grid(self, section: str, title: str, path: str, first: str) -> None:
        """A table of several figures per key of the breakdown at `path` (columns: the inner keys)."""
        values = _node(self.document, path)
        if not isinstance(values, dict) or not values:
            return
        columns: list[str] = []
        for inner in values.values():
            columns.extend(key for key in inner if key not in columns)
        rows = tuple(
            (
                Cell(self.labels.get(key) or key),
                *(self.cell(f"{path}.{key}.{column}", inner.get(column)) for column in columns),
            )
            for key, inner in values.items()
        )
        headers = (first, *(COLUMN_LABELS.get(column) or words(column) for column in columns))
        self.tables.append(Table(section, title, BREAKDOWN, headers, rows))


# dicts of scalar figures shown among their section's figures rather than as a breakdown.
_NESTED_FIGURES = frozenset({"dhr.actions"})


def report_tables(document: dict[str, Any], labels: Mapping[str, str] | None = None) -> list[Table]:
    """Every table of a published document, section by section: the figures, then the breakdowns."""
    builder = _Builder(document, labels or {})
    idva = document.get("idva") or {}
    builder.figures("idva", "IDVA figures", "idva", idva)
    builder.breakdown("idva", "Referrals by month", "idva.by_month", ("Month", "Referrals"), label=month_label)
    builder.breakdown("idva", "Referrals by referring agency", "idva.by_referring_agency", ("Agency", "Referrals"))
    builder.breakdown(
        "idva",
        "Referrals by specialist post",
        "idva.by_specialist_post",
        ("Specialist post", "Referrals"),
        label=lambda key: SPECIALIST_POSTS.get(key) or words(key),
    )
    builder.breakdown(
        "idva",
        "Outcomes at closure",
        "idva.outcomes_at_closure",
        ("Outcome", "Referrals closed"),
        label=lambda key: CLOSURE_OUTCOMES.get(key) or words(key),
    )
    marac = document.get("marac") or {}
    builder.figures("marac", "MARAC figures", "marac", marac)
    builder.grid("marac", "MARAC by quarter", "marac.by_quarter", "Quarter")
    builder.figures("marac", "SafeLives return", "marac.safelives", marac.get("safelives") or {})
    builder.breakdown(
        "marac",
        "SafeLives return: cases by referring agency",
        "marac.safelives.referrals_by_agency_kind",
        ("Kind of agency", "Cases"),
        label=lambda key: AGENCY_KINDS.get(key) or words(key),
    )
    builder.figures("police", "Police figures", "police", document.get("police") or {})
    _trend_table(builder)
    panel = document.get("perpetrator_panel") or {}
    builder.figures("perpetrator_panel", "Perpetrator panel figures", "perpetrator_panel", panel)
    builder.figures("dhr", "Domestic homicide review figures", "dhr", document.get("dhr") or {})
    builder.breakdown("dhr", "Reviews open by stage", "dhr.reviews_by_stage", ("Stage", "Reviews"))
    builder.grid("dhr", "Recommendations and actions by learning theme", "dhr.by_theme", "Theme")
    _service_tables(builder)
    return builder.tables


def _trend_table(builder: _Builder) -> None:
    trend = builder.document.get("trend") or []
    if not trend:
        return
    columns = (
        ("incidents", "Incidents"),
        ("incidents_per_1000", "Incidents per 1,000"),
        ("crimes", "Crimes"),
        ("crimes_per_1000", "Crimes per 1,000"),
        ("population", "Population"),
    )
    rows = tuple(
        (Cell(str(row.get("label", ""))), *(builder.cell(f"trend.{index}.{key}", row.get(key)) for key, _ in columns))
        for index, row in enumerate(trend)
    )
    headers = ("Year", *(header for _, header in columns))
    builder.tables.append(Table("trend", "Police incidents and crimes by year", BREAKDOWN, headers, rows))


def _service_tables(builder: _Builder) -> None:
    document = builder.document
    metrics = document.get("service_metrics") or {}
    services = document.get("services") or {}
    if services:
        rows = tuple(
            (Cell(_metric_name(metrics, code)), builder.cell(f"services.{code}", value), *builder.change_cells(path))
            for code, value in services.items()
            for path in [f"services.{code}"]
        )
        builder.tables.append(Table("services", "Service returns", FIGURES, FIGURE_HEADERS, rows))
    shares = tuple(
        (
            Cell(_metric_name(metrics, code)),
            Cell(_metric_name(metrics, (metrics.get(code) or {}).get("subset_of") or "")),
            builder.cell(f"services_shares.{code}", share),
        )
        for code, share in (document.get("services_shares") or {}).items()
    )
    if shares:
        headers = ("Figure", "Share of", "Percentage")
        builder.tables.append(Table("services", "Shares of a total", BREAKDOWN, headers, shares))
    targets = tuple(
        (Cell(_metric_name(metrics, code)), Cell(f"{target:,}", target, f"service_metrics.{code}.target"))
        for code, metric in metrics.items()
        if (target := metric.get("target")) is not None
    )
    if targets:
        builder.tables.append(Table("services", "Targets", BREAKDOWN, ("Figure", "Target"), targets))
    checks = []
    for index, check in enumerate(document.get("service_checks") or []):
        path = f"service_checks.{index}"
        checks.append(
            (
                Cell(_metric_name(metrics, check.get("metric", ""))),
                Cell("parts add up to the total" if check.get("kind") == "parts" else "subset within the total"),
                builder.cell(f"{path}.total", check.get("total")),
                builder.cell(f"{path}.parts_sum", check.get("parts_sum")),
                Cell("passed" if check.get("ok") else "failed: withheld"),
                Cell(str(check.get("message", ""))),
            )
        )
    if checks:
        headers = ("Figure", "Check", "Total", "Parts", "Result", "Message")
        builder.tables.append(Table("services", "Checks of the service returns", BREAKDOWN, headers, tuple(checks)))


def report_rows(document: dict[str, Any], labels: Mapping[str, str] | None = None) -> list[Row]:
    """Every published figure of the document as a flat row (the CSV's lines, the workbook's rows)."""
    changes = document.get("changes") or {}
    builder = _Builder(document, labels or {})
    rows: list[Row] = []
    for table in report_tables(document, labels):
        section = SECTION_TITLES.get(table.section, table.section)
        for cells in table.rows:
            if table.kind == FIGURES:
                name, value, previous, change = cells[:4]
                rows.append(
                    Row(section, table.title, name.text, value.text, previous.text, change.text, value.raw,
                        previous.raw, change.raw, unit_of(value.path), value.path)
                )  # fmt: skip
                continue
            several = len(cells) > 2
            for header, cell in zip(table.headers[1:], cells[1:], strict=True):
                label = f"{cells[0].text}: {header}" if several else cells[0].text
                previous, change = Cell(""), Cell("")
                if cell.path in changes:
                    previous, change = builder.change_cells(cell.path)
                rows.append(
                    Row(section, table.title, label, cell.text, previous.text, change.text, cell.raw, previous.raw,
                        change.raw, unit_of(cell.path), cell.path)
                )  # fmt: skip
    return rows


CSV_HEADER = ("Section", "Table", "Figure", "Value", "Previous period", "Change (%)", "Unit", "Path")


def report_csv(document: dict[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """The published document as CSV, one figure a line: numbers as plain numbers (1234, 18.0), a
    suppressed figure as "fewer than 5" or "suppressed"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in report_rows(document, labels):
        writer.writerow(
            [
                neutralise(row.section),
                neutralise(row.table),
                neutralise(row.label),
                _plain(row.raw, row.value),
                _plain(row.previous_raw, row.previous),
                _plain(row.change_raw, row.change),
                row.unit,
                neutralise(row.path),
            ]
        )
    return buffer.getvalue()


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula, with a leading apostrophe so it stays text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _plain(number: Number | None, text: str) -> Number | str:
    return number if number is not None else neutralise(text)


def unit_of(path: str) -> str:
    """What a figure's number measures, for the exports' unit column."""
    key = path.rsplit(".", 1)[-1]
    if path.startswith("changes.") and key == "previous":
        key = path.removeprefix("changes.").removesuffix(".previous").rsplit(".", 1)[-1]
    units = (
        (("_pct", "_percentage", "change_pct"), PERCENT),
        (("_per_1000",), "per 1,000 population"),
        (("_per_10000",), "per 10,000 adult females"),
    )
    for endings, unit in units:
        if key.endswith(endings):
            return unit
    if not path:
        return ""
    if key == "population_year":
        return "year"
    if key in {"population", "adult_females"}:
        return "people"
    return "number"


# XLSX ----------------------------------------------------------------------------------------------------

XLSX_HEADER = ("Table", "Figure", "Value", "Previous period", "Change (%)", "Unit", "Path")
XLSX_WIDTHS = (34, 52, 16, 16, 12, 24, 44)


def report_xlsx(document: dict[str, Any], labels: Mapping[str, str] | None = None) -> bytes:
    """The published document as a workbook: a sheet saying what the report is, then one sheet per
    section with a header row. Numbers are numbers; text is written as text and never as a formula."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    bold = workbook.add_format({"bold": True})
    whole = workbook.add_format({"num_format": "#,##0"})
    year = workbook.add_format({"num_format": "0"})
    decimal = workbook.add_format({"num_format": "#,##0.0"})
    about = workbook.add_worksheet("Report")
    about.set_column(0, 0, 24)
    about.set_column(1, 1, 70)
    for index, (name, value) in enumerate(_about(document)):
        about.write_string(index, 0, name, bold)
        about.write_string(index, 1, neutralise(value))
    rows = report_rows(document, labels)
    for _key, title in SECTIONS:
        section_rows = [row for row in rows if row.section == title]
        if not section_rows:
            continue
        sheet = workbook.add_worksheet(title[:31])
        for column, width in enumerate(XLSX_WIDTHS):
            sheet.set_column(column, column, width)
        for column, header in enumerate(XLSX_HEADER):
            sheet.write_string(0, column, header, bold)
        sheet.freeze_panes(1, 0)
        for number, row in enumerate(section_rows, start=1):
            sheet.write_string(number, 0, neutralise(row.table))
            sheet.write_string(number, 1, neutralise(row.label))
            cells = (
                (row.raw, row.value, row.unit),
                (row.previous_raw, row.previous, row.unit),
                (row.change_raw, row.change, PERCENT),
            )
            for column, (raw, text, unit) in enumerate(cells, start=2):
                if raw is not None:
                    shape = year if unit == "year" else whole if isinstance(raw, int) else decimal
                    sheet.write_number(number, column, raw, shape)
                elif text:
                    sheet.write_string(number, column, neutralise(text))
            sheet.write_string(number, 5, row.unit)
            sheet.write_string(number, 6, neutralise(row.path))
    workbook.close()
    return buffer.getvalue()


def _about(document: dict[str, Any]) -> list[tuple[str, str]]:
    period = document.get("period") or {}
    area = document.get("area") or {}
    threshold = (document.get("disclosure") or {}).get("threshold")
    about = [
        ("Report", "Annual report"),
        ("Period", f"{period.get('label', '')} ({period.get('start', '')} to {period.get('end', '')})"),
        ("Area", area.get("name") or "The whole partnership"),
    ]
    if threshold:
        about.append(
            (
                "Disclosure control",
                (
                    f"Counts from 1 to {threshold - 1} are shown as 'fewer than {threshold}'; other figures that "
                    "would reveal them are shown as 'suppressed'."
                ),
            )
        )
    return about


# PDF -----------------------------------------------------------------------------------------------------

# Where each chart goes: the section it illustrates.
CHART_SECTIONS = {"referrals_by_month": "idva", "incident_trend": "trend", "marac_volume": "marac"}
# The headline figures at the top of the PDF.
HEADLINES = (
    "idva.referrals",
    "idva.engagement_rate_pct",
    "idva.repeat_rate_pct",
    "marac.cases_heard",
    "police.incidents",
    "police.crimes",
    "perpetrator_panel.cases_with_actions",
    "dhr.deaths_meeting_criteria",
)


def report_pdf(document: dict[str, Any], charts: Mapping[str, str], labels: Mapping[str, str] | None = None) -> bytes:
    """The published document as an A4 PDF (WeasyPrint): the headline figures, every table, and the
    charts (SVG strings from reporting.charts, placed in the section they illustrate)."""
    import weasyprint

    tables = report_tables(document, labels)
    builder = _Builder(document, labels or {})
    headlines = []
    for path in HEADLINES:
        value = _node(document, path)
        if value is not _NOTHING:
            headlines.append(builder.figure_row(path, value))
    # The charts are our own SVG (reporting.charts), every text in them escaped.
    sections = []
    for key, title in SECTIONS:
        section_charts = [mark_safe(svg) for name, svg in charts.items() if CHART_SECTIONS.get(name) == key]
        section_tables = [table for table in tables if table.section == key]
        if section_tables or section_charts:
            sections.append({"key": key, "title": title, "tables": section_tables, "charts": section_charts})
    others = [mark_safe(svg) for name, svg in charts.items() if name not in CHART_SECTIONS]
    if others:
        sections.append({"key": "charts", "title": "Charts", "tables": [], "charts": others})
    period = document.get("period") or {}
    html = render_to_string(
        "reporting/pdf/report.html",
        {
            "document": document,
            "period": period,
            "area_name": (document.get("area") or {}).get("name") or "The whole partnership",
            "headlines": headlines,
            "sections": sections,
            "about": _about(document),
        },
    )
    return weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The PDF is made from the template alone: it never fetches anything (no file, no network)."""
    raise ValueError(f"The report PDF does not load external resources ({url[:40]}).")


# Helpers -------------------------------------------------------------------------------------------------

_NOTHING = object()


def _node(document: Any, path: str) -> Any:
    node = document
    for key in path.split("."):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return _NOTHING
    return node


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


def _metric_name(metrics: Mapping[str, Any], code: str) -> str:
    return str((metrics.get(code) or {}).get("name") or words(code))


def rows_by_path(rows: Iterable[Row]) -> dict[str, Row]:
    """The rows by the path of their figure (rows of labels and notes left out)."""
    return {row.path: row for row in rows if row.path}
