"""Pages of the referrals app: the case page, recording a risk assessment, and its routing result.

The case page lives here rather than in cases because it shows what only this app knows: where each
risk assessment was routed, and the case's referrals (design.md section 1, dependency direction).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.selectors import agency_list
from audit.models import AccessLog
from audit.services import access_log_record
from cases.forms import form_add_service_errors
from cases.instruments import DASH_CODE, EXTERNAL_GRADE_CODE
from cases.models import Case, RiskAssessment
from cases.rules import HIGH_RISK_FROM
from cases.selectors import (
    CHANGE_CASE,
    can_change_case,
    can_see_safe_contact,
    case_detail,
    case_get,
    instrument_get,
    risk_assessment_get,
    safe_contact_for,
)
from referrals.forms.assessments import DashForm, ExternalGradeForm
from referrals.models import MaracCriterion, RoutingDecision
from referrals.selectors import referral_list_for_case, routing_decision_for, visible_referrals
from referrals.services import risk_assessment_submit

# The score chart's drawing area, in SVG user units.
CHART_WIDTH, CHART_HEIGHT = 640, 290
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 48, 40, 24, 78
CHART_MAX_SCORE = 24
# Dates under the axis: under every point when there are at most this many, else under four spread evenly.
CHART_ALL_DATES_UP_TO = 5


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _coordinate(value: float) -> str:
    return f"{value:.1f}"


def score_chart(assessments: Sequence[RiskAssessment]) -> dict[str, Any] | None:
    """Coordinates for the server-rendered SVG of DASH scores over time (oldest first), or None when
    no assessment has a score. Points are evenly spaced; the data table beside the chart gives dates."""
    scored = sorted(
        (assessment for assessment in assessments if assessment.score is not None),
        key=lambda assessment: (assessment.assessed_on, assessment.pk),
    )
    if not scored:
        return None
    plot_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bottom = CHART_TOP + plot_height

    def y_for(score: int) -> float:
        return bottom - plot_height * score / CHART_MAX_SCORE

    last = len(scored) - 1
    labelled = (
        set(range(len(scored)))
        if len(scored) <= CHART_ALL_DATES_UP_TO
        else {round(part * last / 3) for part in range(4)}
    )
    points = []
    for index, assessment in enumerate(scored):
        x = CHART_LEFT + (plot_width * index / last if last else plot_width / 2)
        score = assessment.score or 0
        anchor = "start" if last and index == 0 else "end" if last and index == last else "middle"
        points.append(
            {
                "x": _coordinate(x),
                "y": _coordinate(y_for(score)),
                "score_y": _coordinate(y_for(score) - 10),
                "score": score,
                "label": _day(assessment.assessed_on),
                "anchor": anchor,
                "show_label": index in labelled,
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_RIGHT,
        "bottom": bottom,
        "tick_label_x": CHART_LEFT - 8,
        "label_y": bottom + 24,
        "points": points,
        "line": " ".join(f"{point['x']},{point['y']}" for point in points),
        "ticks": [{"value": value, "y": _coordinate(y_for(value))} for value in range(0, CHART_MAX_SCORE + 1, 4)],
        "high_risk_from": HIGH_RISK_FROM,
        "high_risk_y": _coordinate(y_for(HIGH_RISK_FROM)),
        "legend_y": bottom + 56,
        "legend_line_end": CHART_LEFT + 32,
        "legend_text_x": CHART_LEFT + 40,
        "first": points[0],
        "last": points[-1],
    }


@require_GET
def case_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page: victim, perpetrators, children, flags, risk history, incidents and referrals;
    the safe contact only for the agencies allowed to see it."""
    case = case_detail(actor=request.user, pk=pk)
    assessments = list(case.risk_assessments.all())
    prefetch_related_objects(
        assessments, Prefetch("routing_decision", queryset=RoutingDecision.objects.select_related("policy"))
    )
    shows_safe_contact = can_see_safe_contact(actor=request.user, case=case)
    access_log_record(action=AccessLog.Action.VIEW, request=request, obj=case)
    context = {
        "case": case,
        "risk_history": [
            {"assessment": assessment, "decision": getattr(assessment, "routing_decision", None)}
            for assessment in assessments
        ],
        "chart": score_chart(assessments),
        "referrals": list(referral_list_for_case(actor=request.user, case=case)),
        # The case's referrals this user may open (a case worker sees every referral listed, but the
        # referral page only for those their agency made or receives, and for an IDVA their own).
        "openable_referral_ids": set(visible_referrals(request.user).filter(case=case).values_list("pk", flat=True)),
        "can_change": can_change_case(actor=request.user, case=case),
        "shows_safe_contact": shows_safe_contact,
        "safe_contact": safe_contact_for(actor=request.user, case=case) if shows_safe_contact else None,
    }
    return render(request, "referrals/case_detail.html", context)


def _case_for_recording(request: HttpRequest, case_pk: int) -> Case:
    """The case, if the user's agency may add to it (404 otherwise, as for cases it cannot see)."""
    return case_get(actor=request.user, pk=case_pk, perm=CHANGE_CASE)


@require_http_methods(["GET", "POST"])
def dash_create_view(request: HttpRequest, case_pk: int) -> HttpResponse:
    """Record a DASH risk assessment (the 24 questions on one page), route it and make its referrals."""
    case = _case_for_recording(request, case_pk)
    instrument = instrument_get(code=DASH_CODE)
    form = DashForm(
        request.POST if request.method == "POST" else None,
        questions=instrument.questions,
        initial={"assessed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            submission = risk_assessment_submit(
                actor=request.user,
                case=case,
                instrument=instrument,
                assessed_on=form.cleaned_data["assessed_on"],
                answers=form.answers(),
                professional_judgement=form.cleaned_data["professional_judgement"],
                professional_judgement_reason=form.cleaned_data["professional_judgement_reason"],
                victim_view=form.cleaned_data["victim_view"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Risk assessment recorded.")
            return redirect("risk-assessment-detail", pk=submission.assessment.pk)
    context = {
        "case": case,
        "form": form,
        "instrument": instrument,
        "back_link_url": reverse("case-detail", kwargs={"pk": case.pk}),
    }
    return render(request, "referrals/dash_form.html", context)


@require_http_methods(["GET", "POST"])
def external_grade_create_view(request: HttpRequest, case_pk: int) -> HttpResponse:
    """Record another agency's grade (police DASH, DARA) without the item answers, and route it."""
    case = _case_for_recording(request, case_pk)
    instrument = instrument_get(code=EXTERNAL_GRADE_CODE)
    form = ExternalGradeForm(
        request.POST if request.method == "POST" else None,
        agencies=agency_list(actor=request.user),
        initial={"assessed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            submission = risk_assessment_submit(
                actor=request.user,
                case=case,
                instrument=instrument,
                assessed_on=form.cleaned_data["assessed_on"],
                external_grade=form.cleaned_data["external_grade"],
                external_tool=form.cleaned_data["external_tool"],
                external_agency=form.cleaned_data["external_agency"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "The other agency's grade is recorded.")
            return redirect("risk-assessment-detail", pk=submission.assessment.pk)
    context = {
        "case": case,
        "form": form,
        "back_link_url": reverse("case-detail", kwargs={"pk": case.pk}),
    }
    return render(request, "referrals/external_grade_form.html", context)


@require_GET
def risk_assessment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The result of an assessment: score, risk level, where it was routed and why, by which policy,
    and the referrals it made."""
    assessment = risk_assessment_get(actor=request.user, pk=pk)
    decision = routing_decision_for(assessment_id=assessment.pk)
    referrals = referral_list_for_case(actor=request.user, case=assessment.case).filter(risk_assessment=assessment)
    access_log_record(action=AccessLog.Action.VIEW, request=request, obj=assessment)
    criteria = (
        [
            {"label": MaracCriterion(code).label, "explanation": decision.explanations.get(code, "")}
            for code in decision.marac_criteria
        ]
        if decision
        else []
    )
    context = {
        "assessment": assessment,
        "case": assessment.case,
        "decision": decision,
        "criteria": criteria,
        "referrals": list(referrals),
        "back_link_url": reverse("case-detail", kwargs={"pk": assessment.case_id}),
    }
    return render(request, "referrals/risk_assessment_detail.html", context)
