"""Forms of the panel action pages: the perpetrator's compliance with an action. Which actions to list, a
progress note, done and not done are the shared forms of agencies.action_forms.
"""

from __future__ import annotations

from typing import Any

from django import forms

from agencies.action_forms import ActionFilterForm
from agencies.govuk_forms import GovukFormMixin
from perpetrator_panel.models import PanelAction

__all__ = ["COMPLIANCE", "NOT_APPLICABLE", "ActionFilterForm", "ComplianceForm"]

# The compliance form's hidden `form` value, beside agencies.action_forms' PROGRESS, DONE and NOT_DONE.
COMPLIANCE = "compliance"
# "Not applicable" is stored as "": a radio needs a value that is not empty.
NOT_APPLICABLE = "not_applicable"


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
