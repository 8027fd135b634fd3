"""Writes for MARAC: generating meetings from schedules, moving and cancelling them, building and publishing
agendas, research, the meeting's record (attendance, outcomes, actions, minutes) and reminders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from agencies.actors import actor_user
from agencies.calendar import bank_holidays
from agencies.models import Agency, Area, Role, User
from agencies.selectors import agency_has_object_permission, objects_for_agency
from agencies.services import object_permission_grant, object_permission_revoke
from cases.models import Case, CaseAgencyPermission, RiskLevel
from cases.selectors import VIEW_CASE
from marac.models import (
    AgendaItem,
    Attendance,
    ClosureDate,
    MaracAccessGrant,
    MaracAction,
    MaracMeeting,
    MeetingKind,
    MeetingSchedule,
    MinutesAmendment,
    Research,
)
from marac.rules import (
    ListedCase,
    MeetingSlot,
    WaitingReferral,
    agenda_order,
    meeting_days,
    plan_agenda,
    twelve_month_notice,
)
from marac.selectors import agenda_waiting_referrals, last_heard_on, meetings_open_for_agenda, schedule_in_force
from referrals.models import Referral
from referrals.services import referral_create

if TYPE_CHECKING:
    from agencies.actors import Actor

# Meetings in these states can still be moved or cancelled: once held, the minutes are the record.
CHANGEABLE = (MaracMeeting.Status.SCHEDULED, MaracMeeting.Status.AGENDA_PUBLISHED)


def _require_coordinator(actor: Actor | Any, message: str) -> None:
    # API keys carry no role: agendas are a coordinator's work, never a partner system's.
    if actor_user(actor) is None or not actor.has_role(Role.MARAC_COORDINATOR):
        raise PermissionDenied(message)


def _locked_meeting(meeting: MaracMeeting) -> MaracMeeting:
    return MaracMeeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)


def _save_meeting(meeting: MaracMeeting, actor: Actor | Any, fields: Sequence[str]) -> None:
    meeting.updated_by = actor_user(actor)
    meeting.full_clean()
    meeting.save(update_fields=[*fields, "updated_by", "updated_at"])


def _check_changeable(meeting: MaracMeeting, doing: str) -> None:
    if meeting.status not in CHANGEABLE:
        state = MaracMeeting.Status(meeting.status).label.lower()
        raise ValidationError({NON_FIELD_ERRORS: [f"The meeting is {state}: it cannot be {doing}."]})


# --- Meetings from schedules ---------------------------------------------------------------------------


def meeting_start(*, day: date, schedule: MeetingSchedule) -> datetime:
    """The moment a schedule's meeting on `day` starts, in the project's time zone (not the user's)."""
    return timezone.make_aware(datetime.combine(day, schedule.starts_at), timezone.get_default_timezone())


@transaction.atomic
def meetings_generate(*, schedule: MeetingSchedule, today: date | None = None) -> list[MaracMeeting]:
    """Create the schedule's meetings from today (or its start) to `weeks_ahead` weeks ahead (not past its
    end), skipping the bank holidays of its subdivision and the area's closure dates. Idempotent: a day
    already generated is never made again, even if that meeting was since moved or cancelled."""
    today = today or timezone.localdate()
    # The lock makes two runs for one schedule queue, so neither trips on the other's new rows.
    schedule = MeetingSchedule.objects.select_for_update(of=("self",)).select_related("area").get(pk=schedule.pk)
    start = max(today, schedule.effective_from)
    end = today + timedelta(weeks=schedule.weeks_ahead)
    if schedule.effective_to is not None:
        end = min(end, schedule.effective_to)
    if end < start:
        return []
    holidays = bank_holidays(years=range(start.year, end.year + 1), subdivision=schedule.bank_holiday_subdivision)
    closures = set(ClosureDate.objects.filter(area=schedule.area, on__range=(start, end)).values_list("on", flat=True))
    done = set(
        MaracMeeting.objects.filter(schedule=schedule, scheduled_on__range=(start, end)).values_list(
            "scheduled_on", flat=True
        )
    )
    created = []
    for day in meeting_days(weekdays=schedule.weekdays, start=start, end=end, holidays=holidays, closures=closures):
        if day in done:
            continue
        meeting = MaracMeeting(
            area=schedule.area,
            kind=schedule.kind,
            schedule=schedule,
            scheduled_on=day,
            starts_at=meeting_start(day=day, schedule=schedule),
            capacity=schedule.capacity,
        )
        meeting.full_clean()
        meeting.save()
        created.append(meeting)
    return created


def meetings_generate_all(*, today: date | None = None) -> int:
    """The daily job: generate ahead for every schedule in force today or later; how many were made."""
    today = today or timezone.localdate()
    schedules = MeetingSchedule.objects.exclude(effective_to__lt=today).order_by("pk")
    return sum(len(meetings_generate(schedule=schedule, today=today)) for schedule in schedules)


# --- Moving and cancelling meetings ---------------------------------------------------------------------


@transaction.atomic
def meeting_move(*, actor: Actor | Any, meeting: MaracMeeting, starts_at: datetime, reason: str = "") -> MaracMeeting:
    """Move a meeting to another time. Its agenda items belong to the meeting, so they move with it."""
    _require_coordinator(actor, "Only a MARAC coordinator moves meetings.")
    meeting = _locked_meeting(meeting)
    _check_changeable(meeting, "moved")
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": ["Give the time with its time zone."]})
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": ["The new time must be in the future."]})
    if starts_at == meeting.starts_at:
        raise ValidationError({"starts_at": ["The meeting is already at this time."]})
    before = timezone.localtime(meeting.starts_at)
    meeting.starts_at = starts_at
    # The change history keeps why it moved.
    meeting._change_reason = reason.strip() or f"Moved from {before:%d %B %Y %H:%M}"  # type: ignore[attr-defined]
    _save_meeting(meeting, actor, ["starts_at"])
    return meeting


@transaction.atomic
def meeting_cancel(
    *,
    actor: Actor | Any,
    meeting: MaracMeeting,
    reason: str,
    move_agenda_to: MaracMeeting | None = None,
) -> MaracMeeting:
    """Cancel a meeting, saying why. Its agenda goes to `move_agenda_to` (after that meeting's own items);
    a meeting with an agenda and nowhere to move it is refused."""
    _require_coordinator(actor, "Only a MARAC coordinator cancels meetings.")
    meeting = _locked_meeting(meeting)
    _check_changeable(meeting, "cancelled")
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the meeting is cancelled."]})
    items = list(meeting.agenda_items.select_related("referral").order_by("position", "pk"))
    if move_agenda_to is None:
        if items:
            raise ValidationError({"move_agenda_to": ["Move its agenda to another meeting first."]})
    elif items:
        _agenda_move_all(actor=actor, items=items, source=meeting, target=move_agenda_to)
    meeting.status = MaracMeeting.Status.CANCELLED
    meeting.cancellation_reason = reason.strip()
    _save_meeting(meeting, actor, ["status", "cancellation_reason"])
    return meeting


def _agenda_move_all(
    *, actor: Actor | Any, items: Sequence[AgendaItem], source: MaracMeeting, target: MaracMeeting
) -> None:
    """Append a cancelled meeting's items to another meeting of the same area and kind."""
    target = _locked_meeting(target)
    if target.pk == source.pk:
        raise ValidationError({"move_agenda_to": ["Choose another meeting."]})
    if (target.area_id, target.kind) != (source.area_id, source.kind):
        raise ValidationError({"move_agenda_to": ["Choose a meeting of the same MARAC."]})
    if target.status != MaracMeeting.Status.SCHEDULED:
        state = MaracMeeting.Status(target.status).label.lower()
        raise ValidationError({"move_agenda_to": [f"That meeting is {state}: it cannot take more cases."]})
    listed = set(target.agenda_items.values_list("referral_id", flat=True))
    clashes = [item for item in items if item.referral_id in listed]
    if clashes:
        references = ", ".join(item.referral.case.reference for item in clashes)
        raise ValidationError({"move_agenda_to": [f"That meeting already lists {references}."]})
    count = len(listed)
    if count + len(items) > target.capacity and not target.capacity_override_reason:
        room = max(target.capacity - count, 0)
        message = f"That meeting has room for {room} more cases, not {len(items)}: override its capacity first."
        raise ValidationError({"move_agenda_to": [message]})
    last = target.agenda_items.aggregate(last=Max("position"))["last"] or 0
    heard = last_heard_on(case_ids={item.referral.case_id for item in items})
    target_day = timezone.localdate(target.starts_at)
    by = actor_user(actor)
    for offset, item in enumerate(items, start=1):
        item.meeting = target
        item.position = last + offset
        # Places set by hand were places on the cancelled agenda.
        item.position_pinned = False
        item.twelve_month_notice = twelve_month_notice(
            last_heard_on=heard.get(item.referral.case_id), meeting_on=target_day
        )
        item.updated_by = by
        item.save(
            update_fields=["meeting", "position", "position_pinned", "twelve_month_notice", "updated_by", "updated_at"]
        )


# --- Building agendas -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaBuild:
    """What building an agenda did: the items it listed, and the referrals still waiting for room."""

    placed: list[AgendaItem] = field(default_factory=list)
    still_waiting: list[int] = field(default_factory=list)


def _positions_apply(*, meetings: Iterable[MaracMeeting], actor: Actor | Any) -> dict[int, int]:
    """Number each meeting's items in agenda order (children first), writing only the ones that change;
    returns every item's position by id."""
    by = actor_user(actor)
    now = timezone.now()
    positions: dict[int, int] = {}
    for meeting in meetings:
        items = list(meeting.agenda_items.select_related("referral").order_by("position", "pk"))
        order = agenda_order(
            ListedCase(
                item_id=item.pk,
                has_children=item.has_children,
                received_on=item.referral.received_on,
                pinned_position=item.position if item.position_pinned else None,
            )
            for item in items
        )
        by_id = {item.pk: item for item in items}
        changed = []
        for position, item_id in enumerate(order, start=1):
            positions[item_id] = position
            item = by_id[item_id]
            if item.position != position:
                item.position = position
                item.updated_by = by
                # bulk_update skips auto_now: partner systems syncing by updated_at must see the change.
                item.updated_at = now
                changed.append(item)
        if changed:
            AgendaItem.objects.bulk_update(changed, ["position", "updated_by", "updated_at"])
    return positions


@transaction.atomic
def agenda_build(
    *,
    actor: Actor | Any,
    area: Area,
    meeting_kind: str = MeetingKind.MARAC,
    today: date | None = None,
    research_working_days: int | None = None,
) -> AgendaBuild:
    """List the area's waiting referrals on its coming meetings: each on the earliest scheduled meeting
    with room that leaves agencies the research lead time (working days), then each meeting's agenda in
    order, cases with children first. Idempotent: a second run finds nothing waiting and changes nothing."""
    _require_coordinator(actor, "Only a MARAC coordinator builds agendas.")
    if meeting_kind not in MeetingKind.values:
        raise ValidationError({"meeting_kind": [f"Not a kind of meeting: {meeting_kind!r}."]})
    today = today or timezone.localdate()
    if research_working_days is None:
        research_working_days = settings.DASV_MARAC_RESEARCH_WORKING_DAYS
    if research_working_days < 0:
        raise ValidationError({"research_working_days": ["The research lead time cannot be negative."]})
    # Locking the meetings makes two coordinators building at once queue rather than overfill one.
    meetings = list(meetings_open_for_agenda(area=area, kind=meeting_kind, after=today).select_for_update(of=("self",)))
    waiting = list(agenda_waiting_referrals(area=area, kind=meeting_kind))
    if not meetings or not waiting:
        return AgendaBuild(still_waiting=[referral.pk for referral in waiting])
    schedule = schedule_in_force(area=area, kind=meeting_kind, on=today)
    subdivision = schedule.bank_holiday_subdivision if schedule else None
    days = {meeting.pk: timezone.localdate(meeting.starts_at) for meeting in meetings}
    first_year = min(referral.received_on for referral in waiting).year
    holidays = bank_holidays(years=range(first_year, max(days.values()).year + 1), subdivision=subdivision)
    listed = _listed_counts(meetings)
    heard = last_heard_on(case_ids={referral.case_id for referral in waiting})
    placements = plan_agenda(
        (
            WaitingReferral(
                referral_id=referral.pk,
                received_on=referral.received_on,
                has_children=referral.has_children,  # type: ignore[attr-defined]  # annotated by the selector
                is_repeat=referral.is_repeat,
                last_heard_on=heard.get(referral.case_id),
            )
            for referral in waiting
        ),
        [
            MeetingSlot(
                meeting_id=meeting.pk, on=days[meeting.pk], capacity=meeting.capacity, listed=listed[meeting.pk]
            )
            for meeting in meetings
        ],
        research_working_days=research_working_days,
        holidays=holidays,
    )
    by = actor_user(actor)
    placed = []
    for placement in placements:
        item = AgendaItem(
            meeting_id=placement.meeting_id,
            referral_id=placement.referral_id,
            # Provisional: the agenda order below numbers every item of the meeting.
            position=listed[placement.meeting_id] + 1,
            has_children=placement.has_children,
            is_repeat=placement.is_repeat,
            twelve_month_notice=placement.twelve_month_notice,
            created_by=by,
            updated_by=by,
        )
        listed[placement.meeting_id] += 1
        item.full_clean()
        item.save()
        placed.append(item)
    affected = {placement.meeting_id for placement in placements}
    positions = _positions_apply(meetings=[meeting for meeting in meetings if meeting.pk in affected], actor=actor)
    for item in placed:
        item.position = positions[item.pk]
    placed_ids = {placement.referral_id for placement in placements}
    return AgendaBuild(
        placed=placed, still_waiting=[referral.pk for referral in waiting if referral.pk not in placed_ids]
    )


def _listed_counts(meetings: Sequence[MaracMeeting]) -> dict[int, int]:
    """How many items each meeting already lists (zero for an empty agenda)."""
    counts = dict.fromkeys((meeting.pk for meeting in meetings), 0)
    rows = AgendaItem.objects.filter(meeting__in=meetings).values("meeting_id").annotate(count=Count("pk"))
    counts.update({row["meeting_id"]: row["count"] for row in rows})
    return counts


# --- The coordinator's changes to an agenda ----------------------------------------------------------------


def _locked_item(item: AgendaItem) -> AgendaItem:
    return AgendaItem.objects.select_for_update(of=("self",)).select_related("meeting", "referral").get(pk=item.pk)


def _check_agenda_open(meeting: MaracMeeting, field: str) -> None:
    """Items are added, moved and removed only while the meeting is scheduled (its agenda unpublished)."""
    if meeting.status != MaracMeeting.Status.SCHEDULED:
        state = MaracMeeting.Status(meeting.status).label.lower()
        raise ValidationError({field: [f"The meeting is {state}: its agenda cannot change."]})


def _check_room(meeting: MaracMeeting, field: str) -> None:
    """One more item must fit the meeting's capacity, unless the coordinator overrode it with a reason."""
    if meeting.capacity_override_reason:
        return
    if meeting.agenda_items.count() >= meeting.capacity:
        raise ValidationError(
            {field: [f"The meeting is full ({meeting.capacity} cases): override its capacity, saying why."]}
        )


@transaction.atomic
def meeting_capacity_override(*, actor: Actor | Any, meeting: MaracMeeting, reason: str) -> MaracMeeting:
    """Let a meeting list more cases than its capacity, recording why."""
    _require_coordinator(actor, "Only a MARAC coordinator overrides a meeting's capacity.")
    meeting = _locked_meeting(meeting)
    _check_agenda_open(meeting, NON_FIELD_ERRORS)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the meeting may list more cases than its capacity."]})
    meeting.capacity_override_reason = reason.strip()
    _save_meeting(meeting, actor, ["capacity_override_reason"])
    return meeting


@transaction.atomic
def agenda_item_add(*, actor: Actor | Any, meeting: MaracMeeting, referral: Referral) -> AgendaItem:
    """List a waiting referral on a meeting of its area by hand; the agenda order places it."""
    _require_coordinator(actor, "Only a MARAC coordinator changes agendas.")
    meeting = _locked_meeting(meeting)
    _check_agenda_open(meeting, "meeting")
    waiting = agenda_waiting_referrals(area=meeting.area, kind=meeting.kind).filter(pk=referral.pk).first()
    if waiting is None:
        raise ValidationError({"referral": ["This referral is not waiting for this MARAC."]})
    _check_room(meeting, "meeting")
    heard = last_heard_on(case_ids=[waiting.case_id]).get(waiting.case_id)
    by = actor_user(actor)
    item = AgendaItem(
        meeting=meeting,
        referral=waiting,
        position=meeting.agenda_items.count() + 1,
        has_children=waiting.has_children,  # type: ignore[attr-defined]  # annotated by the selector
        is_repeat=waiting.is_repeat,
        twelve_month_notice=twelve_month_notice(last_heard_on=heard, meeting_on=timezone.localdate(meeting.starts_at)),
        created_by=by,
        updated_by=by,
    )
    item.full_clean()
    item.save()
    item.position = _positions_apply(meetings=[meeting], actor=actor)[item.pk]
    return item


@transaction.atomic
def agenda_item_move(*, actor: Actor | Any, item: AgendaItem, meeting: MaracMeeting) -> AgendaItem:
    """Move an item to another scheduled meeting of the same MARAC, where the agenda order places it."""
    _require_coordinator(actor, "Only a MARAC coordinator changes agendas.")
    item = _locked_item(item)
    source = _locked_meeting(item.meeting)
    target = _locked_meeting(meeting)
    _check_agenda_open(source, NON_FIELD_ERRORS)
    if target.pk == source.pk:
        raise ValidationError({"meeting": ["The item is already on this meeting."]})
    if (target.area_id, target.kind) != (source.area_id, source.kind):
        raise ValidationError({"meeting": ["Choose a meeting of the same MARAC."]})
    _check_agenda_open(target, "meeting")
    if target.agenda_items.filter(referral_id=item.referral_id).exists():
        raise ValidationError({"meeting": ["That meeting already lists this referral."]})
    _check_room(target, "meeting")
    item.meeting = target
    item.position = target.agenda_items.count() + 1
    item.position_pinned = False
    item.twelve_month_notice = twelve_month_notice(
        last_heard_on=last_heard_on(case_ids=[item.referral.case_id]).get(item.referral.case_id),
        meeting_on=timezone.localdate(target.starts_at),
    )
    item.updated_by = actor_user(actor)
    item.full_clean()
    item.save()
    item.position = _positions_apply(meetings=[source, target], actor=actor)[item.pk]
    return item


@transaction.atomic
def agenda_item_remove(*, actor: Actor | Any, item: AgendaItem, reason: str) -> None:
    """Take an item off a scheduled meeting's agenda, saying why (kept in its change history). The
    referral waits again: the next build lists it, unless its status has moved on."""
    _require_coordinator(actor, "Only a MARAC coordinator changes agendas.")
    item = _locked_item(item)
    meeting = _locked_meeting(item.meeting)
    _check_agenda_open(meeting, NON_FIELD_ERRORS)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the case comes off the agenda."]})
    item._change_reason = reason.strip()  # type: ignore[attr-defined]
    item.delete()
    _positions_apply(meetings=[meeting], actor=actor)


@transaction.atomic
def agenda_item_reorder(*, actor: Actor | Any, item: AgendaItem, position: int) -> AgendaItem:
    """Put an item at a position (1 is first) and keep it there when the agenda is built again; the
    other items keep the agenda order around it."""
    _require_coordinator(actor, "Only a MARAC coordinator changes agendas.")
    item = _locked_item(item)
    meeting = _locked_meeting(item.meeting)
    _check_agenda_open(meeting, NON_FIELD_ERRORS)
    count = meeting.agenda_items.count()
    if not 1 <= position <= count:
        raise ValidationError({"position": [f"Choose a position from 1 to {count}."]})
    # One pinned item per position: an earlier pin there gives way.
    meeting.agenda_items.filter(position_pinned=True, position=position).exclude(pk=item.pk).update(
        position_pinned=False
    )
    item.position = position
    item.position_pinned = True
    item.updated_by = actor_user(actor)
    item.save(update_fields=["position", "position_pinned", "updated_by", "updated_at"])
    item.position = _positions_apply(meetings=[meeting], actor=actor)[item.pk]
    return item


# --- Publishing the agenda, and the access it gives ---------------------------------------------------------


# Every reason recorded for access a published agenda gives starts so: the nightly expiry takes back
# only permissions whose recorded reason is still MARAC's.
ACCESS_REASON_PREFIX = "On the agenda of the "


def _access_reason(meeting: MaracMeeting) -> str:
    day = timezone.localtime(meeting.starts_at)
    return f"{ACCESS_REASON_PREFIX}{meeting.get_kind_display()} of {meeting.area} on {day:%d %B %Y} ({meeting.pk})"


def _held_for_marac(grant: MaracAccessGrant) -> bool:
    """The agency's view of the case is still the one a MARAC agenda gave (not since given for another
    reason, such as a referral to the agency, which rewrites the permission's reason)."""
    reason = (
        CaseAgencyPermission.objects.filter(
            group_id=grant.agency.group_id, permission__codename="view_case", content_object=grant.case
        )
        .values_list("reason", flat=True)
        .first()
    )
    return reason is not None and reason.startswith(ACCESS_REASON_PREFIX)


def _marac_member_agencies(area: Area) -> QuerySet[Agency]:
    return Agency.objects.filter(is_marac_member=True, active=True, areas=area).select_related("group").order_by("pk")


@transaction.atomic
def agenda_publish(*, actor: Actor | Any, meeting: MaracMeeting) -> MaracMeeting:
    """Publish a meeting's agenda: every active MARAC member agency serving its area may then view each
    listed case (for research and actions), never its safe contact details. Each grant is recorded, with
    whether the agency could already see the case, so the nightly expiry takes away only what MARAC gave."""
    _require_coordinator(actor, "Only a MARAC coordinator publishes agendas.")
    meeting = _locked_meeting(meeting)
    if meeting.status != MaracMeeting.Status.SCHEDULED:
        state = MaracMeeting.Status(meeting.status).label.lower()
        raise ValidationError({NON_FIELD_ERRORS: [f"The meeting is {state}: its agenda cannot be published."]})
    listed_cases = Case.objects.filter(pk__in=meeting.agenda_items.values("referral__case_id")).order_by("pk")
    cases = list(listed_cases)
    if not cases:
        raise ValidationError({NON_FIELD_ERRORS: ["The agenda is empty: list cases before publishing it."]})
    count = meeting.agenda_items.count()
    if count > meeting.capacity and not meeting.capacity_override_reason:
        message = f"The agenda lists {count} cases for {meeting.capacity} places: override its capacity."
        raise ValidationError({NON_FIELD_ERRORS: [message]})
    reason = _access_reason(meeting)
    for agency in _marac_member_agencies(meeting.area):
        visible = set(
            objects_for_agency(agency=agency, perm=VIEW_CASE, queryset=listed_cases).values_list("pk", flat=True)
        )
        # Access an earlier MARAC gave (and has not yet taken back) is MARAC's to take back again.
        from_marac = set(
            MaracAccessGrant.objects.filter(
                agency=agency, case__in=cases, revoked_at__isnull=True, had_access_before=False
            ).values_list("case_id", flat=True)
        )
        for case in cases:
            had_access_before = case.pk in visible and case.pk not in from_marac
            if not had_access_before:
                object_permission_grant(agency=agency, perm=VIEW_CASE, obj=case, reason=reason, by=actor)
            MaracAccessGrant.objects.get_or_create(
                meeting=meeting, agency=agency, case=case, defaults={"had_access_before": had_access_before}
            )
    meeting.status = MaracMeeting.Status.AGENDA_PUBLISHED
    _save_meeting(meeting, actor, ["status"])
    return meeting


def marac_access_expire(*, today: date | None = None) -> dict[str, int]:
    """The nightly job: take back the case access MARAC gave once `DASV_MARAC_ACCESS_DAYS_AFTER` days have
    passed since the meeting, unless the agency has an open action on the case or a later meeting's access
    still runs. Access the agency had, or has since been given, for another reason is never taken.
    Idempotent; returns how many permissions were revoked and how many grants open actions keep."""
    today = today or timezone.localdate()
    days = settings.DASV_MARAC_ACCESS_DAYS_AFTER
    # A meeting's access ends `days` after its day; starts_at before the end of that cut-off day in the
    # project's time zone means the meeting was at least `days` days ago.
    cutoff = timezone.make_aware(
        datetime.combine(today - timedelta(days=days - 1), datetime.min.time()), timezone.get_default_timezone()
    )
    due = (
        MaracAccessGrant.objects.filter(revoked_at__isnull=True, meeting__starts_at__lt=cutoff)
        .select_related("agency__group", "case", "meeting")
        .order_by("pk")
    )
    revoked = kept = 0
    for grant in due:
        with transaction.atomic():
            if grant.had_access_before:
                # The grant ends; the access it found stays, as it was not MARAC's to give.
                grant.revoked_at = timezone.now()
                grant.save(update_fields=["revoked_at"])
                continue
            open_action = MaracAction.objects.filter(
                assigned_agency=grant.agency, agenda_item__referral__case=grant.case, status=MaracAction.Status.OPEN
            ).exists()
            if open_action:
                kept += 1
                continue
            still_running = (
                MaracAccessGrant.objects.filter(
                    agency=grant.agency, case=grant.case, revoked_at__isnull=True, had_access_before=False
                )
                .exclude(pk=grant.pk)
                .filter(meeting__starts_at__gte=cutoff)
                .exists()
            )
            if not still_running and _held_for_marac(grant):
                revoked += object_permission_revoke(
                    agency=grant.agency,
                    perm=VIEW_CASE,
                    obj=grant.case,
                    reason=f"{days} days after the MARAC meeting {grant.meeting.pk}, with no open action",
                )
            grant.revoked_at = timezone.now()
            grant.save(update_fields=["revoked_at"])
    return {"revoked": revoked, "kept": kept}


# --- Research ----------------------------------------------------------------------------------------------

# Users with these roles research for their agency; an agency's system may too, with a write key.
RESEARCH_ROLES = (Role.AGENCY_REP, Role.IDVA, Role.IDVA_MANAGER, Role.MARAC_COORDINATOR)


def _may_research(*, actor: Actor | Any, item: AgendaItem) -> bool:
    """The actor researches for an active agency that sees the case and sits at this MARAC: a member
    serving the meeting's area, or the IDVA service (which brings the victim's voice)."""
    api_key = getattr(actor, "api_key", None)
    if api_key is not None:
        if not api_key.can_write:
            return False
    elif actor_user(actor) is None or not actor.has_role(*RESEARCH_ROLES):
        return False
    agency = actor.agency
    if not agency.active:
        return False
    sits_at_marac = agency.kind == Agency.Kind.IDVA_SERVICE or (
        agency.is_marac_member and agency.areas.filter(pk=item.meeting.area_id).exists()
    )
    return sits_at_marac and agency_has_object_permission(agency=agency, perm=VIEW_CASE, obj=item.referral.case)


@transaction.atomic
def research_save(
    *,
    actor: Actor | Any,
    agenda_item: AgendaItem,
    holds_information: bool,
    facts: str = "",
    opinion: str = "",
    withheld: str = "",
    submit: bool = True,
) -> Research:
    """Record (or change) what the actor's agency holds on an agenda item's case: facts apart from opinion,
    and what is withheld and why. One record per item and agency; `submit=False` keeps it a draft (and
    withdraws an earlier submission). Only while the agenda is published and the meeting not yet held.
    Research reads the agency's own records: it never reads or changes the victim's safe contact."""
    item = _locked_item(agenda_item)
    if not _may_research(actor=actor, item=item):
        raise PermissionDenied("This agency may not research this case for this MARAC.")
    if item.meeting.status != MaracMeeting.Status.AGENDA_PUBLISHED:
        state = MaracMeeting.Status(item.meeting.status).label.lower()
        raise ValidationError(
            {NON_FIELD_ERRORS: [f"The meeting is {state}: research is taken between publishing and the meeting."]}
        )
    if holds_information and not facts.strip():
        raise ValidationError({"facts": ["Record the relevant facts the agency holds."]})
    by = actor_user(actor)
    research = (
        Research.objects.select_for_update(of=("self",)).filter(agenda_item=item, agency=actor.agency).first()
    ) or Research(agenda_item=item, agency=actor.agency, created_by=by)
    research.holds_information = holds_information
    research.facts = facts.strip()
    research.opinion = opinion.strip()
    research.withheld = withheld.strip()
    research.submitted_at = timezone.now() if submit else None
    research.submitted_by = by if submit else None
    research.updated_by = by
    research.full_clean()
    research.save()
    return research


# --- The meeting: attendance, confidentiality, outcomes and actions -----------------------------------------

APPROVED_MESSAGE = "The minutes are approved: record an amendment."


def _check_recordable(meeting: MaracMeeting) -> None:
    """The meeting's record is written once its agenda is published, until the minutes are approved."""
    if meeting.status == MaracMeeting.Status.MINUTES_APPROVED:
        raise ValidationError({NON_FIELD_ERRORS: [APPROVED_MESSAGE]})
    if meeting.status not in (MaracMeeting.Status.AGENDA_PUBLISHED, MaracMeeting.Status.HELD):
        state = MaracMeeting.Status(meeting.status).label.lower()
        raise ValidationError({NON_FIELD_ERRORS: [f"The meeting is {state}: its agenda is not published."]})


@transaction.atomic
def attendance_record(
    *, actor: Actor | Any, meeting: MaracMeeting, agency: Agency, status: str, representative: str = ""
) -> Attendance:
    """Record whether an agency attended (and who represented it), sent apologies or was absent; recording
    it again replaces what was recorded."""
    _require_coordinator(actor, "Only a MARAC coordinator records attendance.")
    meeting = _locked_meeting(meeting)
    _check_recordable(meeting)
    errors: dict[str, list[str]] = {}
    if status not in Attendance.Status.values:
        errors["status"] = ["Choose present, apologies or absent."]
    if not agency.active:
        errors["agency"] = [f"{agency.name} is no longer active."]
    if errors:
        raise ValidationError(errors)
    by = actor_user(actor)
    attendance = Attendance.objects.select_for_update(of=("self",)).filter(meeting=meeting, agency=agency).first()
    attendance = attendance or Attendance(meeting=meeting, agency=agency, created_by=by)
    attendance.status = status
    attendance.representative = representative.strip()
    attendance.updated_by = by
    attendance.full_clean()
    attendance.save()
    return attendance


@transaction.atomic
def meeting_confidentiality_confirm(*, actor: Actor | Any, meeting: MaracMeeting) -> MaracMeeting:
    """Record that the confidentiality statement was read and agreed at the meeting."""
    _require_coordinator(actor, "Only a MARAC coordinator confirms the confidentiality statement.")
    meeting = _locked_meeting(meeting)
    _check_recordable(meeting)
    if not meeting.confidentiality_confirmed:
        meeting.confidentiality_confirmed = True
        _save_meeting(meeting, actor, ["confidentiality_confirmed"])
    return meeting


RECORDED_OUTCOMES = (AgendaItem.Outcome.HEARD, AgendaItem.Outcome.DEFERRED, AgendaItem.Outcome.ESCALATED)


@transaction.atomic
def agenda_item_outcome_record(
    *,
    actor: Actor | Any,
    item: AgendaItem,
    outcome: str,
    discussion_summary: str = "",
    risk_after_discussion: str = "",
    deferred_reason: str = "",
) -> AgendaItem:
    """Record what the meeting did with a case: heard, deferred (saying why) or escalated to MARAC Plus.
    Escalating refers the case to MARAC Plus once (the original referral's reasons and consent carried
    over); an escalated item keeps that outcome."""
    _require_coordinator(actor, "Only a MARAC coordinator records outcomes.")
    item = _locked_item(item)
    _check_recordable(_locked_meeting(item.meeting))
    errors: dict[str, list[str]] = {}
    if outcome not in RECORDED_OUTCOMES:
        errors["outcome"] = ["Choose heard, deferred or escalated to MARAC Plus."]
    elif item.escalation_referral_id is not None and outcome != AgendaItem.Outcome.ESCALATED:
        errors["outcome"] = ["The case has been referred to MARAC Plus: the item stays escalated."]
    elif outcome == AgendaItem.Outcome.ESCALATED and item.meeting.kind == MeetingKind.MARAC_PLUS:
        errors["outcome"] = ["This is a MARAC Plus meeting: the case is heard here."]
    if outcome == AgendaItem.Outcome.DEFERRED and not deferred_reason.strip():
        errors["deferred_reason"] = ["Say why the case is deferred."]
    if risk_after_discussion and risk_after_discussion not in RiskLevel.values:
        errors["risk_after_discussion"] = ["Choose standard, medium or high, or leave it blank."]
    if errors:
        raise ValidationError(errors)
    item.outcome = outcome
    item.discussion_summary = discussion_summary.strip()
    item.risk_after_discussion = risk_after_discussion
    item.deferred_reason = deferred_reason.strip() if outcome == AgendaItem.Outcome.DEFERRED else ""
    if outcome == AgendaItem.Outcome.ESCALATED and item.escalation_referral_id is None:
        item.escalation_referral = _marac_plus_referral(actor=actor, item=item)
    item.updated_by = actor_user(actor)
    item.full_clean()
    item.save()
    return item


def _marac_plus_referral(*, actor: Actor | Any, item: AgendaItem) -> Referral:
    """Refer the item's case to MARAC Plus, as the coordinator, received today."""
    original = item.referral
    receiving = original.receiving_agency
    day = timezone.localdate(item.meeting.starts_at)
    return referral_create(
        actor=actor,
        case=original.case,
        service=Referral.Service.MARAC_PLUS,
        received_on=timezone.localdate(),
        risk_assessment=original.risk_assessment,
        reasons=list(original.reasons),
        details=f"Escalated by the {item.meeting.get_kind_display()} of {day:%d %B %Y} (agenda item {item.pk}).",
        consent=original.consent,
        consent_reason=original.consent_reason,
        receiving_agency=receiving if receiving.kind == Agency.Kind.IDVA_SERVICE and receiving.active else None,
    )


@transaction.atomic
def marac_action_create(
    *, actor: Actor | Any, item: AgendaItem, assigned_agency: Agency, description: str, due_on: date
) -> MaracAction:
    """Agree an action for an item's case, owned by the agency it is assigned to. An agency that cannot
    yet see the case is given view access for this meeting, which the nightly expiry keeps while the
    action is open and takes back after."""
    _require_coordinator(actor, "Only a MARAC coordinator records actions.")
    item = _locked_item(item)
    meeting = _locked_meeting(item.meeting)
    _check_recordable(meeting)
    errors: dict[str, list[str]] = {}
    if not description.strip():
        errors["description"] = ["Say what the agency is to do."]
    if due_on < timezone.localdate(meeting.starts_at):
        errors["due_on"] = ["The action cannot be due before the meeting."]
    if not assigned_agency.active:
        errors["assigned_agency"] = [f"{assigned_agency.name} is no longer active."]
    if errors:
        raise ValidationError(errors)
    by = actor_user(actor)
    action = MaracAction(
        agenda_item=item,
        assigned_agency=assigned_agency,
        description=description.strip(),
        due_on=due_on,
        created_by=by,
        updated_by=by,
    )
    action.full_clean()
    action.save()
    case = item.referral.case
    if not agency_has_object_permission(agency=assigned_agency, perm=VIEW_CASE, obj=case):
        object_permission_grant(
            agency=assigned_agency, perm=VIEW_CASE, obj=case, reason=_access_reason(meeting), by=actor
        )
        MaracAccessGrant.objects.update_or_create(
            meeting=meeting,
            agency=assigned_agency,
            case=case,
            defaults={"had_access_before": False, "revoked_at": None},
        )
    return action


@transaction.atomic
def meeting_held(*, actor: Actor | Any, meeting: MaracMeeting) -> MaracMeeting:
    """Record that the meeting took place: it has started, and the confidentiality statement was agreed."""
    _require_coordinator(actor, "Only a MARAC coordinator records a meeting as held.")
    meeting = _locked_meeting(meeting)
    if meeting.status != MaracMeeting.Status.AGENDA_PUBLISHED:
        state = MaracMeeting.Status(meeting.status).label.lower()
        raise ValidationError({NON_FIELD_ERRORS: [f"The meeting is {state}: only a published meeting is held."]})
    if meeting.starts_at > timezone.now():
        raise ValidationError({NON_FIELD_ERRORS: ["The meeting has not started yet."]})
    if not meeting.confidentiality_confirmed:
        raise ValidationError({NON_FIELD_ERRORS: ["Confirm the confidentiality statement first."]})
    meeting.status = MaracMeeting.Status.HELD
    _save_meeting(meeting, actor, ["status"])
    return meeting


# --- Minutes -------------------------------------------------------------------------------------------------


@transaction.atomic
def minutes_approve(*, actor: Actor | Any, meeting: MaracMeeting) -> MaracMeeting:
    """Approve a held meeting's minutes, as its chair (the approving coordinator chairs a meeting with none
    recorded). Every item needs its outcome; from now on changes are amendments."""
    _require_coordinator(actor, "Only a MARAC coordinator, as chair, approves minutes.")
    meeting = _locked_meeting(meeting)
    if meeting.status != MaracMeeting.Status.HELD:
        state = MaracMeeting.Status(meeting.status).label.lower()
        raise ValidationError({NON_FIELD_ERRORS: [f"The meeting is {state}: minutes are approved once it is held."]})
    pending = meeting.agenda_items.filter(outcome=AgendaItem.Outcome.PENDING).select_related("referral__case")
    missing = [f"{item.position}. {item.referral.case.reference}" for item in pending.order_by("position", "pk")]
    if missing:
        raise ValidationError({NON_FIELD_ERRORS: [f"Record the outcome of {', '.join(missing)}."]})
    meeting.status = MaracMeeting.Status.MINUTES_APPROVED
    meeting.minutes_approved_at = timezone.now()
    fields = ["status", "minutes_approved_at"]
    if meeting.chair_id is None:
        meeting.chair = actor_user(actor)
        fields.append("chair")
    _save_meeting(meeting, actor, fields)
    return meeting


@transaction.atomic
def minutes_amend(
    *, actor: Actor | Any, meeting: MaracMeeting, text: str, item: AgendaItem | None = None
) -> MinutesAmendment:
    """Amend approved minutes: the amendment is kept beside the approved record, which stays unchanged."""
    _require_coordinator(actor, "Only a MARAC coordinator amends minutes.")
    meeting = _locked_meeting(meeting)
    if meeting.status != MaracMeeting.Status.MINUTES_APPROVED:
        raise ValidationError({NON_FIELD_ERRORS: ["Only approved minutes are amended: change the record itself."]})
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = ["Say what the amendment is."]
    if item is not None and item.meeting_id != meeting.pk:
        errors["item"] = ["This item is on another meeting's agenda."]
    if errors:
        raise ValidationError(errors)
    by = actor_user(actor)
    amendment = MinutesAmendment(meeting=meeting, agenda_item=item, text=text.strip(), created_by=by, updated_by=by)
    amendment.full_clean()
    amendment.save()
    return amendment


# --- Reminders and digests ------------------------------------------------------------------------------------


def _role_users(*, agencies: Iterable[Agency], role: str) -> QuerySet[User]:
    return User.objects.filter(agency__in=agencies, is_active=True, groups__name=role).distinct().order_by("pk")


@transaction.atomic
def research_reminders_send(*, meeting: MaracMeeting, today: date | None = None) -> int:
    """Remind each member agency of the meeting's area that still owes research on its published agenda:
    one email to the agency's active representatives, naming the meeting's day and the cases by reference
    only (email is no place for names). At most one round a day; returns how many emails were sent."""
    today = today or timezone.localdate()
    meeting = _locked_meeting(meeting)
    if meeting.status != MaracMeeting.Status.AGENDA_PUBLISHED or meeting.research_reminded_on == today:
        return 0
    items = list(meeting.agenda_items.select_related("referral__case").order_by("position", "pk"))
    submitted: dict[int, set[int]] = {}
    for agency_id, item_id in Research.objects.filter(
        agenda_item__meeting=meeting, submitted_at__isnull=False
    ).values_list("agency_id", "agenda_item_id"):
        submitted.setdefault(agency_id, set()).add(item_id)
    agencies = list(_marac_member_agencies(meeting.area))
    recipients: dict[int, list[str]] = {}
    for user in _role_users(agencies=agencies, role=Role.AGENCY_REP):
        recipients.setdefault(user.agency_id, []).append(user.email)
    day = timezone.localtime(meeting.starts_at)
    sent = 0
    for agency in agencies:
        missing = [item for item in items if item.pk not in submitted.get(agency.pk, set())]
        if not missing or not recipients.get(agency.pk):
            continue
        references = "\n".join(f"- {item.referral.case.reference}" for item in missing)
        body = (
            f"{agency.name} has not yet submitted research on {len(missing)} of the {len(items)} cases on the "
            f"agenda of the {meeting.get_kind_display()} of {day:%A %d %B %Y} at {day:%H:%M}:\n\n{references}\n\n"
            "Please record what your agency holds, or that it holds nothing, before the meeting."
        )
        send_mail(
            subject=f"{meeting.get_kind_display()} research due for {day:%d %B %Y}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients[agency.pk],
        )
        sent += 1
    meeting.research_reminded_on = today
    meeting.save(update_fields=["research_reminded_on"])
    return sent


def research_reminders_send_all(*, today: date | None = None) -> int:
    """The daily job: remind agencies of research missing for every published meeting; emails sent."""
    today = today or timezone.localdate()
    meetings = MaracMeeting.objects.filter(status=MaracMeeting.Status.AGENDA_PUBLISHED).order_by("starts_at", "pk")
    return sum(research_reminders_send(meeting=meeting, today=today) for meeting in meetings)


@transaction.atomic
def marac_actions_overdue_notify(*, today: date | None = None) -> int:
    """The nightly job: email each active MARAC coordinator a digest of the MARAC actions of their areas
    that have become overdue since the last run (case reference, agency and due date; no free text, which
    could carry names). Each action is in one night's digests only; one no coordinator covers waits for
    one. Returns how many actions were newly notified."""
    today = today or timezone.localdate()
    actions = list(
        MaracAction.objects.select_for_update(of=("self",))
        .filter(status=MaracAction.Status.OPEN, due_on__lt=today, overdue_notified_on__isnull=True)
        .select_related("assigned_agency", "agenda_item__referral__case", "agenda_item__meeting")
        .order_by("due_on", "pk")
    )
    if not actions:
        return 0
    coordinators = _role_users(
        agencies=Agency.objects.filter(active=True), role=Role.MARAC_COORDINATOR
    ).prefetch_related("agency__areas")
    notified: set[int] = set()
    for coordinator in coordinators:
        areas = {area.pk for area in coordinator.agency.areas.all()}
        theirs = [action for action in actions if action.agenda_item.meeting.area_id in areas]
        if not theirs:
            continue
        lines = "\n".join(
            f"- {action.agenda_item.referral.case.reference}: {action.assigned_agency.name}, "
            f"due {action.due_on:%d %B %Y} (action {action.pk})"
            for action in theirs
        )
        send_mail(
            subject=f"MARAC actions overdue: {len(theirs)}",
            message=f"These MARAC actions are now overdue:\n\n{lines}\n\nSee the chase list for the details.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[coordinator.email],
        )
        notified.update(action.pk for action in theirs)
    MaracAction.objects.filter(pk__in=notified).update(overdue_notified_on=today)
    return len(notified)
