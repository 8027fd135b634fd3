"""The forms of an action page, shared by every kind of agency action (MARAC, perpetrator panel, DHR): a
progress note, done on a day, or not done and why.

They check only that what is required is given; agencies.services.agency_action_* decide the rest (who may
act, dates, states) and their errors are put back on these fields. The page sends one form at a time, named
by its hidden `form` field (templates/includes/action_steps.html).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet

from agencies.govuk_forms import GovukDateField, GovukFormMixin
from agencies.models import AgencyAction

DATE_HINT = "For example, 27 3 2026"
# Which form of the action page was sent: the hidden `form` field of each.
PROGRESS, DONE, NOT_DONE = "progress", "done", "not_done"


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
    """The three forms of an action page, the one sent (by its `form` field) bound to the data."""
    initial = {"on": today}
    return {
        PROGRESS: ProgressForm(data if sent == PROGRESS else None),
        DONE: DoneForm(data if sent == DONE else None, initial=initial),
        NOT_DONE: NotDoneForm(data if sent == NOT_DONE else None, initial=initial),
    }


class ActionFilterForm(forms.Form):
    """Which of the agency's actions to list: open (the default), overdue, or all."""

    OPEN, OVERDUE, ALL = "open", "overdue", "all"
    CHOICES = [(OPEN, "Open"), (OVERDUE, "Overdue"), (ALL, "All")]

    show = forms.ChoiceField(choices=CHOICES, required=False)

    def chosen(self) -> str:
        """The list asked for; open actions when none (or an unknown one) was asked for."""
        if not self.is_valid():
            return self.OPEN
        return self.cleaned_data["show"] or self.OPEN


def action_list_views() -> list[dict[str, str]]:
    """The views of a "my agency's actions" page, for templates/includes/list_views.html."""
    return [{"key": key, "label": label, "href": f"?show={key}"} for key, label in ActionFilterForm.CHOICES]


def own_agency_actions(*, actor: Any, params: Any, list_for: Callable[..., QuerySet[Any]], today: date) -> Any:
    """The actions a "my agency's actions" page lists, and which view was asked for: `list_for` is the app's
    selector (it takes `actor`, and `status` or `overdue` and `today`). A coordinator's or the panel's
    selector holds other agencies' actions too: the page is the actor's own agency's."""
    show = ActionFilterForm(params).chosen()
    if show == ActionFilterForm.OPEN:
        actions = list_for(actor=actor, status=AgencyAction.Status.OPEN)
    elif show == ActionFilterForm.OVERDUE:
        actions = list_for(actor=actor, overdue=True, today=today)
    else:
        actions = list_for(actor=actor)
    return show, actions.filter(assigned_agency=actor.agency)
