"""Forms of the member agencies' MARAC pages: research for an agenda item, and updates to an action.

They check only that what is required is given; marac.services and agencies.services decide the rest
(who may act, dates, states) and their errors are put back on these fields.
"""

from __future__ import annotations

from typing import Any

from django import forms

from agencies.govuk_forms import GovukFormMixin
from agencies.models import AgencyAction
from cases.forms import GovukDateField
from marac.models import Research

DATE_HINT = "For example, 27 3 2026"
YES_NO = [("yes", "Yes"), ("no", "No")]
# Which form of the action page was sent: the hidden `form` field of each.
PROGRESS, DONE, NOT_DONE = "progress", "done", "not_done"
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


class ActionFilterForm(forms.Form):
    """Which of the agency's actions to list."""

    OPEN, OVERDUE, ALL = "open", "overdue", "all"

    show = forms.ChoiceField(choices=[(OPEN, "Open"), (OVERDUE, "Overdue"), (ALL, "All")], required=False)

    def chosen(self) -> str:
        """The list asked for; open actions when none (or an unknown one) was asked for."""
        if not self.is_valid():
            return self.OPEN
        return self.cleaned_data["show"] or self.OPEN
