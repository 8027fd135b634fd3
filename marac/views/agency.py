"""The member agencies' MARAC pages: their cases on published agendas, the research form, their actions
and the page that updates one; and the coordinator's chase list of overdue actions.

Lists come from the selectors, which start from what the user may see, in a fixed number of queries
whatever their length. An agenda item or action the user may not see answers 404; a page for another
role, 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.action_forms import action_list_views, own_agency_actions
from agencies.models import Role
from agencies.services import agency_action_complete, agency_action_not_done, agency_action_update
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.selectors import actor_works_with_cases
from cases.views import pagination_links
from marac.forms.agency import (
    DONE,
    NOT_DONE,
    PROGRESS,
    SUBMIT,
    DoneForm,
    NotDoneForm,
    ProgressForm,
    ResearchForm,
)
from marac.models import AgendaItem, MaracAction, MaracMeeting
from marac.selectors import (
    action_get_for,
    action_list_for,
    agenda_item_get_for,
    agenda_items_for,
    chase_list,
    research_for,
)
from marac.services import research_save
from referrals.views.queues import role_required

CASES_PER_PAGE = 25
ACTIONS_PER_PAGE = 25
# The agency's cases are those of agendas still ahead of research or at the meeting; approved minutes are
# the record, no longer the agency's work.
CURRENT_AGENDAS = (MaracMeeting.Status.AGENDA_PUBLISHED, MaracMeeting.Status.HELD)


def _page(request: HttpRequest, queryset: QuerySet[Any], per_page: int) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _log_list(request: HttpRequest, page: Page, *, model: type[Model], filters: dict[str, Any]) -> None:
    """The access log's row for a list that names victims: the filters, and how many were shown."""
    access_log_record(
        action=AccessLog.Action.LIST,
        request=request,
        object_type=model._meta.label_lower,
        detail={"filters": filters, "page": page.number, "count": len(page.object_list), "total": page.paginator.count},
    )


def case_worker_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (403) users whose roles do not work with cases (analysts, DHR coordinators...)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not actor_works_with_cases(request.user):
            raise PermissionDenied("This page is for people who work with cases.")
        return view(request, *args, **kwargs)

    return wrapper


def member_agency_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (403) users who do not work with cases for an active MARAC member agency."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        agency = getattr(request.user, "agency", None)
        if not (actor_works_with_cases(request.user) and agency.is_marac_member and agency.active):
            raise PermissionDenied("This page is for MARAC member agencies.")
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@member_agency_required
def agency_cases_view(request: HttpRequest) -> HttpResponse:
    """The agency's cases on published agendas of coming and held meetings, with where its research stands."""
    own_research = Prefetch(
        "research", queryset=research_for(actor=request.user).filter(agency=request.user.agency), to_attr="own_research"
    )
    items = (
        agenda_items_for(actor=request.user)
        .filter(meeting__status__in=CURRENT_AGENDAS)
        .prefetch_related(own_research)
        .order_by("meeting__starts_at", "meeting_id", "position", "pk")
    )
    page = _page(request, items, CASES_PER_PAGE)
    _log_list(request, page, model=AgendaItem, filters={"marac_agency_cases": True})
    rows = []
    for item in page:
        research = item.own_research[0] if item.own_research else None
        if research is None:
            state, tag = "Not started", "grey"
        elif research.submitted_at is None:
            state, tag = "Draft", "yellow"
        else:
            state, tag = "Submitted", "green"
        rows.append({"item": item, "research": research, "state": state, "tag": tag})
    context = {"page": page, "rows": rows, "pagination": pagination_links(request, page)}
    return render(request, "marac/agency_cases.html", context)


@require_http_methods(["GET", "POST"])
@case_worker_required
def research_form_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The agency's research for an agenda item: whether it holds relevant information, the facts apart
    from opinion, what is withheld and why; saved as a draft or submitted."""
    item = agenda_item_get_for(actor=request.user, pk=pk)
    research = research_for(actor=request.user, agenda_item=item).filter(agency=request.user.agency).first()
    form = ResearchForm(request.POST if request.method == "POST" else None, initial=ResearchForm.initial_from(research))
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("submit") == SUBMIT
        try:
            research_save(actor=request.user, agenda_item=item, submit=submit, **form.service_arguments())
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            reference = item.referral.case.reference
            messages.success(request, f"Research for {reference} {'submitted' if submit else 'saved as a draft'}.")
            return redirect("marac-agency-cases")
    access_log_record(
        action=AccessLog.Action.VIEW, request=request, obj=item.referral.case, detail={"marac_research": item.pk}
    )
    context = {
        "item": item,
        "case": item.referral.case,
        "research": research,
        "form": form,
        "open": item.meeting.status == MaracMeeting.Status.AGENDA_PUBLISHED,
        "back_link_url": reverse("marac-agency-cases"),
    }
    return render(request, "marac/research_form.html", context)


@require_GET
@case_worker_required
def agency_actions_view(request: HttpRequest) -> HttpResponse:
    """The MARAC actions assigned to the user's agency: open (the default), overdue, or all."""
    today = timezone.localdate()
    show, actions = own_agency_actions(actor=request.user, params=request.GET, list_for=action_list_for, today=today)
    page = _page(request, actions, ACTIONS_PER_PAGE)
    _log_list(request, page, model=MaracAction, filters={"show": show})
    context = {
        "show": show,
        "views": action_list_views(),
        "page": page,
        "rows": [{"action": action, "overdue": action.is_overdue(today)} for action in page],
        "pagination": pagination_links(request, page),
    }
    return render(request, "marac/agency_actions.html", context)


@require_http_methods(["GET", "POST"])
@case_worker_required
def action_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The assigned agency adds a progress note to an action, or records it done or not done (and why)."""
    action = action_get_for(actor=request.user, pk=pk)
    if action.assigned_agency_id != request.user.agency.pk:
        raise PermissionDenied("Only the agency the action is assigned to updates it.")
    sent = request.POST.get("form") if request.method == "POST" else None
    today = {"on": timezone.localdate()}
    progress_form = ProgressForm(request.POST if sent == PROGRESS else None)
    done_form = DoneForm(request.POST if sent == DONE else None, initial=today)
    not_done_form = NotDoneForm(request.POST if sent == NOT_DONE else None, initial=today)
    steps: dict[str, tuple[forms.Form, Callable[..., Any], str]] = {
        PROGRESS: (progress_form, agency_action_update, "Progress note added."),
        DONE: (done_form, agency_action_complete, "Action recorded as done."),
        NOT_DONE: (not_done_form, agency_action_not_done, "Action recorded as not done."),
    }
    failed = None
    if sent in steps:
        form, service, message = steps[sent]
        if form.is_valid():
            try:
                service(actor=request.user, action=action, **form.service_arguments())  # type: ignore[attr-defined]
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, message)
                return redirect("marac-action-update", pk=action.pk)
        failed = form
    context = {
        "action": action,
        "item": action.agenda_item,
        "form": failed,
        "progress_form": progress_form,
        "done_form": done_form,
        "not_done_form": not_done_form,
        "overdue": action.is_overdue(timezone.localdate()),
        "back_link_url": reverse("marac-agency-actions"),
    }
    return render(request, "marac/action_update.html", context)


@require_GET
@role_required(Role.MARAC_COORDINATOR)
def chase_list_view(request: HttpRequest) -> HttpResponse:
    """Open actions past their due date across the coordinator's MARACs, oldest due first."""
    today = timezone.localdate()
    page = _page(request, chase_list(actor=request.user, today=today), ACTIONS_PER_PAGE)
    _log_list(request, page, model=MaracAction, filters={"chase_list": True})
    context = {
        "page": page,
        "rows": [{"action": action, "days_late": (today - action.due_on).days} for action in page],
        "pagination": pagination_links(request, page),
    }
    return render(request, "marac/chase_list.html", context)
