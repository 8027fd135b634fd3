"""Reads for MARAC: the referrals waiting for an agenda, the meetings that can take them, past hearings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from agencies.models import Area
from cases.models import Child
from marac.models import AgendaItem, MaracMeeting, MeetingKind, MeetingSchedule
from referrals.models import Referral

# The referral service each kind of meeting hears.
MEETING_SERVICES: dict[str, str] = {
    MeetingKind.MARAC: Referral.Service.MARAC,
    MeetingKind.MARAC_PLUS: Referral.Service.MARAC_PLUS,
}
# An agenda item with one of these outcomes means the referral is listed or was heard: it waits no more.
LISTED_OR_HEARD = (AgendaItem.Outcome.PENDING, AgendaItem.Outcome.HEARD)


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
    pending or was heard (a deferred one waits again). Annotated with `has_children`."""
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
