"""The demo MARAC: Demo County's schedules and closure dates, and its meetings three times a week since 2018.

Unless minimal: a MARAC schedule (Monday, Wednesday and Friday at 10:00, 12 cases, England's bank
holidays, in force from 2018-01-01), a MARAC Plus schedule (Thursdays at 14:00, 4 cases), a few closure
dates a year, and the meetings of both from the schedules' start (2018-01-01) to `weeks_ahead` weeks
ahead, on `marac.rules.meeting_days` (no bank holiday, no closure). The demo's MARAC referrals of Demo
County and its districts (all of them, since January 2018) are placed by `marac.rules.plan_agenda`
(research lead of `DASV_MARAC_RESEARCH_WORKING_DAYS` working days) and numbered by
`marac.rules.agenda_order` (children first). Meetings before today were held and their minutes approved
(or cancelled when no case was waiting). In the last twelve months a held meeting has: attendance of
every member agency, the confidentiality statement, research from most member agencies on each item, an
outcome for each item (a few deferred and listed again, a few escalated to MARAC Plus through a new
MARAC Plus referral, heard there), and one to three actions per case heard, most done, some not done,
some still open (a few overdue, for the chase list). The next few days' meetings have their agendas published, with the
access grants and case permissions `agenda_publish` writes and some research already in; later ones
are scheduled, their agendas built but not published.

The history before the twelve months is kept light: its meetings have attendance, the confidentiality
statement and an outcome for each item (deferrals listed again, escalations heard at MARAC Plus, as in
the year), but no research, no actions and no access grants or case permissions. So every MARAC
referral received since 2018 is heard (none of the old ones still waits for an agenda), and the
annual report has MARAC cases heard by quarter for every year since 2018-19.

Synthetic text only: no names, no details of a person.

Like `referrals.demo_volume`, this is demo history, written in bulk (bulk_create, fixed random seed),
with no access-log and no change-history rows. Idempotent: a schedule's days that already have a
meeting (by `scheduled_on`) are never made again, so a second run on the same day creates nothing; a
later run makes only the new days ahead (and agendas for them from the referrals still waiting).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from agencies.calendar import bank_holidays
from agencies.demo import DEMO_AREA_SLUG, DEMO_EMAIL_DOMAIN, demo_email
from agencies.models import Agency, Area, Role, User
from cases.models import Case, CaseAgencyPermission, Child, RiskLevel
from marac.models import (
    AgendaItem,
    Attendance,
    ClosureDate,
    MaracAccessGrant,
    MaracAction,
    MaracMeeting,
    MeetingKind,
    MeetingSchedule,
    Research,
)
from marac.rules import ListedCase, MeetingSlot, WaitingReferral, agenda_order, meeting_days, plan_agenda
from marac.selectors import LISTED_OR_HEARD, last_heard_on
from marac.services import _access_reason, meeting_start
from referrals.models import Referral, ReferralEvent

MARAC_DEMO_SEED = 5150
SCHEDULE_FROM = date(2018, 1, 1)
HISTORY_DAYS = 365
WEEKS_AHEAD = 8
# Meetings from today to this many days ahead have their agendas published.
PUBLISHED_DAYS_AHEAD = 4
NEXT_PUBLISHED = 2
# Referrals received this many days before the schedules began are on their first meetings.
LEAD_IN_DAYS = 7
DISTRICTS = ("demo-north", "demo-south")

# kind, ISO weekdays, start, capacity
SCHEDULES = [
    (MeetingKind.MARAC, [1, 3, 5], time(10, 0), 12),
    # MARAC Plus meets monthly in many areas; "first Thursday" is not a schedule, so: every Thursday, 4 cases.
    (MeetingKind.MARAC_PLUS, [4], time(14, 0), 4),
]

ATTENDANCE = [(Attendance.Status.PRESENT, 88), (Attendance.Status.APOLOGIES, 9), (Attendance.Status.ABSENT, 3)]
# Always there: the chair's agency and the victim's voice.
ALWAYS_PRESENT = {"police", "idva-service"}
REPRESENTATIVES = {
    "police": ("Detective inspector (chair)", "Detective sergeant, public protection"),
    "idva-service": ("Senior IDVA", "IDVA"),
    "childrens-social-care": ("Team manager, children's services", "Senior social worker"),
    "health": ("Named nurse for safeguarding", "Safeguarding midwife"),
    "housing": ("Housing options team leader", "Tenancy sustainment officer"),
    "adult-safeguarding": ("Safeguarding adults practitioner",),
    "probation": ("Senior probation officer", "Probation officer"),
    "refuge": ("Refuge manager",),
    "substance-misuse": ("Recovery team leader",),
    "mental-health": ("Mental health liaison practitioner",),
    "education": ("Education safeguarding officer",),
}

# Share of member agencies' research on an item of a held meeting, and in already for a published one.
RESEARCH_HELD = 0.85
RESEARCH_PUBLISHED = 0.45
HOLDS_INFORMATION = 0.75
RESEARCH_FACTS = {
    "police": (
        "Call-outs to the address in the last year, the latest a reported assault; no charge yet.",
        "Recorded incidents of criminal damage and harassment; a bail condition not to contact.",
        "A domestic abuse incident last month, with injuries recorded; the perpetrator was arrested.",
    ),
    "idva-service": (
        "The victim engages with an IDVA; safety plan in place and reviewed weekly.",
        "The IDVA has made contact twice; the victim wants help with a civil order.",
        "Contact attempts made; not yet safe to talk at length.",
    ),
    "childrens-social-care": (
        "The children are subject to a child in need plan.",
        "A referral last year closed after assessment; a new assessment has started.",
        "Children known to early help; school attendance is a concern.",
    ),
    "health": (
        "Attendances at the emergency department with injuries in the last six months.",
        "Under maternity care; domestic abuse disclosed at booking.",
        "Registered with a GP; no recent consultations recorded about abuse.",
    ),
    "housing": (
        "Joint tenancy; a request for a management transfer is pending.",
        "In temporary accommodation since leaving the home.",
        "Sanctuary scheme measures fitted at the property.",
    ),
    "adult-safeguarding": ("A safeguarding concern was raised and is being assessed.",),
    "probation": ("The perpetrator is on licence; the victim is a named person in the risk plan.",),
    "refuge": ("The victim asked about refuge space; a place was offered and declined.",),
    "substance-misuse": ("The perpetrator is open to the recovery service; attendance is poor.",),
    "mental-health": ("The victim is known to the community mental health team.",),
    "education": ("The school's safeguarding lead reports concerns about a child's wellbeing.",),
}
NO_INFORMATION = "No records held that are relevant to this case."
RESEARCH_OPINIONS = (
    "The worker's view is that the risk is escalating.",
    "Staff who know the family consider the children are affected by what they see and hear.",
    "The practitioner thinks the victim is minimising what has happened.",
    "",
    "",
)
RESEARCH_WITHHELD = (
    "Details of an ongoing investigation withheld: sharing could prejudice it.",
    "Medical details withheld: not relevant to the risk.",
    "Third-party information withheld: not proportionate to share.",
)
WITHHELD_SHARE = 0.12

OUTCOME_DEFERRED = 0.03
OUTCOME_ESCALATED = 0.03
DEFERRED_REASONS = (
    "The police research was not complete: deferred to the next meeting.",
    "The IDVA had not yet spoken to the victim: deferred so the victim's voice can be heard.",
    "Children's services were not present: deferred so they can attend.",
    "The meeting ran out of time: deferred to the next meeting.",
)
SUMMARIES = (
    "Agencies shared their research. Risk remains high after a recent assault; the safety plan was reviewed.",
    "The IDVA gave the victim's view. Housing options and a civil order were discussed.",
    "Research shows escalation since separation. Target hardening and police markers agreed.",
    "Children in the household: children's services to assess. Safety planning agreed with the IDVA.",
    "The perpetrator is on licence; probation to review the licence conditions. Victim engaging well.",
    "Concerns about stalking after separation. Evidence gathering and a stalking protection order discussed.",
    "Health disclosures noted; information shared with the GP. Risk judged to have reduced a little.",
)
ESCALATION_SUMMARY = (
    "Complex case needing sustained multi-agency work: repeat incidents despite actions; escalated to MARAC Plus."
)
RISK_AFTER = [(RiskLevel.HIGH, 70), (RiskLevel.MEDIUM, 25), (RiskLevel.STANDARD, 5)]

# Agencies given actions, by weight; children's services and education only for cases with children.
ACTION_AGENCIES = [
    ("police", 30),
    ("idva-service", 22),
    ("housing", 12),
    ("health", 10),
    ("childrens-social-care", 14),
    ("adult-safeguarding", 3),
    ("probation", 4),
    ("mental-health", 3),
    ("substance-misuse", 2),
    ("education", 3),
]
CHILDREN_ONLY = {"childrens-social-care", "education"}
ACTION_DESCRIPTIONS = {
    "police": (
        "Place a marker on the address for an urgent response.",
        "Review bail conditions and consider charges.",
        "Complete a Domestic Violence Disclosure Scheme check.",
    ),
    "idva-service": (
        "Review the safety plan with the victim.",
        "Support the victim to apply for a non-molestation order.",
        "Discuss a referral to a specialist support group.",
    ),
    "housing": ("Fit sanctuary scheme measures at the property.", "Assess for a management transfer."),
    "health": ("Flag the record so staff ask safely about abuse.", "Share the safety plan with the GP practice."),
    "childrens-social-care": ("Complete a child and family assessment.", "Hold a strategy discussion."),
    "adult-safeguarding": ("Complete the safeguarding enquiry.",),
    "probation": ("Review licence conditions and the risk management plan.",),
    "mental-health": ("Offer an appointment with the community mental health team.",),
    "substance-misuse": ("Discuss the perpetrator's engagement with the recovery service.",),
    "education": ("Inform the school's safeguarding lead and agree support for the child.",),
}
ACTIONS_PER_ITEM = [(1, 35), (2, 45), (3, 20)]
# Of actions due by today: done, not done, still open (overdue); of those not yet due: done early.
ACTION_DONE = 0.8
ACTION_NOT_DONE = 0.08
DONE_EARLY = 0.3
NOT_DONE_REASONS = [
    (MaracAction.NotDoneReason.CIRCUMSTANCES_CHANGED, 60),
    (MaracAction.NotDoneReason.AGENCY_DID_NOT_ACT, 40),
]


def _pick(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(model_field.name == name for model_field in model._meta.concrete_fields)


def _closures(years: range) -> list[tuple[date, str]]:
    """A few closure dates a year, the same every run: a training day, a review day, Christmas Eve and New
    Year's Eve when they fall on a weekday."""
    closures = []
    for year in years:
        july = date(year, 7, 1)
        # The second Wednesday of July; the first Friday of March.
        closures.append(
            (july + timedelta(days=(2 - july.weekday()) % 7 + 7), "Partnership training day: MARAC does not meet")
        )
        march = date(year, 3, 1)
        closures.append((march + timedelta(days=(4 - march.weekday()) % 7), "MARAC annual review day"))
        for day in (date(year, 12, 24), date(year, 12, 31)):
            if day.weekday() < 5:
                closures.append((day, "Office closed for the holiday"))
    return closures


def _moment(day: date, minutes: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)), timezone.get_default_timezone()) + timedelta(
        minutes=minutes
    )


@dataclass
class _Meeting:
    meeting: MaracMeeting
    day: date
    items: list[AgendaItem] = field(default_factory=list)


@dataclass
class _Writer:
    rng: random.Random
    today: date
    now: datetime
    area: Area
    coordinator: User
    agencies: dict[str, Agency]
    members: list[Agency]
    reps: dict[int, User]
    holidays: frozenset[date]
    research_days: int
    # Meetings before this day are the light history: no research, actions or access grants.
    history_from: date
    created: Counter[str] = field(default_factory=Counter)

    # --- Meetings ---

    def meetings(self, schedule: MeetingSchedule, closures: set[date]) -> list[_Meeting]:
        """The schedule's meetings from its start to `weeks_ahead` weeks ahead that do not exist yet."""
        start = schedule.effective_from
        end = self.today + timedelta(weeks=schedule.weeks_ahead)
        done = set(MaracMeeting.objects.filter(schedule=schedule).values_list("scheduled_on", flat=True))
        days = meeting_days(weekdays=schedule.weekdays, start=start, end=end, holidays=self.holidays, closures=closures)
        new = []
        days_new = [day for day in days if day not in done]
        for day in days_new:
            starts_at = meeting_start(day=day, schedule=schedule)
            new.append(
                MaracMeeting(
                    area=self.area,
                    kind=schedule.kind,
                    schedule=schedule,
                    scheduled_on=day,
                    starts_at=starts_at,
                    capacity=schedule.capacity,
                    created_at=min(starts_at - timedelta(weeks=schedule.weeks_ahead), self.now),
                    created_by=self.coordinator,
                    updated_by=self.coordinator,
                )
            )
        MaracMeeting.objects.bulk_create(new)
        self.created[f"{schedule.get_kind_display()} meetings"] += len(new)
        return [_Meeting(meeting, day) for meeting, day in zip(new, days_new, strict=True)]

    # --- Agendas ---

    def waiting(self, service: str) -> list[Referral]:
        """The demo areas' referrals to the service received since the schedules began and waiting for a
        meeting."""
        first = SCHEDULE_FROM - timedelta(days=LEAD_IN_DAYS)
        # An escalated case went on to MARAC Plus: it waits no more for MARAC.
        done = (*LISTED_OR_HEARD, AgendaItem.Outcome.ESCALATED)
        listed = AgendaItem.objects.filter(referral=OuterRef("pk"), outcome__in=done)
        return list(
            Referral.objects.filter(
                service=service,
                status=Referral.Status.RECEIVED,
                case__area__slug__in=[DEMO_AREA_SLUG, *DISTRICTS],
                received_on__range=(first, self.today),
            )
            .exclude(Exists(listed))
            .annotate(has_children=Exists(Child.objects.filter(case=OuterRef("case_id"))))
            .order_by("received_on", "pk")
        )

    def place(
        self, meetings: list[_Meeting], waiting: list[tuple[Referral, date]], heard: dict[int, date]
    ) -> list[tuple[AgendaItem, _Meeting]]:
        """Plan the referrals (each waiting from its day) onto the meetings; the new items, unsaved."""
        by_id = {entry.meeting.pk: entry for entry in meetings}
        referrals = {referral.pk: referral for referral, _ in waiting}
        placements = plan_agenda(
            (
                WaitingReferral(
                    referral_id=referral.pk,
                    received_on=since,
                    has_children=referral.has_children,  # type: ignore[attr-defined]
                    is_repeat=referral.is_repeat,
                    last_heard_on=heard.get(referral.case_id),
                )
                for referral, since in waiting
            ),
            [
                MeetingSlot(
                    meeting_id=entry.meeting.pk, on=entry.day, capacity=entry.meeting.capacity, listed=len(entry.items)
                )
                for entry in meetings
            ],
            research_working_days=self.research_days,
            holidays=self.holidays,
        )
        new = []
        for placement in placements:
            entry = by_id[placement.meeting_id]
            referral = referrals[placement.referral_id]
            item = AgendaItem(
                meeting=entry.meeting,
                referral=referral,
                position=len(entry.items) + 1,
                has_children=placement.has_children,
                is_repeat=placement.is_repeat,
                twelve_month_notice=placement.twelve_month_notice,
                created_at=min(_moment(max(referral.received_on, entry.day - timedelta(days=7)), 360), self.now),
                created_by=self.coordinator,
                updated_by=self.coordinator,
            )
            entry.items.append(item)
            new.append((item, entry))
        return new

    def order(self, meetings: list[_Meeting]) -> None:
        """Number each agenda in agenda order: cases with children first, then oldest referral first."""
        for entry in meetings:
            by_key = dict(enumerate(entry.items))
            order = agenda_order(
                ListedCase(item_id=index, has_children=item.has_children, received_on=item.referral.received_on)
                for index, item in by_key.items()
            )
            for position, index in enumerate(order, start=1):
                by_key[index].position = position

    # --- Outcomes ---

    def outcome(self, item: AgendaItem, *, may_defer: bool, may_escalate: bool) -> None:
        draw = self.rng.random()
        if may_defer and draw < OUTCOME_DEFERRED:
            item.outcome = AgendaItem.Outcome.DEFERRED
            item.deferred_reason = self.rng.choice(DEFERRED_REASONS)
            return
        if may_escalate and draw > 1 - OUTCOME_ESCALATED:
            item.outcome = AgendaItem.Outcome.ESCALATED
            item.discussion_summary = ESCALATION_SUMMARY
            item.risk_after_discussion = RiskLevel.HIGH
            return
        item.outcome = AgendaItem.Outcome.HEARD
        item.discussion_summary = self.rng.choice(SUMMARIES)
        item.risk_after_discussion = _pick(self.rng, RISK_AFTER)

    def escalation(self, item: AgendaItem, day: date) -> tuple[Referral, ReferralEvent]:
        """The MARAC Plus referral the coordinator makes for an escalated item, received on the meeting day."""
        original = item.referral
        idva_service = self.agencies["idva-service"]
        referral = Referral(
            case_id=original.case_id,
            risk_assessment_id=original.risk_assessment_id,
            service=Referral.Service.MARAC_PLUS,
            referring_agency=idva_service,
            receiving_agency=idva_service,
            referrer=self.coordinator,
            referrer_name=self.coordinator.get_full_name(),
            referrer_email=self.coordinator.email,
            received_on=day,
            reasons=list(original.reasons),
            details=f"Escalated by the MARAC of {day:%d %B %Y}.",
            consent=original.consent,
            consent_reason=original.consent_reason,
            created_at=_moment(day, 300),
            created_by=self.coordinator,
            updated_by=self.coordinator,
        )
        event = ReferralEvent(
            kind=ReferralEvent.Kind.RECEIVED,
            on=day,
            status_after=Referral.Status.RECEIVED,
            detail=f"From {idva_service.name}",
            recorded_at=_moment(day, 300),
            recorded_by=self.coordinator,
            recorded_by_agency=idva_service,
        )
        return referral, event

    # --- A held meeting's record ---

    def attendance(self, entry: _Meeting) -> list[Attendance]:
        rows = []
        for agency in self.members:
            status = Attendance.Status.PRESENT if agency.slug in ALWAYS_PRESENT else _pick(self.rng, ATTENDANCE)
            titles = REPRESENTATIVES.get(agency.slug, ("Representative",))
            rows.append(
                Attendance(
                    meeting=entry.meeting,
                    agency=agency,
                    status=status,
                    representative=self.rng.choice(titles) if status == Attendance.Status.PRESENT else "",
                    created_at=entry.meeting.starts_at,
                    created_by=self.coordinator,
                    updated_by=self.coordinator,
                )
            )
        return rows

    def research(self, item: AgendaItem, entry: _Meeting, *, share: float) -> list[Research]:
        """Most member agencies' research, submitted on the working days before the meeting (never after now)."""
        rows = []
        held = entry.day < self.today
        submitted_by = _has_field(Research, "submitted_by")
        for agency in self.members:
            if agency.slug not in ALWAYS_PRESENT and self.rng.random() > share:
                continue
            day = entry.day - timedelta(days=self.rng.choice([1, 1, 1, 2, 3]))
            if not held:
                day = self.today - timedelta(days=self.rng.choice([0, 0, 1]))
            day = max(day, item.referral.received_on)
            at = min(max(_moment(day, self.rng.randrange(0, 480)), item.created_at), self.now)
            holds = agency.slug in ALWAYS_PRESENT or self.rng.random() < HOLDS_INFORMATION
            facts = self.rng.choice(RESEARCH_FACTS.get(agency.slug, (NO_INFORMATION,))) if holds else NO_INFORMATION
            research = Research(
                agenda_item=item,
                agency=agency,
                holds_information=holds,
                facts=facts,
                opinion=self.rng.choice(RESEARCH_OPINIONS) if holds else "",
                withheld=self.rng.choice(RESEARCH_WITHHELD) if holds and self.rng.random() < WITHHELD_SHARE else "",
                submitted_at=at,
                created_at=at,
                created_by=self.reps.get(agency.pk),
                updated_by=self.reps.get(agency.pk),
            )
            if submitted_by:
                research.submitted_by = self.reps.get(agency.pk)
            rows.append(research)
        return rows

    def actions(self, item: AgendaItem, entry: _Meeting) -> list[MaracAction]:
        """One to three actions for a case heard, each owned by an agency, due two to six weeks on."""
        choices = [
            (slug, weight)
            for slug, weight in ACTION_AGENCIES
            if slug in self.agencies and (item.has_children or slug not in CHILDREN_ONLY)
        ]
        notified = _has_field(MaracAction, "overdue_notified_on")
        count = _pick(self.rng, ACTIONS_PER_ITEM)
        slugs: list[str] = []
        while len(slugs) < min(count, len(choices)):
            slug = _pick(self.rng, choices)
            if slug not in slugs:
                slugs.append(slug)
        rows = []
        for slug in slugs:
            due_on = entry.day + timedelta(days=self.rng.randint(14, 42))
            action = MaracAction(
                agenda_item=item,
                assigned_agency=self.agencies[slug],
                description=self.rng.choice(ACTION_DESCRIPTIONS[slug]),
                due_on=due_on,
                created_at=entry.meeting.starts_at + timedelta(minutes=self.rng.randrange(10, 150)),
                created_by=self.coordinator,
                updated_by=self.coordinator,
            )
            draw = self.rng.random()
            if due_on <= self.today:
                if draw < ACTION_DONE:
                    action.status = MaracAction.Status.DONE
                elif draw < ACTION_DONE + ACTION_NOT_DONE:
                    action.status = MaracAction.Status.NOT_DONE
                    action.not_done_reason = _pick(self.rng, NOT_DONE_REASONS)
            elif draw < DONE_EARLY:
                action.status = MaracAction.Status.DONE
            if action.status != MaracAction.Status.OPEN:
                latest = min(due_on + timedelta(days=7), self.today)
                action.completed_on = entry.day + timedelta(days=self.rng.randint(1, (latest - entry.day).days))
            if notified and action.status == MaracAction.Status.OPEN and due_on < self.today:
                # The nightly digest told the coordinators the day after it fell due.
                action.overdue_notified_on = due_on + timedelta(days=1)
            rows.append(action)
        return rows


def _member_agencies(area: Area) -> list[Agency]:
    return list(Agency.objects.filter(is_marac_member=True, active=True, areas=area).order_by("pk"))


def _schedules(area: Area, coordinator: User) -> list[MeetingSchedule]:
    schedules = []
    for kind, weekdays, starts_at, capacity in SCHEDULES:
        schedule, _ = MeetingSchedule.objects.get_or_create(
            area=area,
            kind=kind,
            effective_from=SCHEDULE_FROM,
            defaults={
                "weekdays": weekdays,
                "starts_at": starts_at,
                "capacity": capacity,
                "bank_holiday_subdivision": "ENG",
                "weeks_ahead": WEEKS_AHEAD,
                "created_by": coordinator,
                "updated_by": coordinator,
            },
        )
        schedules.append(schedule)
    return schedules


def _closure_dates(area: Area, coordinator: User, today: date) -> set[date]:
    existing = set(ClosureDate.objects.filter(area=area).values_list("on", flat=True))
    ClosureDate.objects.bulk_create(
        ClosureDate(area=area, on=on, reason=reason, created_by=coordinator, updated_by=coordinator)
        for on, reason in _closures(range(SCHEDULE_FROM.year, today.year + 2))
        if on not in existing
    )
    return set(ClosureDate.objects.filter(area=area).values_list("on", flat=True))


@transaction.atomic
def seed(*, minimal: bool, stdout: TextIO) -> None:
    """Unless minimal, Demo County's MARAC and MARAC Plus schedules, closure dates and meetings since 2018
    with their agendas, attendance and outcomes, and for the last year research and actions (idempotent)."""
    if minimal:
        return
    today, now = timezone.localdate(), timezone.now()
    area = Area.objects.get(slug=DEMO_AREA_SLUG)
    coordinator = User.objects.get(email=demo_email("marac.coordinator"))
    reps: dict[int, User] = {}
    for user in User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}", groups__name=Role.AGENCY_REP).order_by(
        "pk"
    ):
        reps.setdefault(user.agency_id, user)
    schedules = _schedules(area, coordinator)
    closures = _closure_dates(area, coordinator, today)
    writer = _Writer(
        rng=random.Random(MARAC_DEMO_SEED),  # noqa: S311 - reproducible demo data, not a secret
        today=today,
        now=now,
        area=area,
        coordinator=coordinator,
        agencies={agency.slug: agency for agency in Agency.objects.filter(active=True)},
        members=_member_agencies(area),
        reps=reps,
        holidays=bank_holidays(years=range(SCHEDULE_FROM.year - 1, today.year + 2), subdivision="ENG"),
        research_days=settings.DASV_MARAC_RESEARCH_WORKING_DAYS,
        history_from=today - timedelta(days=HISTORY_DAYS),
    )
    marac_meetings, plus_meetings = (writer.meetings(schedule, closures) for schedule in schedules)
    if not marac_meetings and not plus_meetings:
        stdout.write("Demo MARAC: every meeting to date exists, none new.\n")
        return
    all_meetings = marac_meetings + plus_meetings
    _agendas(writer, marac_meetings, plus_meetings)
    _records(writer, all_meetings)
    statuses = Counter(entry.meeting.status for entry in all_meetings)
    summary = ", ".join(f"{count} {name}" for name, count in writer.created.items() if count)
    states = ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    stdout.write(f"Demo MARAC: {summary} (meetings: {states}).\n")


def _agendas(writer: _Writer, marac_meetings: list[_Meeting], plus_meetings: list[_Meeting]) -> None:
    """Place the waiting referrals on the new meetings, decide the outcomes of the held meetings' items
    (a deferred case is placed again, an escalated one referred to MARAC Plus, whose meetings hear it),
    number each agenda and write the items."""
    escalate = _has_field(AgendaItem, "escalation_referral")
    items: list[tuple[AgendaItem, _Meeting]] = []
    escalations: list[tuple[AgendaItem, Referral, ReferralEvent]] = []
    for meetings, service in ((marac_meetings, Referral.Service.MARAC), (plus_meetings, Referral.Service.MARAC_PLUS)):
        # For MARAC Plus, the referrals just made for escalated items are among those waiting.
        waiting = [(referral, referral.received_on) for referral in writer.waiting(service)]
        heard = last_heard_on(case_ids={referral.case_id for referral, _ in waiting})
        first_round = True
        while waiting:
            placed = writer.place(meetings, waiting, heard)
            waiting = []
            for item, entry in placed:
                if entry.day >= writer.today:
                    continue
                marac = service == Referral.Service.MARAC
                writer.outcome(item, may_defer=first_round, may_escalate=first_round and marac)
                if item.outcome == AgendaItem.Outcome.DEFERRED:
                    # A deferred case waits again, for a meeting after this one.
                    waiting.append((item.referral, entry.day))
                elif item.outcome == AgendaItem.Outcome.ESCALATED:
                    escalations.append((item, *writer.escalation(item, entry.day)))
            items.extend(placed)
            first_round = False
        if service == Referral.Service.MARAC:
            Referral.objects.bulk_create([referral for _, referral, _ in escalations])
            for item, referral, event in escalations:
                event.referral = referral
                if escalate:
                    item.escalation_referral = referral
            ReferralEvent.objects.bulk_create(event for _, _, event in escalations)
            writer.created["MARAC Plus referrals"] += len(escalations)
    writer.order(marac_meetings + plus_meetings)
    AgendaItem.objects.bulk_create([item for item, _ in items], batch_size=500)
    writer.created["agenda items"] += len(items)


def _records(writer: _Writer, meetings: list[_Meeting]) -> None:
    """Statuses, and what each status has: held before today (minutes approved, with attendance, and in
    the last twelve months research and actions), published for the next few days (some research in,
    access granted), scheduled after."""
    today = writer.today
    attendance: list[Attendance] = []
    research: list[Research] = []
    actions: list[MaracAction] = []
    published: list[_Meeting] = []
    # The next two meetings of each kind with an agenda are published too, whatever holidays come first.
    upcoming: dict[str, list[int]] = defaultdict(list)
    for entry in sorted(meetings, key=lambda entry: entry.day):
        if entry.day >= today and entry.items and len(upcoming[entry.meeting.kind]) < NEXT_PUBLISHED:
            upcoming[entry.meeting.kind].append(entry.meeting.pk)
    soon = {pk for pks in upcoming.values() for pk in pks}
    for entry in meetings:
        meeting = entry.meeting
        if entry.day < today and entry.items:
            meeting.status = MaracMeeting.Status.MINUTES_APPROVED
            meeting.chair = writer.coordinator
            meeting.confidentiality_confirmed = True
            approved_on = entry.day + timedelta(days=writer.rng.randint(1, 3))
            meeting.minutes_approved_at = min(_moment(approved_on, 180), writer.now)
            attendance.extend(writer.attendance(entry))
            if entry.day < writer.history_from:
                continue
            for item in entry.items:
                research.extend(writer.research(item, entry, share=RESEARCH_HELD))
                if item.outcome in (AgendaItem.Outcome.HEARD, AgendaItem.Outcome.ESCALATED):
                    actions.extend(writer.actions(item, entry))
        elif entry.day < today:
            meeting.status = MaracMeeting.Status.CANCELLED
            meeting.cancellation_reason = "No cases were waiting to be heard."
        elif entry.items and (entry.day <= today + timedelta(days=PUBLISHED_DAYS_AHEAD) or meeting.pk in soon):
            meeting.status = MaracMeeting.Status.AGENDA_PUBLISHED
            meeting.chair = writer.coordinator
            published.append(entry)
            for item in entry.items:
                research.extend(writer.research(item, entry, share=RESEARCH_PUBLISHED))
    MaracMeeting.objects.bulk_update(
        [entry.meeting for entry in meetings],
        ["status", "chair", "confidentiality_confirmed", "minutes_approved_at", "cancellation_reason"],
        batch_size=500,
    )
    Attendance.objects.bulk_create(attendance, batch_size=1000)
    Research.objects.bulk_create(research, batch_size=1000)
    MaracAction.objects.bulk_create(actions, batch_size=1000)
    grants = _access(writer, published, actions)
    writer.created.update(
        {"attendance": len(attendance), "research": len(research), "actions": len(actions), "access grants": grants}
    )


def _access(writer: _Writer, published: list[_Meeting], actions: list[MaracAction]) -> int:
    """What `agenda_publish` writes for each published meeting (a grant per member agency and case, and a
    view permission where the agency could not already see the case), and what `marac_action_create`
    writes for an open action's agency that could not see the case; no access-log rows."""
    wanted: list[tuple[MaracMeeting, Agency, int]] = [
        (entry.meeting, agency, item.referral.case_id)
        for entry in published
        for agency in writer.members
        for item in entry.items
    ]
    meetings = {action.agenda_item.meeting_id: action.agenda_item.meeting for action in actions}
    wanted += [
        (meetings[action.agenda_item.meeting_id], action.assigned_agency, action.agenda_item.referral.case_id)
        for action in actions
        if action.status == MaracAction.Status.OPEN
    ]
    if not wanted:
        return 0
    view = Permission.objects.get(content_type=ContentType.objects.get_for_model(Case), codename="view_case")
    case_ids = {case_id for _, _, case_id in wanted}
    seen: set[tuple[int, int]] = set()
    for start in range(0, len(case_ids), 500):
        chunk = sorted(case_ids)[start : start + 500]
        seen.update(
            CaseAgencyPermission.objects.filter(permission=view, content_object_id__in=chunk).values_list(
                "group_id", "content_object_id"
            )
        )
    grants: dict[tuple[int, int, int], MaracAccessGrant] = {}
    permissions: dict[tuple[int, int], CaseAgencyPermission] = {}
    for meeting, agency, case_id in sorted(wanted, key=lambda row: (row[0].starts_at, row[0].pk)):
        had = (agency.group_id, case_id) in seen
        key = (meeting.pk, agency.pk, case_id)
        if key in grants:
            continue
        if meeting.status == MaracMeeting.Status.AGENDA_PUBLISHED:
            granted_at = min(meeting.starts_at - timedelta(days=2), writer.now)
        else:
            granted_at = meeting.starts_at + timedelta(hours=2)
        grants[key] = MaracAccessGrant(meeting=meeting, agency=agency, case_id=case_id, had_access_before=had)
        if not had:
            # The latest meeting's reason wins, as each later grant updates the one row.
            permissions[(agency.group_id, case_id)] = CaseAgencyPermission(
                group_id=agency.group_id,
                permission=view,
                content_object_id=case_id,
                reason=_access_reason(meeting),
                granted_at=granted_at,
                granted_by=writer.coordinator,
            )
    MaracAccessGrant.objects.bulk_create(grants.values(), batch_size=1000)
    CaseAgencyPermission.objects.bulk_create(permissions.values(), batch_size=1000)
    writer.created["case permissions"] += len(permissions)
    return len(grants)
