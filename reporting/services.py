"""Writes of reporting: requesting, running and scheduling report runs, service returns and population
estimates.

A report run is computed by a Celery task (reporting.tasks) that calls `report_run_execute`, which is safe
to run more than once for the same run: a redelivered message (a worker killed mid-run, acks_late) or a
retry finds the run and either leaves a finished one alone or computes it again; whichever worker stores
its result first wins, the other changes nothing. The result is computed outside any long transaction so
that the progress it reports is visible to whoever polls the run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone

from agencies.actors import Actor, actor_user
from agencies.models import Agency, Area, Role
from reporting.models import PopulationEstimate, ReportRun, ServiceMetric, ServiceReturn
from reporting.rules import Period, PeriodError, financial_quarter, financial_year, parse_period
from reporting.selectors import can_run_reports, can_submit_service_returns, service_metric_choices

logger = logging.getLogger(__name__)

# The longest error message kept on a failed run: the first line only, as later lines of a database
# error (DETAIL) may quote the data.
ERROR_MAX_LENGTH = 300


# --- Report runs ------------------------------------------------------------------------------------


def report_run_request(
    *,
    actor: Actor | Any,
    period: str,
    area: str | None = None,
    kind: str = ReportRun.Kind.ANNUAL,
    scheduled: bool = False,
    enqueue: bool = True,
) -> ReportRun:
    """Queue a report for `period` (see reporting.rules.parse_period) and `area` (a slug; none: the whole
    partnership). `actor` None is the system (the scheduler, the `annual_report` command). The run is
    computed by a worker once this transaction commits (in-process when Celery is eager); with `enqueue`
    false it is left queued for the caller to compute (`report_run_execute`), as the command does."""
    from reporting.tasks import report_run_execute_task

    if actor is not None and not can_run_reports(actor):
        raise PermissionDenied("Your role does not allow running reports.")
    errors: dict[str, list[str]] = {}
    parsed: Period | None = None
    try:
        parsed = parse_period(period)
    except PeriodError as error:
        errors["period"] = [str(error)]
    area_obj: Area | None = None
    if area:
        area_obj = Area.objects.filter(slug=area).first()
        if area_obj is None:
            errors["area"] = [f"There is no area with the slug {area!r}."]
    if kind not in ReportRun.Kind.values:
        errors["kind"] = [f"{kind!r} is not a kind of report."]
    if errors or parsed is None:
        raise ValidationError(errors)
    api_key = getattr(actor, "api_key", None)
    with transaction.atomic():
        run = ReportRun.objects.create(
            kind=kind,
            parameters={"period": period.strip(), "area": area_obj.slug if area_obj else None},
            period_start=parsed.start,
            period_end=parsed.end,
            period_label=parsed.label,
            area=area_obj,
            requested_by=actor_user(actor),
            requested_by_agency=(api_key.agency if api_key is not None else getattr(actor, "agency", None)),
            scheduled=scheduled,
        )
        if enqueue:
            report_run_execute_task.delay_on_commit(run.pk)
    return run


def _claim(run_id: int) -> ReportRun:
    """Mark the run running (one more attempt), unless it is done already; the row lock makes two workers
    claiming at once take turns."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if run.status == ReportRun.Status.DONE:
            return run
        run.status = ReportRun.Status.RUNNING
        run.started_at = timezone.now()
        run.finished_at = None
        run.attempts += 1
        run.progress = 0
        run.step = "Starting"
        run.error = ""
        run.save(update_fields=["status", "started_at", "finished_at", "attempts", "progress", "step", "error"])
    return run


def _progress_recorder(run_id: int) -> Any:
    def on_progress(percent: int, step: str) -> None:
        # Its own small UPDATE (autocommit): whoever polls the run sees it at once. 100 is kept for done.
        ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.RUNNING).update(
            progress=max(0, min(int(percent), 99)), step=str(step)[:120]
        )

    return on_progress


def _compute(run: ReportRun) -> dict[str, Any]:
    from reporting import figures

    period = parse_period(run.parameters.get("period") or "")
    if run.kind == ReportRun.Kind.SAFELIVES_QUARTERLY:
        _progress_recorder(run.pk)(10, "SafeLives return")
        return figures.safelives_document(period=period, area=run.area)
    return figures.annual_report(period=period, area=run.area, on_progress=_progress_recorder(run.pk))


def _error_message(error: BaseException) -> str:
    first_line = (str(error).strip().splitlines() or [""])[0]
    message = f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
    return message[:ERROR_MAX_LENGTH]


def _record_failure(run_id: int, error: BaseException) -> None:
    try:
        ReportRun.objects.filter(pk=run_id).exclude(status=ReportRun.Status.DONE).update(
            status=ReportRun.Status.FAILED, error=_error_message(error), finished_at=timezone.now()
        )
    except DatabaseError:
        # The database itself is failing: the retry (or the next claim) records what happens next.
        logger.exception("Could not record the failure of report run %s", run_id)


def _finish(run_id: int, result: dict[str, Any]) -> ReportRun:
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if run.status == ReportRun.Status.DONE:
            # Another worker (a redelivery of the same message) finished first: its result stands.
            return run
        run.result = result
        run.progress = 100
        run.step = "Done"
        run.status = ReportRun.Status.DONE
        run.error = ""
        run.finished_at = timezone.now()
        run.save(update_fields=["result", "progress", "step", "status", "error", "finished_at"])
    return run


def report_run_execute(*, run_id: int) -> ReportRun:
    """Compute a run and store its result; a run already done is returned untouched. A database error
    (OperationalError: a lost connection, a deadlock) marks the run failed and is raised again for the
    task's retry policy; any other error marks it failed with the error's first line and is not raised."""
    run = _claim(run_id)
    if run.status == ReportRun.Status.DONE:
        return run
    try:
        result = _compute(run)
    except OperationalError as error:
        _record_failure(run_id, error)
        raise
    except Exception as error:
        logger.exception("Report run %s failed", run_id)
        _record_failure(run_id, error)
        return ReportRun.objects.get(pk=run_id)
    return _finish(run_id, result)


def _quarter_containing(day: date) -> Period:
    start_year = day.year if day.month >= 4 else day.year - 1
    return financial_quarter(start_year, (day.month - 4) % 12 // 3 + 1)


def _areas_with_marac_meetings(period: Period) -> list[Area]:
    from marac.models import MaracMeeting, MeetingKind

    area_ids = (
        MaracMeeting.objects.filter(
            kind=MeetingKind.MARAC, starts_at__date__gte=period.start, starts_at__date__lte=period.end
        )
        .exclude(status=MaracMeeting.Status.CANCELLED)
        .values("area_id")
        .distinct()
    )
    return list(Area.objects.filter(pk__in=area_ids).order_by("name", "pk"))


def _schedule_once(*, kind: str, period: Period, area: Area | None) -> ReportRun | None:
    already = ReportRun.objects.filter(
        scheduled=True, kind=kind, period_start=period.start, period_end=period.end, area=area
    ).exists()
    if already:
        return None
    return report_run_request(
        actor=None, period=period.label, area=area.slug if area else None, kind=kind, scheduled=True
    )


def report_runs_schedule(*, today: date) -> list[ReportRun]:
    """The daily scheduler: on 1 April the previous financial year's annual report for the whole
    partnership; on the first day of each financial quarter (1 April, July, October, January) the previous
    quarter's SafeLives return for each area that held MARAC meetings in it. A run already scheduled for the
    same kind, period and area is not made again, so running this twice, or on other days, does nothing."""
    runs: list[ReportRun | None] = []
    if (today.month, today.day) == (4, 1):
        runs.append(_schedule_once(kind=ReportRun.Kind.ANNUAL, period=financial_year(today.year - 1), area=None))
    if today.day == 1 and today.month in (1, 4, 7, 10):
        quarter = _quarter_containing(today - timedelta(days=1))
        for area in _areas_with_marac_meetings(quarter):
            runs.append(_schedule_once(kind=ReportRun.Kind.SAFELIVES_QUARTERLY, period=quarter, area=area))
    return [run for run in runs if run is not None]


# --- Service returns --------------------------------------------------------------------------------


def service_return_submit(
    *,
    actor: Actor | Any,
    metric: ServiceMetric,
    area: Area,
    period_start: date,
    period_end: date,
    value: int,
    notes: str = "",
    agency: Agency | None = None,
) -> ServiceReturn:
    """Record the actor's agency's figure for a metric, area and period; submitting the same agency,
    metric, area and period again replaces the value (the history keeps the old one). A partnership
    administrator may record a return for another `agency`, as partnership teams key in the figures
    providers send them."""
    api_key = getattr(actor, "api_key", None)
    if not can_submit_service_returns(actor) or (api_key is not None and not api_key.can_write):
        raise PermissionDenied("Your role does not allow submitting service returns.")
    if agency is None:
        agency = actor.agency
    elif agency.pk != actor.agency.pk and not actor.has_role(Role.PARTNERSHIP_ADMIN):
        raise PermissionDenied("Only a partnership administrator records returns for another agency.")
    errors: dict[str, list[str]] = {}
    if not service_metric_choices(actor=actor, agency=agency).filter(pk=metric.pk).exists():
        errors["metric"] = [f"{agency.get_kind_display()} agencies do not report {metric.code!r}."]
    if period_end < period_start:
        errors["period_end"] = ["The period must end on or after the day it starts."]
    if value is None or value < 0:
        errors["value"] = ["Enter a whole number, 0 or more."]
    if errors:
        raise ValidationError(errors)
    user = actor_user(actor)
    with transaction.atomic():
        service_return, created = ServiceReturn.objects.select_for_update().get_or_create(
            agency=agency,
            metric=metric,
            area=area,
            period_start=period_start,
            period_end=period_end,
            defaults={"value": value, "notes": notes, "submitted_by": user, "created_by": user, "updated_by": user},
        )
        if not created:
            service_return.value = value
            service_return.notes = notes
            service_return.submitted_by = user
            service_return.updated_by = user
            service_return.full_clean()
            service_return.save()
    return service_return


# --- Population estimates ---------------------------------------------------------------------------

POPULATION_FIELDS = ("area", "year", "all_ages", "adult_females", "source")


def _whole_number(text: Any, field: str, line: int) -> int:
    try:
        number = int(str(text).strip().replace(",", ""))
    except (TypeError, ValueError):
        raise ValidationError({field: [f"Line {line}: {field} must be a whole number, not {text!r}."]}) from None
    if number < 0:
        raise ValidationError({field: [f"Line {line}: {field} must be 0 or more."]})
    return number


def population_estimates_load(
    *, rows: Iterable[Mapping[str, Any]], actor: Actor | Any = None, line_numbers: Sequence[int] | None = None
) -> dict[str, int]:
    """Load population estimates (rows with area slug, year, all_ages, adult_females, source), creating or
    updating each (area, year); how many were created, updated and left as they were. All or nothing: the
    first bad row raises a ValidationError naming its line (`line_numbers`, the rows' lines in the file; by
    default 2, 3... as after a CSV header) and field, and nothing is written."""
    user = actor_user(actor)
    areas = {area.slug: area for area in Area.objects.all()}
    checked: dict[tuple[int, int], tuple[int, PopulationEstimate]] = {}
    rows = list(rows)
    lines = list(line_numbers) if line_numbers is not None else list(range(2, len(rows) + 2))
    for line, row in zip(lines, rows, strict=True):
        missing = [field for field in POPULATION_FIELDS[:4] if not str(row.get(field) or "").strip()]
        if missing:
            raise ValidationError({missing[0]: [f"Line {line}: {missing[0]} is missing."]})
        slug = str(row["area"]).strip()
        area = areas.get(slug)
        if area is None:
            raise ValidationError({"area": [f"Line {line}: there is no area with the slug {slug!r}."]})
        year = _whole_number(row["year"], "year", line)
        all_ages = _whole_number(row["all_ages"], "all_ages", line)
        adult_females = _whole_number(row["adult_females"], "adult_females", line)
        if adult_females > all_ages:
            raise ValidationError({"adult_females": [f"Line {line}: adult_females is more than all_ages."]})
        if (area.pk, year) in checked:
            earlier = checked[area.pk, year][0]
            raise ValidationError({"year": [f"Line {line}: {slug} {year} is already on line {earlier}."]})
        estimate = PopulationEstimate(
            area=area,
            year=year,
            all_ages=all_ages,
            adult_females=adult_females,
            source=str(row.get("source") or "").strip(),
        )
        try:
            estimate.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise ValidationError({field: [f"Line {line}: {field}: {messages[0]}"]}) from None
        checked[area.pk, year] = (line, estimate)
    created = updated = unchanged = 0
    with transaction.atomic():
        for _line, estimate in checked.values():
            existing = PopulationEstimate.objects.select_for_update().filter(area=estimate.area, year=estimate.year)
            current = existing.first()
            if current is None:
                estimate.created_by = estimate.updated_by = user
                estimate.save()
                created += 1
            elif (current.all_ages, current.adult_females, current.source) == (
                estimate.all_ages,
                estimate.adult_females,
                estimate.source,
            ):
                # The same again (a second load of one file): no change, and no change history row.
                unchanged += 1
            else:
                current.all_ages = estimate.all_ages
                current.adult_females = estimate.adult_females
                current.source = estimate.source
                current.updated_by = user
                current.save()
                updated += 1
    return {"created": created, "updated": updated, "unchanged": unchanged}
