"""Charts of a published annual report, rendered on the server as SVG strings, each with the rows of the
data table the page shows under it.

The site's Content Security Policy allows no scripts and no inline styles, so the SVG uses presentation
attributes only (fill=, stroke=, font-size=), never a style element or attribute. Each chart is an image
with a title and a description (role="img", aria-labelledby) that says what the data table shows in full;
it scales with its viewBox (the page's CSS sets its width). Suppressed figures (null in the published
document) are drawn as gaps labelled "fewer than 5" or "suppressed". Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape

from reporting.disclosure import display
from reporting.labels import month_label

# GOV.UK Frontend colours.
BLUE = "#1d70b8"
RED = "#d4351c"
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#505a5f"
MID_GREY = "#b1b4b6"
LIGHT_GREY = "#f3f2f1"
FONT = "Arial, Helvetica, sans-serif"

WIDTH = 640
HEIGHT = 340
LEFT = 64
RIGHT = 64
TOP = 40
BOTTOM = 56
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Chart:
    """A chart: the SVG, a caption for the figure, and its data table (headers and rows of text)."""

    svg: str
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class _Bar:
    label: str  # the axis label
    name: str  # the full name, for titles and the data table
    value: int | float | None
    shown: str  # as displayed ("1,234", "fewer than 5")


def referrals_by_month(document: dict[str, Any]) -> Chart:
    """IDVA referrals in each month of the period, as bars."""
    by_month = (document.get("idva") or {}).get("by_month") or {}
    label = (document.get("period") or {}).get("label", "")
    bars = []
    for index, (month, value) in enumerate(by_month.items()):
        year, number = month.split("-") if "-" in month else ("", "0")
        axis = SHORT_MONTHS[int(number) - 1] if number.isdigit() and 1 <= int(number) <= 12 else month
        if index == 0 or number == "01":
            axis = f"{axis}\n{year}"
        bars.append(_Bar(axis, month_label(month), value, display(value, f"idva.by_month.{month}", document)))
    caption = f"IDVA referrals by month, {label}"
    desc = _bars_description("IDVA referrals in each month", bars)
    body = _bar_chart(bars, y_title="Referrals")
    return Chart(
        svg=_svg("chart-referrals-by-month", caption, desc, body),
        caption=caption,
        headers=("Month", "Referrals"),
        rows=tuple((bar.name, bar.shown) for bar in bars),
    )


def incident_trend(document: dict[str, Any]) -> Chart:
    """Police domestic abuse incidents by year as bars, with the rate per 1,000 population as a line on
    its own scale (right)."""
    trend = document.get("trend") or []
    bars = []
    rates = []
    rows = []
    for index, row in enumerate(trend):
        year = str(row.get("label", ""))
        path = f"trend.{index}"
        incidents = display(row.get("incidents"), f"{path}.incidents", document)
        rate = display(row.get("incidents_per_1000"), f"{path}.incidents_per_1000", document)
        bars.append(_Bar(year, year, row.get("incidents"), incidents))
        rates.append(_Bar(year, year, row.get("incidents_per_1000"), rate))
        rows.append(
            (
                year,
                incidents,
                rate,
                display(row.get("crimes"), f"{path}.crimes", document),
                display(row.get("crimes_per_1000"), f"{path}.crimes_per_1000", document),
            )
        )
    has_rates = any(rate.value is not None for rate in rates)
    caption = "Police domestic abuse incidents by year" + (" and the rate per 1,000 population" if has_rates else "")
    if not has_rates:
        caption += ". There is no population estimate for these years, so no rate is shown"
    desc = _bars_description("Domestic abuse incidents reported to the police each year", bars)
    if has_rates:
        desc += " " + _line_description("The rate per 1,000 population", rates)
    body = _bar_chart(bars, y_title="Incidents", line=rates if has_rates else None, line_title="Per 1,000")
    body += _legend(
        [("bar", BLUE, "Incidents"), *([("line", RED, "Incidents per 1,000 population")] if has_rates else [])]
    )
    return Chart(
        svg=_svg("chart-incident-trend", caption, desc, body),
        caption=caption,
        headers=("Year", "Incidents", "Incidents per 1,000", "Crimes", "Crimes per 1,000"),
        rows=tuple(rows),
    )


def marac_volume(document: dict[str, Any]) -> Chart:
    """MARAC cases heard in each quarter as bars, against the SafeLives benchmark for a quarter
    (benchmark per 10,000 adult females a year x adult females / 10,000 / 4) as a line."""
    marac = document.get("marac") or {}
    label = (document.get("period") or {}).get("label", "")
    benchmark = marac.get("benchmark_per_10000")
    adult_females = marac.get("adult_females")
    per_quarter = benchmark * adult_females / 10000 / 4 if benchmark and adult_females else None
    bars = []
    for quarter, figures in (marac.get("by_quarter") or {}).items():
        value = (figures or {}).get("cases_heard")
        shown = display(value, f"marac.by_quarter.{quarter}.cases_heard", document)
        bars.append(_Bar(quarter, quarter, value, shown))
    if per_quarter is None:
        caption = (
            f"MARAC cases heard by quarter, {label}. There is no population estimate for the period, so the "
            "SafeLives benchmark is not shown"
        )
    else:
        caption = (
            f"MARAC cases heard by quarter, {label}, against the SafeLives benchmark of {_number(benchmark)} cases "
            f"a year per 10,000 adult females ({_number(per_quarter)} a quarter)"
        )
    desc = _bars_description("MARAC cases heard in each quarter", bars)
    if per_quarter is not None:
        desc += f" The benchmark line is at {_number(per_quarter)} cases a quarter."
    body = _bar_chart(bars, y_title="Cases heard", reference=per_quarter)
    if per_quarter is not None:
        body += _legend([("bar", BLUE, "Cases heard"), ("dash", TEXT, "SafeLives benchmark")])
    benchmark_text = _number(per_quarter) if per_quarter is not None else "not available"
    return Chart(
        svg=_svg("chart-marac-volume", caption, desc, body),
        caption=caption,
        headers=("Quarter", "Cases heard", "SafeLives benchmark"),
        rows=tuple((bar.name, bar.shown, benchmark_text) for bar in bars),
    )


# Drawing ---------------------------------------------------------------------------------------------------


def _svg(chart_id: str, title: str, desc: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'focusable="false" class="app-chart" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        f"{body}</svg>"
    )


def _text(
    x: float, y: float, text: str, *, anchor: str = "middle", size: int = 12, fill: str = TEXT, **extra: str
) -> str:
    attributes = "".join(f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-family="{FONT}" font-size="{size}" '
        f'fill="{fill}"{attributes}>{escape(text)}</text>'
    )


def _scale(maximum: float) -> tuple[float, float]:
    """A round top for the axis at or above `maximum`, and the step between its ticks (1, 2 or 5 x 10^n)."""
    if maximum <= 0:
        return 1.0, 1.0
    rough = maximum / 5
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= rough)
    return step * math.ceil(maximum / step), step


def _ticks(top: float, step: float) -> list[float]:
    return [step * index for index in range(round(top / step) + 1)]


def _number(value: float | None) -> str:
    if value is None:
        return "not available"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _bar_chart(
    bars: Sequence[_Bar],
    *,
    y_title: str,
    line: Sequence[_Bar] | None = None,
    line_title: str = "",
    reference: float | None = None,
) -> str:
    """Bars on a left axis from 0; optionally a line on its own right axis, or a dashed reference level on
    the left axis. A bar with no value is a gap with its label ("fewer than 5", "suppressed")."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    base = TOP + plot_height
    values = [bar.value for bar in bars if bar.value is not None]
    top, step = _scale(max([*values, reference or 0, 0]))
    parts = []
    for tick in _ticks(top, step):
        y = base - plot_height * tick / top
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_width}" y2="{y:.1f}" '
            f'stroke="{LIGHT_GREY if tick else MID_GREY}" stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 8, y + 4, _number(tick), anchor="end", size=11, fill=SECONDARY_TEXT))
    parts.append(
        _text(16, TOP + plot_height / 2, y_title, size=12, transform=f"rotate(-90 16 {TOP + plot_height / 2:.1f})")
    )
    slot = plot_width / max(len(bars), 1)
    width = slot * 0.7
    for index, bar in enumerate(bars):
        middle = LEFT + slot * index + slot / 2
        lines = bar.label.split("\n")
        for number, text in enumerate(lines):
            parts.append(_text(middle, base + 18 + 14 * number, text, size=11))
        if bar.value is None:
            parts.append(
                _text(
                    middle + 4,
                    base - 6,
                    bar.shown,
                    anchor="start",
                    size=11,
                    fill=SECONDARY_TEXT,
                    transform=f"rotate(-90 {middle + 4:.1f} {base - 6:.1f})",
                    class_="app-chart__gap",
                )
            )
            continue
        height = plot_height * bar.value / top
        parts.append(
            f'<rect class="app-chart__bar" x="{middle - width / 2:.1f}" y="{base - height:.3f}" width="{width:.1f}" '
            f'height="{height:.3f}" fill="{BLUE}"><title>{escape(bar.name)}: {escape(bar.shown)}</title></rect>'
        )
    if reference is not None:
        y = base - plot_height * reference / top
        parts.append(
            f'<line class="app-chart__reference" x1="{LEFT}" y1="{y:.3f}" x2="{LEFT + plot_width}" y2="{y:.3f}" '
            f'stroke="{TEXT}" stroke-width="2" stroke-dasharray="8 5"/>'
        )
    if line is not None:
        parts.append(_line(line, slot, base, plot_height, line_title))
    return "".join(parts)


def _line(points: Sequence[_Bar], slot: float, base: float, plot_height: float, title: str) -> str:
    """A line with markers on a right axis from 0; it breaks where a value is missing."""
    values = [point.value for point in points if point.value is not None]
    top, step = _scale(max([*values, 0]))
    parts = []
    right = WIDTH - RIGHT
    for tick in _ticks(top, step):
        y = base - plot_height * tick / top
        parts.append(_text(right + 8, y + 4, _number(tick), anchor="start", size=11, fill=RED))
    parts.append(
        _text(
            WIDTH - 14,
            TOP + plot_height / 2,
            title,
            size=12,
            fill=RED,
            transform=f"rotate(90 {WIDTH - 14} {TOP + plot_height / 2:.1f})",
        )
    )
    run: list[str] = []
    runs = [run]
    for index, point in enumerate(points):
        if point.value is None:
            run = []
            runs.append(run)
            continue
        x = LEFT + slot * index + slot / 2
        y = base - plot_height * point.value / top
        run.append(f"{x:.1f},{y:.3f}")
        parts.append(
            f'<circle class="app-chart__point" cx="{x:.1f}" cy="{y:.3f}" r="4" fill="{RED}">'
            f"<title>{escape(point.name)}: {escape(point.shown)}</title></circle>"
        )
    for points_text in runs:
        if len(points_text) > 1:
            parts.insert(
                0,
                f'<polyline class="app-chart__line" points="{" ".join(points_text)}" fill="none" '
                f'stroke="{RED}" stroke-width="2"/>',
            )
    # Drawn after the bars: the line's segments, its axis, then its markers on top.
    return "".join(parts)


def _legend(items: Sequence[tuple[str, str, str]]) -> str:
    parts = []
    x = LEFT
    for kind, colour, text in items:
        if kind == "bar":
            parts.append(f'<rect x="{x}" y="12" width="14" height="14" fill="{colour}"/>')
        elif kind == "line":
            parts.append(f'<line x1="{x}" y1="19" x2="{x + 14}" y2="19" stroke="{colour}" stroke-width="2"/>')
            parts.append(f'<circle cx="{x + 7}" cy="19" r="4" fill="{colour}"/>')
        else:
            parts.append(
                f'<line x1="{x}" y1="19" x2="{x + 18}" y2="19" stroke="{colour}" stroke-width="2" '
                'stroke-dasharray="6 3"/>'
            )
        parts.append(_text(x + 22, 24, text, anchor="start", size=12))
        x += 34 + 7 * len(text)
    return "".join(parts)


def _bars_description(what: str, bars: Sequence[_Bar]) -> str:
    known = [bar for bar in bars if bar.value is not None]
    if not bars:
        return f"{what}: there are no figures."
    text = f"Bar chart of {what[:1].lower()}{what[1:]}, from {bars[0].name} to {bars[-1].name}."
    if known:
        highest = max(known, key=lambda bar: bar.value or 0)
        lowest = min(known, key=lambda bar: bar.value or 0)
        text += f" The highest is {highest.shown} ({highest.name}), the lowest {lowest.shown} ({lowest.name})."
    hidden = [bar for bar in bars if bar.value is None]
    if hidden:
        text += " Not shown: " + ", ".join(f"{bar.name} ({bar.shown})" for bar in hidden) + "."
    return text + " The table below gives every figure."


def _line_description(what: str, points: Sequence[_Bar]) -> str:
    known = [point for point in points if point.value is not None]
    if not known:
        return ""
    return (
        f"{what} is drawn as a line, from {known[0].shown} ({known[0].name}) to {known[-1].shown} ({known[-1].name})."
    )
