"""The meeting itself and its minutes: attendance, the confidentiality statement, each agenda item's
outcome and actions, marking the meeting held, approving the minutes, amendments, and the minutes PDF.

The coordinator's pages (403 for other roles); the meeting comes through the selectors, so one outside
the coordinator's areas answers 404. The minutes page holds several small forms, each sent with a hidden
`form` field saying which; the services decide what may be recorded when, and their errors come back in
the error summary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import Role
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from marac.exports import CONFIDENTIALITY_STATEMENT, minutes_pdf
from marac.forms.meetings import (
    ACTION,
    AMENDMENT,
    ATTENDANCE,
    CONFIDENTIALITY,
    HELD,
    OUTCOME,
    SERVICE_ERROR_FIELDS,
    ActionForm,
    AmendmentForm,
    AttendanceForm,
    OutcomeForm,
)
from marac.models import AgendaItem, MaracAction, MaracMeeting
from marac.selectors import agenda_items_for, marac_member_agencies, meeting_get_for
from marac.services import (
    agenda_item_outcome_record,
    attendance_record,
    marac_action_create,
    meeting_confidentiality_confirm,
    meeting_held,
    minutes_amend,
    minutes_approve,
)
from referrals.views.queues import role_required

RECORDING = (MaracMeeting.Status.AGENDA_PUBLISHED, MaracMeeting.Status.HELD)


class _NoFields(forms.Form):
    """The forms that are only a button (confidentiality, held, approve): errors from the service only."""


def _items(request: HttpRequest, meeting: MaracMeeting) -> list[AgendaItem]:
    return list(agenda_items_for(actor=request.user, meeting=meeting))


def _actions_by_item(meeting: MaracMeeting) -> dict[int, list[MaracAction]]:
    # The meeting came through the selector: its actions are the coordinator's to see.
    by_item: dict[int, list[MaracAction]] = defaultdict(list)
    actions = MaracAction.objects.filter(agenda_item__meeting=meeting).select_related("assigned_agency")
    for action in actions.order_by("due_on", "pk"):
        by_item[action.agenda_item_id].append(action)
    return by_item


def _item_from_post(request: HttpRequest, items: list[AgendaItem]) -> AgendaItem | None:
    chosen = request.POST.get("item", "")
    return next((item for item in items if str(item.pk) == chosen), None)


def _record(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[..., Any],
    message: str,
    arguments: Callable[[], dict[str, Any]] = dict,
) -> str | None:
    """Call a service with the valid form's answers: the message to show, or None when the form or the
    service refused (the service's errors go on the form)."""
    if not form.is_valid():
        return None
    try:
        call(actor=request.user, **arguments())
    except ValidationError as error:
        form_add_service_errors(form, error, SERVICE_ERROR_FIELDS)
        return None
    return message


def _attendance_record_all(*, actor: Any, meeting: MaracMeeting, form: AttendanceForm) -> None:
    for record in form.records():
        attendance_record(actor=actor, meeting=meeting, **record)


@require_http_methods(["GET", "POST"])
@role_required(Role.MARAC_COORDINATOR)
def minutes_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's record: attendance, confidentiality, each item's outcome and actions, then held,
    approved and (once approved) amendments."""
    meeting = meeting_get_for(actor=request.user, pk=pk)
    items = _items(request, meeting)
    agencies = list(marac_member_agencies(area=meeting.area))
    attendance = {record.agency_id: record for record in meeting.attendance.select_related("agency")}
    sent = request.POST.get("form") if request.method == "POST" else None
    data = request.POST if sent else None
    attendance_form = AttendanceForm(data if sent == ATTENDANCE else None, agencies=agencies, attendance=attendance)
    button_form = _NoFields(data if sent in (CONFIDENTIALITY, HELD, OUTCOME, ACTION) else None)
    amendment_form = AmendmentForm(data if sent == AMENDMENT else None, items=items)
    posted = _item_from_post(request, items) if sent in (OUTCOME, ACTION) else None
    outcome_forms = {
        item.pk: OutcomeForm(data if sent == OUTCOME and item == posted else None, item=item) for item in items
    }
    action_forms = {
        item.pk: ActionForm(data if sent == ACTION and item == posted else None, item=item, agencies=agencies)
        for item in items
    }
    handlers: dict[str, tuple[forms.Form, Callable[[], str | None]]] = {
        ATTENDANCE: (
            attendance_form,
            lambda: _record(
                request,
                attendance_form,
                _attendance_record_all,
                "Attendance recorded.",
                lambda: {"meeting": meeting, "form": attendance_form},
            ),
        ),
        CONFIDENTIALITY: (
            button_form,
            lambda: _record(
                request,
                button_form,
                meeting_confidentiality_confirm,
                "Confidentiality statement confirmed.",
                lambda: {"meeting": meeting},
            ),
        ),
        HELD: (
            button_form,
            lambda: _record(
                request, button_form, meeting_held, "The meeting is recorded as held.", lambda: {"meeting": meeting}
            ),
        ),
        AMENDMENT: (
            amendment_form,
            lambda: _record(
                request,
                amendment_form,
                minutes_amend,
                "Amendment added to the minutes.",
                lambda: {"meeting": meeting, **amendment_form.service_arguments()},
            ),
        ),
    }
    if posted is not None:
        outcome_form, action_form = outcome_forms[posted.pk], action_forms[posted.pk]
        reference = posted.referral.case.reference
        handlers[OUTCOME] = (
            outcome_form,
            lambda: _record(
                request,
                outcome_form,
                agenda_item_outcome_record,
                f"Outcome of {reference} recorded.",
                lambda: {"item": posted, **outcome_form.service_arguments()},
            ),
        )
        handlers[ACTION] = (
            action_form,
            lambda: _record(
                request,
                action_form,
                marac_action_create,
                f"Action added for {reference}.",
                lambda: {"item": posted, **action_form.service_arguments()},
            ),
        )
    failed: forms.Form | None = None
    if sent in handlers:
        failed, handle = handlers[sent]
        message = handle()
        if message is not None:
            messages.success(request, message)
            return redirect("marac-minutes", pk=meeting.pk)
    elif sent is not None:
        failed = button_form
        button_form.is_valid()
        button_form.add_error(None, "Choose an item on this meeting's agenda.")
    context = {
        # The form whose errors the summary shows, and the page title marks.
        "form": failed,
        "attendance_form": attendance_form,
        "button_form": button_form,
        "amendment_form": amendment_form,
        "attendance": sorted(attendance.values(), key=lambda record: record.agency.name),
    }
    return render(request, "marac/minutes.html", _minutes_context(meeting, items, outcome_forms, action_forms, context))


def _minutes_context(
    meeting: MaracMeeting,
    items: list[AgendaItem],
    outcome_forms: dict[int, OutcomeForm],
    action_forms: dict[int, ActionForm],
    context: dict[str, Any],
) -> dict[str, Any]:
    actions = _actions_by_item(meeting)
    return {
        **context,
        "meeting": meeting,
        "rows": [
            {
                "item": item,
                "outcome_form": outcome_forms[item.pk],
                "action_form": action_forms[item.pk],
                "actions": actions.get(item.pk, []),
            }
            for item in items
        ],
        "confidentiality_statement": CONFIDENTIALITY_STATEMENT,
        "recording": meeting.status in RECORDING,
        "approved": meeting.status == MaracMeeting.Status.MINUTES_APPROVED,
        "published": meeting.status == MaracMeeting.Status.AGENDA_PUBLISHED,
        "held": meeting.status == MaracMeeting.Status.HELD,
        "amendments": list(meeting.amendments.select_related("agenda_item__referral__case", "created_by")),
        "back_link_url": reverse("marac-meeting-detail", kwargs={"pk": meeting.pk}),
    }


@require_POST
@role_required(Role.MARAC_COORDINATOR)
def minutes_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair approves the minutes of a held meeting whose items all have their outcome."""
    meeting = meeting_get_for(actor=request.user, pk=pk)
    try:
        minutes_approve(actor=request.user, meeting=meeting)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Minutes approved. Later changes are recorded as amendments.")
    return redirect("marac-minutes", pk=meeting.pk)


@require_GET
@role_required(Role.MARAC_COORDINATOR)
def minutes_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as a PDF, for the coordinator to circulate; the download is logged as an export."""
    meeting = meeting_get_for(actor=request.user, pk=pk)
    items = _items(request, meeting)
    attendance = list(meeting.attendance.select_related("agency"))
    pdf = minutes_pdf(
        meeting, items, attendance, _actions_by_item(meeting), partnership_name=settings.DASV_PARTNERSHIP_NAME
    )
    access_log_record(
        action=AccessLog.Action.EXPORT,
        request=request,
        obj=meeting,
        detail={"format": "pdf", "document": "minutes", "items": len(items)},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    day = timezone.localdate(meeting.starts_at).isoformat()
    response["Content-Disposition"] = f'attachment; filename="marac-minutes-{meeting.pk}-{day}.pdf"'
    return response
