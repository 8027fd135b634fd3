"""Reads for MARAC: the referrals waiting for an agenda, the meetings that can take them, past hearings, and
what each actor may see of meetings, agendas, actions and research."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies.actors import actor_user
from agencies.models import Agency, Area, Role
from cases.models import Child
from cases.selectors import actor_works_with_cases, visible_cases
from marac.models import AgendaItem, MaracAction, MaracMeeting, MeetingKind, MeetingSchedule, Research
from referrals.models import Referral

if TYPE_CHECKING:
    from agencies.actors import Actor

# The referral service each kind of meeting hears.
MEETING_SERVICES: dict[str, str] = {
    MeetingKind.MARAC: Referral.Service.MARAC,
    MeetingKind.MARAC_PLUS: Referral.Service.MARAC_PLUS,
}
# An agenda item with one of these outcomes means the referral is listed or was heard (escalated cases were
# heard, then sent on to MARAC Plus with a referral of their own): it waits no more.
LISTED_OR_HEARD = (AgendaItem.Outcome.PENDING, AgendaItem.Outcome.HEARD, AgendaItem.Outcome.ESCALATED)


def schedule_in_force(*, area: Area, kind: str, on: date) -> MeetingSchedule | None:
    """The area's schedule of that kind of meeting in force on a day (the latest started), if any."""
    return (
        MeetingSchedule.objects.filter(area=area, kind=kind, effective_from__lte=on)
        .exclude(effective_to__lt=on)
        .order_by("-effective_from", "-pk")
        .first()
    )


def agenda_waiting_referrals(*, area: Area, kind: str) -> QuerySet[Referral]:
    """Referrals of the area waiting for a meeting of that kind: received, and on no agenda item that is
    pending, was heard or escalated (a deferred one waits again). Annotated with `has_children`."""
    listed = AgendaItem.objects.filter(referral=OuterRef("pk"), outcome__in=LISTED_OR_HEARD)
    return (
        Referral.objects.filter(service=MEETING_SERVICES[kind], status=Referral.Status.RECEIVED, case__area=area)
        .exclude(Exists(listed))
        .annotate(has_children=Exists(Child.objects.filter(case=OuterRef("case_id"))))
        .order_by("received_on", "pk")
    )


def last_heard_on(*, case_ids: Iterable[int]) -> dict[int, date]:
    """The day each case was last heard at MARAC (an agenda item heard at a meeting), by case id."""
    items = AgendaItem.objects.filter(referral__case_id__in=list(case_ids), outcome=AgendaItem.Outcome.HEARD)
    rows = items.values("referral__case_id").annotate(last=Max("meeting__starts_at"))
    return {row["referral__case_id"]: timezone.localdate(row["last"]) for row in rows}


def meetings_open_for_agenda(*, area: Area, kind: str, after: date) -> QuerySet[MaracMeeting]:
    """The area's meetings of that kind still scheduled (agenda not yet published, not cancelled or held)
    on a day after `after`, earliest first."""
    return MaracMeeting.objects.filter(
        area=area, kind=kind, status=MaracMeeting.Status.SCHEDULED, starts_at__date__gt=after
    ).order_by("starts_at", "pk")


# --- What an actor may see of MARAC ----------------------------------------------------------------

# Member agencies see an agenda once it is published (for research), and the meeting's record after.
PUBLISHED_AGENDA = (
    MaracMeeting.Status.AGENDA_PUBLISHED,
    MaracMeeting.Status.HELD,
    MaracMeeting.Status.MINUTES_APPROVED,
)


class ResearchState:
    """Where a member agency's research for one agenda item stands, as the coordinator's matrix shows."""

    SUBMITTED = "submitted"
    DRAFT = "draft"
    MISSING = "missing"


def is_marac_coordinator(actor: Actor | Any) -> bool:
    """A signed-in MARAC coordinator (an API key carries no role, so is never one)."""
    return actor_user(actor) is not None and actor.has_role(Role.MARAC_COORDINATOR)


def _member_agency(actor: Actor | Any) -> Agency | None:
    """The actor's agency when it takes part in MARAC: active, a member, and the actor works with cases."""
    agency = getattr(actor, "agency", None)
    if agency is None or not agency.is_marac_member or not agency.active or not actor_works_with_cases(actor):
        return None
    return agency


def marac_areas_for(actor: Actor | Any) -> QuerySet[Area]:
    """Areas whose MARAC the actor takes part in: a coordinator's, those its agency serves and the areas
    within them; a member agency's (a case worker's or its API key's), those it serves; else none."""
    if is_marac_coordinator(actor):
        served = Area.objects.filter(agencies=actor.agency).values("pk")
        # Areas nest county > district; three levels covers every tier, in one query.
        return Area.objects.filter(Q(pk__in=served) | Q(parent__in=served) | Q(parent__parent__in=served)).distinct()
    agency = _member_agency(actor)
    if agency is None:
        return Area.objects.none()
    return Area.objects.filter(agencies=agency)


def meeting_list_for(
    *,
    actor: Actor | Any,
    area: Area | None = None,
    first: date | None = None,
    last: date | None = None,
    kind: str | None = None,
) -> QuerySet[MaracMeeting]:
    """Meetings of the actor's MARAC areas, with `agenda_size`, earliest first; `first` and `last` are
    days (both included) in the project's time zone."""
    meetings = MaracMeeting.objects.filter(area__in=marac_areas_for(actor).values("pk"))
    if area is not None:
        meetings = meetings.filter(area=area)
    if first is not None:
        meetings = meetings.filter(starts_at__date__gte=first)
    if last is not None:
        meetings = meetings.filter(starts_at__date__lte=last)
    if kind:
        meetings = meetings.filter(kind=kind)
    return meetings.select_related("area").annotate(agenda_size=Count("agenda_items")).order_by("starts_at", "pk")


def meeting_get_for(*, actor: Actor | Any, pk: int) -> MaracMeeting:
    """One meeting of the actor's MARAC areas, else 404."""
    return get_object_or_404(meeting_list_for(actor=actor), pk=pk)


def agenda_items_for(*, actor: Actor | Any, meeting: MaracMeeting | None = None) -> QuerySet[AgendaItem]:
    """Agenda items the actor may see: a coordinator, every item of its areas' meetings; a member agency,
    the items of published agendas of its MARAC whose case it may still see (access follows the agenda).
    With what lists show; never the safe contact."""
    items = AgendaItem.objects.filter(meeting__area__in=marac_areas_for(actor).values("pk"))
    if not is_marac_coordinator(actor):
        items = items.filter(meeting__status__in=PUBLISHED_AGENDA, referral__case__in=visible_cases(actor).values("pk"))
    if meeting is not None:
        items = items.filter(meeting=meeting)
    return items.select_related("meeting__area", "referral__case__victim", "referral__referring_agency").order_by(
        "meeting__starts_at", "meeting_id", "position", "pk"
    )


def agenda_item_get_for(*, actor: Actor | Any, pk: int) -> AgendaItem:
    """One agenda item the actor may see, else 404."""
    return get_object_or_404(agenda_items_for(actor=actor), pk=pk)


def _overdue(today: date) -> Q:
    return Q(status=MaracAction.Status.OPEN, due_on__lt=today)


def action_list_for(
    *,
    actor: Actor | Any,
    status: str | None = None,
    overdue: bool | None = None,
    today: date | None = None,
) -> QuerySet[MaracAction]:
    """MARAC actions the actor may see: a coordinator, every action of its areas' meetings (and its own
    agency's); any other agency working with cases, only the actions assigned to it. Due first."""
    if is_marac_coordinator(actor):
        actions = MaracAction.objects.filter(
            Q(agenda_item__meeting__area__in=marac_areas_for(actor).values("pk")) | Q(assigned_agency=actor.agency)
        )
    elif getattr(actor, "agency", None) is not None and actor_works_with_cases(actor):
        actions = MaracAction.objects.filter(assigned_agency=actor.agency)
    else:
        return MaracAction.objects.none()
    if status:
        actions = actions.filter(status=status)
    if overdue is not None:
        late = _overdue(today or timezone.localdate())
        actions = actions.filter(late) if overdue else actions.exclude(late)
    return actions.select_related(
        "assigned_agency", "agenda_item__meeting__area", "agenda_item__referral__case__victim"
    ).order_by("due_on", "pk")


def action_get_for(*, actor: Actor | Any, pk: int) -> MaracAction:
    """One MARAC action the actor may see, else 404."""
    return get_object_or_404(action_list_for(actor=actor), pk=pk)


def research_for(*, actor: Actor | Any, agenda_item: AgendaItem | None = None) -> QuerySet[Research]:
    """Research the actor may see: a coordinator, all of its areas' meetings; an agency, only its own."""
    if is_marac_coordinator(actor):
        research = Research.objects.filter(agenda_item__meeting__area__in=marac_areas_for(actor).values("pk"))
    elif getattr(actor, "agency", None) is not None and actor_works_with_cases(actor):
        research = Research.objects.filter(agency=actor.agency)
    else:
        return Research.objects.none()
    if agenda_item is not None:
        research = research.filter(agenda_item=agenda_item)
    return research.select_related("agency", "agenda_item__meeting").order_by("agenda_item_id", "agency_id", "pk")


def marac_member_agencies(*, area: Area) -> QuerySet[Agency]:
    """The active MARAC member agencies serving an area: those expected to research its agenda."""
    return Agency.objects.filter(is_marac_member=True, active=True, areas=area).order_by("name", "pk")


def research_matrix(*, actor: Actor | Any, meeting: MaracMeeting) -> list[dict[str, Any]]:
    """The coordinator's matrix for a meeting: a row per agenda item, `{"item", "cells", "missing"}`, each
    cell `{"agency", "state", "research"}` per member agency serving the area, `state` a ResearchState.
    Three queries whatever the size. Only a coordinator sees it; items outside their areas make no rows."""
    if not is_marac_coordinator(actor):
        raise PermissionDenied("Only a MARAC coordinator sees the research matrix.")
    # By the area's id: the meeting's area need not be loaded for this.
    agencies = list(
        Agency.objects.filter(is_marac_member=True, active=True, areas__pk=meeting.area_id).order_by("name", "pk")
    )
    items = list(agenda_items_for(actor=actor, meeting=meeting))
    found = {
        (research.agenda_item_id, research.agency_id): research
        for research in Research.objects.filter(agenda_item__in=[item.pk for item in items]).select_related("agency")
    }
    rows = []
    for item in items:
        cells = []
        for agency in agencies:
            research = found.get((item.pk, agency.pk))
            if research is None:
                state = ResearchState.MISSING
            elif research.submitted_at is None:
                state = ResearchState.DRAFT
            else:
                state = ResearchState.SUBMITTED
            cells.append({"agency": agency, "state": state, "research": research})
        missing = sum(cell["state"] != ResearchState.SUBMITTED for cell in cells)
        rows.append({"item": item, "cells": cells, "missing": missing})
    return rows


def _open_past_due(today: date | None) -> QuerySet[MaracAction]:
    return MaracAction.objects.filter(_overdue(today or timezone.localdate())).select_related(
        "assigned_agency", "agenda_item__meeting__area", "agenda_item__referral__case__victim"
    )


def chase_list(*, actor: Actor | Any, today: date | None = None) -> QuerySet[MaracAction]:
    """The coordinator's chase list: open actions of its areas' meetings past their due date, oldest due
    first. Nobody else chases."""
    if not is_marac_coordinator(actor):
        return MaracAction.objects.none()
    return (
        _open_past_due(today)
        .filter(agenda_item__meeting__area__in=marac_areas_for(actor).values("pk"))
        .order_by("due_on", "pk")
    )


def incomplete_actions_for_meeting(*, meeting: MaracMeeting, today: date | None = None) -> QuerySet[MaracAction]:
    """The agenda's "incomplete actions" section (not scoped: the caller has the meeting already): open
    actions past due from earlier meetings of the same area, oldest due first."""
    return (
        _open_past_due(today)
        .filter(agenda_item__meeting__area_id=meeting.area_id, agenda_item__meeting__starts_at__lt=meeting.starts_at)
        .order_by("due_on", "pk")
    )


def meetings_to_move_to(*, actor: Actor, meeting: MaracMeeting) -> QuerySet[MaracMeeting]:
    """Where a meeting's cases can go: the other coming, scheduled meetings of the same MARAC."""
    return (
        meeting_list_for(actor=actor, area=meeting.area, kind=meeting.kind, first=timezone.localdate())
        .filter(status=MaracMeeting.Status.SCHEDULED)
        .exclude(pk=meeting.pk)
    )
