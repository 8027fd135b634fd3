"""Forms of the IDVA workflow's steps: allocate, record a contact attempt, engagement, re-open, close.

They check only that what is required is given; which step may be taken, on which date, and the rules
that tie answers together (a reason when not engaged, a message left only when safe, a closure outcome
that fits the engagement) belong to referrals.services, whose errors are put back on these fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms

from agencies.govuk_forms import GovukFormMixin
from agencies.models import User
from cases.forms import GovukDateField
from referrals.models import Closure, ContactAttempt, Referral, RiskReduced, SafetyMeasure
from referrals.selectors import IdvaCaseload

DATE_HINT = "For example, 27 3 2026"
YES_NO = [("yes", "Yes"), ("no", "No")]

# Where the model fields the services validate (full_clean) appear on these forms.
SERVICE_ERROR_FIELDS: Mapping[str, str] = {
    "allocated_to": "idva",
    "allocated_on": "on",
    "engagement": "outcome",
    "engagement_on": "on",
    "not_engaged_reason": "reason",
    "not_engaged_detail": "detail",
    "closed_on": "on",
    "closure_outcome": "outcome",
}


@dataclass(frozen=True)
class AllocationChoice:
    """One IDVA offered for allocation, with their open caseload against the safe range."""

    caseload: IdvaCaseload
    suggested: bool

    @property
    def idva(self) -> User:
        return self.caseload.idva


def allocation_choices(
    caseloads: Iterable[IdvaCaseload], *, suggested_posts: Sequence[str], current_idva_id: int | None
) -> list[AllocationChoice]:
    """The IDVAs to offer: those in a suggested specialist post first (in the caseloads' order), without
    the IDVA the referral is already allocated to."""
    choices = [
        AllocationChoice(caseload=caseload, suggested=caseload.idva.specialist_post in suggested_posts)
        for caseload in caseloads
        if caseload.idva.pk != current_idva_id
    ]
    return sorted(choices, key=lambda choice: not choice.suggested)


class AllocateForm(GovukFormMixin, forms.Form):
    """Choose the IDVA to allocate a referral to, and the date."""

    govuk_label_size = "s"

    idva = forms.TypedChoiceField(
        label="Who should work with the victim?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the IDVA to allocate the referral to",
            "invalid_choice": "Select one of the IDVAs listed",
        },
    )
    on = GovukDateField(
        label="Date allocated",
        required=False,
        help_text=f"Leave as today unless it was allocated on an earlier day. {DATE_HINT}",
    )

    def __init__(self, *args: Any, choices: Sequence[AllocationChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allocation_choices = list(choices)
        self.fields["idva"].choices = [  # type: ignore[attr-defined]
            (choice.idva.pk, choice.idva.get_full_name()) for choice in self.allocation_choices
        ]

    @property
    def idva_rows(self) -> list[dict[str, Any]]:
        """Each radio with the IDVA's caseload, for the page to show beside the name."""
        return [
            {"radio": radio, "choice": choice}
            for radio, choice in zip(self["idva"], self.allocation_choices, strict=True)
        ]

    def chosen_idva(self) -> User:
        chosen = self.cleaned_data["idva"]
        return next(choice.idva for choice in self.allocation_choices if choice.idva.pk == chosen)


class ContactAttemptForm(GovukFormMixin, forms.Form):
    """One attempt to reach the victim through their safe contact details."""

    govuk_label_size = "s"

    made_on = GovukDateField(
        label="Date of the attempt",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date of the attempt"},
    )
    method = forms.ChoiceField(
        label="How did you try to make contact?",
        choices=ContactAttempt.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you tried to make contact"},
    )
    safe_to_leave_message = forms.TypedChoiceField(
        label="Was it safe to leave a message?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
        help_text="Only if the safe contact details say a message will not be seen or heard by the perpetrator.",
        error_messages={"required": "Select yes if it was safe to leave a message"},
    )
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=ContactAttempt.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened"},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=4000,
        help_text="Do not record anything here that would be unsafe if the perpetrator saw it.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class EngagementForm(GovukFormMixin, forms.Form):
    """Whether the victim engaged; the reason (and its detail) when they did not."""

    govuk_label_size = "s"

    outcome = forms.ChoiceField(
        label="Did the victim engage with the service?",
        choices=Referral.Engagement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select engaged or not engaged"},
    )
    reason = forms.ChoiceField(
        label="If not engaged: why did the victim not engage?",
        choices=Referral.NotEngagedReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the victim did not engage"},
    )
    detail = forms.CharField(
        label="Details",
        required=False,
        max_length=4000,
        help_text="Needed if you chose other.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    on = GovukDateField(
        label="Date of the outcome",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date of the outcome"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The reason is asked only under "Not engaged" (a conditional reveal): required there alone.
        if self.is_bound:
            self.fields["reason"].required = self.data.get("outcome") == Referral.Engagement.NOT_ENGAGED

    def service_arguments(self) -> dict[str, Any]:
        """The answers as referral_engagement_record takes them. The reason and detail are revealed only
        under "Not engaged", so what was typed there before choosing "Engaged" is left out."""
        data = self.cleaned_data
        not_engaged = data["outcome"] == Referral.Engagement.NOT_ENGAGED
        return {
            "outcome": data["outcome"],
            "on": data["on"],
            "reason": data["reason"] if not_engaged else "",
            "detail": data["detail"] if not_engaged else "",
        }


class ReopenForm(GovukFormMixin, forms.Form):
    """Re-open a referral that did not engage, when the victim gets back in touch."""

    govuk_label_size = "s"

    detail = forms.CharField(
        label="How did the victim get back in touch?",
        max_length=4000,
        help_text="For example, she phoned the helpline and asked for her IDVA.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say how the victim got back in touch"},
    )
    on = GovukDateField(
        label="Date they got back in touch",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date they got back in touch"},
    )

    def service_arguments(self) -> dict[str, Any]:
        return {"on": self.cleaned_data["on"], "detail": self.cleaned_data["detail"]}


def _radios(label: str, choices: Any, message: str, *, css: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect(attrs={"class": css} if css else None),
        error_messages={"required": message, "invalid_choice": message},
    )


class CloseForm(GovukFormMixin, forms.Form):
    """Close a referral with what the support achieved (the outcomes the annual report counts)."""

    govuk_label_size = "s"

    outcome = _radios("Why is the referral closing?", Referral.ClosureOutcome.choices, "Select why it is closing")
    on = GovukDateField(
        label="Date closed",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date the referral closed"},
    )
    risk_reduced_idva_view = _radios(
        "In your view, was the risk reduced?",
        RiskReduced.choices,
        "Select whether the risk was reduced in your view",
        css="govuk-radios--inline",
    )
    risk_reduced_victim_view = _radios(
        "In the victim's view, was the risk reduced?",
        RiskReduced.choices,
        "Select whether the risk was reduced in the victim's view",
        css="govuk-radios--inline",
    )
    safety_measures = forms.ModelMultipleChoiceField(
        label="Which safety measures are in place?",
        queryset=SafetyMeasure.objects.filter(active=True),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "govuk-checkboxes--small"}),
        help_text="Select all that apply.",
        error_messages={"invalid_choice": "Select the safety measures from the list"},
    )
    criminal_justice_outcome = _radios(
        "Criminal justice outcome",
        Closure.CriminalJustice.choices,
        "Select the criminal justice outcome",
        css="govuk-radios--small",
    )
    civil_justice_outcome = _radios(
        "Civil justice outcome",
        Closure.CivilJustice.choices,
        "Select the civil justice outcome",
        css="govuk-radios--small",
    )
    housing_outcome = _radios(
        "Housing outcome", Closure.Housing.choices, "Select the housing outcome", css="govuk-radios--small"
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def service_arguments(self) -> dict[str, Any]:
        """The answers as referral_close takes them (safety measures by code)."""
        data = dict(self.cleaned_data)
        data["safety_measures"] = [measure.code for measure in data["safety_measures"]]
        return data
