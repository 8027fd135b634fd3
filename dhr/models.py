"""Domestic Homicide Reviews, or Domestic Abuse Related Death Reviews (domain.md section 7): the reviews
the partnership tracks from notification to publication, their stages and deadlines, Individual
Management Reviews, the Home Office quality assurance panel, recommendations with learning themes, and the
action plans that follow.

No names of the deceased are kept. Who may see what is decided in dhr.selectors; every write is a service.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from agencies.models import Agency, AgencyAction, Area, Tracked, tracked_history
from cases.models import Case, Gender


class Stage(Tracked):
    """A stage of the review process, in order, with its target (configurable in the admin; defaults in
    docs/dhr.md): a stage's target is the day by which a review should have moved past it, counted from
    the day it entered the stage, from the notification, or from the decision to review."""

    class TargetFrom(models.TextChoices):
        STAGE_ENTERED = "stage_entered", "The day the review entered the stage"
        NOTIFICATION = "notification", "The day the death was notified"
        DECISION = "decision", "The day of the decision to review"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(unique=True)
    description = models.TextField(blank=True)
    target_months = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(60)])
    target_days = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(366)])
    target_from = models.CharField(max_length=20, choices=TargetFrom.choices, default=TargetFrom.STAGE_ENTERED)
    # A review in a final stage is no longer open (published and its action plan delivered, or closed).
    is_final = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    history = tracked_history()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_target(self) -> bool:
        return bool(self.target_months or self.target_days)


class LearningTheme(Tracked):
    """A learning theme recommendations are tagged with (configurable: substance misuse, suicide, male
    victims...)."""

    name = models.CharField(max_length=80, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Review(Tracked):
    """One death that may meet the criteria, from notification to publication and its action plan."""

    class DeathType(models.TextChoices):
        HOMICIDE = "homicide", "Homicide"
        SUICIDE = "suicide", "Suicide"
        OTHER = "other", "Other"

    class AgeBand(models.TextChoices):
        UNDER_16 = "under_16", "Under 16"
        AGE_16_17 = "16_17", "16 to 17"
        AGE_18_24 = "18_24", "18 to 24"
        AGE_25_34 = "25_34", "25 to 34"
        AGE_35_44 = "35_44", "35 to 44"
        AGE_45_54 = "45_54", "45 to 54"
        AGE_55_64 = "55_64", "55 to 64"
        AGE_65_74 = "65_74", "65 to 74"
        AGE_75_PLUS = "75_plus", "75 and over"
        NOT_KNOWN = "not_known", "Not known"

    class Relationship(models.TextChoices):
        PARTNER = "partner", "Partner"
        EX_PARTNER = "ex_partner", "Ex-partner"
        PARENT = "parent", "Parent (killed by their child)"
        CHILD = "child", "Child (killed by their parent)"
        OTHER_FAMILY = "other_family", "Other family member"
        HOUSEHOLD = "household", "Member of the same household"
        NONE_KNOWN = "none_known", "No known perpetrator (suicide)"
        OTHER = "other", "Other"

    class Decision(models.TextChoices):
        PENDING = "pending", "Not decided yet"
        COMMISSION = "commission", "Review commissioned"
        NOT_COMMISSIONED = "not_commissioned", "Criteria not met: no review"
        CHILD_DEATH_REVIEW = "child_death_review", "Reviewed as a child death instead"

    reference = models.CharField(max_length=30, unique=True, editable=False)
    # The deceased: no name is kept.
    deceased_gender = models.CharField(max_length=20, choices=Gender.choices)
    deceased_age_band = models.CharField(max_length=12, choices=AgeBand.choices, default=AgeBand.NOT_KNOWN)
    relationship = models.CharField(
        max_length=20, choices=Relationship.choices, help_text="The deceased's relationship to the perpetrator."
    )
    death_type = models.CharField(max_length=10, choices=DeathType.choices)
    date_of_death = models.DateField()
    notified_on = models.DateField()
    notified_by = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    notification_notes = models.TextField(blank=True)
    # The Community Safety Partnership responsible: the area it covers.
    community_safety_partnership = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    decision_on = models.DateField(null=True, blank=True)
    decision_rationale = models.TextField(blank=True)
    home_office_informed_on = models.DateField(null=True, blank=True)
    criminal_proceedings_pending = models.BooleanField(default=False)
    independent_chair = models.CharField(max_length=160, blank=True)
    author = models.CharField(max_length=160, blank=True)
    panel_agencies = models.ManyToManyField(Agency, through="PanelMembership", related_name="dhr_reviews")
    # Optional link to the victim's case; set and shown only to those who may see the case.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="reviews")
    stage_entered_on = models.DateField()
    local_approval_on = models.DateField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    publication_url = models.URLField(blank=True)
    # The stage target the coordinators were last told was passed ("<stage code>:<due day>"): each once.
    overdue_notified = models.CharField(max_length=60, blank=True, editable=False)

    history = tracked_history()

    class Meta:
        ordering = ["-notified_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision="pending", decision_on__isnull=True)
                | (~models.Q(decision="pending") & models.Q(decision_on__isnull=False)),
                name="review_decision_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(notified_on__gte=models.F("date_of_death")), name="review_notified_after_death"
            ),
        ]
        indexes = [models.Index(fields=["notified_on"]), models.Index(fields=["stage", "stage_entered_on"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def meets_criteria(self) -> bool | None:
        """Whether the death met the criteria for a review: decided with the decision (None until then)."""
        if self.decision == self.Decision.PENDING:
            return None
        return self.decision != self.Decision.NOT_COMMISSIONED


class PanelMembership(Tracked):
    """An agency sitting on a review's panel, and who represents it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    representative = models.CharField(max_length=160, blank=True)

    class Meta:
        ordering = ["review", "agency__name"]
        constraints = [models.UniqueConstraint(fields=["review", "agency"], name="one_dhr_membership_per_agency")]

    def __str__(self) -> str:
        return f"{self.agency} on {self.review}"


class StageEvent(models.Model):
    """A review entering a stage, on a day, with notes: the review's timeline."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="stage_events")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    entered_on = models.DateField()
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "entered_on", "pk"]

    def __str__(self) -> str:
        return f"{self.review} entered {self.stage} on {self.entered_on}"


class ImrRequest(Tracked):
    """An Individual Management Review asked of an agency: requested, due, received."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="imrs")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField()
    due_on = models.DateField()
    received_on = models.DateField(null=True, blank=True)

    history = tracked_history()

    class Meta:
        ordering = ["review", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "agency"], name="one_imr_per_agency"),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("requested_on")), name="imr_due_after_request"
            ),
        ]

    def __str__(self) -> str:
        return f"IMR of {self.agency} for {self.review}"


class QaSubmission(Tracked):
    """A submission to the Home Office Quality Assurance Panel and its feedback; a resubmission after
    revisions is a new row."""

    class Feedback(models.TextChoices):
        AWAITING = "", "Awaiting feedback"
        ACCEPTED = "accepted", "Accepted"
        REVISIONS_REQUESTED = "revisions_requested", "Revisions requested"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="qa_submissions")
    submitted_on = models.DateField()
    feedback = models.CharField(max_length=20, choices=Feedback.choices, blank=True, default="")
    feedback_on = models.DateField(null=True, blank=True)
    feedback_notes = models.TextField(blank=True)

    history = tracked_history()

    class Meta:
        ordering = ["review", "submitted_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(feedback="") & models.Q(feedback_on__isnull=True))
                | (~models.Q(feedback="") & models.Q(feedback_on__isnull=False)),
                name="qa_feedback_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review} submitted to the Home Office on {self.submitted_on}"


class Recommendation(Tracked):
    """A recommendation of a review, tagged with learning themes, with its action plan."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    text = models.TextField()
    themes = models.ManyToManyField(LearningTheme, related_name="recommendations", blank=True)

    history = tracked_history()

    class Meta:
        ordering = ["review", "number"]
        constraints = [models.UniqueConstraint(fields=["review", "number"], name="one_recommendation_number")]

    def __str__(self) -> str:
        return f"{self.review} recommendation {self.number}"


class ReviewAction(AgencyAction):
    """An action of a recommendation's plan: the owning agency, its lead, the target date (due on), the
    evidence of completion, the status, and the coordinator's sign-off of a completed action."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT, related_name="actions")
    lead = models.CharField(max_length=160, help_text="The person in the owning agency who leads it.")
    evidence = models.TextField(blank=True)
    signed_off_on = models.DateField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    overdue_notified_on = models.DateField(null=True, blank=True, editable=False)

    history = tracked_history()

    class Meta(AgencyAction.Meta):
        ordering = ["due_on", "pk"]
