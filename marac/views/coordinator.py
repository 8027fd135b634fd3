"""The MARAC coordinator's pages: the meetings of their areas, a meeting and its agenda, building and
publishing agendas, changing an agenda item, the research matrix, the agenda for circulation (CSV and
PDF) and the SafeLives quarterly return.

Every page is the coordinator's (403 for other roles); meetings and items come from the marac selectors,
which start from the coordinator's areas, so another area's meeting is a 404. Lists and the agenda run a
fixed number of queries whatever their length.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import Agency, Role
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.views import pagination_links
from marac.exports import agenda_csv, agenda_pdf, agenda_title, meeting_when
from marac.forms.coordinator import (
    AgendaBuildForm,
    AgendaItemChangeForm,
    CapacityOverrideForm,
    MeetingFilterForm,
    MeetingRescheduleForm,
    SafeLivesReturnForm,
    financial_year_label,
)
from marac.models import AgendaItem, MaracAction, MaracMeeting
from marac.returns import safelives_return_csv, safelives_return_for
from marac.rules import quarter_bounds, quarter_label
from marac.selectors import (
    agenda_item_get_for,
    agenda_items_for,
    incomplete_actions_for_meeting,
    marac_areas_for,
    meeting_get_for,
    meeting_list_for,
    meetings_to_move_to,
    research_matrix,
)
from marac.services import (
    agenda_build,
    agenda_item_move,
    agenda_item_remove,
    agenda_item_reorder,
    agenda_publish,
    meeting_cancel,
    meeting_capacity_override,
    meeting_move,
    research_reminders_send,
)
from referrals.views.queues import role_required

MEETINGS_PER_PAGE = 25


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _agenda_items(request: HttpRequest, meeting: MaracMeeting) -> list[AgendaItem]:
    """The meeting's agenda in position order, with what the page and the exports read (children
    prefetched), in two queries."""
    return list(agenda_items_for(actor=request.user, meeting=meeting).prefetch_related("referral__case__children"))


def _incomplete_actions(meeting: MaracMeeting) -> list[MaracAction]:
    return list(incomplete_actions_for_meeting(meeting=meeting))


@require_GET
@role_required(Role.MARAC_COORDINATOR)
def meeting_list_view(request: HttpRequest) -> HttpResponse:
    """The meetings of the coordinator's areas: upcoming ones earliest first, or past ones latest first,
    with how full each agenda is."""
    areas = marac_areas_for(request.user)
    form = MeetingFilterForm(request.GET or None, areas=areas)
    filters = form.filters()
    today = timezone.localdate()
    meetings: QuerySet[MaracMeeting]
    if filters["past"]:
        meetings = meeting_list_for(
            actor=request.user, area=filters["area"], kind=filters["kind"], last=today - timedelta(days=1)
        ).order_by("-starts_at", "-pk")
    else:
        meetings = meeting_list_for(actor=request.user, area=filters["area"], kind=filters["kind"], first=today)
    page = Paginator(meetings, MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "past": filters["past"],
        "page": page,
        "pagination": pagination_links(request, page),
    }
    return render(request, "marac/meeting_list.html", context)


def _meeting_detail(
    request: HttpRequest, meeting: MaracMeeting, override_form: CapacityOverrideForm | None = None
) -> HttpResponse:
    items = _agenda_items(request, meeting)
    access_log_record(action=AccessLog.Action.VIEW, request=request, obj=meeting, detail={"items": len(items)})
    scheduled = meeting.status == MaracMeeting.Status.SCHEDULED
    full = len(items) >= meeting.capacity
    context = {
        "meeting": meeting,
        "items": items,
        "incomplete_actions": _incomplete_actions(meeting),
        "scheduled": scheduled,
        "full": full,
        # A full, scheduled agenda takes more only once the coordinator says why.
        "override_form": (override_form or CapacityOverrideForm())
        if scheduled and full and not meeting.capacity_override_reason
        else None,
        "form": override_form,
        "back_link_url": reverse("marac-meeting-list"),
    }
    return render(request, "marac/meeting_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.MARAC_COORDINATOR)
def meeting_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting and its agenda in order, the incomplete actions from earlier meetings, and what the
    coordinator can do with it. A POST overrides the capacity of a full meeting, saying why."""
    meeting = meeting_get_for(actor=request.user, pk=pk)
    if request.method == "POST":
        form = CapacityOverrideForm(request.POST)
        if form.is_valid():
            try:
                meeting_capacity_override(actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, "The meeting may now list more cases than its capacity.")
                return redirect("marac-meeting-detail", pk=meeting.pk)
        return _meeting_detail(request, meeting, override_form=form)
    return _meeting_detail(request, meeting)


@require_http_methods(["GET", "POST"])
@role_required(Role.MARAC_COORDINATOR)
def agenda_build_view(request: HttpRequest) -> HttpResponse:
    """List an area's waiting MARAC referrals on its coming meetings (children first, within capacity,
    leaving agencies time to research)."""
    form = AgendaBuildForm(request.POST if request.method == "POST" else None, areas=marac_areas_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            build = agenda_build(
                actor=request.user, area=form.cleaned_data["area"], meeting_kind=form.cleaned_data["kind"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error, {"meeting_kind": "kind"})
        else:
            meetings = len({item.meeting_id for item in build.placed})
            messages.success(
                request,
                f"{_plural(len(build.placed), 'referral')} placed on {_plural(meetings, 'meeting')}; "
                f"{len(build.still_waiting)} still waiting.",
            )
            return redirect("marac-meeting-list")
    context = {"form": form, "back_link_url": reverse("marac-meeting-list")}
    return render(request, "marac/agenda_build.html", context)


@require_POST
@role_required(Role.MARAC_COORDINATOR)
def agenda_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a scheduled meeting's agenda: the member agencies may then see its cases to research them."""
    meeting = meeting_get_for(actor=request.user, pk=pk)
    try:
        agenda_publish(actor=request.user, meeting=meeting)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Agenda published: the member agencies can now research its cases.")
    return redirect("marac-meeting-detail", pk=meeting.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.MARAC_COORDINATOR)
def agenda_item_change_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move an agenda item to another meeting, pin it at a position, or take it off the agenda."""
    item = agenda_item_get_for(actor=request.user, pk=pk)
    meeting = item.meeting
    form = AgendaItemChangeForm(
        request.POST if request.method == "POST" else None,
        meetings=meetings_to_move_to(actor=request.user, meeting=item.meeting),
    )
    if request.method == "POST" and form.is_valid():
        change = form.cleaned_data["change"]
        reference = item.referral.case.reference
        try:
            if change == AgendaItemChangeForm.MOVE:
                target = form.cleaned_data["meeting"]
                agenda_item_move(actor=request.user, item=item, meeting=target)
                done = f"Case {reference} moved to the meeting of {meeting_when(target)}."
            elif change == AgendaItemChangeForm.REORDER:
                moved = agenda_item_reorder(actor=request.user, item=item, position=form.cleaned_data["position"])
                done = f"Case {reference} is now number {moved.position} on the agenda."
            else:
                agenda_item_remove(actor=request.user, item=item, reason=form.cleaned_data["reason"])
                done = f"Case {reference} taken off the agenda."
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("marac-meeting-detail", pk=meeting.pk)
    context = {
        "item": item,
        "meeting": meeting,
        "form": form,
        "back_link_url": reverse("marac-meeting-detail", kwargs={"pk": meeting.pk}),
    }
    return render(request, "marac/agenda_item_change.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.MARAC_COORDINATOR)
def meeting_reschedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a meeting to another day or time, its agenda with it; or cancel it, moving its agenda to
    another meeting of the same MARAC."""
    meeting = meeting_get_for(actor=request.user, pk=pk)
    targets = meetings_to_move_to(actor=request.user, meeting=meeting)
    form = MeetingRescheduleForm(request.POST if request.method == "POST" else None, meetings=targets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["change"] == MeetingRescheduleForm.MOVE:
                starts_at = timezone.make_aware(datetime.combine(data["on"], data["at"]))
                meeting_move(actor=request.user, meeting=meeting, starts_at=starts_at, reason=data["reason"])
                moved = meeting_when(MaracMeeting(starts_at=starts_at))
                done = f"The meeting now starts {moved}; its agenda moved with it."
            else:
                meeting_cancel(
                    actor=request.user, meeting=meeting, reason=data["reason"], move_agenda_to=data["move_agenda_to"]
                )
                done = "The meeting is cancelled."
        except ValidationError as error:
            form_add_service_errors(form, error, {"starts_at": "on"})
        else:
            messages.success(request, done)
            return redirect("marac-meeting-detail", pk=meeting.pk)
    context = {
        "meeting": meeting,
        "form": form,
        "back_link_url": reverse("marac-meeting-detail", kwargs={"pk": meeting.pk}),
    }
    return render(request, "marac/meeting_reschedule.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.MARAC_COORDINATOR)
def research_matrix_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Which member agencies have submitted research for each agenda item, which have a draft, and which
    have none; the coordinator can remind the agencies that still owe research (POST)."""
    meeting = meeting_get_for(actor=request.user, pk=pk)
    if request.method == "POST":
        sent = research_reminders_send(meeting=meeting)
        if sent:
            messages.success(request, f"Reminders sent: {sent} email{pluralize(sent)} to agencies owing research.")
        else:
            messages.info(request, "No reminder sent: none is owed, or the agencies were reminded today.")
        return redirect("marac-research-matrix", pk=meeting.pk)
    rows = research_matrix(actor=request.user, meeting=meeting)
    agencies: list[Agency] = [cell["agency"] for cell in rows[0]["cells"]] if rows else []
    context = {
        "meeting": meeting,
        "rows": rows,
        "agencies": agencies,
        "missing": sum(row["missing"] for row in rows),
        "back_link_url": reverse("marac-meeting-detail", kwargs={"pk": meeting.pk}),
    }
    return render(request, "marac/research_matrix.html", context)


def _agenda_download(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    meeting = meeting_get_for(actor=request.user, pk=pk)
    items = _agenda_items(request, meeting)
    actions = _incomplete_actions(meeting)
    if extension == "csv":
        response = HttpResponse(agenda_csv(meeting, items, actions), content_type="text/csv; charset=utf-8")
    else:
        content = agenda_pdf(meeting, items, actions, partnership_name=settings.DASV_PARTNERSHIP_NAME)
        response = HttpResponse(content, content_type="application/pdf")
    day = timezone.localdate(meeting.starts_at)
    filename = f"marac-agenda-{meeting.area.slug}-{day:%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    access_log_record(
        action=AccessLog.Action.EXPORT,
        request=request,
        obj=meeting,
        detail={"export": f"agenda_{extension}", "title": agenda_title(meeting), "items": len(items)},
    )
    return response


@require_GET
@role_required(Role.MARAC_COORDINATOR)
def agenda_csv_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda for circulation as CSV: references and minimal identifiers only."""
    return _agenda_download(request, pk, "csv")


@require_GET
@role_required(Role.MARAC_COORDINATOR)
def agenda_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda for circulation as PDF: references and minimal identifiers only."""
    return _agenda_download(request, pk, "pdf")


@require_GET
@role_required(Role.MARAC_COORDINATOR)
def safelives_return_view(request: HttpRequest) -> HttpResponse:
    """The SafeLives quarterly MARAC data return of an area and quarter, as a page or (`?format=csv`) CSV."""
    today = timezone.localdate()
    asked = any(key in request.GET for key in ("area", "year", "quarter"))
    form = SafeLivesReturnForm(request.GET if asked else None, areas=marac_areas_for(request.user), today=today)
    result = None
    context: dict[str, Any] = {"form": form}
    if asked and form.is_valid():
        area, year, quarter = form.cleaned_data["area"], form.cleaned_data["year"], form.cleaned_data["quarter"]
        first, last = quarter_bounds(year, quarter)
        result = safelives_return_for(area=area, first=first, last=last)
        if request.GET.get("format") == "csv":
            response = HttpResponse(safelives_return_csv(result), content_type="text/csv; charset=utf-8")
            filename = f"safelives-return-{area.slug}-{financial_year_label(year)}-q{quarter}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        query = request.GET.copy()
        query["format"] = "csv"
        kinds = dict(Agency.Kind.choices)
        context.update(
            {
                "area": area,
                "label": quarter_label(year, quarter),
                "first": first,
                "last": last,
                "result": result,
                "by_kind": [(kinds.get(kind, kind), count) for kind, count in result.referrals_by_agency_kind],
                "csv_href": f"?{query.urlencode()}",
            }
        )
    return render(request, "marac/safelives_return.html", context)
