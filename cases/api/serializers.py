"""Input, filter and output serializers of the cases API (cases, people, incidents).

Input serializers only check the shape of a request and resolve ids to objects the caller may see;
the services decide everything else. Ids in bodies are checked like foreign keys: an id the caller
cannot see is "No such ..." whether or not it exists.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import serializers

from agencies.models import Area
from cases.models import (
    Case,
    Child,
    Gender,
    Incident,
    Person,
    Relationship,
    SafeContact,
    YesNoNotKnown,
)
from cases.selectors import case_get, person_get
from cases.services import PERSON_FIELDS, PartyInput

# --- Ids in request bodies and filters -------------------------------------------------------------


class VisibleCaseField(serializers.IntegerField):
    """A case id: one the caller may see, else "No such case." (a bulk request may pass the cases it
    already loaded as `context["visible_cases"]`, a dict by id)."""

    default_error_messages = {"no_such_case": "No such case."}

    def to_internal_value(self, data: Any) -> Case:
        pk = super().to_internal_value(data)
        loaded = self.context.get("visible_cases")
        if loaded is not None:
            if pk not in loaded:
                self.fail("no_such_case")
            return loaded[pk]
        try:
            return case_get(actor=self.context["request"].user, pk=pk)
        except Http404:
            self.fail("no_such_case")
            raise  # unreachable: fail() raises


class VisiblePersonField(serializers.IntegerField):
    """A person id: someone in a case the caller may see, else "No such person."."""

    default_error_messages = {"no_such_person": "No such person."}

    def to_internal_value(self, data: Any) -> Person:
        pk = super().to_internal_value(data)
        try:
            return person_get(actor=self.context["request"].user, pk=pk)
        except Http404:
            self.fail("no_such_person")
            raise  # unreachable: fail() raises


# --- People ----------------------------------------------------------------------------------------

PERSON_DETAIL_FIELDS = tuple(field for field in PERSON_FIELDS if field not in {"given_name", "family_name"})


class PersonInputSerializer(serializers.Serializer):
    """A new person's details, or `{"id": ...}` for someone already recorded in the caller's cases."""

    id = serializers.IntegerField(required=False, help_text="An existing person (give nothing else).")
    given_name = serializers.CharField(max_length=80, required=False)
    family_name = serializers.CharField(max_length=80, required=False)
    aliases = serializers.CharField(max_length=300, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    ethnicity = serializers.ChoiceField(choices=Person.Ethnicity.choices, required=False)
    sexuality = serializers.ChoiceField(choices=Person.Sexuality.choices, required=False)
    disability = serializers.ChoiceField(choices=YesNoNotKnown.choices, required=False)
    trans = serializers.ChoiceField(choices=YesNoNotKnown.choices, required=False)
    first_language = serializers.CharField(max_length=60, required=False, allow_blank=True)
    interpreter_needed = serializers.BooleanField(required=False)
    nationality_group = serializers.ChoiceField(choices=Person.NationalityGroup.choices, required=False)
    no_fixed_abode = serializers.BooleanField(required=False)

    # Keys that may accompany an id (a perpetrator's relationship to the victim).
    keys_beside_id: frozenset[str] = frozenset()

    def validate(self, attrs: dict[str, Any]) -> Any:
        """{"person": Person} for an existing person, {"data": {...}} for a new one."""
        person_data = {key: value for key, value in attrs.items() if key not in self.keys_beside_id}
        extra = {key: value for key, value in attrs.items() if key in self.keys_beside_id}
        if "id" in person_data:
            if len(person_data) > 1:
                raise serializers.ValidationError(
                    "Give either an existing person's id or a new person's details, not both."
                )
            try:
                person = person_get(actor=self.context["request"].user, pk=person_data["id"])
            except Http404:
                raise serializers.ValidationError({"id": ["No such person."]}) from None
            return {**extra, "person": person}
        missing = {
            name: [serializers.Field.default_error_messages["required"]]
            for name in ("given_name", "family_name")
            if not person_data.get(name)
        }
        if missing:
            raise serializers.ValidationError(missing)
        return {**extra, "data": person_data}


class PartyInputSerializer(PersonInputSerializer):
    """A perpetrator: a new person's details or `{"id": ...}`, and how they are related to the victim."""

    relationship = serializers.ChoiceField(choices=Relationship.choices)

    keys_beside_id = frozenset({"relationship"})

    def validate(self, attrs: dict[str, Any]) -> PartyInput:
        resolved = super().validate(attrs)
        return PartyInput(
            relationship=resolved["relationship"], person=resolved.get("person"), data=resolved.get("data")
        )


class SafeContactOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SafeContact
        fields = ["safe_address", "safe_phone", "safe_times", "do_not_contact", "updated_at"]
        read_only_fields = fields


class PersonOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "given_name", "family_name", *PERSON_DETAIL_FIELDS, "created_at", "updated_at"]
        read_only_fields = fields


class PersonDetailOutputSerializer(PersonOutputSerializer):
    """A person, with their safe contact: used only when the caller may see it."""

    safe_contact = SafeContactOutputSerializer(
        allow_null=True,
        required=False,
        help_text="Present only when the caller may see this victim's safe contact details; null when none "
        "are recorded.",
    )

    class Meta(PersonOutputSerializer.Meta):
        fields = [*PersonOutputSerializer.Meta.fields, "safe_contact"]


class PersonFilterSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, help_text="Words of a name or alias (all must match).")
    date_of_birth = serializers.DateField(required=False)


# --- Cases -----------------------------------------------------------------------------------------


class ChildInputSerializer(serializers.Serializer):
    age = serializers.IntegerField(min_value=0, max_value=17)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    relationship = serializers.ChoiceField(choices=Child.ChildRelationship.choices, required=False)


class ChildOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Child
        fields = ["id", "age", "gender", "relationship"]
        read_only_fields = fields


class CaseFlagsSerializer(serializers.Serializer):
    """What is known of the abuse (all false unless given)."""

    stalking = serializers.BooleanField(required=False)
    strangulation = serializers.BooleanField(required=False)
    honour_based_abuse = serializers.BooleanField(required=False)
    forced_marriage = serializers.BooleanField(required=False)
    sexual_violence = serializers.BooleanField(required=False)
    pregnancy = serializers.BooleanField(required=False)


class CaseInputSerializer(serializers.Serializer):
    area = serializers.SlugRelatedField(slug_field="slug", queryset=Area.objects.all(), help_text="The area's slug.")
    victim = PersonInputSerializer()
    perpetrators = PartyInputSerializer(many=True, required=False)
    children = ChildInputSerializer(many=True, required=False)
    opened_on = serializers.DateField(required=False, help_text="Defaults to today.")
    flags = CaseFlagsSerializer(required=False)


class PartyOutputSerializer(PersonOutputSerializer):
    """A perpetrator in a case: the person, and how they are related to the victim."""

    relationship = serializers.ChoiceField(choices=Relationship.choices)

    class Meta(PersonOutputSerializer.Meta):
        fields = [*PersonOutputSerializer.Meta.fields, "relationship"]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # `instance` is a CaseParty: the person's fields, plus the relationship it records.
        return {
            **PersonOutputSerializer(instance.person, context=self.context).data,
            "relationship": instance.relationship,
        }


class CaseOutputSerializer(serializers.ModelSerializer):
    victim = PersonOutputSerializer()
    perpetrators = PartyOutputSerializer(source="parties", many=True)
    children = ChildOutputSerializer(many=True)
    area = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    lead_agency = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    flags = CaseFlagsSerializer(source="*")

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "victim",
            "perpetrators",
            "children",
            "area",
            "lead_agency",
            "flags",
            "status",
            "opened_on",
            "closed_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CaseDetailOutputSerializer(CaseOutputSerializer):
    """A case with the victim's safe contact: used only when the caller may see it."""

    safe_contact = SafeContactOutputSerializer(
        source="victim.safe_contact",
        allow_null=True,
        required=False,
        help_text="The victim's safe contact details. Present only when the caller may see them; null when "
        "none are recorded.",
    )

    class Meta(CaseOutputSerializer.Meta):
        fields = [*CaseOutputSerializer.Meta.fields, "safe_contact"]


class CaseFilterSerializer(serializers.Serializer):
    reference = serializers.CharField(required=False, help_text="The case reference, e.g. DA-2026-000123.")
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only cases changed at or after this time (ISO 8601, with offset)."
    )
    search = serializers.CharField(
        required=False, help_text="Words of the victim's or a perpetrator's name, or the reference."
    )
    date_of_birth = serializers.DateField(required=False, help_text="The victim's or a perpetrator's.")


# --- Incidents -------------------------------------------------------------------------------------


class IncidentInputSerializer(serializers.Serializer):
    case = VisibleCaseField(help_text="A case the caller's agency may add to.")
    occurred_on = serializers.DateField()
    source_reference = serializers.CharField(
        max_length=64, help_text="The reporting agency's own reference (e.g. a police incident number)."
    )
    is_crime = serializers.BooleanField(default=False)
    crime_type = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    perpetrator = VisiblePersonField(
        required=False, allow_null=True, default=None, help_text="A perpetrator in the case."
    )


class IncidentOutputSerializer(serializers.ModelSerializer):
    reported_to = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The reporting agency's slug."
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "case",
            "perpetrator",
            "occurred_on",
            "reported_to",
            "is_crime",
            "crime_type",
            "source_reference",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class IncidentFilterSerializer(serializers.Serializer):
    case = VisibleCaseField(required=False)
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only incidents changed at or after this time (ISO 8601, with offset)."
    )


class IncidentBulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The row's position in the request, from 0.")
    status = serializers.IntegerField(
        help_text="201 recorded; 200 already recorded under this reference (unchanged); 400 or 403 failed."
    )
    id = serializers.IntegerField(required=False, help_text="The incident (when the row succeeded).")
    errors = serializers.DictField(required=False, help_text="What was wrong (when the row failed).")


class IncidentBulkOutputSerializer(serializers.Serializer):
    results = IncidentBulkResultSerializer(many=True)
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    failed = serializers.IntegerField()
