"""Disclosure control of published reports: small counts suppressed, with secondary suppression so that no
total, difference or percentage gives them away (design: "Disclosure control (decided)"). Pure: no database.

`published(document, threshold)` returns a copy of a report document (reporting.figures) in which:

- **primary**: every count from 1 to threshold - 1 is null (0 is shown: it reveals nobody);
- **secondary**: in every additive group (parts that add up to a total, listed in ADDITIVE_GROUPS), no
  hidden cell is left alone: a group with exactly one unknown cell would let a reader subtract the others
  from the total, so the smallest other non-zero part is suppressed too, repeated until every group has
  none or at least two. What the parts leave over of the total (the "rest", e.g. deaths other than
  homicides and suicides, referrals with no engagement outcome yet) is a category that is not published:
  when it is not zero it is one more unknown, and when it is small it must not be recoverable either;
- figures that are the same number in two places (ALIASES: a period's previous value and its "changes"
  entry, a trend row and the police figures of the same year...) are suppressed together;
- percentages, rates and changes computed from a suppressed count are null too (DERIVED, IMPLIED).

Every suppressed value is listed in `"suppressed": {"<dotted path>": "primary" | "secondary"}`, and
`"disclosure": {"threshold": n}` records the threshold. Paths join keys with dots and list rows by their
index ("trend.3.crimes"); a "changes" entry is "changes.<its key>.previous" ("changes.idva.referrals.previous").
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

PRIMARY = "primary"
SECONDARY = "secondary"

Path = tuple[str, ...]

# The sections of the document that hold figures. period, previous_period, area and service_metrics (names
# and targets) are not figures.
FIGURE_SECTIONS = (
    "idva",
    "marac",
    "police",
    "trend",
    "perpetrator_panel",
    "dhr",
    "services",
    "services_shares",
    "service_checks",
)

# Numbers that are not counts of people, cases or events, by their key: never suppressed for themselves.
# Populations and targets are public or policy figures, a year is a label, and MARAC meetings held are the
# partnership's own diary (no victim is in that number).
NOT_COUNTS = frozenset(
    {
        "engagement_target_pct",
        "benchmark_per_10000",
        "meetings_held",
        "population",
        "population_year",
        "adult_females",
    }
)
# Percentages, rates and changes: derived from counts, nulled with them (DERIVED), never suppressed alone.
NOT_COUNT_ENDINGS = ("_pct", "_percentage", "_per_1000", "_per_10000")
# In a service check only these are counts; "metric", "kind", "message" are text and "ok" a flag.
SERVICE_CHECK_COUNTS = frozenset({"total", "parts_sum", "parts"})


@dataclass(frozen=True)
class AdditiveGroup:
    """Counts that add up to a total. A `*` stands for every key of a breakdown (or every row of the trend
    table); a `*` in the total stands for each row in turn, and the parts' first `*` for the same row.
    `rest` names what the parts leave over of the total, when they need not cover it all."""

    total: str
    parts: tuple[str, ...]
    rest: str = ""


_SAFELIVES_SUBSETS = (
    "repeat_cases",
    "racially_minoritised_victims",
    "lgbt_victims",
    "disabled_victims",
    "male_victims",
    "victims_aged_16_17",
    "cases_with_perpetrator_aged_17_or_under",
)

ADDITIVE_GROUPS: tuple[AdditiveGroup, ...] = (
    AdditiveGroup("idva.referrals", ("idva.by_month.*",)),
    AdditiveGroup("idva.referrals", ("idva.by_referring_agency.*",), rest="no referring agency recorded"),
    AdditiveGroup("idva.referrals", ("idva.by_specialist_post.*",)),
    AdditiveGroup("idva.referrals", ("idva.engaged", "idva.not_engaged"), rest="no engagement outcome yet"),
    AdditiveGroup("idva.referrals", ("idva.repeat_referrals",), rest="first referrals"),
    AdditiveGroup("idva.closed", ("idva.outcomes_at_closure.*",)),
    AdditiveGroup("marac.cases_heard", ("marac.by_quarter.*.cases_heard",)),
    AdditiveGroup("marac.repeat_cases", ("marac.by_quarter.*.repeat_cases",)),
    AdditiveGroup("marac.children_in_households", ("marac.by_quarter.*.children_in_households",)),
    AdditiveGroup("marac.cases_heard", ("marac.repeat_cases",), rest="first cases"),
    AdditiveGroup("marac.safelives.cases_discussed", ("marac.safelives.referrals_by_agency_kind.*",)),
    AdditiveGroup(
        "marac.safelives.cases_discussed", ("marac.safelives.police_referrals", "marac.safelives.partner_referrals")
    ),
    *(
        AdditiveGroup("marac.safelives.cases_discussed", (f"marac.safelives.{name}",), rest="the other cases")
        for name in _SAFELIVES_SUBSETS
    ),
    AdditiveGroup("police.incidents", ("police.crimes",), rest="incidents not recorded as crimes"),
    AdditiveGroup("trend.*.incidents", ("trend.*.crimes",), rest="incidents not recorded as crimes"),
    AdditiveGroup("perpetrator_panel.cases_with_actions", ("perpetrator_panel.no_fixed_abode",), rest="the others"),
    AdditiveGroup(
        "perpetrator_panel.cases_with_actions", ("perpetrator_panel.violence_against_parent",), rest="the others"
    ),
    AdditiveGroup("dhr.deaths_meeting_criteria", ("dhr.homicides", "dhr.suicides"), rest="other deaths"),
    AdditiveGroup("dhr.deaths_meeting_criteria", ("dhr.female", "dhr.male"), rest="other or not known"),
    AdditiveGroup("dhr.deaths_meeting_criteria", ("dhr.reviewed_as_child_death",), rest="reviewed as a DHR"),
    AdditiveGroup("dhr.reviews_open", ("dhr.reviews_by_stage.*",)),
    AdditiveGroup("dhr.actions.total", ("dhr.actions.complete", "dhr.actions.overdue"), rest="open, not yet due"),
    AdditiveGroup("service_checks.*.parts_sum", ("service_checks.*.parts.*",)),
    # Plus, from service_metrics: each total service metric with its parts (part_of) and each metric with its
    # subsets (subset_of, the rest being outside the subset): see _service_groups.
)

# Percentages, rates and changes, with the counts they are computed from: null when any of those is.
DERIVED: dict[str, tuple[str, ...]] = {
    "idva.referrals_change_pct": ("idva.referrals", "idva.referrals_previous"),
    "idva.engagement_rate_pct": ("idva.engaged", "idva.not_engaged"),
    "idva.repeat_rate_pct": ("idva.repeat_referrals", "idva.referrals"),
    # Of closures with a closure record: that count is not published, the referrals closed stand for it.
    "idva.risk_reduced_victim_view_pct": ("idva.closed",),
    "marac.cases_heard_change_pct": ("marac.cases_heard", "marac.cases_heard_previous"),
    "marac.repeat_rate_pct": ("marac.repeat_cases", "marac.cases_heard"),
    "marac.cases_per_10000_adult_females": ("marac.cases_heard",),
    "marac.safelives.police_percentage": ("marac.safelives.police_referrals", "marac.safelives.cases_discussed"),
    "marac.safelives.partner_percentage": ("marac.safelives.partner_referrals", "marac.safelives.cases_discussed"),
    "police.incidents_change_pct": ("police.incidents", "police.incidents_previous"),
    "police.crimes_change_pct": ("police.crimes", "police.crimes_previous"),
    "police.incidents_per_1000": ("police.incidents",),
    "police.crimes_per_1000": ("police.crimes",),
    "trend.*.incidents_per_1000": ("trend.*.incidents",),
    "trend.*.crimes_per_1000": ("trend.*.crimes",),
    "perpetrator_panel.male_pct": ("perpetrator_panel.cases_with_actions",),
    "perpetrator_panel.stalking_pct": ("perpetrator_panel.cases_with_actions",),
    "perpetrator_panel.strangulation_pct": ("perpetrator_panel.cases_with_actions",),
}
# Percentages whose numerator is not published, with their published denominator: percentage x
# denominator gives the numerator back (68 of 69 panel perpetrators male: 98.6% reveals the one who is
# not), so a percentage is nulled when the count it implies, or the rest of the denominator, is small.
IMPLIED: dict[str, str] = {
    "perpetrator_panel.male_pct": "perpetrator_panel.cases_with_actions",
    "perpetrator_panel.stalking_pct": "perpetrator_panel.cases_with_actions",
    "perpetrator_panel.strangulation_pct": "perpetrator_panel.cases_with_actions",
}

# The generic message of a service check some of whose figures are suppressed (its own may quote them).
SUPPRESSED_CHECK_MESSAGE = "Some of the figures of this check are too small to publish."


def is_count(path: Path) -> bool:
    """Whether the number at `path` counts people, cases or events (and so may be suppressed)."""
    if path[0] == "changes":
        return path[-1] == "previous" and is_count(tuple(path[1].split(".")))
    if path[0] == "service_checks":
        return len(path) > 2 and path[2] in SERVICE_CHECK_COUNTS
    if path[0] == "services_shares":
        return False
    key = path[-1].removesuffix("_previous")
    return key not in NOT_COUNTS and not key.endswith(NOT_COUNT_ENDINGS)


def published(document: dict[str, Any], threshold: int) -> dict[str, Any]:
    """The document as it may leave the system: small counts suppressed (see the module docstring)."""
    result = copy.deepcopy(document)
    numbers = dict(_numbers(document))
    counts = {path: value for path, value in numbers.items() if isinstance(value, int) and is_count(path)}
    status: dict[Path, str] = {path: PRIMARY for path, value in counts.items() if 0 < value < threshold}
    if threshold > 1:
        _suppress_secondary(document, counts, status, threshold)
        _null_derived(document, numbers, status, threshold)
    for path in status:
        _set(result, path, None)
    for index, check in enumerate(result.get("service_checks") or []):
        if any(path[:2] == ("service_checks", str(index)) for path in status):
            check["message"] = SUPPRESSED_CHECK_MESSAGE
    result["suppressed"] = {".".join(path): status[path] for path in numbers if path in status}
    result["disclosure"] = {"threshold": threshold}
    return result


def display(value: Any, path: str, document: dict[str, Any]) -> str:
    """A published figure as pages and exports show it: "fewer than 5" (primary), "suppressed"
    (secondary), "not available" (no value, e.g. a zero denominator), or the number: "1,234", "18.0%",
    "+18.0%" for a change, "15.5" for a rate, "2020" for a year."""
    reason = (document.get("suppressed") or {}).get(path)
    if reason == PRIMARY:
        return f"fewer than {(document.get('disclosure') or {}).get('threshold', 5)}"
    if reason == SECONDARY:
        return "suppressed"
    return format_value(value, path)


def format_value(value: Any, path: str) -> str:
    """A number formatted by what it is (see display), without regard to suppression."""
    if value is None:
        return "not available"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    key = _figure_key(path)
    if key.endswith("change_pct"):
        text = "0.0%" if value == 0 else f"{value:+,.1f}%"
    elif key.endswith(("_pct", "_percentage")) or path.startswith("services_shares."):
        text = f"{value:,.1f}%"
    elif key == "population_year":
        text = str(value)
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = f"{value:,.1f}"
    return text


def _figure_key(path: str) -> str:
    """The key that says what kind of number is at `path` ("changes.idva.referrals.previous": "referrals")."""
    if path.startswith("changes.") and path.endswith(".previous"):
        path = path.removeprefix("changes.").removesuffix(".previous")
    if path.startswith("changes.") and path.endswith(".change_pct"):
        return "change_pct"
    return path.rsplit(".", 1)[-1]


# The document as paths ------------------------------------------------------------------------------------

_MISSING = object()


def _leaves(node: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, str(index)))
    else:
        yield path, node


def _numbers(document: dict[str, Any]) -> Iterator[tuple[Path, int | float | None]]:
    """Every number (or null) of the figure sections and of "changes", in document order."""
    for section in FIGURE_SECTIONS:
        if section in document:
            for path, value in _leaves(document[section], (section,)):
                if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
                    yield path, value
    for key, entry in (document.get("changes") or {}).items():
        for field in ("previous", "change_pct"):
            if field in entry:
                yield ("changes", key, field), entry[field]


def _get(document: Any, path: Path) -> Any:
    if path[0] == "changes":
        entry = (document.get("changes") or {}).get(path[1])
        return _MISSING if entry is None else entry.get(path[2], _MISSING)
    node = document
    for key in path:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return _MISSING
    return node


def _set(document: Any, path: Path, value: Any) -> None:
    if path[0] == "changes":
        document["changes"][path[1]][path[2]] = value
        return
    node = document
    for key in path[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(path[-1])] = value
    else:
        node[path[-1]] = value


def _expand(document: Any, pattern: str, bound: tuple[str, ...] = ()) -> list[tuple[Path, tuple[str, ...]]]:
    """The paths matching `pattern` in the document, each with the keys its `*`s matched; the first `*`s
    take the keys in `bound` instead."""
    found: list[tuple[Path, tuple[str, ...]]] = [((), ())]
    for segment in pattern.split("."):
        following = []
        for path, keys in found:
            if segment != "*":
                following.append(((*path, segment), keys))
                continue
            if len(keys) < len(bound):
                following.append(((*path, bound[len(keys)]), (*keys, bound[len(keys)])))
                continue
            node = _get(document, path)
            if isinstance(node, dict):
                following.extend(((*path, str(key)), (*keys, str(key))) for key in node)
            elif isinstance(node, list):
                following.extend(((*path, str(index)), (*keys, str(index))) for index in range(len(node)))
        found = following
    return [(path, keys) for path, keys in found if _get(document, path) is not _MISSING]


def _changes_previous(document: dict[str, Any], path: Path) -> Path | None:
    """The "changes" entry holding the previous period's value of the figure at `path`, if there is one."""
    key = ".".join(path)
    entry = (document.get("changes") or {}).get(key)
    return ("changes", key, "previous") if entry is not None and "previous" in entry else None


# Secondary suppression ------------------------------------------------------------------------------------


def _groups(document: dict[str, Any]) -> list[tuple[Path, list[Path]]]:
    """The additive groups of this document, as (total, parts), for this period and, where "changes" holds
    the previous values of the total and every part, for the previous period too."""
    groups: list[tuple[Path, list[Path]]] = []
    for group in ADDITIVE_GROUPS:
        for total, keys in _expand(document, group.total):
            parts = [path for pattern in group.parts for path, _ in _expand(document, pattern, keys)]
            groups.append((total, parts))
    groups.extend(_service_groups(document))
    previous = []
    for total, parts in groups:
        mirrored = [_changes_previous(document, path) for path in (total, *parts)]
        found = [path for path in mirrored if path is not None]
        if len(found) == len(mirrored):
            previous.append((found[0], found[1:]))
    return groups + previous


def _service_groups(document: dict[str, Any]) -> list[tuple[Path, list[Path]]]:
    """Each total service metric with its parts, and each metric with its subsets."""
    metrics = document.get("service_metrics") or {}
    services = document.get("services") or {}
    groups: list[tuple[Path, list[Path]]] = []
    for code in metrics:
        if code not in services:
            continue
        parts: list[Path] = [("services", part) for part, metric in metrics.items() if metric.get("part_of") == code]
        if parts:
            groups.append((("services", code), [part for part in parts if part[1] in services]))
        groups.extend(
            (("services", code), [("services", subset)])
            for subset, metric in metrics.items()
            if metric.get("subset_of") == code and subset in services
        )
    return groups


def _aliases(document: dict[str, Any], counts: dict[Path, int]) -> list[set[Path]]:
    """Sets of paths that hold the same number, so are suppressed together."""
    pairs: list[tuple[Path, Path]] = []
    for section in ("idva", "marac", "police", "perpetrator_panel", "dhr"):
        for key in document.get(section) or {}:
            figure = key.removesuffix("_previous")
            if figure != key and (previous := _changes_previous(document, (section, figure))):
                pairs.append(((section, key), previous))
    safelives = ("marac", "safelives")
    pairs.append(((*safelives, "police_referrals"), (*safelives, "referrals_by_agency_kind", "police")))
    # The same figure by two routes (the report's cases heard and the SafeLives return's cases discussed):
    # when they agree they are one number, and publishing it once would undo suppressing it elsewhere.
    for figure, returned in (
        ("cases_heard", "cases_discussed"),
        ("repeat_cases", "repeat_cases"),
        ("children_in_households", "children"),
    ):
        first, second = ("marac", figure), (*safelives, returned)
        if first in counts and counts.get(first) == counts.get(second):
            pairs.append((first, second))
    pairs.extend(_trend_aliases(document))
    pairs.extend(_service_check_aliases(document))
    return _merge(pair for pair in pairs if pair[0] in counts and pair[1] in counts)


def _trend_aliases(document: dict[str, Any]) -> list[tuple[Path, Path]]:
    """A trend row of the period (or of the previous period) is the police figures of that period."""
    pairs: list[tuple[Path, Path]] = []
    period, previous_period = document.get("period") or {}, document.get("previous_period") or {}
    for index, row in enumerate(document.get("trend") or []):
        for matched, suffix in ((period, ""), (previous_period, "_previous")):
            if matched and (row.get("start"), row.get("end")) == (matched.get("start"), matched.get("end")):
                pairs.extend(
                    (("trend", str(index), figure), ("police", figure + suffix)) for figure in ("incidents", "crimes")
                )
    return pairs


def _service_check_aliases(document: dict[str, Any]) -> list[tuple[Path, Path]]:
    """A service check quotes the service figures it checks."""
    pairs: list[tuple[Path, Path]] = []
    services = document.get("services") or {}
    for index, check in enumerate(document.get("service_checks") or []):
        prefix = ("service_checks", str(index))
        if services.get(check.get("metric")) is not None:
            pairs.append(((*prefix, "total"), ("services", check["metric"])))
        pairs.extend(
            ((*prefix, "parts", code), ("services", code))
            for code in check.get("parts") or {}
            if services.get(code) is not None
        )
    return pairs


def _merge(pairs: Iterable[tuple[Path, Path]]) -> list[set[Path]]:
    sets: list[set[Path]] = []
    for first, second in pairs:
        joined = {first, second}
        for existing in [found for found in sets if found & joined]:
            joined |= existing
            sets.remove(existing)
        sets.append(joined)
    return sets


def _suppress_secondary(
    document: dict[str, Any], counts: dict[Path, int], status: dict[Path, str], threshold: int
) -> None:
    """Suppress more counts until no additive group has exactly one unknown, and aliases agree."""
    groups = [
        (total, parts)
        for total, parts in _groups(document)
        if total in counts and parts and all(part in counts for part in parts)
    ]
    aliases = _aliases(document, counts)
    changed = True
    while changed:
        changed = False
        for members in aliases:
            hidden = [status[path] for path in members if path in status]
            for path in members:
                if hidden and path not in status:
                    status[path] = PRIMARY if PRIMARY in hidden else SECONDARY
                    changed = True
        for total, parts in groups:
            cells = [total, *parts]
            rest = counts[total] - sum(counts[part] for part in parts)
            unknown = sum(cell in status for cell in cells) + (rest != 0)
            # One unknown is recoverable by subtraction: a suppressed cell, or a small rest.
            if unknown == 1 and (rest == 0 or 0 < rest < threshold):
                pick = _next_to_suppress(cells, counts, status)
                if pick is not None:
                    status[pick] = SECONDARY
                    changed = True


def _next_to_suppress(cells: list[Path], counts: dict[Path, int], status: dict[Path, str]) -> Path | None:
    """The smallest shown non-zero part (the first of equals), or else the total."""
    total, parts = cells[0], cells[1:]
    candidates = [part for part in parts if part not in status and counts[part] != 0]
    if candidates:
        return min(candidates, key=lambda part: counts[part])
    return total if total not in status and counts[total] != 0 else None


def _null_derived(document: dict[str, Any], numbers: dict[Path, Any], status: dict[Path, str], threshold: int) -> None:
    """Null the percentages, rates and changes a suppressed count would be recoverable from."""
    for pattern, sources in DERIVED.items():
        for path, keys in _expand(document, pattern):
            source_paths = [found for source in sources for found, _ in _expand(document, source, keys)]
            _null_if(path, source_paths, numbers, status)
            previous = _changes_previous(document, path)
            if previous is not None:
                mirrored = [_changes_previous(document, source) for source in source_paths]
                _null_if(previous, [found for found in mirrored if found], numbers, status)
    _null_shares(document, numbers, status)
    _null_implied(document, numbers, status, threshold)
    _null_changes(document, numbers, status)


def _null_shares(document: dict[str, Any], numbers: dict[Path, Any], status: dict[Path, str]) -> None:
    """Null a service share (a subset as a percentage of its superset) when either count is suppressed:
    with the other count it gives the suppressed one back."""
    metrics = document.get("service_metrics") or {}
    for code in document.get("services_shares") or {}:
        superset = (metrics.get(code) or {}).get("subset_of")
        sources = [("services", code)] + ([("services", superset)] if superset else [])
        _null_if(("services_shares", code), sources, numbers, status)


def _null_changes(document: dict[str, Any], numbers: dict[Path, Any], status: dict[Path, str]) -> None:
    """Null the changes whose figure or previous value is suppressed."""
    # A change is recoverable from the figure and its previous value, so goes with either.
    for key, entry in (document.get("changes") or {}).items():
        path = ("changes", key, "change_pct")
        if entry.get("change_pct") is not None and path not in status:
            figure = tuple(key.split("."))
            if figure in status or ("changes", key, "previous") in status:
                status[path] = SECONDARY
    # A section's own "<figure>_change_pct" follows its "changes" entry.
    for key in document.get("changes") or {}:
        section, _, figure = key.partition(".")
        own = (section, f"{figure}_change_pct")
        if ("changes", key, "change_pct") in status and numbers.get(own) is not None:
            status.setdefault(own, SECONDARY)


def _null_implied(document: dict[str, Any], numbers: dict[Path, Any], status: dict[Path, str], threshold: int) -> None:
    """Null the percentages (IMPLIED) that give back a small count, or whose denominator is suppressed."""
    for pattern, denominator in IMPLIED.items():
        for path, _ in _expand(document, pattern):
            for percentage_path, denominator_path in (
                (path, tuple(denominator.split("."))),
                (_changes_previous(document, path), _changes_previous(document, tuple(denominator.split(".")))),
            ):
                if percentage_path is None or denominator_path is None or percentage_path in status:
                    continue
                value, whole = numbers.get(percentage_path), numbers.get(denominator_path)
                if value is None or whole is None:
                    continue
                implied = round(value * whole / 100)
                if denominator_path in status or 0 < implied < threshold or 0 < whole - implied < threshold:
                    status[percentage_path] = SECONDARY


def _null_if(path: Path, sources: list[Path], numbers: dict[Path, Any], status: dict[Path, str]) -> None:
    if path not in status and numbers.get(path) is not None and any(source in status for source in sources):
        status[path] = SECONDARY
