"""Forms of the panel action pages: which of the agency's actions to list, and the perpetrator's compliance
with an action. A progress note, done and not done are the shared forms of agencies.action_forms.
"""

from __future__ import annotations

from typing import Any

from django import forms

from agencies.govuk_forms import GovukFormMixin
from perpetrator_panel.models import PanelAction

# The compliance form's hidden `form` value, beside agencies.action_forms' PROGRESS, DONE and NOT_DONE.
COMPLIANCE = "compliance"
# "Not applicable" is stored as "": a radio needs a value that is not empty.
NOT_APPLICABLE = "not_applicable"


class ActionFilterForm(forms.Form):
    """Which of the agency's panel actions to list."""

    OPEN, OVERDUE, ALL = "open", "overdue", "all"
    CHOICES = [(OPEN, "Open"), (OVERDUE, "Overdue"), (ALL, "All")]

    show = forms.ChoiceField(choices=CHOICES, required=False)

    def chosen(self) -> str:
        """The list asked for; open actions when none (or an unknown one) was asked for."""
        if not self.is_valid():
            return self.OPEN
        return self.cleaned_data["show"] or self.OPEN


class ComplianceForm(GovukFormMixin, forms.Form):
    """Whether the perpetrator complied with what the action asked of him."""

    govuk_label_size = "s"
    prefix = "compliance"

    compliance = forms.ChoiceField(
        label="Did he comply?",
        choices=[(value or NOT_APPLICABLE, label) for value, label in PanelAction.Compliance.choices],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether he complied", "invalid_choice": "Select whether he complied"},
    )

    def __init__(self, *args: Any, action: PanelAction, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"compliance": action.compliance or NOT_APPLICABLE})
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict[str, Any]:
        chosen = self.cleaned_data["compliance"]
        return {"compliance": "" if chosen == NOT_APPLICABLE else chosen}
