"""Writes for people, cases, safe contacts, risk assessments and incidents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.actors import actor_user
from agencies.models import Agency, Area
from agencies.services import object_permission_grant
from cases.models import (
    Case,
    CaseParty,
    CaseReferenceCounter,
    Child,
    Incident,
    Person,
    RiskAssessment,
    RiskInstrument,
    SafeContact,
)
from cases.rules import dash_answer_errors, dash_score
from cases.selectors import (
    CHANGE_CASE,
    VIEW_CASE,
    VIEW_SAFECONTACT,
    can_change_case,
    can_see_safe_contact,
    idva_service_agencies,
)

if TYPE_CHECKING:
    from agencies.actors import Actor

PERSON_FIELDS = (
    "given_name",
    "family_name",
    "aliases",
    "date_of_birth",
    "gender",
    "ethnicity",
    "sexuality",
    "disability",
    "trans",
    "first_language",
    "interpreter_needed",
    "nationality_group",
    "no_fixed_abode",
)
CASE_FLAGS = ("stalking", "strangulation", "honour_based_abuse", "forced_marriage", "sexual_violence", "pregnancy")


def person_create(*, actor: Actor | Any, data: Mapping[str, Any]) -> Person:
    """Create a person from the known fields of `data` (unknown keys are ignored)."""
    by = actor_user(actor)
    person = Person(**{key: value for key, value in data.items() if key in PERSON_FIELDS}, created_by=by, updated_by=by)
    person.full_clean()
    person.save()
    return person


def _case_reference(opened_on: date) -> str:
    """The next human reference for the year, e.g. DA-2026-000123 (the counter row is locked)."""
    CaseReferenceCounter.objects.get_or_create(year=opened_on.year)
    counter = CaseReferenceCounter.objects.select_for_update().get(year=opened_on.year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"DA-{opened_on.year}-{counter.last_number:06d}"


@dataclass(frozen=True)
class PartyInput:
    """A perpetrator for a new case: an existing person, or the details of a new one."""

    relationship: str
    person: Person | None = None
    data: Mapping[str, Any] | None = None


def case_access_grant(*, case: Case, agency: Agency, reason: str, by: Actor | Any = None) -> None:
    """Give an agency view and change of a case, with its safe contact (creating agency, IDVA service)."""
    for perm in (VIEW_CASE, CHANGE_CASE, VIEW_SAFECONTACT):
        object_permission_grant(agency=agency, perm=perm, obj=case, reason=reason, by=by)


@transaction.atomic
def case_create(
    *,
    actor: Actor | Any,
    area: Area,
    victim: Person | Mapping[str, Any],
    perpetrators: Sequence[PartyInput] = (),
    children: Iterable[Mapping[str, Any]] = (),
    opened_on: date | None = None,
    flags: Mapping[str, bool] | None = None,
) -> Case:
    """Open a case for a victim, with perpetrators (existing people are linked, not copied) and children.

    The creating agency and the IDVA service get view and change of the case and its safe contact.
    """
    opened_on = opened_on or timezone.localdate()
    by = actor_user(actor)
    victim_person = victim if isinstance(victim, Person) else person_create(actor=actor, data=victim)
    case = Case(
        reference=_case_reference(opened_on),
        victim=victim_person,
        area=area,
        lead_agency=actor.agency,
        opened_on=opened_on,
        created_by=by,
        updated_by=by,
        **{flag: bool(value) for flag, value in (flags or {}).items() if flag in CASE_FLAGS},
    )
    case.full_clean()
    case.save()
    for party in perpetrators:
        _party_add(actor=actor, case=case, party=party)
    for child_data in children:
        child = Child(case=case, created_by=by, updated_by=by, **dict(child_data))
        child.full_clean()
        child.save()
    case_access_grant(case=case, agency=actor.agency, reason="Recorded the case", by=actor)
    for idva_service in idva_service_agencies().exclude(pk=actor.agency.pk):
        case_access_grant(
            case=case, agency=idva_service, reason="IDVA service: every victim is offered an IDVA", by=actor
        )
    return case


def _party_add(*, actor: Actor | Any, case: Case, party: PartyInput) -> CaseParty:
    person = party.person or person_create(actor=actor, data=party.data or {})
    if person.pk == case.victim_id:
        raise ValidationError({"perpetrators": ["The victim cannot also be a perpetrator in the same case."]})
    if case.parties.filter(person=person).exists():
        raise ValidationError({"perpetrators": ["This person is already a perpetrator in the case."]})
    by = actor_user(actor)
    row = CaseParty(case=case, person=person, relationship=party.relationship, created_by=by, updated_by=by)
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def case_party_add(*, actor: Actor | Any, case: Case, party: PartyInput) -> CaseParty:
    """Add a perpetrator to an existing case: someone already known (linked, not copied) or new."""
    if not can_change_case(actor=actor, case=case):
        raise PermissionDenied("This agency may not change this case.")
    row = _party_add(actor=actor, case=case, party=party)
    case.updated_by = actor_user(actor)
    case.save(update_fields=["updated_at", "updated_by"])
    return row


@transaction.atomic
def safe_contact_save(*, actor: Actor | Any, case: Case, data: Mapping[str, str]) -> SafeContact:
    """Record or change how to contact the case's victim safely (only agencies allowed to see it)."""
    if not can_see_safe_contact(actor=actor, case=case):
        raise PermissionDenied("This agency may not see or change the victim's safe contact details.")
    by = actor_user(actor)
    contact, _ = SafeContact.objects.get_or_create(person=case.victim, defaults={"created_by": by})
    for field in ("safe_address", "safe_phone", "safe_times", "do_not_contact"):
        if field in data:
            setattr(contact, field, data[field])
    contact.updated_by = by
    contact.full_clean()
    contact.save()
    return contact


def risk_assessment_errors(
    *,
    instrument: RiskInstrument,
    assessed_on: date,
    answers: Mapping[str, Any],
    professional_judgement: bool,
    professional_judgement_reason: str,
    external_grade: str = "",
) -> dict[str, list[str]]:
    """Everything wrong with an assessment's input, by field (empty when it can be recorded)."""
    errors: dict[str, list[str]] = {}
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = ["The assessment date cannot be in the future."]
    if professional_judgement and not professional_judgement_reason.strip():
        errors["professional_judgement_reason"] = ["Give the reason for the professional judgement."]
    if instrument.kind == RiskInstrument.Kind.ITEMISED:
        answer_errors = dash_answer_errors(answers, instrument.question_keys)
        if answer_errors:
            errors["answers"] = [f"{key}: {message}" for key, message in answer_errors.items()]
    elif external_grade not in {"standard", "medium", "high"}:
        errors["external_grade"] = ["Choose the grade the other agency gave: standard, medium or high."]
    return errors


@transaction.atomic
def risk_assessment_record(
    *,
    actor: Actor | Any,
    case: Case,
    instrument: RiskInstrument,
    assessed_on: date,
    risk_level: str,
    answers: Mapping[str, str] | None = None,
    professional_judgement: bool = False,
    professional_judgement_reason: str = "",
    victim_view: str = "",
    external_grade: str = "",
    external_tool: str = "",
    external_agency: Agency | None = None,
) -> RiskAssessment:
    """Record an assessment whose risk level has been decided (see referrals.services).

    Callers route first: the risk level depends on where the assessment goes.
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
    if errors:
        raise ValidationError(errors)
    by = actor_user(actor)
    itemised = instrument.kind == RiskInstrument.Kind.ITEMISED
    assessment = RiskAssessment(
        case=case,
        instrument=instrument,
        assessed_on=assessed_on,
        assessed_by=by,
        assessing_agency=actor.agency,
        answers=answers if itemised else {},
        score=dash_score(answers) if itemised else None,
        risk_level=risk_level,
        professional_judgement=professional_judgement,
        professional_judgement_reason=professional_judgement_reason.strip() if professional_judgement else "",
        victim_view=victim_view,
        external_grade="" if itemised else external_grade,
        external_tool="" if itemised else external_tool,
        external_agency=None if itemised else external_agency,
        created_by=by,
        updated_by=by,
    )
    assessment.full_clean()
    assessment.save()
    return assessment


@dataclass(frozen=True)
class IncidentOutcome:
    incident: Incident
    created: bool


def incident_record(
    *,
    actor: Actor | Any,
    case: Case,
    occurred_on: date,
    source_reference: str,
    is_crime: bool = False,
    crime_type: str = "",
    perpetrator: Person | None = None,
) -> IncidentOutcome:
    """Record an incident reported to the actor's agency; a reference seen before changes nothing.

    The source reference is unique per reporting agency, so re-imports never duplicate.
    """
    source_reference = source_reference.strip()
    existing = Incident.objects.filter(reported_to=actor.agency, source_reference=source_reference).first()
    if existing is not None:
        return IncidentOutcome(existing, created=False)
    if not can_change_case(actor=actor, case=case):
        raise PermissionDenied("This agency may not add to this case.")
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": ["The incident date cannot be in the future."]})
    if perpetrator is not None and not case.parties.filter(person=perpetrator).exists():
        raise ValidationError({"perpetrator": ["This person is not a perpetrator in the case."]})
    by = actor_user(actor)
    incident = Incident(
        case=case,
        occurred_on=occurred_on,
        reported_to=actor.agency,
        is_crime=is_crime,
        crime_type=crime_type,
        source_reference=source_reference,
        perpetrator=perpetrator,
        created_by=by,
        updated_by=by,
    )
    incident.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            incident.save()
    except IntegrityError:
        # Another request recorded the same reference a moment ago: answer with that one.
        existing = Incident.objects.get(reported_to=actor.agency, source_reference=incident.source_reference)
        return IncidentOutcome(existing, created=False)
    return IncidentOutcome(incident, created=True)
