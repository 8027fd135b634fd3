"""Repeat-MARAC alerts: a new incident between a victim and perpetrator referred to MARAC in the 365 days
before it raises one alert, which a MARAC coordinator confirms (a MARAC referral, reason repeat) or
dismisses (with a reason)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from agencies.actors import ApiKeyActor
from agencies.models import Role, User
from cases.models import Case, Incident, Person
from referrals.models import Referral, ReferralEvent, RepeatMaracAlert, RoutingPolicy
from referrals.services import (
    incident_report,
    referral_create,
    repeat_marac_alert_confirm,
    repeat_marac_alert_dismiss,
    repeat_marac_alert_raise,
)
from tests.factories.agencies import AgencyFactory, UserFactory, api_key_for
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case
from tests.factories.referrals import idva_manager

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
INCIDENT_ON = date(2026, 6, 10)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    """The clock stopped at noon, London time, on TODAY."""
    with time_machine.travel(datetime.combine(TODAY, time(12), tzinfo=ZoneInfo("Europe/London")), tick=False):
        yield


@pytest.fixture
def police(db) -> User:
    idva_service()  # exists before any case, so it has access to every case
    return case_worker()


@pytest.fixture
def victim(db) -> Person:
    return PersonFactory()


@pytest.fixture
def perpetrator(db) -> Person:
    return PersonFactory(gender="male")


@pytest.fixture
def case(police, victim, perpetrator) -> Case:
    return make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=date(2024, 1, 1))


@pytest.fixture
def coordinator(police) -> User:
    return UserFactory(agency=idva_service(), roles=[Role.MARAC_COORDINATOR])


def marac_referral(actor: User, case: Case, received_on: date) -> Referral:
    return referral_create(
        actor=actor, case=case, service="marac", received_on=received_on, reasons=["visible_high_risk"]
    )


_references = iter(range(1, 10_000))


def report(actor, case: Case, *, occurred_on: date = INCIDENT_ON, reference: str | None = None, **kwargs) -> Incident:
    outcome = incident_report(
        actor=actor,
        case=case,
        occurred_on=occurred_on,
        source_reference=reference or f"CAD-{next(_references):05d}",
        **kwargs,
    )
    return outcome.incident


def alert_for(incident: Incident) -> RepeatMaracAlert | None:
    return RepeatMaracAlert.objects.filter(incident=incident).first()


@pytest.fixture
def alert(police, case, perpetrator) -> RepeatMaracAlert:
    """An open alert: a MARAC referral 100 days before an incident between the same people."""
    marac_referral(police, case, INCIDENT_ON - timedelta(days=100))
    found = alert_for(report(police, case, perpetrator=perpetrator))
    assert found is not None
    return found


def _written() -> tuple[int, int, list[tuple[int, str, int | None]]]:
    return (
        Referral.objects.count(),
        ReferralEvent.objects.count(),
        list(RepeatMaracAlert.objects.order_by("pk").values_list("pk", "status", "referral_id")),
    )


# --- Raising alerts ------------------------------------------------------------------------------


@pytest.mark.parametrize("days_before", [1, 365])
def test_an_incident_within_365_days_of_a_marac_referral_raises_an_alert(police, case, perpetrator, days_before):
    """1 and 365 days after the MARAC referral, an incident between the same people raises an open alert
    pointing at that referral."""
    referral = marac_referral(police, case, INCIDENT_ON - timedelta(days=days_before))
    incident = report(police, case, perpetrator=perpetrator)
    alert = alert_for(incident)
    assert alert is not None
    assert (alert.case, alert.previous_referral, alert.status, alert.referral) == (case, referral, "open", None)


@pytest.mark.parametrize(
    "days_before",
    [pytest.param(366, id="366-days"), pytest.param(0, id="same-day"), pytest.param(-1, id="referral-after")],
)
def test_no_alert_outside_the_window(police, case, perpetrator, days_before):
    """366 days after the referral it is a new referral; on the day of the referral the incident is the
    one referred; a referral after the incident does not count."""
    marac_referral(police, case, INCIDENT_ON - timedelta(days=days_before))
    assert alert_for(report(police, case, perpetrator=perpetrator)) is None
    assert not RepeatMaracAlert.objects.exists()


def test_the_alert_points_at_the_latest_marac_referral(police, victim, perpetrator, case):
    """With several MARAC referrals in the window (across the victim's cases), the latest is the one."""
    marac_referral(police, case, INCIDENT_ON - timedelta(days=300))
    other_case = make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=date(2025, 1, 1))
    latest = marac_referral(police, other_case, INCIDENT_ON - timedelta(days=30))
    marac_referral(police, case, INCIDENT_ON - timedelta(days=200))
    assert alert_for(report(police, case, perpetrator=perpetrator)).previous_referral == latest


@pytest.mark.parametrize(("days_before", "raised"), [(182, True), (183, False)])
def test_the_window_is_the_policy_in_force_on_the_incident_date(police, case, perpetrator, days_before, raised):
    """A policy with a 182-day repeat window, in force on the incident's date, decides the window."""
    RoutingPolicy.objects.create(
        name="Six-month repeats", effective_from=date(2025, 1, 1), marac_threshold=14, repeat_window_days=182
    )
    marac_referral(police, case, INCIDENT_ON - timedelta(days=days_before))
    assert (alert_for(report(police, case, perpetrator=perpetrator)) is not None) is raised


def test_an_idva_referral_does_not_make_a_repeat_marac(police, case, perpetrator):
    """Only MARAC referrals count: an IDVA referral 30 days before raises nothing."""
    referral_create(actor=police, case=case, service="idva", received_on=INCIDENT_ON - timedelta(days=30))
    assert alert_for(report(police, case, perpetrator=perpetrator)) is None


def test_a_different_perpetrator_of_the_same_victim_raises_nothing(police, victim, perpetrator, case):
    """The victim was referred to MARAC about one perpetrator; an incident with another is not a repeat,
    even in a case that also names the first."""
    marac_referral(police, case, INCIDENT_ON - timedelta(days=30))
    other = PersonFactory(gender="male")
    new_case = make_case(police, victim=victim, perpetrators=[other], opened_on=date(2026, 6, 1))
    assert alert_for(report(police, new_case, perpetrator=other)) is None
    both = make_case(police, victim=victim, perpetrators=[other, perpetrator], opened_on=date(2026, 6, 1))
    assert alert_for(report(police, both, perpetrator=other)) is None
    assert alert_for(report(police, both, perpetrator=perpetrator)) is not None


def test_another_victim_of_the_same_perpetrator_raises_nothing(police, perpetrator, case):
    """A serial perpetrator's incident against a new victim is not a repeat of the first victim's MARAC."""
    marac_referral(police, case, INCIDENT_ON - timedelta(days=30))
    new_case = make_case(police, perpetrators=[perpetrator], opened_on=date(2026, 6, 1))
    assert alert_for(report(police, new_case, perpetrator=perpetrator)) is None


def test_an_incident_without_a_perpetrator_uses_the_cases_perpetrators(police, victim, perpetrator, case):
    """No perpetrator named: the case's perpetrators are used, here through another case of the victim."""
    referral = marac_referral(police, case, INCIDENT_ON - timedelta(days=30))
    later_case = make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=date(2026, 6, 1))
    alert = alert_for(report(police, later_case))
    assert alert is not None
    assert (alert.case, alert.previous_referral) == (later_case, referral)


def test_a_duplicate_incident_raises_nothing_new(police, case, perpetrator):
    """The same source reference again is the same incident: no second incident and no second alert."""
    marac_referral(police, case, INCIDENT_ON - timedelta(days=30))
    first = report(police, case, perpetrator=perpetrator, reference="CAD-DUP")
    again = incident_report(
        actor=police, case=case, occurred_on=INCIDENT_ON, source_reference="CAD-DUP", perpetrator=perpetrator
    )
    assert (again.created, again.incident) == (False, first)
    assert RepeatMaracAlert.objects.count() == 1


def test_raising_twice_gives_one_alert(alert):
    """Raising the alert again for the same incident returns the alert already raised."""
    assert repeat_marac_alert_raise(incident=alert.incident) == alert
    assert RepeatMaracAlert.objects.count() == 1


def test_raising_for_a_closed_alert_does_not_open_another(alert, coordinator):
    """Once decided, raising again returns the decided alert unchanged."""
    repeat_marac_alert_dismiss(actor=coordinator, alert=alert, reason="Already heard.")
    again = repeat_marac_alert_raise(incident=alert.incident)
    assert (again.pk, again.status) == (alert.pk, "dismissed")
    assert RepeatMaracAlert.objects.count() == 1


# --- Confirming ----------------------------------------------------------------------------------


def test_confirming_makes_a_marac_referral_for_repeat(alert, coordinator):
    """The coordinator confirms: a MARAC referral of the alert's case with reason repeat, received today,
    from and to the IDVA service, itself a repeat; the alert is confirmed with that referral."""
    referral = repeat_marac_alert_confirm(actor=coordinator, alert=alert)
    referral.refresh_from_db()
    assert (referral.service, referral.reasons, referral.received_on, referral.case) == (
        "marac",
        ["repeat"],
        TODAY,
        alert.case,
    )
    assert (referral.referring_agency, referral.receiving_agency, referral.referrer) == (
        idva_service(),
        idva_service(),
        coordinator,
    )
    assert referral.is_repeat is True
    assert alert.incident.source_reference in referral.details
    alert.refresh_from_db()
    assert (alert.status, alert.referral, alert.decided_by) == ("confirmed", referral, coordinator)
    assert alert.decided_at is not None
    assert ReferralEvent.objects.get(referral=referral).kind == "received"


def test_confirming_keeps_the_coordinators_details_and_consent(alert, coordinator):
    """Details and sharing without consent (with its reason) are passed on to the referral."""
    referral = repeat_marac_alert_confirm(
        actor=coordinator,
        alert=alert,
        details="Breach of bail conditions.",
        consent="not_given_shared_to_protect",
        consent_reason="Risk to the children.",
    )
    assert (referral.details, referral.consent, referral.consent_reason) == (
        "Breach of bail conditions.",
        "not_given_shared_to_protect",
        "Risk to the children.",
    )


def test_confirming_without_a_consent_reason_writes_nothing(alert, coordinator):
    """Sharing without consent needs its reason; the alert stays open and no referral is made."""
    before = _written()
    with pytest.raises(ValidationError) as error:
        repeat_marac_alert_confirm(actor=coordinator, alert=alert, consent="not_given_shared_to_protect")
    assert "consent_reason" in error.value.message_dict
    assert _written() == before


def test_confirming_again_is_refused(alert, coordinator):
    """A confirmed alert cannot be confirmed (or dismissed) again: a non-field error, nothing written."""
    repeat_marac_alert_confirm(actor=coordinator, alert=alert)
    before = _written()
    for decide in (
        lambda: repeat_marac_alert_confirm(actor=coordinator, alert=alert),
        lambda: repeat_marac_alert_dismiss(actor=coordinator, alert=alert, reason="Changed my mind."),
    ):
        with pytest.raises(ValidationError) as error:
            decide()
        assert error.value.message_dict[NON_FIELD_ERRORS] == ["This alert was already confirmed."]
    assert _written() == before


@pytest.mark.parametrize("days_after_incident", [0, 3])
def test_confirming_after_a_marac_referral_since_the_incident_is_refused(
    police, alert, coordinator, days_after_incident
):
    """Someone referred the case to MARAC on or after the incident: confirming is refused (dismiss it
    instead) and nothing is written."""
    made_on = alert.incident.occurred_on + timedelta(days=days_after_incident)
    marac_referral(police, alert.case, made_on)
    before = _written()
    with pytest.raises(ValidationError) as error:
        repeat_marac_alert_confirm(actor=coordinator, alert=alert)
    [message] = error.value.message_dict[NON_FIELD_ERRORS]
    assert f"{made_on:%d %B %Y}" in message
    assert "dismiss" in message
    assert _written() == before


def test_a_marac_referral_before_the_incident_does_not_block_confirming(police, alert, coordinator):
    """Only referrals on or after the incident's day block: an earlier one is the one being repeated."""
    marac_referral(police, alert.case, alert.incident.occurred_on - timedelta(days=1))
    assert repeat_marac_alert_confirm(actor=coordinator, alert=alert).reasons == ["repeat"]


# --- Dismissing ----------------------------------------------------------------------------------


def test_dismissing_needs_a_reason(alert, coordinator):
    """A blank reason is refused on `reason`; with a reason the alert is dismissed and no referral made."""
    before = _written()
    with pytest.raises(ValidationError) as error:
        repeat_marac_alert_dismiss(actor=coordinator, alert=alert, reason="   ")
    assert "reason" in error.value.message_dict
    assert _written() == before
    repeat_marac_alert_dismiss(actor=coordinator, alert=alert, reason="  Not the same perpetrator.  ")
    alert.refresh_from_db()
    assert (alert.status, alert.dismissal_reason, alert.decided_by, alert.referral) == (
        "dismissed",
        "Not the same perpetrator.",
        coordinator,
        None,
    )
    assert alert.decided_at is not None
    assert Referral.objects.count() == before[0]


def test_a_dismissed_alert_cannot_be_confirmed(alert, coordinator):
    """Once dismissed, confirming is refused as a non-field error and nothing is written."""
    repeat_marac_alert_dismiss(actor=coordinator, alert=alert, reason="Already heard.")
    before = _written()
    with pytest.raises(ValidationError) as error:
        repeat_marac_alert_confirm(actor=coordinator, alert=alert)
    assert error.value.message_dict[NON_FIELD_ERRORS] == ["This alert was already dismissed."]
    assert _written() == before


# --- Who decides --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda police: idva_manager(idva_service()), id="idva-manager"),
        pytest.param(lambda police: UserFactory(agency=idva_service(), roles=[Role.IDVA]), id="idva"),
        pytest.param(lambda police: police, id="police-referrer"),
        pytest.param(lambda police: ApiKeyActor(api_key_for(idva_service())[0]), id="idva-service-api-key"),
        pytest.param(lambda police: UserFactory(agency=idva_service(), roles=[Role.ANALYST]), id="analyst"),
        pytest.param(
            lambda police: UserFactory(agency=AgencyFactory(), roles=[Role.MARAC_COORDINATOR]),
            id="coordinator-of-an-agency-without-the-case",
        ),
    ],
)
@pytest.mark.parametrize("decision", ["confirm", "dismiss"])
def test_only_a_marac_coordinator_who_may_see_the_case_decides(police, alert, who, decision):
    """Anyone but a MARAC coordinator of an agency with the case is denied, and nothing is written."""
    actor = who(police)
    before = _written()
    decide = {
        "confirm": lambda: repeat_marac_alert_confirm(actor=actor, alert=alert),
        "dismiss": lambda: repeat_marac_alert_dismiss(actor=actor, alert=alert, reason="Not mine to decide."),
    }[decision]
    with pytest.raises(PermissionDenied):
        decide()
    assert _written() == before
