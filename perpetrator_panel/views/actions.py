"""The panel actions of an agency: the list of those assigned to the user's agency, and the page that updates
one (a progress note, done, not done, and the perpetrator's compliance).

Any agency working with cases sees the panel actions assigned to it (panel members and the police see every
one); an action the user may not see answers 404. Only the assigned agency records progress, done or not done
(403 for others who can see the action); the assigned agency or a panel member records compliance. The
assigned agency may not see the panel case: these pages show the perpetrator and the action, never a victim.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.action_forms import DONE, NOT_DONE, PROGRESS, action_list_views, action_step_forms, own_agency_actions
from agencies.services import agency_action_complete, agency_action_not_done, agency_action_update
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.selectors import actor_works_with_cases
from cases.views import pagination_links
from perpetrator_panel.forms.actions import COMPLIANCE, ComplianceForm
from perpetrator_panel.models import PanelAction
from perpetrator_panel.selectors import can_see_panel, is_panel_member, panel_action_get, panel_action_list
from perpetrator_panel.services import panel_action_compliance_record

ACTIONS_PER_PAGE = 25


def _case_worker_required(request: HttpRequest) -> None:
    if not (actor_works_with_cases(request.user) or can_see_panel(request.user)):
        raise PermissionDenied("This page is for people who work with cases.")


@require_GET
def agency_actions_view(request: HttpRequest) -> HttpResponse:
    """The panel actions assigned to the user's agency: open (the default), overdue, or all."""
    _case_worker_required(request)
    today = timezone.localdate()
    show, actions = own_agency_actions(actor=request.user, params=request.GET, list_for=panel_action_list, today=today)
    page = Paginator(actions, ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    access_log_record(
        action=AccessLog.Action.LIST,
        request=request,
        object_type=PanelAction._meta.label_lower,
        detail={
            "filters": {"show": show},
            "page": page.number,
            "count": len(page.object_list),
            "total": page.paginator.count,
        },
    )
    context = {
        "show": show,
        "views": action_list_views(),
        "page": page,
        "rows": [{"action": action, "overdue": action.is_overdue(today)} for action in page],
        "pagination": pagination_links(request, page),
    }
    return render(request, "perpetrator_panel/agency_actions.html", context)


@require_http_methods(["GET", "POST"])
def action_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One panel action: its details and progress; for the assigned agency, a progress note, done or not done;
    for the assigned agency or a panel member, the perpetrator's compliance."""
    _case_worker_required(request)
    action = panel_action_get(actor=request.user, pk=pk)
    assigned = action.assigned_agency_id == request.user.agency.pk
    may_record_compliance = assigned or is_panel_member(request.user)
    sent = request.POST.get("form") if request.method == "POST" else None
    if sent in (PROGRESS, DONE, NOT_DONE) and not assigned:
        raise PermissionDenied("Only the agency the action is assigned to updates it.")
    if sent == COMPLIANCE and not may_record_compliance:
        raise PermissionDenied("Only the agency the action is assigned to, or the panel, records compliance.")
    if sent is not None and sent not in (PROGRESS, DONE, NOT_DONE, COMPLIANCE):
        raise PermissionDenied("Not a form of this page.")
    data = request.POST if sent else None
    step_forms = action_step_forms(data, sent, today=timezone.localdate())
    compliance_form = ComplianceForm(data if sent == COMPLIANCE else None, action=action)
    steps: dict[str, tuple[forms.Form, Callable[..., Any], str]] = {
        PROGRESS: (step_forms[PROGRESS], agency_action_update, "Progress note added."),
        DONE: (step_forms[DONE], agency_action_complete, "Action recorded as done."),
        NOT_DONE: (step_forms[NOT_DONE], agency_action_not_done, "Action recorded as not done."),
        COMPLIANCE: (compliance_form, panel_action_compliance_record, "Compliance recorded."),
    }
    failed = None
    if sent is not None:
        form, service, message = steps[sent]
        if form.is_valid():
            try:
                service(actor=request.user, action=action, **form.service_arguments())  # type: ignore[attr-defined]
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, message)
                return redirect("panel-action-update", pk=action.pk)
        failed = form
    access_log_record(action=AccessLog.Action.VIEW, request=request, obj=action)
    sees_panel = can_see_panel(request.user)
    context = {
        "action": action,
        "form": failed,
        "assigned": assigned,
        "may_record_compliance": may_record_compliance,
        "sees_panel": sees_panel,
        "progress_form": step_forms[PROGRESS],
        "done_form": step_forms[DONE],
        "not_done_form": step_forms[NOT_DONE],
        "compliance_form": compliance_form,
        "overdue": action.is_overdue(timezone.localdate()),
        "back_link_url": reverse("panel-agency-actions")
        if assigned or not sees_panel
        else reverse("panel-case-detail", kwargs={"pk": action.panel_case_id}),
    }
    return render(request, "perpetrator_panel/action_update.html", context)
