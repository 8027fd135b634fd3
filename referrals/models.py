"""Routing policies and decisions; referrals and the IDVA service's workflow: timeline, contact attempts,
closure outcomes; repeat-MARAC alerts."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from agencies.models import Agency, Tracked, tracked_history
from cases.models import Case, Incident, RiskAssessment


class RoutingPolicy(Tracked):
    """The partnership's routing rule from a date: the policy in force on the assessment date decides.

    A policy that has routed an assessment cannot be changed (its decisions must stay explainable);
    a new rule is a new policy with a later effective date.
    """

    name = models.CharField(max_length=120)
    effective_from = models.DateField(unique=True)
    marac_threshold = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(24)])
    idva_band_min = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(24)], help_text="Lowest score routed to the IDVA service."
    )
    idva_band_max = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(24)], help_text="Highest score routed to the IDVA service."
    )
    escalation_count = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)], help_text="Incidents in the window that mean escalation."
    )
    escalation_window_days = models.PositiveSmallIntegerField(default=365, validators=[MinValueValidator(1)])
    repeat_window_days = models.PositiveSmallIntegerField(default=365, validators=[MinValueValidator(1)])

    history = tracked_history()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name_plural = "routing policies"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(idva_band_min__isnull=True) & models.Q(idva_band_max__isnull=True))
                | (
                    models.Q(idva_band_min__isnull=False)
                    & models.Q(idva_band_max__isnull=False)
                    & models.Q(idva_band_min__lte=models.F("idva_band_max"))
                    & models.Q(idva_band_max__lt=models.F("marac_threshold"))
                ),
                name="idva_band_complete_and_below_marac",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (from {self.effective_from})"


class Routing(models.TextChoices):
    MARAC = "marac", "MARAC"
    IDVA = "idva", "IDVA service"
    STANDARD = "standard", "Standard / medium risk services"


class MaracCriterion(models.TextChoices):
    VISIBLE_HIGH_RISK = "visible_high_risk", "Visible high risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement", "Professional judgement"
    POTENTIAL_ESCALATION = "potential_escalation", "Potential escalation"
    REPEAT = "repeat", "Repeat MARAC"


class RoutingDecision(models.Model):
    """Where one risk assessment was routed, why, and by which policy. Never recomputed."""

    risk_assessment = models.OneToOneField(RiskAssessment, on_delete=models.CASCADE, related_name="routing_decision")
    policy = models.ForeignKey(RoutingPolicy, on_delete=models.PROTECT, related_name="decisions")
    routing = models.CharField(max_length=10, choices=Routing.choices)
    marac_criteria = models.JSONField(default=list, blank=True)
    # Why each criterion applied, in words and dates, for the result page: {"potential_escalation": "..."}.
    explanations = models.JSONField(default=dict, blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.risk_assessment}: {self.routing}"


class Referral(Tracked):
    """A referral of a case to a service, and its way through the service: received -> allocated ->
    contacting -> engaged / not engaged -> closed. Transitions are services (referrals.services) that
    check referrals.rules and write a ReferralEvent; the dates of each step are kept here for reports."""

    class Service(models.TextChoices):
        IDVA = "idva", "IDVA service"
        MARAC = "marac", "MARAC"
        MARAC_PLUS = "marac_plus", "MARAC Plus"
        OUTREACH = "outreach", "Outreach"
        REFUGE = "refuge", "Refuge"
        VICTIM_HUB = "victim_hub", "Victim and Witness Hub"
        ISVA = "isva", "ISVA service"
        PERPETRATOR_PANEL = "perpetrator_panel", "Perpetrator panel"

    class Consent(models.TextChoices):
        GIVEN = "given", "Given"
        NOT_GIVEN_SHARED_TO_PROTECT = "not_given_shared_to_protect", "Not given: shared to protect"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        ALLOCATED = "allocated", "Allocated"
        CONTACTING = "contacting", "Contacting"
        ENGAGED = "engaged", "Engaged"
        NOT_ENGAGED = "not_engaged", "Not engaged"
        CLOSED = "closed", "Closed"

    class Engagement(models.TextChoices):
        ENGAGED = "engaged", "Engaged"
        NOT_ENGAGED = "not_engaged", "Not engaged"

    class NotEngagedReason(models.TextChoices):
        COULD_NOT_CONTACT_SAFELY = "could_not_contact_safely", "Could not be contacted safely"
        DECLINED = "declined", "Declined support"
        OTHER = "other", "Other"

    class ClosureOutcome(models.TextChoices):
        SUPPORT_COMPLETED = "support_completed", "Support completed"
        NOT_ENGAGED = "not_engaged", "Did not engage"
        VICTIM_WITHDREW = "victim_withdrew", "Victim withdrew from support"
        MOVED_OUT_OF_AREA = "moved_out_of_area", "Moved out of the area (referred on)"
        TRANSFERRED = "transferred", "Transferred to another service"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    risk_assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    service = models.CharField(max_length=20, choices=Service.choices)
    # The perpetrator referred, for a referral to the perpetrator panel (one of the case's perpetrators).
    perpetrator = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="panel_referrals"
    )
    referring_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_made")
    # The agency that provides the service: the IDVA service for IDVA and MARAC referrals.
    receiving_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_received")
    referrer = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_made"
    )
    referrer_name = models.CharField(max_length=160, blank=True)
    referrer_job_title = models.CharField(max_length=120, blank=True)
    referrer_phone = models.CharField(max_length=40, blank=True)
    referrer_email = models.EmailField(blank=True)
    received_on = models.DateField()
    reasons = models.JSONField(default=list, blank=True)
    details = models.TextField(blank=True, help_text="What the referrer wants the service to know.")
    consent = models.CharField(max_length=30, choices=Consent.choices, default=Consent.GIVEN)
    consent_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    is_repeat = models.BooleanField(default=False, editable=False)
    allocated_to = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="allocated_referrals"
    )
    allocated_on = models.DateField(null=True, blank=True)
    first_contact_attempt_on = models.DateField(null=True, blank=True)
    engagement = models.CharField(max_length=20, choices=Engagement.choices, blank=True)
    engagement_on = models.DateField(null=True, blank=True)
    not_engaged_reason = models.CharField(max_length=30, choices=NotEngagedReason.choices, blank=True)
    not_engaged_detail = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)
    closure_outcome = models.CharField(max_length=30, choices=ClosureOutcome.choices, blank=True)
    # Set by the nightly job when the first contact attempt is late (working days, bank holidays excluded).
    contact_overdue_since = models.DateField(null=True, blank=True)

    history = tracked_history()

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["service", "received_on"]),
            models.Index(fields=["receiving_agency", "status", "received_on"]),
            models.Index(fields=["allocated_to", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(consent="not_given_shared_to_protect") | ~models.Q(consent_reason=""),
                name="sharing_without_consent_needs_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status="received")
                | models.Q(allocated_to__isnull=False, allocated_on__isnull=False)
                # A referral closed without allocation (e.g. a MARAC referral heard and closed).
                | models.Q(status="closed"),
                name="referral_beyond_received_is_allocated",
            ),
            models.CheckConstraint(
                condition=(models.Q(engagement="") & models.Q(engagement_on__isnull=True))
                | (~models.Q(engagement="") & models.Q(engagement_on__isnull=False)),
                name="referral_engagement_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(engagement="not_engaged") | ~models.Q(not_engaged_reason=""),
                name="referral_not_engaged_has_reason",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="closed") & models.Q(closed_on__isnull=False) & ~models.Q(closure_outcome="")
                )
                | (~models.Q(status="closed") & models.Q(closed_on__isnull=True) & models.Q(closure_outcome="")),
                name="referral_closed_has_date_and_outcome",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["engaged", "not_engaged"]) | models.Q(engagement=models.F("status")),
                name="referral_engagement_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()} referral of {self.case}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class ReferralEvent(models.Model):
    """One dated step on a referral's timeline: what happened, on which day, who recorded it, and when."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Referral received"
        ALLOCATED = "allocated", "Allocated"
        REALLOCATED = "reallocated", "Reallocated"
        CONTACT_ATTEMPT = "contact_attempt", "Contact attempt"
        ENGAGED = "engaged", "Engaged"
        NOT_ENGAGED = "not_engaged", "Did not engage"
        REOPENED = "reopened", "Re-opened"
        CLOSED = "closed", "Closed"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    on = models.DateField(help_text="The day it happened.")
    status_after = models.CharField(max_length=20, choices=Referral.Status.choices)
    detail = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The acting agency: for an API key there is no person.
    recorded_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["on", "recorded_at", "pk"]
        indexes = [models.Index(fields=["referral", "on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.on}"


class ContactAttempt(Tracked):
    """An attempt to reach the victim, made only through their safe contact details."""

    class Method(models.TextChoices):
        PHONE_CALL = "phone_call", "Phone call"
        TEXT_MESSAGE = "text_message", "Text message"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person"
        THROUGH_PROFESSIONAL = "through_professional", "Through a professional"

    class Outcome(models.TextChoices):
        SPOKE_TO_VICTIM = "spoke_to_victim", "Spoke to the victim"
        NO_ANSWER = "no_answer", "No answer"
        MESSAGE_LEFT = "message_left", "Message left"
        NOT_SAFE_TO_TALK = "not_safe_to_talk", "Not safe to talk"
        WRONG_DETAILS = "wrong_details", "Contact details wrong"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="contact_attempts")
    made_on = models.DateField()
    method = models.CharField(max_length=30, choices=Method.choices)
    safe_to_leave_message = models.BooleanField()
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    notes = models.TextField(blank=True)
    made_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    history = tracked_history()

    class Meta:
        ordering = ["made_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="message_left") | models.Q(safe_to_leave_message=True),
                name="message_left_only_when_safe",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} on {self.made_on}: {self.get_outcome_display()}"

    @property
    def successful(self) -> bool:
        return self.outcome == self.Outcome.SPOKE_TO_VICTIM


class SafetyMeasure(models.Model):
    """A safety measure an IDVA can record at closure (a list partnership administrators keep)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class RiskReduced(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not known"


class Closure(Tracked):
    """What a closed referral achieved: the outcomes the annual report counts."""

    class CriminalJustice(models.TextChoices):
        NONE = "none", "No criminal proceedings"
        ONGOING = "ongoing", "Proceedings ongoing"
        NO_FURTHER_ACTION = "no_further_action", "No further action"
        OUT_OF_COURT = "out_of_court", "Out-of-court disposal"
        CHARGED = "charged", "Charged, awaiting trial"
        CONVICTED = "convicted", "Convicted"
        ACQUITTED = "acquitted", "Acquitted"
        DISCONTINUED = "discontinued", "Case discontinued"

    class CivilJustice(models.TextChoices):
        NONE = "none", "No civil proceedings"
        ONGOING = "ongoing", "Proceedings ongoing"
        NON_MOLESTATION_ORDER = "non_molestation_order", "Non-molestation order granted"
        OCCUPATION_ORDER = "occupation_order", "Occupation order granted"
        CHILD_ARRANGEMENTS = "child_arrangements", "Child arrangements order"
        FORCED_MARRIAGE_PROTECTION = "forced_marriage_protection", "Forced marriage protection order"
        REFUSED = "refused", "Application refused"

    class Housing(models.TextChoices):
        NOT_APPLICABLE = "not_applicable", "Not applicable"
        SAFE_AT_HOME = "safe_at_home", "Remained safely at home"
        REFUGE = "refuge", "Moved to a refuge"
        REHOUSED = "rehoused", "Rehoused"
        TEMPORARY = "temporary", "In temporary accommodation"
        WITH_FAMILY = "with_family", "Staying with family or friends"

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="closure")
    risk_reduced_idva_view = models.CharField(
        max_length=10, choices=RiskReduced.choices, default=RiskReduced.NOT_KNOWN, verbose_name="risk reduced (IDVA)"
    )
    risk_reduced_victim_view = models.CharField(
        max_length=10, choices=RiskReduced.choices, default=RiskReduced.NOT_KNOWN, verbose_name="risk reduced (victim)"
    )
    safety_measures = models.ManyToManyField(SafetyMeasure, blank=True, related_name="closures")
    criminal_justice_outcome = models.CharField(
        max_length=30, choices=CriminalJustice.choices, default=CriminalJustice.NONE
    )
    civil_justice_outcome = models.CharField(max_length=30, choices=CivilJustice.choices, default=CivilJustice.NONE)
    housing_outcome = models.CharField(max_length=20, choices=Housing.choices, default=Housing.NOT_APPLICABLE)
    notes = models.TextField(blank=True)

    history = tracked_history(m2m_fields=[safety_measures])

    def __str__(self) -> str:
        return f"Closure of {self.referral}"


class RepeatMaracAlert(models.Model):
    """An incident between a victim and perpetrator referred to MARAC in the previous 365 days: a
    repeat MARAC for the coordinator to confirm (making a MARAC referral with reason repeat) or dismiss."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="repeat_marac_alert")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="repeat_marac_alerts")
    previous_referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    dismissal_reason = models.TextField(blank=True)
    referral = models.OneToOneField(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="repeat_marac_alert"
    )

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="confirmed") | models.Q(referral__isnull=False),
                name="confirmed_alert_has_referral",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="dismissed") | ~models.Q(dismissal_reason=""),
                name="dismissed_alert_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Repeat MARAC alert for {self.case}"
