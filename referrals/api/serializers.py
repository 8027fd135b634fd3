"""Input, filter and output serializers of the risk assessments API.

The input is only shaped here: `referrals.services.risk_assessment_submit` validates the answers, the
dates and the judgement, routes the assessment and makes its referrals.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency
from cases.api.serializers import VisibleCaseField
from cases.instruments import DASH_CODE, EXTERNAL_GRADE_CODE
from cases.models import RiskAssessment, RiskInstrument, RiskLevel
from cases.selectors import instrument_get
from referrals.models import MaracCriterion, Referral, Routing


class InstrumentField(serializers.CharField):
    """A risk instrument's code."""

    default_error_messages = {"no_such_instrument": "No such instrument: {code}."}

    def to_internal_value(self, data: Any) -> RiskInstrument:
        code = super().to_internal_value(data)
        try:
            return instrument_get(code=code)
        except LookupError:
            self.fail("no_such_instrument", code=code)
            raise  # unreachable: fail() raises


class RiskAssessmentInputSerializer(serializers.Serializer):
    case = VisibleCaseField(help_text="A case the caller's agency may add to.")
    instrument = InstrumentField(help_text=f"`{DASH_CODE}` (24 answers) or `{EXTERNAL_GRADE_CODE}`.")
    assessed_on = serializers.DateField(help_text="Not in the future.")
    answers = serializers.DictField(
        child=serializers.CharField(),
        default=dict,
        help_text=f'For `{DASH_CODE}`: all of "q1" to "q24", each "yes", "no" or "not_known".',
    )
    professional_judgement = serializers.BooleanField(default=False)
    professional_judgement_reason = serializers.CharField(
        allow_blank=True, default="", help_text="Required when professional_judgement is true."
    )
    victim_view = serializers.CharField(allow_blank=True, default="", help_text="The victim's own view of the risk.")
    external_grade = serializers.ChoiceField(
        choices=RiskLevel.choices, allow_blank=True, default="", help_text=f"Required for `{EXTERNAL_GRADE_CODE}`."
    )
    external_tool = serializers.ChoiceField(choices=RiskAssessment.ExternalTool.choices, allow_blank=True, default="")
    external_agency = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Agency.objects.all(),
        allow_null=True,
        default=None,
        help_text="The slug of the agency that graded the risk.",
    )
    create_referrals = serializers.BooleanField(
        default=True, help_text="False records and routes the assessment without making its referrals."
    )


class ReferralBriefOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Referral
        fields = ["id", "service", "received_on", "reasons", "is_repeat", "status"]
        read_only_fields = fields


class RiskAssessmentOutputSerializer(serializers.ModelSerializer):
    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assessing_agency = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    external_agency = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    # From the stored routing decision (never recomputed).
    routing = serializers.ChoiceField(
        choices=Routing.choices, source="routing_decision.routing", read_only=True, allow_null=True
    )
    routing_policy = serializers.IntegerField(
        source="routing_decision.policy_id",
        read_only=True,
        allow_null=True,
        help_text="The id of the routing policy that decided.",
    )
    marac_criteria = serializers.SerializerMethodField()
    explanations = serializers.SerializerMethodField()
    referrals = ReferralBriefOutputSerializer(many=True, read_only=True)

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "case",
            "instrument",
            "assessed_on",
            "assessing_agency",
            "answers",
            "score",
            "risk_level",
            "professional_judgement",
            "professional_judgement_reason",
            "victim_view",
            "external_grade",
            "external_tool",
            "external_agency",
            "marac_criteria",
            "routing",
            "routing_policy",
            "explanations",
            "referrals",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @staticmethod
    def _decision(assessment: RiskAssessment) -> Any:
        return getattr(assessment, "routing_decision", None)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=MaracCriterion.choices)))
    def get_marac_criteria(self, assessment: RiskAssessment) -> list[str]:
        """Every MARAC criterion that applied, by code."""
        decision = self._decision(assessment)
        return list(decision.marac_criteria) if decision else []

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_explanations(self, assessment: RiskAssessment) -> dict[str, str]:
        """Why each criterion applied, by criterion code."""
        decision = self._decision(assessment)
        return dict(decision.explanations) if decision else {}


class RiskAssessmentFilterSerializer(serializers.Serializer):
    case = VisibleCaseField(required=False)
