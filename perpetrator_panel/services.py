"""Writes for the perpetrator panel: opening a panel case from a candidate, its flags, reasons and linked
cases, the tactical plan, meetings (attendance and case reviews), actions, and the nightly status job.

Panel members do the panel's work (an API key never does); the agency an action is assigned to updates it
through the shared action services (agencies.services.agency_action_*), plus the perpetrator's compliance
here. Every service is atomic: a refusal writes nothing and names the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agencies.actors import actor_user
from agencies.models import Agency
from cases.models import Case, CaseParty, Person
from perpetrator_panel.models import (
    CaseReview,
    PanelAction,
    PanelAttendance,
    PanelCase,
    PanelMeeting,
    PlanItem,
    StatusChange,
    TacticalOption,
)
from perpetrator_panel.rules import ACTIVE, INACTIVE, ScoringRules, inactive_from, panel_status, rfgv_score
from perpetrator_panel.selectors import (
    derived_flags,
    is_panel_member,
    panel_action_get,
    perpetrator_incidents,
    scoring_rules,
)
from referrals.models import Referral

if TYPE_CHECKING:
    from agencies.actors import Actor

FLAGS = ("stalking", "strangulation", "violence_against_parent", "no_fixed_abode")


def _require_panel_member(actor: Actor | Any, message: str = "Only a panel member does this.") -> None:
    if not is_panel_member(actor):
        raise PermissionDenied(message)


def _score(person: Person, on: date, rules: ScoringRules) -> Any:
    facts = perpetrator_incidents(person_ids=[person.pk], up_to=on).get(person.pk, [])
    return rfgv_score(facts, on=on, rules=rules), facts


def _check_reasons(reasons: Iterable[str], detail: str, errors: dict[str, list[str]]) -> list[str]:
    chosen = list(dict.fromkeys(reasons))
    unknown = [code for code in chosen if code not in PanelCase.Reason.values]
    if not chosen:
        errors["reasons"] = ["Choose at least one reason the panel takes the case."]
    elif unknown:
        errors["reasons"] = [f"Not a reason: {', '.join(unknown)}."]
    elif PanelCase.Reason.OTHER in chosen and not detail.strip():
        errors["reasons_detail"] = ["Say what the other reason is."]
    return chosen


def _check_cases(perpetrator: Person, cases: Iterable[Case], errors: dict[str, list[str]]) -> list[Case]:
    chosen = list(dict.fromkeys(cases))
    if not chosen:
        errors["cases"] = ["Link at least one case in which he is a perpetrator."]
        return chosen
    party_of = set(CaseParty.objects.filter(person=perpetrator, case__in=chosen).values_list("case_id", flat=True))
    strangers = [case.reference for case in chosen if case.pk not in party_of]
    if strangers:
        errors["cases"] = [f"He is not a perpetrator in {', '.join(strangers)}."]
    return chosen


@transaction.atomic
def panel_case_open(
    *,
    actor: Actor | Any,
    perpetrator: Person,
    opened_on: date,
    cases: Iterable[Case],
    reasons: Iterable[str],
    reasons_detail: str = "",
    referrals: Iterable[Referral] = (),
    flags: Mapping[str, bool] | None = None,
    today: date | None = None,
) -> PanelCase:
    """The panel takes a perpetrator: his victims' cases, why, the entry RFGV score (on the day taken),
    the flags (derived from the case data unless given) and any agency referrals it answers. Active from
    the day taken; one active panel case per perpetrator. Its score now and its status are judged on
    `today` (by default the real one; the demo's history passes the day it replays)."""
    _require_panel_member(actor, "Only a panel member opens a panel case.")
    # Lock the person so that two panel members cannot open his case twice at once.
    perpetrator = Person.objects.select_for_update(of=("self",)).get(pk=perpetrator.pk)
    errors: dict[str, list[str]] = {}
    today = today or timezone.localdate()
    if opened_on > today:
        errors["opened_on"] = ["The date cannot be in the future."]
    chosen_reasons = _check_reasons(reasons, reasons_detail, errors)
    chosen_cases = _check_cases(perpetrator, cases, errors)
    chosen_referrals = list(dict.fromkeys(referrals))
    wrong = [
        str(referral.pk)
        for referral in chosen_referrals
        if referral.service != Referral.Service.PERPETRATOR_PANEL or referral.perpetrator_id != perpetrator.pk
    ]
    if wrong:
        errors["referrals"] = [f"Not a referral of him to the panel: {', '.join(wrong)}."]
    unknown_flags = set(flags or {}) - set(FLAGS)
    if unknown_flags:
        errors["flags"] = [f"Not a flag: {', '.join(sorted(unknown_flags))}."]
    if PanelCase.objects.filter(perpetrator=perpetrator, status=PanelCase.Status.ACTIVE).exists():
        errors[NON_FIELD_ERRORS] = ["He already has an active panel case."]
    if errors:
        raise ValidationError(errors)
    rules = scoring_rules()
    score, facts = _score(perpetrator, opened_on, rules)
    derived = derived_flags(perpetrator=perpetrator, cases=chosen_cases)
    chosen_flags = {flag: getattr(derived, flag) for flag in FLAGS} | dict(flags or {})
    now_score, facts_now = (score, facts) if opened_on == today else _score(perpetrator, today, rules)
    last_incident = max((fact.occurred_on for fact in facts), default=None)
    # The status is decided on his latest incident up to today, which for a case opened for a day past may
    # be later than the opening.
    last_incident_now = max((fact.occurred_on for fact in facts_now), default=None)
    by = actor_user(actor)
    panel_case = PanelCase(
        reference="",
        perpetrator=perpetrator,
        opened_on=opened_on,
        reasons=chosen_reasons,
        reasons_detail=reasons_detail.strip(),
        entry_score=score.total,
        entry_score_parts=score.parts(),
        score_now=now_score.total,
        score_now_parts=now_score.parts(),
        score_now_on=today,
        status=PanelCase.Status.ACTIVE,
        status_changed_on=opened_on,
        last_incident_on=last_incident_now,
        created_by=by,
        updated_by=by,
        **chosen_flags,
    )
    panel_case.save()
    panel_case.reference = f"PP-{opened_on.year}-{panel_case.pk:05d}"
    panel_case.save(update_fields=["reference"])
    panel_case.cases.set(chosen_cases)
    panel_case.referrals.set(chosen_referrals)
    StatusChange.objects.create(
        panel_case=panel_case,
        on=opened_on,
        status=PanelCase.Status.ACTIVE,
        reason="Taken by the panel.",
        last_incident_on=last_incident,
        score=score.total,
    )
    # A case opened for a day long past may already be inactive by the rule: the nightly job's reasoning.
    _apply_status(panel_case, today=today, rules=rules, last_incident_on=last_incident_now)
    return panel_case


@transaction.atomic
def panel_case_update(
    *,
    actor: Actor | Any,
    panel_case: PanelCase,
    reasons: Iterable[str],
    reasons_detail: str,
    flags: Mapping[str, bool],
    cases: Iterable[Case],
) -> PanelCase:
    """Change a panel case's reasons, flags and linked cases (the derived flags are a starting point)."""
    _require_panel_member(actor)
    panel_case = PanelCase.objects.select_for_update().get(pk=panel_case.pk)
    errors: dict[str, list[str]] = {}
    chosen_reasons = _check_reasons(reasons, reasons_detail, errors)
    chosen_cases = _check_cases(panel_case.perpetrator, cases, errors)
    unknown_flags = set(flags) - set(FLAGS)
    if unknown_flags:
        errors["flags"] = [f"Not a flag: {', '.join(sorted(unknown_flags))}."]
    if errors:
        raise ValidationError(errors)
    panel_case.reasons = chosen_reasons
    panel_case.reasons_detail = reasons_detail.strip()
    for flag in FLAGS:
        if flag in flags:
            setattr(panel_case, flag, bool(flags[flag]))
    panel_case.updated_by = actor_user(actor)
    panel_case.save()
    panel_case.cases.set(chosen_cases)
    return panel_case


# --- The tactical plan -----------------------------------------------------------------------------


@transaction.atomic
def plan_item_add(
    *,
    actor: Actor | Any,
    panel_case: PanelCase,
    option: TacticalOption,
    owning_agency: Agency | None,
    chosen_on: date | None = None,
    notes: str = "",
) -> PlanItem:
    """Add a tactical option to a panel case's plan, owned by an agency: the one given, else the first active
    agency of the kind that usually owns the option."""
    _require_panel_member(actor)
    chosen_on = chosen_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if owning_agency is None:
        owning_agency = (
            Agency.objects.filter(active=True, kind=option.usual_agency_kind).order_by("name", "pk").first()
            if option.usual_agency_kind
            else None
        )
        if owning_agency is None:
            raise ValidationError(
                {"owning_agency": ["Select the agency that owns it: no active agency is of its usual kind."]}
            )
    if not option.active:
        errors["option"] = [f"{option.name} is no longer on the menu."]
    elif PlanItem.objects.filter(panel_case=panel_case, option=option).exists():
        errors["option"] = [f"{option.name} is already in the plan."]
    if not owning_agency.active:
        errors["owning_agency"] = [f"{owning_agency.name} is no longer active."]
    if chosen_on > timezone.localdate():
        errors["chosen_on"] = ["The date cannot be in the future."]
    elif chosen_on < panel_case.opened_on:
        errors["chosen_on"] = ["The date cannot be before the panel took the case."]
    if errors:
        raise ValidationError(errors)
    by = actor_user(actor)
    item = PlanItem(
        panel_case=panel_case,
        option=option,
        owning_agency=owning_agency,
        chosen_on=chosen_on,
        notes=notes.strip(),
        created_by=by,
        updated_by=by,
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def plan_item_update(*, actor: Actor | Any, plan_item: PlanItem, status: str, notes: str = "") -> PlanItem:
    """Record where a tactical option stands (planned, in place, ended) and notes on it."""
    _require_panel_member(actor)
    plan_item = PlanItem.objects.select_for_update().get(pk=plan_item.pk)
    if status not in PlanItem.Status.values:
        raise ValidationError({"status": ["Choose planned, in place or ended."]})
    plan_item.status = status
    plan_item.notes = notes.strip()
    plan_item.updated_by = actor_user(actor)
    plan_item.save()
    return plan_item


# --- Meetings ----------------------------------------------------------------------------------------


@transaction.atomic
def panel_meeting_create(*, actor: Actor | Any, held_on: date, chair: str = "", notes: str = "") -> PanelMeeting:
    """Arrange (or record) a panel meeting on a day."""
    _require_panel_member(actor)
    by = actor_user(actor)
    meeting = PanelMeeting(held_on=held_on, chair=chair.strip(), notes=notes.strip(), created_by=by, updated_by=by)
    meeting.full_clean()
    meeting.save()
    return meeting


def _check_meeting_day(meeting: PanelMeeting) -> None:
    if meeting.held_on > timezone.localdate():
        raise ValidationError({NON_FIELD_ERRORS: ["The meeting has not happened yet."]})


@transaction.atomic
def panel_attendance_record(
    *, actor: Actor | Any, meeting: PanelMeeting, agency: Agency, attended: bool, representative: str = ""
) -> PanelAttendance:
    """Record an agency's attendance (or apologies) at a meeting; recording again replaces it."""
    _require_panel_member(actor)
    _check_meeting_day(meeting)
    if attended and not representative.strip():
        raise ValidationError({"representative": ["Say who represented the agency."]})
    by = actor_user(actor)
    attendance, _ = PanelAttendance.objects.update_or_create(
        meeting=meeting,
        agency=agency,
        defaults={"attended": attended, "representative": representative.strip(), "updated_by": by},
        create_defaults={
            "attended": attended,
            "representative": representative.strip(),
            "created_by": by,
            "updated_by": by,
        },
    )
    return attendance


@transaction.atomic
def case_review_record(
    *,
    actor: Actor | Any,
    meeting: PanelMeeting,
    panel_case: PanelCase,
    investigations: str = "",
    intelligence: str = "",
    risk_to_victims: str = "",
) -> CaseReview:
    """Record a panel case reviewed at a meeting: live investigations, intelligence, risk to victims and
    children. Recording it again at the same meeting replaces the notes. The meeting is then held."""
    _require_panel_member(actor)
    _check_meeting_day(meeting)
    if not any(text.strip() for text in (investigations, intelligence, risk_to_victims)):
        raise ValidationError({"investigations": ["Record what the panel noted on the case."]})
    by = actor_user(actor)
    values = {
        "investigations": investigations.strip(),
        "intelligence": intelligence.strip(),
        "risk_to_victims": risk_to_victims.strip(),
        "updated_by": by,
    }
    review, _ = CaseReview.objects.update_or_create(
        meeting=meeting, panel_case=panel_case, defaults=values, create_defaults=values | {"created_by": by}
    )
    if meeting.status != PanelMeeting.Status.HELD:
        # Saved (not a queryset update) so that the change history records who marked it held.
        locked = PanelMeeting.objects.select_for_update().get(pk=meeting.pk)
        locked.status = PanelMeeting.Status.HELD
        locked.updated_by = by
        locked.save()
        meeting.status = PanelMeeting.Status.HELD
    return review


# --- Actions -----------------------------------------------------------------------------------------


@transaction.atomic
def panel_action_create(
    *,
    actor: Actor | Any,
    panel_case: PanelCase,
    assigned_agency: Agency,
    description: str,
    due_on: date,
    agreed_on: date | None = None,
    meeting: PanelMeeting | None = None,
    plan_item: PlanItem | None = None,
) -> PanelAction:
    """Agree an action for a panel case, owned by the agency it is assigned to, with a timescale (due on).
    Agreed at a meeting (on its day) or between meetings (on `agreed_on`, default today)."""
    _require_panel_member(actor, "Only a panel member agrees panel actions.")
    agreed_on = meeting.held_on if meeting is not None else (agreed_on or timezone.localdate())
    errors: dict[str, list[str]] = {}
    if not description.strip():
        errors["description"] = ["Say what the agency is to do."]
    if not assigned_agency.active:
        errors["assigned_agency"] = [f"{assigned_agency.name} is no longer active."]
    if agreed_on > timezone.localdate():
        errors["agreed_on" if meeting is None else "meeting"] = ["An action cannot be agreed in the future."]
    elif agreed_on < panel_case.opened_on:
        errors["agreed_on" if meeting is None else "meeting"] = ["The panel had not taken the case yet."]
    if due_on < agreed_on:
        errors["due_on"] = ["The action cannot be due before it was agreed."]
    if plan_item is not None and plan_item.panel_case_id != panel_case.pk:
        errors["plan_item"] = ["This option is in another case's plan."]
    if errors:
        raise ValidationError(errors)
    by = actor_user(actor)
    action = PanelAction(
        panel_case=panel_case,
        meeting=meeting,
        plan_item=plan_item,
        assigned_agency=assigned_agency,
        description=description.strip(),
        due_on=due_on,
        agreed_on=agreed_on,
        created_by=by,
        updated_by=by,
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def panel_action_compliance_record(*, actor: Actor | Any, action: PanelAction, compliance: str) -> PanelAction:
    """Record the perpetrator's compliance with an action: by the agency it is assigned to, or the panel."""
    action = panel_action_get(actor=actor, pk=action.pk)
    if action.assigned_agency_id != actor.agency.pk and not is_panel_member(actor):
        raise PermissionDenied("Only the agency the action is assigned to, or the panel, records compliance.")
    if compliance not in PanelAction.Compliance.values:
        raise ValidationError({"compliance": ["Choose complied, partly complied, did not comply or not applicable."]})
    # Saved (not a queryset update) so that the change history records who changed it.
    action = PanelAction.objects.select_for_update(of=("self",)).get(pk=action.pk)
    action.compliance = compliance
    action.updated_by = actor_user(actor)
    action.save()
    return action


# --- The nightly status job --------------------------------------------------------------------------


@dataclass
class StatusRun:
    """What one run of the status job changed."""

    deactivated: int = 0
    reactivated: int = 0
    rescored: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"deactivated": self.deactivated, "reactivated": self.reactivated, "rescored": self.rescored}


def _apply_status(
    panel_case: PanelCase, *, today: date, rules: ScoringRules, last_incident_on: date | None
) -> str | None:
    """Bring one (locked) panel case's status in line with the rule; records the change. Returns the new
    status when it changed."""
    months = rules.inactive_after_months
    status = panel_status(opened_on=panel_case.opened_on, last_incident_on=last_incident_on, on=today, months=months)
    panel_case.last_incident_on = last_incident_on
    if status == panel_case.status:
        return None
    if status == INACTIVE:
        on = inactive_from(opened_on=panel_case.opened_on, last_incident_on=last_incident_on, months=months)
        facts = perpetrator_incidents(person_ids=[panel_case.perpetrator_id], up_to=on).get(
            panel_case.perpetrator_id, []
        )
        exit_score = rfgv_score(facts, on=on, rules=rules).total
        since = f"since {last_incident_on:%-d %B %Y}" if last_incident_on else "since the panel took the case"
        period = "1 month" if months == 1 else f"{months} months"
        reason = f"No incident reported to any agency for {period} ({since})."
        panel_case.exited_on, panel_case.exit_score = on, exit_score
        score = exit_score
    else:
        others = PanelCase.objects.filter(perpetrator_id=panel_case.perpetrator_id).exclude(pk=panel_case.pk)
        newer = Q(opened_on__gt=panel_case.opened_on) | Q(opened_on=panel_case.opened_on, pk__gt=panel_case.pk)
        if others.filter(Q(status=ACTIVE) | newer).exists():
            # Another panel case for him is active, or a newer one was opened (active or closed since): that
            # one carries the new incident; only his latest panel case comes back.
            return None
        # An inactive case becomes active again only on a later incident.
        latest = last_incident_on or panel_case.opened_on
        on = max(latest, panel_case.exited_on or latest)
        reason = f"New incident on {latest:%-d %B %Y}."
        panel_case.exited_on, panel_case.exit_score = None, None
        score = panel_case.score_now
    panel_case.status = status
    panel_case.status_changed_on = on
    panel_case.save()
    StatusChange.objects.create(
        panel_case=panel_case, on=on, status=status, reason=reason, last_incident_on=last_incident_on, score=score
    )
    return status


def panel_statuses_recompute(*, today: date | None = None) -> dict[str, int]:
    """Nightly: each panel case's score now, and its status by the rule (active until no incident has been
    reported to any agency for 3 months; a new incident re-activates it). Each change is recorded with its
    day and reason; the exit records the score at exit. Idempotent: a second run the same day changes
    nothing. Each case in its own transaction, so one failure does not undo the others."""
    today = today or timezone.localdate()
    rules = scoring_rules()
    run = StatusRun()
    cases = list(PanelCase.objects.order_by("pk").values_list("pk", "perpetrator_id"))
    # Every perpetrator's incidents in two queries, not two per case.
    histories = perpetrator_incidents(person_ids={perpetrator_id for _, perpetrator_id in cases}, up_to=today)
    for pk, perpetrator_id in cases:
        facts = histories.get(perpetrator_id, [])
        last_incident = max((fact.occurred_on for fact in facts), default=None)
        score = rfgv_score(facts, on=today, rules=rules)
        with transaction.atomic():
            panel_case = PanelCase.objects.select_for_update().get(pk=pk)
            new_incident = panel_case.last_incident_on != last_incident
            rescored = panel_case.score_now != score.total or panel_case.score_now_on != today
            if rescored:
                panel_case.score_now, panel_case.score_now_parts, panel_case.score_now_on = (
                    score.total,
                    score.parts(),
                    today,
                )
                run.rescored += 1
            changed = _apply_status(panel_case, today=today, rules=rules, last_incident_on=last_incident)
            if changed == INACTIVE:
                run.deactivated += 1
            elif changed == ACTIVE:
                run.reactivated += 1
            elif rescored or new_incident:
                panel_case.save()
    return run.as_dict()
