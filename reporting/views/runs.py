"""The report pages: run the annual report and the history of runs, a run's page (its progress while it
runs, polled with htmx; the report once done), and the downloads of a finished run.

Runs come through reporting.selectors: a run the user may not see answers 404. The pages are for the
report roles (analyst, IDVA manager, partnership administrator): anyone else gets 403. Everything shown
or downloaded is the run's stored result published through reporting.disclosure, never recomputed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.views import pagination_links
from reporting.forms import ReportRunForm
from reporting.models import ReportRun
from reporting.selectors import can_run_reports, report_run_get, report_run_list
from reporting.services import report_run_request
from reporting.views.report import export_labels, report_context

RUNS_PER_PAGE = 20
# The charts of an annual report, by the names reporting.exports places them under.
CHART_NAMES = ("referrals_by_month", "incident_trend", "marac_volume")
POLL_EVERY = "every 2s"
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def reports_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (403) users without a report role, before any run is looked up."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_run_reports(request.user):
            raise PermissionDenied("The reports are for analysts, IDVA managers and partnership administrators.")
        return view(request, *args, **kwargs)

    return wrapper


def _published(run: ReportRun) -> dict[str, Any]:
    from reporting.disclosure import published

    return published(run.result or {}, settings.DASV_DISCLOSURE_THRESHOLD)


def _charts(document: dict[str, Any]) -> list[Any]:
    """The report's three charts (SVG with their data tables), for an annual report."""
    from reporting import charts

    if "idva" not in document:
        return []
    return [getattr(charts, name)(document) for name in CHART_NAMES]


def download_name(run: ReportRun, extension: str) -> str:
    """annual-report-2020-21-demo-county.csv: the kind, the period and the area (or the partnership)."""
    kind = "annual-report" if run.kind == ReportRun.Kind.ANNUAL else "safelives-marac-return"
    where = run.area.slug if run.area else "partnership"
    return f"{kind}-{slugify(run.period_label.replace('/', '-'))}-{where}.{extension}"


# --- Run a report, and the history ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@reports_required
def report_index_view(request: HttpRequest) -> HttpResponse:
    """The form to run the annual report, and every run so far, newest first."""
    form = ReportRunForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            run = report_run_request(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            form_add_service_errors(form, error, {"period": form.period_field})
        else:
            return redirect("report-run-detail", pk=run.pk)
    page = Paginator(report_run_list(actor=request.user), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    access_log_record(
        action=AccessLog.Action.LIST,
        request=request,
        object_type="reporting.reportrun",
        detail={"page": page.number, "count": len(page.object_list), "total": page.paginator.count},
    )
    context = {
        "form": form,
        "page": page,
        "runs": page.object_list,
        "pagination": pagination_links(request, page),
        "threshold": settings.DASV_DISCLOSURE_THRESHOLD,
    }
    return render(request, "reporting/report_index.html", context)


# --- A run ----------------------------------------------------------------------------------------------


@require_GET
@reports_required
def report_run_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A run: its progress while queued or running, the error if it failed, the report once done."""
    run = report_run_get(actor=request.user, pk=pk)
    context: dict[str, Any] = {
        "run": run,
        "back_link_url": reverse("report-index"),
        "poll_every": POLL_EVERY,
        "document": None,
    }
    if run.status == ReportRun.Status.DONE and run.result is not None:
        document = _published(run)
        context |= report_context(document, threshold=settings.DASV_DISCLOSURE_THRESHOLD)
        context["document"] = document
        context["charts"] = _charts(document)
        context["downloads"] = [
            (fmt.upper(), reverse("report-run-download", kwargs={"pk": run.pk, "fmt": fmt})) for fmt in FORMATS
        ]
        access_log_record(action=AccessLog.Action.VIEW, request=request, obj=run)
    return render(request, "reporting/run_detail.html", context)


@require_GET
@reports_required
def report_run_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, for htmx to poll; once the run has finished, htmx reloads the page."""
    run = report_run_list(actor=request.user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such report run.")
    if run.status in (ReportRun.Status.DONE, ReportRun.Status.FAILED):
        response = HttpResponse(status=200)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "reporting/includes/run_progress.html", {"run": run, "poll_every": POLL_EVERY})


@require_POST
@reports_required
def report_run_again_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Run a failed (or any) report again with what it was asked for: a new run."""
    run = report_run_get(actor=request.user, pk=pk)
    parameters = run.parameters or {}
    try:
        again = report_run_request(
            actor=request.user, period=str(parameters.get("period", "")), area=parameters.get("area"), kind=run.kind
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("report-run-detail", pk=run.pk)
    return redirect("report-run-detail", pk=again.pk)


@require_GET
@reports_required
def report_run_download_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A finished run's report as CSV, XLSX or PDF, published; each download is in the access log."""
    from reporting import exports

    if fmt not in FORMATS:
        raise Http404("No such format.")
    run = report_run_get(actor=request.user, pk=pk)
    if run.status != ReportRun.Status.DONE or run.result is None:
        raise Http404("The report has not finished.")
    document = _published(run)
    labels = export_labels(document)
    content: str | bytes
    if fmt == "csv":
        content = exports.report_csv(document, labels=labels)
    elif fmt == "xlsx":
        content = exports.report_xlsx(document, labels=labels)
    else:
        charts = dict(zip(CHART_NAMES, (chart.svg for chart in _charts(document)), strict=False))
        content = exports.report_pdf(document, charts, labels=labels)
    access_log_record(action=AccessLog.Action.EXPORT, request=request, obj=run, detail={"format": fmt})
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{download_name(run, fmt)}"'
    return response
