"""Forms of the meeting's minutes: attendance, outcomes per agenda item, actions agreed, amendments.

They check only that what is required is given; whether the meeting may still change, and the rules
that tie answers together, belong to marac.services, whose errors are put back on these fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from agencies.govuk_forms import GovukFormMixin
from agencies.models import Agency
from cases.forms import GovukDateField
from cases.models import RiskLevel
from marac.models import AgendaItem, Attendance

DATE_HINT = "For example, 27 3 2026"
# Which form of the minutes page was sent: the hidden `form` field of each small form.
ATTENDANCE, CONFIDENTIALITY, OUTCOME, ACTION, HELD, AMENDMENT = (
    "attendance",
    "confidentiality",
    "outcome",
    "action",
    "held",
    "amendment",
)
# Outcomes the coordinator records; "not yet heard" is where every item starts.
RECORDED_OUTCOMES = [
    (value, label) for value, label in AgendaItem.Outcome.choices if value != AgendaItem.Outcome.PENDING
]

# Where the model fields the services validate appear on these forms.
SERVICE_ERROR_FIELDS: Mapping[str, str] = {
    "assigned_agency": "assigned_agency",
    "agenda_item": "item",
}


class AttendanceForm(GovukFormMixin, forms.Form):
    """Who came for each member agency of the area: present, apologies or absent, and their name."""

    govuk_label_size = "s"

    def __init__(self, *args: Any, agencies: Iterable[Agency], attendance: Mapping[int, Attendance], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.agencies = list(agencies)
        for agency in self.agencies:
            record = attendance.get(agency.pk)
            message = f"Select whether {agency.name} was present, sent apologies or was absent"
            self.fields[f"status_{agency.pk}"] = forms.ChoiceField(
                label=agency.name,
                choices=Attendance.Status.choices,
                initial=record.status if record else None,
                widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline govuk-radios--small"}),
                error_messages={"required": message, "invalid_choice": message},
            )
            self.fields[f"representative_{agency.pk}"] = forms.CharField(
                label=f"Representative of {agency.name}",
                required=False,
                max_length=160,
                initial=record.representative if record else "",
            )

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Each agency with its two fields, for the page's table of attendance."""
        return [
            {
                "agency": agency,
                "status": self[f"status_{agency.pk}"],
                "representative": self[f"representative_{agency.pk}"],
            }
            for agency in self.agencies
        ]

    def records(self) -> list[dict[str, Any]]:
        """The answers as attendance_record takes them, one per agency."""
        data = self.cleaned_data
        return [
            {
                "agency": agency,
                "status": data[f"status_{agency.pk}"],
                "representative": data[f"representative_{agency.pk}"],
            }
            for agency in self.agencies
        ]


class OutcomeForm(GovukFormMixin, forms.Form):
    """What came of one agenda item: the outcome (a reason when deferred), the discussion and the risk."""

    govuk_label_size = "s"

    outcome = forms.ChoiceField(
        label="Outcome",
        choices=RECORDED_OUTCOMES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome", "invalid_choice": "Select the outcome"},
    )
    deferred_reason = forms.CharField(
        label="Why is the case deferred?",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    discussion_summary = forms.CharField(
        label="Summary of the discussion",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    risk_after_discussion = forms.ChoiceField(
        label="Risk after discussion",
        required=False,
        choices=[("", "Not recorded"), *RiskLevel.choices],
    )

    def __init__(self, *args: Any, item: AgendaItem, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"item-{item.pk}")
        if item.outcome != AgendaItem.Outcome.PENDING:
            kwargs.setdefault(
                "initial",
                {
                    "outcome": item.outcome,
                    "deferred_reason": item.deferred_reason,
                    "discussion_summary": item.discussion_summary,
                    "risk_after_discussion": item.risk_after_discussion,
                },
            )
        else:
            kwargs.setdefault(
                "initial",
                {"discussion_summary": item.discussion_summary, "risk_after_discussion": item.risk_after_discussion},
            )
        super().__init__(*args, **kwargs)
        self.item = item
        # The reason is asked under "Deferred" alone: required there only.
        if self.is_bound:
            self.fields["deferred_reason"].required = self.data.get(self.add_prefix("outcome")) == "deferred"
            self.fields["deferred_reason"].error_messages["required"] = "Say why the case is deferred"

    def service_arguments(self) -> dict[str, Any]:
        """The answers as agenda_item_outcome_record takes them; a reason typed under "deferred" is left
        out when another outcome was chosen."""
        data = self.cleaned_data
        return {
            "outcome": data["outcome"],
            "discussion_summary": data["discussion_summary"],
            "risk_after_discussion": data["risk_after_discussion"],
            "deferred_reason": data["deferred_reason"] if data["outcome"] == AgendaItem.Outcome.DEFERRED else "",
        }


class ActionForm(GovukFormMixin, forms.Form):
    """An action agreed for one agenda item: the agency it is assigned to, what, and by when."""

    govuk_label_size = "s"

    assigned_agency = forms.TypedChoiceField(
        label="Agency",
        coerce=int,
        error_messages={"required": "Select the agency", "invalid_choice": "Select one of the agencies listed"},
    )
    description = forms.CharField(
        label="Action",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what the agency will do"},
    )
    due_on = GovukDateField(
        label="Due date",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date the action is due"},
    )

    def __init__(self, *args: Any, item: AgendaItem, agencies: Iterable[Agency], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"action-{item.pk}")
        super().__init__(*args, **kwargs)
        self.item = item
        self.agencies = {agency.pk: agency for agency in agencies}
        self.fields["assigned_agency"].choices = [  # type: ignore[attr-defined]
            ("", "Choose an agency"),
            *((agency.pk, agency.name) for agency in self.agencies.values()),
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "assigned_agency": self.agencies[data["assigned_agency"]],
            "description": data["description"],
            "due_on": data["due_on"],
        }


class AmendmentForm(GovukFormMixin, forms.Form):
    """An amendment to approved minutes, about the meeting as a whole or one agenda item."""

    govuk_label_size = "s"

    item = forms.TypedChoiceField(
        label="Which part of the minutes does it amend?",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Select one of the agenda items listed"},
    )
    text = forms.CharField(
        label="Amendment",
        max_length=20000,
        help_text="The approved minutes stay as they are; the amendment is kept beside them with your name.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the amendment"},
    )

    def __init__(self, *args: Any, items: Iterable[AgendaItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = {item.pk: item for item in items}
        self.fields["item"].choices = [  # type: ignore[attr-defined]
            ("", "The meeting as a whole"),
            *((item.pk, f"{item.position}. {item.referral.case.reference}") for item in self.items.values()),
        ]

    def service_arguments(self) -> dict[str, Any]:
        chosen = self.cleaned_data["item"]
        return {"text": self.cleaned_data["text"], "item": self.items[chosen] if chosen else None}
