"""Reads for routing and referrals, always starting from what the actor may see: who may see and work
a referral, caseloads, the triage queue, repeat-MARAC alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from agencies.models import Role, User
from cases.models import Case, CaseParty
from cases.selectors import actor_works_with_cases, visible_cases
from referrals.models import ContactAttempt, Referral, ReferralEvent, RepeatMaracAlert, RoutingDecision, RoutingPolicy
from referrals.rules import (
    WORKFLOW_SERVICES,
    Policy,
    ReferralState,
    SpecialistFacts,
    age_on,
    caseload_band,
    specialist_posts,
)

if TYPE_CHECKING:
    from agencies.actors import Actor


def policy_as_rules(policy: RoutingPolicy) -> Policy:
    """A stored policy as the plain data the routing rules take."""
    band = (
        (policy.idva_band_min, policy.idva_band_max)
        if policy.idva_band_min is not None and policy.idva_band_max is not None
        else None
    )
    return Policy(
        id=policy.pk,
        effective_from=policy.effective_from,
        marac_threshold=policy.marac_threshold,
        idva_band=band,
        escalation_count=policy.escalation_count,
        escalation_window_days=policy.escalation_window_days,
        repeat_window_days=policy.repeat_window_days,
    )


def policy_in_force_on(day: date) -> Policy | None:
    """The routing policy in force on a date (latest effective date on or before it), if any."""
    policy = RoutingPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    return policy_as_rules(policy) if policy else None


def referrals_between(
    *, victim_id: int, perpetrator_ids: Sequence[int], service: str, up_to: date
) -> QuerySet[Referral]:
    """Referrals to a service for this victim with one of these perpetrators, received up to a date,
    newest first: what repeats and repeat-MARAC alerts are decided on."""
    return (
        Referral.objects.filter(
            service=service,
            case__victim_id=victim_id,
            case__parties__person_id__in=perpetrator_ids,
            received_on__lte=up_to,
        )
        .distinct()
        .order_by("-received_on", "-pk")
    )


def earlier_referral_dates(*, case: Case, service: str, up_to: date) -> list[date]:
    """Received dates of referrals to a service for the same victim and a perpetrator of this case."""
    perpetrator_ids = list(case.parties.values_list("person_id", flat=True))
    if not perpetrator_ids:
        return []
    referrals = referrals_between(
        victim_id=case.victim_id, perpetrator_ids=perpetrator_ids, service=service, up_to=up_to
    )
    return sorted({referral.received_on for referral in referrals.only("received_on")})


def referral_list_for_case(*, actor: Actor, case: Case) -> QuerySet[Referral]:
    """Every referral of a case the actor may see (the case page's summary: a case worker sees them all)."""
    return Referral.objects.filter(case=case, case__in=visible_cases(actor)).select_related(
        "referring_agency", "receiving_agency", "allocated_to"
    )


def routing_decision_for(*, assessment_id: int) -> RoutingDecision | None:
    return RoutingDecision.objects.filter(risk_assessment_id=assessment_id).select_related("policy").first()


# --- Who may see and work a referral ---------------------------------------------------------------
# Roles that see every referral their agency receives: the manager triages and allocates, the MARAC
# coordinator works the MARAC referrals.
SEES_ALL_RECEIVED = (Role.IDVA_MANAGER, Role.MARAC_COORDINATOR)


def visible_referrals(actor: Actor) -> QuerySet[Referral]:
    """The referrals the actor may see: those its agency made (for every case worker of that agency), and
    those its agency receives: all of them for the manager and MARAC coordinators (and the agency's API
    keys), an IDVA only their own caseload; anyone, what they referred themselves. Analysts and other
    roles see none."""
    if not actor_works_with_cases(actor):
        return Referral.objects.none()
    agency = actor.agency
    received = Q(receiving_agency=agency)
    made = Q(referring_agency=agency) & ~received
    if getattr(actor, "api_key", None) is not None or actor.has_role(*SEES_ALL_RECEIVED):
        condition = made | received
    elif actor.has_role(Role.IDVA):
        # Their caseload, and what they referred themselves (e.g. to MARAC, received by their own service).
        condition = made | (received & (Q(allocated_to=actor) | Q(referrer=actor)))
    else:
        condition = made | Q(referrer=actor)
    return Referral.objects.filter(condition)


def referral_state(*, referral: Referral) -> ReferralState:
    """The referral as the workflow rules see it. The last step's day is that of the latest status change
    on the timeline (contact attempts may be logged late, so they do not count); prefetched events are
    used when the page loaded them."""
    status_changes = [event.on for event in referral.events.all() if event.kind != ReferralEvent.Kind.CONTACT_ATTEMPT]
    return ReferralState(
        service=referral.service,
        status=referral.status,
        received_on=referral.received_on,
        last_step_on=max(status_changes, default=referral.received_on),
        first_contact_attempt_on=referral.first_contact_attempt_on,
    )


def can_allocate_referral(*, actor: Actor, referral: Referral) -> bool:
    """The IDVA manager (or a system with the agency's key) of the receiving agency allocates."""
    if actor.agency.pk != referral.receiving_agency_id:
        return False
    return getattr(actor, "api_key", None) is not None or actor.has_role(Role.IDVA_MANAGER)


def can_work_referral(*, actor: Actor, referral: Referral) -> bool:
    """The allocated IDVA, the manager, or the receiving agency's system records contact and outcomes."""
    if can_allocate_referral(actor=actor, referral=referral):
        return True
    return (
        actor.agency.pk == referral.receiving_agency_id
        and actor.has_role(Role.IDVA)
        and referral.allocated_to_id is not None
        and referral.allocated_to_id == getattr(actor, "pk", None)
    )


# --- Lists ---------------------------------------------------------------------------------------
REFERRAL_ORDERINGS = {
    "received": ("received_on", "pk"),
    "-received": ("-received_on", "-pk"),
    "status": ("status", "received_on", "pk"),
    "-status": ("-status", "-received_on", "-pk"),
    "reference": ("case__reference", "pk"),
    "-reference": ("-case__reference", "-pk"),
    "updated": ("updated_at", "pk"),
    "-updated": ("-updated_at", "-pk"),
}


def _for_lists(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    """What lists show of each referral, in a fixed number of queries (the specialist suggestion too)."""
    return queryset.select_related(
        "case",
        "case__victim",
        "referring_agency",
        "receiving_agency",
        "allocated_to",
        "risk_assessment",
    )


def referral_list(
    *,
    actor: Actor,
    service: str | None = None,
    status: str | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    allocated_to: User | None = None,
    updated_since: datetime | None = None,
    case: Case | None = None,
    contact_overdue: bool | None = None,
    ordering: str = "-received",
) -> QuerySet[Referral]:
    """Referrals the actor may see, filtered; newest received first unless ordered otherwise."""
    queryset = _for_lists(visible_referrals(actor))
    if service:
        queryset = queryset.filter(service=service)
    if status:
        queryset = queryset.filter(status=status)
    if received_from is not None:
        queryset = queryset.filter(received_on__gte=received_from)
    if received_to is not None:
        queryset = queryset.filter(received_on__lte=received_to)
    if allocated_to is not None:
        queryset = queryset.filter(allocated_to=allocated_to)
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    if case is not None:
        queryset = queryset.filter(case=case)
    if contact_overdue is not None:
        queryset = queryset.filter(contact_overdue_since__isnull=not contact_overdue)
    return queryset.order_by(*REFERRAL_ORDERINGS.get(ordering, REFERRAL_ORDERINGS["-received"]))


def referral_get(*, actor: Actor, pk: int | str) -> Referral:
    """One referral the actor may see; any other answers 404."""
    try:
        return _for_lists(visible_referrals(actor)).get(pk=pk)
    except (Referral.DoesNotExist, ValueError):
        raise Http404("No such referral.") from None


def referral_detail(*, actor: Actor, pk: int | str) -> Referral:
    """A referral with its timeline, contact attempts and closure, in a fixed number of queries."""
    try:
        return (
            _for_lists(visible_referrals(actor))
            .select_related("referrer", "case__area")
            .prefetch_related(
                Prefetch("events", queryset=ReferralEvent.objects.select_related("recorded_by", "recorded_by_agency")),
                Prefetch("contact_attempts", queryset=ContactAttempt.objects.select_related("made_by")),
                Prefetch("case__parties", queryset=CaseParty.objects.select_related("person")),
            )
            .get(pk=pk)
        )
    except (Referral.DoesNotExist, ValueError):
        raise Http404("No such referral.") from None


def closure_for(*, referral: Referral) -> Any:
    """The closure of a closed referral (with its safety measures), or None."""
    from referrals.models import Closure

    return Closure.objects.filter(referral=referral).prefetch_related("safety_measures").first()


def caseload(
    *, actor: Actor, status: str | None = None, contact_overdue: bool = False, ordering: str = "received"
) -> QuerySet[Referral]:
    """The actor's own caseload: open referrals allocated to them (closed ones when asked by status)."""
    queryset = referral_list(
        actor=actor, allocated_to=actor if isinstance(actor, User) else None, status=status, ordering=ordering
    )
    if not isinstance(actor, User):
        return queryset.none()
    if not status:
        queryset = queryset.exclude(status=Referral.Status.CLOSED)
    if contact_overdue:
        queryset = queryset.filter(contact_overdue_since__isnull=False)
    return queryset


def triage_queue(*, actor: Actor, contact_overdue: bool = False, ordering: str = "received") -> QuerySet[Referral]:
    """For the manager: referrals received by their agency waiting for allocation, oldest first; with
    contact_overdue, the allocated ones whose first contact attempt is late (flagged by the nightly job)."""
    if not actor.has_role(Role.IDVA_MANAGER):
        return Referral.objects.none()
    queryset = referral_list(actor=actor, ordering=ordering).filter(
        receiving_agency=actor.agency, service__in=WORKFLOW_SERVICES
    )
    if contact_overdue:
        return queryset.filter(contact_overdue_since__isnull=False)
    return queryset.filter(status=Referral.Status.RECEIVED)


def specialist_suggestion(referral: Referral) -> tuple[str, ...]:
    """The specialist IDVA posts the referral suits (from data `_for_lists` has already loaded)."""
    victim = referral.case.victim
    return specialist_posts(
        SpecialistFacts(
            victim_age=age_on(victim.date_of_birth, referral.received_on),
            additional_needs=victim.disability == "yes",
            nationality_group=victim.nationality_group,
            referring_agency_kind=referral.referring_agency.kind,
            stalking=referral.case.stalking,
        )
    )


@dataclass(frozen=True)
class IdvaCaseload:
    idva: User
    open_referrals: int
    awaiting_contact: int
    engaged: int
    band: str


def safe_caseload_range() -> tuple[int, int]:
    return (settings.DASV_IDVA_CASELOAD_MIN, settings.DASV_IDVA_CASELOAD_MAX)


def idva_caseloads(*, actor: Actor) -> list[IdvaCaseload]:
    """For the manager: each active IDVA of their agency with their open caseload against the safe range
    (one query)."""
    if not actor.has_role(Role.IDVA_MANAGER):
        return []
    open_q = Q(allocated_referrals__receiving_agency=actor.agency) & ~Q(
        allocated_referrals__status=Referral.Status.CLOSED
    )
    idvas = (
        User.objects.filter(agency=actor.agency, is_active=True, groups__name=Role.IDVA)
        .annotate(
            open_referrals=Count("allocated_referrals", filter=open_q),
            awaiting_contact=Count(
                "allocated_referrals",
                filter=open_q & Q(allocated_referrals__status=Referral.Status.ALLOCATED),
            ),
            engaged=Count(
                "allocated_referrals", filter=open_q & Q(allocated_referrals__status=Referral.Status.ENGAGED)
            ),
        )
        .order_by("family_name", "given_name", "pk")
    )
    safe_range = safe_caseload_range()
    return [
        IdvaCaseload(
            idva=idva,
            open_referrals=idva.open_referrals,
            awaiting_contact=idva.awaiting_contact,
            engaged=idva.engaged,
            band=caseload_band(idva.open_referrals, safe_range=safe_range),
        )
        for idva in idvas
    ]


# --- Repeat-MARAC alerts -------------------------------------------------------------------------


def repeat_alert_list(*, actor: Actor, status: str = RepeatMaracAlert.Status.OPEN) -> QuerySet[RepeatMaracAlert]:
    """The MARAC coordinator's queue: alerts on cases their agency may see, oldest first."""
    if not actor.has_role(Role.MARAC_COORDINATOR):
        return RepeatMaracAlert.objects.none()
    return (
        RepeatMaracAlert.objects.filter(case__in=visible_cases(actor), status=status)
        .select_related("case", "case__victim", "incident", "incident__reported_to", "previous_referral", "referral")
        .order_by("raised_at", "pk")
    )


def repeat_alert_get(*, actor: Actor, pk: int | str) -> RepeatMaracAlert:
    try:
        return (
            RepeatMaracAlert.objects.filter(
                pk__in=repeat_alert_list(actor=actor, status=RepeatMaracAlert.Status.OPEN).values("pk")
            )
            .select_related("case", "case__victim", "incident", "incident__reported_to", "previous_referral")
            .get(pk=pk)
        )
    except (RepeatMaracAlert.DoesNotExist, ValueError):
        raise Http404("No such alert.") from None
