"""Forms of the lists and the repeat-MARAC alert queue: the caseload's filters, and confirming or
dismissing an alert. The services decide; these check only that what is required is given."""

from __future__ import annotations

from typing import Any

from django import forms

from agencies.govuk_forms import GovukFormMixin
from referrals.forms.intake import clean_consent, consent_field, consent_reason_field
from referrals.models import Referral

ALL_OPEN = ""


class CaseloadFilterForm(GovukFormMixin, forms.Form):
    """Narrow the caseload to one status, or to the referrals whose first contact is overdue."""

    govuk_label_size = "s"

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[(ALL_OPEN, "All open referrals"), *Referral.Status.choices],
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    contact_overdue = forms.BooleanField(label="Only referrals with first contact overdue", required=False)

    def filters(self) -> dict[str, Any]:
        """The filters as the keyword arguments of referrals.selectors.caseload (none when invalid)."""
        if not self.is_valid():
            return {"status": None, "contact_overdue": False}
        return {
            "status": self.cleaned_data["status"] or None,
            "contact_overdue": self.cleaned_data["contact_overdue"],
        }


class RepeatAlertConfirmForm(GovukFormMixin, forms.Form):
    """Confirm a repeat MARAC: the MARAC referral it makes needs the consent answer."""

    govuk_label_size = "s"

    consent = consent_field()
    consent_reason = consent_reason_field()
    details = forms.CharField(
        label="What should MARAC know?",
        required=False,
        max_length=4000,
        help_text="If you leave this empty, the referral names the incident.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        clean_consent(self)
        return self.cleaned_data


class RepeatAlertDismissForm(GovukFormMixin, forms.Form):
    """Dismiss an alert, saying why (for example, already referred, or not between the same people)."""

    govuk_label_size = "s"

    reason = forms.CharField(
        label="Why is the alert dismissed?",
        max_length=4000,
        help_text="For example, the incident was already referred, or it was not between the same people.",
        error_messages={"required": "Say why the alert is dismissed."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
