"""Routing policies and decisions, and referrals (the IDVA workflow grows on them)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from agencies.models import Agency, Tracked, tracked_history
from cases.models import Case, RiskAssessment


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
    """A referral of a case to a service."""

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

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    risk_assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    service = models.CharField(max_length=20, choices=Service.choices)
    referring_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_made")
    referrer = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_made"
    )
    received_on = models.DateField()
    reasons = models.JSONField(default=list, blank=True)
    consent = models.CharField(max_length=30, choices=Consent.choices, default=Consent.GIVEN)
    consent_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    is_repeat = models.BooleanField(default=False, editable=False)

    history = tracked_history()

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["service", "received_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(consent="not_given_shared_to_protect") | ~models.Q(consent_reason=""),
                name="sharing_without_consent_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()} referral of {self.case}"
