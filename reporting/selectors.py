"""Reads of reporting: who may run and read reports and submit service returns, and the runs, metrics and
returns each actor may see (every list starts from what the actor may see)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from agencies.actors import Actor
from agencies.models import Agency, Role
from reporting.models import ReportRun, ServiceMetric, ServiceReturn

# The roles that run reports and read every run (one history for the partnership).
REPORT_ROLES = (Role.ANALYST, Role.IDVA_MANAGER, Role.PARTNERSHIP_ADMIN)


def _api_key(actor: Any) -> Any:
    return getattr(actor, "api_key", None)


def _authenticated(actor: Any) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


def has_report_role(actor: Actor | Any) -> bool:
    """A signed-in user with a report role (analyst, IDVA manager, partnership administrator)."""
    return _authenticated(actor) and _api_key(actor) is None and actor.has_role(*REPORT_ROLES)


def can_run_reports(actor: Actor | Any) -> bool:
    """Report roles, and an agency's API key (which sees only the runs its agency requested). The figures
    are aggregates published under disclosure control, so any partner agency's system may ask for them."""
    if not _authenticated(actor):
        return False
    return _api_key(actor) is not None or has_report_role(actor)


def report_run_list(*, actor: Actor | Any) -> QuerySet[ReportRun]:
    """The runs the actor may see, newest first: every run for the report roles, the runs its agency
    requested for an agency's API key, none for anyone else."""
    runs = ReportRun.objects.select_related("area", "requested_by", "requested_by_agency").defer("result")
    if has_report_role(actor):
        return runs.order_by("-requested_at", "-pk")
    if _authenticated(actor) and _api_key(actor) is not None:
        return runs.filter(requested_by_agency=actor.agency).order_by("-requested_at", "-pk")
    return runs.none()


def report_run_get(*, actor: Actor | Any, pk: int | str) -> ReportRun:
    """One run the actor may see, with its result; else 404."""
    return get_object_or_404(report_run_list(actor=actor).defer(None), pk=pk)


def can_submit_service_returns(actor: Actor | Any) -> bool:
    """A user with any role at an agency, or an agency's API key (a read-only key only lists)."""
    if not _authenticated(actor):
        return False
    if _api_key(actor) is not None:
        return True
    return bool(actor.roles) and getattr(actor, "agency_id", None) is not None


def service_metric_choices(*, actor: Actor | Any, agency: Agency | None = None) -> QuerySet[ServiceMetric]:
    """The active metrics the actor's agency (or `agency`, for a partnership administrator keying in a
    provider's return) reports: those for its kind, and those for any provider."""
    if not can_submit_service_returns(actor):
        return ServiceMetric.objects.none()
    kind = (agency or actor.agency).kind
    offered = [
        metric.pk
        for metric in ServiceMetric.objects.filter(active=True).only("pk", "provider_kinds")
        if not metric.provider_kinds or kind in metric.provider_kinds
    ]
    # The kinds are a JSON list: filtered in Python, as JSON containment is not portable to SQLite.
    return ServiceMetric.objects.filter(pk__in=offered).order_by("position", "code")


def service_return_agency_choices(*, actor: Actor | Any) -> QuerySet[Agency]:
    """The agencies the actor may record returns for: its own; any active agency for a partnership
    administrator, who keys in the figures providers send the partnership."""
    if not can_submit_service_returns(actor):
        return Agency.objects.none()
    if actor.has_role(Role.PARTNERSHIP_ADMIN):
        return Agency.objects.filter(active=True).order_by("name")
    return Agency.objects.filter(pk=actor.agency.pk)


def service_metric_choices_any_agency(*, actor: Actor | Any) -> QuerySet[ServiceMetric]:
    """Every active metric, for a partnership administrator choosing the agency too (the service then
    checks the metric against that agency's kind); otherwise the actor's agency's metrics."""
    if not actor.has_role(Role.PARTNERSHIP_ADMIN):
        return service_metric_choices(actor=actor)
    return ServiceMetric.objects.filter(active=True).order_by("position", "code")


def service_return_list(*, actor: Actor | Any, **filters: Any) -> QuerySet[ServiceReturn]:
    """The returns the actor may see, newest period first: all of them for the report roles, its own
    agency's for an agency's user or key. Filters: `metric` (ServiceMetric), `area` (Area), `period_from`
    and `period_to` (returns wholly inside those days)."""
    returns = ServiceReturn.objects.select_related("agency", "metric", "area", "submitted_by")
    if has_report_role(actor):
        pass
    elif can_submit_service_returns(actor):
        returns = returns.filter(agency=actor.agency)
    else:
        return returns.none()
    conditions = Q()
    if filters.get("metric") is not None:
        conditions &= Q(metric=filters["metric"])
    if filters.get("area") is not None:
        conditions &= Q(area=filters["area"])
    if filters.get("period_from") is not None:
        conditions &= Q(period_start__gte=filters["period_from"])
    if filters.get("period_to") is not None:
        conditions &= Q(period_end__lte=filters["period_to"])
    return returns.filter(conditions).order_by("-period_start", "metric__position", "agency__name", "pk")
