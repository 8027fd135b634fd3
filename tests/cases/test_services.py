"""Opening cases (access, people, references), recording incidents and safe contacts, with the database."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from agencies.models import Agency, User
from agencies.selectors import agency_has_object_permission
from audit.models import AccessLog
from cases.models import (
    Case,
    CaseAgencyPermission,
    CaseParty,
    CaseReferenceCounter,
    Child,
    Incident,
    Person,
    SafeContact,
)
from cases.selectors import CHANGE_CASE, VIEW_CASE, VIEW_SAFECONTACT
from cases.services import PartyInput, case_create, incident_record, safe_contact_save
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case

pytestmark = pytest.mark.django_db

D = date(2023, 3, 1)
CASE_PERMISSIONS = (VIEW_CASE, CHANGE_CASE, VIEW_SAFECONTACT)
VICTIM = {"given_name": "Alys", "family_name": "Pryce", "date_of_birth": date(1990, 1, 31), "gender": "female"}
PERPETRATOR = {"given_name": "Gethin", "family_name": "Pryce", "gender": "male"}


@pytest.fixture
def idva_agency(db) -> Agency:
    """The partnership's IDVA service (it exists before any case is opened)."""
    return idva_service()


@pytest.fixture
def police(idva_agency) -> User:
    """A police agency representative who records cases."""
    return case_worker()


def _open(actor: User, **kwargs: object) -> Case:
    arguments: dict[str, object] = {
        "actor": actor,
        "area": actor.agency.areas.first(),
        "victim": VICTIM,
        "perpetrators": [PartyInput(relationship="ex_partner", data=PERPETRATOR)],
        "opened_on": D,
    }
    arguments.update(kwargs)
    return case_create(**arguments)  # type: ignore[arg-type]


def _row_counts() -> dict[str, int]:
    models = (Person, Case, CaseParty, Child, CaseAgencyPermission, CaseReferenceCounter, AccessLog, Incident)
    counts = {model.__name__: model.objects.count() for model in models}
    counts["issued references"] = sum(CaseReferenceCounter.objects.values_list("last_number", flat=True))
    return counts


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("perm", CASE_PERMISSIONS)
@pytest.mark.parametrize(("who", "granted"), [("creator", True), ("idva_service", True), ("third", False)])
def test_case_create_grants_access_to_the_creator_and_the_idva_service_only(police, idva_agency, perm, who, granted):
    """The creating agency and the IDVA service get view, change and safe contact; another agency nothing."""
    case = _open(police)
    agency = {"creator": police.agency, "idva_service": idva_agency, "third": case_worker().agency}[who]
    assert agency_has_object_permission(agency=agency, perm=perm, obj=case) is granted


def test_every_grant_records_its_reason(police, idva_agency):
    """Six permission rows, each with a reason: three for the creator, three for the IDVA service."""
    case = _open(police)
    rows = CaseAgencyPermission.objects.filter(content_object=case).select_related("permission")
    granted = {(row.group_id, row.permission.codename): row.reason for row in rows}
    assert set(granted) == {
        (agency.group_id, codename)
        for agency in (police.agency, idva_agency)
        for codename in ("view_case", "change_case", "view_safecontact")
    }
    assert {granted[(police.agency.group_id, "view_case")], granted[(idva_agency.group_id, "view_case")]} == {
        "Recorded the case",
        "IDVA service: every victim is offered an IDVA",
    }
    assert all(reason.strip() for reason in granted.values())


def test_a_case_opened_by_the_idva_service_has_one_set_of_grants(idva_agency):
    """When the IDVA service records the case its three grants are not duplicated."""
    idva = case_worker(idva_agency, role="idva")
    case = _open(idva)
    assert CaseAgencyPermission.objects.filter(content_object=case).count() == 3


# --- People ---------------------------------------------------------------------------------------


def test_an_existing_person_is_linked_as_perpetrator_not_copied(police):
    """A perpetrator already known is linked into a second case; no new person is created for them."""
    serial = PersonFactory(gender="male")
    first = _open(police, perpetrators=[PartyInput(relationship="ex_partner", person=serial)])
    people = Person.objects.count()
    second = _open(police, perpetrators=[PartyInput(relationship="partner", person=serial)])
    assert Person.objects.count() == people + 1  # the second case's new victim only
    assert list(first.perpetrators.all()) == list(second.perpetrators.all()) == [serial]
    assert set(serial.cases_as_perpetrator.all()) == {first, second}
    assert CaseParty.objects.get(case=second).relationship == "partner"


def test_an_existing_victim_is_linked_to_a_second_case(police):
    """A victim given as a person is reused: two cases, one person."""
    victim = PersonFactory()
    first, second = (_open(police, victim=victim) for _ in range(2))
    assert first.victim == second.victim == victim
    assert Person.objects.filter(given_name=victim.given_name, family_name=victim.family_name).count() == 1


def test_the_victim_cannot_also_be_a_perpetrator(police):
    """The victim listed as a perpetrator is refused, and nothing of the case is written."""
    victim = PersonFactory()
    before = _row_counts()
    with pytest.raises(ValidationError) as error:
        _open(police, victim=victim, perpetrators=[PartyInput(relationship="partner", person=victim)])
    assert "perpetrators" in error.value.message_dict
    assert _row_counts() == before


def test_the_same_perpetrator_twice_is_refused(police):
    """A person listed twice as perpetrator is an error, and nothing is written."""
    perpetrator = PersonFactory(gender="male")
    before = _row_counts()
    with pytest.raises(ValidationError):
        _open(police, perpetrators=[PartyInput(relationship="partner", person=perpetrator)] * 2)
    assert _row_counts() == before


@pytest.mark.parametrize(
    "overrides",
    [
        {"children": [{"age": 4}, {"age": 18}]},
        {"victim": {**VICTIM, "gender": "unknown"}},
        {"perpetrators": [PartyInput(relationship="neighbour", data=PERPETRATOR)]},
        {"perpetrators": [PartyInput(relationship="partner", data={**PERPETRATOR, "date_of_birth": "31/01/1990"})]},
    ],
)
def test_a_case_with_invalid_details_writes_nothing(police, overrides):
    """A bad child age, gender, relationship or date fails the whole case: no person, party, grant,
    reference number or log row is left behind (one transaction)."""
    before = _row_counts()
    with pytest.raises(ValidationError):
        _open(police, **overrides)
    assert _row_counts() == before


def test_a_case_records_its_children_and_flags(police):
    """Children and flags are stored with the case."""
    case = _open(police, children=[{"age": 4}, {"age": 11}], flags={"strangulation": True, "unknown": True})
    assert sorted(case.children.values_list("age", flat=True)) == [4, 11]
    assert case.has_children
    assert (case.strangulation, case.stalking) == (True, False)


# --- References -----------------------------------------------------------------------------------


def test_case_references_number_per_year(police):
    """DA-YYYY-NNNNNN, counting from 000001 in each year of opening, independently per year."""
    opened = [date(2025, 3, 1), date(2025, 12, 31), date(2026, 1, 1), date(2025, 6, 1), date(2026, 2, 1)]
    references = [_open(police, opened_on=day).reference for day in opened]
    assert references == ["DA-2025-000001", "DA-2025-000002", "DA-2026-000001", "DA-2025-000003", "DA-2026-000002"]
    assert all(re.fullmatch(r"DA-\d{4}-\d{6}", reference) for reference in references)


def test_a_failed_case_does_not_use_up_a_reference(police):
    """A refused case rolls its reference number back: the next case takes it."""
    victim = PersonFactory()
    _open(police, opened_on=date(2024, 5, 1))
    with pytest.raises(ValidationError):
        _open(police, victim=victim, perpetrators=[PartyInput(relationship="partner", person=victim)])
    assert _open(police, opened_on=date(2024, 5, 2)).reference == "DA-2024-000002"


# --- Incidents ------------------------------------------------------------------------------------


def test_a_repeated_source_reference_returns_the_existing_incident(police):
    """The same reference from the same agency answers the first incident (created False), changed in
    nothing, and no new row."""
    case = _open(police)
    first = incident_record(actor=police, case=case, occurred_on=D, source_reference="CAD-123", is_crime=True)
    assert first.created is True
    count = Incident.objects.count()
    again = incident_record(
        actor=police, case=case, occurred_on=D + timedelta(days=3), source_reference="CAD-123", is_crime=False
    )
    assert again.created is False
    assert again.incident.pk == first.incident.pk
    assert Incident.objects.count() == count
    stored = Incident.objects.get(pk=first.incident.pk)
    assert (stored.occurred_on, stored.is_crime) == (D, True)


def test_a_reference_with_surrounding_spaces_is_the_same_reference(police):
    """References are stored trimmed, so " CAD-9 " finds the incident recorded as "CAD-9"."""
    case = _open(police)
    first = incident_record(actor=police, case=case, occurred_on=D, source_reference="CAD-9").incident
    again = incident_record(actor=police, case=case, occurred_on=D, source_reference=" CAD-9 ")
    assert (again.created, again.incident.pk) == (False, first.pk)
    assert Incident.objects.count() == 1


def test_the_same_reference_from_another_agency_is_another_incident(police, idva_agency):
    """References are unique per reporting agency only."""
    case = _open(police)
    idva = case_worker(idva_agency, role="idva")
    incident_record(actor=police, case=case, occurred_on=D, source_reference="REF-1")
    other = incident_record(actor=idva, case=case, occurred_on=D, source_reference="REF-1")
    assert other.created is True
    assert other.incident.reported_to == idva_agency
    assert Incident.objects.count() == 2


def test_an_incident_in_the_future_is_refused(police):
    """An incident dated tomorrow raises and writes nothing."""
    case = _open(police)
    with pytest.raises(ValidationError):
        incident_record(
            actor=police, case=case, occurred_on=timezone.localdate() + timedelta(days=1), source_reference="CAD-F"
        )
    assert not Incident.objects.exists()


def test_an_incident_names_only_a_perpetrator_of_the_case(police):
    """The incident's perpetrator must be a party to the case."""
    case = _open(police)
    with pytest.raises(ValidationError):
        incident_record(
            actor=police, case=case, occurred_on=D, source_reference="CAD-P", perpetrator=PersonFactory(gender="male")
        )
    recorded = incident_record(
        actor=police, case=case, occurred_on=D, source_reference="CAD-Q", perpetrator=case.perpetrators.get()
    )
    assert recorded.incident.perpetrator == case.perpetrators.get()


def test_an_agency_without_access_cannot_record_an_incident(police):
    """A third agency cannot add an incident to a case it cannot change."""
    case = _open(police)
    with pytest.raises(PermissionDenied):
        incident_record(actor=case_worker(), case=case, occurred_on=D, source_reference="CAD-X")
    assert not Incident.objects.exists()


# --- Safe contacts --------------------------------------------------------------------------------


def _raw_columns(table: str, pk: int, columns: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return list(cursor.fetchone())


def test_a_safe_contact_is_stored_encrypted(police):
    """The database holds Fernet tokens, not the address or phone; the ORM reads the plaintext."""
    case = _open(police)
    contact = safe_contact_save(
        actor=police,
        case=case,
        data={"safe_address": "14 Larkspur Close, Demoton DE1 2AB", "safe_phone": "07700 900456"},
    )
    address, phone = _raw_columns("cases_safecontact", contact.pk, ["safe_address", "safe_phone"])
    for raw, plain in ((address, "Larkspur"), (phone, "900456")):
        assert raw.startswith("gAAAAA")  # a Fernet token: version byte 0x80, base64url
        assert plain not in raw
    stored = SafeContact.objects.get(pk=contact.pk)
    assert (stored.safe_address, stored.safe_phone) == ("14 Larkspur Close, Demoton DE1 2AB", "07700 900456")


def test_the_safe_contact_history_keeps_no_plaintext(police):
    """The history table of safe contacts does not copy the address."""
    case = _open(police)
    safe_contact_save(actor=police, case=case, data={"safe_address": "3 Hidden Row"})
    safe_contact_save(actor=police, case=case, data={"safe_address": "5 Hidden Row"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_historicalsafecontact")
        rows = cursor.fetchall()
    assert rows
    assert not any("Hidden Row" in str(value) for row in rows for value in row)


@pytest.mark.parametrize(("who", "allowed"), [("creator", True), ("idva_service", True), ("third", False)])
def test_only_an_agency_with_view_safecontact_can_save_it(police, idva_agency, who, allowed):
    """The creator and the IDVA service can record the safe contact; a third agency gets PermissionDenied."""
    case = _open(police)
    actor = {
        "creator": police,
        "idva_service": case_worker(idva_agency, role="idva"),
        "third": case_worker(),
    }[who]
    if allowed:
        safe_contact_save(actor=actor, case=case, data={"safe_times": "Weekdays 10:00-12:00"})
        assert SafeContact.objects.get(person=case.victim).safe_times == "Weekdays 10:00-12:00"
    else:
        with pytest.raises(PermissionDenied):
            safe_contact_save(actor=actor, case=case, data={"safe_times": "Weekdays 10:00-12:00"})
        assert not SafeContact.objects.exists()


def test_saving_again_changes_only_the_given_fields(police):
    """A second save updates the fields it names and keeps the others; one row per victim."""
    case = make_case(police, opened_on=D)
    safe_contact_save(actor=police, case=case, data={"safe_address": "1 Elm Way", "safe_phone": "07700 900001"})
    safe_contact_save(actor=police, case=case, data={"safe_phone": "07700 900002"})
    contact = SafeContact.objects.get(person=case.victim)
    assert (contact.safe_address, contact.safe_phone) == ("1 Elm Way", "07700 900002")
    assert SafeContact.objects.count() == 1
