"""MARAC meetings and their schedules, agendas, research, attendance and actions (domain.md section 5)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from agencies.models import Agency, AgencyAction, Area, Tracked, tracked_history
from referrals.models import Referral


class MeetingKind(models.TextChoices):
    MARAC = "marac", "MARAC"
    MARAC_PLUS = "marac_plus", "MARAC Plus"


class MeetingSchedule(Tracked):
    """When an area's MARAC (or MARAC Plus) meets: weekdays, time and capacity; meetings are generated
    ahead from it, skipping the area's bank holidays and local closure dates."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="meeting_schedules")
    kind = models.CharField(max_length=12, choices=MeetingKind.choices, default=MeetingKind.MARAC)
    # ISO weekdays, Monday 1 to Friday 5 (weekends allowed but unusual): e.g. [1, 3, 5].
    weekdays = models.JSONField(default=list)
    starts_at = models.TimeField()
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(200)])
    # The `holidays` package's United Kingdom subdivision whose bank holidays are skipped.
    bank_holiday_subdivision = models.CharField(max_length=3, default="ENG")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    weeks_ahead = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1)])

    history = tracked_history()

    class Meta:
        ordering = ["area", "kind", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
                name="schedule_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.area} from {self.effective_from}"


class ClosureDate(Tracked):
    """A day the area's MARAC does not meet besides bank holidays (e.g. a local closure)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="marac_closures")
    on = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["area", "on"]
        constraints = [models.UniqueConstraint(fields=["area", "on"], name="one_closure_per_area_day")]

    def __str__(self) -> str:
        return f"{self.area} closed on {self.on}: {self.reason}"


class MaracMeeting(Tracked):
    """One meeting. Generated meetings keep the day their schedule planned (`scheduled_on`), so that
    generating again never duplicates one that was moved or cancelled."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        AGENDA_PUBLISHED = "agenda_published", "Agenda published"
        HELD = "held", "Held"
        MINUTES_APPROVED = "minutes_approved", "Minutes approved"
        CANCELLED = "cancelled", "Cancelled"

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="marac_meetings")
    kind = models.CharField(max_length=12, choices=MeetingKind.choices, default=MeetingKind.MARAC)
    schedule = models.ForeignKey(
        MeetingSchedule, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    scheduled_on = models.DateField(null=True, blank=True)
    starts_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    # Set when the coordinator lists more cases than the capacity, saying why.
    capacity_override_reason = models.TextField(blank=True)
    chair = models.ForeignKey("agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    cancellation_reason = models.TextField(blank=True)
    confidentiality_confirmed = models.BooleanField(default=False)
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    # The last day member agencies were reminded of missing research: at most one reminder a day.
    research_reminded_on = models.DateField(null=True, blank=True, editable=False)

    history = tracked_history()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["area", "kind", "starts_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "scheduled_on"],
                condition=models.Q(schedule__isnull=False),
                name="one_meeting_per_schedule_day",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancellation_reason=""),
                name="cancelled_meeting_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.area} {self.starts_at:%Y-%m-%d %H:%M}"


class AgendaItem(Tracked):
    """A case on a meeting's agenda, through its MARAC referral."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Not yet heard"
        HEARD = "heard", "Heard"
        DEFERRED = "deferred", "Deferred"
        ESCALATED = "escalated", "Escalated to MARAC Plus"

    meeting = models.ForeignKey(MaracMeeting, on_delete=models.PROTECT, related_name="agenda_items")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()
    # The coordinator put the item at this position by hand: building the agenda again keeps it there.
    position_pinned = models.BooleanField(default=False)
    has_children = models.BooleanField(default=False)
    is_repeat = models.BooleanField(default=False)
    # Twelve months or more since the case was last heard at MARAC: listed for notice.
    twelve_month_notice = models.BooleanField(default=False)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    deferred_reason = models.TextField(blank=True)
    discussion_summary = models.TextField(blank=True)
    risk_after_discussion = models.CharField(max_length=10, blank=True)
    # The MARAC Plus referral an escalation made: recording the outcome again never refers twice.
    escalation_referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="escalated_from"
    )

    history = tracked_history()

    class Meta:
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "referral"], name="one_item_per_referral_per_meeting"),
            models.CheckConstraint(
                condition=~models.Q(outcome="deferred") | ~models.Q(deferred_reason=""),
                name="deferred_item_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.referral.case} at {self.meeting}"


class Research(Tracked):
    """What one member agency holds on an agenda item's case: relevant and proportionate, facts apart
    from opinion, and what is withheld and why. Agencies never contact the victim for research."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="research")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="marac_research")
    holds_information = models.BooleanField(default=True)
    facts = models.TextField(blank=True)
    opinion = models.TextField(blank=True)
    withheld = models.TextField(blank=True, help_text="What is withheld, and why.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )

    history = tracked_history()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agenda_item", "agency"], name="one_research_per_agency")]

    def __str__(self) -> str:
        return f"Research of {self.agency} for {self.agenda_item}"


class Attendance(Tracked):
    """Whether an agency was at a meeting (and who represented it), sent apologies or was absent."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Apologies"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(MaracMeeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    representative = models.CharField(max_length=160, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "agency"], name="one_attendance_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency}: {self.get_status_display()}"


class MaracAction(AgencyAction):
    """An action agreed at MARAC for one agenda item, owned by the agency it is assigned to."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="actions")
    # The day the coordinators were told it is overdue: the nightly digest names each action once.
    overdue_notified_on = models.DateField(null=True, blank=True, editable=False)

    history = tracked_history()

    class Meta(AgencyAction.Meta):
        ordering = ["due_on", "pk"]


class MinutesAmendment(Tracked):
    """A change to approved minutes: the approved record stays as it was, and each amendment is kept
    beside it, with who made it (`created_by`) and when."""

    meeting = models.ForeignKey(MaracMeeting, on_delete=models.PROTECT, related_name="amendments")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    text = models.TextField()
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "made_at", "pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(text=""), name="minutes_amendment_has_text")]

    def __str__(self) -> str:
        return f"Amendment to the minutes of {self.meeting} at {self.made_at:%Y-%m-%d %H:%M}"


class MaracAccessGrant(models.Model):
    """Why a member agency may see a case: it is on an agenda of its MARAC. The nightly job revokes the
    case permission a configured number of days after the meeting, unless an open action keeps it."""

    meeting = models.ForeignKey(MaracMeeting, on_delete=models.CASCADE, related_name="access_grants")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="marac_access_grants")
    granted_at = models.DateTimeField(auto_now_add=True)
    # The agency could already see the case for another reason (it recorded or referred it, or is the
    # IDVA service): the nightly job never takes that access away.
    had_access_before = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "agency", "case"], name="one_grant_per_meeting_agency_case")
        ]

    def __str__(self) -> str:
        return f"{self.agency} sees {self.case} for {self.meeting}"
