"""The Domestic Abuse Perpetrator Panel (domain.md section 6): its scoring configuration, panel cases with
their tactical plans and status history, panel meetings, and the actions agreed for each case.

Who may see what is decided in perpetrator_panel.selectors; every write is a service.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from agencies.models import Agency, AgencyAction, Tracked, tracked_history
from cases.models import Case, Person
from referrals.models import Referral


def default_recency_bands() -> list[dict[str, int]]:
    """Recency points by how long ago the latest incident was (the first band that holds it counts)."""
    return [
        {"within_days": 30, "points": 10},
        {"within_days": 91, "points": 7},
        {"within_days": 182, "points": 5},
        {"within_days": 365, "points": 3},
        {"within_days": 730, "points": 1},
    ]


class PanelConfiguration(Tracked):
    """The panel's scoring and status rules, edited by a partnership administrator (one row, created by a
    migration with the documented defaults: docs/perpetrator-panel.md)."""

    # Serial perpetrators: incidents against this many different victims within the look-back, aged 16+.
    serial_look_back_years = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    serial_min_victims = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(2)])
    serial_min_age = models.PositiveSmallIntegerField(default=16, validators=[MaxValueValidator(25)])
    # RFGV: Recency, Frequency, Gravity, Victims over this look-back.
    rfgv_look_back_years = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    recency_bands = models.JSONField(
        default=default_recency_bands,
        help_text='Points by days since the latest incident, nearest first: [{"within_days": 30, "points": 10}, ...].',
    )
    weight_recency = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("1.00"))
    weight_frequency = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("2.00"), help_text="Points per incident in the look-back."
    )
    weight_gravity = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text="Multiplies the sum of the incidents' gravity.",
    )
    weight_victims = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("5.00"), help_text="Points per different victim."
    )
    non_crime_gravity = models.PositiveSmallIntegerField(
        default=1, validators=[MaxValueValidator(20)], help_text="Gravity of an incident that is not a crime."
    )
    unlisted_crime_gravity = models.PositiveSmallIntegerField(
        default=3, validators=[MaxValueValidator(20)], help_text="Gravity of a crime whose type has no rating."
    )
    # Status: active until no incident has been reported to any agency for this many months.
    inactive_after_months = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )

    history = tracked_history()

    class Meta:
        verbose_name = "perpetrator panel configuration"
        verbose_name_plural = "perpetrator panel configuration"

    def __str__(self) -> str:
        return "Perpetrator panel configuration"


class GravityRating(Tracked):
    """How grave a crime type is, for the G of RFGV (matched to an incident's crime type, ignoring case)."""

    crime_type = models.CharField(max_length=80, unique=True)
    gravity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(20)])

    history = tracked_history()

    class Meta:
        ordering = ["-gravity", "crime_type"]

    def __str__(self) -> str:
        return f"{self.crime_type}: {self.gravity}"


class TacticalOption(Tracked):
    """One option of the panel's menu (configurable in the admin): Clare's Law disclosure, DVPN / DVPO,
    bail conditions, civil injunction, housing enforcement, perpetrator programme, MAPPA referral..."""

    class Category(models.TextChoices):
        SUPPORT = "support", "Support"
        PREVENTION = "prevention", "Prevention"
        DIVERSION = "diversion", "Diversion"
        DISRUPTION = "disruption", "Disruption"
        ENFORCEMENT = "enforcement", "Enforcement"

    name = models.CharField(max_length=120, unique=True)
    category = models.CharField(max_length=12, choices=Category.choices)
    description = models.TextField(blank=True)
    # The kind of agency that usually owns it (a default when the option is chosen).
    usual_agency_kind = models.CharField(max_length=30, choices=Agency.Kind.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = tracked_history()

    class Meta:
        ordering = ["category", "position", "name"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.name}"


class PanelCase(Tracked):
    """A perpetrator managed by the panel: the victims' cases linked, why, the RFGV score at entry, now and
    at exit, flags, the tactical plan, and a status kept by the nightly job."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"

    class Reason(models.TextChoices):
        SERIAL = "serial", "Serial perpetrator"
        HIGH_RFGV = "high_rfgv", "High RFGV score"
        AGENCY_REFERRAL = "agency_referral", "Referred by an agency"
        HIGH_HARM = "high_harm", "High harm to a victim or children"
        OTHER = "other", "Other"

    reference = models.CharField(max_length=20, unique=True, editable=False)
    perpetrator = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="panel_cases")
    cases = models.ManyToManyField(Case, related_name="panel_cases", blank=True)
    # Agency referrals (service perpetrator_panel) this case answers.
    referrals = models.ManyToManyField(Referral, related_name="panel_cases", blank=True)
    opened_on = models.DateField(help_text="The day the panel took the case.")
    reasons = models.JSONField(default=list, help_text="Reason codes (PanelCase.Reason), at least one.")
    reasons_detail = models.TextField(blank=True)
    entry_score = models.DecimalField(max_digits=8, decimal_places=2)
    entry_score_parts = models.JSONField(default=dict)
    score_now = models.DecimalField(max_digits=8, decimal_places=2)
    score_now_parts = models.JSONField(default=dict)
    score_now_on = models.DateField()
    stalking = models.BooleanField(default=False)
    strangulation = models.BooleanField(default=False)
    violence_against_parent = models.BooleanField(default=False)
    no_fixed_abode = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_changed_on = models.DateField()
    # The latest incident the status was decided on (any agency, any victim).
    last_incident_on = models.DateField(null=True, blank=True)
    exited_on = models.DateField(null=True, blank=True)
    exit_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    history = tracked_history()

    class Meta:
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["perpetrator"],
                condition=models.Q(status="active"),
                name="one_active_panel_case_per_perpetrator",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="active") & models.Q(exited_on__isnull=True) & models.Q(exit_score__isnull=True)
                )
                | (
                    models.Q(status="inactive") & models.Q(exited_on__isnull=False) & models.Q(exit_score__isnull=False)
                ),
                name="panel_case_exit_matches_status",
            ),
        ]
        indexes = [models.Index(fields=["status", "opened_on"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reason_labels(self) -> list[str]:
        return [self.Reason(code).label for code in self.reasons if code in self.Reason.values]


class StatusChange(models.Model):
    """A change of a panel case's status, by the nightly job (or at opening): when, why, and the score."""

    panel_case = models.ForeignKey(PanelCase, on_delete=models.CASCADE, related_name="status_changes")
    on = models.DateField()
    status = models.CharField(max_length=10, choices=PanelCase.Status.choices)
    reason = models.CharField(max_length=300)
    last_incident_on = models.DateField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["panel_case", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.panel_case} {self.status} on {self.on}"


class PlanItem(Tracked):
    """A tactical option chosen for a panel case, with the agency that owns it."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PLACE = "in_place", "In place"
        ENDED = "ended", "Ended"

    panel_case = models.ForeignKey(PanelCase, on_delete=models.CASCADE, related_name="plan_items")
    option = models.ForeignKey(TacticalOption, on_delete=models.PROTECT, related_name="+")
    owning_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    notes = models.TextField(blank=True)
    chosen_on = models.DateField()

    history = tracked_history()

    class Meta:
        ordering = ["panel_case", "option__category", "option__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["panel_case", "option"], name="one_plan_item_per_option"),
        ]

    def __str__(self) -> str:
        return f"{self.panel_case}: {self.option.name} ({self.owning_agency})"


class PanelMeeting(Tracked):
    """A panel meeting: who attended, the cases reviewed (with live investigations and intelligence)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"

    held_on = models.DateField()
    chair = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    notes = models.TextField(blank=True)

    history = tracked_history()

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Perpetrator panel on {self.held_on:%-d %B %Y}"


class PanelAttendance(Tracked):
    """An agency at a panel meeting: attended or sent apologies, and who represented it."""

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField()
    representative = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["meeting", "agency__name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "agency"], name="one_panel_attendance_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency} at {self.meeting}: {'attended' if self.attended else 'apologies'}"


class CaseReview(Tracked):
    """A panel case reviewed at a meeting: progress of live investigations, intelligence, risk to victims and
    children."""

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="reviews")
    panel_case = models.ForeignKey(PanelCase, on_delete=models.PROTECT, related_name="reviews")
    investigations = models.TextField(blank=True, help_text="Progress of live investigations.")
    intelligence = models.TextField(blank=True)
    risk_to_victims = models.TextField(blank=True, help_text="Risk to the victims and any children.")

    history = tracked_history()

    class Meta:
        ordering = ["meeting", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "panel_case"], name="one_review_per_meeting_case")]

    def __str__(self) -> str:
        return f"{self.panel_case} at {self.meeting}"


class PanelAction(AgencyAction):
    """An action agreed for a panel case (at a meeting or between them), owned by the agency it is assigned
    to; `compliance` is the perpetrator's, where the action asks something of him."""

    class Compliance(models.TextChoices):
        NOT_APPLICABLE = "", "Not applicable"
        COMPLIED = "complied", "Complied"
        PARTLY = "partly", "Partly complied"
        DID_NOT_COMPLY = "did_not_comply", "Did not comply"

    panel_case = models.ForeignKey(PanelCase, on_delete=models.PROTECT, related_name="actions")
    meeting = models.ForeignKey(PanelMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="actions")
    plan_item = models.ForeignKey(PlanItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions")
    agreed_on = models.DateField()
    compliance = models.CharField(max_length=20, choices=Compliance.choices, blank=True, default="")

    history = tracked_history()

    class Meta(AgencyAction.Meta):
        ordering = ["due_on", "pk"]

    def agreed_day(self) -> date:
        """The day the panel agreed it (at a meeting, or between meetings), which may be before it was
        recorded."""
        return self.agreed_on
