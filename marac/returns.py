"""The SafeLives quarterly MARAC data return of an area: heard agenda items read from the database, counted
by marac.rules.safelives_return, and written as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import fields
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from agencies.models import Area
from cases.models import CaseParty
from marac.models import AgendaItem, MaracMeeting, MeetingKind
from marac.rules import HeardCase, SafeLivesReturn, safelives_return

# Escalated items were discussed at the meeting before going on to MARAC Plus, so they count as heard;
# pending and deferred items were not discussed.
DISCUSSED_OUTCOMES = (AgendaItem.Outcome.HEARD, AgendaItem.Outcome.ESCALATED)


def area_with_descendants(*, area: Area) -> set[int]:
    """The ids of the area and every area below it (districts of a county), in one query."""
    children: dict[int, list[int]] = {}
    for pk, parent_id in Area.objects.values_list("pk", "parent_id"):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(pk)
    found = {area.pk}
    waiting = [area.pk]
    while waiting:
        for child in children.get(waiting.pop(), []):
            if child not in found:
                found.add(child)
                waiting.append(child)
    return found


def heard_cases_for(*, area: Area, first: date, last: date) -> list[HeardCase]:
    """The agenda items discussed at MARAC meetings (not MARAC Plus) of the area and its child areas held
    from `first` to `last` (both included, local days), as HeardCase facts: four queries in all."""
    zone = timezone.get_current_timezone()
    starts = datetime.combine(first, time.min, tzinfo=zone)
    ends = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    items = (
        AgendaItem.objects.filter(
            meeting__area__in=area_with_descendants(area=area),
            meeting__kind=MeetingKind.MARAC,
            meeting__starts_at__gte=starts,
            meeting__starts_at__lt=ends,
            outcome__in=DISCUSSED_OUTCOMES,
        )
        .exclude(meeting__status=MaracMeeting.Status.CANCELLED)
        .select_related("meeting", "referral__referring_agency", "referral__case__victim")
        .prefetch_related(
            "referral__case__children",
            Prefetch("referral__case__parties", queryset=CaseParty.objects.select_related("person")),
        )
        .order_by("meeting__starts_at", "position", "pk")
    )
    heard = []
    for item in items:
        case = item.referral.case
        victim = case.victim
        heard.append(
            HeardCase(
                heard_on=timezone.localtime(item.meeting.starts_at).date(),
                # The agenda copies the referral's flag; either being set makes the case a repeat.
                is_repeat=item.is_repeat or item.referral.is_repeat,
                children_count=len(case.children.all()),
                referring_agency_kind=item.referral.referring_agency.kind,
                victim_ethnicity=victim.ethnicity,
                victim_sexuality=victim.sexuality,
                victim_disability=victim.disability,
                victim_gender=victim.gender,
                victim_trans=victim.trans,
                victim_born=victim.date_of_birth,
                perpetrators_born=tuple(party.person.date_of_birth for party in case.parties.all()),
            )
        )
    return heard


def safelives_return_for(*, area: Area, first: date, last: date) -> SafeLivesReturn:
    """The SafeLives quarterly MARAC data return of the area (with its child areas) for the meetings held
    from `first` to `last`: see marac.rules.safelives_return for how each figure is counted."""
    return safelives_return(heard_cases_for(area=area, first=first, last=last))


def safelives_return_csv(result: SafeLivesReturn) -> str:
    """The return as CSV, one figure a row ("figure,value"); referrals by agency kind are rows named
    "referrals_from_<kind>", and a percentage of no cases is empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["figure", "value"])
    for field in fields(result):
        value = getattr(result, field.name)
        if field.name == "referrals_by_agency_kind":
            writer.writerows((f"referrals_from_{kind}", count) for kind, count in value)
        else:
            writer.writerow([field.name, "" if value is None else value])
    return buffer.getvalue()
