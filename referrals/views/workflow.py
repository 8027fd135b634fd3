"""The referral page and the IDVA workflow's steps: allocate, contact attempts, engagement, re-open, close.

Every page fetches the referral through the selectors, so a referral the user may not see answers 404;
a step the user's role may not take answers 403. The services decide whether a step may be taken now
and on that date; their errors come back on the form field they name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import User
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.selectors import can_see_safe_contact, safe_contact_for
from referrals.forms.workflow import (
    SERVICE_ERROR_FIELDS,
    AllocateForm,
    CloseForm,
    ContactAttemptForm,
    EngagementForm,
    ReopenForm,
    allocation_choices,
)
from referrals.models import MaracCriterion, Referral
from referrals.rules import (
    ALLOCATE,
    CLOSE,
    CONTACT_ATTEMPT,
    RECORD_ENGAGED,
    RECORD_NOT_ENGAGED,
    REOPEN,
    step_refusal,
)
from referrals.selectors import (
    can_allocate_referral,
    can_work_referral,
    closure_for,
    idva_caseloads,
    referral_detail,
    referral_get,
    referral_state,
    safe_caseload_range,
    specialist_suggestion,
)
from referrals.services import (
    contact_attempt_record,
    referral_allocate,
    referral_close,
    referral_engagement_record,
    referral_reopen,
)

Permission = Callable[..., bool]


def _refusal(referral: Referral, steps: Sequence[str]) -> str | None:
    """None when any of the steps may be taken now; else why the last of them may not."""
    state = referral_state(referral=referral)
    refusals = [step_refusal(state, step) for step in steps]
    return None if None in refusals else refusals[-1]


def _actions(user: Any, referral: Referral) -> dict[str, bool]:
    """Which step buttons the referral page shows: what the user's role allows on this referral now."""
    works = can_work_referral(actor=user, referral=referral)
    return {
        "allocate": can_allocate_referral(actor=user, referral=referral) and _refusal(referral, [ALLOCATE]) is None,
        "contact_attempt": works and _refusal(referral, [CONTACT_ATTEMPT]) is None,
        "engagement": works and _refusal(referral, [RECORD_ENGAGED, RECORD_NOT_ENGAGED]) is None,
        "reopen": works and _refusal(referral, [REOPEN]) is None,
        "close": works and _refusal(referral, [CLOSE]) is None,
    }


@require_GET
def referral_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The referral page: its details, the contact attempts, the timeline, the closure's outcomes, and the
    steps the user may take now."""
    referral = referral_detail(actor=request.user, pk=pk)
    closure = closure_for(referral=referral) if referral.status == Referral.Status.CLOSED else None
    actions = _actions(request.user, referral)
    unallocated = referral.allocated_to_id is None and _refusal(referral, [ALLOCATE]) is None
    access_log_record(action=AccessLog.Action.VIEW, request=request, obj=referral)
    context = {
        "referral": referral,
        "case": referral.case,
        "reasons": [MaracCriterion(code).label for code in referral.reasons if code in MaracCriterion.values],
        "closure": closure,
        "safety_measures": list(closure.safety_measures.all()) if closure else [],
        "contact_attempts": list(referral.contact_attempts.all()),
        "events": list(referral.events.all()),
        "actions": actions,
        "has_actions": any(actions.values()),
        "shows_suggestion": unallocated,
        "suggested_posts": [User.SpecialistPost(post).label for post in specialist_suggestion(referral)]
        if unallocated
        else [],
    }
    return render(request, "referrals/referral_detail.html", context)


def _referral_for_step(request: HttpRequest, pk: int, *, may: Permission) -> Referral:
    """The referral (404 if the user may not see it), if the user's role may take the step (403 if not)."""
    referral = referral_get(actor=request.user, pk=pk)
    if not may(actor=request.user, referral=referral):
        raise PermissionDenied("Your role may not take this step on this referral.")
    return referral


def _page_refusal(referral: Referral, form: forms.Form, steps: Sequence[str]) -> str | None:
    """Why a step's page, opened when the step cannot be taken now, says so instead of showing the form.
    A form sent anyway goes to the service, which refuses it in the error summary."""
    return None if form.is_bound else _refusal(referral, steps)


def _step_page(
    request: HttpRequest,
    referral: Referral,
    *,
    template: str,
    form: forms.Form,
    refusal: str | None,
    **extra: Any,
) -> HttpResponse:
    context = {
        "referral": referral,
        "case": referral.case,
        "form": form,
        "refusal": refusal,
        "back_link_url": reverse("referral-detail", kwargs={"pk": referral.pk}),
        **extra,
    }
    return render(request, template, context)


def _done(request: HttpRequest, referral: Referral, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("referral-detail", pk=referral.pk)


@require_http_methods(["GET", "POST"])
def referral_allocate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The IDVA manager allocates (or reallocates) a referral, seeing each IDVA's caseload against the safe
    range, with the IDVAs in a suggested specialist post first."""
    referral = _referral_for_step(request, pk, may=can_allocate_referral)
    suggested_posts = specialist_suggestion(referral)
    choices = allocation_choices(
        idva_caseloads(actor=request.user), suggested_posts=suggested_posts, current_idva_id=referral.allocated_to_id
    )
    form = AllocateForm(
        request.POST if request.method == "POST" else None,
        choices=choices,
        initial={"on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        idva = form.chosen_idva()
        try:
            referral_allocate(actor=request.user, referral=referral, idva=idva, on=form.cleaned_data["on"])
        except ValidationError as error:
            form_add_service_errors(form, error, SERVICE_ERROR_FIELDS)
        else:
            return _done(request, referral, f"Referral allocated to {idva.get_full_name()}.")
    low, high = safe_caseload_range()
    return _step_page(
        request,
        referral,
        template="referrals/referral_allocate.html",
        form=form,
        refusal=_page_refusal(referral, form, [ALLOCATE]),
        safe_range=f"{low}\u2013{high}",
        suggested_posts=[User.SpecialistPost(post).label for post in suggested_posts],
    )


@require_http_methods(["GET", "POST"])
def contact_attempt_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Log an attempt to reach the victim, with their safe contact details beside the form for the
    agencies allowed to see them."""
    referral = _referral_for_step(request, pk, may=can_work_referral)
    form = ContactAttemptForm(
        request.POST if request.method == "POST" else None, initial={"made_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact_attempt_record(actor=request.user, referral=referral, **form.service_arguments())
        except ValidationError as error:
            form_add_service_errors(form, error, SERVICE_ERROR_FIELDS)
        else:
            return _done(request, referral, "Contact attempt recorded.")
    refusal = _page_refusal(referral, form, [CONTACT_ATTEMPT])
    # The safe contact is shown beside the form (not when the page only says why no attempt can be made).
    shows_safe_contact = refusal is None and can_see_safe_contact(actor=request.user, case=referral.case)
    if shows_safe_contact:
        # Reading the safe contact is a view of the case record.
        access_log_record(
            action=AccessLog.Action.VIEW,
            request=request,
            obj=referral.case,
            detail={"section": "safe contact", "referral": referral.pk},
        )
    return _step_page(
        request,
        referral,
        template="referrals/contact_attempt_form.html",
        form=form,
        refusal=refusal,
        shows_safe_contact=shows_safe_contact,
        safe_contact=safe_contact_for(actor=request.user, case=referral.case) if shows_safe_contact else None,
    )


@require_http_methods(["GET", "POST"])
def referral_engagement_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record whether the victim engaged, and why not when they did not."""
    referral = _referral_for_step(request, pk, may=can_work_referral)
    form = EngagementForm(request.POST if request.method == "POST" else None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            referral_engagement_record(actor=request.user, referral=referral, **form.service_arguments())
        except ValidationError as error:
            form_add_service_errors(form, error, SERVICE_ERROR_FIELDS)
        else:
            return _done(request, referral, "Engagement outcome recorded.")
    return _step_page(
        request,
        referral,
        template="referrals/engagement_form.html",
        form=form,
        refusal=_page_refusal(referral, form, [RECORD_ENGAGED, RECORD_NOT_ENGAGED]),
    )


@require_http_methods(["GET", "POST"])
def referral_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-open a referral that did not engage, when the victim gets back in touch."""
    referral = _referral_for_step(request, pk, may=can_work_referral)
    form = ReopenForm(request.POST if request.method == "POST" else None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            referral_reopen(actor=request.user, referral=referral, **form.service_arguments())
        except ValidationError as error:
            form_add_service_errors(form, error, SERVICE_ERROR_FIELDS)
        else:
            return _done(request, referral, "Referral re-opened.")
    return _step_page(
        request,
        referral,
        template="referrals/reopen_form.html",
        form=form,
        refusal=_page_refusal(referral, form, [REOPEN]),
    )


@require_http_methods(["GET", "POST"])
def referral_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a referral with its outcome and what the support achieved."""
    referral = _referral_for_step(request, pk, may=can_work_referral)
    form = CloseForm(request.POST if request.method == "POST" else None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            referral_close(actor=request.user, referral=referral, **form.service_arguments())
        except ValidationError as error:
            form_add_service_errors(form, error, SERVICE_ERROR_FIELDS)
        else:
            return _done(request, referral, "Referral closed.")
    return _step_page(
        request,
        referral,
        template="referrals/close_form.html",
        form=form,
        refusal=_page_refusal(referral, form, [CLOSE]),
    )
