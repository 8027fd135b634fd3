"""The IDVA service's lists (my caseload, triage, caseloads per IDVA), the repeat-MARAC alert queue and
its decisions, and the navigation and home-page links to them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Role, User
from audit.models import AccessLog
from cases.models import Case
from referrals.models import Referral, RepeatMaracAlert
from referrals.services import (
    contact_attempt_record,
    incident_report,
    referral_allocate,
    referral_close,
    referral_engagement_record,
    referrals_contact_overdue_flag,
)
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case
from tests.factories.referrals import idva_manager, idva_user, police_referral

pytestmark = pytest.mark.django_db

CASELOAD = reverse("caseload")
TRIAGE = reverse("triage-queue")
CASELOADS = reverse("idva-caseloads")
ALERTS = reverse("repeat-alert-list")
ALL_ROLES = list(Role)


@pytest.fixture
def idva_agency(db) -> Agency:
    return idva_service()


@pytest.fixture
def manager(idva_agency) -> User:
    return idva_manager(idva_agency)


@pytest.fixture
def idva(idva_agency) -> User:
    return idva_user(idva_agency, given_name="Bethan", family_name="Aaronson")


@pytest.fixture
def referrer(idva_agency) -> User:
    """A police representative who refers cases to the IDVA service."""
    return case_worker()


@pytest.fixture
def coordinator(idva_agency) -> User:
    return UserFactory(agency=idva_agency, roles=[Role.MARAC_COORDINATOR])


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def _referral(referrer: User, *, days_ago: int = 20, case: Case | None = None, **kwargs: object) -> Referral:
    """A police referral to the IDVA service, of a new case unless one is given."""
    return police_referral(
        referrer=referrer, case=case or make_case(referrer), received_on=_days_ago(days_ago), **kwargs
    )


def _walk(referral: Referral, *, manager: User, idva: User, to: str) -> Referral:
    """Take a received referral through the services, one day per step, to the status asked for."""
    day = referral.received_on
    referral = referral_allocate(actor=manager, referral=referral, idva=idva, on=day)
    if to in {"contacting", "engaged", "closed"}:
        day += timedelta(days=1)
        contact_attempt_record(
            actor=idva, referral=referral, made_on=day, method="phone_call", safe_to_leave_message=False,
            outcome="spoke_to_victim",
        )  # fmt: skip
    if to in {"engaged", "closed"}:
        day += timedelta(days=1)
        referral_engagement_record(actor=idva, referral=referral, outcome="engaged", on=day)
    if to == "closed":
        day += timedelta(days=1)
        referral_close(actor=idva, referral=referral, outcome="support_completed", on=day)
    referral.refresh_from_db()
    return referral


def _references(content: str) -> list[str]:
    """The case references in the order the rows list them."""
    return re.findall(r"(DA-\d{4}-\d{6})<br>", content)


def _queries(client: Client, url: str, params: dict[str, str] | None = None) -> tuple[int, str]:
    client.get(url, params or {})  # warm the session and the user's roles
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


# --- Who may see each page -------------------------------------------------------------------------


PAGES = [
    (CASELOAD, Role.IDVA),
    (TRIAGE, Role.IDVA_MANAGER),
    (CASELOADS, Role.IDVA_MANAGER),
    (ALERTS, Role.MARAC_COORDINATOR),
]


@pytest.mark.parametrize(("url", "allowed"), PAGES)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_list_is_for_one_role(idva_agency, url, allowed, role):
    """The role the page is for gets 200; every other role, analysts included, gets 403."""
    response = _client(UserFactory(agency=idva_agency, roles=[role])).get(url)
    assert response.status_code == (200 if role == allowed else 403)


@pytest.mark.parametrize("role", [role for role in Role if role != Role.MARAC_COORDINATOR])
def test_only_marac_coordinators_decide_alerts(idva_agency, referrer, role):
    """Deciding an alert is refused (403) to every other role, and nothing is written."""
    alert = _alert(referrer)
    url = reverse("repeat-alert-decide", kwargs={"pk": alert.pk})
    client = _client(UserFactory(agency=idva_agency, roles=[role]))
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "dismiss", "reason": "Not a repeat."}).status_code == 403
    alert.refresh_from_db()
    assert alert.status == RepeatMaracAlert.Status.OPEN


@pytest.mark.parametrize("url", [CASELOAD, TRIAGE, CASELOADS, ALERTS, reverse("repeat-alert-decide", kwargs={"pk": 1})])
def test_anonymous_users_are_sent_to_sign_in(client, url):
    """Signed-out visitors are sent to sign in."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- My caseload -----------------------------------------------------------------------------------


def test_caseload_lists_the_idvas_own_open_referrals(referrer, manager, idva):
    """Allocated and contacting referrals of the IDVA are listed; closed, unallocated and others' are not."""
    allocated = _walk(_referral(referrer, days_ago=30), manager=manager, idva=idva, to="allocated")
    contacting = _walk(_referral(referrer, days_ago=20), manager=manager, idva=idva, to="contacting")
    closed = _walk(_referral(referrer, days_ago=40), manager=manager, idva=idva, to="closed")
    others = _walk(_referral(referrer), manager=manager, idva=idva_user(idva.agency), to="allocated")
    waiting = _referral(referrer)
    content = _client(idva).get(CASELOAD).content.decode()
    assert _references(content) == [allocated.case.reference, contacting.case.reference]
    for hidden in (closed, others, waiting):
        assert hidden.case.reference not in content
    assert f'href="{reverse("referral-detail", kwargs={"pk": allocated.pk})}"' in content
    assert allocated.case.victim.full_name in content
    assert ">Allocated</strong>" in content
    assert ">Contacting</strong>" in content
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">30</td>' in content
    row = AccessLog.objects.get(action=AccessLog.Action.LIST)
    assert row.object_type == "referrals.referral"
    assert row.detail["total"] == 2


def test_caseload_filters_by_status(referrer, manager, idva):
    """One status at a time, closed ones included when asked for."""
    contacting = _walk(_referral(referrer), manager=manager, idva=idva, to="contacting")
    closed = _walk(_referral(referrer), manager=manager, idva=idva, to="closed")
    _walk(_referral(referrer), manager=manager, idva=idva, to="allocated")
    client = _client(idva)
    assert _references(client.get(CASELOAD, {"status": "closed"}).content.decode()) == [closed.case.reference]
    assert _references(client.get(CASELOAD, {"status": "contacting"}).content.decode()) == [contacting.case.reference]


def test_an_unknown_status_is_named_and_the_list_is_not_filtered(referrer, manager, idva):
    """A status that is not one is shown as an error, and the open caseload is listed."""
    _walk(_referral(referrer), manager=manager, idva=idva, to="allocated")
    content = _client(idva).get(CASELOAD, {"status": "lost"}).content.decode()
    assert "Select a status from the list" in content
    assert len(_references(content)) == 1


def test_caseload_shows_only_overdue_contact_when_asked(referrer, manager, idva):
    """Flagged by the nightly job: the overdue one has its tag, and the filter keeps only it."""
    overdue = _walk(_referral(referrer, days_ago=20), manager=manager, idva=idva, to="allocated")
    contacted = _walk(_referral(referrer, days_ago=20), manager=manager, idva=idva, to="contacting")
    referrals_contact_overdue_flag()
    client = _client(idva)
    everything = client.get(CASELOAD).content.decode()
    assert everything.count(">Contact overdue</strong>") == 1
    content = client.get(CASELOAD, {"contact_overdue": "on"}).content.decode()
    assert _references(content) == [overdue.case.reference]
    assert contacted.case.reference not in content
    assert 'name="contact_overdue" id="id_contact_overdue" checked' in content


def test_caseload_marks_repeat_referrals(referrer, manager, idva):
    """A second referral of the same victim and perpetrator within twelve months carries the Repeat tag."""
    first = _referral(referrer, days_ago=60)
    repeat = _referral(referrer, days_ago=10, case=first.case)
    assert repeat.is_repeat
    _walk(repeat, manager=manager, idva=idva, to="allocated")
    assert ">Repeat</strong>" in _client(idva).get(CASELOAD).content.decode()


def test_caseload_sorts_by_the_column_asked_for(referrer, manager, idva):
    """Oldest first by default; a header link sorts by its column, and again the other way round."""
    middle = _walk(_referral(referrer, days_ago=20), manager=manager, idva=idva, to="contacting")
    newest = _walk(_referral(referrer, days_ago=10), manager=manager, idva=idva, to="allocated")
    oldest = _walk(_referral(referrer, days_ago=30), manager=manager, idva=idva, to="allocated")
    client = _client(idva)
    default = client.get(CASELOAD).content.decode()
    assert _references(default) == [oldest.case.reference, middle.case.reference, newest.case.reference]
    assert 'aria-sort="ascending"><a class="govuk-link" href="?sort=-received">Received' in default
    assert 'href="?sort=reference">Case</a>' in default
    newest_first = client.get(CASELOAD, {"sort": "-received"}).content.decode()
    assert _references(newest_first) == [newest.case.reference, middle.case.reference, oldest.case.reference]
    assert 'aria-sort="descending"' in newest_first
    by_reference = client.get(CASELOAD, {"sort": "-reference"}).content.decode()
    assert _references(by_reference) == [oldest.case.reference, newest.case.reference, middle.case.reference]
    by_status = client.get(CASELOAD, {"sort": "status"}).content.decode()
    assert _references(by_status)[-1] == middle.case.reference  # "allocated" sorts before "contacting"
    # A sort that is not a column falls back to the default; filters keep the sort.
    assert _references(client.get(CASELOAD, {"sort": "victim__date_of_birth"}).content.decode())[0] == (
        oldest.case.reference
    )
    filtered = client.get(CASELOAD, {"sort": "-received", "status": "allocated"}).content.decode()
    assert '<input type="hidden" name="sort" value="-received">' in filtered
    assert 'href="?status=allocated&amp;sort=received">Received' in filtered


def test_caseload_is_paginated_in_a_constant_number_of_queries(referrer, manager, idva):
    """3 or 30 referrals take the same number of queries; 30 are shown 25 then 5."""
    client = _client(idva)
    for _ in range(3):
        _walk(_referral(referrer), manager=manager, idva=idva, to="allocated")
    few, _ = _queries(client, CASELOAD)
    for _ in range(27):
        _walk(_referral(referrer), manager=manager, idva=idva, to="allocated")
    many, first = _queries(client, CASELOAD)
    assert few == many
    assert len(_references(first)) == 25
    assert "Showing 1 to 25 of 30." in first
    assert len(_references(client.get(CASELOAD, {"page": "2"}).content.decode())) == 5


def test_caseload_query_count_is_bounded(referrer, manager, idva, django_assert_max_num_queries):
    """The caseload page stays within a small, fixed number of queries."""
    _walk(_referral(referrer), manager=manager, idva=idva, to="allocated")
    client = _client(idva)
    client.get(CASELOAD)
    with django_assert_max_num_queries(15):
        assert client.get(CASELOAD).status_code == 200


# --- Triage ----------------------------------------------------------------------------------------


def test_triage_lists_waiting_referrals_oldest_first_with_the_specialist_suggestion(referrer, manager, idva):
    """Unallocated referrals of the manager's agency, oldest first, each with the posts it suits."""
    young = make_case(
        referrer, victim=PersonFactory(date_of_birth=_days_ago(17 * 365 + 100)), stalking=True
    )  # a 17-year-old, stalked
    suited = _referral(referrer, days_ago=5, case=young)
    plain = _referral(referrer, days_ago=9)
    allocated = _walk(_referral(referrer, days_ago=12), manager=manager, idva=idva, to="allocated")
    elsewhere = _referral(referrer, receiving_agency=AgencyFactory(kind=Agency.Kind.IDVA_SERVICE))
    content = _client(manager).get(TRIAGE).content.decode()
    assert _references(content) == [plain.case.reference, suited.case.reference]
    assert allocated.case.reference not in content
    assert elsewhere.case.reference not in content
    assert "Young People&#x27;s IDVA, Stalking and Harassment IDVA" in content
    assert "Any IDVA" in content
    assert f'href="{reverse("referral-allocate", kwargs={"pk": plain.pk})}">Allocate' in content
    assert referrer.agency.name in content
    assert 'aria-current="page">Waiting for allocation' in content


def test_triage_overdue_lists_late_first_contacts_with_their_idva(referrer, manager, idva):
    """The overdue view: allocated referrals with no contact attempt past the deadline, and their IDVA."""
    late = _walk(_referral(referrer, days_ago=20), manager=manager, idva=idva, to="allocated")
    _walk(_referral(referrer, days_ago=20), manager=manager, idva=idva, to="contacting")
    referrals_contact_overdue_flag()
    late.refresh_from_db()
    content = _client(manager).get(TRIAGE, {"view": "overdue"}).content.decode()
    assert _references(content) == [late.case.reference]
    assert "Bethan Aaronson" in content
    assert f"{late.contact_overdue_since.day} " in content
    assert f'href="{reverse("referral-allocate", kwargs={"pk": late.pk})}">Reallocate' in content
    assert 'aria-current="page">First contact overdue' in content


def test_triage_sorts_by_reference(referrer, manager):
    """The reference header sorts the queue by case reference, either way round."""
    first = _referral(referrer, days_ago=3)
    second = _referral(referrer, days_ago=8)
    client = _client(manager)
    assert _references(client.get(TRIAGE).content.decode()) == [second.case.reference, first.case.reference]
    by_reference = client.get(TRIAGE, {"sort": "reference"}).content.decode()
    assert _references(by_reference) == [first.case.reference, second.case.reference]
    assert 'aria-sort="ascending"><a class="govuk-link" href="?sort=-reference">Case' in by_reference
    descending = client.get(TRIAGE, {"sort": "-reference"}).content.decode()
    assert _references(descending) == [second.case.reference, first.case.reference]


def test_triage_is_paginated_in_a_constant_number_of_queries(referrer, manager):
    """3 or 28 waiting referrals take the same number of queries; 28 are shown 25 then 3."""
    client = _client(manager)
    for _ in range(3):
        _referral(referrer)
    few, _ = _queries(client, TRIAGE)
    for _ in range(25):
        _referral(referrer, case=make_case(referrer, stalking=True))
    many, first = _queries(client, TRIAGE)
    assert few == many
    assert len(_references(first)) == 25
    assert len(_references(client.get(TRIAGE, {"page": "2"}).content.decode())) == 3
    overdue_few, _ = _queries(client, TRIAGE, {"view": "overdue"})
    assert overdue_few <= many


# --- Caseloads per IDVA ----------------------------------------------------------------------------


def test_caseloads_are_shown_against_the_safe_range(settings, referrer, manager, idva):
    """Open, awaiting first contact and engaged per IDVA, each tagged below, within or above the range."""
    settings.DASV_IDVA_CASELOAD_MIN, settings.DASV_IDVA_CASELOAD_MAX = 2, 3
    busy = idva_user(idva.agency, given_name="Carys", family_name="Busby")
    idva_user(idva.agency, given_name="Dilys", family_name="Idle")
    _walk(_referral(referrer), manager=manager, idva=idva, to="allocated")
    _walk(_referral(referrer), manager=manager, idva=idva, to="engaged")
    _walk(_referral(referrer), manager=manager, idva=idva, to="closed")
    for status in ("allocated", "allocated", "contacting", "engaged"):
        _walk(_referral(referrer), manager=manager, idva=busy, to=status)
    idva_user(AgencyFactory(kind=Agency.Kind.IDVA_SERVICE), given_name="Ffion", family_name="Elsewhere")
    content = _client(manager).get(CASELOADS).content.decode()
    assert "Open referrals per IDVA (safe range: 2 to 3)" in content
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', content, flags=re.S)[1:]
    cells = [re.findall(r">([^<>]+)</(?:th|td|strong)>", row) for row in rows]
    assert [cell[0] for cell in cells] == ["Bethan Aaronson", "Carys Busby", "Dilys Idle"]
    assert cells[0][1:] == ["None", "2", "1", "1", "Within the safe range"]
    assert cells[1][1:] == ["None", "4", "2", "1", "Above the safe range"]
    assert cells[2][1:] == ["None", "0", "0", "0", "Below the safe range"]
    assert "Elsewhere" not in content


def test_caseloads_name_the_specialist_post(manager):
    """A specialist IDVA's post is shown beside their name."""
    idva_user(manager.agency, specialist_post=User.SpecialistPost.A8)
    assert "A8 IDVA" in _client(manager).get(CASELOADS).content.decode()


def test_caseloads_take_a_constant_number_of_queries(referrer, manager, idva):
    """Two or six IDVAs (with referrals) take the same number of queries."""
    client = _client(manager)
    _walk(_referral(referrer), manager=manager, idva=idva, to="allocated")
    few, _ = _queries(client, CASELOADS)
    for _ in range(4):
        _walk(_referral(referrer), manager=manager, idva=idva_user(idva.agency), to="contacting")
    many, content = _queries(client, CASELOADS)
    assert few == many
    assert content.count('<th scope="row"') == 5


# --- Repeat-MARAC alerts ---------------------------------------------------------------------------

_incident_numbers = iter(range(1, 10_000))


def _alert(referrer: User, *, case: Case | None = None, incident_days_ago: int = 10) -> RepeatMaracAlert:
    """An alert raised by a new incident on a case referred to MARAC 100 days ago."""
    if case is None:
        case = make_case(referrer)
        police_referral(referrer=referrer, case=case, service=Referral.Service.MARAC, received_on=_days_ago(100))
    outcome = incident_report(
        actor=referrer,
        case=case,
        occurred_on=_days_ago(incident_days_ago),
        source_reference=f"CAD-{next(_incident_numbers):05d}",
    )
    return RepeatMaracAlert.objects.get(incident=outcome.incident)


def _decide_url(alert: RepeatMaracAlert) -> str:
    return reverse("repeat-alert-decide", kwargs={"pk": alert.pk})


def test_alert_list_shows_open_alerts_oldest_first(referrer, coordinator):
    """Open alerts, oldest first, with the case, the incident and the previous MARAC referral."""
    first = _alert(referrer, incident_days_ago=20)
    second = _alert(referrer, incident_days_ago=3)
    dismissed = _alert(referrer)
    RepeatMaracAlert.objects.filter(pk=dismissed.pk).update(status="dismissed", dismissal_reason="Test")
    content = _client(coordinator).get(ALERTS).content.decode()
    assert _references(content) == [first.case.reference, second.case.reference]
    assert dismissed.case.reference not in content
    assert first.case.victim.full_name in content
    assert f"Reference {first.incident.source_reference}" in content
    assert referrer.agency.name in content
    previous = _days_ago(100)
    assert f"{previous.day} {previous:%b %Y}" in content
    assert f'href="{_decide_url(first)}"' in content
    assert AccessLog.objects.get(action=AccessLog.Action.LIST).object_type == "referrals.repeatmaracalert"


def test_another_agencys_coordinator_sees_no_alert_and_gets_404(referrer):
    """A MARAC coordinator of an agency that cannot see the case neither lists nor opens its alert."""
    alert = _alert(referrer)
    outsider = UserFactory(agency=AgencyFactory(), roles=[Role.MARAC_COORDINATOR])
    client = _client(outsider)
    assert alert.case.reference not in client.get(ALERTS).content.decode()
    assert client.get(_decide_url(alert)).status_code == 404
    assert client.post(_decide_url(alert), {"decision": "dismiss", "reason": "Not ours."}).status_code == 404
    alert.refresh_from_db()
    assert alert.status == RepeatMaracAlert.Status.OPEN


def test_an_alert_already_decided_is_404(referrer, coordinator):
    """Only open alerts can be decided."""
    alert = _alert(referrer)
    RepeatMaracAlert.objects.filter(pk=alert.pk).update(status="dismissed", dismissal_reason="Test")
    assert _client(coordinator).get(_decide_url(alert)).status_code == 404


def test_the_decide_page_shows_the_alerts_facts(referrer, coordinator):
    """The incident, who it was reported to, and the previous MARAC referral's date, with both choices."""
    alert = _alert(referrer)
    content = _client(coordinator).get(_decide_url(alert)).content.decode()
    assert f"{alert.incident.occurred_on.day} {alert.incident.occurred_on:%B %Y}" in content
    assert f"{referrer.agency.name}, reference {alert.incident.source_reference}" in content
    assert f"Received {_days_ago(100).day} {_days_ago(100):%B %Y}" in content
    assert "Confirm: refer to MARAC as a repeat" in content
    assert 'id="conditional-consent-reason"' in content
    assert "data-aria-controls" not in content
    assert "Dismiss" in content


def test_confirming_makes_a_repeat_marac_referral(referrer, coordinator, idva_agency):
    """Confirm: a MARAC referral with reason repeat, received today; the alert is confirmed."""
    alert = _alert(referrer)
    client = _client(coordinator)
    response = client.post(
        _decide_url(alert), {"decision": "confirm", "consent": "given", "details": "Third call-out since MARAC."}
    )
    assert response.status_code == 302
    assert response["Location"] == ALERTS
    alert.refresh_from_db()
    assert alert.status == RepeatMaracAlert.Status.CONFIRMED
    referral = alert.referral
    assert referral.service == Referral.Service.MARAC
    assert referral.reasons == ["repeat"]
    assert referral.received_on == timezone.localdate()
    assert referral.details == "Third call-out since MARAC."
    assert referral.receiving_agency == idva_agency
    page = client.get(response["Location"]).content.decode()
    assert f"Case {alert.case.reference} referred to MARAC as a repeat" in page
    assert alert.case.reference not in _references(page)  # no longer in the queue


def test_confirming_without_consent_needs_the_reason(referrer, coordinator):
    """Not given and no reason: the error is on the reason, and nothing is written."""
    alert = _alert(referrer)
    referrals = Referral.objects.count()
    response = _client(coordinator).post(
        _decide_url(alert), {"decision": "confirm", "consent": "not_given_shared_to_protect"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert '<a href="#id_consent_reason">Say why the referral is shared without consent.</a>' in content
    assert "<title>Error: " in content
    assert Referral.objects.count() == referrals
    alert.refresh_from_db()
    assert alert.status == RepeatMaracAlert.Status.OPEN


def test_confirming_shows_the_services_refusal(referrer, coordinator):
    """Already referred to MARAC since the incident: the service's refusal is shown, nothing is written."""
    alert = _alert(referrer)
    police_referral(referrer=referrer, case=alert.case, service=Referral.Service.MARAC, received_on=_days_ago(2))
    referrals = Referral.objects.count()
    response = _client(coordinator).post(_decide_url(alert), {"decision": "confirm", "consent": "given"})
    assert response.status_code == 200
    assert "Already referred to MARAC on" in response.content.decode()
    assert Referral.objects.count() == referrals


def test_dismissing_needs_a_reason(referrer, coordinator):
    """Dismiss with no reason: the error is on the reason, and the alert stays open."""
    alert = _alert(referrer)
    response = _client(coordinator).post(_decide_url(alert), {"decision": "dismiss", "reason": "  "})
    assert response.status_code == 200
    content = response.content.decode()
    assert '<a href="#id_reason">Say why the alert is dismissed.</a>' in content
    alert.refresh_from_db()
    assert (alert.status, alert.dismissal_reason, alert.decided_by) == (RepeatMaracAlert.Status.OPEN, "", None)


def test_dismissing_with_a_reason(referrer, coordinator):
    """Dismiss with a reason: the alert is dismissed by the coordinator, and no referral is made."""
    alert = _alert(referrer)
    referrals = Referral.objects.count()
    response = _client(coordinator).post(
        _decide_url(alert), {"decision": "dismiss", "reason": "The incident was a different ex-partner."}
    )
    assert response["Location"] == ALERTS
    alert.refresh_from_db()
    assert alert.status == RepeatMaracAlert.Status.DISMISSED
    assert alert.dismissal_reason == "The incident was a different ex-partner."
    assert alert.decided_by == coordinator
    assert Referral.objects.count() == referrals


def test_alert_list_is_paginated_in_a_constant_number_of_queries(referrer, coordinator):
    """2 or 27 open alerts take the same number of queries; 27 are shown 25 then 2."""
    client = _client(coordinator)
    case = make_case(referrer)
    police_referral(referrer=referrer, case=case, service=Referral.Service.MARAC, received_on=_days_ago(100))
    for _ in range(2):
        _alert(referrer, case=case)
    few, _ = _queries(client, ALERTS)
    for _ in range(25):
        _alert(referrer)
    many, first = _queries(client, ALERTS)
    assert few == many
    assert len(_references(first)) == 25
    assert len(_references(client.get(ALERTS, {"page": "2"}).content.decode())) == 2


# --- Navigation and home -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.IDVA, {CASELOAD, reverse("referral-start")}),
        (Role.IDVA_MANAGER, {TRIAGE, CASELOADS, reverse("referral-start")}),
        (Role.MARAC_COORDINATOR, {ALERTS, reverse("referral-start")}),
        (Role.AGENCY_REP, {reverse("referral-start")}),
        (Role.PANEL_MEMBER, {reverse("referral-start")}),
        (Role.ANALYST, set()),
        (Role.DHR_COORDINATOR, set()),
    ],
)
def test_navigation_and_home_offer_each_role_its_pages(idva_agency, role, shown):
    """The menu and the home page link to the pages of the user's roles, and to no other."""
    content = _client(UserFactory(agency=idva_agency, roles=[role])).get(reverse("home")).content.decode()
    menu = content.split('id="navigation"')[1].split("</ul>")[0]
    main = content.split('id="main-content"')[1]
    for url in (CASELOAD, TRIAGE, CASELOADS, ALERTS, reverse("referral-start")):
        assert (f'href="{url}"' in menu) == (url in shown), url
        assert (f'href="{url}"' in main) == (url in shown), url


def test_the_current_page_is_marked_in_the_menu(idva):
    """On My caseload, its menu item is the current page."""
    content = _client(idva).get(CASELOAD).content.decode()
    assert f'href="{CASELOAD}" aria-current="page"' in content
