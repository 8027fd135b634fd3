"""The case pages: finding a case, opening one, the case page and the safe contact page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, Role, User
from agencies.services import object_permission_grant
from audit.models import AccessLog
from cases.models import Case, CaseParty, Child, Person, SafeContact
from cases.selectors import VIEW_CASE
from cases.services import safe_contact_save
from tests.conftest import sign_in
from tests.factories.agencies import UserFactory
from tests.factories.cases import PersonFactory, add_incident, case_worker, idva_service, make_case, submit_dash

pytestmark = pytest.mark.django_db

SEARCH = reverse("case-search")
CREATE = reverse("case-create")


@pytest.fixture
def idva_agency(db) -> Agency:
    """The partnership's IDVA service (it exists before any case is opened)."""
    return idva_service()


@pytest.fixture
def police(idva_agency) -> User:
    """A police agency representative who records cases."""
    return case_worker()


@pytest.fixture
def idva(idva_agency) -> User:
    """An IDVA of the IDVA service, which sees every case."""
    return case_worker(agency=idva_agency, role=Role.IDVA)


@pytest.fixture
def outsider(idva_agency) -> User:
    """A representative of another police agency, which sees none of `police`'s cases."""
    return case_worker()


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _search_rows() -> int:
    return AccessLog.objects.filter(action=AccessLog.Action.SEARCH).count()


def _new_case_data(user: User, **overrides: str) -> dict[str, str]:
    data = {
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
        "children_ages": "4, 7",
        "area": str(user.agency.areas.first().pk),
        "flags": ["stalking", "pregnancy"],
    }
    data.update(overrides)
    return data


# --- Find a case ----------------------------------------------------------------------------------


def test_search_by_name_lists_the_matching_cases_and_logs_the_filters(police):
    """A search by name lists the cases whose victim or perpetrator matches, and logs the filters only."""
    victim = PersonFactory(given_name="Seren", family_name="Quarrington")
    case = make_case(police, victim=victim, children=[3])
    other = make_case(police)
    response = _client(police).get(SEARCH, {"name": "quarrington"})
    assert response.status_code == 200
    content = response.content.decode()
    assert case.reference in content
    assert other.reference not in content
    assert "Seren Quarrington" in content
    assert case.area.name in content
    row = AccessLog.objects.get(action=AccessLog.Action.SEARCH)
    assert row.user == police
    assert row.object_type == "cases.case"
    assert row.detail == {"reference": "", "name": "quarrington", "date_of_birth": "", "page": 1}


def test_search_by_reference_and_by_date_of_birth(police):
    """A reference finds its case; a date of birth finds the cases of people born that day."""
    victim = PersonFactory(date_of_birth=date(1984, 2, 29))
    case = make_case(police, victim=victim)
    other = make_case(police, victim=PersonFactory(date_of_birth=date(1970, 1, 1)))
    client = _client(police)
    by_reference = client.get(SEARCH, {"reference": case.reference.lower()}).content.decode()
    assert case.reference in by_reference
    assert other.reference not in by_reference
    by_birth = client.get(
        SEARCH, {"date_of_birth_day": "29", "date_of_birth_month": "2", "date_of_birth_year": "1984"}
    ).content.decode()
    assert case.reference in by_birth
    assert other.reference not in by_birth
    assert AccessLog.objects.filter(action=AccessLog.Action.SEARCH).last().detail["date_of_birth"] == "1984-02-29"


def test_search_finds_no_case_of_another_agency(police, outsider):
    """Another agency's search does not find cases it may not see."""
    make_case(police, victim=PersonFactory(family_name="Quarrington"))
    response = _client(outsider).get(SEARCH, {"name": "Quarrington"})
    assert response.status_code == 200
    assert "0 cases found" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"reference": "", "name": ""}, "Enter a case reference, a name or a date of birth"),
        (
            {"date_of_birth_day": "31", "date_of_birth_month": "2", "date_of_birth_year": "1990"},
            "Date of birth must be a real date",
        ),
        ({"date_of_birth_day": "3", "date_of_birth_year": "1990"}, "Date of birth must include a month"),
    ],
)
def test_bad_search_shows_the_error_and_logs_nothing(police, params, message):
    """A search without criteria, or with a wrong date, names the problem and searches nothing."""
    response = _client(police).get(SEARCH, params)
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert message in content
    assert "cases found" not in content
    assert _search_rows() == 0


def test_first_visit_shows_the_form_only(police):
    """Opening Find a case shows the form, and no search is run or logged."""
    make_case(police)
    response = _client(police).get(SEARCH)
    assert response.status_code == 200
    assert "govuk-error-summary" not in response.content.decode()
    assert _search_rows() == 0


def test_results_are_paginated_25_to_a_page(police):
    """26 matches: 25 on the first page with a link to the next, 1 on the second."""
    for _ in range(26):
        make_case(police, victim=PersonFactory(family_name="Pagington"))
    client = _client(police)
    first = client.get(SEARCH, {"name": "Pagington"}).content.decode()
    assert "26 cases found" in first
    assert first.count("govuk-table__row") == 26  # the header row and 25 cases
    assert 'rel="next"' in first
    assert "name=Pagington&amp;page=2" in first
    second = client.get(SEARCH, {"name": "Pagington", "page": "2"}).content.decode()
    assert second.count("govuk-table__row") == 2
    assert 'rel="prev"' in second


def test_search_query_count_is_constant_in_the_number_of_rows(police):
    """The results page takes as many queries for 25 rows as for 2."""
    client = _client(police)

    def queries_for(family_name: str, cases: int) -> int:
        for number in range(cases):
            make_case(police, victim=PersonFactory(family_name=family_name), children=[number % 5])
        client.get(SEARCH, {"name": family_name})  # warm the session and the user's roles
        with CaptureQueriesContext(connection) as context:
            response = client.get(SEARCH, {"name": family_name})
        assert response.status_code == 200
        return len(context.captured_queries)

    assert queries_for("Fewington", 2) == queries_for("Manington", 25)


@pytest.mark.parametrize("url", [SEARCH, CREATE])
def test_users_without_a_case_role_are_refused(signed_in_client, url):
    """An analyst cannot search or open cases."""
    response = signed_in_client(UserFactory(roles=[Role.ANALYST])).get(url, {"name": "a"})
    assert response.status_code == 403
    assert _search_rows() == 0


@pytest.mark.parametrize("url", [SEARCH, CREATE])
def test_anonymous_users_are_sent_to_sign_in(client, url):
    """Signed-out visitors are sent to the sign-in page."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_navigation_offers_the_case_pages_to_case_roles_only(signed_in_client, idva):
    """IDVAs get Find a case and New case in the menu; analysts do not."""
    content = signed_in_client(idva).get(reverse("home")).content.decode()
    assert f'href="{SEARCH}"' in content
    assert f'href="{CREATE}"' in content
    analyst = _client(UserFactory(roles=[Role.ANALYST])).get(reverse("home")).content.decode()
    assert f'href="{SEARCH}"' not in analyst
    assert f'href="{CREATE}"' not in analyst


# --- Open a case ----------------------------------------------------------------------------------


def test_opening_a_case_with_a_new_perpetrator(police):
    """The form opens the case with its victim, perpetrator, children, area and flags, then shows it."""
    client = _client(police)
    assert client.get(CREATE).status_code == 200
    response = client.post(CREATE, _new_case_data(police))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case-detail", kwargs={"pk": case.pk})
    assert case.victim.full_name == "Carys Bevan"
    assert case.victim.date_of_birth == date(1991, 6, 14)
    assert case.lead_agency == police.agency
    party = CaseParty.objects.get(case=case)
    assert party.person.full_name == "Rhodri Bevan"
    assert party.relationship == "ex_partner"
    assert sorted(Child.objects.filter(case=case).values_list("age", flat=True)) == [4, 7]
    assert case.stalking
    assert case.pregnancy
    assert not case.strangulation
    page = client.get(response["Location"]).content.decode()
    assert f"Case {case.reference} opened for Carys Bevan." in page


def test_a_known_perpetrator_is_linked_not_copied(police):
    """A perpetrator found by the person search is linked to the new case, not recorded again."""
    known = PersonFactory(given_name="Idris", family_name="Wolstenholme", gender="male")
    make_case(police, perpetrators=[known])
    client = _client(police)
    url = f"{CREATE}?perpetrator_search=wolstenholme"
    page = client.get(url).content.decode()
    assert "Who is the perpetrator?" in page
    assert f'value="{known.pk}"' in page
    assert AccessLog.objects.get(action=AccessLog.Action.SEARCH).detail == {"perpetrator_search": "wolstenholme"}
    people = Person.objects.count()
    response = client.post(
        url,
        _new_case_data(police, perpetrator=str(known.pk), perpetrator_given_name="", perpetrator_family_name=""),
    )
    assert response.status_code == 302
    assert Person.objects.count() == people + 1  # the new victim only
    assert known.case_parties.count() == 2


def test_people_of_cases_the_agency_cannot_see_are_not_offered(police, outsider):
    """Another agency's perpetrators are neither listed nor accepted."""
    hidden = PersonFactory(family_name="Wolstenholme")
    make_case(outsider, perpetrators=[hidden])
    make_case(police, perpetrators=[PersonFactory(family_name="Wolstenholme")])
    client = _client(police)
    url = f"{CREATE}?perpetrator_search=wolstenholme"
    assert f'value="{hidden.pk}"' not in client.get(url).content.decode()
    cases = Case.objects.count()
    response = client.post(url, _new_case_data(police, perpetrator=str(hidden.pk)))
    assert response.status_code == 200
    assert "Select one of the people listed" in response.content.decode()
    assert Case.objects.count() == cases


def test_missing_answers_are_named_and_nothing_is_written(police):
    """An empty form names each missing answer in the error summary and writes nothing."""
    people = Person.objects.count()
    response = _client(police).post(CREATE, {})
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("govuk-error-summary__list") == 1
    for message in (
        "Enter the victim&#x27;s given name",
        "Enter the victim&#x27;s family name",
        "Enter the perpetrator&#x27;s given name",
        "Select how the perpetrator is related to the victim",
        "Select the area",
    ):
        assert message in content
    assert 'href="#id_victim_given_name"' in content
    assert 'href="#id_relationship_0"' in content
    assert "<title>Error: " in content
    assert Case.objects.count() == 0
    assert Person.objects.count() == people


@pytest.mark.parametrize(
    ("ages", "message"),
    [
        ("4, seven", "Enter the children&#x27;s ages as whole numbers separated by commas"),
        ("4, 19", "Enter the ages of children under 18 only"),
    ],
)
def test_childrens_ages_are_checked(police, ages, message):
    """Children's ages must be whole numbers under 18; otherwise the field says so and nothing is written."""
    response = _client(police).post(CREATE, _new_case_data(police, children_ages=ages))
    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert 'href="#id_children_ages"' in content
    assert Case.objects.count() == 0


def test_an_area_the_agency_does_not_serve_is_refused(police, outsider):
    """Only the user's agency's areas can be chosen."""
    response = _client(police).post(CREATE, _new_case_data(police, area=str(outsider.agency.areas.first().pk)))
    assert response.status_code == 200
    assert "Select one of the areas listed" in response.content.decode()
    assert Case.objects.count() == 0


def test_service_errors_are_shown_on_the_field_they_name(police, monkeypatch):
    """A rule the service enforces comes back on the form field it names."""
    from django.core.exceptions import ValidationError

    def refuse(**kwargs: object) -> None:
        raise ValidationError({"age": ["A child's age must be under 18."], "reference": ["Try again."]})

    monkeypatch.setattr("cases.views.case_create", refuse)
    response = _client(police).post(CREATE, _new_case_data(police))
    content = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_children_ages"' in content
    assert "A child&#x27;s age must be under 18." in content
    assert "Try again." in content


# --- The case page -----------------------------------------------------------------------------


def test_case_page_shows_the_case_and_logs_the_view(police, partnership_rule):
    """The case page shows victim, perpetrators, children, flags, risk history, incidents and
    referrals, and writes one VIEW row."""
    perpetrator = PersonFactory(given_name="Emrys", family_name="Tallow", gender="male")
    case = make_case(police, perpetrators=[perpetrator], children=[2, 9], strangulation=True)
    incident = add_incident(police, case, is_crime=True, crime_type="Assault")
    submit_dash(police, case, score=15)
    url = reverse("case-detail", kwargs={"pk": case.pk})
    response = _client(police).get(url)
    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        case.victim.full_name,
        "Emrys Tallow",
        "Ex-partner",
        "Aged 2",
        "Aged 9",
        "Strangulation, choking or suffocation",
        case.area.name,
        police.agency.name,
        incident.source_reference,
        "Yes: Assault",
        "IDVA service",
        "DASH score over time",
    ):
        assert text in content, text
    assert "style=" not in content
    row = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    assert (row.object_type, row.object_id, row.user) == ("cases.case", str(case.pk), police)


def test_case_page_of_another_agency_is_404(police, outsider):
    """Another agency gets 404 for a case it may not see, and nothing is logged as seen."""
    case = make_case(police)
    response = _client(outsider).get(reverse("case-detail", kwargs={"pk": case.pk}))
    assert response.status_code == 404
    assert not AccessLog.objects.filter(action=AccessLog.Action.VIEW).exists()


def test_analysts_see_no_case(police):
    """An analyst of the very agency that opened the case gets 404."""
    case = make_case(police)
    analyst = UserFactory(agency=police.agency, roles=[Role.ANALYST])
    assert _client(analyst).get(reverse("case-detail", kwargs={"pk": case.pk})).status_code == 404


def test_case_page_needs_sign_in(client, police):
    """Signed-out visitors are sent to sign in."""
    case = make_case(police)
    response = client.get(reverse("case-detail", kwargs={"pk": case.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_safe_contact_shows_only_for_the_opening_agency_and_the_idva_service(police, idva):
    """The opening agency and the IDVA service see the safe contact; an agency that may only view
    the case sees the case without it."""
    case = make_case(police)
    safe_contact_save(actor=police, case=case, data={"safe_phone": "07700 900123"})
    viewer = case_worker()
    object_permission_grant(agency=viewer.agency, perm=VIEW_CASE, obj=case, reason="Test: view only")
    url = reverse("case-detail", kwargs={"pk": case.pk})
    for user in (police, idva):
        content = _client(user).get(url).content.decode()
        assert "07700 900123" in content
        assert 'id="safe-contact-heading"' in content
    response = _client(viewer).get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "07700 900123" not in content
    assert "Safe contact" not in content
    assert _client(viewer).get(reverse("case-safe-contact", kwargs={"pk": case.pk})).status_code == 404


def test_case_page_query_count_is_constant(police, partnership_rule):
    """The case page takes as many queries with many assessments, incidents and children as with one."""
    client = _client(police)

    def queries_for(items: int) -> int:
        case = make_case(police, children=list(range(items)))
        for number in range(items):
            add_incident(police, case)
            submit_dash(police, case, score=10 + number)
        url = reverse("case-detail", kwargs={"pk": case.pk})
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    assert queries_for(1) == queries_for(6)


# --- Safe contact ---------------------------------------------------------------------------------


def test_recording_safe_contact_details(police):
    """The opening agency records safe contact details; they are saved encrypted and shown on the case."""
    case = make_case(police)
    client = _client(police)
    url = reverse("case-safe-contact", kwargs={"pk": case.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "Record safe contact details" in page.content.decode()
    view = AccessLog.objects.get(action=AccessLog.Action.VIEW)
    assert view.detail == {"section": "safe contact"}
    response = client.post(
        url, {"safe_phone": "07700 900456", "safe_times": "Weekdays 10am to 2pm", "do_not_contact": "No voicemail"}
    )
    assert response.status_code == 302
    contact = SafeContact.objects.get(person=case.victim)
    assert contact.safe_phone == "07700 900456"
    with connection.cursor() as cursor:
        cursor.execute("SELECT safe_phone FROM cases_safecontact WHERE id = %s", [contact.pk])
        assert "07700" not in cursor.fetchone()[0]
    shown = client.get(response["Location"]).content.decode()
    assert "Safe contact details saved." in shown
    assert "No voicemail" in shown
    assert re.search(r"Change safe contact details", client.get(url).content.decode())


def test_safe_contact_page_of_another_agency_is_404(police, outsider):
    """Another agency cannot open or post the safe contact page."""
    case = make_case(police)
    url = reverse("case-safe-contact", kwargs={"pk": case.pk})
    client = _client(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"safe_phone": "07700 900789"}).status_code == 404
    assert not SafeContact.objects.exists()
