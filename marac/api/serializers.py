"""Input, filter and output serializers of the MARAC API: meetings, agenda items, actions and research.

Ids in bodies resolve only to what the caller may see (through marac.selectors); the services validate
everything else. The inputs of the steps on actions are shared by every app's actions (agencies.api.actions).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import serializers

from agencies.api.actions import ActionUpdateOutputSerializer
from agencies.models import AgencyAction, Area
from marac.models import AgendaItem, MaracAction, MaracMeeting, MeetingKind, Research
from marac.selectors import agenda_item_get_for, meeting_get_for

# --- Meetings --------------------------------------------------------------------------------------


class MeetingFilterSerializer(serializers.Serializer):
    area = serializers.SlugRelatedField(
        slug_field="slug", queryset=Area.objects.all(), required=False, help_text="The area's slug."
    )
    # `from` is a Python keyword: the field is declared below under its query-string name.
    to = serializers.DateField(required=False, help_text="Meetings on or before this day.")
    kind = serializers.ChoiceField(choices=MeetingKind.choices, required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, help_text="Meetings on or after this day.")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first, last = attrs.pop("from", None), attrs.pop("to", None)
        if first and last and first > last:
            raise serializers.ValidationError({"to": ["Give a date on or after `from`."]})
        return {**attrs, "first": first, "last": last}


class MeetingOutputSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The area's slug.")
    agenda_size = serializers.IntegerField(read_only=True, help_text="How many cases the agenda lists.")

    class Meta:
        model = MaracMeeting
        fields = ["id", "area", "kind", "starts_at", "capacity", "status", "agenda_size"]
        read_only_fields = fields


# --- Agenda items ----------------------------------------------------------------------------------


class VisibleMeetingField(serializers.IntegerField):
    """A meeting id: one the caller may see, else "No such meeting."."""

    default_error_messages = {"no_such_meeting": "No such meeting."}

    def to_internal_value(self, data: Any) -> MaracMeeting:
        pk = super().to_internal_value(data)
        try:
            return meeting_get_for(actor=self.context["request"].user, pk=pk)
        except Http404:
            self.fail("no_such_meeting")
            raise  # unreachable: fail() raises


class VisibleAgendaItemField(serializers.IntegerField):
    """An agenda item id: one the caller may see, else "No such agenda item."."""

    default_error_messages = {"no_such_agenda_item": "No such agenda item."}

    def to_internal_value(self, data: Any) -> AgendaItem:
        pk = super().to_internal_value(data)
        try:
            return agenda_item_get_for(actor=self.context["request"].user, pk=pk)
        except Http404:
            self.fail("no_such_agenda_item")
            raise  # unreachable: fail() raises


class AgendaItemFilterSerializer(serializers.Serializer):
    meeting = VisibleMeetingField(required=False, help_text="Only the items of this meeting (an id).")


class AgendaItemOutputSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="referral.case_id", read_only=True, help_text="The case's id.")
    is_repeat = serializers.BooleanField(
        read_only=True, help_text="A repeat MARAC case: heard again within 12 months of an earlier referral."
    )
    twelve_month_notice = serializers.BooleanField(
        read_only=True, help_text="Twelve months or more since the case was last heard: listed for notice."
    )

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "meeting",
            "referral",
            "case",
            "position",
            "has_children",
            "is_repeat",
            "twelve_month_notice",
            "outcome",
        ]
        read_only_fields = fields


# --- Actions ---------------------------------------------------------------------------------------


class ActionFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AgencyAction.Status.choices, required=False)
    # Without allow_null an absent boolean reads as false (DRF's rule for query strings): absent is no filter.
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only open actions past their due date; false: only the others.",
    )


class ActionOutputSerializer(serializers.ModelSerializer):
    assigned_agency = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The agency responsible (its slug)."
    )
    updates = ActionUpdateOutputSerializer(many=True, read_only=True, help_text="Progress notes, oldest first.")

    class Meta:
        model = MaracAction
        fields = [
            "id",
            "agenda_item",
            "assigned_agency",
            "description",
            "due_on",
            "status",
            "not_done_reason",
            "completed_on",
            "updates",
        ]
        read_only_fields = fields


# --- Research --------------------------------------------------------------------------------------


class ResearchFilterSerializer(serializers.Serializer):
    agenda_item = VisibleAgendaItemField(required=False, help_text="Only the research for this agenda item.")


class ResearchOutputSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The researching agency.")
    submitted_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When submitted; null while a draft."
    )

    class Meta:
        model = Research
        fields = [
            "id",
            "agenda_item",
            "agency",
            "holds_information",
            "facts",
            "opinion",
            "withheld",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields


class ResearchInputSerializer(serializers.Serializer):
    agenda_item = VisibleAgendaItemField(help_text="An agenda item of a published agenda of the caller's MARAC.")
    holds_information = serializers.BooleanField(help_text="Whether the agency holds anything relevant.")
    facts = serializers.CharField(allow_blank=True, default="", help_text="What the records show.")
    opinion = serializers.CharField(allow_blank=True, default="", help_text="Professional opinion, kept apart.")
    withheld = serializers.CharField(allow_blank=True, default="", help_text="What is withheld, and why.")
    submit = serializers.BooleanField(default=True, help_text="false keeps it as a draft.")
