"""Forms of the action-plan pages: which of the agency's actions to list, the evidence, and the
coordinator's sign-off. The action steps (progress, done, not done) are the shared forms of
agencies/action_forms.py, re-exported here for the views."""

from __future__ import annotations

from typing import Any

from django import forms

from agencies.action_forms import (
    DATE_HINT,
    DONE,
    NOT_DONE,
    PROGRESS,
    ActionFilterForm,
    DoneForm,
    NotDoneForm,
    ProgressForm,
    action_step_forms,
)
from agencies.govuk_forms import GovukDateField, GovukFormMixin

__all__ = [
    "DONE",
    "NOT_DONE",
    "PROGRESS",
    "ActionFilterForm",
    "DoneForm",
    "EvidenceForm",
    "NotDoneForm",
    "ProgressForm",
    "SignOffForm",
    "action_step_forms",
]

# Which of the page's own forms was sent: the hidden `form` field of each.
EVIDENCE, SIGN_OFF = "evidence", "sign_off"


class EvidenceForm(GovukFormMixin, forms.Form):
    """The owning agency's evidence that the action is delivered."""

    govuk_label_size = "s"
    prefix = "evidence"

    evidence = forms.CharField(
        label="Evidence",
        max_length=20000,
        help_text="What shows the action is delivered: a policy, training records, an audit.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Describe the evidence"},
    )

    def service_arguments(self) -> dict[str, Any]:
        return {"evidence": self.cleaned_data["evidence"]}


class SignOffForm(GovukFormMixin, forms.Form):
    """The coordinator signs off an action done, with its evidence."""

    govuk_label_size = "s"
    prefix = "sign_off"

    on = GovukDateField(label="Date signed off", help_text=DATE_HINT)

    def service_arguments(self) -> dict[str, Any]:
        return {"on": self.cleaned_data["on"]}
