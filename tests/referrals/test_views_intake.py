"""Making a referral in the browser pages: finding the case (or opening one), the referral's questions,
checking the answers, and sending it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Role, User
from agencies.services import object_permission_grant
from audit.models import AccessLog
from cases.models import Case
from cases.selectors import VIEW_CASE
from referrals.models import Referral
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case, submit_dash

pytestmark = pytest.mark.django_db

START = reverse("referral-start")
CASE_ROLES = [Role.IDVA, Role.IDVA_MANAGER, Role.MARAC_COORDINATOR, Role.AGENCY_REP, Role.PANEL_MEMBER]
OTHER_ROLES = [Role.ANALYST, Role.DHR_COORDINATOR, Role.PARTNERSHIP_ADMIN]


@pytest.fixture
def idva_agency(db) -> Agency:
    """The partnership's IDVA service (it exists before any case is opened)."""
    return idva_service()


@pytest.fixture
def police(idva_agency, partnership_rule) -> User:
    """A police agency representative, who opens cases and refers them."""
    return case_worker(given_name="Morwenna", family_name="Tregothnan", email="m.tregothnan@police.example.org")


@pytest.fixture
def case(police) -> Case:
    return make_case(police, victim=PersonFactory(given_name="Eluned", family_name="Prothero"))


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _create_url(case: Case) -> str:
    return reverse("referral-create", kwargs={"case_pk": case.pk})


def _check_url(case: Case) -> str:
    return reverse("referral-check", kwargs={"case_pk": case.pk})


def _answers(**overrides: object) -> dict[str, object]:
    today = timezone.localdate()
    data: dict[str, object] = {
        "service": "marac",
        "receiving_agency": "",
        "received_on_day": str(today.day),
        "received_on_month": str(today.month),
        "received_on_year": str(today.year),
        "risk_assessment": "none",
        "reasons": ["visible_high_risk", "professional_judgement"],
        "details": "Threats to kill made on Saturday; two children at home.",
        "consent": "not_given_shared_to_protect",
        "consent_reason": "Risk of serious harm to the victim and the children.",
        "referrer_name": "Morwenna Tregothnan",
        "referrer_job_title": "Detective Constable",
        "referrer_phone": "01632 960123",
        "referrer_email": "m.tregothnan@police.example.org",
    }
    data.update(overrides)
    return data


# --- Who may make a referral -----------------------------------------------------------------------


@pytest.mark.parametrize("role", CASE_ROLES)
def test_case_roles_may_start_a_referral(idva_agency, role):
    """Every role that works with cases gets the "Which case?" page."""
    response = _client(UserFactory(roles=[role])).get(START)
    assert response.status_code == 200
    assert "Which case?" in response.content.decode()


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("name", ["referral-start", "referral-create", "referral-check"])
def test_roles_without_cases_are_refused(idva_agency, case, role, name):
    """Analysts, DHR coordinators and administrators get 403 on every page of the referral."""
    url = START if name == "referral-start" else reverse(name, kwargs={"case_pk": case.pk})
    assert _client(UserFactory(roles=[role])).get(url).status_code == 403


@pytest.mark.parametrize("name", ["referral-start", "referral-create", "referral-check"])
def test_anonymous_users_are_sent_to_sign_in(client, name):
    """Signed-out visitors are sent to sign in."""
    url = START if name == "referral-start" else reverse(name, kwargs={"case_pk": 1})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["referral-create", "referral-check"])
def test_another_agency_gets_404_and_writes_nothing(case, name):
    """An agency that cannot see the case gets 404, on GET and POST, and nothing is written."""
    client = _client(case_worker())
    url = reverse(name, kwargs={"case_pk": case.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, _answers()).status_code == 404
    assert not Referral.objects.exists()


def test_an_agency_that_may_only_view_the_case_cannot_refer_it(case):
    """Viewing a case is not enough to refer it: the form answers 404."""
    viewer = case_worker()
    object_permission_grant(agency=viewer.agency, perm=VIEW_CASE, obj=case, reason="Test: view only")
    assert _client(viewer).get(_create_url(case)).status_code == 404


# --- Which case? ------------------------------------------------------------------------------------


def test_search_links_only_the_cases_the_agency_may_refer(police, case):
    """Both matching cases are listed; only the one the agency may change links to its referral form."""
    outsider = case_worker()
    shared = make_case(outsider, victim=PersonFactory(given_name="Angharad", family_name="Prothero"))
    object_permission_grant(agency=police.agency, perm=VIEW_CASE, obj=shared, reason="Test: view only")
    hidden = make_case(outsider, victim=PersonFactory(family_name="Prothero"))
    content = _client(police).get(START, {"search": "Prothero"}).content.decode()
    assert "2 cases found" in content
    assert f'href="{_create_url(case)}"' in content
    assert shared.reference in content
    assert f'href="{_create_url(shared)}"' not in content
    assert "Your agency cannot refer this case" in content
    assert hidden.reference not in content
    row = AccessLog.objects.get(action=AccessLog.Action.SEARCH)
    assert row.detail == {"name": "Prothero", "page": 1, "purpose": "referral"}


def test_search_finds_a_case_by_its_reference(police, case):
    """A case reference typed into the box finds the case."""
    content = _client(police).get(START, {"search": case.reference}).content.decode()
    assert "1 case found" in content
    assert f'href="{_create_url(case)}"' in content


def test_an_empty_search_asks_for_something_to_search(police):
    """Searching with nothing typed names the problem and logs nothing."""
    content = _client(police).get(START, {"search": ""}).content.decode()
    assert "Enter a case reference or a name" in content
    assert not AccessLog.objects.filter(action=AccessLog.Action.SEARCH).exists()


def test_search_results_are_paginated_in_a_constant_number_of_queries(police):
    """26 matches: 25 then 1, and the results page takes as many queries for 25 rows as for 2."""
    client = _client(police)

    def queries_for(family_name: str, cases: int) -> tuple[int, str]:
        for _ in range(cases):
            make_case(police, victim=PersonFactory(family_name=family_name))
        client.get(START, {"search": family_name})  # warm the session and the user's roles
        with CaptureQueriesContext(connection) as context:
            response = client.get(START, {"search": family_name})
        assert response.status_code == 200
        return len(context.captured_queries), response.content.decode()

    few, _ = queries_for("Fewington", 2)
    many, first = queries_for("Pagington", 26)
    assert few == many
    assert first.count("Refer<span") == 25
    assert 'rel="next"' in first
    second = client.get(START, {"search": "Pagington", "page": "2"}).content.decode()
    assert second.count("Refer<span") == 1


def test_a_new_case_opened_from_a_referral_lands_on_its_referral_form(police):
    """ "Open a new case" carries next=referral; the new case goes straight on to its referral form."""
    start = _client(police).get(START).content.decode()
    assert f'href="{reverse("case-create")}?next=referral"' in start
    client = _client(police)
    url = f"{reverse('case-create')}?next=referral"
    page = client.get(url).content.decode()
    assert '<input type="hidden" name="next" value="referral">' in page  # kept by the perpetrator search
    assert 'action="/cases/new/?next=referral"' in page
    response = client.post(url, _new_case_data(police))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _create_url(case)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("next_step", ["https://attacker.example/", "//attacker.example", "/admin/", "case"])
def test_case_creation_ignores_a_next_step_it_does_not_know(police, next_step):
    """Only the allowlisted keyword is followed: anything else (a URL included) goes to the case page."""
    response = _client(police).post(f"{reverse('case-create')}?next={next_step}", _new_case_data(police))
    case = Case.objects.get()
    assert response["Location"] == reverse("case-detail", kwargs={"pk": case.pk})


def _new_case_data(user: User) -> dict[str, object]:
    return {
        "victim_given_name": "Carys",
        "victim_family_name": "Bevan",
        "victim_date_of_birth_day": "14",
        "victim_date_of_birth_month": "6",
        "victim_date_of_birth_year": "1991",
        "victim_gender": "female",
        "perpetrator_given_name": "Rhodri",
        "perpetrator_family_name": "Bevan",
        "perpetrator_gender": "male",
        "relationship": "ex_partner",
        "area": str(user.agency.areas.first().pk),
    }


# --- The referral's questions, checking and sending -------------------------------------------------


def test_the_form_is_prefilled_with_today_the_newest_assessment_and_the_referrer(police, case):
    """A new form has today's date, the newest assessment chosen, and the user's name and email."""
    older = submit_dash(police, case, score=10, assessed_on=timezone.localdate() - timedelta(days=40)).assessment
    newest = submit_dash(police, case, score=15, assessed_on=timezone.localdate() - timedelta(days=2)).assessment
    Referral.objects.all().delete()  # the assessment's own routing referral is not what is tested here
    content = _client(police).get(_create_url(case)).content.decode()
    today = timezone.localdate()
    assert f'name="received_on_day" type="text" inputmode="numeric" spellcheck="false" value="{today.day}"' in content
    assert f'value="{newest.pk}" checked' in content
    assert f'value="{older.pk}">' in content
    assert "score 15, high risk" in content
    assert 'value="Morwenna Tregothnan"' in content
    assert 'value="m.tregothnan@police.example.org"' in content
    # Shown under their option, never hidden: GOV.UK's reveal puts invalid ARIA on radios (ADR 0008).
    assert "data-aria-controls" not in content
    assert 'id="conditional-consent-reason"' in content
    assert 'id="conditional-marac-criteria"' in content
    assert "perpetrator_panel" not in content


def test_the_whole_journey_sends_the_referral_with_what_was_entered(police, case, idva_agency):
    """Form, check your answers, send: the referral holds the answers, and the user goes to its page."""
    assessment = submit_dash(police, case, score=12).assessment  # standard risk: no referral of its own
    client = _client(police)
    response = client.post(_create_url(case), _answers(risk_assessment=str(assessment.pk)))
    assert response.status_code == 302
    assert response["Location"] == _check_url(case)
    assert not Referral.objects.exists()  # nothing is written before the check page

    check = client.get(_check_url(case)).content.decode()
    assert "Check your answers before sending the referral" in check
    assert "MARAC" in check
    assert "Visible high risk" in check
    assert "Professional judgement" in check
    assert "Not given: shared to protect" in check
    assert "Risk of serious harm to the victim and the children." in check
    assert "Detective Constable" in check
    assert not Referral.objects.exists()  # nor by looking at it

    response = client.post(_check_url(case))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referral-detail", kwargs={"pk": referral.pk})
    assert referral.case == case
    assert referral.service == Referral.Service.MARAC
    assert referral.referring_agency == police.agency
    assert referral.receiving_agency == idva_agency
    assert referral.received_on == timezone.localdate()
    assert referral.risk_assessment == assessment
    assert referral.reasons == ["visible_high_risk", "professional_judgement"]
    assert referral.details == "Threats to kill made on Saturday; two children at home."
    assert referral.consent == Referral.Consent.NOT_GIVEN_SHARED_TO_PROTECT
    assert referral.consent_reason == "Risk of serious harm to the victim and the children."
    assert referral.referrer == police
    assert (referral.referrer_name, referral.referrer_job_title) == ("Morwenna Tregothnan", "Detective Constable")
    assert (referral.referrer_phone, referral.referrer_email) == ("01632 960123", "m.tregothnan@police.example.org")
    assert f"referral_answers:{case.pk}" not in client.session


def test_sending_twice_does_not_make_two_referrals(police, case):
    """The answers are gone once sent: a second send goes back to the form and writes nothing more."""
    client = _client(police)
    client.post(_create_url(case), _answers())
    client.post(_check_url(case))
    response = client.post(_check_url(case))
    assert response.status_code == 302
    assert response["Location"] == _create_url(case)
    assert Referral.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_check_page_without_answers_goes_back_to_the_form(police, case, method):
    """With no answers in the session the check page sends the user to the form and writes nothing."""
    response = getattr(_client(police), method)(_check_url(case))
    assert response.status_code == 302
    assert response["Location"] == _create_url(case)
    assert not Referral.objects.exists()


def test_change_links_go_back_to_a_form_prefilled_with_the_answers(police, case):
    """Each answer has a Change link to its input on the form, which shows the answers given so far."""
    client = _client(police)
    client.post(_create_url(case), _answers(service="idva", consent="given", consent_reason=""))
    check = client.get(_check_url(case)).content.decode()
    for anchor in ("id_service_0", "id_received_on_0", "id_details", "id_consent_0", "id_referrer_phone"):
        assert f'href="{_create_url(case)}#{anchor}"' in check
    assert "MARAC referral criteria" not in check  # not asked for an IDVA referral
    form = client.get(_create_url(case)).content.decode()
    assert 'value="idva" checked' in form
    assert 'value="given" checked' in form
    assert "Threats to kill made on Saturday; two children at home.</textarea>" in form
    assert 'value="01632 960123"' in form
    assert "There is a problem" not in form


def test_changing_an_answer_replaces_it(police, case):
    """Posting the form again (after Change) replaces the stored answers."""
    client = _client(police)
    client.post(_create_url(case), _answers())
    client.post(_create_url(case), _answers(details="Changed: the perpetrator has moved back in."))
    client.post(_check_url(case))
    assert Referral.objects.get().details == "Changed: the perpetrator has moved back in."


def test_consent_not_given_needs_a_reason_by_the_field(police, case):
    """Shared without consent and no reason: the form comes back with the error on the reason, nothing kept."""
    client = _client(police)
    response = client.post(_create_url(case), _answers(consent_reason=""))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<a href="#id_consent_reason">Say why the referral is shared without consent.</a>' in content
    assert 'id="id_consent_reason_error"' in content
    assert "govuk-radios__conditional--hidden" not in content.split('id="conditional-consent-reason"')[0][-80:]
    assert client.get(_check_url(case))["Location"] == _create_url(case)
    assert not Referral.objects.exists()


def test_the_reason_for_sharing_without_consent_is_not_marked_optional(police, case):
    """Under "Not given" the reason is asked for as required, and the hint says so."""
    content = _client(police).get(_create_url(case)).content.decode()
    reveal = content.split('id="conditional-consent-reason"')[1].split("</textarea>")[0]
    assert "If not given: why is the referral shared without consent?</label>" in reveal
    assert "(optional)" not in reveal
    assert "Say why the referral is shared without consent" in reveal


def test_reasons_are_kept_only_for_marac_referrals(police, case):
    """Criteria ticked under MARAC and then left hidden by choosing the IDVA service are not sent."""
    client = _client(police)
    client.post(_create_url(case), _answers(service="idva", consent="given"))
    client.post(_check_url(case))
    referral = Referral.objects.get()
    assert referral.reasons == []
    assert referral.consent_reason == ""


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"service": ""}, "service", "Select the service you are referring to"),
        ({"service": "perpetrator_panel"}, "service", "Select a valid choice"),
        ({"received_on_year": str(timezone.localdate().year + 1)}, "received_on", "must be today or in the past"),
        ({"received_on_month": "13"}, "received_on", "Date of the referral must be a real date"),
        ({"consent": ""}, "consent", "Select whether the victim consented to the referral"),
        ({"referrer_name": ""}, "referrer_name", "Enter your name"),
        ({"referrer_email": "not-an-email"}, "referrer_email", "Enter an email address in the correct format"),
    ],
)
def test_missing_or_wrong_answers_come_back_on_their_field(police, case, overrides, field, message):
    """Each problem is shown on its own field, and nothing is kept or written."""
    client = _client(police)
    response = client.post(_create_url(case), _answers(**overrides))
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert f'id="id_{field}_error"' in content
    assert client.get(_check_url(case)).status_code == 302
    assert not Referral.objects.exists()


def test_the_services_refusal_sends_the_user_back_to_the_form_with_the_error(police, case):
    """Two outreach providers and none chosen: sending shows the form again with the error on "Refer to"."""
    first = AgencyFactory(kind=Agency.Kind.OUTREACH, name="Fenland Outreach")
    AgencyFactory(kind=Agency.Kind.OUTREACH, name="City Outreach")
    client = _client(police)
    client.post(_create_url(case), _answers(service="outreach", consent="given"))
    response = client.post(_check_url(case))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<a href="#id_receiving_agency">Choose the agency to refer to.</a>' in content
    assert 'value="outreach" checked' in content
    assert not Referral.objects.exists()
    # Choosing one of them sends the referral.
    client.post(_create_url(case), _answers(service="outreach", consent="given", receiving_agency=str(first.pk)))
    client.post(_check_url(case))
    assert Referral.objects.get().receiving_agency == first


def test_a_case_without_assessments_says_so(police, case):
    """With no risk assessment recorded the form offers to record one, and the referral rests on none."""
    content = _client(police).get(_create_url(case)).content.decode()
    assert "No risk assessment is recorded for this case." in content
    assert 'name="risk_assessment"' not in content
    client = _client(police)
    client.post(_create_url(case), _answers(consent="given"))
    client.post(_check_url(case))
    assert Referral.objects.get().risk_assessment is None


def test_answers_are_kept_per_case(police, case):
    """Answers for one case are not the answers for another."""
    other = make_case(police)
    client = _client(police)
    client.post(_create_url(case), _answers())
    assert client.get(_check_url(other))["Location"] == _create_url(other)
    assert client.get(_check_url(case)).status_code == 200


def test_a_referral_from_an_earlier_date_keeps_its_date(police, case):
    """A referral dated in the past is received on that date."""
    day = timezone.localdate() - timedelta(days=3)
    client = _client(police)
    client.post(
        _create_url(case),
        _answers(received_on_day=str(day.day), received_on_month=str(day.month), received_on_year=str(day.year)),
    )
    client.post(_check_url(case))
    assert Referral.objects.get().received_on == day
