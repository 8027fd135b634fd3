"""Forms of the member agencies' MARAC pages: research for an agenda item, and the list of actions (the forms
that update an action are agencies.action_forms, shared with the other kinds of action).

They check only that what is required is given; marac.services and agencies.services decide the rest
(who may act, dates, states) and their errors are put back on these fields.
"""

from __future__ import annotations

from typing import Any

from django import forms

# The action page's forms are shared with the other kinds of agency action; imported here by their old names.
from agencies.action_forms import DONE, NOT_DONE, PROGRESS, ActionFilterForm, DoneForm, NotDoneForm, ProgressForm
from agencies.govuk_forms import GovukFormMixin
from marac.models import Research

__all__ = [
    "DONE",
    "NOT_DONE",
    "PROGRESS",
    "SAVE_DRAFT",
    "SUBMIT",
    "ActionFilterForm",
    "DoneForm",
    "NotDoneForm",
    "ProgressForm",
    "ResearchForm",
]

YES_NO = [("yes", "Yes"), ("no", "No")]
# Which button sent the research form: the `submit` parameter.
SAVE_DRAFT, SUBMIT = "draft", "submit"


class ResearchForm(GovukFormMixin, forms.Form):
    """What the agency holds on the case: facts apart from opinion, and anything withheld and why."""

    govuk_label_size = "s"

    holds_information = forms.TypedChoiceField(
        label="Does your agency hold relevant information?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if your agency holds relevant information"},
    )
    facts = forms.CharField(
        label="Facts",
        required=False,
        max_length=20000,
        help_text="What your records show that is relevant and proportionate: dates, incidents, contacts.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    opinion = forms.CharField(
        label="Professional opinion",
        required=False,
        max_length=20000,
        help_text="Kept apart from the facts.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    withheld = forms.CharField(
        label="Information withheld, and why",
        required=False,
        max_length=20000,
        help_text="For example, information held under a court order, and why it cannot be shared.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @classmethod
    def initial_from(cls, research: Research | None) -> dict[str, Any]:
        if research is None:
            return {}
        return {
            "holds_information": "yes" if research.holds_information else "no",
            "facts": research.facts,
            "opinion": research.opinion,
            "withheld": research.withheld,
        }

    def service_arguments(self) -> dict[str, Any]:
        """The answers as research_save takes them; what was typed under "yes" is left out on "no"."""
        data = self.cleaned_data
        holds = data["holds_information"]
        return {
            "holds_information": holds,
            "facts": data["facts"] if holds else "",
            "opinion": data["opinion"] if holds else "",
            "withheld": data["withheld"] if holds else "",
        }
