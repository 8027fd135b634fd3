"""The action-plan pages: my agency's review actions, and one action's page, where the owning agency records
progress, done or not done (the shared agencies.services.agency_action_* steps) and its evidence, and the
DHR coordinator signs off an action done with its evidence.

Actions come through dhr.selectors.review_action_list, which starts from what the user may see: an action
the user may not see answers 404; a step by anyone but the owning agency (or a sign-off by anyone but a
coordinator), 403. The list runs a fixed number of queries whatever its length.
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

from agencies.action_forms import action_list_views, own_agency_actions
from agencies.models import AgencyAction
from agencies.services import agency_action_complete, agency_action_not_done, agency_action_update
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.views import pagination_links
from dhr.forms.actions import (
    DONE,
    EVIDENCE,
    NOT_DONE,
    PROGRESS,
    SIGN_OFF,
    EvidenceForm,
    SignOffForm,
    action_step_forms,
)
from dhr.models import ReviewAction
from dhr.selectors import is_dhr_coordinator, review_action_get, review_action_list, visible_reviews
from dhr.services import review_action_evidence_record, review_action_sign_off

ACTIONS_PER_PAGE = 25


def _has_a_role(request: HttpRequest) -> None:
    if not request.user.roles:  # type: ignore[union-attr]
        raise PermissionDenied("This page is for people with a role in the partnership.")


@require_GET
def agency_actions_view(request: HttpRequest) -> HttpResponse:
    """The review actions assigned to the user's agency: open (the default), overdue, or all."""
    _has_a_role(request)
    today = timezone.localdate()
    show, actions = own_agency_actions(actor=request.user, params=request.GET, list_for=review_action_list, today=today)
    page = Paginator(actions, ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    access_log_record(
        action=AccessLog.Action.LIST,
        request=request,
        object_type=ReviewAction._meta.label_lower,
        detail={"filters": {"show": show}, "page": page.number, "count": len(page.object_list)},
    )
    review_ids = {action.recommendation.review_id for action in page}
    seen = (
        set(visible_reviews(request.user).filter(pk__in=review_ids).values_list("pk", flat=True))
        if review_ids
        else set()
    )
    context = {
        "show": show,
        "views": action_list_views(),
        "page": page,
        "rows": [
            {
                "action": action,
                "overdue": action.is_overdue(today),
                "review_visible": action.recommendation.review_id in seen,
            }
            for action in page
        ],
        "pagination": pagination_links(request, page),
    }
    return render(request, "dhr/agency_actions.html", context)


@require_http_methods(["GET", "POST"])
def action_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One action of a review's plan. The owning agency records progress, done or not done, and its
    evidence; the coordinator signs off an action done with evidence."""
    action = review_action_get(actor=request.user, pk=pk)
    owner = action.assigned_agency_id == request.user.agency.pk  # type: ignore[union-attr]
    coordinator = is_dhr_coordinator(request.user)
    sent = request.POST.get("form") if request.method == "POST" else None
    if sent in (PROGRESS, DONE, NOT_DONE, EVIDENCE) and not owner:
        raise PermissionDenied("Only the agency the action is assigned to updates it.")
    if sent == SIGN_OFF and not coordinator:
        raise PermissionDenied("Only a coordinator signs actions off.")
    today = timezone.localdate()
    data = request.POST if sent else None
    step_forms = action_step_forms(data, sent, today=today)
    evidence_form = EvidenceForm(data if sent == EVIDENCE else None, initial={"evidence": action.evidence})
    sign_off_form = SignOffForm(data if sent == SIGN_OFF else None, initial={"on": today})
    steps: dict[str, tuple[forms.Form, Callable[..., Any], str]] = {
        PROGRESS: (step_forms[PROGRESS], agency_action_update, "Progress note added."),
        DONE: (step_forms[DONE], agency_action_complete, "Action recorded as done."),
        NOT_DONE: (step_forms[NOT_DONE], agency_action_not_done, "Action recorded as not done."),
        EVIDENCE: (evidence_form, review_action_evidence_record, "Evidence saved."),
        SIGN_OFF: (sign_off_form, review_action_sign_off, "Action signed off."),
    }
    failed: forms.Form | None = None
    if sent in steps:
        form, service, message = steps[sent]
        if form.is_valid():
            try:
                service(actor=request.user, action=action, **form.service_arguments())  # type: ignore[attr-defined]
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, message)
                return redirect("dhr-action-update", pk=action.pk)
        failed = form
    elif sent is not None:
        messages.error(request, "Choose what to record.")
        return redirect("dhr-action-update", pk=action.pk)
    recommendation = action.recommendation
    review = recommendation.review
    review_visible = visible_reviews(request.user).filter(pk=review.pk).exists()
    context = {
        "action": action,
        "recommendation": recommendation,
        "review": review,
        "review_visible": review_visible,
        "form": failed,
        "progress_form": step_forms[PROGRESS],
        "done_form": step_forms[DONE],
        "not_done_form": step_forms[NOT_DONE],
        "evidence_form": evidence_form,
        "sign_off_form": sign_off_form,
        "owner": owner,
        "is_open": action.status == AgencyAction.Status.OPEN,
        "can_record_evidence": owner and action.signed_off_on is None,
        "can_sign_off": coordinator
        and action.status == AgencyAction.Status.DONE
        and bool(action.evidence)
        and action.signed_off_on is None,
        "overdue": action.is_overdue(today),
        "back_link_url": reverse("dhr-review-detail", kwargs={"pk": review.pk})
        if review_visible and not owner
        else reverse("dhr-agency-actions"),
    }
    return render(request, "dhr/action_update.html", context)
