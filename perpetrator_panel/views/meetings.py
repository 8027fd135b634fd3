"""The panel's meeting pages: the list of meetings, arranging one, and the meeting itself with its attendance,
the cases reviewed and the actions agreed.

Panel members and the police see meetings (others: 403 for the list, 404 for a meeting); only panel members
arrange meetings and record what happened at them (403 for the police). The meeting page holds several small
forms, each sent with a hidden `form` field saying which; the services decide what may be recorded when, and
their errors come back on the form's fields. A refused form writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import Agency, Role
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.views import pagination_links
from perpetrator_panel.forms.meetings import (
    ACTION,
    ATTENDANCE,
    REVIEW,
    AttendanceForm,
    CaseReviewForm,
    MeetingActionForm,
    MeetingForm,
)
from perpetrator_panel.models import PanelCase, PanelMeeting
from perpetrator_panel.selectors import can_see_panel, is_panel_member, meeting_detail, meeting_list, panel_case_list
from perpetrator_panel.services import (
    case_review_record,
    panel_action_create,
    panel_attendance_record,
    panel_meeting_create,
)
from referrals.views.queues import role_required

MEETINGS_PER_PAGE = 25


def _panel_required(request: HttpRequest) -> None:
    if not can_see_panel(request.user):
        raise PermissionDenied("This page is for perpetrator panel members and the police.")


@require_GET
def meeting_list_view(request: HttpRequest) -> HttpResponse:
    """Panel meetings, newest first, with how many cases each reviewed and how many actions it agreed."""
    _panel_required(request)
    page = Paginator(meeting_list(actor=request.user), MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    access_log_record(
        action=AccessLog.Action.LIST,
        request=request,
        object_type=PanelMeeting._meta.label_lower,
        detail={"page": page.number, "count": len(page.object_list), "total": page.paginator.count},
    )
    context = {
        "page": page,
        "pagination": pagination_links(request, page),
        "can_arrange": is_panel_member(request.user),
    }
    return render(request, "perpetrator_panel/meeting_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.PANEL_MEMBER)
def meeting_add_view(request: HttpRequest) -> HttpResponse:
    """A panel member arranges (or records) a meeting: its day, chair and notes."""
    form = MeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = panel_meeting_create(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{meeting} arranged.")
            return redirect("panel-meeting-detail", pk=meeting.pk)
    context = {"form": form, "back_link_url": reverse("panel-meeting-list")}
    return render(request, "perpetrator_panel/meeting_add.html", context)


def _record(request: HttpRequest, form: forms.Form, call: Callable[[], Any], message: str) -> str | None:
    """Call a service with the valid form's answers: the message to show, or None when the form or the
    service refused (the service's errors go on the form, and nothing it started is kept)."""
    if not form.is_valid():
        return None
    try:
        with transaction.atomic():
            call()
    except ValidationError as error:
        form_add_service_errors(form, error)
        return None
    return message


def _attendance_record_all(request: HttpRequest, meeting: PanelMeeting, form: AttendanceForm) -> None:
    for record in form.records():
        try:
            panel_attendance_record(actor=request.user, meeting=meeting, **record)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            # The per-agency service names its own fields: put them on this agency's row of the form.
            pk = record["agency"].pk
            raise ValidationError(
                {
                    f"{name}_{pk}" if name == "representative" else name: texts
                    for name, texts in error.message_dict.items()
                }
            ) from error


@require_http_methods(["GET", "POST"])
def meeting_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting: attendance, cases reviewed and actions agreed; for panel members, the forms that record them."""
    meeting = meeting_detail(actor=request.user, pk=pk)
    member = is_panel_member(request.user)
    sent = request.POST.get("form") if request.method == "POST" else None
    if request.method == "POST" and not member:
        raise PermissionDenied("Only a panel member records a meeting.")
    data = request.POST if sent else None
    attendance = {record.agency_id: record for record in meeting.attendance.all()}
    forms_by_name: dict[str, forms.Form] = {}
    if member:
        agencies = list(Agency.objects.filter(active=True).order_by("name"))
        panel_cases = list(panel_case_list(actor=request.user, status=PanelCase.Status.ACTIVE))
        forms_by_name = {
            ATTENDANCE: AttendanceForm(data if sent == ATTENDANCE else None, agencies=agencies, attendance=attendance),
            REVIEW: CaseReviewForm(data if sent == REVIEW else None, panel_cases=panel_cases),
            ACTION: MeetingActionForm(data if sent == ACTION else None, panel_cases=panel_cases, agencies=agencies),
        }
    failed: forms.Form | None = None
    if sent is not None:
        if sent not in forms_by_name:
            raise PermissionDenied("Not a form of this page.")
        form = forms_by_name[sent]

        def call() -> Any:
            if sent == ATTENDANCE:
                return _attendance_record_all(request, meeting, form)  # type: ignore[arg-type]
            arguments = form.service_arguments()  # type: ignore[attr-defined]
            if sent == REVIEW:
                return case_review_record(actor=request.user, meeting=meeting, **arguments)
            return panel_action_create(actor=request.user, meeting=meeting, **arguments)

        message = {ATTENDANCE: "Attendance recorded.", REVIEW: "Case review recorded.", ACTION: "Action agreed."}[sent]
        recorded = _record(request, form, call, message)
        if recorded is not None:
            messages.success(request, recorded)
            return redirect("panel-meeting-detail", pk=meeting.pk)
        failed = form
    access_log_record(action=AccessLog.Action.VIEW, request=request, obj=meeting)
    today = timezone.localdate()
    context = {
        "meeting": meeting,
        "member": member,
        # The form whose errors the summary shows.
        "form": failed,
        "attendance": list(meeting.attendance.all()),
        "reviews": list(meeting.reviews.all()),
        "actions": [
            {"action": action, "overdue": action.is_overdue(today)}
            for action in sorted(meeting.actions.all(), key=lambda action: (action.due_on, action.pk))
        ],
        "attendance_form": forms_by_name.get(ATTENDANCE),
        "review_form": forms_by_name.get(REVIEW),
        "action_form": forms_by_name.get(ACTION),
        "back_link_url": reverse("panel-meeting-list"),
    }
    return render(request, "perpetrator_panel/meeting_detail.html", context)
