"""Filter, input and output serializers of the perpetrator panel API: panel cases (read-only) and panel
actions with the perpetrator's compliance.

Ids in filters resolve only to what the caller may see (through perpetrator_panel.selectors). Nothing here
reads a victim's safe contact: victims appear by name only, with their current risk.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.api.actions import ActionUpdateOutputSerializer
from agencies.models import AgencyAction
from cases.models import Person, RiskLevel
from perpetrator_panel.models import PanelAction, PanelCase, PlanItem, StatusChange, TacticalOption
from perpetrator_panel.selectors import LinkedVictim, linked_victims, panel_action_list, panel_case_get
from perpetrator_panel.services import FLAGS

# --- Panel cases -----------------------------------------------------------------------------------


class PanelCaseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PanelCase.Status.choices, required=False)
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only panel cases changed at or after this time (ISO 8601, with offset)."
    )
    flag = serializers.ChoiceField(choices=FLAGS, required=False, help_text="Only panel cases with this flag.")


class PanelPerpetratorOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "given_name", "family_name", "date_of_birth", "gender"]
        read_only_fields = fields


class PanelFlagsOutputSerializer(serializers.Serializer):
    stalking = serializers.BooleanField(read_only=True)
    strangulation = serializers.BooleanField(read_only=True, help_text="The victim was strangled.")
    violence_against_parent = serializers.BooleanField(read_only=True)
    no_fixed_abode = serializers.BooleanField(read_only=True)


class PanelCaseOutputSerializer(serializers.ModelSerializer):
    perpetrator = PanelPerpetratorOutputSerializer(read_only=True)
    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=PanelCase.Reason.choices),
        read_only=True,
        help_text="Why the panel took the case (codes).",
    )
    entry_score = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, help_text="The RFGV score on the day the panel took the case."
    )
    score_now = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, help_text="The RFGV score on `score_now_on` (kept nightly)."
    )
    exit_score = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="The RFGV score when the case became inactive; null while active.",
    )
    flags = PanelFlagsOutputSerializer(source="*", read_only=True)
    cases = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="The victims' case ids.")
    open_actions = serializers.IntegerField(read_only=True, help_text="How many of its actions are open.")

    class Meta:
        model = PanelCase
        fields = [
            "id",
            "reference",
            "perpetrator",
            "opened_on",
            "status",
            "status_changed_on",
            "last_incident_on",
            "exited_on",
            "reasons",
            "reasons_detail",
            "entry_score",
            "score_now",
            "score_now_on",
            "exit_score",
            "flags",
            "cases",
            "open_actions",
            "updated_at",
        ]
        read_only_fields = fields


class PanelVictimOutputSerializer(serializers.ModelSerializer):
    """A victim by name only: never their safe contact."""

    class Meta:
        model = Person
        fields = ["id", "given_name", "family_name"]
        read_only_fields = fields


class LinkedVictimOutputSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case.pk", read_only=True, help_text="The victim's case id.")
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    victim = PanelVictimOutputSerializer(source="case.victim", read_only=True)
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices,
        read_only=True,
        allow_null=True,
        help_text="From the case's latest risk assessment; null when it has none.",
    )
    assessed_on = serializers.DateField(read_only=True, allow_null=True)


class PlanItemOutputSerializer(serializers.ModelSerializer):
    option = serializers.CharField(source="option.name", read_only=True, help_text="The tactical option.")
    category = serializers.ChoiceField(
        source="option.category", choices=TacticalOption.Category.choices, read_only=True
    )
    owning_agency = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The agency's slug.")

    class Meta:
        model = PlanItem
        fields = ["id", "option", "category", "owning_agency", "status", "chosen_on", "notes"]
        read_only_fields = fields


class StatusChangeOutputSerializer(serializers.ModelSerializer):
    score = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, help_text="The RFGV score at the change."
    )

    class Meta:
        model = StatusChange
        fields = ["on", "status", "reason", "last_incident_on", "score"]
        read_only_fields = fields


class PanelCaseDetailOutputSerializer(PanelCaseOutputSerializer):
    """A panel case with its score parts, victims (with current risk), plan, status history and referrals
    (from perpetrator_panel.selectors.panel_case_detail's prefetches)."""

    entry_score_parts = serializers.DictField(read_only=True, help_text="The entry score's RFGV parts.")
    score_now_parts = serializers.DictField(read_only=True, help_text="The current score's RFGV parts.")
    victims = serializers.SerializerMethodField()
    plan = PlanItemOutputSerializer(source="plan_items", many=True, read_only=True, help_text="Tactical options.")
    status_history = StatusChangeOutputSerializer(
        source="status_changes", many=True, read_only=True, help_text="Oldest first."
    )
    referrals = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="The ids of the agency referrals to the panel it answers."
    )

    class Meta(PanelCaseOutputSerializer.Meta):
        fields = [
            *PanelCaseOutputSerializer.Meta.fields,
            "entry_score_parts",
            "score_now_parts",
            "victims",
            "plan",
            "status_history",
            "referrals",
        ]
        read_only_fields = fields

    @extend_schema_field(LinkedVictimOutputSerializer(many=True))
    def get_victims(self, panel_case: PanelCase) -> list[dict[str, Any]]:
        """The victims of the linked cases, each with their current risk."""
        victims: list[LinkedVictim] = linked_victims(panel_case)
        return list(LinkedVictimOutputSerializer(victims, many=True).data)


# --- Panel actions ---------------------------------------------------------------------------------


class VisiblePanelCaseField(serializers.IntegerField):
    """A panel case id: one the caller may see, or the case of a panel action assigned to its agency; any
    other id is "No such panel case."."""

    default_error_messages = {"no_such_panel_case": "No such panel case."}

    def to_internal_value(self, data: Any) -> PanelCase:
        pk = super().to_internal_value(data)
        # Ids are positive 64-bit numbers: anything else is no id (and would overflow the database's integer).
        if not 0 < pk < 2**63:
            self.fail("no_such_panel_case")
        actor = self.context["request"].user
        try:
            return panel_case_get(actor=actor, pk=pk)
        except Http404:
            action = panel_action_list(actor=actor).filter(panel_case_id=pk).first()
            if action is None:
                self.fail("no_such_panel_case")
            return action.panel_case


class PanelActionFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AgencyAction.Status.choices, required=False)
    # Without allow_null an absent boolean reads as false (DRF's rule for query strings): absent is no filter.
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only open actions past their due date; false: only the others.",
    )
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only actions changed at or after this time (ISO 8601, with offset)."
    )
    panel_case = VisiblePanelCaseField(required=False, help_text="Only the actions of this panel case (an id).")


class PanelActionOutputSerializer(serializers.ModelSerializer):
    panel_case_reference = serializers.CharField(source="panel_case.reference", read_only=True)
    assigned_agency = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The agency responsible (its slug)."
    )
    meeting = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The panel meeting that agreed it; null between meetings."
    )
    plan_item = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The tactical option of the plan it serves, if any."
    )
    compliance = serializers.ChoiceField(
        choices=PanelAction.Compliance.choices,
        read_only=True,
        help_text="The perpetrator's compliance, where the action asks something of him; empty when not "
        "applicable or not yet known.",
    )
    updates = ActionUpdateOutputSerializer(many=True, read_only=True, help_text="Progress notes, oldest first.")

    class Meta:
        model = PanelAction
        fields = [
            "id",
            "panel_case",
            "panel_case_reference",
            "meeting",
            "plan_item",
            "assigned_agency",
            "description",
            "agreed_on",
            "due_on",
            "status",
            "not_done_reason",
            "completed_on",
            "compliance",
            "updates",
            "updated_at",
        ]
        read_only_fields = fields


class PanelActionComplianceInputSerializer(serializers.Serializer):
    compliance = serializers.ChoiceField(
        choices=PanelAction.Compliance.choices,
        help_text="`complied`, `partly`, `did_not_comply`, or empty for not applicable.",
    )
