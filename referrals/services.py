"""Writes for referrals and routing: submitting a risk assessment routes it and makes its referrals; the
IDVA workflow's steps; the nightly first-contact check; repeat-MARAC alerts from new incidents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.actors import actor_user
from agencies.calendar import add_working_days, bank_holidays
from agencies.models import Agency, Role, User
from agencies.selectors import agency_has_object_permission
from agencies.services import object_permission_grant
from cases.models import Case, Incident, Person, RiskAssessment, RiskInstrument
from cases.rules import dash_score, risk_level
from cases.selectors import CHANGE_CASE, VIEW_CASE, can_change_case, victim_incident_dates
from cases.services import IncidentOutcome, incident_record, risk_assessment_errors, risk_assessment_record
from referrals.models import (
    Closure,
    ContactAttempt,
    MaracCriterion,
    Referral,
    ReferralEvent,
    RepeatMaracAlert,
    RiskReduced,
    RoutingDecision,
    SafetyMeasure,
)
from referrals.rules import (
    ALLOCATE,
    AWAITING_FIRST_CONTACT,
    CLOSE,
    CONTACT_ATTEMPT,
    MARAC,
    RECORD_ENGAGED,
    RECORD_NOT_ENGAGED,
    REOPEN,
    WORKFLOW_SERVICES,
    AssessmentFacts,
    RoutingResult,
    closure_refusal,
    contact_attempt_refusal,
    contact_overdue_since,
    is_repeat_referral,
    repeat_marac_referral,
    route,
    status_after,
    step_date_refusal,
    step_refusal,
)
from referrals.selectors import (
    can_allocate_referral,
    can_work_referral,
    earlier_referral_dates,
    policy_in_force_on,
    referral_state,
    referrals_between,
)

if TYPE_CHECKING:
    from agencies.actors import Actor


# Which kind of agency provides each service (the receiving agency of its referrals).
SERVICE_PROVIDER_KINDS: dict[str, str] = {
    Referral.Service.IDVA: Agency.Kind.IDVA_SERVICE,
    Referral.Service.MARAC: Agency.Kind.IDVA_SERVICE,
    Referral.Service.MARAC_PLUS: Agency.Kind.IDVA_SERVICE,
    Referral.Service.OUTREACH: Agency.Kind.OUTREACH,
    Referral.Service.REFUGE: Agency.Kind.REFUGE,
    Referral.Service.VICTIM_HUB: Agency.Kind.VICTIM_HUB,
    Referral.Service.ISVA: Agency.Kind.ISVA_SERVICE,
    Referral.Service.PERPETRATOR_PANEL: Agency.Kind.POLICE,
}


def _receiving_agency(*, service: str, actor: Actor | Any, chosen: Agency | None) -> Agency:
    """The agency that provides the service: the one chosen, else the actor's own agency if it provides
    it, else the only active provider; several providers and none chosen is an error naming the field."""
    kind = SERVICE_PROVIDER_KINDS.get(service)
    if kind is None:
        raise ValidationError({"service": [f"Choose a service: {service!r} is not one."]})
    if chosen is not None:
        if chosen.kind != kind or not chosen.active:
            raise ValidationError(
                {"receiving_agency": [f"{chosen.name} does not provide the {Referral.Service(service).label}."]}
            )
        return chosen
    if actor.agency.kind == kind:
        return cast(Agency, actor.agency)
    providers = list(Agency.objects.filter(kind=kind, active=True).order_by("pk")[:2])
    if len(providers) == 1:
        return providers[0]
    if not providers:
        raise ValidationError(
            {"service": [f"No agency of the partnership provides the {Referral.Service(service).label}."]}
        )
    raise ValidationError({"receiving_agency": ["Choose the agency to refer to."]})


def _event(*, referral: Referral, kind: str, on: date, actor: Actor | Any, detail: str = "") -> ReferralEvent:
    return ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        on=on,
        status_after=referral.status,
        detail=detail,
        recorded_by=actor_user(actor),
        recorded_by_agency=actor.agency,
    )


@transaction.atomic
def referral_create(
    *,
    actor: Actor | Any,
    case: Case,
    service: str,
    received_on: date,
    risk_assessment: RiskAssessment | None = None,
    reasons: Sequence[str] = (),
    details: str = "",
    consent: str = Referral.Consent.GIVEN,
    consent_reason: str = "",
    referring_agency: Agency | None = None,
    receiving_agency: Agency | None = None,
    referrer_name: str = "",
    referrer_job_title: str = "",
    referrer_phone: str = "",
    referrer_email: str = "",
    perpetrator: Person | None = None,
) -> Referral:
    """Refer a case to a service. Whether it is a repeat is decided now, by api.md's rule, and stored;
    the receiving agency gets access to the case (the IDVA service has it already).

    A referral to the perpetrator panel names the perpetrator referred: one of the case's perpetrators
    (the only one may be left out); other services take none."""
    if not can_change_case(actor=actor, case=case):
        raise PermissionDenied("This agency may not refer this case.")
    errors: dict[str, list[str]] = {}
    if risk_assessment is not None and risk_assessment.case_id != case.pk:
        errors["risk_assessment"] = ["This risk assessment belongs to another case."]
    if consent == Referral.Consent.NOT_GIVEN_SHARED_TO_PROTECT and not consent_reason.strip():
        errors["consent_reason"] = ["Say why the referral is shared without consent."]
    if received_on > timezone.localdate():
        errors["received_on"] = ["The date received cannot be in the future."]
    unknown = [reason for reason in reasons if reason not in MaracCriterion.values]
    if unknown:
        errors["reasons"] = [f"Not a MARAC criterion: {', '.join(unknown)}."]
    perpetrator = _referred_perpetrator(case=case, service=service, perpetrator=perpetrator, errors=errors)
    if errors:
        raise ValidationError(errors)
    receiving = _receiving_agency(service=service, actor=actor, chosen=receiving_agency)
    policy = policy_in_force_on(received_on)
    earlier = earlier_referral_dates(case=case, service=service, up_to=received_on)
    by = actor_user(actor)
    referral = Referral(
        case=case,
        service=service,
        perpetrator=perpetrator,
        received_on=received_on,
        risk_assessment=risk_assessment,
        reasons=list(reasons),
        details=details.strip(),
        consent=consent,
        consent_reason=consent_reason.strip(),
        referring_agency=referring_agency or actor.agency,
        receiving_agency=receiving,
        referrer=by,
        referrer_name=referrer_name.strip() or (by.get_full_name() if by else ""),
        referrer_job_title=referrer_job_title.strip(),
        referrer_phone=referrer_phone.strip(),
        referrer_email=referrer_email.strip() or (by.email if by else ""),
        is_repeat=is_repeat_referral(
            received_on=received_on,
            earlier_received_on=earlier,
            window_days=policy.repeat_window_days if policy else 365,
        ),
        created_by=by,
        updated_by=by,
    )
    referral.full_clean()
    referral.save()
    if not agency_has_object_permission(agency=receiving, perm=CHANGE_CASE, obj=case):
        reason = f"Referral {referral.pk} to the {referral.get_service_display()}"
        for perm in (VIEW_CASE, CHANGE_CASE):
            object_permission_grant(agency=receiving, perm=perm, obj=case, reason=reason, by=by)
    repeat = " (a repeat referral)" if referral.is_repeat else ""
    _event(
        referral=referral,
        kind=ReferralEvent.Kind.RECEIVED,
        on=received_on,
        actor=actor,
        detail=f"From {referral.referring_agency.name}{repeat}",
    )
    return referral


def _referred_perpetrator(
    *, case: Case, service: str, perpetrator: Person | None, errors: dict[str, list[str]]
) -> Person | None:
    """The perpetrator a panel referral names (the case's only one when none is given); errors on the field."""
    if service != Referral.Service.PERPETRATOR_PANEL:
        if perpetrator is not None:
            errors["perpetrator"] = ["Only a referral to the perpetrator panel names a perpetrator."]
        return None
    perpetrators = list(Person.objects.filter(case_parties__case=case).order_by("pk"))
    if perpetrator is None:
        if len(perpetrators) == 1:
            return perpetrators[0]
        errors["perpetrator"] = ["Choose which of the case's perpetrators is referred to the panel."]
        return None
    if perpetrator not in perpetrators:
        errors["perpetrator"] = ["This person is not a perpetrator in the case."]
    return perpetrator


# --- The workflow ------------------------------------------------------------------------------------


def _locked(referral: Referral) -> Referral:
    """The referral re-read under a row lock, so two people cannot step it at once."""
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("receiving_agency", "allocated_to")
        .get(pk=referral.pk)
    )


def _check_step(referral: Referral, step: str, *, on: date, field: str = "on") -> None:
    """Refuse a step the rules do not allow, naming the field at fault; nothing has been written."""
    state = referral_state(referral=referral)
    refusal = step_refusal(state, step)
    if refusal:
        raise ValidationError({NON_FIELD_ERRORS: [refusal]})
    refusal = step_date_refusal(state, step, on=on, today=timezone.localdate())
    if refusal:
        raise ValidationError({field: [refusal]})


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _save(referral: Referral, actor: Actor | Any, fields: Sequence[str]) -> None:
    referral.updated_by = actor_user(actor)
    referral.full_clean()
    referral.save(update_fields=[*fields, "updated_by", "updated_at"])


@transaction.atomic
def referral_allocate(*, actor: Actor | Any, referral: Referral, idva: User, on: date | None = None) -> Referral:
    """Allocate (or reallocate) a referral to an IDVA of the receiving agency."""
    referral = _locked(referral)
    _require(can_allocate_referral(actor=actor, referral=referral), "Only the IDVA manager allocates referrals.")
    on = on or timezone.localdate()
    _check_step(referral, ALLOCATE, on=on)
    if not (idva.is_active and idva.agency_id == referral.receiving_agency_id and idva.has_role(Role.IDVA)):
        raise ValidationError({"idva": [f"Choose an IDVA of {referral.receiving_agency.name}."]})
    if referral.allocated_to_id == idva.pk:
        raise ValidationError({"idva": [f"The referral is already allocated to {idva.get_full_name()}."]})
    kind = ReferralEvent.Kind.REALLOCATED if referral.allocated_to_id else ReferralEvent.Kind.ALLOCATED
    previous = referral.allocated_to
    referral.allocated_to = idva
    referral.allocated_on = on
    referral.status = status_after(referral.status, ALLOCATE)
    _save(referral, actor, ["allocated_to", "allocated_on", "status"])
    post = f" ({idva.get_specialist_post_display()})" if idva.specialist_post else ""
    detail = f"Allocated to {idva.get_full_name()}{post}" + (f", from {previous.get_full_name()}" if previous else "")
    _event(referral=referral, kind=kind, on=on, actor=actor, detail=detail)
    return referral


@transaction.atomic
def contact_attempt_record(
    *,
    actor: Actor | Any,
    referral: Referral,
    made_on: date,
    method: str,
    safe_to_leave_message: bool,
    outcome: str,
    notes: str = "",
) -> ContactAttempt:
    """Log an attempt to reach the victim; the first one moves the referral to contacting."""
    referral = _locked(referral)
    _require(can_work_referral(actor=actor, referral=referral), "Only the allocated IDVA or the manager may do this.")
    _check_step(referral, CONTACT_ATTEMPT, on=made_on, field="made_on")
    refusal = contact_attempt_refusal(outcome=outcome, safe_to_leave_message=safe_to_leave_message)
    if refusal:
        raise ValidationError({"outcome": [refusal]})
    by = actor_user(actor)
    attempt = ContactAttempt(
        referral=referral,
        made_on=made_on,
        method=method,
        safe_to_leave_message=safe_to_leave_message,
        outcome=outcome,
        notes=notes.strip(),
        made_by=by,
        created_by=by,
        updated_by=by,
    )
    attempt.full_clean()
    attempt.save()
    if referral.first_contact_attempt_on is None or made_on < referral.first_contact_attempt_on:
        referral.first_contact_attempt_on = made_on
    referral.contact_overdue_since = None
    referral.status = status_after(referral.status, CONTACT_ATTEMPT)
    _save(referral, actor, ["first_contact_attempt_on", "contact_overdue_since", "status"])
    message = "safe to leave a message" if safe_to_leave_message else "not safe to leave a message"
    _event(
        referral=referral,
        kind=ReferralEvent.Kind.CONTACT_ATTEMPT,
        on=made_on,
        actor=actor,
        detail=f"{attempt.get_method_display()}: {attempt.get_outcome_display().lower()} ({message})",
    )
    return attempt


@transaction.atomic
def referral_engagement_record(
    *,
    actor: Actor | Any,
    referral: Referral,
    outcome: str,
    on: date,
    reason: str = "",
    detail: str = "",
) -> Referral:
    """Record whether the victim engaged; not engaged needs its reason (and words when it is "other")."""
    referral = _locked(referral)
    _require(can_work_referral(actor=actor, referral=referral), "Only the allocated IDVA or the manager may do this.")
    if outcome not in Referral.Engagement.values:
        raise ValidationError({"outcome": ["Choose engaged or not engaged."]})
    step = RECORD_ENGAGED if outcome == Referral.Engagement.ENGAGED else RECORD_NOT_ENGAGED
    _check_step(referral, step, on=on)
    if step == RECORD_NOT_ENGAGED:
        if reason not in Referral.NotEngagedReason.values:
            raise ValidationError({"reason": ["Choose why the victim did not engage."]})
        if reason == Referral.NotEngagedReason.OTHER and not detail.strip():
            raise ValidationError({"detail": ["Say why the victim did not engage."]})
    elif reason:
        raise ValidationError({"reason": ["A reason is given only when the victim did not engage."]})
    referral.engagement = outcome
    referral.engagement_on = on
    referral.not_engaged_reason = reason if step == RECORD_NOT_ENGAGED else ""
    referral.not_engaged_detail = detail.strip() if step == RECORD_NOT_ENGAGED else ""
    referral.status = status_after(referral.status, step)
    # An engagement outcome ends the wait for a first contact.
    referral.contact_overdue_since = None
    _save(
        referral,
        actor,
        ["engagement", "engagement_on", "not_engaged_reason", "not_engaged_detail", "status", "contact_overdue_since"],
    )
    if step == RECORD_ENGAGED:
        _event(referral=referral, kind=ReferralEvent.Kind.ENGAGED, on=on, actor=actor, detail=detail.strip())
    else:
        words = referral.get_not_engaged_reason_display()
        _event(
            referral=referral,
            kind=ReferralEvent.Kind.NOT_ENGAGED,
            on=on,
            actor=actor,
            detail=f"{words}: {referral.not_engaged_detail}" if referral.not_engaged_detail else words,
        )
    return referral


@transaction.atomic
def referral_reopen(*, actor: Actor | Any, referral: Referral, on: date, detail: str) -> Referral:
    """Re-open a referral that did not engage, when the victim gets back in touch."""
    referral = _locked(referral)
    _require(can_work_referral(actor=actor, referral=referral), "Only the allocated IDVA or the manager may do this.")
    _check_step(referral, REOPEN, on=on)
    if not detail.strip():
        raise ValidationError({"detail": ["Say how the victim got back in touch."]})
    referral.engagement = ""
    referral.engagement_on = None
    referral.not_engaged_reason = ""
    referral.not_engaged_detail = ""
    referral.status = status_after(referral.status, REOPEN)
    _save(referral, actor, ["engagement", "engagement_on", "not_engaged_reason", "not_engaged_detail", "status"])
    _event(referral=referral, kind=ReferralEvent.Kind.REOPENED, on=on, actor=actor, detail=detail.strip())
    return referral


@transaction.atomic
def referral_close(
    *,
    actor: Actor | Any,
    referral: Referral,
    outcome: str,
    on: date,
    risk_reduced_idva_view: str = RiskReduced.NOT_KNOWN,
    risk_reduced_victim_view: str = RiskReduced.NOT_KNOWN,
    safety_measures: Sequence[str] = (),
    criminal_justice_outcome: str = Closure.CriminalJustice.NONE,
    civil_justice_outcome: str = Closure.CivilJustice.NONE,
    housing_outcome: str = Closure.Housing.NOT_APPLICABLE,
    notes: str = "",
) -> Referral:
    """Close a referral that has its engagement outcome, with what the support achieved."""
    referral = _locked(referral)
    _require(can_work_referral(actor=actor, referral=referral), "Only the allocated IDVA or the manager may do this.")
    _check_step(referral, CLOSE, on=on)
    refusal = closure_refusal(engagement=referral.engagement, outcome=outcome)
    if refusal:
        raise ValidationError({"outcome": [refusal]})
    measures = list(SafetyMeasure.objects.filter(code__in=set(safety_measures), active=True))
    unknown = sorted(set(safety_measures) - {measure.code for measure in measures})
    if unknown:
        raise ValidationError({"safety_measures": [f"Not a safety measure on the list: {', '.join(unknown)}."]})
    by = actor_user(actor)
    closure = Closure(
        referral=referral,
        risk_reduced_idva_view=risk_reduced_idva_view,
        risk_reduced_victim_view=risk_reduced_victim_view,
        criminal_justice_outcome=criminal_justice_outcome,
        civil_justice_outcome=civil_justice_outcome,
        housing_outcome=housing_outcome,
        notes=notes.strip(),
        created_by=by,
        updated_by=by,
    )
    closure.full_clean()
    referral.closure_outcome = outcome
    referral.closed_on = on
    referral.status = status_after(referral.status, CLOSE)
    _save(referral, actor, ["closure_outcome", "closed_on", "status"])
    closure.save()
    closure.safety_measures.set(measures)
    _event(
        referral=referral,
        kind=ReferralEvent.Kind.CLOSED,
        on=on,
        actor=actor,
        detail=referral.get_closure_outcome_display(),
    )
    return referral


def referrals_contact_overdue_flag(*, today: date | None = None) -> dict[str, int]:
    """Flag referrals still waiting for a first contact attempt past the deadline (working days, bank
    holidays excluded), and clear the flag where it no longer holds. Idempotent: a second run changes
    nothing. Returns how many were flagged and cleared."""
    today = today or timezone.localdate()
    days = settings.DASV_FIRST_CONTACT_WORKING_DAYS
    waiting = Referral.objects.filter(
        service__in=WORKFLOW_SERVICES, status__in=AWAITING_FIRST_CONTACT, first_contact_attempt_on__isnull=True
    )
    flagged = cleared = 0
    with transaction.atomic():
        earliest = waiting.order_by("received_on").values_list("received_on", flat=True).first()
        holidays = bank_holidays(years=range(earliest.year, today.year + 2)) if earliest else frozenset()
        updates: dict[date | None, list[int]] = {}
        rows = waiting.values_list("pk", "status", "received_on", "first_contact_attempt_on", "contact_overdue_since")
        for pk, status, received_on, first_attempt_on, current in rows:
            since = contact_overdue_since(
                status=status,
                first_contact_attempt_on=first_attempt_on,
                deadline=add_working_days(received_on, days, holidays=holidays),
                today=today,
            )
            if since != current:
                updates.setdefault(since, []).append(pk)
        for since, pks in updates.items():
            # updated_at moves too, so that partner systems syncing with `updated_since` see the flag.
            Referral.objects.filter(pk__in=pks).update(contact_overdue_since=since, updated_at=timezone.now())
            if since is None:
                cleared += len(pks)
            else:
                flagged += len(pks)
        # Flags left on referrals that have since been contacted or moved on.
        stale = Referral.objects.filter(contact_overdue_since__isnull=False).exclude(pk__in=waiting.values("pk"))
        cleared += stale.update(contact_overdue_since=None, updated_at=timezone.now())
    return {"flagged": flagged, "cleared": cleared}


@dataclass(frozen=True)
class Submission:
    """What submitting an assessment produced."""

    assessment: RiskAssessment
    decision: RoutingDecision
    result: RoutingResult
    referrals: list[Referral]


@transaction.atomic
def risk_assessment_submit(
    *,
    actor: Actor | Any,
    case: Case,
    instrument: RiskInstrument,
    assessed_on: date,
    answers: dict[str, str] | None = None,
    professional_judgement: bool = False,
    professional_judgement_reason: str = "",
    victim_view: str = "",
    external_grade: str = "",
    external_tool: str = "",
    external_agency: Agency | None = None,
    create_referrals: bool = True,
) -> Submission:
    """Record a risk assessment, route it by the policy in force on its date, and make its referrals.

    Routed to MARAC: a MARAC referral and an IDVA referral (every high-risk victim is offered an IDVA).
    Routed to the IDVA service: an IDVA referral. The assessing agency refers, on the assessment date.
    """
    if not can_change_case(actor=actor, case=case):
        raise PermissionDenied("This agency may not add to this case.")
    answers = dict(answers or {})
    errors = risk_assessment_errors(
        instrument=instrument,
        assessed_on=assessed_on,
        answers=answers,
        professional_judgement=professional_judgement,
        professional_judgement_reason=professional_judgement_reason,
        external_grade=external_grade,
    )
    policy = policy_in_force_on(assessed_on)
    if policy is None:
        errors.setdefault("assessed_on", []).append("No routing policy was in force on this date.")
    if errors or policy is None:
        raise ValidationError(errors)
    itemised = instrument.kind == RiskInstrument.Kind.ITEMISED
    facts = AssessmentFacts(
        assessed_on=assessed_on,
        score=dash_score(answers) if itemised else None,
        professional_judgement=professional_judgement,
        incident_dates=victim_incident_dates(victim=case.victim, up_to=assessed_on),
        marac_referral_dates=earlier_referral_dates(case=case, service=Referral.Service.MARAC, up_to=assessed_on),
        recorded_grade=None if itemised else external_grade,
    )
    result = route(facts, policy)
    assessment = risk_assessment_record(
        actor=actor,
        case=case,
        instrument=instrument,
        assessed_on=assessed_on,
        risk_level=risk_level(
            score=facts.score, routed_to_marac=result.routing == MARAC, recorded_grade=facts.recorded_grade
        ),
        answers=answers,
        professional_judgement=professional_judgement,
        professional_judgement_reason=professional_judgement_reason,
        victim_view=victim_view,
        external_grade=external_grade,
        external_tool=external_tool,
        external_agency=external_agency,
    )
    decision = RoutingDecision.objects.create(
        risk_assessment=assessment,
        policy_id=cast(int, policy.id),  # a policy read from the database has its id
        routing=result.routing,
        marac_criteria=result.criteria_codes,
        explanations={criterion.code: criterion.explanation for criterion in result.criteria},
    )
    referrals: list[Referral] = []
    if create_referrals:
        services = {
            MARAC: [Referral.Service.MARAC, Referral.Service.IDVA],
            "idva": [Referral.Service.IDVA],
        }.get(result.routing, [])
        for service in services:
            referrals.append(
                referral_create(
                    actor=actor,
                    case=case,
                    service=service,
                    received_on=assessed_on,
                    risk_assessment=assessment,
                    reasons=result.criteria_codes if service == Referral.Service.MARAC else [],
                )
            )
    return Submission(assessment=assessment, decision=decision, result=result, referrals=referrals)


# --- Incidents and repeat-MARAC alerts ------------------------------------------------------------


def _marac_referrals_of(*, case: Case, perpetrator_ids: Sequence[int], up_to: date) -> list[Referral]:
    return list(
        referrals_between(
            victim_id=case.victim_id, perpetrator_ids=perpetrator_ids, service=Referral.Service.MARAC, up_to=up_to
        )
    )


def repeat_marac_alert_raise(*, incident: Incident) -> RepeatMaracAlert | None:
    """Raise a repeat-MARAC alert when the incident's victim and perpetrator were referred to MARAC in the
    repeat window before it (domain.md section 3, criterion 4). Idempotent: one alert per incident."""
    existing = RepeatMaracAlert.objects.filter(incident=incident).first()
    if existing is not None:
        return existing
    case = incident.case
    perpetrator_ids = (
        [incident.perpetrator_id] if incident.perpetrator_id else list(case.parties.values_list("person_id", flat=True))
    )
    if not perpetrator_ids:
        return None
    policy = policy_in_force_on(incident.occurred_on)
    referrals = _marac_referrals_of(case=case, perpetrator_ids=perpetrator_ids, up_to=incident.occurred_on)
    last = repeat_marac_referral(
        incident_on=incident.occurred_on,
        marac_referral_dates=[referral.received_on for referral in referrals],
        window_days=policy.repeat_window_days if policy else 365,
    )
    if last is None:
        return None
    previous = next(referral for referral in referrals if referral.received_on == last)
    return RepeatMaracAlert.objects.create(incident=incident, case=case, previous_referral=previous)


@transaction.atomic
def incident_report(**kwargs: Any) -> IncidentOutcome:
    """Record an incident (cases.services.incident_record, same arguments) and raise a repeat-MARAC alert
    when it is one. The incident endpoints and pages call this, so every new incident is checked."""
    outcome = incident_record(**kwargs)
    if outcome.created:
        repeat_marac_alert_raise(incident=outcome.incident)
    return outcome


def _open_alert(alert: RepeatMaracAlert, actor: Actor | Any) -> RepeatMaracAlert:
    _require(
        actor_user(actor) is not None and actor.has_role(Role.MARAC_COORDINATOR),
        "Only a MARAC coordinator decides repeat-MARAC alerts.",
    )
    alert = RepeatMaracAlert.objects.select_for_update(of=("self",)).select_related("incident", "case").get(pk=alert.pk)
    # The same alerts as the coordinator's queue (referrals.selectors.repeat_alert_list): on cases the
    # agency may see. Without this a coordinator of any agency could dismiss any alert.
    _require(
        agency_has_object_permission(agency=actor.agency, perm=VIEW_CASE, obj=alert.case),
        "This agency may not decide alerts on this case.",
    )
    if alert.status != RepeatMaracAlert.Status.OPEN:
        raise ValidationError({NON_FIELD_ERRORS: [f"This alert was already {alert.get_status_display().lower()}."]})
    return alert


@transaction.atomic
def repeat_marac_alert_confirm(
    *,
    actor: Actor | Any,
    alert: RepeatMaracAlert,
    consent: str = Referral.Consent.GIVEN,
    consent_reason: str = "",
    details: str = "",
) -> Referral:
    """Confirm a repeat MARAC: a MARAC referral with reason `repeat`, received today."""
    alert = _open_alert(alert, actor)
    incident = alert.incident
    perpetrator_ids = (
        [incident.perpetrator_id]
        if incident.perpetrator_id
        else list(alert.case.parties.values_list("person_id", flat=True))
    )
    today = timezone.localdate()
    since = [
        referral
        for referral in _marac_referrals_of(case=alert.case, perpetrator_ids=perpetrator_ids, up_to=today)
        if referral.received_on >= incident.occurred_on
    ]
    if since:
        raise ValidationError(
            {NON_FIELD_ERRORS: [f"Already referred to MARAC on {since[0].received_on:%d %B %Y}: dismiss the alert."]}
        )
    referral = referral_create(
        actor=actor,
        case=alert.case,
        service=Referral.Service.MARAC,
        received_on=today,
        reasons=[MaracCriterion.REPEAT],
        details=details or f"Repeat MARAC: incident {incident.source_reference} on {incident.occurred_on:%d %B %Y}.",
        consent=consent,
        consent_reason=consent_reason,
    )
    alert.status = RepeatMaracAlert.Status.CONFIRMED
    alert.referral = referral
    alert.decided_at = timezone.now()
    alert.decided_by = actor_user(actor)
    alert.full_clean()
    alert.save()
    return referral


@transaction.atomic
def repeat_marac_alert_dismiss(*, actor: Actor | Any, alert: RepeatMaracAlert, reason: str) -> RepeatMaracAlert:
    """Dismiss an alert (e.g. already referred, or not between the same people), saying why."""
    alert = _open_alert(alert, actor)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the alert is dismissed."]})
    alert.status = RepeatMaracAlert.Status.DISMISSED
    alert.dismissal_reason = reason.strip()
    alert.decided_at = timezone.now()
    alert.decided_by = actor_user(actor)
    alert.full_clean()
    alert.save()
    return alert
