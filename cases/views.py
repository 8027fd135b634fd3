"""Pages of the cases app: finding a case, opening one, and the victim's safe contact details.

The case page itself (`/cases/<id>/`) is served by the referrals app: it shows routing outcomes and
referrals, which this app knows nothing of (design.md section 1).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import (
    CaseCreateForm,
    CasePartyForm,
    CaseSearchForm,
    PerpetratorSearchForm,
    SafeContactForm,
    form_add_service_errors,
)
from cases.models import Case, Person
from cases.selectors import (
    CHANGE_CASE,
    actor_works_with_cases,
    can_see_safe_contact,
    case_get,
    case_list,
    person_list,
    safe_contact_for,
)
from cases.services import case_create, case_party_add, safe_contact_save

CASES_PER_PAGE = 25
# People offered as "already known" perpetrators; more means the search should be narrowed.
PEOPLE_LISTED = 20
SAFE_CONTACT_FIELDS = ("safe_address", "safe_phone", "safe_times", "do_not_contact")
# Where opening a case may lead on to, by keyword (`?next=referral`): never a URL, so no open redirect.
CASE_CREATE_NEXT_STEPS = {"referral": "referral-create"}


def case_worker_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (403) users whose roles do not work with cases, such as analysts.

    Pages about one case need no such check: the selectors answer 404 for cases the user may not see.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not actor_works_with_cases(request.user):
            raise PermissionDenied("Your roles do not include work with cases.")
        return view(request, *args, **kwargs)

    return wrapper


def pagination_links(request: HttpRequest, page: Page) -> dict[str, Any] | None:
    """The links of the GOV.UK pagination component for a page, keeping the rest of the query string."""
    if page.paginator.num_pages <= 1:
        return None

    def href(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return f"?{query.urlencode()}"

    items: list[dict[str, Any]] = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
        if number == Paginator.ELLIPSIS:
            items.append({"ellipsis": True})
        else:
            items.append({"number": number, "href": href(int(number)), "current": number == page.number})
    return {
        "previous": href(page.previous_page_number()) if page.has_previous() else "",
        "next": href(page.next_page_number()) if page.has_next() else "",
        "items": items,
    }


@require_GET
@case_worker_required
def case_search_view(request: HttpRequest) -> HttpResponse:
    """Find a case by reference, name or date of birth, among the cases the user's agency may see."""
    searched = any(key != "page" for key in request.GET)
    form = CaseSearchForm(request.GET if searched else None)
    page = None
    if searched and form.is_valid():
        filters = form.filters()
        page = Paginator(case_list(actor=request.user, **filters), CASES_PER_PAGE).get_page(request.GET.get("page"))
        date_of_birth = filters["date_of_birth"]
        access_log_record(
            action=AccessLog.Action.SEARCH,
            request=request,
            object_type=Case._meta.label_lower,
            detail={
                "reference": filters["reference"],
                "name": filters["search"],
                "date_of_birth": date_of_birth.isoformat() if date_of_birth else "",
                "page": page.number,
            },
        )
    context = {
        "form": form,
        "page": page,
        "pagination": pagination_links(request, page) if page is not None else None,
    }
    return render(request, "cases/case_search.html", context)


def _perpetrator_candidates(request: HttpRequest, query: str) -> tuple[list[Person], bool]:
    """People matching the perpetrator search (at most PEOPLE_LISTED), and whether there were more."""
    if not query:
        return [], False
    found = list(person_list(actor=request.user, search=query)[: PEOPLE_LISTED + 1])
    access_log_record(
        action=AccessLog.Action.SEARCH,
        request=request,
        object_type=Person._meta.label_lower,
        detail={"perpetrator_search": query},
    )
    return found[:PEOPLE_LISTED], len(found) > PEOPLE_LISTED


def _perpetrator_search(request: HttpRequest, *, victim_id: int | None = None) -> dict[str, Any]:
    """The person search of the perpetrator forms: the form, the query and the people found (never the
    victim of the case at hand), as template context."""
    search_form = PerpetratorSearchForm(request.GET or None)
    query = search_form.cleaned_data["perpetrator_search"].strip() if search_form.is_valid() else ""
    candidates, more_found = _perpetrator_candidates(request, query)
    return {
        "search_form": search_form,
        "query": query,
        "search_query_string": urlencode({"perpetrator_search": query}),
        "candidates": [person for person in candidates if person.pk != victim_id],
        "more_found": more_found,
        "people_listed": PEOPLE_LISTED,
    }


@require_http_methods(["GET", "POST"])
@case_worker_required
def case_create_view(request: HttpRequest) -> HttpResponse:
    """Open a case: the victim, a perpetrator (found among known people, or new), children, area, flags.

    With `?next=referral` (from "Make a referral"), the new case goes on to its referral form.
    """
    next_step = request.GET.get("next", "")
    if next_step not in CASE_CREATE_NEXT_STEPS:
        next_step = ""
    search = _perpetrator_search(request)
    form = CaseCreateForm(
        request.POST if request.method == "POST" else None,
        areas=request.user.agency.areas.order_by("name"),
        candidates=search["candidates"],
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = case_create(actor=request.user, **form.case_create_arguments())
        except ValidationError as error:
            form_add_service_errors(form, error, form.SERVICE_ERROR_FIELDS)
        else:
            messages.success(request, f"Case {case.reference} opened for {case.victim.full_name}.")
            if next_step:
                return redirect(CASE_CREATE_NEXT_STEPS[next_step], case_pk=case.pk)
            return redirect("case-detail", pk=case.pk)
    # The form posts back with the search (so the people found stay choosable) and where to go next.
    action_query = urlencode(
        [(name, value) for name, value in (("perpetrator_search", search["query"]), ("next", next_step)) if value]
    )
    context = {"form": form, "next_step": next_step, "action_query": action_query, **search}
    return render(request, "cases/case_create.html", context)


@require_http_methods(["GET", "POST"])
@case_worker_required
def case_party_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a perpetrator to a case: someone already known (found by a search) is linked, not copied."""
    case = case_get(actor=request.user, pk=pk, perm=CHANGE_CASE)
    search = _perpetrator_search(request, victim_id=case.victim_id)
    form = CasePartyForm(request.POST if request.method == "POST" else None, candidates=search["candidates"])
    if request.method == "POST" and form.is_valid():
        try:
            party = case_party_add(actor=request.user, case=case, party=form.party_input())
        except ValidationError as error:
            form_add_service_errors(form, error, form.SERVICE_ERROR_FIELDS)
        else:
            messages.success(request, f"{party.person.full_name} added as a perpetrator in {case.reference}.")
            return redirect("case-detail", pk=case.pk)
    context = {"case": case, "form": form, "back_link_url": reverse("case-detail", kwargs={"pk": case.pk}), **search}
    return render(request, "cases/case_party_add.html", context)


@require_http_methods(["GET", "POST"])
def safe_contact_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record or change how to contact the victim safely: only the agencies allowed to see it."""
    case = case_get(actor=request.user, pk=pk)
    if not can_see_safe_contact(actor=request.user, case=case):
        raise Http404("No such case.")
    contact = safe_contact_for(actor=request.user, case=case)
    initial = {field: getattr(contact, field) for field in SAFE_CONTACT_FIELDS} if contact else {}
    form = SafeContactForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            safe_contact_save(actor=request.user, case=case, data=form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Safe contact details saved.")
            return redirect("case-detail", pk=case.pk)
    elif request.method == "GET":
        access_log_record(action=AccessLog.Action.VIEW, request=request, obj=case, detail={"section": "safe contact"})
    context = {
        "case": case,
        "form": form,
        "recorded": contact is not None,
        "back_link_url": reverse("case-detail", kwargs={"pk": case.pk}),
    }
    return render(request, "cases/safe_contact.html", context)
