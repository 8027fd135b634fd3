"""Forms of the lists and the repeat-MARAC alert queue: the caseload's filters, and confirming or
dismissing an alert. The services decide; these check only that what is required is given."""

from __future__ import annotations

from typing import Any

from django import forms

from agencies.govuk_forms import GovukFormMixin
from referrals.forms.intake import CONSENT_REASON_REQUIRED
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

    consent = forms.ChoiceField(
        label="Has the victim consented to the referral?",
        choices=Referral.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the victim consented to the referral"},
    )
    consent_reason = forms.CharField(
        label="If not given: why is the referral shared without consent?",
        required=False,
        max_length=4000,
        help_text="Say why the referral is shared without consent: for example, the risk of serious harm to "
        "the victim or to their children.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    details = forms.CharField(
        label="What should MARAC know?",
        required=False,
        max_length=4000,
        help_text="If you leave this empty, the referral names the incident.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # The reason is revealed only under "Not given": an answer left under "Given" is dropped.
        if cleaned.get("consent") == Referral.Consent.GIVEN:
            cleaned["consent_reason"] = ""
        elif cleaned.get("consent") and not cleaned.get("consent_reason"):
            self.add_error("consent_reason", CONSENT_REASON_REQUIRED)
        return cleaned


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
