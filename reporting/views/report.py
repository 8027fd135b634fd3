"""The annual report page's content, from a published report document: the headline figures and every
breakdown table, each figure written as the page shows it ("1,234", "12.5%", "fewer than 5", "suppressed").

Presentation only: the figures, and which are suppressed, come from reporting.figures and
reporting.disclosure; this module reads them and finds the names of agencies, posts, outcomes and stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agencies.models import Agency
from dhr.models import Stage
from reporting.disclosure import display
from reporting.labels import AGENCY_KINDS, CLOSURE_OUTCOMES, SPECIALIST_POSTS, figure_label, figure_labels, month_label

# The figures of each table, in order; their names come from reporting.labels, as the exports' do.
SAFELIVES = figure_labels(
    "marac.safelives",
    (
        "cases_discussed",
        "repeat_cases",
        "children",
        "police_referrals",
        "partner_referrals",
        "police_percentage",
        "partner_percentage",
        "racially_minoritised_victims",
        "lgbt_victims",
        "disabled_victims",
        "male_victims",
        "victims_aged_16_17",
        "cases_with_perpetrator_aged_17_or_under",
    ),
)
PANEL = figure_labels(
    "perpetrator_panel",
    (
        "cases_with_actions",
        "male_pct",
        "no_fixed_abode",
        "violence_against_parent",
        "stalking_pct",
        "strangulation_pct",
    ),
)
DHR = figure_labels(
    "dhr",
    (
        "deaths_meeting_criteria",
        "homicides",
        "suicides",
        "female",
        "male",
        "reviewed_as_child_death",
        "reviews_open",
        "recommendations",
    ),
)
DHR_ACTIONS = {key: figure_label(f"dhr.actions.{key}") for key in ("total", "complete", "overdue")}
IDVA = figure_labels(
    "idva",
    (
        "referrals",
        "engaged",
        "not_engaged",
        "engagement_rate_pct",
        "repeat_referrals",
        "repeat_rate_pct",
        "closed",
        "risk_reduced_victim_view_pct",
    ),
)
MARAC = figure_labels(
    "marac",
    (
        "cases_heard",
        "repeat_cases",
        "repeat_rate_pct",
        "children_in_households",
        "meetings_held",
        "adult_females",
        "cases_per_10000_adult_females",
        "benchmark_per_10000",
    ),
)


@dataclass
class Table:
    """A GOV.UK table: caption, column headers, rows of cells (the first a row header); `numeric` tells
    which columns are numbers (right-aligned)."""

    caption: str
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.numeric:
            self.numeric = [False] + [True] * (len(self.headers) - 1)

    @property
    def body(self) -> list[list[tuple[str, bool]]]:
        return [list(zip(row, self.numeric, strict=False)) for row in self.rows]

    @property
    def head(self) -> list[tuple[str, bool]]:
        return list(zip(self.headers, self.numeric, strict=False))


class Shown:
    """Reads figures of a published document by dotted path and writes them as the page shows them."""

    def __init__(self, document: dict[str, Any], threshold: int) -> None:
        self.document = document
        self.suppressed: dict[str, str] = document.get("suppressed") or {}
        self.threshold = threshold

    def get(self, path: str) -> Any:
        value: Any = self.document
        for part in path.split("."):
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return None
        return value

    def value(self, value: Any, path: str = "") -> str:
        """One figure as reporting.disclosure shows it: "1,234", "18.0%", "+18.0%" for a change, "15.5" for
        a rate; a suppressed one "fewer than 5" (primary) or "suppressed" (secondary)."""
        return display(value, path, self.document)

    def at(self, path: str) -> str:
        """The figure at a dotted path."""
        return self.value(self.get(path), path)

    def change(self, path: str) -> tuple[str, str]:
        """The previous period's figure and the change, from the document's `changes`."""
        change = (self.document.get("changes") or {}).get(path)
        if change is None:
            return "", ""
        return (
            self.value(change.get("previous"), f"changes.{path}.previous"),
            self.value(change.get("change_pct"), f"changes.{path}.change_pct"),
        )


def _figure_table(shown: Shown, caption: str, section: str, names: dict[str, str], *, changes: bool) -> Table:
    previous_label = shown.get("previous_period.label") or "previous period"
    headers = ["Figure", "This period"]
    if changes:
        headers += [f"Previous ({previous_label})", "Change"]
    rows = []
    for key, name in names.items():
        path = f"{section}.{key}"
        if key not in (shown.get(section) or {}):
            continue
        row = [name, shown.at(path)]
        if changes:
            row += list(shown.change(path))
        rows.append(row)
    return Table(caption, headers, rows)


def _counts_table(shown: Shown, caption: str, *, path: str, heading: str, names: dict[str, str], column: str) -> Table:
    counts = shown.get(path) or {}
    rows = [[names.get(key, key), shown.value(value, f"{path}.{key}")] for key, value in counts.items()]
    return Table(caption, [heading, column], rows)


def _safelives_table(shown: Shown, prefix: str) -> Table:
    safelives = shown.get(prefix) or {}
    rows = [[name, shown.at(f"{prefix}.{key}")] for key, name in SAFELIVES.items() if key in safelives]
    for kind, value in (safelives.get("referrals_by_agency_kind") or {}).items():
        rows.append(
            [
                f"Cases referred by {AGENCY_KINDS.get(kind, kind).lower()}",
                shown.value(value, f"{prefix}.referrals_by_agency_kind.{kind}"),
            ]
        )
    return Table("SafeLives MARAC return for the period", ["Figure", "Value"], rows)


def headlines(shown: Shown) -> list[dict[str, str]]:
    """The headline figures, each with the figures that put it in context ("Label: value"; "; " between)."""
    previous = shown.get("previous_period.label") or "previous period"
    items = []

    def add(key: str, path: str, *context: tuple[str, str]) -> None:
        if shown.get(path.split(".", maxsplit=1)[0]) is None:
            return
        detail = "; ".join(f"{label}: {shown.at(figure)}" for label, figure in context)
        items.append({"key": key, "value": shown.at(path), "detail": detail})

    add(
        "IDVA referrals",
        "idva.referrals",
        (previous, "idva.referrals_previous"),
        ("change", "idva.referrals_change_pct"),
    )
    add("IDVA engagement rate", "idva.engagement_rate_pct", ("target", "idva.engagement_target_pct"))
    add("Repeat referrals to the IDVA service", "idva.repeat_rate_pct", ("repeat referrals", "idva.repeat_referrals"))
    add(
        "MARAC cases heard",
        "marac.cases_heard",
        (previous, "marac.cases_heard_previous"),
        ("change", "marac.cases_heard_change_pct"),
    )
    add(
        "MARAC cases per 10,000 adult females",
        "marac.cases_per_10000_adult_females",
        ("SafeLives benchmark", "marac.benchmark_per_10000"),
    )
    add(
        "Police domestic abuse incidents",
        "police.incidents",
        ("per 1,000 people", "police.incidents_per_1000"),
        (previous, "police.incidents_previous"),
        ("change", "police.incidents_change_pct"),
    )
    add(
        "Domestic abuse crimes",
        "police.crimes",
        ("per 1,000 people", "police.crimes_per_1000"),
        (previous, "police.crimes_previous"),
        ("change", "police.crimes_change_pct"),
    )
    add(
        "Perpetrators with panel actions",
        "perpetrator_panel.cases_with_actions",
        ("male", "perpetrator_panel.male_pct"),
    )
    add(
        "Deaths meeting the criteria for a review",
        "dhr.deaths_meeting_criteria",
        ("homicides", "dhr.homicides"),
        ("suicides", "dhr.suicides"),
        ("reviews open", "dhr.reviews_open"),
    )
    return items


def tables(shown: Shown, *, agency_names: dict[str, str], stage_names: dict[str, str]) -> list[Table]:
    """Every breakdown table of the report, in the order of the report."""
    result = []
    if "idva" not in shown.document and shown.get("marac.safelives") is not None:
        # A SafeLives quarterly run (reporting.figures.safelives_document): the return alone.
        result.append(_safelives_table(shown, "marac.safelives"))
        return result
    idva = shown.get("idva") or {}
    if idva:
        result.append(
            _figure_table(
                shown,
                "IDVA service",
                "idva",
                IDVA,
                changes=True,
            )
        )
        months = shown.get("idva.by_month") or {}
        result.append(
            Table(
                "IDVA referrals by month",
                ["Month", "Referrals"],
                [[month_label(key), shown.value(value, f"idva.by_month.{key}")] for key, value in months.items()],
                id="idva-by-month",
            )
        )
        result.append(
            _counts_table(
                shown,
                "IDVA referrals by referring agency",
                path="idva.by_referring_agency",
                heading="Agency",
                names=agency_names,
                column="Referrals",
            )
        )
        result.append(
            _counts_table(
                shown,
                "IDVA referrals by specialist post",
                path="idva.by_specialist_post",
                heading="Post",
                names=SPECIALIST_POSTS,
                column="Referrals",
            )
        )
        result.append(
            _counts_table(
                shown,
                "Outcomes of referrals closed",
                path="idva.outcomes_at_closure",
                heading="Outcome",
                names=CLOSURE_OUTCOMES,
                column="Referrals",
            )
        )
    marac = shown.get("marac") or {}
    if marac:
        result.append(
            _figure_table(
                shown,
                "MARAC",
                "marac",
                MARAC,
                changes=True,
            )
        )
        quarters = shown.get("marac.by_quarter") or {}
        columns = [
            ("cases_heard", "Cases heard"),
            ("repeat_cases", "Repeat cases"),
            ("children_in_households", "Children"),
            ("meetings_held", "Meetings"),
        ]
        result.append(
            Table(
                "MARAC by quarter",
                ["Quarter", *(name for _, name in columns)],
                [
                    [label, *(shown.value(row.get(key), f"marac.by_quarter.{label}.{key}") for key, _ in columns)]
                    for label, row in quarters.items()
                ],
            )
        )
        result.append(_safelives_table(shown, "marac.safelives"))
    if shown.get("police") is not None:
        result.append(
            _figure_table(
                shown,
                "Police",
                "police",
                {
                    "incidents": "Domestic abuse incidents",
                    "incidents_per_1000": "Incidents per 1,000 people",
                    "crimes": "Domestic abuse crimes",
                    "crimes_per_1000": "Crimes per 1,000 people",
                    "population": "Population",
                },
                changes=True,
            )
        )
    trend = shown.get("trend") or []
    if trend:
        result.append(
            Table(
                "Domestic abuse incidents and crimes by year",
                ["Year", "Incidents", "Rate per 1,000", "Crimes", "Rate per 1,000"],
                [
                    [
                        str(row.get("label", "")),
                        *(
                            shown.value(row.get(key), f"trend.{index}.{key}")
                            for key in ("incidents", "incidents_per_1000", "crimes", "crimes_per_1000")
                        ),
                    ]
                    for index, row in enumerate(trend)
                ],
                id="trend",
            )
        )
    if shown.get("perpetrator_panel") is not None:
        result.append(_figure_table(shown, "Perpetrator panel", "perpetrator_panel", PANEL, changes=True))
    dhr = shown.get("dhr") or {}
    if dhr:
        result.append(_figure_table(shown, "Domestic homicide reviews", "dhr", DHR, changes=True))
        actions = dhr.get("actions") or {}
        if actions:
            result.append(
                Table(
                    "Actions of review recommendations",
                    ["Figure", "Number"],
                    [[name, shown.at(f"dhr.actions.{key}")] for key, name in DHR_ACTIONS.items() if key in actions],
                )
            )
        result.append(
            _counts_table(
                shown,
                "Open reviews by stage",
                path="dhr.reviews_by_stage",
                heading="Stage",
                names=stage_names,
                column="Reviews",
            )
        )
        themes = dhr.get("by_theme") or {}
        result.append(
            Table(
                "Review recommendations by learning theme",
                ["Theme", "Recommendations", "Actions complete", "Actions overdue"],
                [
                    [
                        theme,
                        *(
                            shown.value(row.get(key), f"dhr.by_theme.{theme}.{key}")
                            for key in ("recommendations", "actions_complete", "actions_overdue")
                        ),
                    ]
                    for theme, row in themes.items()
                ],
            )
        )
    return result


def services(shown: Shown) -> Table:
    """The service returns' figures with their targets; a figure withheld because its parts do not add
    up says so."""
    metrics = shown.get("service_metrics") or {}
    values = shown.get("services") or {}
    shares = shown.get("services_shares") or {}
    failed = {
        check.get("metric"): (index, check)
        for index, check in enumerate(shown.get("service_checks") or [])
        if not check.get("ok")
    }
    rows = []
    for code, value in values.items():
        metric = metrics.get(code) or {}
        if code in failed:
            index, check = failed[code]
            parts_sum = check.get("parts_sum")
            if check.get("kind") == "parts" and parts_sum is not None:
                shown_value = f"withheld: parts add up to {shown.value(parts_sum, f'service_checks.{index}.parts_sum')}"
            else:
                shown_value = f"withheld: {check.get('message') or 'its check failed'}"
        else:
            shown_value = shown.value(value, f"services.{code}")
        target = metric.get("target")
        share = ""
        if code in shares:
            whole = metrics.get(metric.get("subset_of") or "") or {}
            name = str(whole.get("name") or "")
            share = f"{shown.value(shares[code], f'services_shares.{code}')} of {name[:1].lower()}{name[1:]}"
        rows.append(
            [
                str(metric.get("name") or code),
                shown_value,
                share,
                shown.value(target, "target") if target is not None else "",
            ]
        )
    return Table("Service returns", ["Figure", "This period", "Share", "Target"], rows, id="services")


def failed_checks(shown: Shown) -> list[str]:
    """The messages of the service checks that failed, for the warning above the services table."""
    return [str(check.get("message", "")) for check in shown.get("service_checks") or [] if not check.get("ok")]


def agency_names(document: dict[str, Any]) -> dict[str, str]:
    slugs = list(((document.get("idva") or {}).get("by_referring_agency") or {}).keys())
    if not slugs:
        return {}
    return dict(Agency.objects.filter(slug__in=slugs).values_list("slug", "name"))


def stage_names(document: dict[str, Any]) -> dict[str, str]:
    codes = list(((document.get("dhr") or {}).get("reviews_by_stage") or {}).keys())
    if not codes:
        return {}
    return dict(Stage.objects.filter(code__in=codes).values_list("code", "name"))


def export_labels(document: dict[str, Any]) -> dict[str, str]:
    """The names the exports print for the agency slugs and stage codes of a document."""
    return agency_names(document) | stage_names(document)


def report_context(document: dict[str, Any], *, threshold: int) -> dict[str, Any]:
    """Everything the report page shows of a published document (two queries: agency and stage names)."""
    shown = Shown(document, threshold)
    return {
        "headlines": headlines(shown),
        "tables": tables(shown, agency_names=agency_names(document), stage_names=stage_names(document)),
        "services_table": services(shown),
        "failed_checks": failed_checks(shown),
        "threshold": threshold,
    }
