"""Input, filter and output serializers of the referrals API: risk assessments, referrals, workflow steps.

Inputs are only shaped here and ids resolved to what the caller may see: the services
(`risk_assessment_submit`, `referral_create` and the workflow's steps) validate everything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency, Role, User
from agencies.selectors import staff_list
from cases.api.serializers import VisibleCaseField, VisiblePersonField
from cases.instruments import DASH_CODE, EXTERNAL_GRADE_CODE
from cases.models import RiskAssessment, RiskInstrument, RiskLevel
from cases.selectors import instrument_get, risk_assessment_get
from referrals.models import (
    Closure,
    ContactAttempt,
    MaracCriterion,
    Referral,
    ReferralEvent,
    RiskReduced,
    Routing,
)
from referrals.selectors import REFERRAL_ORDERINGS, visible_referrals

if TYPE_CHECKING:
    from agencies.actors import Actor


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


# --- Referrals -------------------------------------------------------------------------------------


class VisibleRiskAssessmentField(serializers.IntegerField):
    """A risk assessment id: one of a case the caller may see, else "No such risk assessment."."""

    default_error_messages = {"no_such_risk_assessment": "No such risk assessment."}

    def to_internal_value(self, data: Any) -> RiskAssessment:
        pk = super().to_internal_value(data)
        try:
            return risk_assessment_get(actor=self.context["request"].user, pk=pk)
        except Http404:
            self.fail("no_such_risk_assessment")
            raise  # unreachable: fail() raises


def _known_user(*, actor: Actor, pk: int) -> User | None:
    """The user, if the caller already knows of them: its own agency's staff, or the IDVA allocated to a
    referral it may see."""
    known = Q(pk__in=staff_list(actor=actor).values("pk")) | Q(
        pk__in=visible_referrals(actor).filter(allocated_to__isnull=False).values("allocated_to")
    )
    return User.objects.filter(known, pk=pk).first()


class KnownUserField(serializers.IntegerField):
    """A user id the caller could already know: staff of its own agency, or the IDVA of a referral it may
    see; any other id is "No such user." whether or not it exists, so ids do not leak."""

    default_error_messages = {"no_such_user": "No such user."}

    def to_internal_value(self, data: Any) -> User:
        pk = super().to_internal_value(data)
        user = _known_user(actor=self.context["request"].user, pk=pk)
        if user is None:
            self.fail("no_such_user")
        return user


class AgencyIdvaField(serializers.IntegerField):
    """The id of an active IDVA of the caller's own agency (from `GET /api/v1/staff/?role=idva`)."""

    default_error_messages = {"no_such_idva": "No such IDVA in your agency."}

    def to_internal_value(self, data: Any) -> User:
        pk = super().to_internal_value(data)
        idva = staff_list(actor=self.context["request"].user, role=Role.IDVA).filter(pk=pk).first()
        if idva is None:
            self.fail("no_such_idva")
        return idva


@extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=MaracCriterion.choices)))
class MaracCriteriaField(serializers.ListField):
    """MARAC criteria codes; unknown codes are refused by the service, with one message on the field."""

    child = serializers.CharField()


@extend_schema_field(serializers.ListField(child=serializers.SlugField()))
class SafetyMeasureCodesField(serializers.ListField):
    """Safety measure codes from the partnership's list; unknown codes are refused by the service."""

    child = serializers.CharField()


class ReferralInputSerializer(serializers.Serializer):
    case = VisibleCaseField(help_text="A case the caller's agency may add to.")
    service = serializers.ChoiceField(choices=Referral.Service.choices)
    received_on = serializers.DateField(help_text="Not in the future.")
    risk_assessment = VisibleRiskAssessmentField(
        required=False, allow_null=True, default=None, help_text="An assessment of the same case."
    )
    consent = serializers.ChoiceField(choices=Referral.Consent.choices, default=Referral.Consent.GIVEN)
    consent_reason = serializers.CharField(
        allow_blank=True,
        default="",
        help_text="Why the referral is shared without consent: required when consent is `not_given_shared_to_protect`.",
    )
    reasons = MaracCriteriaField(default=list, help_text="MARAC criteria codes (several may apply).")
    details = serializers.CharField(allow_blank=True, default="", help_text="What the service should know.")
    receiving_agency = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Agency.objects.filter(active=True),
        allow_null=True,
        default=None,
        help_text="The slug of the agency to refer to; needed only when several provide the service.",
    )
    referrer_name = serializers.CharField(
        max_length=160, allow_blank=True, default="", help_text="Defaults to the signed-in user's name."
    )
    referrer_job_title = serializers.CharField(max_length=120, allow_blank=True, default="")
    referrer_phone = serializers.CharField(max_length=40, allow_blank=True, default="")
    # No default here: an empty default is not an email, which the schema would show.
    referrer_email = serializers.EmailField(
        allow_blank=True, required=False, help_text="Defaults to the signed-in user's email."
    )
    perpetrator = VisiblePersonField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For service `perpetrator_panel`: the person id of the perpetrator referred, one of the case's "
        "perpetrators (needed only when the case has several). Other services take none.",
    )


class ReferralOutputSerializer(serializers.ModelSerializer):
    referring_agency = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    receiving_agency = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=MaracCriterion.choices), read_only=True, help_text="MARAC criteria."
    )
    is_repeat = serializers.BooleanField(
        read_only=True,
        help_text="An earlier referral to the same service for the same victim and one of the same "
        "perpetrators, received in the 365 days ending on `received_on` (decided when received).",
    )
    allocated_to = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The allocated IDVA's user id.")
    perpetrator = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The person id of the perpetrator referred to the perpetrator panel; null for other services.",
    )
    contact_overdue_since = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="Set when no contact attempt was made within the deadline (working days): the first day late.",
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "service",
            "perpetrator",
            "referring_agency",
            "receiving_agency",
            "referrer_name",
            "referrer_job_title",
            "referrer_phone",
            "referrer_email",
            "received_on",
            "risk_assessment",
            "reasons",
            "details",
            "consent",
            "consent_reason",
            "status",
            "is_repeat",
            "allocated_to",
            "allocated_on",
            "first_contact_attempt_on",
            "engagement",
            "engagement_on",
            "not_engaged_reason",
            "not_engaged_detail",
            "closed_on",
            "closure_outcome",
            "contact_overdue_since",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReferralEventOutputSerializer(serializers.ModelSerializer):
    recorded_by = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The user who recorded it; null for an agency's API key."
    )
    recorded_by_agency = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ReferralEvent
        fields = ["kind", "on", "status_after", "detail", "recorded_at", "recorded_by", "recorded_by_agency"]
        read_only_fields = fields


class ContactAttemptOutputSerializer(serializers.ModelSerializer):
    made_by = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The user who made it; null for an agency's API key."
    )

    class Meta:
        model = ContactAttempt
        fields = ["id", "made_on", "method", "safe_to_leave_message", "outcome", "notes", "made_by", "created_at"]
        read_only_fields = fields


class ClosureOutputSerializer(serializers.ModelSerializer):
    safety_measures = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Closure
        fields = [
            "risk_reduced_idva_view",
            "risk_reduced_victim_view",
            "safety_measures",
            "criminal_justice_outcome",
            "civil_justice_outcome",
            "housing_outcome",
            "notes",
            "created_at",
        ]
        read_only_fields = fields


class ReferralDetailOutputSerializer(ReferralOutputSerializer):
    """A referral with its timeline, contact attempts and closure. The view passes the closure (or None)
    as `context["closure"]`, read once by the closure selector."""

    events = ReferralEventOutputSerializer(many=True, read_only=True, help_text="The timeline, oldest first.")
    contact_attempts = ContactAttemptOutputSerializer(many=True, read_only=True)
    closure = serializers.SerializerMethodField()

    class Meta(ReferralOutputSerializer.Meta):
        fields = [*ReferralOutputSerializer.Meta.fields, "events", "contact_attempts", "closure"]
        read_only_fields = fields

    @extend_schema_field(ClosureOutputSerializer(allow_null=True))
    def get_closure(self, referral: Referral) -> dict[str, Any] | None:
        """What the support achieved; null until the referral is closed."""
        closure = self.context.get("closure")
        return ClosureOutputSerializer(closure).data if closure is not None else None


class ReferralFilterSerializer(serializers.Serializer):
    service = serializers.ChoiceField(choices=Referral.Service.choices, required=False)
    status = serializers.ChoiceField(choices=Referral.Status.choices, required=False)
    received_from = serializers.DateField(required=False, help_text="Received on or after this date.")
    received_to = serializers.DateField(required=False, help_text="Received on or before this date.")
    allocated_to = KnownUserField(required=False, help_text="Allocated to this IDVA (a user id).")
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only referrals changed at or after this time (ISO 8601, with offset)."
    )
    case = VisibleCaseField(required=False)
    # Without allow_null an absent boolean reads as false (DRF's rule for query strings): absent is no filter.
    contact_overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only referrals whose first contact attempt is overdue; false: only the others.",
    )
    ordering = serializers.ChoiceField(
        choices=sorted(REFERRAL_ORDERINGS), required=False, help_text="Default `-received` (newest first)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("received_from"), attrs.get("received_to")
        if start and end and start > end:
            raise serializers.ValidationError({"received_to": ["Give a date on or after received_from."]})
        return attrs


# --- The IDVA workflow's steps ---------------------------------------------------------------------


class AllocateInputSerializer(serializers.Serializer):
    idva = AgencyIdvaField(help_text="An IDVA of the caller's agency: a user id from `GET /api/v1/staff/?role=idva`.")
    on = serializers.DateField(required=False, help_text="Defaults to today.")


class EngagementInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Referral.Engagement.choices)
    reason = serializers.ChoiceField(
        choices=Referral.NotEngagedReason.choices,
        allow_blank=True,
        default="",
        help_text="Required when the outcome is `not_engaged`; not given otherwise.",
    )
    detail = serializers.CharField(allow_blank=True, default="", help_text="Required when the reason is `other`.")
    on = serializers.DateField(help_text="Not in the future, nor before the last step on the timeline.")


class CloseInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Referral.ClosureOutcome.choices)
    on = serializers.DateField(help_text="Not in the future, nor before the last step on the timeline.")
    risk_reduced_idva_view = serializers.ChoiceField(choices=RiskReduced.choices, default=RiskReduced.NOT_KNOWN)
    risk_reduced_victim_view = serializers.ChoiceField(choices=RiskReduced.choices, default=RiskReduced.NOT_KNOWN)
    safety_measures = SafetyMeasureCodesField(default=list, help_text="Codes of the safety measures in place.")
    criminal_justice_outcome = serializers.ChoiceField(
        choices=Closure.CriminalJustice.choices, default=Closure.CriminalJustice.NONE
    )
    civil_justice_outcome = serializers.ChoiceField(
        choices=Closure.CivilJustice.choices, default=Closure.CivilJustice.NONE
    )
    housing_outcome = serializers.ChoiceField(choices=Closure.Housing.choices, default=Closure.Housing.NOT_APPLICABLE)
    notes = serializers.CharField(allow_blank=True, default="")


class ReopenInputSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="Not in the future, nor before the last step on the timeline.")
    detail = serializers.CharField(allow_blank=True, help_text="How the victim got back in touch (required).")


class ContactAttemptInputSerializer(serializers.Serializer):
    made_on = serializers.DateField(help_text="Not in the future, nor before the referral was received.")
    method = serializers.ChoiceField(choices=ContactAttempt.Method.choices)
    safe_to_leave_message = serializers.BooleanField(help_text="Whether it was safe to leave a message.")
    outcome = serializers.ChoiceField(
        choices=ContactAttempt.Outcome.choices, help_text="`message_left` only when it was safe to leave one."
    )
    notes = serializers.CharField(allow_blank=True, default="")
