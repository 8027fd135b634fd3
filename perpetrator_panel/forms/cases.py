"""Forms of the panel's candidate and panel case pages: opening a panel case, referring a perpetrator,
the panel case list's filters, editing a case, its tactical plan and its actions.

They check only that what is required is given; perpetrator_panel.services (and referrals.services for a
referral) decide the rest, and their errors are put back on these fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from agencies.govuk_forms import GovukFormMixin
from agencies.models import Agency
from cases.forms import GovukDateField
from cases.models import Case, Person
from perpetrator_panel.models import PanelCase, PanelMeeting, PlanItem, TacticalOption
from referrals.forms.intake import clean_consent, consent_field, consent_reason_field

DATE_HINT = "For example, 27 3 2026"
FLAG_LABELS = {
    "stalking": "Stalking",
    "strangulation": "Strangulation",
    "violence_against_parent": "Violence against a parent",
    "no_fixed_abode": "No fixed abode",
}


def case_label(case: Case) -> str:
    """A linked case as a choice: its reference and victim (the case's select_related victim)."""
    return f"{case.reference}: {case.victim.full_name}"


class _PanelCaseFieldsForm(GovukFormMixin, forms.Form):
    """The linked cases, reasons and flags that opening and editing a panel case share."""

    govuk_label_size = "s"

    cases = forms.MultipleChoiceField(
        label="Which of his cases does the panel link?",
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={
            "required": "Select at least one case in which he is a perpetrator",
            "invalid_choice": "Select only the cases listed",
        },
    )
    reasons = forms.MultipleChoiceField(
        label="Why does the panel take the case?",
        choices=PanelCase.Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={
            "required": "Select at least one reason the panel takes the case",
            "invalid_choice": "Select only the reasons listed",
        },
    )
    reasons_detail = forms.CharField(
        label="More about the reasons",
        required=False,
        max_length=4000,
        help_text="Needed when the reason is Other.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    flags = forms.MultipleChoiceField(
        label="Flags",
        required=False,
        choices=list(FLAG_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Ticked from the case data where it shows them; change them if you know better.",
        error_messages={"invalid_choice": "Select only the flags listed"},
    )

    def __init__(self, *args: Any, cases: Sequence[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case_choices = {str(case.pk): case for case in cases}
        self.fields["cases"].choices = [(pk, case_label(case)) for pk, case in self.case_choices.items()]  # type: ignore[attr-defined]

    def chosen_cases(self) -> list[Case]:
        return [self.case_choices[pk] for pk in self.cleaned_data["cases"]]

    def chosen_flags(self) -> dict[str, bool]:
        chosen = set(self.cleaned_data["flags"])
        return {flag: flag in chosen for flag in FLAG_LABELS}

    @staticmethod
    def flags_ticked(source: Any) -> list[str]:
        """The flags an object (a PanelCase, or DerivedFlags) has set."""
        return [flag for flag in FLAG_LABELS if getattr(source, flag)]


class PanelCaseOpenForm(_PanelCaseFieldsForm):
    """The panel takes a perpetrator: his cases, why, the day, and the flags."""

    opened_on = GovukDateField(
        label="Date the panel took the case",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date the panel took the case"},
    )

    field_order = ["cases", "reasons", "reasons_detail", "opened_on", "flags"]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "cases": self.chosen_cases(),
            "reasons": list(data["reasons"]),
            "reasons_detail": data["reasons_detail"],
            "opened_on": data["opened_on"],
            "flags": self.chosen_flags(),
        }


class PanelCaseEditForm(_PanelCaseFieldsForm):
    """Change a panel case's linked cases, reasons and flags."""

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "cases": self.chosen_cases(),
            "reasons": list(data["reasons"]),
            "reasons_detail": data["reasons_detail"],
            "flags": self.chosen_flags(),
        }


class PanelReferralCaseForm(GovukFormMixin, forms.Form):
    """The first question of a referral to the panel: the case the perpetrator is in."""

    govuk_page_heading = "reference"

    reference = forms.CharField(
        label="What is the case reference?",
        max_length=20,
        help_text="The reference of a case your agency works on, for example DA-2026-000123.",
        error_messages={"required": "Enter the case reference"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off", "class": "govuk-input--width-20"}),
    )


class PanelReferralForm(GovukFormMixin, forms.Form):
    """Which of the case's perpetrators is referred to the panel, why, when, and consent."""

    govuk_label_size = "s"

    reference = forms.CharField(widget=forms.HiddenInput, max_length=20)
    perpetrator = forms.ChoiceField(
        label="Which perpetrator are you referring to the panel?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the perpetrator you are referring",
            "invalid_choice": "Select one of the case's perpetrators",
        },
    )
    receiving_agency = forms.ModelChoiceField(
        label="Refer to",
        required=False,
        queryset=Agency.objects.none(),
        empty_label="Choose the police force",
        help_text="The partnership has more than one police force: choose the one that runs the panel.",
    )
    details = forms.CharField(
        label="Why should the panel consider him?",
        max_length=4000,
        help_text="For example, recent incidents, victims or children at risk, and what your agency knows.",
        error_messages={"required": "Say why the panel should consider him"},
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    received_on = GovukDateField(
        label="Date of the referral",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date of the referral"},
    )
    consent = consent_field()
    consent_reason = consent_reason_field()

    def __init__(
        self, *args: Any, perpetrators: Iterable[Person], police: QuerySet[Agency] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.perpetrators = {str(person.pk): person for person in perpetrators}
        self.fields["perpetrator"].choices = [  # type: ignore[attr-defined]
            (pk, person.full_name) for pk, person in self.perpetrators.items()
        ]
        if police is None:
            del self.fields["receiving_agency"]
        else:
            self.fields["receiving_agency"].queryset = police  # type: ignore[attr-defined]

    def clean_received_on(self) -> Any:
        received_on = self.cleaned_data["received_on"]
        if received_on is not None and received_on > timezone.localdate():
            raise forms.ValidationError("The date of the referral must be today or in the past")
        return received_on

    def clean(self) -> dict[str, Any]:
        super().clean()
        clean_consent(self)
        return self.cleaned_data

    def referral_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "perpetrator": self.perpetrators[data["perpetrator"]],
            "receiving_agency": data.get("receiving_agency"),
            "details": data["details"],
            "received_on": data["received_on"],
            "consent": data["consent"],
            "consent_reason": data["consent_reason"],
        }


class PanelCaseFilterForm(GovukFormMixin, forms.Form):
    """Which panel cases to list: active (the default), inactive or all; a flag; a reference or name."""

    ACTIVE, INACTIVE, ALL = "active", "inactive", "all"

    govuk_label_size = "s"

    show = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[(ACTIVE, "Active"), (INACTIVE, "Inactive"), (ALL, "All")],
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    flag = forms.ChoiceField(
        label="Flag",
        required=False,
        choices=[("", "Any flag or none"), *FLAG_LABELS.items()],
        error_messages={"invalid_choice": "Select a flag from the list"},
    )
    search = forms.CharField(
        label="Reference or name",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"spellcheck": "false", "class": "govuk-input--width-20"}),
    )

    def filters(self) -> dict[str, str]:
        """The status, flag and search asked for (the defaults when the filters are not valid)."""
        if not self.is_valid():
            return {"show": self.ACTIVE, "flag": "", "search": ""}
        data = self.cleaned_data
        return {"show": data["show"] or self.ACTIVE, "flag": data["flag"], "search": data["search"].strip()}


def _option_choices(options: Iterable[TacticalOption]) -> list[Any]:
    """The menu grouped by category (rendered as <optgroup>s), saying which kind of agency usually owns each."""
    kinds = dict(Agency.Kind.choices)
    groups: dict[str, list[tuple[str, str]]] = {value: [] for value in TacticalOption.Category.values}
    for option in options:
        usual = f" (usually {kinds[option.usual_agency_kind].lower()})" if option.usual_agency_kind in kinds else ""
        groups.setdefault(option.category, []).append((str(option.pk), f"{option.name}{usual}"))
    labels = dict(TacticalOption.Category.choices)
    return [("", "Choose a tactical option")] + [
        (labels.get(category, category), choices) for category, choices in groups.items() if choices
    ]


class PlanItemAddForm(GovukFormMixin, forms.Form):
    """A tactical option added to the plan, the agency that owns it, when it was chosen, and notes."""

    govuk_label_size = "s"

    option = forms.ChoiceField(
        label="Tactical option",
        error_messages={"required": "Select a tactical option", "invalid_choice": "Select a tactical option"},
    )
    owning_agency = forms.ModelChoiceField(
        label="Agency that owns it",
        required=False,
        queryset=Agency.objects.none(),
        empty_label="An agency of the kind that usually owns the option",
        error_messages={"invalid_choice": "Select an agency from the list"},
    )
    chosen_on = GovukDateField(
        label="Date the option was chosen",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date the option was chosen"},
    )
    notes = forms.CharField(label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, options: Sequence[TacticalOption], agencies: QuerySet[Agency], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.options = {str(option.pk): option for option in options}
        self.fields["option"].choices = _option_choices(options)  # type: ignore[attr-defined]
        self.fields["owning_agency"].queryset = agencies  # type: ignore[attr-defined]

    def chosen_option(self) -> TacticalOption:
        return self.options[self.cleaned_data["option"]]


class PlanItemUpdateForm(GovukFormMixin, forms.Form):
    """Where a tactical option stands, and notes on it."""

    govuk_label_size = "s"

    status = forms.ChoiceField(
        label="Where does it stand?",
        choices=PlanItem.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select where the option stands", "invalid_choice": "Select where it stands"},
    )
    notes = forms.CharField(label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


def _meeting_label(meeting: PanelMeeting) -> str:
    return f"{meeting.held_on.day} {meeting.held_on:%B %Y}" + (f", chaired by {meeting.chair}" if meeting.chair else "")


def _plan_item_label(item: PlanItem) -> str:
    return f"{item.option.name} ({item.owning_agency.name})"


class PanelActionAddForm(GovukFormMixin, forms.Form):
    """An action agreed for a panel case: what, by which agency, by when; for a tactical option, at a
    meeting."""

    govuk_label_size = "s"

    description = forms.CharField(
        label="What is the agency to do?",
        max_length=4000,
        error_messages={"required": "Say what the agency is to do"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    assigned_agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        error_messages={"required": "Select the agency the action is for", "invalid_choice": "Select an agency"},
    )
    due_on = GovukDateField(label="Due date", help_text=DATE_HINT, error_messages={"required": "Enter the due date"})
    plan_item = forms.ModelChoiceField(
        label="For which tactical option?",
        required=False,
        queryset=PlanItem.objects.none(),
        empty_label="None",
        error_messages={"invalid_choice": "Select an option of this case's plan"},
    )
    meeting = forms.ModelChoiceField(
        label="Agreed at which meeting?",
        required=False,
        queryset=PanelMeeting.objects.none(),
        empty_label="Between meetings (today)",
        error_messages={"invalid_choice": "Select a recent meeting from the list"},
    )

    def __init__(
        self,
        *args: Any,
        agencies: QuerySet[Agency],
        plan_items: QuerySet[PlanItem],
        meetings: QuerySet[PanelMeeting],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_agency"].queryset = agencies  # type: ignore[attr-defined]
        plan_field = self.fields["plan_item"]
        plan_field.queryset = plan_items  # type: ignore[attr-defined]
        plan_field.label_from_instance = _plan_item_label  # type: ignore[attr-defined]
        meeting_field = self.fields["meeting"]
        meeting_field.queryset = meetings  # type: ignore[attr-defined]
        meeting_field.label_from_instance = _meeting_label  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("description", "assigned_agency", "due_on", "plan_item", "meeting")}
