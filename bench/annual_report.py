"""Time the annual report against hand-written SQL for the same headline figures, on synthetic data.

    scripts/with-services.sh .venv/bin/python bench/annual_report.py --scale 1 --scale 100

For each scale: bench/generate.py creates and fills a database of its own on the throwaway PostgreSQL
(DATABASE_URL), then a child process pointed at that database times, on the same data and connection,

- the product: `reporting.figures.annual_report(period=financial_year(2022), area=None)` (the whole
  partnership) and for one county;
- one hand-written SQL query per headline figure, with the report's definitions (HANDWRITTEN below);

each after a warm-up, best of `--repeat` runs. It prints a table, writes bench/results/annual_report-<scale>.json
(and the product's slowest queries with EXPLAIN ANALYZE in bench/results/explain-<scale>.txt) and checks
the targets: the report of the largest scale under 10 seconds and within 1.5 times the hand-written sum.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

# The child processes run this interpreter on this repository's own scripts.
# ruff: noqa: S603

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPORT_YEAR = 2022  # financial year 2022-23, the last generated
TODAY = date(2023, 4, 1)
TARGET_SECONDS = 10.0
TARGET_RATIO = 1.5

# The headline figures, one query each, with the report's definitions (reporting.figures, the contract in
# the issue), written as a person would for the one scope: the whole partnership joins no case for its
# area. %(start)s and %(end)s are the period's first and last days, %(starts)s and %(ends)s the aware bounds
# of its local days (meeting times), %(areas)s the ids of the area and the areas within it.
HANDWRITTEN_TEMPLATES: dict[str, str] = {
    "idva.referrals": """
        SELECT count(*) FROM referrals_referral r {r_case}
        WHERE r.service = 'idva' AND r.received_on BETWEEN %(start)s AND %(end)s {c_area}""",
    "idva.engagement_rate_pct": """
        SELECT round(100.0 * count(*) FILTER (WHERE r.engagement = 'engaged')
                     / nullif(count(*) FILTER (WHERE r.engagement IN ('engaged', 'not_engaged')), 0), 1)
        FROM referrals_referral r {r_case}
        WHERE r.service = 'idva' AND r.received_on BETWEEN %(start)s AND %(end)s {c_area}""",
    "idva.repeat_rate_pct": """
        SELECT round(100.0 * count(*) FILTER (WHERE r.is_repeat) / nullif(count(*), 0), 1)
        FROM referrals_referral r {r_case}
        WHERE r.service = 'idva' AND r.received_on BETWEEN %(start)s AND %(end)s {c_area}""",
    "marac.cases_heard": """
        SELECT count(*) FROM marac_agendaitem i JOIN marac_maracmeeting m ON m.id = i.meeting_id
        WHERE m.kind = 'marac' AND m.status <> 'cancelled' AND i.outcome IN ('heard', 'escalated')
          AND m.starts_at >= %(starts)s AND m.starts_at < %(ends)s {m_area}""",
    "marac.repeat_cases": """
        SELECT count(*) FROM marac_agendaitem i JOIN marac_maracmeeting m ON m.id = i.meeting_id
        JOIN referrals_referral r ON r.id = i.referral_id
        WHERE m.kind = 'marac' AND m.status <> 'cancelled' AND i.outcome IN ('heard', 'escalated')
          AND m.starts_at >= %(starts)s AND m.starts_at < %(ends)s {m_area}
          AND (i.is_repeat OR r.is_repeat)""",
    "marac.children_in_households": """
        SELECT count(k.id) FROM marac_agendaitem i JOIN marac_maracmeeting m ON m.id = i.meeting_id
        JOIN referrals_referral r ON r.id = i.referral_id JOIN cases_child k ON k.case_id = r.case_id
        WHERE m.kind = 'marac' AND m.status <> 'cancelled' AND i.outcome IN ('heard', 'escalated')
          AND m.starts_at >= %(starts)s AND m.starts_at < %(ends)s {m_area}""",
    "marac.meetings_held": """
        SELECT count(*) FROM marac_maracmeeting m
        WHERE m.kind = 'marac' AND m.status <> 'cancelled'
          AND m.starts_at >= %(starts)s AND m.starts_at < %(ends)s {m_area}
          AND (m.status IN ('held', 'minutes_approved') OR EXISTS (
               SELECT 1 FROM marac_agendaitem i WHERE i.meeting_id = m.id AND i.outcome IN ('heard', 'escalated')))""",
    "police.incidents": """
        SELECT count(*) FROM cases_incident n JOIN agencies_agency a ON a.id = n.reported_to_id {n_case}
        WHERE a.kind = 'police' AND n.occurred_on BETWEEN %(start)s AND %(end)s {c_area}""",
    "police.crimes": """
        SELECT count(*) FROM cases_incident n JOIN agencies_agency a ON a.id = n.reported_to_id {n_case}
        WHERE a.kind = 'police' AND n.is_crime AND n.occurred_on BETWEEN %(start)s AND %(end)s {c_area}""",
    "perpetrator_panel.cases_with_actions": """
        SELECT count(*) FROM perpetrator_panel_panelcase p
        WHERE EXISTS (SELECT 1 FROM perpetrator_panel_panelaction x
                      WHERE x.panel_case_id = p.id AND x.agreed_on BETWEEN %(start)s AND %(end)s) {p_area}""",
    "dhr.deaths_meeting_criteria": """
        SELECT count(*) FROM dhr_review v
        WHERE v.decision IN ('commission', 'child_death_review') AND v.notified_on BETWEEN %(start)s AND %(end)s
          {v_area}""",
    "services": """
        SELECT m.code, sum(s.value) FROM reporting_servicereturn s JOIN reporting_servicemetric m ON m.id = s.metric_id
        WHERE m.active AND s.period_start >= %(start)s AND s.period_end <= %(end)s {s_area}
        GROUP BY m.code ORDER BY m.code""",
}


def handwritten(*, scoped: bool) -> dict[str, str]:
    """The hand-written queries for the whole partnership, or for an area (%(areas)s)."""
    parts = {
        "r_case": "JOIN cases_case c ON c.id = r.case_id" if scoped else "",
        "n_case": "JOIN cases_case c ON c.id = n.case_id" if scoped else "",
        "c_area": "AND c.area_id = ANY(%(areas)s)" if scoped else "",
        "m_area": "AND m.area_id = ANY(%(areas)s)" if scoped else "",
        "v_area": "AND v.community_safety_partnership_id = ANY(%(areas)s)" if scoped else "",
        "s_area": "AND s.area_id = ANY(%(areas)s)" if scoped else "",
        "p_area": (
            "AND EXISTS (SELECT 1 FROM perpetrator_panel_panelcase_cases pc JOIN cases_case c ON c.id = pc.case_id"
            " WHERE pc.panelcase_id = p.id AND c.area_id = ANY(%(areas)s))"
            if scoped
            else ""
        ),
    }
    return {figure: template.format(**parts) for figure, template in HANDWRITTEN_TEMPLATES.items()}


# PostgreSQL settings the report may be timed under besides the defaults (--variants).
VARIANTS = {"default": [], "jit_off": ["SET jit = off"]}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the measurement, in a child process pointed at one benchmark database --------------------------------


def best_of(function, repeat: int) -> tuple[float, list[float], Any]:
    """Run once to warm up, then `repeat` times: the best time, every time, and the last result."""
    result = function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), times, result


def document_value(document: dict, path: str) -> Any:
    if path == "services":
        return dict(sorted(document["services"].items()))
    section, name = path.split(".")
    return document[section][name]


def measure(*, scale: float, repeat: int, explain: int, variants: list[str]) -> dict[str, Any]:
    """Time the product and the hand-written queries under each settings variant, on one connection."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dasv.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection

    from agencies.models import Area
    from reporting.rules import financial_year

    period = financial_year(REPORT_YEAR)
    county = Area.objects.filter(parent__isnull=True).order_by("slug").first()
    scopes = {"national": None, "county": county}
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('work_mem')")
        version, shared_buffers, work_mem = cursor.fetchone()
    results: dict[str, Any] = {
        "period": period.label,
        "county": county.slug,
        "postgresql": {"version": version, "shared_buffers": shared_buffers, "work_mem": work_mem},
        "variants": {},
    }
    for variant in variants:
        with connection.cursor() as cursor:
            cursor.execute("RESET ALL")
            for statement in VARIANTS[variant]:
                cursor.execute(statement)
        log(f"  settings: {variant}")
        results["variants"][variant] = measure_variant(
            period=period, scopes=scopes, repeat=repeat, explain=explain if variant == variants[0] else 0, scale=scale
        )
    return results


def headline_sections(*, period: Any, area: Any) -> dict[str, Any]:
    """The report's own code for the headline figures of the period alone (no previous period, trend,
    quarters or SafeLives return): the like-for-like side of the comparison with the hand-written SQL."""
    from dhr.selectors import dhr_figures
    from perpetrator_panel.selectors import panel_figures
    from reporting.figures import (
        area_scope,
        idva_figures,
        marac_figures,
        police_figures,
        service_figures,
    )

    ids = area_scope(area)
    return {
        "idva": idva_figures(period=period, area_ids=ids),
        "marac": marac_figures(period=period, area_ids=ids, adult_females=None, with_quarters=False),
        "police": police_figures(period=period, area_ids=ids, population=None, year=period.start.year),
        "perpetrator_panel": panel_figures(start=period.start, end=period.end, area=area),
        "dhr": dhr_figures(start=period.start, end=period.end, area=area, today=TODAY),
        "services": service_figures(period=period, area_ids=ids),
    }


def measure_variant(  # noqa: PLR0912, PLR0915 - one measurement, step by step
    *, period: Any, scopes: dict[str, Any], repeat: int, explain: int, scale: float
) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting.figures import annual_report, area_scope, day_bounds

    results: dict[str, Any] = {"product": {}, "handwritten": {}, "ratio": {}}
    documents: dict[str, Any] = {}
    slowest: list[dict[str, Any]] = []  # the product's slowest queries, full text, for EXPLAIN
    for name, area in scopes.items():
        log(f"  product, {name}: warm-up and {repeat} runs")
        try:
            best, times, document = best_of(
                lambda area=area: annual_report(period=period, area=area, today=TODAY), repeat
            )
        except Exception as error:  # noqa: BLE001 - the hand-written side is still worth timing
            log(f"  product, {name}: FAILED: {error!r}")
            results["product"][name] = {"error": repr(error), "best_seconds": None, "queries": None}
            documents[name] = None
            continue
        documents[name] = document
        with CaptureQueriesContext(connection) as captured:
            annual_report(period=period, area=area, today=TODAY)
        queries = sorted(
            ({"seconds": float(q["time"]), "sql": q["sql"]} for q in captured.captured_queries),
            key=lambda q: -q["seconds"],
        )
        results["product"][name] = {
            "best_seconds": round(best, 4),
            "runs": [round(t, 4) for t in times],
            "queries": len(queries),
            "query_seconds": round(sum(q["seconds"] for q in queries), 4),
            "slowest_queries": [{"seconds": q["seconds"], "sql": q["sql"][:3000]} for q in queries[:8]],
        }
        slowest.extend(queries[:8])

    for name, area in scopes.items():
        log(f"  product, headline figures only, {name}: warm-up and {repeat} runs")
        try:
            best, times, _ = best_of(lambda area=area: headline_sections(period=period, area=area), repeat)
            results["product"][name]["headline_best_seconds"] = round(best, 4)
            results["product"][name]["headline_runs"] = [round(t, 4) for t in times]
        except Exception as error:  # noqa: BLE001 - reporting.figures' inner functions may change
            log(f"  product, headline figures only, {name}: FAILED: {error!r}")
            results["product"].setdefault(name, {})["headline_error"] = repr(error)

    starts, ends = day_bounds(period.start, period.end)
    for name, area in scopes.items():
        ids = area_scope(area)
        params = {"start": period.start, "end": period.end, "starts": starts, "ends": ends}
        if ids is not None:
            params["areas"] = sorted(ids)
        log(f"  hand-written, {name}: warm-up and {repeat} runs")
        per_query = {}
        mismatches = {}
        for figure, sql in handwritten(scoped=ids is not None).items():

            def run(sql: str = sql, params: dict[str, Any] = params) -> Any:
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall()

            best, times, rows = best_of(run, repeat)
            if figure == "services":
                value: Any = {code: int(total) for code, total in rows}
            else:
                value = rows[0][0]
                value = float(value) if value is not None and not isinstance(value, int) else value
            per_query[figure] = {"best_seconds": round(best, 5), "runs": [round(t, 5) for t in times]}
            if documents[name] is None:
                continue
            expected = document_value(documents[name], figure)
            if figure == "services":
                # The report withholds a total that its parts do not add up to: compare the rest.
                expected = {code: v for code, v in expected.items() if v is not None}
                value = {code: v for code, v in value.items() if code in expected}
            if value != expected:
                mismatches[figure] = {"handwritten": value, "product": expected}
        total = sum(q["best_seconds"] for q in per_query.values())
        results["handwritten"][name] = {
            "best_seconds_sum": round(total, 4),
            "queries": per_query,
            "mismatches": mismatches,
        }
        product = results["product"][name]["best_seconds"]
        results["ratio"][name] = round(product / total, 2) if total and product else None
        headline = results["product"][name].get("headline_best_seconds")
        results.setdefault("headline_ratio", {})[name] = round(headline / total, 2) if total and headline else None

    if explain:
        lines = []
        seen: set[str] = set()
        with connection.cursor() as cursor:
            for query in sorted(slowest, key=lambda q: -q["seconds"]):
                if query["sql"] in seen or len(seen) >= explain:
                    continue
                seen.add(query["sql"])
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
                lines.append(f"-- {query['seconds']:.3f} s in the product run\n{query['sql']}\n\n{plan}\n")
        (RESULTS / f"explain-{scale:g}.txt").write_text("\n\n".join(lines))
    return results


# -- the orchestration ------------------------------------------------------------------------------------


def hardware() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory = None
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_mib": memory, "python": platform.python_version()}


def row(*cells: Any) -> str:
    widths = (6, 22, 9, 9, 8, 8, 11, 6, 7, 7)
    return "  ".join(str(cell).rjust(width) for cell, width in zip(cells, widths, strict=False))


# Indexes tried for the report (docs/performance.md), created in the benchmark database only to time their
# effect with --proposed-indexes; the migrations of the tables' apps are where a proposed one would live.
PROPOSED_INDEXES = {
    # (The police incidents' index this benchmark proposed, (reported_to, occurred_on) with is_crime, case and
    # id, is now cases migration 0003: every run has it.)
    # IDVA referrals closed in a period: a bitmap index scan instead of reading every referral; timed, but no
    # measurable gain at four years of data, so not proposed (docs/performance.md).
    "referrals_referral": [
        "CREATE INDEX IF NOT EXISTS referral_service_closed ON referrals_referral (service, closed_on)",
    ],
}


def run_child(*, target: str, scale: float, args: argparse.Namespace, variants: list[str]) -> dict[str, Any]:
    """Time one benchmark database in a child process (Django's settings read DATABASE_URL at start)."""
    command = [sys.executable, __file__, "--measure", "--scale", str(scale), "--repeat", str(args.repeat)]
    command += ["--explain", str(args.explain), "--variants", ",".join(variants)]
    child = subprocess.run(
        command,
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": target, "DASV_LOG_LEVEL": "WARNING"},
        cwd=ROOT,
    )
    sys.stderr.write(child.stderr)
    if child.returncode:
        raise SystemExit(f"timing scale {scale:g} failed (exit {child.returncode})")
    return json.loads(child.stdout.strip().splitlines()[-1])


def create_proposed_indexes(target: str) -> float:
    import psycopg2

    started = time.perf_counter()
    connection = psycopg2.connect(target)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for table, statements in PROPOSED_INDEXES.items():
            for statement in statements:
                cursor.execute(statement)
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    connection.close()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915 - the command, step by step
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, action="append", help="repeatable; default 1 and 100")
    parser.add_argument("--years", type=int, default=4, help="financial years generated, ending with 2022-23")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after the warm-up (best is kept)")
    parser.add_argument("--explain", type=int, default=6, help="EXPLAIN ANALYZE the product's N slowest queries")
    parser.add_argument(
        "--variants", default="default,jit_off", help=f"settings to time under, of {', '.join(VARIANTS)}"
    )
    parser.add_argument("--proposed-indexes", action="store_true", help="then add PROPOSED_INDEXES and time again")
    parser.add_argument("--reuse", action="store_true", help="time existing benchmark databases as they are")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    scales = args.scale or [1.0, 100.0]
    variants = [variant for variant in args.variants.split(",") if variant]
    if not variants or any(variant not in VARIANTS for variant in variants):
        parser.error(f"--variants: a comma-separated list of {', '.join(VARIANTS)}")

    if args.measure:  # the child: DATABASE_URL already points at the benchmark database
        measured = measure(scale=scales[0], repeat=args.repeat, explain=args.explain, variants=variants)
        print(json.dumps(measured, default=str))
        return 0

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        parser.error("DATABASE_URL must point at a PostgreSQL server: run under scripts/with-services.sh")
    sys.path.insert(0, str(ROOT / "bench"))
    import generate

    RESULTS.mkdir(parents=True, exist_ok=True)
    summaries = []
    for scale in scales:
        if args.reuse:
            target = generate.with_database(url, generate.database_name(scale))
            generated: dict[str, Any] = {"database": generate.database_name(scale), "reused": True}
        else:
            generated = generate.generate(url, scale=scale, years=args.years, replace=False)
            target = generated.pop("url")
        log(f"timing scale {scale:g}")
        measured = run_child(target=target, scale=scale, args=args, variants=variants)
        if args.proposed_indexes:
            seconds = create_proposed_indexes(target)
            log(f"proposed indexes created in {seconds:.1f} s; timing scale {scale:g} again")
            again = run_child(target=target, scale=scale, args=args, variants=variants)
            for variant, values in again["variants"].items():
                measured["variants"][f"indexes+{variant}"] = values
            measured["proposed_indexes"] = {"statements": PROPOSED_INDEXES, "create_seconds": round(seconds, 1)}
        shipped = measured["variants"][variants[0]]
        national = shipped["product"]["national"]["best_seconds"]
        ratio = shipped["ratio"]["national"]
        same = shipped.get("headline_ratio", {}).get("national")
        summary = {
            "scale": scale,
            "generated": generated,
            "hardware": hardware(),
            **measured,
            "targets": {
                "variant": variants[0],
                "report_under_seconds": TARGET_SECONDS,
                "report_within_ratio": TARGET_RATIO,
                "report_seconds": national,
                "handwritten_seconds": shipped["handwritten"]["national"]["best_seconds_sum"],
                "ratio": ratio,
                "same_figures_seconds": shipped["product"]["national"].get("headline_best_seconds"),
                "same_figures_ratio": same,
                "met_seconds": national is not None and national < TARGET_SECONDS,
                "met_ratio": ratio is not None and ratio <= TARGET_RATIO,
                "met_same_figures_ratio": same is not None and same <= TARGET_RATIO,
            },
        }
        (RESULTS / f"annual_report-{scale:g}.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
        summaries.append(summary)

    print()
    print(
        row("scale", "settings", "scope", "report s", "queries", "same s", "hand SQL s", "ratio", "same x", "figures")
    )
    failed = False
    for summary in summaries:
        for variant, measured in summary["variants"].items():
            for scope in ("national", "county"):
                product = measured["product"][scope]
                hand = measured["handwritten"][scope]
                seconds = "failed" if product["best_seconds"] is None else f"{product['best_seconds']:.3f}"
                same = not hand["mismatches"] and product["best_seconds"] is not None
                print(
                    row(
                        f"{summary['scale']:g}",
                        variant,
                        scope,
                        seconds,
                        product["queries"],
                        product.get("headline_best_seconds"),
                        f"{hand['best_seconds_sum']:.3f}",
                        measured["ratio"][scope],
                        measured.get("headline_ratio", {}).get(scope),
                        "same" if same else "DIFFER",
                    )
                )
                for figure, values in hand["mismatches"].items():
                    print(f"    {figure} differs: {values}")
                failed = failed or not same
    largest = max(summaries, key=lambda s: s["scale"])
    targets = largest["targets"]
    print()
    print(
        f"scale {largest['scale']:g} ({targets['variant']} settings, national):\n"
        f"  report {targets['report_seconds']} s: target < {TARGET_SECONDS:g} s "
        f"{'met' if targets['met_seconds'] else 'MISSED'}\n"
        f"  the report's code for the same figures {targets['same_figures_seconds']} s = "
        f"{targets['same_figures_ratio']} x the hand-written SQL: target <= {TARGET_RATIO} "
        f"{'met' if targets['met_same_figures_ratio'] else 'MISSED'}\n"
        f"  the whole report = {targets['ratio']} x the hand-written SQL of its headline figures "
        f"({'within' if targets['met_ratio'] else 'over'} {TARGET_RATIO}; it also computes the previous period, "
        "the trend, the quarters and the SafeLives return)"
    )
    return 1 if failed or not (targets["met_seconds"] and targets["met_same_figures_ratio"]) else 0


if __name__ == "__main__":
    sys.exit(main())
