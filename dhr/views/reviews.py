"""The review tracker's pages: the list of reviews with where each is and what is overdue, recording a
notification, a review's page (its timeline, panel, IMRs, quality assurance, recommendations and actions),
and the coordinator's forms: the decision, stage moves, details and panel, IMRs, quality assurance and
publication, recommendations and their actions.

Reviews come through dhr.selectors, which start from what the user may see: a review the user may not see
answers 404. The forms are the DHR coordinator's (403 for anyone else, before the review is looked up).
The list and the review page run a fixed number of queries whatever their length.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import Role
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.models import Case
from cases.selectors import visible_cases
from cases.views import pagination_links
from dhr.forms.reviews import (
    DETAILS,
    IMR_RECEIVE,
    IMR_REQUEST,
    LOCAL_APPROVAL,
    PANEL_ADD,
    PANEL_REMOVE,
    PUBLISH,
    QA_FEEDBACK,
    QA_SUBMIT,
    DecisionForm,
    ImrReceiveForm,
    ImrRequestForm,
    LocalApprovalForm,
    PanelAddForm,
    PanelRemoveForm,
    PublishForm,
    QaFeedbackForm,
    QaSubmitForm,
    RecommendationForm,
    ReviewActionForm,
    ReviewDetailsForm,
    ReviewFilterForm,
    ReviewNotifyForm,
    StageMoveForm,
)
from dhr.models import ImrRequest, PanelMembership, QaSubmission, Review
from dhr.rules import Target
from dhr.selectors import (
    Progress,
    is_dhr_coordinator,
    linked_case_visible,
    recommendation_get,
    review_detail,
    review_get,
    review_list_with_progress,
    review_progress,
    stage_list,
    stage_targets,
)
from dhr.services import (
    imr_receive,
    imr_request,
    local_approval_record,
    panel_membership_set,
    qa_feedback_record,
    qa_submit,
    recommendation_add,
    review_action_add,
    review_decide,
    review_notify,
    review_publish,
    review_stage_move,
    review_update,
)
from referrals.views.queues import role_required

REVIEWS_PER_PAGE = 25
NO_SUCH_CASE = "No case with this reference that you can see"
# Where the services' field names appear on the forms.
SERVICE_ERROR_FIELDS = {"case": "case_reference", "assigned_agency": "assigned_agency"}

coordinator_required = role_required(Role.DHR_COORDINATOR)


def _target_rows(targets: list[Target], names: dict[str, str]) -> list[dict[str, Any]]:
    return [{"stage": names.get(target.stage_code, target.stage_code), "due_on": target.due_on} for target in targets]


def _progress_view(progress: Progress, names: dict[str, str]) -> dict[str, Any]:
    """A review's progress as the pages show it: days in stage, the targets passed, the next one."""
    following = progress.next_target
    return {
        "days_in_stage": progress.days_in_stage,
        "overdue": _target_rows(progress.overdue, names),
        "next": _target_rows([following], names)[0] if following else None,
    }


def _case_for_reference(request: HttpRequest, form: forms.Form, reference: str) -> tuple[bool, Case | None]:
    """The case a typed reference names, among those the user may see: (found, case). An unknown or unseen
    reference is the same field error, so it never says whether the case exists."""
    reference = reference.strip()
    if not reference:
        return True, None
    case = visible_cases(request.user).filter(reference__iexact=reference).first()  # type: ignore[arg-type]
    if case is None:
        form.add_error("case_reference", NO_SUCH_CASE)
        return False, None
    return True, case


def _back_to_review(review: Review) -> str:
    return reverse("dhr-review-detail", kwargs={"pk": review.pk})


def _record(
    request: HttpRequest, form: forms.Form, call: Callable[..., Any], arguments: Callable[[], dict[str, Any]]
) -> bool:
    """Call a service with a valid form's answers; False when the form or the service refused (the
    service's errors go on the form)."""
    if not form.is_valid():
        return False
    try:
        call(actor=request.user, **arguments())
    except ValidationError as error:
        form_add_service_errors(form, error, SERVICE_ERROR_FIELDS)
        return False
    return True


# --- The list ------------------------------------------------------------------------------------------


@require_GET
def review_list_view(request: HttpRequest) -> HttpResponse:
    """The reviews the user may see, newest notification first: stage, days there, what is overdue or the
    next target, open actions. Coordinators and administrators see all; a panel agency those it sits on."""
    stages = stage_list()
    names = {stage.code: stage.name for stage in stages}
    form = ReviewFilterForm(request.GET or None, stages=stages)
    filters = form.filters()
    rows = review_list_with_progress(actor=request.user, **filters)
    page = Paginator(rows, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    access_log_record(
        action=AccessLog.Action.LIST,
        request=request,
        object_type="dhr.review",
        detail={
            "filters": form.chosen(),
            "page": page.number,
            "count": len(page.object_list),
            "total": page.paginator.count,
        },
    )
    context = {
        "form": form,
        "filtered": bool(form.chosen()),
        "page": page,
        "rows": [{"review": review, **_progress_view(progress, names)} for review, progress in page.object_list],
        "pagination": pagination_links(request, page),
        "is_coordinator": is_dhr_coordinator(request.user),
    }
    return render(request, "dhr/review_list.html", context)


# --- The notification ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@coordinator_required
def review_notify_view(request: HttpRequest) -> HttpResponse:
    """Record the notification of a death that may meet the criteria: the review starts at its first stage."""
    form = ReviewNotifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        found, case = _case_for_reference(request, form, form.cleaned_data["case_reference"])
        if found:
            try:
                review = review_notify(actor=request.user, case=case, **form.service_arguments())
            except ValidationError as error:
                form_add_service_errors(form, error, SERVICE_ERROR_FIELDS)
            else:
                messages.success(request, f"Notification recorded: {review.reference}.")
                return redirect("dhr-review-detail", pk=review.pk)
    context = {"form": form, "back_link_url": reverse("dhr-review-list")}
    return render(request, "dhr/review_notify.html", context)


# --- The review's page -----------------------------------------------------------------------------------


@require_GET
def review_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A review: summary (no names), where it is and what is overdue, the decision, chair and author, the
    linked case (only to those who may see it), panel, IMRs, quality assurance, the timeline, and the
    recommendations with their actions."""
    review = review_detail(actor=request.user, pk=pk)
    stages = stage_list()
    names = {stage.code: stage.name for stage in stages}
    progress = review_progress(review, targets=stage_targets(stages))
    access_log_record(action=AccessLog.Action.VIEW, request=request, obj=review)
    is_coordinator = is_dhr_coordinator(request.user)
    submissions = list(review.qa_submissions.all())
    context = {
        "review": review,
        "progress": _progress_view(progress, names),
        "linked_case": linked_case_visible(actor=request.user, review=review),
        "memberships": list(review.memberships.all()),
        "imrs": list(review.imrs.all()),
        "submissions": submissions,
        "events": list(review.stage_events.all()),
        "recommendations": list(review.recommendations.all()),
        "is_coordinator": is_coordinator,
        "decided": review.decision != Review.Decision.PENDING,
        "commissioned": review.decision == Review.Decision.COMMISSION,
        "back_link_url": reverse("dhr-review-list"),
    }
    return render(request, "dhr/review_detail.html", context)


# --- The coordinator's forms -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@coordinator_required
def review_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision whether to commission a review, with its date and rationale."""
    review = review_get(actor=request.user, pk=pk)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _record(
        request, form, review_decide, lambda: {"review": review, **form.service_arguments()}
    ):
        messages.success(request, "Decision recorded.")
        return redirect("dhr-review-detail", pk=review.pk)
    context = {"review": review, "form": form, "back_link_url": _back_to_review(review)}
    return render(request, "dhr/review_decide.html", context)


@require_http_methods(["GET", "POST"])
@coordinator_required
def review_stage_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the review to another stage on a day, with notes: a dated event on its timeline."""
    review = review_get(actor=request.user, pk=pk)
    form = StageMoveForm(request.POST if request.method == "POST" else None, stages=stage_list())
    if request.method == "POST" and _record(
        request, form, review_stage_move, lambda: {"review": review, **form.service_arguments()}
    ):
        messages.success(request, f"The review is now at {form.service_arguments()['stage'].name}.")
        return redirect("dhr-review-detail", pk=review.pk)
    context = {"review": review, "form": form, "back_link_url": _back_to_review(review)}
    return render(request, "dhr/review_stage.html", context)


@require_http_methods(["GET", "POST"])
@coordinator_required
def review_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The review's chair, author, criminal proceedings and linked case; and the agencies on its panel."""
    review = review_get(actor=request.user, pk=pk)
    linked = linked_case_visible(actor=request.user, review=review)
    sent = request.POST.get("form") if request.method == "POST" else None
    details_form = ReviewDetailsForm(
        request.POST if sent == DETAILS else None,
        initial={
            "independent_chair": review.independent_chair,
            "author": review.author,
            "criminal_proceedings_pending": review.criminal_proceedings_pending,
            "case_reference": linked.reference if linked else "",
        },
    )
    panel_form = PanelAddForm(request.POST if sent == PANEL_ADD else None)
    failed: forms.Form | None = None
    if sent == DETAILS:
        failed = details_form
        if details_form.is_valid():
            data = details_form.cleaned_data
            found, case = _case_for_reference(request, details_form, data["case_reference"])
            if found:
                try:
                    review_update(
                        actor=request.user,
                        review=review,
                        independent_chair=data["independent_chair"],
                        author=data["author"],
                        criminal_proceedings_pending=data["criminal_proceedings_pending"],
                        case=case,
                        # A blank reference unlinks the case the coordinator can see; a link to a case they
                        # cannot see is left as it is.
                        keep_case=linked is None,
                    )
                except ValidationError as error:
                    form_add_service_errors(details_form, error, SERVICE_ERROR_FIELDS)
                else:
                    messages.success(request, "Details saved.")
                    return redirect("dhr-review-edit", pk=review.pk)
    elif sent == PANEL_ADD:
        failed = panel_form
        if _record(request, panel_form, panel_membership_set, lambda: {"review": review, **panel_form.cleaned_data}):
            messages.success(request, f"{panel_form.cleaned_data['agency'].name} is on the panel.")
            return redirect("dhr-review-edit", pk=review.pk)
    elif sent == PANEL_REMOVE:
        remove_form = PanelRemoveForm(request.POST)
        membership = None
        if remove_form.is_valid():
            membership = (
                PanelMembership.objects.filter(review=review, agency_id=remove_form.cleaned_data["agency"])
                .select_related("agency")
                .first()
            )
        if membership is not None:
            panel_membership_set(actor=request.user, review=review, agency=membership.agency, member=False)
            messages.success(request, f"{membership.agency.name} is no longer on the panel.")
        else:
            messages.error(request, "That agency is not on the panel.")
        return redirect("dhr-review-edit", pk=review.pk)
    context = {
        "review": review,
        "form": failed,
        "details_form": details_form,
        "panel_form": panel_form,
        "memberships": list(review.memberships.select_related("agency")),
        "back_link_url": _back_to_review(review),
    }
    return render(request, "dhr/review_edit.html", context)


def _imrs(review: Review) -> list[ImrRequest]:
    return list(review.imrs.select_related("agency"))


@require_http_methods(["GET", "POST"])
@coordinator_required
def review_imrs_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The review's Individual Management Reviews: request one of an agency, record one received."""
    review = review_get(actor=request.user, pk=pk)
    imrs = _imrs(review)
    sent = request.POST.get("form") if request.method == "POST" else None
    request_form = ImrRequestForm(request.POST if sent == IMR_REQUEST else None)
    receive_form = ImrReceiveForm(request.POST if sent == IMR_RECEIVE else None, imrs=imrs)
    failed: forms.Form | None = None
    if sent == IMR_REQUEST:
        failed = request_form
        if _record(request, request_form, imr_request, lambda: {"review": review, **request_form.service_arguments()}):
            messages.success(request, f"IMR requested of {request_form.cleaned_data['agency'].name}.")
            return redirect("dhr-review-imrs", pk=review.pk)
    elif sent == IMR_RECEIVE:
        failed = receive_form
        if _record(request, receive_form, imr_receive, receive_form.service_arguments):
            messages.success(request, "IMR recorded as received.")
            return redirect("dhr-review-imrs", pk=review.pk)
    context = {
        "review": review,
        "imrs": imrs,
        "form": failed,
        "request_form": request_form,
        "receive_form": receive_form,
        "commissioned": review.decision == Review.Decision.COMMISSION,
        "back_link_url": _back_to_review(review),
    }
    return render(request, "dhr/review_imrs.html", context)


@require_http_methods(["GET", "POST"])
@coordinator_required
def review_qa_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Local approval, submission to the Home Office Quality Assurance Panel, its feedback (accepted, or
    revisions requested and a resubmission), and publication."""
    review = review_get(actor=request.user, pk=pk)
    submissions = list(QaSubmission.objects.filter(review=review).order_by("submitted_on", "pk"))
    awaiting = next((submission for submission in submissions if not submission.feedback), None)
    accepted = any(submission.feedback == QaSubmission.Feedback.ACCEPTED for submission in submissions)
    sent = request.POST.get("form") if request.method == "POST" else None
    data = request.POST if sent else None
    approval_form = LocalApprovalForm(data if sent == LOCAL_APPROVAL else None)
    submit_form = QaSubmitForm(data if sent == QA_SUBMIT else None)
    feedback_form = QaFeedbackForm(data if sent == QA_FEEDBACK else None)
    publish_form = PublishForm(data if sent == PUBLISH else None)
    handlers: dict[str, tuple[forms.Form, Callable[..., Any], Callable[[], dict[str, Any]], str]] = {
        LOCAL_APPROVAL: (
            approval_form,
            local_approval_record,
            lambda: {"review": review, "on": approval_form.cleaned_data["on"]},
            "Local approval recorded.",
        ),
        QA_SUBMIT: (
            submit_form,
            qa_submit,
            lambda: {"review": review, **submit_form.cleaned_data},
            "Submission to the Home Office recorded.",
        ),
        PUBLISH: (
            publish_form,
            review_publish,
            lambda: {"review": review, **publish_form.cleaned_data},
            "Publication recorded.",
        ),
    }
    if awaiting is not None:
        handlers[QA_FEEDBACK] = (
            feedback_form,
            qa_feedback_record,
            lambda: {"submission": awaiting, **feedback_form.cleaned_data},
            "Home Office feedback recorded.",
        )
    failed: forms.Form | None = None
    if sent in handlers:
        failed, service, arguments, message = handlers[sent]
        if _record(request, failed, service, arguments):
            messages.success(request, message)
            return redirect("dhr-review-qa", pk=review.pk)
    elif sent is not None:
        messages.error(request, "No submission is awaiting feedback.")
        return redirect("dhr-review-qa", pk=review.pk)
    commissioned = review.decision == Review.Decision.COMMISSION
    context = {
        "review": review,
        "submissions": submissions,
        "awaiting": awaiting,
        "accepted": accepted,
        "form": failed,
        "approval_form": approval_form,
        "submit_form": submit_form,
        "feedback_form": feedback_form,
        "publish_form": publish_form,
        "commissioned": commissioned,
        "can_approve": commissioned and review.local_approval_on is None,
        "can_submit": commissioned and review.local_approval_on is not None and awaiting is None and not accepted,
        "can_publish": accepted and review.published_on is None,
        "back_link_url": _back_to_review(review),
    }
    return render(request, "dhr/review_qa.html", context)


@require_http_methods(["GET", "POST"])
@coordinator_required
def recommendation_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the review's next recommendation, tagged with learning themes."""
    review = review_get(actor=request.user, pk=pk)
    form = RecommendationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _record(
        request,
        form,
        recommendation_add,
        lambda: {"review": review, "text": form.cleaned_data["text"], "themes": list(form.cleaned_data["themes"])},
    ):
        messages.success(request, "Recommendation added.")
        return redirect(f"{_back_to_review(review)}#recommendations")
    context = {"review": review, "form": form, "back_link_url": _back_to_review(review)}
    return render(request, "dhr/recommendation_add.html", context)


@require_http_methods(["GET", "POST"])
@coordinator_required
def review_action_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an action to a recommendation's plan: the owning agency, its lead, what, and the target date."""
    recommendation = recommendation_get(actor=request.user, pk=pk)
    review = recommendation.review
    form = ReviewActionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _record(
        request,
        form,
        review_action_add,
        lambda: {"recommendation": recommendation, **form.service_arguments()},
    ):
        messages.success(request, f"Action added to recommendation {recommendation.number}.")
        return redirect(f"{_back_to_review(review)}#recommendations")
    context = {
        "review": review,
        "recommendation": recommendation,
        "form": form,
        "back_link_url": _back_to_review(review),
    }
    return render(request, "dhr/action_add.html", context)
