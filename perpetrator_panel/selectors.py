"""Reads for the perpetrator panel: the scoring rules in force, perpetrators' incident histories, the
candidate list, panel cases, meetings and actions (each starting from what the actor may see), and the
figures the annual report takes.

Who sees what (ADR 0010):
- panel members (the `panel_member` role) and the police (its case workers and API keys) see candidates,
  panel cases and meetings, and every panel action;
- any other agency working with cases sees only the panel actions assigned to it;
- victims' safe contact details are never read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies.actors import actor_user
from agencies.figures import percentage
from agencies.models import Agency, Area, Role
from cases.models import Case, CaseParty, Incident, Person, Relationship, RiskAssessment
from cases.selectors import actor_works_with_cases
from perpetrator_panel.models import (
    CaseReview,
    GravityRating,
    PanelAction,
    PanelAttendance,
    PanelCase,
    PanelConfiguration,
    PanelMeeting,
    PlanItem,
    StatusChange,
)
from perpetrator_panel.rules import (
    IncidentFact,
    RfgvScore,
    ScoringRules,
    SerialFinding,
    rfgv_score,
    serial_perpetrator,
    window_start,
)
from referrals.models import Referral

if TYPE_CHECKING:
    from agencies.actors import Actor

STRANGULATION_CRIME_WORDS = ("strangulation", "strangled", "suffocation")
STALKING_CRIME_WORDS = ("stalking",)


# --- Who may see what ------------------------------------------------------------------------------


def is_panel_member(actor: Actor | Any) -> bool:
    """A signed-in panel member: they open panel cases, keep plans and meetings (an API key never is)."""
    user = actor_user(actor)
    return user is not None and user.is_active and user.has_role(Role.PANEL_MEMBER)


def can_see_panel(actor: Actor | Any) -> bool:
    """Panel members, and the police's case workers and API keys, see candidates, panel cases and meetings."""
    if is_panel_member(actor):
        return True
    agency = getattr(actor, "agency", None)
    return agency is not None and agency.kind == Agency.Kind.POLICE and agency.active and actor_works_with_cases(actor)


# --- Configuration -----------------------------------------------------------------------------------


def panel_configuration() -> PanelConfiguration:
    """The one configuration row (created by a migration; made again with the defaults if deleted)."""
    configuration = PanelConfiguration.objects.order_by("pk").first()
    return configuration if configuration is not None else PanelConfiguration.objects.create()


def scoring_rules() -> ScoringRules:
    """The configuration and gravity ratings as the pure rules take them (two queries)."""
    configuration = panel_configuration()
    return ScoringRules(
        rfgv_look_back_years=configuration.rfgv_look_back_years,
        serial_look_back_years=configuration.serial_look_back_years,
        serial_min_victims=configuration.serial_min_victims,
        serial_min_age=configuration.serial_min_age,
        recency_bands=tuple((int(band["within_days"]), int(band["points"])) for band in configuration.recency_bands),
        weight_recency=configuration.weight_recency,
        weight_frequency=configuration.weight_frequency,
        weight_gravity=configuration.weight_gravity,
        weight_victims=configuration.weight_victims,
        non_crime_gravity=configuration.non_crime_gravity,
        unlisted_crime_gravity=configuration.unlisted_crime_gravity,
        gravity_by_crime_type={
            crime_type.strip().lower(): gravity
            for crime_type, gravity in GravityRating.objects.values_list("crime_type", "gravity")
        },
        inactive_after_months=configuration.inactive_after_months,
    )


# --- Incident histories ------------------------------------------------------------------------------


def _incident_rows(incidents: QuerySet[Incident]) -> Iterable[tuple[Any, ...]]:
    return incidents.values_list("pk", "occurred_on", "case__victim_id", "is_crime", "crime_type", "perpetrator_id")


def perpetrator_incidents(
    *, person_ids: Iterable[int] | None = None, since: date | None = None, up_to: date | None = None
) -> dict[int, list[IncidentFact]]:
    """Incidents by perpetrator (reported to any agency): those naming him, and those of his cases that name
    no perpetrator. Optionally for some people only, and between two days (both included). Two queries."""
    named = Incident.objects.filter(perpetrator__isnull=False)
    unnamed = Incident.objects.filter(perpetrator__isnull=True)
    if since is not None:
        named, unnamed = named.filter(occurred_on__gte=since), unnamed.filter(occurred_on__gte=since)
    if up_to is not None:
        named, unnamed = named.filter(occurred_on__lte=up_to), unnamed.filter(occurred_on__lte=up_to)
    ids = None if person_ids is None else list(person_ids)
    if ids is not None:
        named = named.filter(perpetrator_id__in=ids)
    by_person: dict[int, list[IncidentFact]] = defaultdict(list)
    for pk, occurred_on, victim_id, is_crime, crime_type, perpetrator_id in _incident_rows(named):
        by_person[perpetrator_id].append(IncidentFact(pk, occurred_on, victim_id, is_crime, crime_type))
    parties = CaseParty.objects.filter(case__incidents__in=unnamed)
    if ids is not None:
        parties = parties.filter(person_id__in=ids)
    rows = parties.values_list(
        "person_id",
        "case__incidents__pk",
        "case__incidents__occurred_on",
        "case__victim_id",
        "case__incidents__is_crime",
        "case__incidents__crime_type",
    ).distinct()
    for person_id, pk, occurred_on, victim_id, is_crime, crime_type in rows:
        by_person[person_id].append(IncidentFact(pk, occurred_on, victim_id, is_crime, crime_type))
    return dict(by_person)


def latest_incident_dates(*, person_ids: Iterable[int]) -> dict[int, date]:
    """Each perpetrator's latest incident reported to any agency (named, or on his cases naming nobody)."""
    latest: dict[int, date] = {}
    for person_id, facts in perpetrator_incidents(person_ids=person_ids).items():
        latest[person_id] = max(fact.occurred_on for fact in facts)
    return latest


# --- Candidates ------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A perpetrator the panel might take: his RFGV score, whether he is serial, and any agency referrals."""

    person: Person
    score: RfgvScore
    serial: SerialFinding
    referrals: list[Referral] = field(default_factory=list)
    former_panel_case: PanelCase | None = None

    @property
    def referred(self) -> bool:
        return bool(self.referrals)


def _pending_panel_referrals() -> QuerySet[Referral]:
    """Referrals to the perpetrator panel that no panel case answers yet."""
    return (
        Referral.objects.filter(service=Referral.Service.PERPETRATOR_PANEL, perpetrator__isnull=False)
        .filter(~Exists(PanelCase.referrals.through.objects.filter(referral_id=OuterRef("pk"))))
        .select_related("referring_agency", "case")
        .order_by("received_on", "pk")
    )


def candidate_list(
    *, actor: Actor | Any, on: date | None = None, serial_only: bool = False, referred_only: bool = False
) -> list[Candidate]:
    """Perpetrators with incidents in the look-backs, or referred by an agency, and no active panel case:
    highest RFGV score first (serial perpetrators first among equal scores). Empty for anyone who may not see
    the panel. A fixed number of queries, whatever the volume (one pass over the look-back's incidents)."""
    if not can_see_panel(actor):
        return []
    on = on or timezone.localdate()
    rules = scoring_rules()
    since = window_start(on, years=max(rules.serial_look_back_years, rules.rfgv_look_back_years))
    histories = perpetrator_incidents(since=since, up_to=on)
    referrals: dict[int, list[Referral]] = defaultdict(list)
    for referral in _pending_panel_referrals():
        if referral.perpetrator_id is not None:
            referrals[referral.perpetrator_id].append(referral)
    active = set(PanelCase.objects.filter(status=PanelCase.Status.ACTIVE).values_list("perpetrator_id", flat=True))
    person_ids = (set(histories) | set(referrals)) - active
    people = Person.objects.in_bulk(person_ids)
    former = {
        panel_case.perpetrator_id: panel_case
        for panel_case in PanelCase.objects.filter(perpetrator_id__in=person_ids).order_by("opened_on", "pk")
    }
    candidates = []
    for person_id, person in people.items():
        facts = histories.get(person_id, [])
        candidate = Candidate(
            person=person,
            score=rfgv_score(facts, on=on, rules=rules),
            serial=serial_perpetrator(facts, born=person.date_of_birth, on=on, rules=rules),
            referrals=referrals.get(person_id, []),
            former_panel_case=former.get(person_id),
        )
        if serial_only and not candidate.serial.is_serial:
            continue
        if referred_only and not candidate.referred:
            continue
        # Someone with only old incidents (outside the RFGV look-back) and not serial is no candidate.
        if candidate.score.total or candidate.serial.is_serial or candidate.referred:
            candidates.append(candidate)
    candidates.sort(key=lambda c: (-c.score.total, not c.serial.is_serial, c.person.family_name, c.person.pk))
    return candidates


@dataclass(frozen=True)
class IncidentLine:
    """An incident behind a score, as the candidate page explains it."""

    incident: Incident
    gravity: int
    days_before: int
    in_rfgv_look_back: bool
    in_serial_look_back: bool


@dataclass
class CandidateDetail:
    candidate: Candidate
    incidents: list[IncidentLine]
    cases: list[Case]
    active_panel_case: PanelCase | None
    rules: ScoringRules


def candidate_detail(*, actor: Actor | Any, person_id: int, on: date | None = None) -> CandidateDetail:
    """One perpetrator's score explained: its four parts and every incident in the longer look-back, with the
    cases he is a perpetrator in. 404 for anyone who may not see the panel, or a person who is no perpetrator."""
    if not can_see_panel(actor):
        raise Http404
    person = get_object_or_404(
        Person.objects.filter(Exists(CaseParty.objects.filter(person=OuterRef("pk")))), pk=person_id
    )
    on = on or timezone.localdate()
    rules = scoring_rules()
    since = window_start(on, years=max(rules.serial_look_back_years, rules.rfgv_look_back_years))
    facts = perpetrator_incidents(person_ids=[person.pk], since=since, up_to=on).get(person.pk, [])
    score = rfgv_score(facts, on=on, rules=rules)
    scored = {line.incident_id: line for line in score.incidents}
    serial_from = window_start(on, years=rules.serial_look_back_years)
    incidents = Incident.objects.filter(pk__in=[fact.incident_id for fact in facts]).select_related(
        "case__victim", "reported_to"
    )
    lines = [
        IncidentLine(
            incident=incident,
            gravity=scored[incident.pk].gravity if incident.pk in scored else 0,
            days_before=(on - incident.occurred_on).days,
            in_rfgv_look_back=incident.pk in scored,
            in_serial_look_back=incident.occurred_on >= serial_from,
        )
        for incident in incidents.order_by("-occurred_on", "-pk")
    ]
    referrals = list(_pending_panel_referrals().filter(perpetrator=person))
    panel_cases = list(PanelCase.objects.filter(perpetrator=person).order_by("opened_on", "pk"))
    active = next((pc for pc in panel_cases if pc.status == PanelCase.Status.ACTIVE), None)
    candidate = Candidate(
        person=person,
        score=score,
        serial=serial_perpetrator(facts, born=person.date_of_birth, on=on, rules=rules),
        referrals=referrals,
        former_panel_case=panel_cases[-1] if panel_cases and active is None else None,
    )
    cases = perpetrator_cases(person_id=person.pk)
    return CandidateDetail(candidate=candidate, incidents=lines, cases=cases, active_panel_case=active, rules=rules)


def perpetrator_cases(*, person_id: int) -> list[Case]:
    """Every case in which the person is a perpetrator (those a panel case may link), newest first."""
    return list(
        Case.objects.filter(parties__person_id=person_id)
        .select_related("victim", "area")
        .distinct()
        .order_by("-opened_on", "-pk")
    )


# --- Panel cases -----------------------------------------------------------------------------------


def panel_case_list(
    *,
    actor: Actor | Any,
    status: str | None = None,
    flag: str | None = None,
    updated_since: Any = None,
    search: str = "",
) -> QuerySet[PanelCase]:
    """Panel cases the actor may see (panel members and the police: all; anyone else: none), newest first,
    with `open_actions` and `cases_count`."""
    if not can_see_panel(actor):
        return PanelCase.objects.none()
    panel_cases = PanelCase.objects.all()
    if status:
        panel_cases = panel_cases.filter(status=status)
    if flag in {"stalking", "strangulation", "violence_against_parent", "no_fixed_abode"}:
        panel_cases = panel_cases.filter(**{flag: True})
    if updated_since is not None:
        panel_cases = panel_cases.filter(updated_at__gte=updated_since)
    if search.strip():
        text = search.strip()
        panel_cases = panel_cases.filter(
            Q(reference__iexact=text)
            | Q(perpetrator__family_name__icontains=text)
            | Q(perpetrator__given_name__icontains=text)
        )
    return (
        panel_cases.select_related("perpetrator")
        .annotate(
            open_actions=Count("actions", filter=Q(actions__status=PanelAction.Status.OPEN), distinct=True),
            cases_count=Count("cases", distinct=True),
        )
        .order_by("-opened_on", "-pk")
    )


def panel_case_get(*, actor: Actor | Any, pk: int | str) -> PanelCase:
    """One panel case the actor may see, else 404."""
    return get_object_or_404(panel_case_list(actor=actor), pk=pk)


def plan_item_get(*, actor: Actor | Any, pk: int | str) -> PlanItem:
    """A tactical option in the plan of a panel case the actor may see, else 404."""
    return get_object_or_404(
        PlanItem.objects.filter(panel_case__in=panel_case_list(actor=actor).values("pk")).select_related(
            "option", "owning_agency", "panel_case__perpetrator"
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class LinkedVictim:
    """A victim of a panel case's perpetrator: the case, and the victim's current risk (the case's latest
    risk assessment). Never the victim's safe contact."""

    case: Case
    risk_level: str | None
    assessed_on: date | None


def panel_case_detail(*, actor: Actor | Any, pk: int | str) -> PanelCase:
    """One panel case with what its page and the API show: linked cases (with victims), the plan, actions,
    reviews, status history and referrals, in a fixed number of queries."""
    latest_assessments = RiskAssessment.objects.order_by("case_id", "-assessed_on", "-pk")
    return get_object_or_404(
        panel_case_list(actor=actor).prefetch_related(
            Prefetch(
                "cases",
                queryset=Case.objects.select_related("victim", "area")
                .prefetch_related(Prefetch("risk_assessments", queryset=latest_assessments, to_attr="assessments"))
                .order_by("-opened_on", "-pk"),
            ),
            Prefetch("plan_items", queryset=PlanItem.objects.select_related("option", "owning_agency")),
            Prefetch(
                "actions",
                queryset=PanelAction.objects.select_related("assigned_agency", "meeting", "plan_item__option"),
            ),
            Prefetch("reviews", queryset=CaseReview.objects.select_related("meeting").order_by("-meeting__held_on")),
            Prefetch("status_changes", queryset=StatusChange.objects.order_by("on", "pk")),
            Prefetch("referrals", queryset=Referral.objects.select_related("referring_agency").order_by("received_on")),
        ),
        pk=pk,
    )


def linked_victims(panel_case: PanelCase) -> list[LinkedVictim]:
    """The victims of a panel case from its prefetched cases (panel_case_detail), each with current risk."""
    victims = []
    for case in panel_case.cases.all():
        assessments = getattr(case, "assessments", None)
        latest = assessments[0] if assessments else None
        victims.append(
            LinkedVictim(
                case=case,
                risk_level=latest.risk_level if latest else None,
                assessed_on=latest.assessed_on if latest else None,
            )
        )
    return victims


@dataclass(frozen=True)
class DerivedFlags:
    """Flags derived from the case data: the cases' stalking and strangulation flags and crime types, a
    child-to-parent relationship, and the perpetrator's no fixed abode."""

    stalking: bool
    strangulation: bool
    violence_against_parent: bool
    no_fixed_abode: bool


def derived_flags(*, perpetrator: Person, cases: Iterable[Case]) -> DerivedFlags:
    """The panel flags the case data shows for a perpetrator in some cases (two queries)."""
    case_ids = [case.pk for case in cases]
    case_flags = Case.objects.filter(pk__in=case_ids).aggregate(
        stalking=Count("pk", filter=Q(stalking=True)), strangulation=Count("pk", filter=Q(strangulation=True))
    )
    crime_types = {
        crime_type.lower()
        for crime_type in Incident.objects.filter(case_id__in=case_ids, is_crime=True)
        .filter(Q(perpetrator=perpetrator) | Q(perpetrator__isnull=True))
        .values_list("crime_type", flat=True)
        .distinct()
    }
    parent = CaseParty.objects.filter(
        person=perpetrator, case_id__in=case_ids, relationship=Relationship.CHILD_TO_PARENT
    ).exists()
    return DerivedFlags(
        stalking=bool(case_flags["stalking"]) or any(w in t for t in crime_types for w in STALKING_CRIME_WORDS),
        strangulation=bool(case_flags["strangulation"])
        or any(w in t for t in crime_types for w in STRANGULATION_CRIME_WORDS),
        violence_against_parent=parent,
        no_fixed_abode=perpetrator.no_fixed_abode,
    )


# --- Meetings and actions ----------------------------------------------------------------------------


def meeting_list(*, actor: Actor | Any) -> QuerySet[PanelMeeting]:
    """Panel meetings (panel members and the police), newest first, with `reviews_count` and `actions_count`."""
    if not can_see_panel(actor):
        return PanelMeeting.objects.none()
    return PanelMeeting.objects.annotate(
        reviews_count=Count("reviews", distinct=True), actions_count=Count("actions", distinct=True)
    ).order_by("-held_on", "-pk")


def meeting_get(*, actor: Actor | Any, pk: int | str) -> PanelMeeting:
    return get_object_or_404(meeting_list(actor=actor), pk=pk)


def meeting_detail(*, actor: Actor | Any, pk: int | str) -> PanelMeeting:
    """A meeting with its attendance, reviews (and their cases) and actions."""
    return get_object_or_404(
        meeting_list(actor=actor).prefetch_related(
            Prefetch("attendance", queryset=PanelAttendance.objects.select_related("agency")),
            Prefetch("reviews", queryset=CaseReview.objects.select_related("panel_case__perpetrator")),
            Prefetch("actions", queryset=PanelAction.objects.select_related("assigned_agency", "panel_case")),
        ),
        pk=pk,
    )


def panel_action_list(
    *,
    actor: Actor | Any,
    status: str | None = None,
    overdue: bool | None = None,
    today: date | None = None,
    assigned_agency: Agency | None = None,
    updated_since: Any = None,
    panel_case: PanelCase | None = None,
) -> QuerySet[PanelAction]:
    """Panel actions the actor may see: panel members and the police, all; any other agency working with
    cases, only those assigned to it. Earliest due first."""
    if can_see_panel(actor):
        actions = PanelAction.objects.all()
    elif getattr(actor, "agency", None) is not None and actor_works_with_cases(actor):
        actions = PanelAction.objects.filter(assigned_agency=actor.agency)
    else:
        return PanelAction.objects.none()
    if status:
        actions = actions.filter(status=status)
    if overdue is not None:
        late = Q(status=PanelAction.Status.OPEN, due_on__lt=today or timezone.localdate())
        actions = actions.filter(late) if overdue else actions.exclude(late)
    if assigned_agency is not None:
        actions = actions.filter(assigned_agency=assigned_agency)
    if updated_since is not None:
        actions = actions.filter(updated_at__gte=updated_since)
    if panel_case is not None:
        actions = actions.filter(panel_case=panel_case)
    return actions.select_related(
        "assigned_agency", "panel_case__perpetrator", "meeting", "plan_item__option"
    ).order_by("due_on", "pk")


def panel_action_get(*, actor: Actor | Any, pk: int | str) -> PanelAction:
    """One panel action the actor may see, else 404."""
    return get_object_or_404(panel_action_list(actor=actor), pk=pk)


# --- Figures ---------------------------------------------------------------------------------------


def panel_figures(*, start: date, end: date, area: Area | None = None) -> dict[str, int | float | None]:
    """The panel's figures for the annual report over a period (both days included), in SQL aggregates:

    - `cases_with_actions`: panel cases with at least one multi-agency action agreed in the period;
    - of those cases: `male_pct` (the perpetrator's recorded gender), `no_fixed_abode` and
      `violence_against_parent` (counts of the flags), `stalking_pct` and `strangulation_pct`.
    With an area, only panel cases linked to a case of that area or an area within it.
    Percentages are rounded to one decimal place; with no case they are None.
    """
    cohort = PanelCase.objects.filter(
        Exists(PanelAction.objects.filter(panel_case=OuterRef("pk"), agreed_on__gte=start, agreed_on__lte=end))
    )
    if area is not None:
        areas = Area.objects.filter(Q(pk=area.pk) | Q(parent=area) | Q(parent__parent=area)).values("pk")
        cohort = cohort.filter(Exists(Case.objects.filter(panel_cases=OuterRef("pk"), area__in=areas)))
    counts = cohort.aggregate(
        cases=Count("pk"),
        male=Count("pk", filter=Q(perpetrator__gender="male")),
        no_fixed_abode=Count("pk", filter=Q(no_fixed_abode=True)),
        violence_against_parent=Count("pk", filter=Q(violence_against_parent=True)),
        stalking=Count("pk", filter=Q(stalking=True)),
        strangulation=Count("pk", filter=Q(strangulation=True)),
    )
    return {
        "cases_with_actions": counts["cases"],
        "male_pct": percentage(counts["male"], counts["cases"]),
        "no_fixed_abode": counts["no_fixed_abode"],
        "violence_against_parent": counts["violence_against_parent"],
        "stalking_pct": percentage(counts["stalking"], counts["cases"]),
        "strangulation_pct": percentage(counts["strangulation"], counts["cases"]),
    }
