"""Panel cases: the list, one case's page (perpetrator, reasons, scores, flags, victims, tactical plan,
actions, reviews, status history), and the panel members' pages that edit it, add to its plan, update a
tactical option and agree an action.

Panel members and the police see panel cases (403 for other roles on the list, 404 for a case); only
panel members change them (403 for the police). Victims' safe contact details are never read here.
Lists and the case page run a fixed number of queries whatever their length.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import Agency
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.views import pagination_links
from perpetrator_panel.forms.cases import (
    FLAG_LABELS,
    PanelActionAddForm,
    PanelCaseEditForm,
    PanelCaseFilterForm,
    PlanItemAddForm,
    PlanItemUpdateForm,
)
from perpetrator_panel.models import PanelCase, PanelMeeting, PlanItem, TacticalOption
from perpetrator_panel.selectors import (
    is_panel_member,
    linked_victims,
    meeting_list,
    panel_case_detail,
    panel_case_get,
    panel_case_list,
    perpetrator_cases,
    plan_item_get,
)
from perpetrator_panel.services import panel_action_create, panel_case_update, plan_item_add, plan_item_update
from perpetrator_panel.views.candidates import panel_viewer_required, visible_case_ids

PANEL_CASES_PER_PAGE = 25
# The meetings an action can be said to be agreed at: those of the last few months.
RECENT_MEETING_DAYS = 180


def _require_member(request: HttpRequest) -> None:
    if not is_panel_member(request.user):
        raise PermissionDenied("Only a panel member changes panel cases.")


def _active_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(active=True).order_by("name")


def _flags(panel_case: PanelCase) -> list[str]:
    return [label for flag, label in FLAG_LABELS.items() if getattr(panel_case, flag)]


@require_GET
@panel_viewer_required
def panel_case_list_view(request: HttpRequest) -> HttpResponse:
    """Panel cases, newest first: active (the default), inactive or all; by flag; by reference or name."""
    form = PanelCaseFilterForm(request.GET)
    filters = form.filters()
    status = None if filters["show"] == PanelCaseFilterForm.ALL else filters["show"]
    panel_cases = panel_case_list(
        actor=request.user, status=status, flag=filters["flag"] or None, search=filters["search"]
    )
    page = Paginator(panel_cases, PANEL_CASES_PER_PAGE).get_page(request.GET.get("page"))
    access_log_record(
        action=AccessLog.Action.LIST,
        request=request,
        object_type=PanelCase._meta.label_lower,
        detail={"filters": filters, "page": page.number, "count": len(page.object_list), "total": page.paginator.count},
    )
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "rows": [{"panel_case": panel_case, "flags": _flags(panel_case)} for panel_case in page.object_list],
        "pagination": pagination_links(request, page),
    }
    return render(request, "perpetrator_panel/panel_case_list.html", context)


def _plan_by_category(panel_case: PanelCase) -> list[dict[str, Any]]:
    """The tactical plan grouped by category, in the menu's category order (from the prefetched items)."""
    by_category: dict[str, list[PlanItem]] = defaultdict(list)
    for item in panel_case.plan_items.all():
        by_category[item.option.category].append(item)
    return [
        {"label": label, "items": by_category[value]}
        for value, label in TacticalOption.Category.choices
        if by_category.get(value)
    ]


@require_GET
def panel_case_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A panel case: the perpetrator, why the panel took him, his scores and flags, his victims (their current
    risk; never their safe contact), the tactical plan, actions, reviews, status history and referrals."""
    panel_case = panel_case_detail(actor=request.user, pk=pk)
    victims = linked_victims(panel_case)
    access_log_record(action=AccessLog.Action.VIEW, request=request, obj=panel_case, detail={"victims": len(victims)})
    today = timezone.localdate()
    actions = [{"action": action, "overdue": action.is_overdue(today)} for action in panel_case.actions.all()]
    context = {
        "panel_case": panel_case,
        "perpetrator": panel_case.perpetrator,
        "victims": victims,
        "visible_case_ids": visible_case_ids(request, [victim.case for victim in victims]),
        "plan": _plan_by_category(panel_case),
        "actions": actions,
        "reviews": list(panel_case.reviews.all()),
        "status_changes": list(panel_case.status_changes.all()),
        "referrals": list(panel_case.referrals.all()),
        "flags": _flags(panel_case),
        "is_member": is_panel_member(request.user),
        "back_link_url": reverse("panel-case-list"),
    }
    return render(request, "perpetrator_panel/panel_case_detail.html", context)


@require_http_methods(["GET", "POST"])
def panel_case_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a panel case's linked cases, reasons and flags."""
    panel_case = panel_case_get(actor=request.user, pk=pk)
    _require_member(request)
    cases = perpetrator_cases(person_id=panel_case.perpetrator_id)
    if request.method == "POST":
        form = PanelCaseEditForm(request.POST, cases=cases)
        if form.is_valid():
            try:
                panel_case_update(actor=request.user, panel_case=panel_case, **form.service_arguments())
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, f"Panel case {panel_case.reference} updated.")
                return redirect("panel-case-detail", pk=panel_case.pk)
    else:
        form = PanelCaseEditForm(
            cases=cases,
            initial={
                "cases": [str(pk) for pk in panel_case.cases.values_list("pk", flat=True)],
                "reasons": list(panel_case.reasons),
                "reasons_detail": panel_case.reasons_detail,
                "flags": PanelCaseEditForm.flags_ticked(panel_case),
            },
        )
    context = {
        "panel_case": panel_case,
        "form": form,
        "back_link_url": reverse("panel-case-detail", kwargs={"pk": panel_case.pk}),
    }
    return render(request, "perpetrator_panel/panel_case_edit.html", context)


@require_http_methods(["GET", "POST"])
def plan_item_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a tactical option to the plan, owned by the agency chosen (by default one of its usual kind)."""
    panel_case = panel_case_get(actor=request.user, pk=pk)
    _require_member(request)
    chosen = set(panel_case.plan_items.values_list("option_id", flat=True))
    options = [option for option in TacticalOption.objects.filter(active=True) if option.pk not in chosen]
    form = PlanItemAddForm(
        request.POST if request.method == "POST" else None,
        options=options,
        agencies=_active_agencies(),
        initial={"chosen_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        option = form.chosen_option()
        try:
            item = plan_item_add(
                actor=request.user,
                panel_case=panel_case,
                option=option,
                owning_agency=form.cleaned_data["owning_agency"],
                chosen_on=form.cleaned_data["chosen_on"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{option.name} added to the plan, owned by {item.owning_agency.name}.")
            return redirect("panel-case-detail", pk=panel_case.pk)
    context = {
        "panel_case": panel_case,
        "form": form,
        "has_options": bool(options),
        "back_link_url": reverse("panel-case-detail", kwargs={"pk": panel_case.pk}),
    }
    return render(request, "perpetrator_panel/plan_item_add.html", context)


@require_http_methods(["GET", "POST"])
def plan_item_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record where a tactical option stands (planned, in place, ended), with notes."""
    item = plan_item_get(actor=request.user, pk=pk)
    _require_member(request)
    form = PlanItemUpdateForm(
        request.POST if request.method == "POST" else None, initial={"status": item.status, "notes": item.notes}
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan_item_update(
                actor=request.user, plan_item=item, status=form.cleaned_data["status"], notes=form.cleaned_data["notes"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"{item.option.name} updated.")
            return redirect("panel-case-detail", pk=item.panel_case_id)
    context = {
        "item": item,
        "panel_case": item.panel_case,
        "form": form,
        "back_link_url": reverse("panel-case-detail", kwargs={"pk": item.panel_case_id}),
    }
    return render(request, "perpetrator_panel/plan_item_update.html", context)


@require_http_methods(["GET", "POST"])
def panel_action_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Agree an action for a panel case: what, for which agency, by when; optionally for a tactical option
    of its plan and at a recent meeting."""
    panel_case = panel_case_get(actor=request.user, pk=pk)
    _require_member(request)
    today = timezone.localdate()
    meetings: QuerySet[PanelMeeting] = meeting_list(actor=request.user).filter(
        held_on__gte=today - timedelta(days=RECENT_MEETING_DAYS), held_on__lte=today
    )
    form = PanelActionAddForm(
        request.POST if request.method == "POST" else None,
        agencies=_active_agencies(),
        plan_items=PlanItem.objects.filter(panel_case=panel_case).select_related("option", "owning_agency"),
        meetings=meetings,
    )
    if request.method == "POST" and form.is_valid():
        try:
            action = panel_action_create(actor=request.user, panel_case=panel_case, **form.service_arguments())
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Action agreed for {action.assigned_agency.name}.")
            return redirect("panel-case-detail", pk=panel_case.pk)
    context = {
        "panel_case": panel_case,
        "form": form,
        "back_link_url": reverse("panel-case-detail", kwargs={"pk": panel_case.pk}),
    }
    return render(request, "perpetrator_panel/panel_action_add.html", context)
