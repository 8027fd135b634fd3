"""Recording risk assessments in the browser pages, and the routing result page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Role, User
from agencies.services import object_permission_grant
from audit.models import AccessLog
from cases.models import Case, RiskAssessment
from cases.selectors import VIEW_CASE
from referrals.models import Referral, RoutingDecision
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import add_incident, case_worker, dash_answers, idva_service, make_case, submit_dash

pytestmark = pytest.mark.django_db


@pytest.fixture
def idva_agency(db) -> Agency:
    """The partnership's IDVA service (it exists before any case is opened)."""
    return idva_service()


@pytest.fixture
def idva(idva_agency, partnership_rule) -> User:
    """An IDVA of the IDVA service, under the seed partnership's rule (MARAC 17, IDVA 14-16)."""
    return case_worker(agency=idva_agency, role=Role.IDVA)


@pytest.fixture
def case(idva) -> Case:
    return make_case(idva)


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _dash_url(case: Case) -> str:
    return reverse("risk-assessment-create", kwargs={"case_pk": case.pk})


def _dash_data(score: int, **overrides: str) -> dict[str, str]:
    today = timezone.localdate()
    data = {
        "assessed_on_day": str(today.day),
        "assessed_on_month": str(today.month),
        "assessed_on_year": str(today.year),
        **dash_answers(score),
        "victim_view": "She believes he will kill her.",
    }
    data.update(overrides)
    return data


def _nothing_written() -> bool:
    return not RiskAssessment.objects.exists() and not Referral.objects.exists()


# --- Recording a DASH -------------------------------------------------------------------------------


def test_dash_page_asks_every_question_as_yes_no_not_known(idva, case):
    """The form shows the instrument's 24 questions, each a fieldset of Yes / No / Not known radios."""
    response = _client(idva).get(_dash_url(case))
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('class="govuk-radios govuk-radios--inline"') == 24
    assert "24. Does the victim know if the abuser has ever been in trouble with the police" in content
    assert 'name="q24" id="id_q24_2" value="not_known"' in content
    assert 'data-aria-controls="conditional-professional-judgement"' in content


def test_a_score_of_15_is_routed_to_the_idva_service(idva, case):
    """15 yes answers: recorded, routed to the IDVA service, with an IDVA referral, shown on the result page."""
    response = _client(idva).post(_dash_url(case), _dash_data(15))
    assessment = RiskAssessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("risk-assessment-detail", kwargs={"pk": assessment.pk})
    assert assessment.score == 15
    assert assessment.victim_view == "She believes he will kill her."
    assert RoutingDecision.objects.get().routing == "idva"
    result = _client(idva).get(response["Location"]).content.decode()
    assert "Routed to <strong>IDVA service</strong>" in result
    assert "No MARAC referral criterion was met." in result
    assert "Partnership rule" in result
    assert "1 January 2020" in result
    assert list(Referral.objects.values_list("service", flat=True)) == ["idva"]


def test_a_score_of_17_is_routed_to_marac_with_its_reason(idva, case):
    """17 yes answers: routed to MARAC for visible high risk, with MARAC and IDVA referrals."""
    response = _client(idva).post(_dash_url(case), _dash_data(17))
    result = _client(idva).get(response["Location"]).content.decode()
    assert "Routed to <strong>MARAC</strong>" in result
    assert "Visible high risk" in result
    assert "Score 17 is at or above the MARAC threshold of 17." in result
    assert sorted(Referral.objects.values_list("service", flat=True)) == ["idva", "marac"]


def test_escalation_is_explained_with_the_incident_dates(idva, case):
    """Three incidents in the window route a low score to MARAC, and the result page lists their dates."""
    today = timezone.localdate()
    for days in (10, 40, 70):
        add_incident(idva, case, occurred_on=today - timedelta(days=days))
    response = _client(idva).post(_dash_url(case), _dash_data(5))
    result = _client(idva).get(response["Location"]).content.decode()
    assert "Potential escalation" in result
    first = today - timedelta(days=70)
    assert f"3 incidents in the last 365 days: {first.day} {first:%b %Y}" in result


def test_unanswered_questions_each_get_their_own_error(idva, case):
    """Questions left unanswered are each named in the error summary, linked to their radios; nothing is written."""
    data = _dash_data(10)
    del data["q21"], data["q24"]
    response = _client(idva).post(_dash_url(case), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<a href="#id_q21_0">Select yes, no or not known for question 21</a>' in content
    assert '<a href="#id_q24_0">Select yes, no or not known for question 24</a>' in content
    assert "question 20" not in content
    assert 'value="yes" checked' in content  # the answers given are kept
    assert _nothing_written()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"assessed_on_year": str(timezone.localdate().year + 1)},
            "assessed_on",
            "The assessment date cannot be in the future.",
        ),
        ({"professional_judgement": "on"}, "professional_judgement_reason", "Give the reason"),
        ({"assessed_on_month": "13"}, "assessed_on", "Date of the assessment must be a real date"),
    ],
)
def test_rules_the_service_enforces_come_back_on_their_field(idva, case, overrides, field, message):
    """A future date or a judgement without reason is refused by the service, shown on its field; nothing is written."""
    response = _client(idva).post(_dash_url(case), _dash_data(12, **overrides))
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert f'id="id_{field}_error"' in content
    assert _nothing_written()


def test_the_service_errors_on_answers_map_onto_the_questions(idva, case):
    """The service's "q3: ..." answer errors land on question 3 (when the form's own check is bypassed)."""
    from django.core.exceptions import ValidationError

    from referrals.forms.assessments import DashForm

    form = DashForm(data={}, questions=[{"key": "q1", "prompt": "One?"}, {"key": "q3", "prompt": "Three?"}])
    form.is_valid()
    form.add_service_errors(ValidationError({"answers": ["q3: Answer this question."], "assessed_on": ["No policy."]}))
    assert "Select yes, no or not known for question 2" in form.errors["q3"]
    assert "No policy." in form.errors["assessed_on"]


def test_another_agency_cannot_record(idva, case):
    """An agency that cannot see the case gets 404 and writes nothing."""
    outsider = case_worker()
    client = _client(outsider)
    assert client.get(_dash_url(case)).status_code == 404
    assert client.post(_dash_url(case), _dash_data(15)).status_code == 404
    assert _nothing_written()


def test_an_agency_that_may_only_view_cannot_record(idva, case):
    """Viewing a case is not enough to add an assessment to it."""
    viewer = case_worker()
    object_permission_grant(agency=viewer.agency, perm=VIEW_CASE, obj=case, reason="Test: view only")
    client = _client(viewer)
    assert client.get(reverse("case-detail", kwargs={"pk": case.pk})).status_code == 200
    assert (
        "Record a DASH risk assessment"
        not in client.get(reverse("case-detail", kwargs={"pk": case.pk})).content.decode()
    )
    assert client.post(_dash_url(case), _dash_data(15)).status_code == 404
    assert _nothing_written()


def test_analysts_cannot_record(idva, case):
    """An analyst of the IDVA service gets 404."""
    analyst = UserFactory(agency=idva.agency, roles=[Role.ANALYST])
    assert _client(analyst).get(_dash_url(case)).status_code == 404


@pytest.mark.parametrize("name", ["risk-assessment-create", "risk-assessment-external", "risk-assessment-detail"])
def test_anonymous_users_are_sent_to_sign_in(client, name):
    """Signed-out visitors are sent to sign in."""
    kwargs = {"pk": 1} if name == "risk-assessment-detail" else {"case_pk": 1}
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- The result page ------------------------------------------------------------------------------


def test_result_page_is_logged_and_hidden_from_other_agencies(idva, case):
    """The result page writes a VIEW row; another agency gets 404."""
    submission = submit_dash(idva, case, score=16)
    url = reverse("risk-assessment-detail", kwargs={"pk": submission.assessment.pk})
    assert _client(idva).get(url).status_code == 200
    row = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    assert (row.object_type, row.object_id) == ("cases.riskassessment", str(submission.assessment.pk))
    assert _client(case_worker()).get(url).status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.VIEW).count() == 1


def test_result_page_marks_repeat_referrals(idva, case):
    """A second IDVA referral within 12 months is shown as a repeat."""
    submit_dash(idva, case, score=15, assessed_on=timezone.localdate() - timedelta(days=30))
    second = submit_dash(idva, case, score=14)
    result = _client(idva).get(reverse("risk-assessment-detail", kwargs={"pk": second.assessment.pk}))
    content = result.content.decode()
    assert "IDVA service" in content
    assert '<td class="govuk-table__cell">Yes</td>' in content


# --- Another agency's grade -----------------------------------------------------------------------


def test_recording_another_agencys_high_grade(idva, case):
    """A police DASH graded high is recorded without answers and routed to the IDVA service."""
    police = AgencyFactory(name="Northshire Police")
    today = timezone.localdate()
    url = reverse("risk-assessment-external", kwargs={"case_pk": case.pk})
    assert _client(idva).get(url).status_code == 200
    response = _client(idva).post(
        url,
        {
            "external_grade": "high",
            "external_tool": "police_dash",
            "external_agency": str(police.pk),
            "assessed_on_day": str(today.day),
            "assessed_on_month": str(today.month),
            "assessed_on_year": str(today.year),
        },
    )
    assessment = RiskAssessment.objects.get()
    assert response.status_code == 302
    assert (assessment.score, assessment.external_grade, assessment.external_agency) == (None, "high", police)
    result = _client(idva).get(response["Location"]).content.decode()
    assert "another agency's grade of high (Police DASH, Northshire Police)" in result
    assert "Routed to <strong>IDVA service</strong>" in result


def test_external_grade_form_names_missing_answers(idva, case):
    """The grade form names what is missing and writes nothing."""
    url = reverse("risk-assessment-external", kwargs={"case_pk": case.pk})
    response = _client(idva).post(url, {})
    content = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Select the grade the other agency gave",
        "Select the tool the other agency used",
        "Choose the agency that graded the risk",
        "Enter the date of their assessment",
    ):
        assert message in content
    assert _nothing_written()


def test_external_grade_of_another_agencys_case_is_404(idva, case):
    """Another agency cannot record a grade on a case it cannot see."""
    url = reverse("risk-assessment-external", kwargs={"case_pk": case.pk})
    assert _client(case_worker()).get(url).status_code == 404


# --- The score chart ------------------------------------------------------------------------------


def test_score_chart_plots_scored_assessments_oldest_first(idva, case):
    """The chart plots DASH scores oldest first, labels at most four dates when there are many, and
    leaves out recorded grades."""
    from referrals.views.cases import score_chart

    today = timezone.localdate()
    for days, score in enumerate([9, 12, 15, 14, 17, 13, 24, 0]):
        submit_dash(idva, case, score=score, assessed_on=today - timedelta(days=100 - days))
    recorded_grade = RiskAssessment(assessed_on=today, score=None, external_grade="high")
    chart = score_chart([*RiskAssessment.objects.all(), recorded_grade])
    assert [point["score"] for point in chart["points"]] == [9, 12, 15, 14, 17, 13, 24, 0]
    assert sum(point["show_label"] for point in chart["points"]) == 4
    assert chart["points"][0]["show_label"]
    assert chart["points"][-1]["show_label"]
    assert float(chart["points"][6]["y"]) < float(chart["high_risk_y"]) < float(chart["points"][0]["y"])
    assert score_chart([]) is None
