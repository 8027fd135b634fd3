"""Server-rendered SVG charts of the annual report: accessible, CSP-safe, drawn to scale, with suppressed
figures as labelled gaps and every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

from reporting.charts import Chart, incident_trend, marac_volume, referrals_by_month
from reporting.disclosure import published
from tests.reporting.documents import REFERRALS_BY_MONTH, annual_document

SVG = "{http://www.w3.org/2000/svg}"
CHARTS: list[Callable[[dict[str, Any]], Chart]] = [referrals_by_month, incident_trend, marac_volume]


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.svg)  # noqa: S314 - our own output, parsed to check it


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "app-chart__bar"]


def base_of(rect: ET.Element) -> float:
    return float(rect.get("y")) + float(rect.get("height"))


@pytest.fixture
def document() -> dict[str, Any]:
    return published(annual_document(), 5)


@pytest.mark.parametrize("make", CHARTS, ids=lambda make: make.__name__)
def test_a_chart_is_an_accessible_image(make, document):
    """Each chart is valid SVG, an image labelled by its title and description, scaled by its viewBox."""
    chart = make(document)
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("focusable") == "false"
    assert root.get("viewBox", "").startswith("0 0 ")
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert title.text == chart.caption
    assert desc is not None
    assert desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


@pytest.mark.parametrize("make", CHARTS, ids=lambda make: make.__name__)
def test_a_chart_has_no_style_or_script(make, document):
    """No style element or attribute and no script: the Content Security Policy allows neither."""
    svg = make(document).svg
    root = ET.fromstring(svg)  # noqa: S314
    assert "<script" not in svg.lower()
    assert "<style" not in svg.lower()
    assert all("style" not in element.attrib for element in root.iter())
    assert not [name for element in root.iter() for name in element.attrib if name.startswith("on")]


def test_chart_ids_are_unique_between_charts(document):
    """The three charts can share a page: no id is used twice."""
    ids = [element.get("id") for make in CHARTS for element in parse(make(document)).iter() if element.get("id")]
    assert len(ids) == len(set(ids))


def test_referral_bars_are_proportional_to_the_referrals(document):
    """Every month's bar height is its referrals times one scale, from one baseline."""
    chart = referrals_by_month(document)
    drawn = bars(parse(chart))
    assert len(drawn) == 12
    scales = [float(rect.get("height")) / value for rect, value in zip(drawn, REFERRALS_BY_MONTH, strict=True)]
    assert max(scales) - min(scales) < 1e-3
    assert len({round(base_of(rect), 2) for rect in drawn}) == 1
    assert chart.headers == ("Month", "Referrals")
    assert chart.rows[0] == ("April 2020", "168")
    assert chart.rows[-1] == ("March 2021", "234")
    assert chart.caption == "IDVA referrals by month, 2020-21"


def test_a_suppressed_month_is_a_labelled_gap(document):
    """A suppressed month has no bar: its place says "fewer than 5", as its table row does."""
    document["idva"]["by_month"]["2020-06"] = None
    document["suppressed"]["idva.by_month.2020-06"] = "primary"
    chart = referrals_by_month(document)
    root = parse(chart)
    drawn = bars(root)
    assert len(drawn) == 11
    assert not [rect for rect in drawn if "June 2020" in (rect.findtext(f"{SVG}title") or "")]
    gaps = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "app-chart__gap"]
    assert gaps == ["fewer than 5"]
    assert chart.rows[2] == ("June 2020", "fewer than 5")
    assert "June 2020 (fewer than 5)" in root.findtext(f"{SVG}desc")
    # The other bars keep their scale.
    values = [value for month, value in zip(range(12), REFERRALS_BY_MONTH, strict=True) if month != 2]
    scales = [float(rect.get("height")) / value for rect, value in zip(drawn, values, strict=True)]
    assert max(scales) - min(scales) < 1e-3


def test_incident_trend_draws_incidents_and_the_rate(document):
    """Incidents are bars to scale and the rate per 1,000 a line with a point a year; the table has both."""
    chart = incident_trend(document)
    root = parse(chart)
    drawn = bars(root)
    incidents = [row["incidents"] for row in document["trend"]]
    scales = [float(rect.get("height")) / value for rect, value in zip(drawn, incidents, strict=True)]
    assert max(scales) - min(scales) < 1e-3
    points = [circle for circle in root.iter(f"{SVG}circle") if circle.get("class") == "app-chart__point"]
    assert len(points) == len(document["trend"])
    # The rate's points are on their own scale: proportional to the rates, from the same baseline.
    base = base_of(drawn[0])
    rates = [row["incidents_per_1000"] for row in document["trend"]]
    rate_scales = [(base - float(point.get("cy"))) / rate for point, rate in zip(points, rates, strict=True)]
    assert max(rate_scales) - min(rate_scales) < 1e-2
    assert chart.headers == ("Year", "Incidents", "Incidents per 1,000", "Crimes", "Crimes per 1,000")
    assert chart.rows[-1] == ("2020-21", "14,804", "17.2", "6,870", "8.0")


def test_a_suppressed_rate_breaks_the_line(document):
    """A suppressed year leaves a gap in the bars and a break in the rate's line."""
    document["trend"][3]["incidents"] = None
    document["trend"][3]["incidents_per_1000"] = None
    document["suppressed"]["trend.3.incidents"] = "secondary"
    document["suppressed"]["trend.3.incidents_per_1000"] = "secondary"
    chart = incident_trend(document)
    root = parse(chart)
    assert len(bars(root)) == 7
    lines = [line for line in root.iter(f"{SVG}polyline") if line.get("class") == "app-chart__line"]
    assert sorted(len(line.get("points").split()) for line in lines) == [3, 4]
    assert chart.rows[3][:3] == ("2016-17", "suppressed", "suppressed")


def test_incident_trend_without_population_has_no_rate_line(document):
    """Without population estimates there is no rate: no line, and the caption says why."""
    for row in document["trend"]:
        row["incidents_per_1000"] = row["crimes_per_1000"] = row["population"] = None
    chart = incident_trend(document)
    root = parse(chart)
    assert not list(root.iter(f"{SVG}polyline"))
    assert "no population estimate" in chart.caption


def test_marac_volume_shows_the_benchmark_for_a_quarter(document):
    """The benchmark line is 40 per 10,000 adult females a year, a quarter of it a quarter: 365 cases."""
    chart = marac_volume(document)
    root = parse(chart)
    drawn = bars(root)
    cases = [quarter["cases_heard"] for quarter in document["marac"]["by_quarter"].values()]
    scales = [float(rect.get("height")) / value for rect, value in zip(drawn, cases, strict=True)]
    assert max(scales) - min(scales) < 1e-3
    (line,) = [line for line in root.iter(f"{SVG}line") if line.get("class") == "app-chart__reference"]
    level = base_of(drawn[0]) - float(line.get("y1"))
    assert level / 365 == pytest.approx(scales[0], rel=1e-3)
    assert chart.rows[0] == ("2020-21 Q1", "310", "365")
    assert "benchmark of 40 cases a year per 10,000 adult females (365 a quarter)" in chart.caption


def test_marac_volume_without_population_has_no_benchmark(document):
    """Without the adult female population there is no benchmark line, and the caption says so."""
    document["marac"]["adult_females"] = None
    chart = marac_volume(document)
    root = parse(chart)
    assert not [line for line in root.iter(f"{SVG}line") if line.get("class") == "app-chart__reference"]
    assert "no population estimate for the period, so the SafeLives benchmark is not shown" in chart.caption
    assert chart.rows[0] == ("2020-21 Q1", "310", "not available")


def test_labels_are_escaped(document):
    """A label with < and & is escaped in the SVG and reads back as written."""
    quarters = document["marac"]["by_quarter"]
    document["marac"]["by_quarter"] = {"Q1 <script>alert(1)</script> & co": quarters["2020-21 Q1"]}
    document["period"]["label"] = "2020-21 <b>&</b>"
    chart = marac_volume(document)
    assert "<script" not in chart.svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in chart.svg
    root = parse(chart)
    assert "Q1 <script>alert(1)</script> & co" in [text.text for text in root.iter(f"{SVG}text")]
    assert root.findtext(f"{SVG}title").startswith("MARAC cases heard by quarter, 2020-21 <b>&</b>")


def test_an_empty_period_draws_an_empty_chart():
    """A document with no figures still gives a valid chart and an empty table."""
    chart = referrals_by_month({"period": {"label": "2020-21"}, "idva": {"by_month": {}}, "suppressed": {}})
    assert parse(chart).get("role") == "img"
    assert chart.rows == ()
