"""Forms of the action-plan pages: which of the agency's actions to list, the action steps (progress, done,
not done), the evidence, and the coordinator's sign-off.

ProgressForm, DoneForm and NotDoneForm are the same as the shared agencies/action_forms.py being written on
another branch (dhr may not import marac's): when that module is merged these three, and action_step_forms,
should be imported from it instead.
"""

from __future__ import annotations

from typing import Any

from django import forms

from agencies.govuk_forms import GovukFormMixin
from agencies.models import AgencyAction
from cases.forms import GovukDateField

DATE_HINT = "For example, 27 3 2026"
# Which form of the action page was sent: the hidden `form` field of each.
PROGRESS, DONE, NOT_DONE, EVIDENCE, SIGN_OFF = "progress", "done", "not_done", "evidence", "sign_off"


class ProgressForm(GovukFormMixin, forms.Form):
    """A progress note on an open action."""

    govuk_label_size = "s"
    prefix = "progress"

    text = forms.CharField(
        label="What has been done?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what has been done"},
    )

    def service_arguments(self) -> dict[str, Any]:
        return {"text": self.cleaned_data["text"]}


class DoneForm(GovukFormMixin, forms.Form):
    """The action was done, on a day."""

    govuk_label_size = "s"
    prefix = "done"

    on = GovukDateField(label="Date it was done", help_text=DATE_HINT)
    note = forms.CharField(label="Note", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def service_arguments(self) -> dict[str, Any]:
        return {"on": self.cleaned_data["on"], "note": self.cleaned_data["note"]}


class NotDoneForm(GovukFormMixin, forms.Form):
    """The action was not done, and why: circumstances changed, or the agency did not act."""

    govuk_label_size = "s"
    prefix = "not_done"

    reason = forms.ChoiceField(
        label="Why was it not done?",
        choices=AgencyAction.NotDoneReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why it was not done", "invalid_choice": "Select why it was not done"},
    )
    on = GovukDateField(label="Date it was found not done", help_text=DATE_HINT)
    note = forms.CharField(label="Note", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("reason", "on", "note")}


def action_step_forms(data: Any, sent: str | None, *, today: Any) -> dict[str, forms.Form]:
    """The three step forms of an action page, the one sent (by its `form` field) bound to the data."""
    initial = {"on": today}
    return {
        PROGRESS: ProgressForm(data if sent == PROGRESS else None),
        DONE: DoneForm(data if sent == DONE else None, initial=initial),
        NOT_DONE: NotDoneForm(data if sent == NOT_DONE else None, initial=initial),
    }


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


class ActionFilterForm(forms.Form):
    """Which of the agency's actions to list."""

    OPEN, OVERDUE, ALL = "open", "overdue", "all"

    show = forms.ChoiceField(choices=[(OPEN, "Open"), (OVERDUE, "Overdue"), (ALL, "All")], required=False)

    def chosen(self) -> str:
        """The list asked for; open actions when none (or an unknown one) was asked for."""
        if not self.is_valid():
            return self.OPEN
        return self.cleaned_data["show"] or self.OPEN
