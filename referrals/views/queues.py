"""The IDVA service's lists: an IDVA's caseload, the manager's triage queue and the caseloads per IDVA;
the MARAC coordinator's repeat-MARAC alerts and the page that confirms or dismisses one.

Each page belongs to one role (403 for the others); everything listed comes from a selector that starts
from what the user may see, in a fixed number of queries whatever the length of the list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import Role, User
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.views import pagination_links
from referrals.forms.queues import CaseloadFilterForm, RepeatAlertConfirmForm, RepeatAlertDismissForm
from referrals.models import Referral, RepeatMaracAlert
from referrals.rules import ABOVE, BELOW
from referrals.selectors import (
    caseload,
    idva_caseloads,
    repeat_alert_get,
    repeat_alert_list,
    safe_caseload_range,
    specialist_suggestion,
    triage_queue,
)
from referrals.services import repeat_marac_alert_confirm, repeat_marac_alert_dismiss

REFERRALS_PER_PAGE = 25
ALERTS_PER_PAGE = 25
# The sortable columns of the referral lists (keys of referrals.selectors.REFERRAL_ORDERINGS).
SORTABLE_COLUMNS = {"reference": "Case", "received": "Received", "status": "Status"}
TRIAGE_UNALLOCATED, TRIAGE_OVERDUE = "unallocated", "overdue"
BAND_LABELS = {BELOW: "Below the safe range", ABOVE: "Above the safe range"}
WITHIN_LABEL = "Within the safe range"


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse (403) users who hold none of the roles: the page is one role's work."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not (isinstance(user, User) and user.has_role(*roles)):
                raise PermissionDenied("This page is for another role.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _sort_from(request: HttpRequest, *, columns: Iterable[str], default: str) -> str:
    """The `?sort=` asked for, if it is one of the columns (either way round), else the default."""
    sort = request.GET.get("sort", "")
    return sort if sort.lstrip("-") in columns else default


def sort_headers(request: HttpRequest, *, sort: str, columns: Iterable[str]) -> dict[str, dict[str, str]]:
    """The sortable column headers: a link that sorts by the column (ascending first, the other way when
    already sorted by it), keeping the filters and going back to page 1; `aria_sort` on the sorted one."""
    descending = sort.startswith("-")
    headers = {}
    for column in columns:
        sorted_here = sort.lstrip("-") == column
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("sort", None)
        query["sort"] = f"-{column}" if sorted_here and not descending else column
        headers[column] = {
            "label": SORTABLE_COLUMNS[column],
            "href": f"?{query.urlencode()}",
            "aria_sort": ("descending" if descending else "ascending") if sorted_here else "",
        }
    return headers


def _page(request: HttpRequest, queryset: models.QuerySet[Any], per_page: int) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _log_list(request: HttpRequest, page: Page, *, model: type[models.Model], filters: dict[str, Any]) -> None:
    """The access log's row for a list that names victims: the filters, and how many were shown."""
    access_log_record(
        action=AccessLog.Action.LIST,
        request=request,
        object_type=model._meta.label_lower,
        detail={
            "filters": filters,
            "page": page.number,
            "count": len(page.object_list),
            "total": page.paginator.count,
        },
    )


@require_GET
@role_required(Role.IDVA)
def caseload_view(request: HttpRequest) -> HttpResponse:
    """My caseload: the IDVA's open referrals (or one status), oldest first unless sorted otherwise."""
    form = CaseloadFilterForm(request.GET)
    filters = form.filters()
    sort = _sort_from(request, columns=SORTABLE_COLUMNS, default="received")
    page = _page(request, caseload(actor=request.user, ordering=sort, **filters), REFERRALS_PER_PAGE)
    _log_list(request, page, model=Referral, filters={"caseload": True, **filters, "sort": sort})
    today = timezone.localdate()
    context = {
        "form": form,
        "page": page,
        "rows": [{"referral": referral, "days": (today - referral.received_on).days} for referral in page],
        "pagination": pagination_links(request, page),
        "sort": sort,
        "headers": sort_headers(request, sort=sort, columns=SORTABLE_COLUMNS),
    }
    return render(request, "referrals/caseload.html", context)


@require_GET
@role_required(Role.IDVA_MANAGER)
def triage_queue_view(request: HttpRequest) -> HttpResponse:
    """The manager's triage queue: referrals waiting for allocation (oldest first), with the specialist
    posts each suits; or, under "overdue", the referrals whose first contact attempt is late."""
    view = TRIAGE_OVERDUE if request.GET.get("view") == TRIAGE_OVERDUE else TRIAGE_UNALLOCATED
    overdue = view == TRIAGE_OVERDUE
    # Waiting referrals all have the same status: only the overdue view sorts by it.
    columns = [*SORTABLE_COLUMNS] if overdue else ["reference", "received"]
    sort = _sort_from(request, columns=columns, default="received")
    page = _page(request, triage_queue(actor=request.user, contact_overdue=overdue, ordering=sort), REFERRALS_PER_PAGE)
    _log_list(request, page, model=Referral, filters={"triage": view})
    today = timezone.localdate()
    context = {
        "view": view,
        "views": [
            {"key": TRIAGE_UNALLOCATED, "label": "Waiting for allocation", "href": "?view=unallocated"},
            {"key": TRIAGE_OVERDUE, "label": "First contact overdue", "href": "?view=overdue"},
        ],
        "page": page,
        "rows": [
            {
                "referral": referral,
                "days": (today - referral.received_on).days,
                "suggestion": [User.SpecialistPost(post).label for post in specialist_suggestion(referral)],
            }
            for referral in page
        ],
        "pagination": pagination_links(request, page),
        "headers": sort_headers(request, sort=sort, columns=columns),
    }
    return render(request, "referrals/triage_queue.html", context)


@require_GET
@role_required(Role.IDVA_MANAGER)
def idva_caseloads_view(request: HttpRequest) -> HttpResponse:
    """Each IDVA's open caseload, awaiting first contact and engaged, against the safe range."""
    low, high = safe_caseload_range()
    context = {
        "caseloads": [
            {"caseload": row, "band_label": BAND_LABELS.get(row.band, WITHIN_LABEL)}
            for row in idva_caseloads(actor=request.user)
        ],
        "safe_low": low,
        "safe_high": high,
    }
    return render(request, "referrals/idva_caseloads.html", context)


@require_GET
@role_required(Role.MARAC_COORDINATOR)
def repeat_alert_list_view(request: HttpRequest) -> HttpResponse:
    """Open repeat-MARAC alerts, oldest first: incidents between a victim and perpetrator referred to
    MARAC in the last twelve months, waiting for the coordinator to confirm or dismiss."""
    page = _page(request, repeat_alert_list(actor=request.user), ALERTS_PER_PAGE)
    _log_list(request, page, model=RepeatMaracAlert, filters={"status": RepeatMaracAlert.Status.OPEN})
    context = {"page": page, "pagination": pagination_links(request, page)}
    return render(request, "referrals/repeat_alert_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.MARAC_COORDINATOR)
def repeat_alert_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm an alert (a MARAC referral with reason repeat) or dismiss it with a reason."""
    alert = repeat_alert_get(actor=request.user, pk=pk)
    decision = request.POST.get("decision") if request.method == "POST" else None
    confirm_form = RepeatAlertConfirmForm(request.POST if decision == "confirm" else None)
    dismiss_form = RepeatAlertDismissForm(request.POST if decision == "dismiss" else None)
    if decision == "confirm" and confirm_form.is_valid():
        try:
            referral = repeat_marac_alert_confirm(actor=request.user, alert=alert, **confirm_form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(confirm_form, error)
        else:
            messages.success(
                request,
                f"Case {alert.case.reference} referred to MARAC as a repeat: MARAC referral received "
                f"{referral.received_on.day} {referral.received_on:%B %Y}.",
            )
            return redirect("repeat-alert-list")
    elif decision == "dismiss" and dismiss_form.is_valid():
        try:
            repeat_marac_alert_dismiss(actor=request.user, alert=alert, reason=dismiss_form.cleaned_data["reason"])
        except ValidationError as error:
            form_add_service_errors(dismiss_form, error)
        else:
            messages.success(request, f"Repeat-MARAC alert for case {alert.case.reference} dismissed.")
            return redirect("repeat-alert-list")
    context = {
        "alert": alert,
        "confirm_form": confirm_form,
        "dismiss_form": dismiss_form,
        # The form that was sent, for the page title and its error summary.
        "form": dismiss_form if decision == "dismiss" else confirm_form,
        "back_link_url": reverse("repeat-alert-list"),
    }
    return render(request, "referrals/repeat_alert_decide.html", context)
