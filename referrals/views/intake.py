"""Making a referral: find the case (or open one), answer the referral's questions, check them, send.

Nothing is written until the user sends the referral from the check page: until then the answers are
kept in the session, one entry per case, as they were posted (the form re-validates them each time).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_GET, require_http_methods

from agencies.selectors import agency_list
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.models import Case
from cases.selectors import CHANGE_CASE, case_get, case_list, risk_assessment_list, visible_cases
from cases.views import CASES_PER_PAGE, case_worker_required, pagination_links
from referrals.forms.intake import NO_ASSESSMENT, ReferralCaseSearchForm, ReferralForm
from referrals.services import referral_create

# What is not an answer in a posted referral form.
_NOT_ANSWERS = frozenset({"csrfmiddlewaretoken"})


def _session_key(case: Case) -> str:
    return f"referral_answers:{case.pk}"


def _stored_answers(request: HttpRequest, case: Case) -> MultiValueDict[str, str] | None:
    stored = request.session.get(_session_key(case))
    return MultiValueDict(stored) if stored else None


def _referral_form(request: HttpRequest, case: Case, data: Any = None) -> ReferralForm:
    """The referral form for a case: bound to `data` when given, else blank with the defaults (today,
    the newest risk assessment, the user's own name and email)."""
    assessments = list(risk_assessment_list(actor=request.user, case=case))
    user = request.user
    return ReferralForm(
        data,
        agencies=agency_list(actor=user),
        assessments=assessments,
        initial={
            "received_on": timezone.localdate(),
            "risk_assessment": str(assessments[0].pk) if assessments else NO_ASSESSMENT,
            "referrer_name": user.get_full_name(),
            "referrer_email": getattr(user, "email", ""),
        },
    )


def _render_form(request: HttpRequest, case: Case, form: ReferralForm) -> HttpResponse:
    context = {
        "case": case,
        "form": form,
        "back_link_url": reverse("referral-start"),
    }
    return render(request, "referrals/referral_form.html", context)


@require_GET
@case_worker_required
def referral_start_view(request: HttpRequest) -> HttpResponse:
    """Which case is the referral about: a search among the cases the agency may see, each one the user's
    agency may change linked to its referral form, and a way to open a new case first."""
    searched = "search" in request.GET
    form = ReferralCaseSearchForm(request.GET if searched else None)
    page = None
    changeable: set[int] = set()
    if searched and form.is_valid():
        search = form.cleaned_data["search"].strip()
        page = Paginator(case_list(actor=request.user, search=search), CASES_PER_PAGE).get_page(request.GET.get("page"))
        # One query for the whole page: which of these cases the agency may refer (change).
        changeable = set(
            visible_cases(request.user, CHANGE_CASE)
            .filter(pk__in=[case.pk for case in page.object_list])
            .values_list("pk", flat=True)
        )
        access_log_record(
            action=AccessLog.Action.SEARCH,
            request=request,
            object_type=Case._meta.label_lower,
            detail={"name": search, "page": page.number, "purpose": "referral"},
        )
    context = {
        "form": form,
        "page": page,
        "rows": [{"case": case, "can_refer": case.pk in changeable} for case in page.object_list]
        if page is not None
        else [],
        "pagination": pagination_links(request, page) if page is not None else None,
        "new_case_url": f"{reverse('case-create')}?next=referral",
    }
    return render(request, "referrals/referral_start.html", context)


@require_http_methods(["GET", "POST"])
@case_worker_required
def referral_create_view(request: HttpRequest, case_pk: int) -> HttpResponse:
    """The referral's questions. Valid answers go to the session and on to the check page; coming back
    to change an answer shows the answers given so far."""
    case = case_get(actor=request.user, pk=case_pk, perm=CHANGE_CASE)
    if request.method == "POST":
        form = _referral_form(request, case, request.POST)
        if form.is_valid():
            request.session[_session_key(case)] = {
                name: values for name, values in request.POST.lists() if name not in _NOT_ANSWERS
            }
            return redirect("referral-check", case_pk=case.pk)
    else:
        form = _referral_form(request, case, _stored_answers(request, case))
    return _render_form(request, case, form)


@require_http_methods(["GET", "POST"])
@case_worker_required
def referral_check_view(request: HttpRequest, case_pk: int) -> HttpResponse:
    """Check your answers, then send: only here is the referral written (by referral_create). The
    service's refusals send the user back to the form, with the error on the answer at fault."""
    case = case_get(actor=request.user, pk=case_pk, perm=CHANGE_CASE)
    answers = _stored_answers(request, case)
    if answers is None:
        return redirect("referral-create", case_pk=case.pk)
    form = _referral_form(request, case, answers)
    if not form.is_valid():
        # Answers that no longer hold (an assessment removed since): the form shows what is wrong.
        return redirect("referral-create", case_pk=case.pk)
    if request.method == "POST":
        try:
            referral = referral_create(actor=request.user, case=case, **form.referral_arguments())
        except ValidationError as error:
            form_add_service_errors(form, error)
            return _render_form(request, case, form)
        del request.session[_session_key(case)]
        messages.success(
            request,
            f"Referral sent: {referral.get_service_display()} referral of case {case.reference}, "
            f"received {referral.received_on.day} {referral.received_on:%B %Y}.",
        )
        return redirect(reverse("referral-detail", kwargs={"pk": referral.pk}))
    context = {
        "case": case,
        "rows": form.summary(),
        "back_link_url": reverse("referral-create", kwargs={"case_pk": case.pk}),
    }
    return render(request, "referrals/referral_check.html", context)
