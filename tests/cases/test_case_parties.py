"""Adding a perpetrator to an existing case: the service and the page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, Role, User
from agencies.services import object_permission_grant
from cases.models import CaseParty, Person
from cases.selectors import VIEW_CASE
from cases.services import PartyInput, case_party_add
from tests.conftest import sign_in
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def idva_agency(db) -> Agency:
    return idva_service()


@pytest.fixture
def police(idva_agency) -> User:
    return case_worker()


def _url(case) -> str:
    return reverse("case-party-add", kwargs={"pk": case.pk})


def test_a_known_person_is_linked_not_copied(police):
    """Adding someone already in another case links the same person."""
    known = PersonFactory(gender="male")
    make_case(police, perpetrators=[known])
    case = make_case(police)
    people = Person.objects.count()
    party = case_party_add(actor=police, case=case, party=PartyInput(relationship="partner", person=known))
    assert party.person == known
    assert Person.objects.count() == people
    assert set(known.case_parties.values_list("case_id", flat=True)) >= {case.pk}


def test_the_victim_or_a_current_perpetrator_is_refused(police):
    """The victim cannot be added, nor someone already a perpetrator in the case; nothing is written."""
    case = make_case(police)
    existing = case.parties.get().person
    rows = CaseParty.objects.count()
    for person in (case.victim, existing):
        with pytest.raises(ValidationError):
            case_party_add(actor=police, case=case, party=PartyInput(relationship="partner", person=person))
    assert CaseParty.objects.count() == rows


def test_an_agency_that_only_views_cannot_add(police):
    """Adding needs change of the case, not just view."""
    case = make_case(police)
    viewer = case_worker()
    object_permission_grant(agency=viewer.agency, perm=VIEW_CASE, obj=case, reason="test: view only")
    with pytest.raises(PermissionDenied):
        case_party_add(
            actor=viewer,
            case=case,
            party=PartyInput(relationship="partner", data={"given_name": "A", "family_name": "B"}),
        )


def test_the_page_adds_a_new_perpetrator(police):
    """The creating agency adds a new perpetrator from the page and returns to the case."""
    case = make_case(police)
    response = sign_in(Client(), police).post(
        _url(case),
        {
            "perpetrator_given_name": "Sam",
            "perpetrator_family_name": "Ashdown",
            "perpetrator_gender": "male",
            "relationship": "ex_partner",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("case-detail", kwargs={"pk": case.pk})
    assert case.parties.filter(person__family_name="Ashdown", relationship="ex_partner").exists()


def test_the_page_links_a_person_found_by_the_search(police):
    """A person found by the search is offered and linked when chosen."""
    known = PersonFactory(given_name="Oswin", family_name="Treleaven", gender="male")
    make_case(police, perpetrators=[known])
    case = make_case(police)
    client = sign_in(Client(), police)
    page = client.get(_url(case), {"perpetrator_search": "Treleaven"})
    assert page.status_code == 200
    assert b"Oswin Treleaven" in page.content
    response = client.post(
        _url(case) + "?perpetrator_search=Treleaven", {"perpetrator": str(known.pk), "relationship": "partner"}
    )
    assert response.status_code == 302
    assert case.parties.filter(person=known).exists()


def test_missing_answers_name_the_fields_and_write_nothing(police):
    """Without names or relationship the page shows the errors and adds nobody."""
    case = make_case(police)
    rows = CaseParty.objects.count()
    response = sign_in(Client(), police).post(_url(case), {})
    assert response.status_code == 200
    assert b"Enter the perpetrator&#x27;s given name" in response.content
    assert b"Select how the perpetrator is related to the victim" in response.content
    assert CaseParty.objects.count() == rows


def test_other_agencies_get_404_and_anonymous_is_sent_to_sign_in(police, client):
    """Another agency gets 404; an analyst gets 403 (no case role); anonymous goes to sign in."""
    case = make_case(police)
    assert sign_in(Client(), case_worker()).get(_url(case)).status_code == 404
    analyst = case_worker(role=Role.ANALYST)
    assert sign_in(Client(), analyst).get(_url(case)).status_code in {403, 404}
    response = client.get(_url(case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_case_page_links_to_it_only_for_agencies_that_can_change(police):
    """The 'Add a perpetrator' link shows for the creating agency, not for a view-only agency."""
    case = make_case(police)
    viewer = case_worker()
    object_permission_grant(agency=viewer.agency, perm=VIEW_CASE, obj=case, reason="test: view only")
    detail = reverse("case-detail", kwargs={"pk": case.pk})
    assert _url(case).encode() in sign_in(Client(), police).get(detail).content
    assert _url(case).encode() not in sign_in(Client(), viewer).get(detail).content
