"""Forms for making a referral: finding the case, and the referral's answers (checked before sending).

They check only that what is required is given; who may refer, the receiving agency, whether it is a
repeat and the access it grants belong to referrals.services.referral_create.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from agencies.govuk_forms import GovukFormMixin
from agencies.models import Agency
from cases.forms import GovukDateField
from cases.models import RiskAssessment
from referrals.models import MaracCriterion, Referral

# The perpetrator panel takes its cases from its own review, not from a referral form.
REFERRABLE_SERVICES = [
    (value, label) for value, label in Referral.Service.choices if value != Referral.Service.PERPETRATOR_PANEL
]
# The service whose referrals state the MARAC criteria they meet (the form reveals them under it).
MARAC_SERVICES = frozenset({Referral.Service.MARAC})
NO_ASSESSMENT = "none"
CONSENT_REASON_REQUIRED = "Say why the referral is shared without consent."


def consent_field() -> forms.ChoiceField:
    """Whether the victim consented (every form that makes a referral asks it)."""
    return forms.ChoiceField(
        label="Has the victim consented to the referral?",
        choices=Referral.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the victim consented to the referral"},
    )


def consent_reason_field() -> forms.CharField:
    return forms.CharField(
        label="If not given: why is the referral shared without consent?",
        required=False,
        max_length=4000,
        help_text="Say why the referral is shared without consent: for example, the risk of serious harm to "
        "the victim or to their children.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def clean_consent(form: forms.Form) -> None:
    """The reason is asked under "Not given" only: required there, dropped under "Given"."""
    cleaned = form.cleaned_data
    if cleaned.get("consent") == Referral.Consent.GIVEN:
        cleaned["consent_reason"] = ""
    elif cleaned.get("consent") and not cleaned.get("consent_reason", "").strip():
        form.add_error("consent_reason", CONSENT_REASON_REQUIRED)


class ReferralCaseSearchForm(GovukFormMixin, forms.Form):
    """The first question of a referral: which case, found among the cases the user's agency may see."""

    govuk_page_heading = "search"

    search = forms.CharField(
        label="Which case?",
        max_length=100,
        help_text="Enter the case reference, or the victim's or a perpetrator's name.",
        error_messages={"required": "Enter a case reference or a name"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )


def _assessment_label(assessment: RiskAssessment) -> str:
    day = f"{assessment.assessed_on.day} {assessment.assessed_on:%b %Y}"
    if assessment.score is not None:
        result = f"score {assessment.score}, {assessment.get_risk_level_display().lower()} risk"
    else:
        tool = f" ({assessment.get_external_tool_display()})" if assessment.external_tool else ""
        result = f"graded {assessment.get_external_grade_display().lower()}{tool}"
    return f"{assessment.instrument.name}, {day}: {result}"


class ReferralForm(GovukFormMixin, forms.Form):
    """The answers of a referral. Valid answers are kept in the session until the user checks and sends
    them; the form itself writes nothing."""

    govuk_label_size = "s"

    service = forms.ChoiceField(
        label="Which service are you referring to?",
        choices=REFERRABLE_SERVICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the service you are referring to"},
    )
    receiving_agency = forms.ModelChoiceField(
        label="Refer to",
        required=False,
        queryset=Agency.objects.none(),
        empty_label="The agency that usually provides the service",
        help_text="Only needed when more than one agency in the partnership provides the service.",
    )
    received_on = GovukDateField(
        label="Date of the referral",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date of the referral"},
    )
    risk_assessment = forms.ChoiceField(
        label="Which risk assessment is the referral based on?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the risk assessment the referral is based on, or None",
            "invalid_choice": "Select one of the risk assessments listed, or None",
        },
    )
    reasons = forms.MultipleChoiceField(
        label="If MARAC: which MARAC referral criteria are met?",
        required=False,
        choices=MaracCriterion.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"invalid_choice": "Select only the MARAC criteria listed"},
    )
    details = forms.CharField(
        label="What should the service know?",
        required=False,
        max_length=4000,
        help_text="For example, what has happened recently, the victim's concerns, and any risk to children.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    consent = consent_field()
    consent_reason = consent_reason_field()
    referrer_name = forms.CharField(
        label="Your name",
        max_length=160,
        error_messages={"required": "Enter your name"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    referrer_job_title = forms.CharField(
        label="Your job title",
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    referrer_phone = forms.CharField(
        label="Your phone number",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "class": "govuk-input--width-20"}),
    )
    referrer_email = forms.EmailField(
        label="Your email address",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(
        self,
        *args: Any,
        agencies: QuerySet[Agency],
        assessments: Sequence[RiskAssessment],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receiving_agency"].queryset = agencies  # type: ignore[attr-defined]
        self.assessments = {str(assessment.pk): assessment for assessment in assessments}
        if self.assessments:
            self.fields["risk_assessment"].choices = [  # type: ignore[attr-defined]
                *((pk, _assessment_label(assessment)) for pk, assessment in self.assessments.items()),
                (NO_ASSESSMENT, "None"),
            ]
        else:
            # Nothing to choose from: the page says no assessment is recorded.
            del self.fields["risk_assessment"]

    @property
    def has_assessments(self) -> bool:
        return "risk_assessment" in self.fields

    def clean_received_on(self) -> Any:
        received_on = self.cleaned_data["received_on"]
        if received_on is not None and received_on > timezone.localdate():
            raise forms.ValidationError("The date of the referral must be today or in the past")
        return received_on

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # Answers under a hidden reveal are dropped: they belong to a choice the user did not make.
        if cleaned.get("service") not in MARAC_SERVICES:
            cleaned["reasons"] = []
        clean_consent(self)
        return cleaned

    def risk_assessment_chosen(self) -> RiskAssessment | None:
        return self.assessments.get(self.cleaned_data.get("risk_assessment") or NO_ASSESSMENT)

    def referral_arguments(self) -> dict[str, Any]:
        """The answers as the keyword arguments of referrals.services.referral_create."""
        data = self.cleaned_data
        return {
            "service": data["service"],
            "receiving_agency": data["receiving_agency"],
            "received_on": data["received_on"],
            "risk_assessment": self.risk_assessment_chosen(),
            "reasons": list(data["reasons"]),
            "details": data["details"],
            "consent": data["consent"],
            "consent_reason": data["consent_reason"],
            "referrer_name": data["referrer_name"],
            "referrer_job_title": data["referrer_job_title"],
            "referrer_phone": data["referrer_phone"],
            "referrer_email": data["referrer_email"],
        }

    def summary(self) -> list[dict[str, Any]]:
        """The answers as the rows of a GOV.UK summary list: the question, the answer (a list when there
        are several), and the id of the input the "Change" link goes back to."""
        data = self.cleaned_data
        agency = data["receiving_agency"]
        assessment = self.risk_assessment_chosen()
        received_on = data["received_on"]
        rows: list[dict[str, Any]] = [
            {"key": "Service", "value": Referral.Service(data["service"]).label, "anchor": "id_service_0"},
            {
                "key": "Refer to",
                "value": agency.name if agency else "The agency that usually provides the service",
                "anchor": "id_receiving_agency",
            },
            {
                "key": "Date of the referral",
                "value": f"{received_on.day} {received_on:%B %Y}",
                "anchor": "id_received_on_0",
            },
            {
                "key": "Risk assessment",
                "value": _assessment_label(assessment) if assessment else "None",
                "anchor": "id_risk_assessment_0" if self.has_assessments else "",
            },
        ]
        if data["service"] in MARAC_SERVICES:
            rows.append(
                {
                    "key": "MARAC referral criteria",
                    "lines": [MaracCriterion(code).label for code in data["reasons"]] or ["None selected"],
                    "anchor": "id_reasons_0",
                }
            )
        rows += [
            {
                "key": "What the service should know",
                "value": data["details"] or "Nothing added",
                "anchor": "id_details",
            },
            {"key": "Consent", "value": Referral.Consent(data["consent"]).label, "anchor": "id_consent_0"},
        ]
        if data["consent_reason"]:
            rows.append(
                {"key": "Why shared without consent", "value": data["consent_reason"], "anchor": "id_consent_reason"}
            )
        rows += [
            {"key": "Your name", "value": data["referrer_name"], "anchor": "id_referrer_name"},
            {
                "key": "Your job title",
                "value": data["referrer_job_title"] or "Not given",
                "anchor": "id_referrer_job_title",
            },
            {"key": "Your phone number", "value": data["referrer_phone"] or "Not given", "anchor": "id_referrer_phone"},
            {
                "key": "Your email address",
                "value": data["referrer_email"] or "Not given",
                "anchor": "id_referrer_email",
            },
        ]
        return rows
