"""The service return pages: the returns an agency has submitted (all of them for the report roles) and the
form to submit one. The metrics offered are those the user's agency reports (reporting.selectors)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import Role
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.views import pagination_links
from reporting.forms import ServiceReturnForm
from reporting.selectors import (
    can_submit_service_returns,
    has_report_role,
    service_metric_choices_any_agency,
    service_return_agency_choices,
    service_return_list,
)
from reporting.services import service_return_submit

RETURNS_PER_PAGE = 25


@require_GET
def service_return_list_view(request: HttpRequest) -> HttpResponse:
    """The agency's returns, newest period first (every agency's for the report roles)."""
    user = request.user
    reads_all = has_report_role(user)
    if not (reads_all or can_submit_service_returns(user)):
        raise PermissionDenied("Service returns are for partner agencies and the report roles.")
    page = Paginator(service_return_list(actor=user), RETURNS_PER_PAGE).get_page(request.GET.get("page"))
    access_log_record(
        action=AccessLog.Action.LIST,
        request=request,
        object_type="reporting.servicereturn",
        detail={"page": page.number, "count": len(page.object_list), "total": page.paginator.count},
    )
    context = {
        "page": page,
        "returns": page.object_list,
        "pagination": pagination_links(request, page),
        "reads_all": reads_all,
        "can_submit": can_submit_service_returns(user),
    }
    return render(request, "reporting/service_return_list.html", context)


@require_http_methods(["GET", "POST"])
def service_return_new_view(request: HttpRequest) -> HttpResponse:
    """Submit one figure for a period; the same figure, area and period again replaces the value."""
    user = request.user
    if not can_submit_service_returns(user):
        raise PermissionDenied("Service returns are submitted by partner agencies.")
    agencies = service_return_agency_choices(actor=user)
    keys_in_for_others = user.has_role(Role.PARTNERSHIP_ADMIN)
    form = ServiceReturnForm(
        request.POST if request.method == "POST" else None,
        metrics=service_metric_choices_any_agency(actor=user),
        agencies=agencies if keys_in_for_others else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            service_return = service_return_submit(actor=user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{service_return.agency.name}: {service_return.metric.name}: {service_return.value:,} "
                f"for {service_return.area.name}, "
                f"{service_return.period_start:%-d %B %Y} to {service_return.period_end:%-d %B %Y}.",
            )
            return redirect("service-return-list")
    context = {"form": form, "back_link_url": reverse("service-return-list")}
    return render(request, "reporting/service_return_form.html", context)
