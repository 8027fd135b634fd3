"""Filter, input and output serializers of the reviews API: reviews (where each one is and what is overdue),
recommendations with their action plans, and the owning agency's steps on an action.

No name of the deceased exists to return. The link to the victim's case is an id only for a caller who may
see that case (the views put the visible case ids in the context). Ids in filters resolve only to what the
caller may see (through dhr.selectors); the services validate everything else.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.api.actions import ActionUpdateOutputSerializer
from agencies.models import AgencyAction
from cases.models import Gender
from dhr.models import ImrRequest, LearningTheme, QaSubmission, Recommendation, Review, ReviewAction, Stage, StageEvent
from dhr.selectors import Progress, review_get, review_progress

# --- Filters -----------------------------------------------------------------------------------------


class VisibleReviewField(serializers.IntegerField):
    """A review id: one the caller may see, else "No such review."."""

    default_error_messages = {"no_such_review": "No such review."}

    def to_internal_value(self, data: Any) -> Review:
        pk = super().to_internal_value(data)
        try:
            return review_get(actor=self.context["request"].user, pk=pk)
        except Http404:
            self.fail("no_such_review")
            raise  # unreachable: fail() raises


class LearningThemeField(serializers.CharField):
    """A learning theme by its name (any case), else "No such learning theme."."""

    default_error_messages = {"no_such_theme": "No such learning theme."}

    def to_internal_value(self, data: Any) -> LearningTheme:
        name = super().to_internal_value(data)
        theme = LearningTheme.objects.filter(name__iexact=name.strip()).first()
        if theme is None:
            self.fail("no_such_theme")
        return theme


# Without allow_null an absent boolean reads as false (DRF's rule for query strings): absent is no filter.
def _optional_boolean(help_text: str) -> serializers.BooleanField:
    return serializers.BooleanField(required=False, allow_null=True, default=None, help_text=help_text)


class ReviewFilterSerializer(serializers.Serializer):
    stage = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Stage.objects.all(),
        required=False,
        help_text="Only reviews at this stage (its code, e.g. `overview_report`).",
    )
    open = _optional_boolean("true: reviews not in a final stage; false: those published and closed.")
    overdue = _optional_boolean("true: only reviews past a stage target; false: only those on time.")
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only reviews changed at or after this time (ISO 8601, with offset)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = dict(attrs)
        attrs["is_open"] = attrs.pop("open", None)
        return attrs


class RecommendationFilterSerializer(serializers.Serializer):
    review = VisibleReviewField(required=False, help_text="Only the recommendations of this review (an id).")
    theme = LearningThemeField(required=False, help_text="Only recommendations tagged with this learning theme.")
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only recommendations changed at or after this time (ISO 8601, with offset)."
    )


class ReviewActionFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AgencyAction.Status.choices, required=False)
    overdue = _optional_boolean("true: only open actions past their target date; false: only the others.")
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only actions changed at or after this time (ISO 8601, with offset)."
    )


# --- Reviews -----------------------------------------------------------------------------------------


class DeceasedOutputSerializer(serializers.Serializer):
    """What is kept of the deceased: no name."""

    gender = serializers.ChoiceField(source="deceased_gender", choices=Gender.choices, read_only=True)
    age_band = serializers.ChoiceField(source="deceased_age_band", choices=Review.AgeBand.choices, read_only=True)
    relationship = serializers.ChoiceField(
        choices=Review.Relationship.choices, read_only=True, help_text="The deceased's relationship to the perpetrator."
    )


class ReviewStageOutputSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    entered_on = serializers.DateField(read_only=True, help_text="The day the review entered the stage.")
    days_in_stage = serializers.IntegerField(read_only=True, help_text="Whole days since then (0 on the day).")


class TargetOutputSerializer(serializers.Serializer):
    stage = serializers.CharField(read_only=True, help_text="The code of the stage the target belongs to.")
    due_on = serializers.DateField(read_only=True, help_text="The target day (overdue from the day after).")


class ReviewOutputSerializer(serializers.ModelSerializer):
    """A review with where it is and what is overdue. The context holds the stage `targets`, `today` and
    `visible_case_ids` (the linked cases the caller may see)."""

    deceased = DeceasedOutputSerializer(source="*", read_only=True)
    notified_by = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The agency's slug.")
    community_safety_partnership = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The slug of the area whose partnership is responsible."
    )
    reviewed_as_child_death = serializers.SerializerMethodField()
    panel_agencies = serializers.SerializerMethodField()
    stage = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    next_target = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "reference",
            "deceased",
            "death_type",
            "date_of_death",
            "notified_on",
            "notified_by",
            "community_safety_partnership",
            "decision",
            "decision_on",
            "decision_rationale",
            "home_office_informed_on",
            "reviewed_as_child_death",
            "criminal_proceedings_pending",
            "independent_chair",
            "author",
            "panel_agencies",
            "stage",
            "overdue",
            "next_target",
            "local_approval_on",
            "published_on",
            "publication_url",
            "case",
            "updated_at",
        ]
        read_only_fields = fields

    def _progress(self, review: Review) -> Progress:
        cache = self.context.setdefault("progress", {})
        if review.pk not in cache:
            cache[review.pk] = review_progress(review, targets=self.context["targets"], today=self.context["today"])
        return cache[review.pk]

    def get_reviewed_as_child_death(self, review: Review) -> bool:
        """Whether the death is reviewed as a child death instead."""
        return review.decision == Review.Decision.CHILD_DEATH_REVIEW

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_panel_agencies(self, review: Review) -> list[str]:
        """The slugs of the agencies on the review's panel."""
        return sorted(membership.agency.slug for membership in review.memberships.all())

    @extend_schema_field(ReviewStageOutputSerializer)
    def get_stage(self, review: Review) -> dict[str, Any]:
        """Where the review is, since when, and for how many days."""
        return {
            "code": review.stage.code,
            "name": review.stage.name,
            "entered_on": review.stage_entered_on,
            "days_in_stage": self._progress(review).days_in_stage,
        }

    @extend_schema_field(TargetOutputSerializer(many=True))
    def get_overdue(self, review: Review) -> list[dict[str, Any]]:
        """The targets the review has passed, earliest first (empty when on time)."""
        return [{"stage": target.stage_code, "due_on": target.due_on} for target in self._progress(review).overdue]

    @extend_schema_field(TargetOutputSerializer(allow_null=True))
    def get_next_target(self, review: Review) -> dict[str, Any] | None:
        """The earliest target not yet passed, or null."""
        target = self._progress(review).next_target
        return None if target is None else {"stage": target.stage_code, "due_on": target.due_on}

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_case(self, review: Review) -> int | None:
        """The victim's case (its id), only when the caller may see it; else null."""
        return review.case_id if review.case_id in self.context["visible_case_ids"] else None


class StageEventOutputSerializer(serializers.ModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="The stage's code.")

    class Meta:
        model = StageEvent
        fields = ["stage", "entered_on", "notes"]
        read_only_fields = fields


class ImrOutputSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The agency's slug.")

    class Meta:
        model = ImrRequest
        fields = ["agency", "requested_on", "due_on", "received_on"]
        read_only_fields = fields


class QaSubmissionOutputSerializer(serializers.ModelSerializer):
    feedback = serializers.ChoiceField(
        choices=QaSubmission.Feedback.choices,
        read_only=True,
        help_text="Empty while awaiting feedback; `accepted` or `revisions_requested`.",
    )

    class Meta:
        model = QaSubmission
        fields = ["submitted_on", "feedback", "feedback_on", "feedback_notes"]
        read_only_fields = fields


class ReviewDetailOutputSerializer(ReviewOutputSerializer):
    timeline = StageEventOutputSerializer(
        source="stage_events", many=True, read_only=True, help_text="Each stage entered, oldest first."
    )
    imrs = ImrOutputSerializer(many=True, read_only=True, help_text="Individual Management Reviews requested.")
    qa_submissions = QaSubmissionOutputSerializer(
        many=True, read_only=True, help_text="Submissions to the Home Office Quality Assurance Panel, oldest first."
    )
    recommendations = serializers.SerializerMethodField()

    class Meta(ReviewOutputSerializer.Meta):
        fields = [*ReviewOutputSerializer.Meta.fields, "timeline", "imrs", "qa_submissions", "recommendations"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_recommendations(self, review: Review) -> list[int]:
        """The ids of the review's recommendations, in number order."""
        return [recommendation.pk for recommendation in review.recommendations.all()]


# --- Recommendations and actions ------------------------------------------------------------------------


class RecommendationActionOutputSerializer(serializers.ModelSerializer):
    assigned_agency = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The owning agency (its slug)."
    )
    lead = serializers.CharField(read_only=True, help_text="Who leads it in the owning agency.")

    class Meta:
        model = ReviewAction
        fields = [
            "id",
            "assigned_agency",
            "lead",
            "description",
            "due_on",
            "status",
            "not_done_reason",
            "completed_on",
            "evidence",
            "signed_off_on",
        ]
        read_only_fields = fields


class RecommendationOutputSerializer(serializers.ModelSerializer):
    review_reference = serializers.CharField(source="review.reference", read_only=True)
    themes = serializers.SerializerMethodField()
    actions = RecommendationActionOutputSerializer(
        many=True, read_only=True, help_text="The actions of its plan the caller may see."
    )

    class Meta:
        model = Recommendation
        fields = ["id", "review", "review_reference", "number", "text", "themes", "actions"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_themes(self, recommendation: Recommendation) -> list[str]:
        """The learning themes' names."""
        return [theme.name for theme in recommendation.themes.all()]


class ReviewActionOutputSerializer(RecommendationActionOutputSerializer):
    review = serializers.IntegerField(source="recommendation.review_id", read_only=True, help_text="The review.")
    review_reference = serializers.CharField(source="recommendation.review.reference", read_only=True)
    updates = ActionUpdateOutputSerializer(many=True, read_only=True, help_text="Progress notes, oldest first.")

    class Meta(RecommendationActionOutputSerializer.Meta):
        fields = [
            "id",
            "recommendation",
            "review",
            "review_reference",
            *RecommendationActionOutputSerializer.Meta.fields[1:],
            "updates",
            "updated_at",
        ]
        read_only_fields = fields


class ReviewActionEvidenceInputSerializer(serializers.Serializer):
    evidence = serializers.CharField(help_text="The evidence that the action is delivered (replaces any earlier).")
