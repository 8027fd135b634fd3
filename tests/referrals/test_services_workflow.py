"""The IDVA workflow's services with the database: what each step writes, what a refused step leaves
unchanged, who may take each step; creating referrals; the referral selectors' scoping."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import timezone

from agencies.actors import ApiKeyActor
from agencies.models import Agency, Role, User
from cases.selectors import visible_cases
from referrals.models import Closure, ContactAttempt, Referral, ReferralEvent, SafetyMeasure
from referrals.selectors import caseload, idva_caseloads, triage_queue, visible_referrals
from referrals.services import (
    contact_attempt_record,
    referral_allocate,
    referral_close,
    referral_create,
    referral_engagement_record,
    referral_reopen,
)
from tests.factories.agencies import AgencyFactory, UserFactory, api_key_for
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case
from tests.factories.referrals import ReferralSetup, idva_manager, idva_user, police_referral, referral_at

pytestmark = pytest.mark.django_db

ALL = NON_FIELD_ERRORS  # "__all__": a step the referral's status does not allow


def today() -> date:
    return timezone.localdate()


def days_ago(days: int) -> date:
    return today() - timedelta(days=days)


def api_actor(agency: Agency) -> ApiKeyActor:
    """An agency's system, acting with one of its API keys."""
    api_key, _ = api_key_for(agency)
    return ApiKeyActor(api_key)


def snapshot(referral: Referral) -> tuple[dict[str, Any], int, int, int]:
    """The referral's row as stored, and how many events, contact attempts and closures it has."""
    row = Referral.objects.filter(pk=referral.pk).values().get()
    return (
        row,
        ReferralEvent.objects.filter(referral=referral).count(),
        ContactAttempt.objects.filter(referral=referral).count(),
        Closure.objects.filter(referral=referral).count(),
    )


def refused(call, field: str, *, referral: Referral, words: str = "") -> ValidationError:
    """Run a step that must be refused on `field`; the referral and its rows must be as they were."""
    before = snapshot(referral)
    with pytest.raises(ValidationError) as error:
        call()
    messages = error.value.message_dict
    assert field in messages, messages
    assert all(message.strip() for message in messages[field])
    if words:
        assert words in " ".join(messages[field])
    assert snapshot(referral) == before
    return error.value


def attempt(actor: Any, referral: Referral, made_on: date, **kwargs: Any) -> ContactAttempt:
    """A phone call with no answer (unless told otherwise)."""
    arguments = {"method": "phone_call", "safe_to_leave_message": False, "outcome": "no_answer", **kwargs}
    return contact_attempt_record(actor=actor, referral=referral, made_on=made_on, **arguments)


def last_event(referral: Referral) -> ReferralEvent:
    return ReferralEvent.objects.filter(referral=referral).order_by("-pk").first()


def kinds(referral: Referral) -> list[str]:
    return list(ReferralEvent.objects.filter(referral=referral).order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def received() -> ReferralSetup:
    """A police referral to the IDVA service received 20 days ago, not yet allocated."""
    return referral_at("received", received_on=days_ago(20))


# --- Allocating ------------------------------------------------------------------------------------


def test_allocating_records_the_idva_the_date_and_an_event(received):
    """The manager allocates: status allocated, the IDVA and the day kept, an "allocated" event by the
    manager for the IDVA service naming the IDVA."""
    referral, manager, idva = received.referral, received.manager, received.idva
    on = days_ago(19)
    result = referral_allocate(actor=manager, referral=referral, idva=idva, on=on)
    referral.refresh_from_db()
    assert (referral.status, referral.allocated_to, referral.allocated_on) == ("allocated", idva, on)
    assert referral.updated_by == manager
    assert result.pk == referral.pk
    event = last_event(referral)
    assert (event.kind, event.on, event.status_after) == ("allocated", on, "allocated")
    assert (event.recorded_by, event.recorded_by_agency) == (manager, referral.receiving_agency)
    assert event.detail == f"Allocated to {idva.get_full_name()}"


def test_allocating_defaults_to_today(received):
    """With no date the allocation is dated today."""
    referral_allocate(actor=received.manager, referral=received.referral, idva=received.idva)
    received.referral.refresh_from_db()
    assert received.referral.allocated_on == today()
    assert last_event(received.referral).on == today()


def test_allocating_to_a_specialist_names_the_post(received):
    """The event names the specialist post of the IDVA allocated."""
    specialist = idva_user(received.referral.receiving_agency, specialist_post="young_people")
    referral_allocate(actor=received.manager, referral=received.referral, idva=specialist, on=days_ago(19))
    assert last_event(received.referral).detail == f"Allocated to {specialist.get_full_name()} (Young People's IDVA)"


@pytest.mark.parametrize("status", ["allocated", "contacting", "engaged"])
def test_reallocating_keeps_the_status_and_writes_a_reallocated_event(status):
    """Moving a referral to another IDVA keeps its status and says from whom it moved."""
    setup = referral_at(status, received_on=days_ago(20))
    other = idva_user(setup.referral.receiving_agency)
    referral_allocate(actor=setup.manager, referral=setup.referral, idva=other, on=today())
    setup.referral.refresh_from_db()
    assert (setup.referral.status, setup.referral.allocated_to, setup.referral.allocated_on) == (status, other, today())
    event = last_event(setup.referral)
    assert (event.kind, event.status_after) == ("reallocated", status)
    assert event.detail == f"Allocated to {other.get_full_name()}, from {setup.idva.get_full_name()}"


def test_reallocating_to_the_same_idva_is_refused():
    """Allocating to the IDVA who already has the referral is refused on `idva`; nothing changes."""
    setup = referral_at("allocated", received_on=days_ago(20))
    refused(
        lambda: referral_allocate(actor=setup.manager, referral=setup.referral, idva=setup.idva, on=today()),
        "idva",
        referral=setup.referral,
        words="already allocated",
    )


def _another_idva_service_idva() -> User:
    return idva_user(AgencyFactory(kind=Agency.Kind.IDVA_SERVICE))


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(_another_idva_service_idva, id="idva-of-another-idva-service"),
        pytest.param(lambda: idva_manager(idva_service()), id="manager-not-idva"),
        pytest.param(case_worker, id="police-officer"),
        pytest.param(lambda: idva_user(idva_service(), is_active=False), id="inactive-idva"),
    ],
)
def test_only_an_active_idva_of_the_receiving_agency_can_be_allocated(received, who):
    """An IDVA of another agency, a colleague who is not an IDVA, or a former IDVA: refused on `idva`."""
    refused(
        lambda: referral_allocate(actor=received.manager, referral=received.referral, idva=who(), on=today()),
        "idva",
        referral=received.referral,
    )


@pytest.mark.parametrize(
    ("on", "words"),
    [
        (lambda r: today() + timedelta(days=1), "future"),
        (lambda r: r.received_on - timedelta(days=1), "before the referral was received"),
    ],
)
def test_allocation_dates_are_checked(received, on, words):
    """An allocation in the future or before the referral was received is refused on `on`."""
    refused(
        lambda: referral_allocate(
            actor=received.manager, referral=received.referral, idva=received.idva, on=on(received.referral)
        ),
        "on",
        referral=received.referral,
        words=words,
    )


@pytest.mark.parametrize("status", ["received", "engaged"])
def test_reallocating_before_the_last_step_is_refused(status):
    """A reallocation cannot be dated before the last step on the timeline (the timeline would show the
    referral moved "from" an IDVA before it was allocated to them, or before the victim engaged); on that
    day it can."""
    setup = referral_at(status, received_on=days_ago(20))
    referral = setup.referral
    if status == "received":
        referral_allocate(actor=setup.manager, referral=referral, idva=setup.idva, on=days_ago(15))
    last = days_ago(15) if status == "received" else referral.engagement_on
    other = idva_user(referral.receiving_agency)
    refused(
        lambda: referral_allocate(actor=setup.manager, referral=referral, idva=other, on=last - timedelta(days=1)),
        "on",
        referral=referral,
        words="last step",
    )
    referral_allocate(actor=setup.manager, referral=referral, idva=other, on=last)


def test_allocating_on_the_day_received_is_allowed(received):
    """Same-day triage is fine."""
    referral = received.referral
    referral_allocate(actor=received.manager, referral=referral, idva=received.idva, on=referral.received_on)
    referral.refresh_from_db()
    assert referral.allocated_on == referral.received_on


@pytest.mark.parametrize("status", ["not_engaged", "closed"])
def test_allocating_a_referral_that_did_not_engage_or_is_closed_is_refused(status):
    """Not engaged must be re-opened first, and a closed referral takes no step: a non-field error."""
    setup = referral_at(status, received_on=days_ago(20))
    refused(
        lambda: referral_allocate(
            actor=setup.manager, referral=setup.referral, idva=idva_user(setup.referral.receiving_agency), on=today()
        ),
        ALL,
        referral=setup.referral,
    )


def test_a_marac_referral_is_not_allocated():
    """A MARAC referral is heard at a meeting: allocating it is refused as a non-field error."""
    referral = police_referral(service="marac", received_on=days_ago(5))
    manager, idva = idva_manager(referral.receiving_agency), idva_user(referral.receiving_agency)
    refused(
        lambda: referral_allocate(actor=manager, referral=referral, idva=idva, on=today()),
        ALL,
        referral=referral,
        words="meetings",
    )


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda s: s.referrer, id="police-referrer"),
        pytest.param(lambda s: s.idva, id="idva-not-manager"),
        pytest.param(lambda s: UserFactory(agency=idva_service(), roles=[Role.MARAC_COORDINATOR]), id="coordinator"),
        pytest.param(lambda s: UserFactory(agency=idva_service(), roles=[Role.ANALYST]), id="analyst"),
        pytest.param(lambda s: idva_manager(AgencyFactory(kind=Agency.Kind.IDVA_SERVICE)), id="other-manager"),
        pytest.param(lambda s: api_actor(s.referral.referring_agency), id="referrers-api-key"),
    ],
)
def test_only_the_receiving_manager_or_system_allocates(received, who):
    """Anyone but the receiving agency's manager (or its API key) is denied, and nothing changes."""
    before = snapshot(received.referral)
    with pytest.raises(PermissionDenied):
        referral_allocate(actor=who(received), referral=received.referral, idva=received.idva, on=today())
    assert snapshot(received.referral) == before


def test_the_receiving_agencys_system_can_allocate(received):
    """An API key of the receiving agency allocates; the event has no person, only the agency."""
    actor = api_actor(received.referral.receiving_agency)
    referral_allocate(actor=actor, referral=received.referral, idva=received.idva, on=today())
    received.referral.refresh_from_db()
    assert received.referral.allocated_to == received.idva
    assert received.referral.updated_by is None
    event = last_event(received.referral)
    assert (event.kind, event.recorded_by, event.recorded_by_agency) == (
        "allocated",
        None,
        received.referral.receiving_agency,
    )


# --- Contact attempts --------------------------------------------------------------------------------


def test_the_first_contact_attempt_moves_the_referral_to_contacting():
    """The attempt is stored with who made it; the referral is contacting from its day; a
    "contact_attempt" event says how it went."""
    setup = referral_at("allocated", received_on=days_ago(20))
    made_on = days_ago(18)
    made = attempt(setup.idva, setup.referral, made_on, notes="  Rang the safe number.  ")
    setup.referral.refresh_from_db()
    assert (setup.referral.status, setup.referral.first_contact_attempt_on) == ("contacting", made_on)
    assert (made.made_by, made.made_on, made.outcome, made.notes) == (
        setup.idva,
        made_on,
        "no_answer",
        "Rang the safe number.",
    )
    event = last_event(setup.referral)
    assert (event.kind, event.on, event.status_after, event.recorded_by) == (
        "contact_attempt",
        made_on,
        "contacting",
        setup.idva,
    )
    assert event.detail == "Phone call: no answer (not safe to leave a message)"


def test_a_message_left_where_safe_is_recorded():
    """Leaving a message where it is safe to leave one is fine, and the event says so."""
    setup = referral_at("allocated", received_on=days_ago(20))
    attempt(setup.idva, setup.referral, days_ago(18), safe_to_leave_message=True, outcome="message_left")
    assert last_event(setup.referral).detail == "Phone call: message left (safe to leave a message)"


def test_a_message_left_where_unsafe_is_refused():
    """ "Message left" when it was not safe to leave one is refused on `outcome`; nothing is written."""
    setup = referral_at("allocated", received_on=days_ago(20))
    refused(
        lambda: attempt(setup.idva, setup.referral, days_ago(18), safe_to_leave_message=False, outcome="message_left"),
        "outcome",
        referral=setup.referral,
    )


def test_a_late_logged_earlier_attempt_becomes_the_first():
    """An attempt logged late with an earlier date becomes the first contact attempt; a later one does not."""
    setup = referral_at("allocated", received_on=days_ago(20))
    attempt(setup.idva, setup.referral, days_ago(10))
    attempt(setup.idva, setup.referral, days_ago(15))
    attempt(setup.idva, setup.referral, days_ago(5))
    setup.referral.refresh_from_db()
    assert setup.referral.first_contact_attempt_on == days_ago(15)
    assert setup.referral.contact_attempts.count() == 3


def test_an_attempt_logged_after_engagement_keeps_the_referral_engaged():
    """Contact goes on while the victim is supported; it may be dated before the engagement."""
    setup = referral_at("engaged", received_on=days_ago(20))
    attempt(setup.idva, setup.referral, days_ago(19), outcome="spoke_to_victim")
    setup.referral.refresh_from_db()
    assert setup.referral.status == "engaged"
    assert last_event(setup.referral).status_after == "engaged"


def test_contacting_before_allocation_is_refused(received):
    """No contact attempt on a referral not yet allocated (as a non-field error), even by the manager."""
    refused(lambda: attempt(received.manager, received.referral, days_ago(1)), ALL, referral=received.referral)


@pytest.mark.parametrize(
    ("made_on", "words"),
    [(lambda r: today() + timedelta(days=1), "future"), (lambda r: r.received_on - timedelta(days=1), "received")],
)
def test_contact_attempt_dates_are_checked_on_made_on(made_on, words):
    """An attempt in the future or before the referral was received is refused on `made_on`."""
    setup = referral_at("allocated", received_on=days_ago(20))
    refused(
        lambda: attempt(setup.idva, setup.referral, made_on(setup.referral)),
        "made_on",
        referral=setup.referral,
        words=words,
    )


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        pytest.param(lambda s: s.idva, True, id="allocated-idva"),
        pytest.param(lambda s: s.manager, True, id="manager"),
        pytest.param(lambda s: api_actor(s.referral.receiving_agency), True, id="receiving-api-key"),
        pytest.param(lambda s: idva_user(s.referral.receiving_agency), False, id="another-idva"),
        pytest.param(lambda s: s.referrer, False, id="police-referrer"),
        pytest.param(lambda s: api_actor(s.referral.referring_agency), False, id="referrers-api-key"),
        pytest.param(lambda s: UserFactory(agency=idva_service(), roles=[Role.ANALYST]), False, id="analyst"),
        pytest.param(lambda s: _another_idva_service_idva(), False, id="idva-of-another-service"),
    ],
)
def test_who_may_record_a_contact_attempt(who, allowed):
    """The allocated IDVA, the manager and the receiving agency's system may; anyone else is denied and
    nothing is written."""
    setup = referral_at("allocated", received_on=days_ago(20))
    actor = who(setup)
    if allowed:
        made = attempt(actor, setup.referral, days_ago(1))
        assert made.made_by == (actor if isinstance(actor, User) else None)
        assert last_event(setup.referral).recorded_by_agency == setup.referral.receiving_agency
        return
    before = snapshot(setup.referral)
    with pytest.raises(PermissionDenied):
        attempt(actor, setup.referral, days_ago(1))
    assert snapshot(setup.referral) == before


def test_a_former_idva_cannot_record_after_reallocation():
    """Once the referral moves to another IDVA, the one it left is denied; the new one may record."""
    setup = referral_at("allocated", received_on=days_ago(20))
    other = idva_user(setup.referral.receiving_agency)
    referral_allocate(actor=setup.manager, referral=setup.referral, idva=other, on=days_ago(1))
    with pytest.raises(PermissionDenied):
        attempt(setup.idva, setup.referral, today())
    assert attempt(other, setup.referral, today()).made_by == other


@pytest.mark.parametrize(
    ("arguments", "field"), [({"method": "carrier_pigeon"}, "method"), ({"outcome": "?"}, "outcome")]
)
def test_an_unknown_method_or_outcome_is_refused(arguments, field):
    """A method or outcome not on the lists is refused on its field and nothing is written."""
    setup = referral_at("allocated", received_on=days_ago(20))
    refused(lambda: attempt(setup.idva, setup.referral, today(), **arguments), field, referral=setup.referral)


# --- Engagement ----------------------------------------------------------------------------------


def test_recording_that_the_victim_engaged():
    """Engaged: the outcome and its day kept, status engaged, an "engaged" event by the IDVA."""
    setup = referral_at("contacting", received_on=days_ago(20))
    referral_engagement_record(actor=setup.idva, referral=setup.referral, outcome="engaged", on=days_ago(17))
    setup.referral.refresh_from_db()
    assert (setup.referral.status, setup.referral.engagement, setup.referral.engagement_on) == (
        "engaged",
        "engaged",
        days_ago(17),
    )
    assert (setup.referral.not_engaged_reason, setup.referral.not_engaged_detail) == ("", "")
    event = last_event(setup.referral)
    assert (event.kind, event.on, event.status_after, event.recorded_by) == (
        "engaged",
        days_ago(17),
        "engaged",
        setup.idva,
    )


@pytest.mark.parametrize("status", ["allocated", "contacting"])
def test_recording_that_the_victim_did_not_engage(status):
    """Not engaged (from allocated or contacting) with its reason; the event names the reason."""
    setup = referral_at(status, received_on=days_ago(20))
    referral_engagement_record(
        actor=setup.idva, referral=setup.referral, outcome="not_engaged", reason="could_not_contact_safely", on=today()
    )
    setup.referral.refresh_from_db()
    assert (setup.referral.status, setup.referral.engagement, setup.referral.not_engaged_reason) == (
        "not_engaged",
        "not_engaged",
        "could_not_contact_safely",
    )
    event = last_event(setup.referral)
    assert (event.kind, event.status_after, event.detail) == (
        "not_engaged",
        "not_engaged",
        "Could not be contacted safely",
    )


def test_not_engaged_for_another_reason_keeps_the_words():
    """ "Other" needs words; the event carries the reason and the words."""
    setup = referral_at("contacting", received_on=days_ago(20))
    referral_engagement_record(
        actor=setup.idva,
        referral=setup.referral,
        outcome="not_engaged",
        reason="other",
        detail="  Moved abroad to family.  ",
        on=today(),
    )
    setup.referral.refresh_from_db()
    assert setup.referral.not_engaged_detail == "Moved abroad to family."
    assert last_event(setup.referral).detail == "Other: Moved abroad to family."


@pytest.mark.parametrize(
    ("status", "arguments", "field"),
    [
        ("contacting", {"outcome": "maybe"}, "outcome"),
        ("contacting", {"outcome": "not_engaged"}, "reason"),
        ("contacting", {"outcome": "not_engaged", "reason": "bored"}, "reason"),
        ("contacting", {"outcome": "not_engaged", "reason": "other", "detail": "  "}, "detail"),
        ("contacting", {"outcome": "engaged", "reason": "declined"}, "reason"),
        ("received", {"outcome": "engaged"}, ALL),
        ("allocated", {"outcome": "engaged"}, ALL),
        ("engaged", {"outcome": "engaged"}, ALL),
        ("engaged", {"outcome": "not_engaged", "reason": "declined"}, ALL),
        ("not_engaged", {"outcome": "not_engaged", "reason": "declined"}, ALL),
        ("closed", {"outcome": "engaged"}, ALL),
    ],
)
def test_a_refused_engagement_names_its_field_and_writes_nothing(status, arguments, field):
    """Bad outcomes and reasons are refused on their field, steps the status does not allow as non-field
    errors; the referral and its timeline are unchanged."""
    setup = referral_at(status, received_on=days_ago(20))
    actor = setup.manager
    refused(
        lambda: referral_engagement_record(actor=actor, referral=setup.referral, on=today(), **arguments),
        field,
        referral=setup.referral,
    )


def test_engaged_before_the_first_contact_attempt_is_refused():
    """Engagement dated before the first contact attempt is refused on `on`."""
    setup = referral_at("allocated", received_on=days_ago(20))
    attempt(setup.idva, setup.referral, days_ago(10))
    refused(
        lambda: referral_engagement_record(
            actor=setup.idva, referral=setup.referral, outcome="engaged", on=days_ago(11)
        ),
        "on",
        referral=setup.referral,
        words="first contact attempt",
    )


def test_not_engaged_before_the_allocation_is_refused():
    """An outcome dated before the last step on the timeline (the allocation) is refused on `on`."""
    setup = referral_at("received", received_on=days_ago(20))
    referral_allocate(actor=setup.manager, referral=setup.referral, idva=setup.idva, on=days_ago(10))
    refused(
        lambda: referral_engagement_record(
            actor=setup.idva, referral=setup.referral, outcome="not_engaged", reason="declined", on=days_ago(11)
        ),
        "on",
        referral=setup.referral,
        words="last step",
    )


def test_engagement_in_the_future_is_refused():
    """An engagement dated tomorrow is refused on `on`."""
    setup = referral_at("contacting", received_on=days_ago(20))
    refused(
        lambda: referral_engagement_record(
            actor=setup.idva, referral=setup.referral, outcome="engaged", on=today() + timedelta(days=1)
        ),
        "on",
        referral=setup.referral,
    )


def test_an_idva_not_allocated_cannot_record_engagement():
    """Another IDVA of the service is denied; nothing changes."""
    setup = referral_at("contacting", received_on=days_ago(20))
    before = snapshot(setup.referral)
    with pytest.raises(PermissionDenied):
        referral_engagement_record(
            actor=idva_user(setup.referral.receiving_agency), referral=setup.referral, outcome="engaged", on=today()
        )
    assert snapshot(setup.referral) == before


# --- Re-opening and closing --------------------------------------------------------------------------


def test_reopen_then_engage_then_close():
    """A victim who did not engage gets back in touch: re-opened to contacting (outcome cleared), then
    engaged and closed; the timeline has every step in order."""
    setup = referral_at("not_engaged", received_on=days_ago(20))
    referral, idva = setup.referral, setup.idva
    referral_reopen(actor=idva, referral=referral, on=days_ago(10), detail="  She rang the helpline.  ")
    referral.refresh_from_db()
    assert (referral.status, referral.engagement, referral.engagement_on, referral.not_engaged_reason) == (
        "contacting",
        "",
        None,
        "",
    )
    event = last_event(referral)
    assert (event.kind, event.on, event.status_after, event.detail) == (
        "reopened",
        days_ago(10),
        "contacting",
        "She rang the helpline.",
    )
    referral_engagement_record(actor=idva, referral=referral, outcome="engaged", on=days_ago(9))
    referral_close(actor=idva, referral=referral, outcome="support_completed", on=days_ago(1))
    referral.refresh_from_db()
    assert (referral.status, referral.engagement, referral.closure_outcome, referral.closed_on) == (
        "closed",
        "engaged",
        "support_completed",
        days_ago(1),
    )
    assert kinds(referral) == ["received", "allocated", "not_engaged", "reopened", "engaged", "closed"]


@pytest.mark.parametrize(
    ("status", "arguments", "field"),
    [
        ("not_engaged", {"detail": "   "}, "detail"),
        ("not_engaged", {"detail": "Rang.", "on": "tomorrow"}, "on"),
        ("not_engaged", {"detail": "Rang.", "on": "before-not-engaged"}, "on"),
        ("received", {"detail": "Rang."}, ALL),
        ("allocated", {"detail": "Rang."}, ALL),
        ("contacting", {"detail": "Rang."}, ALL),
        ("engaged", {"detail": "Rang."}, ALL),
        ("closed", {"detail": "Rang."}, ALL),
    ],
)
def test_a_refused_reopen_names_its_field_and_writes_nothing(status, arguments, field):
    """Re-opening needs how the victim got back in touch, a date after the outcome, and a referral that
    did not engage."""
    setup = referral_at(status, received_on=days_ago(20))
    on = {
        "tomorrow": today() + timedelta(days=1),
        # referral_at records not engaged on the day after the allocation.
        "before-not-engaged": days_ago(20),
    }.get(arguments.pop("on", ""), today())
    refused(
        lambda: referral_reopen(actor=setup.manager, referral=setup.referral, on=on, **arguments),
        field,
        referral=setup.referral,
    )


def test_closing_records_the_outcomes_and_the_safety_measures():
    """Closing writes a Closure with its safety measures and outcomes, closes the referral with its day
    and outcome, and adds a "closed" event."""
    setup = referral_at("engaged", received_on=days_ago(20))
    referral_close(
        actor=setup.idva,
        referral=setup.referral,
        outcome="support_completed",
        on=days_ago(2),
        risk_reduced_idva_view="yes",
        risk_reduced_victim_view="yes",
        safety_measures=["sanctuary-scheme", "target-hardening", "sanctuary-scheme"],
        civil_justice_outcome="non_molestation_order",
        housing_outcome="safe_at_home",
        notes="  Locks changed.  ",
    )
    setup.referral.refresh_from_db()
    assert (setup.referral.status, setup.referral.closed_on, setup.referral.closure_outcome) == (
        "closed",
        days_ago(2),
        "support_completed",
    )
    closure = Closure.objects.get(referral=setup.referral)
    assert sorted(closure.safety_measures.values_list("code", flat=True)) == ["sanctuary-scheme", "target-hardening"]
    assert (closure.risk_reduced_idva_view, closure.risk_reduced_victim_view) == ("yes", "yes")
    assert (closure.civil_justice_outcome, closure.housing_outcome, closure.criminal_justice_outcome) == (
        "non_molestation_order",
        "safe_at_home",
        "none",
    )
    assert (closure.notes, closure.created_by) == ("Locks changed.", setup.idva)
    event = last_event(setup.referral)
    assert (event.kind, event.on, event.status_after, event.detail) == (
        "closed",
        days_ago(2),
        "closed",
        "Support completed",
    )


def test_closing_a_referral_that_did_not_engage():
    """Not engaged closes as "did not engage", without measures."""
    setup = referral_at("not_engaged", received_on=days_ago(20))
    referral_close(actor=setup.manager, referral=setup.referral, outcome="not_engaged", on=today())
    setup.referral.refresh_from_db()
    assert (setup.referral.status, setup.referral.closure_outcome) == ("closed", "not_engaged")
    assert not Closure.objects.get(referral=setup.referral).safety_measures.exists()
    assert last_event(setup.referral).detail == "Did not engage"


def test_an_inactive_safety_measure_is_refused():
    """A measure taken off the list can no longer be recorded."""
    SafetyMeasure.objects.filter(code="personal-alarm").update(active=False)
    setup = referral_at("engaged", received_on=days_ago(20))
    refused(
        lambda: referral_close(
            actor=setup.idva,
            referral=setup.referral,
            outcome="support_completed",
            on=today(),
            safety_measures=["personal-alarm"],
        ),
        "safety_measures",
        referral=setup.referral,
        words="personal-alarm",
    )


@pytest.mark.parametrize(
    ("status", "arguments", "field"),
    [
        ("engaged", {"safety_measures": ["sanctuary-scheme", "moat"]}, "safety_measures"),
        ("engaged", {"outcome": "not_engaged"}, "outcome"),
        ("not_engaged", {"outcome": "support_completed"}, "outcome"),
        ("not_engaged", {"outcome": "victim_withdrew"}, "outcome"),
        ("engaged", {"on": "tomorrow"}, "on"),
        ("engaged", {"on": "before-engaged"}, "on"),
        ("received", {}, ALL),
        ("allocated", {}, ALL),
        ("contacting", {}, ALL),
        ("closed", {}, ALL),
    ],
)
def test_a_refused_closure_names_its_field_and_writes_nothing(status, arguments, field):
    """An unknown safety measure, an outcome that does not fit the engagement, a date out of order or a
    referral with no engagement outcome: refused, and no Closure or event is written."""
    setup = referral_at(status, received_on=days_ago(20))
    on = {
        "tomorrow": today() + timedelta(days=1),
        # referral_at records engagement two days after receipt.
        "before-engaged": days_ago(19),
    }.get(arguments.pop("on", ""), today())
    outcome = arguments.pop("outcome", "support_completed")
    refused(
        lambda: referral_close(actor=setup.manager, referral=setup.referral, outcome=outcome, on=on, **arguments),
        field,
        referral=setup.referral,
    )


@pytest.mark.parametrize("step", ["contact", "engaged", "not_engaged", "reopen", "close", "allocate"])
def test_a_closed_referral_takes_no_step(step):
    """Every step on a closed referral is refused as closed, and nothing is written."""
    setup = referral_at("closed", received_on=days_ago(20))
    referral, idva, manager = setup.referral, setup.idva, setup.manager
    calls = {
        "contact": lambda: attempt(idva, referral, today()),
        "engaged": lambda: referral_engagement_record(actor=idva, referral=referral, outcome="engaged", on=today()),
        "not_engaged": lambda: referral_engagement_record(
            actor=idva, referral=referral, outcome="not_engaged", reason="declined", on=today()
        ),
        "reopen": lambda: referral_reopen(actor=idva, referral=referral, on=today(), detail="Rang."),
        "close": lambda: referral_close(actor=idva, referral=referral, outcome="other", on=today()),
        "allocate": lambda: referral_allocate(
            actor=manager, referral=referral, idva=idva_user(referral.receiving_agency), on=today()
        ),
    }
    error = refused(calls[step], ALL, referral=referral)
    assert error.message_dict[ALL] == ["The referral is closed."]


# --- Creating referrals ------------------------------------------------------------------------------


@pytest.fixture
def police(db) -> User:
    idva_service()
    return case_worker()


@pytest.mark.parametrize(
    ("service", "same_perpetrator", "days_after", "repeat"),
    [
        ("idva", True, 0, True),
        ("idva", True, 365, True),
        ("idva", True, 366, False),
        ("outreach", True, 30, False),
        ("idva", False, 30, False),
    ],
)
def test_is_repeat_follows_api_md(police, service, same_perpetrator, days_after, repeat):
    """An earlier IDVA referral of the same victim and a perpetrator in common, received in the 365 days
    ending on this one's date, makes it a repeat; another service or perpetrator does not."""
    AgencyFactory(kind=Agency.Kind.OUTREACH)
    victim, perpetrator = PersonFactory(), PersonFactory(gender="male")
    start = days_ago(400)
    first = make_case(police, victim=victim, perpetrators=[perpetrator], opened_on=start)
    referral_create(actor=police, case=first, service="idva", received_on=start)
    parties = [perpetrator] if same_perpetrator else [PersonFactory(gender="male")]
    case = make_case(police, victim=victim, perpetrators=parties, opened_on=start)
    referral = referral_create(actor=police, case=case, service=service, received_on=start + timedelta(days=days_after))
    referral.refresh_from_db()
    assert referral.is_repeat is repeat
    event = ReferralEvent.objects.get(referral=referral)
    assert event.detail == f"From {police.agency.name}" + (" (a repeat referral)" if repeat else "")


def test_a_new_referral_is_received_by_the_idva_service_with_a_received_event(police):
    """By default the IDVA service receives it; a "received" event dated on receipt by the referrer."""
    case = make_case(police)
    referral = referral_create(
        actor=police, case=case, service="idva", received_on=days_ago(3), details="  Strangled last week.  "
    )
    referral.refresh_from_db()
    assert (referral.referring_agency, referral.receiving_agency) == (police.agency, idva_service())
    assert (referral.status, referral.referrer, referral.details) == ("received", police, "Strangled last week.")
    assert (referral.referrer_name, referral.referrer_email) == (police.get_full_name(), police.email)
    event = ReferralEvent.objects.get(referral=referral)
    assert (event.kind, event.on, event.status_after, event.recorded_by, event.recorded_by_agency) == (
        "received",
        days_ago(3),
        "received",
        police,
        police.agency,
    )


def test_the_receiving_agency_gets_access_to_the_case(police):
    """An outreach referral to the only outreach agency: that agency can see (and change) the case from
    then on; it could not before."""
    outreach = AgencyFactory(kind=Agency.Kind.OUTREACH)
    worker = case_worker(outreach)
    case = make_case(police)
    assert not visible_cases(worker).filter(pk=case.pk).exists()
    referral = referral_create(actor=police, case=case, service="outreach", received_on=today())
    assert referral.receiving_agency == outreach
    assert visible_cases(worker).filter(pk=case.pk).exists()
    assert visible_cases(worker, "cases.change_case").filter(pk=case.pk).exists()
    # And the referral is theirs to see; another agency's worker still sees neither.
    assert visible_referrals(UserFactory(agency=outreach, roles=[Role.IDVA_MANAGER])).filter(pk=referral.pk).exists()
    stranger = case_worker()
    assert not visible_cases(stranger).filter(pk=case.pk).exists()


def test_an_agency_referring_to_its_own_service_receives_it(police):
    """An outreach worker referring to outreach: their own agency receives it, even with others about."""
    outreach = AgencyFactory(kind=Agency.Kind.OUTREACH)
    AgencyFactory(kind=Agency.Kind.OUTREACH)
    worker = case_worker(outreach)
    case = make_case(worker)
    assert (
        referral_create(actor=worker, case=case, service="outreach", received_on=today()).receiving_agency == outreach
    )


@pytest.mark.parametrize(
    ("set_up", "arguments", "field"),
    [
        (lambda: None, {"consent": "not_given_shared_to_protect", "consent_reason": "  "}, "consent_reason"),
        (lambda: None, {"received_on": "tomorrow"}, "received_on"),
        (lambda: None, {"reasons": ["gut_feeling"]}, "reasons"),
        (lambda: None, {"service": "outreach"}, "service"),
        (lambda: None, {"service": "tarot"}, "service"),
        (
            lambda: [AgencyFactory(kind=Agency.Kind.OUTREACH) for _ in range(2)],
            {"service": "outreach"},
            "receiving_agency",
        ),
        (lambda: None, {"receiving_agency": "police"}, "receiving_agency"),
    ],
)
def test_a_refused_referral_names_its_field_and_writes_nothing(police, set_up, arguments, field):
    """Sharing without consent needs a reason; no future dates or unknown reasons; a service needs one
    agency to provide it (or the choice of one that does)."""
    set_up()
    case = make_case(police)
    values = {"service": "idva", "received_on": today(), **arguments}
    if values["received_on"] == "tomorrow":
        values["received_on"] = today() + timedelta(days=1)
    if values.get("receiving_agency") == "police":
        values["receiving_agency"] = police.agency
    before = (Referral.objects.count(), ReferralEvent.objects.count())
    with pytest.raises(ValidationError) as error:
        referral_create(actor=police, case=case, **values)
    assert field in error.value.message_dict
    assert (Referral.objects.count(), ReferralEvent.objects.count()) == before


def test_sharing_without_consent_with_a_reason_is_kept(police):
    """Shared without consent, with the reason (trimmed)."""
    referral = referral_create(
        actor=police,
        case=make_case(police),
        service="idva",
        received_on=today(),
        consent="not_given_shared_to_protect",
        consent_reason="  Children at risk.  ",
    )
    assert (referral.consent, referral.consent_reason) == ("not_given_shared_to_protect", "Children at risk.")


def test_an_agency_without_access_cannot_refer(police):
    """An agency that cannot change the case cannot refer it; nothing is written."""
    case = make_case(police)
    with pytest.raises(PermissionDenied):
        referral_create(actor=case_worker(), case=case, service="idva", received_on=today())
    assert not Referral.objects.exists()


# --- Who sees which referral -----------------------------------------------------------------------

VISIBILITY = [
    ("referrer", True),
    ("referrers-colleague", True),
    ("referrers-analyst", False),
    ("other-police", False),
    ("other-police-api-key", False),
    ("manager", True),
    ("coordinator", True),
    ("allocated-idva", True),
    ("other-idva", False),
    ("idva-service-analyst", False),
    ("idva-service-api-key", True),
    ("outreach-with-case-access", False),
]


def _viewer(name: str, setup: ReferralSetup) -> Any:
    idva_agency, police_agency = setup.referral.receiving_agency, setup.referral.referring_agency
    if name == "outreach-with-case-access":
        outreach = AgencyFactory(kind=Agency.Kind.OUTREACH)
        referral_create(actor=setup.referrer, case=setup.case, service="outreach", received_on=today())
        return UserFactory(agency=outreach, roles=[Role.IDVA_MANAGER])
    return {
        "referrer": lambda: setup.referrer,
        "referrers-colleague": lambda: case_worker(police_agency),
        "referrers-analyst": lambda: UserFactory(agency=police_agency, roles=[Role.ANALYST]),
        "other-police": case_worker,
        "other-police-api-key": lambda: api_actor(AgencyFactory()),
        "manager": lambda: setup.manager,
        "coordinator": lambda: UserFactory(agency=idva_agency, roles=[Role.MARAC_COORDINATOR]),
        "allocated-idva": lambda: setup.idva,
        "other-idva": lambda: idva_user(idva_agency),
        "idva-service-analyst": lambda: UserFactory(agency=idva_agency, roles=[Role.ANALYST]),
        "idva-service-api-key": lambda: api_actor(idva_agency),
    }[name]()


@pytest.mark.parametrize(("viewer", "sees"), VISIBILITY)
def test_only_the_referring_agency_and_the_idva_service_see_a_referral(viewer, sees):
    """The referring agency's case workers and the IDVA service's manager, coordinators, system and the
    allocated IDVA see it; other IDVAs, analysts and every other agency do not."""
    setup = referral_at("allocated", received_on=days_ago(20))
    actor = _viewer(viewer, setup)
    assert visible_referrals(actor).filter(pk=setup.referral.pk).exists() is sees


def test_an_idva_sees_their_caseload_and_the_manager_the_services(django_assert_max_num_queries):
    """Each IDVA's caseload is the open referrals allocated to them (closed ones only when asked); the
    manager's triage queue is what the service received and has not allocated, oldest first."""
    first = referral_at("contacting", received_on=days_ago(20))
    agency = first.referral.receiving_agency
    idva, manager = first.idva, first.manager
    closed = referral_at("closed", received_on=days_ago(30)).referral
    Referral.objects.filter(pk=closed.pk).update(allocated_to=idva)
    waiting_new = police_referral(received_on=days_ago(2))
    waiting_old = police_referral(received_on=days_ago(9))
    police_referral(service="marac", received_on=days_ago(4))
    assert set(caseload(actor=idva).values_list("pk", flat=True)) == {first.referral.pk}
    assert set(caseload(actor=idva, status="closed").values_list("pk", flat=True)) == {closed.pk}
    assert not caseload(actor=idva_user(agency)).exists()
    with django_assert_max_num_queries(3):
        queue = list(triage_queue(actor=manager))
    assert [referral.pk for referral in queue] == [waiting_old.pk, waiting_new.pk]
    assert not triage_queue(actor=idva).exists()
    assert not triage_queue(actor=UserFactory(agency=agency, roles=[Role.ANALYST])).exists()
    analyst = UserFactory(agency=agency, roles=[Role.ANALYST])
    assert not visible_referrals(analyst).exists()
    assert not caseload(actor=analyst).exists()


def test_caseload_counts_per_idva_exclude_closed_referrals(django_assert_max_num_queries, settings):
    """The manager sees each active IDVA of the service with open, awaiting-contact and engaged counts
    (closed ones left out) against the safe range; other agencies' IDVAs and former IDVAs are not listed."""
    settings.DASV_IDVA_CASELOAD_MIN, settings.DASV_IDVA_CASELOAD_MAX = 2, 3
    setups = [referral_at(status, received_on=days_ago(20)) for status in ("allocated", "engaged", "closed")]
    agency, manager = setups[0].referral.receiving_agency, setups[0].manager
    busy = idva_user(agency, given_name="Busy", family_name="Aardvark")
    for setup in setups:
        Referral.objects.filter(pk=setup.referral.pk).update(allocated_to=busy)
    idva_user(agency, is_active=False)
    _another_idva_service_idva()
    with django_assert_max_num_queries(1):
        rows = idva_caseloads(actor=manager)
    by_idva = {row.idva.pk: row for row in rows}
    assert set(by_idva) == {busy.pk} | {setup.idva.pk for setup in setups}
    row = by_idva[busy.pk]
    assert (row.open_referrals, row.awaiting_contact, row.engaged, row.band) == (2, 1, 1, "within")
    assert all(by_idva[setup.idva.pk].open_referrals == 0 for setup in setups)
    assert all(by_idva[setup.idva.pk].band == "below" for setup in setups)
    assert idva_caseloads(actor=busy) == []
