"""Forms for recording risk assessments: the itemised DASH checklist and another agency's grade.

They check only that what is required is given; the scoring, the routing and the rules about
professional judgement and dates belong to referrals.services.risk_assessment_submit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from agencies.govuk_forms import GovukFormMixin
from agencies.models import Agency
from cases.forms import GovukDateField, form_add_service_errors
from cases.models import RiskAssessment, RiskLevel, YesNoNotKnown

# How the service names an unanswered question: "q3: Answer this question."
_ANSWER_ERROR = re.compile(r"^(?P<key>[\w-]+): (?P<message>.*)$")


class DashForm(GovukFormMixin, forms.Form):
    """The DASH risk identification checklist: its questions (from the instrument), and the context."""

    govuk_label_size = "s"

    assessed_on = GovukDateField(
        label="Date of the assessment",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date of the assessment"},
    )
    professional_judgement = forms.BooleanField(
        label="Refer to MARAC on professional judgement",
        required=False,
        help_text="Whatever the score, when you believe the victim is at high risk of serious harm.",
    )
    professional_judgement_reason = forms.CharField(
        label="Why the risk is high in your professional judgement",
        required=False,
        max_length=4000,
        help_text="Needed if you refer on professional judgement. For example: strangulation, stalking, "
        "threats to kill, escalation, or what the victim fears.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    victim_view = forms.CharField(
        label="The victim's own view of the risk",
        required=False,
        max_length=4000,
        help_text="In their words, where possible.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, questions: Sequence[Mapping[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question_keys = [question["key"] for question in questions]
        question_fields = {
            question["key"]: forms.ChoiceField(
                label=f"{number}. {question['prompt']}",
                choices=YesNoNotKnown.choices,
                widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
                error_messages={
                    "required": f"Select yes, no or not known for question {number}",
                    "invalid_choice": f"Select yes, no or not known for question {number}",
                },
            )
            for number, question in enumerate(questions, start=1)
        }
        own = dict(self.fields)
        self.fields = {"assessed_on": own.pop("assessed_on"), **question_fields, **own}

    @property
    def question_fields(self) -> list[forms.BoundField]:
        return [self[key] for key in self.question_keys]

    def answers(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in self.question_keys}

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's errors on the form; each unanswered question on its own question."""
        if not hasattr(error, "error_dict"):
            form_add_service_errors(self, error)
            return
        messages = error.message_dict
        for message in messages.pop("answers", []):
            match = _ANSWER_ERROR.match(message)
            if match and match["key"] in self.fields:
                number = self.question_keys.index(match["key"]) + 1
                self.add_error(match["key"], f"Select yes, no or not known for question {number}")
            else:
                self.add_error(None, message)
        if messages:
            form_add_service_errors(self, ValidationError(messages))


class ExternalGradeForm(GovukFormMixin, forms.Form):
    """Another agency's grade (a police DASH or a DARA), recorded without the item answers."""

    govuk_label_size = "s"

    external_grade = forms.ChoiceField(
        label="What risk did they grade?",
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the grade the other agency gave"},
    )
    external_tool = forms.ChoiceField(
        label="Which tool did they use?",
        choices=RiskAssessment.ExternalTool.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the tool the other agency used"},
    )
    external_agency = forms.ModelChoiceField(
        label="Which agency graded the risk?",
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        error_messages={"required": "Choose the agency that graded the risk"},
    )
    assessed_on = GovukDateField(
        label="Date of their assessment",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date of their assessment"},
    )

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["external_agency"].queryset = agencies  # type: ignore[attr-defined]
