"""Reads for people, cases, assessments and incidents, always starting from what the actor may see."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from agencies.models import Agency, Role
from agencies.selectors import agency_has_object_permission, objects_for_agency
from cases.models import Case, CaseParty, Incident, Person, RiskAssessment, RiskInstrument, SafeContact

if TYPE_CHECKING:
    from agencies.actors import Actor

# Roles whose work involves case records. Analysts (aggregates only), DHR coordinators and
# administrators see no case unless they also hold one of these.
CASE_ROLES = frozenset({Role.IDVA, Role.IDVA_MANAGER, Role.MARAC_COORDINATOR, Role.AGENCY_REP, Role.PANEL_MEMBER})
VIEW_CASE = "cases.view_case"
CHANGE_CASE = "cases.change_case"
VIEW_SAFECONTACT = "cases.view_safecontact"


def actor_works_with_cases(actor: Actor) -> bool:
    """API keys act for their agency's systems; users need a case-working role."""
    if getattr(actor, "api_key", None) is not None:
        return True
    return bool(actor.roles & CASE_ROLES)


def visible_cases(actor: Actor, perm: str = VIEW_CASE) -> QuerySet[Case]:
    if not actor_works_with_cases(actor):
        return Case.objects.none()
    return objects_for_agency(agency=actor.agency, perm=perm, queryset=Case.objects.all())


def case_list(
    *,
    actor: Actor,
    reference: str = "",
    updated_since: datetime | None = None,
    search: str = "",
    date_of_birth: date | None = None,
) -> QuerySet[Case]:
    """Cases the actor's agency may see, with what lists show, newest first."""
    queryset = (
        visible_cases(actor)
        .select_related("victim", "area", "lead_agency")
        .prefetch_related(Prefetch("parties", queryset=CaseParty.objects.select_related("person")), "children")
    )
    if reference:
        queryset = queryset.filter(reference__iexact=reference.strip())
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    if search:
        queryset = queryset.filter(_person_search(search, prefix="victim__") | _party_search(search))
    if date_of_birth is not None:
        queryset = queryset.filter(
            Q(victim__date_of_birth=date_of_birth) | Q(parties__person__date_of_birth=date_of_birth)
        )
    return queryset.distinct().order_by("-opened_on", "-pk")


def _person_search(text: str, *, prefix: str = "") -> Q:
    condition = Q()
    for word in text.split():
        condition &= (
            Q(**{f"{prefix}given_name__icontains": word})
            | Q(**{f"{prefix}family_name__icontains": word})
            | Q(**{f"{prefix}aliases__icontains": word})
        )
    return condition


def _party_search(text: str) -> Q:
    parties = CaseParty.objects.filter(case=OuterRef("pk")).filter(_person_search(text, prefix="person__"))
    return Q(Exists(parties)) | Q(reference__iexact=text.strip())


def case_get(*, actor: Actor, pk: int | str, perm: str = VIEW_CASE) -> Case:
    """One case the actor's agency may see (or change); any other answers 404."""
    try:
        return visible_cases(actor, perm).select_related("victim", "area", "lead_agency").get(pk=pk)
    except (Case.DoesNotExist, ValueError):
        raise Http404("No such case.") from None


def case_detail(*, actor: Actor, pk: int | str) -> Case:
    """A case with everything its page shows, loaded in a fixed number of queries."""
    try:
        return (
            visible_cases(actor)
            # Not the safe contact: it is decrypted only for an agency allowed to see it (safe_contact_for).
            .select_related("victim", "area", "lead_agency")
            .prefetch_related(
                Prefetch("parties", queryset=CaseParty.objects.select_related("person")),
                "children",
                Prefetch(
                    "risk_assessments",
                    queryset=RiskAssessment.objects.select_related("instrument", "assessing_agency", "assessed_by"),
                ),
                Prefetch("incidents", queryset=Incident.objects.select_related("reported_to", "perpetrator")),
            )
            .get(pk=pk)
        )
    except (Case.DoesNotExist, ValueError):
        raise Http404("No such case.") from None


def can_see_safe_contact(*, actor: Actor, case: Case) -> bool:
    """Only agencies granted `view_safecontact` on this case (the creating agency and the IDVA service)."""
    return actor_works_with_cases(actor) and agency_has_object_permission(
        agency=actor.agency, perm=VIEW_SAFECONTACT, obj=case
    )


def safe_contact_for(*, actor: Actor, case: Case) -> SafeContact | None:
    """The victim's safe contact, read (and decrypted) only for an agency allowed to see it."""
    if not can_see_safe_contact(actor=actor, case=case):
        return None
    return SafeContact.objects.filter(person_id=case.victim_id).first()


def can_change_case(*, actor: Actor, case: Case) -> bool:
    return actor_works_with_cases(actor) and agency_has_object_permission(
        agency=actor.agency, perm=CHANGE_CASE, obj=case
    )


def person_list(*, actor: Actor, search: str = "", date_of_birth: date | None = None) -> QuerySet[Person]:
    """People in the cases the actor may see (as victim or perpetrator)."""
    cases = visible_cases(actor)
    queryset = Person.objects.filter(Q(cases_as_victim__in=cases) | Q(case_parties__case__in=cases))
    if search:
        queryset = queryset.filter(_person_search(search))
    if date_of_birth is not None:
        queryset = queryset.filter(date_of_birth=date_of_birth)
    # Distinct ids first: the joins above can repeat a person.
    return Person.objects.filter(pk__in=queryset.values("pk")).order_by("family_name", "given_name", "pk")


def person_get(*, actor: Actor, pk: int | str) -> Person:
    try:
        return person_list(actor=actor).get(pk=pk)
    except (Person.DoesNotExist, ValueError):
        raise Http404("No such person.") from None


def person_safe_contact_visible(*, actor: Actor, person: Person) -> bool:
    """True when the actor may see the safe contact of this person (a victim in one of its cases)."""
    cases = visible_cases(actor, VIEW_SAFECONTACT)
    return cases.filter(victim=person).exists()


def risk_assessment_list(*, actor: Actor, case: Case | None = None) -> QuerySet[RiskAssessment]:
    queryset = RiskAssessment.objects.filter(case__in=visible_cases(actor)).select_related(
        "instrument", "case", "assessing_agency"
    )
    if case is not None:
        queryset = queryset.filter(case=case)
    return queryset.order_by("-assessed_on", "-pk")


def risk_assessment_get(*, actor: Actor, pk: int | str) -> RiskAssessment:
    try:
        return risk_assessment_list(actor=actor).get(pk=pk)
    except (RiskAssessment.DoesNotExist, ValueError):
        raise Http404("No such risk assessment.") from None


def incident_list(
    *, actor: Actor, case: Case | None = None, updated_since: datetime | None = None
) -> QuerySet[Incident]:
    queryset = Incident.objects.filter(case__in=visible_cases(actor)).select_related("reported_to", "case")
    if case is not None:
        queryset = queryset.filter(case=case)
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    return queryset.order_by("-occurred_on", "-pk")


def incident_get(*, actor: Actor, pk: int | str) -> Incident:
    try:
        return incident_list(actor=actor).get(pk=pk)
    except (Incident.DoesNotExist, ValueError):
        raise Http404("No such incident.") from None


def victim_incident_dates(*, victim: Person, up_to: date) -> list[date]:
    """Dates of incidents in every case of this victim, up to a date (for potential escalation)."""
    return list(
        Incident.objects.filter(case__victim=victim, occurred_on__lte=up_to).values_list("occurred_on", flat=True)
    )


def instrument_get(*, code: str) -> RiskInstrument:
    try:
        return RiskInstrument.objects.get(code=code, active=True)
    except RiskInstrument.DoesNotExist:
        raise LookupError(code) from None


def idva_service_agencies() -> QuerySet[Agency]:
    """The IDVA service(s) of the partnership, which get access to every case."""
    return Agency.objects.filter(kind=Agency.Kind.IDVA_SERVICE, active=True)
