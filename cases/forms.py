"""Forms of the case pages: finding a case, opening one, safe contact details."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet

# The GOV.UK date field lives on the ground floor (agencies.govuk_forms); the many forms that import it
# from cases.forms still can.
from agencies.govuk_forms import GovukDateField, GovukFormMixin
from agencies.models import Area
from cases.models import Gender, Person, Relationship
from cases.services import PartyInput

NEW_PERSON = "new"
CASE_FLAG_CHOICES = [
    ("stalking", "Stalking or harassment"),
    ("strangulation", "Strangulation, choking or suffocation"),
    ("honour_based_abuse", "Honour-based abuse"),
    ("forced_marriage", "Forced marriage"),
    ("sexual_violence", "Sexual violence"),
    ("pregnancy", "Pregnancy"),
]
_AGES_SEPARATOR = re.compile(r"[,\s]+")


def form_add_service_errors(
    form: forms.Form, error: ValidationError, field_map: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: on the field it names (through `field_map`), or
    on the form as a whole when the service names something the form does not have."""
    field_map = field_map or {}
    messages = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    for key, key_messages in messages.items():
        field = field_map.get(key, key)
        for message in key_messages:
            form.add_error(field if field in form.fields else None, message)


class CaseSearchForm(GovukFormMixin, forms.Form):
    """Find a case by reference, by name (victim or perpetrator) or by date of birth."""

    govuk_label_size = "s"

    reference = forms.CharField(
        label="Case reference",
        required=False,
        max_length=20,
        help_text="For example, DA-2026-000123",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label="Name",
        required=False,
        max_length=100,
        help_text="The victim's or a perpetrator's name, or part of it",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, help_text="The victim's or a perpetrator's. For example, 27 3 1985"
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(name) for name in ("reference", "name", "date_of_birth")):
            self.add_error("reference", "Enter a case reference, a name or a date of birth")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The search as the keyword arguments of cases.selectors.case_list."""
        return {
            "reference": self.cleaned_data["reference"].strip(),
            "search": self.cleaned_data["name"].strip(),
            "date_of_birth": self.cleaned_data["date_of_birth"],
        }


class PerpetratorSearchForm(GovukFormMixin, forms.Form):
    """A search among the people of the cases the user may see, so a known perpetrator is linked."""

    govuk_label_size = "s"

    perpetrator_search = forms.CharField(
        label="Perpetrator's name",
        max_length=100,
        error_messages={"required": "Enter the perpetrator's name, or part of it, to search for"},
        help_text="Search the people in cases your agency can see. If the perpetrator is already known, "
        "choose them below so that their cases are linked rather than recorded twice.",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )


def _person_label(person: Person) -> str:
    born = f", born {person.date_of_birth.day} {person.date_of_birth:%B %Y}" if person.date_of_birth else ""
    return f"{person.full_name}{born}"


def _person_fields(prefix: str, whose: str) -> dict[str, forms.Field]:
    return {
        f"{prefix}_given_name": forms.CharField(
            label=f"{whose} given name",
            max_length=80,
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        ),
        f"{prefix}_family_name": forms.CharField(
            label=f"{whose} family name",
            max_length=80,
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        ),
        f"{prefix}_date_of_birth": GovukDateField(
            label=f"{whose} date of birth", required=False, help_text="For example, 27 3 1985"
        ),
        f"{prefix}_gender": forms.ChoiceField(
            label=f"{whose} gender",
            choices=Gender.choices,
            required=False,
            widget=forms.RadioSelect(attrs={"class": "govuk-radios--small"}),
        ),
    }


class PerpetratorFormMixin:
    """A perpetrator chosen among people already known (found by a person search) or entered as new,
    and how they are related to the victim. Used to open a case and to add a perpetrator to one."""

    cleaned_data: dict[str, Any]
    data: Any
    is_bound: bool
    candidates: dict[str, Person]

    def perpetrator_fields(self, candidates: Iterable[Person]) -> dict[str, forms.Field]:
        perpetrator = _person_fields("perpetrator", "Perpetrator's")
        self.candidates = {str(person.pk): person for person in candidates}
        # The new perpetrator's names are needed unless someone listed is chosen.
        chosen = self.data.get("perpetrator") if self.is_bound else None
        if not self.candidates or not self.is_bound or chosen == NEW_PERSON:
            for name in ("given_name", "family_name"):
                field = perpetrator[f"perpetrator_{name}"]
                field.required = True
                field.error_messages["required"] = f"Enter the perpetrator's {name.replace('_', ' ')}"
        choice: dict[str, forms.Field] = {}
        if self.candidates:
            choice["perpetrator"] = forms.ChoiceField(
                label="Who is the perpetrator?",
                choices=[(pk, _person_label(person)) for pk, person in self.candidates.items()]
                + [(NEW_PERSON, "Someone not listed: enter their details below")],
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Select the perpetrator, or 'Someone not listed'",
                    "invalid_choice": "Select one of the people listed, or 'Someone not listed'",
                },
            )
        return {**choice, **perpetrator}

    def is_new_perpetrator(self) -> bool:
        return not self.candidates or self.cleaned_data.get("perpetrator") == NEW_PERSON

    def _person_data(self, prefix: str) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "given_name": data[f"{prefix}_given_name"].strip(),
            "family_name": data[f"{prefix}_family_name"].strip(),
            "date_of_birth": data[f"{prefix}_date_of_birth"],
            "gender": data[f"{prefix}_gender"] or Gender.NOT_KNOWN,
        }

    def party_input(self) -> PartyInput:
        """The perpetrator as cases.services takes one."""
        relationship = self.cleaned_data["relationship"]
        if self.is_new_perpetrator():
            return PartyInput(relationship=relationship, data=self._person_data("perpetrator"))
        return PartyInput(relationship=relationship, person=self.candidates[self.cleaned_data["perpetrator"]])


RELATIONSHIP_FIELD_OPTIONS: dict[str, Any] = {
    "label": "How is the perpetrator related to the victim?",
    "choices": Relationship.choices,
    "widget": forms.RadioSelect,
    "error_messages": {"required": "Select how the perpetrator is related to the victim"},
}


class CaseCreateForm(PerpetratorFormMixin, GovukFormMixin, forms.Form):
    """Open a case: the victim, one perpetrator (someone already known, or new), children and flags."""

    govuk_label_size = "s"

    relationship = forms.ChoiceField(**RELATIONSHIP_FIELD_OPTIONS)
    children_ages = forms.CharField(
        label="Ages of the children in the household",
        required=False,
        max_length=100,
        help_text="Separate ages with commas, for example 4, 7. Write 0 for a baby under one. "
        "Leave empty if there are no children.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "inputmode": "numeric"}),
    )
    area = forms.ModelChoiceField(
        label="Area",
        queryset=Area.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        help_text="Where the victim lives.",
        error_messages={"required": "Select the area", "invalid_choice": "Select one of the areas listed"},
    )
    flags = forms.MultipleChoiceField(
        label="Which of these apply?",
        choices=CASE_FLAG_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )

    def __init__(
        self,
        *args: Any,
        areas: QuerySet[Area],
        candidates: Iterable[Person] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        victim = _person_fields("victim", "Victim's")
        victim["victim_given_name"].required = True
        victim["victim_given_name"].error_messages["required"] = "Enter the victim's given name"
        victim["victim_family_name"].required = True
        victim["victim_family_name"].error_messages["required"] = "Enter the victim's family name"
        victim["victim_gender"].required = True
        victim["victim_gender"].error_messages["required"] = "Select the victim's gender, or 'Not known'"
        own = dict(self.fields)
        self.fields = {**victim, **self.perpetrator_fields(candidates), **own}
        self.fields["area"].queryset = areas
        if self.initial.get("area") is None and len(areas) == 1:
            self.initial["area"] = areas[0].pk

    def clean_children_ages(self) -> list[int]:
        text = self.cleaned_data["children_ages"].strip()
        if not text:
            return []
        parts = [part for part in _AGES_SEPARATOR.split(text) if part]
        if not all(part.isdigit() for part in parts):
            raise ValidationError("Enter the children's ages as whole numbers separated by commas, like 4, 7")
        ages = [int(part) for part in parts]
        if any(age > 17 for age in ages):
            raise ValidationError("Enter the ages of children under 18 only (from 0 to 17)")
        return ages

    def case_create_arguments(self) -> dict[str, Any]:
        """The cleaned form as the keyword arguments of cases.services.case_create (without the actor)."""
        data = self.cleaned_data
        return {
            "area": data["area"],
            "victim": self._person_data("victim"),
            "perpetrators": [self.party_input()],
            "children": [{"age": age} for age in data["children_ages"]],
            "flags": {flag: flag in data["flags"] for flag, _ in CASE_FLAG_CHOICES},
        }

    # Where the errors cases.services.case_create reports belong on this form.
    SERVICE_ERROR_FIELDS: Mapping[str, str] = {
        "relationship": "relationship",
        "age": "children_ages",
        "area": "area",
        "perpetrators": "perpetrator",
    }


class CasePartyForm(PerpetratorFormMixin, GovukFormMixin, forms.Form):
    """Add a perpetrator to a case: someone already known, or new."""

    govuk_label_size = "s"

    relationship = forms.ChoiceField(**RELATIONSHIP_FIELD_OPTIONS)

    # Where the errors cases.services.case_party_add reports belong on this form.
    SERVICE_ERROR_FIELDS: Mapping[str, str] = {"relationship": "relationship", "perpetrators": "perpetrator"}

    def __init__(self, *args: Any, candidates: Iterable[Person] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = dict(self.fields)
        self.fields = {**self.perpetrator_fields(candidates), **own}


class SafeContactForm(GovukFormMixin, forms.Form):
    """How to contact the victim safely. Every field is optional: record what is known."""

    govuk_label_size = "s"

    safe_address = forms.CharField(
        label="Safe address",
        required=False,
        max_length=500,
        help_text="Where letters or visits are safe, if anywhere.",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    safe_phone = forms.CharField(
        label="Safe phone number",
        required=False,
        max_length=40,
        help_text="A number only the victim answers.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off", "type": "tel"}),
    )
    safe_times = forms.CharField(
        label="Safe times to make contact",
        required=False,
        max_length=200,
        help_text="For example, weekdays 10am to 2pm, when the perpetrator is at work.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    do_not_contact = forms.CharField(
        label="Do not contact",
        required=False,
        max_length=500,
        help_text="Where, when or how never to make contact, for example never leave a voicemail.",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
