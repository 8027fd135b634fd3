"""The panel's candidates: perpetrators ranked by RFGV score (serial and referred ones marked), one
candidate's score explained, opening a panel case for him, and any agency's referral of a perpetrator
to the panel.

Panel members and the police see candidates (403 for other roles on the list; 404 for a candidate);
only panel members open panel cases (403 for the police). Any case worker refers a perpetrator of a case
their agency works on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import Agency
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.models import Case, Person
from cases.selectors import can_change_case, case_list, visible_cases
from cases.views import case_worker_required, pagination_links
from perpetrator_panel.forms.cases import FLAG_LABELS, PanelCaseOpenForm, PanelReferralCaseForm, PanelReferralForm
from perpetrator_panel.selectors import (
    CandidateDetail,
    can_see_panel,
    candidate_detail,
    candidate_list,
    derived_flags,
    is_panel_member,
)
from perpetrator_panel.services import panel_case_open
from referrals.models import Referral
from referrals.services import referral_create

CANDIDATES_PER_PAGE = 25
SHOW_CHOICES = {"all": "All candidates", "serial": "Serial perpetrators", "referred": "Referred by an agency"}
NO_CASE = "No case with this reference that you can see"


def panel_viewer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (403) users who may not see the panel: not panel members, nor the police's case workers."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_see_panel(request.user):
            raise PermissionDenied("This page is for the perpetrator panel and the police.")
        return view(request, *args, **kwargs)

    return wrapper


def visible_case_ids(request: HttpRequest, cases: list[Case]) -> set[int]:
    """Which of these cases the user's agency may open (one query): only those are linked."""
    if not cases:
        return set()
    return set(visible_cases(request.user).filter(pk__in=[case.pk for case in cases]).values_list("pk", flat=True))


@require_GET
@panel_viewer_required
def candidate_list_view(request: HttpRequest) -> HttpResponse:
    """Perpetrators the panel might take, highest RFGV score first: all, serial ones, or those referred."""
    show = request.GET.get("show", "all")
    if show not in SHOW_CHOICES:
        show = "all"
    candidates = candidate_list(actor=request.user, serial_only=show == "serial", referred_only=show == "referred")
    page = Paginator(candidates, CANDIDATES_PER_PAGE).get_page(request.GET.get("page"))
    access_log_record(
        action=AccessLog.Action.LIST,
        request=request,
        object_type=Person._meta.label_lower,
        detail={
            "filters": {"panel_candidates": show},
            "page": page.number,
            "count": len(page.object_list),
            "total": page.paginator.count,
        },
    )
    rows = [
        {
            "candidate": candidate,
            "agencies": sorted({referral.referring_agency.name for referral in candidate.referrals}),
        }
        for candidate in page.object_list
    ]
    context = {
        "show": show,
        "views": [
            {"key": key, "label": label, "href": f"?show={key}", "current": key == show}
            for key, label in SHOW_CHOICES.items()
        ],
        "view_label": SHOW_CHOICES[show],
        "page": page,
        "rows": rows,
        "pagination": pagination_links(request, page),
        "is_member": is_panel_member(request.user),
    }
    return render(request, "perpetrator_panel/candidate_list.html", context)


def _score_parts(detail: CandidateDetail) -> list[dict[str, Any]]:
    """The four parts of the score: raw value, the weight the rules give it, and the points."""
    score, rules = detail.candidate.score, detail.rules
    latest = (
        f"{score.days_since_latest} days since the latest incident ({score.recency_band_points} band points)"
        if score.days_since_latest is not None
        else "No incident in the look-back"
    )
    return [
        {"name": "Recency", "raw": latest, "weight": f"{rules.weight_recency} per band point", "points": score.recency},
        {
            "name": "Frequency",
            "raw": f"{score.frequency_count} incident{'s' if score.frequency_count != 1 else ''}",
            "weight": f"{rules.weight_frequency} per incident",
            "points": score.frequency,
        },
        {
            "name": "Gravity",
            "raw": f"{score.gravity_sum} (the incidents' gravity added up)",
            "weight": f"{rules.weight_gravity} per gravity point",
            "points": score.gravity,
        },
        {
            "name": "Victims",
            "raw": f"{score.victims_count} different victim{'s' if score.victims_count != 1 else ''}",
            "weight": f"{rules.weight_victims} per victim",
            "points": score.victims,
        },
    ]


@require_GET
def candidate_detail_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """One perpetrator's RFGV score explained: its four parts, the incidents behind it, the serial finding,
    his cases and pending referrals; panel members can open a panel case for him."""
    detail = candidate_detail(actor=request.user, person_id=person_id)
    access_log_record(
        action=AccessLog.Action.VIEW,
        request=request,
        object_type=Person._meta.label_lower,
        object_id=detail.candidate.person.pk,
        detail={"panel_candidate": True},
    )
    context = {
        "detail": detail,
        "candidate": detail.candidate,
        "person": detail.candidate.person,
        "score": detail.candidate.score,
        "serial": detail.candidate.serial,
        "parts": _score_parts(detail),
        "visible_case_ids": visible_case_ids(request, detail.cases),
        "is_member": is_panel_member(request.user),
        "back_link_url": reverse("panel-candidate-list"),
    }
    return render(request, "perpetrator_panel/candidate_detail.html", context)


@require_http_methods(["GET", "POST"])
def panel_case_open_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """A panel member opens a panel case for a candidate: his cases (all ticked), why (serial and referred
    pre-ticked), the day, and the flags the case data shows. His pending referrals are linked."""
    detail = candidate_detail(actor=request.user, person_id=person_id)
    if not is_panel_member(request.user):
        raise PermissionDenied("Only a panel member opens a panel case.")
    person = detail.candidate.person
    if detail.active_panel_case is not None:
        messages.info(request, f"{person.full_name} already has an active panel case.")
        return redirect("panel-case-detail", pk=detail.active_panel_case.pk)
    if request.method == "POST":
        form = PanelCaseOpenForm(request.POST, cases=detail.cases)
        if form.is_valid():
            try:
                panel_case = panel_case_open(
                    actor=request.user,
                    perpetrator=person,
                    referrals=detail.candidate.referrals,
                    **form.service_arguments(),
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(request, f"Panel case {panel_case.reference} opened for {person.full_name}.")
                return redirect("panel-case-detail", pk=panel_case.pk)
    else:
        reasons = []
        if detail.candidate.serial.is_serial:
            reasons.append("serial")
        if detail.candidate.referred:
            reasons.append("agency_referral")
        flags = derived_flags(perpetrator=person, cases=detail.cases) if detail.cases else None
        form = PanelCaseOpenForm(
            cases=detail.cases,
            initial={
                "cases": [str(case.pk) for case in detail.cases],
                "reasons": reasons,
                "opened_on": timezone.localdate(),
                "flags": PanelCaseOpenForm.flags_ticked(flags) if flags else [],
            },
        )
    context = {
        "detail": detail,
        "person": person,
        "score": detail.candidate.score,
        "form": form,
        "flag_labels": FLAG_LABELS,
        "back_link_url": reverse("panel-candidate-detail", kwargs={"person_id": person.pk}),
    }
    return render(request, "perpetrator_panel/panel_case_open.html", context)


def _case_from_reference(request: HttpRequest, reference: str) -> Case | None:
    """The case with this reference among those the user's agency may see (with its perpetrators)."""
    reference = reference.strip()
    if not reference:
        return None
    return case_list(actor=request.user, reference=reference).first()


def _police() -> Any:
    """The active police forces, when there are several to choose from (else None: the service chooses)."""
    forces = Agency.objects.filter(kind=Agency.Kind.POLICE, active=True).order_by("name")
    return forces if forces.count() > 1 else None


def _referral_form(request: HttpRequest, case: Case, data: Any = None) -> PanelReferralForm:
    perpetrators = [party.person for party in case.parties.all()]
    return PanelReferralForm(
        data,
        perpetrators=perpetrators,
        police=_police(),
        initial={
            "reference": case.reference,
            "received_on": timezone.localdate(),
            "perpetrator": str(perpetrators[0].pk) if len(perpetrators) == 1 else None,
        },
    )


@require_http_methods(["GET", "POST"])
@case_worker_required
def panel_referral_view(request: HttpRequest) -> HttpResponse:
    """Refer a perpetrator to the panel in two steps: the case reference (a case the agency works on), then
    which of its perpetrators, why, when and consent. The referral is written by referral_create."""
    case: Case | None = None
    find_form = PanelReferralCaseForm(request.GET if "reference" in request.GET else None)
    form: PanelReferralForm | None = None
    if request.method == "POST":
        case = _case_from_reference(request, request.POST.get("reference", ""))
        if case is None:
            find_form = PanelReferralCaseForm({"reference": request.POST.get("reference", "")})
            find_form.is_valid()
            find_form.add_error("reference", NO_CASE)
        else:
            form = _referral_form(request, case, request.POST)
            if form.is_valid():
                try:
                    referral = referral_create(
                        actor=request.user,
                        case=case,
                        service=Referral.Service.PERPETRATOR_PANEL,
                        **form.referral_arguments(),
                    )
                except ValidationError as error:
                    form_add_service_errors(form, error, {"service": "reference"})
                except PermissionDenied:
                    form.add_error("reference", "Your agency may not refer this case.")
                else:
                    name = referral.perpetrator.full_name if referral.perpetrator else "The perpetrator"
                    messages.success(request, f"{name} referred to the perpetrator panel.")
                    return redirect("home")
    elif find_form.is_bound and find_form.is_valid():
        case = _case_from_reference(request, find_form.cleaned_data["reference"])
        if case is None:
            find_form.add_error("reference", NO_CASE)
        elif not can_change_case(actor=request.user, case=case):
            find_form.add_error("reference", "Your agency may see this case but may not refer it.")
            case = None
        else:
            form = _referral_form(request, case)
    if case is not None and form is not None:
        access_log_record(action=AccessLog.Action.VIEW, request=request, obj=case, detail={"panel_referral": True})
        context = {
            "case": case,
            "form": form,
            "perpetrators": [party.person for party in case.parties.all()],
            "back_link_url": reverse("panel-referral-add"),
        }
        return render(request, "perpetrator_panel/panel_referral.html", context)
    return render(request, "perpetrator_panel/panel_referral.html", {"case": None, "form": find_form})
