"""The pure IDVA workflow rules: steps from each status, dates on the timeline, closure, contact attempts,
specialist posts, caseloads, the first-contact deadline and repeat MARAC (no database)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from referrals.rules import (
    A8,
    ABOVE,
    ALLOCATE,
    BELOW,
    CLOSE,
    CONTACT_ATTEMPT,
    HEALTH,
    RECORD_ENGAGED,
    RECORD_NOT_ENGAGED,
    REOPEN,
    STALKING,
    WITHIN,
    WORKFLOW_SERVICES,
    YOUNG_PEOPLE,
    ReferralState,
    SpecialistFacts,
    age_on,
    caseload_band,
    closure_refusal,
    contact_attempt_refusal,
    contact_overdue_since,
    is_repeat_referral,
    repeat_marac_referral,
    specialist_posts,
    status_after,
    step_date_refusal,
    step_refusal,
    transition_refusal,
)

STATUSES = ("received", "allocated", "contacting", "engaged", "not_engaged", "closed")
STEPS = (ALLOCATE, CONTACT_ATTEMPT, RECORD_ENGAGED, RECORD_NOT_ENGAGED, REOPEN, CLOSE)

# The workflow table, written out by hand (not read from the module): from which statuses each step may
# be taken, and the status it leaves.
ALLOWED: dict[str, dict[str, str]] = {
    ALLOCATE: {"received": "allocated", "allocated": "allocated", "contacting": "contacting", "engaged": "engaged"},
    CONTACT_ATTEMPT: {"allocated": "contacting", "contacting": "contacting", "engaged": "engaged"},
    RECORD_ENGAGED: {"contacting": "engaged"},
    RECORD_NOT_ENGAGED: {"allocated": "not_engaged", "contacting": "not_engaged"},
    REOPEN: {"not_engaged": "contacting"},
    CLOSE: {"engaged": "closed", "not_engaged": "closed"},
}
ALL_PAIRS = list(itertools.product(STATUSES, STEPS))
ALLOWED_PAIRS = [(status, step) for status, step in ALL_PAIRS if status in ALLOWED[step]]
REFUSED_PAIRS = [(status, step) for status, step in ALL_PAIRS if status not in ALLOWED[step]]
# The steps that change the status or the IDVA keep the timeline in order; a contact attempt may be
# logged late.
ORDERED_STEPS = (ALLOCATE, RECORD_ENGAGED, RECORD_NOT_ENGAGED, REOPEN, CLOSE)

RECEIVED_ON = date(2026, 3, 2)
TODAY = date(2026, 3, 20)


def state(status: str = "received", *, service: str = "idva", **kwargs) -> ReferralState:
    """A referral state received on RECEIVED_ON with no later step unless given."""
    return ReferralState(
        service=service,
        status=status,
        received_on=kwargs.pop("received_on", RECEIVED_ON),
        last_step_on=kwargs.pop("last_step_on", RECEIVED_ON),
        **kwargs,
    )


def test_the_table_covers_every_status_and_step():
    """The expected table lists 6 statuses by 6 steps: 13 allowed pairs and 23 refused."""
    assert len(ALL_PAIRS) == 36
    assert (len(ALLOWED_PAIRS), len(REFUSED_PAIRS)) == (13, 23)


# --- Which step from which status ------------------------------------------------------------------


@pytest.mark.parametrize("service", sorted(WORKFLOW_SERVICES))
@pytest.mark.parametrize(("status", "step"), ALL_PAIRS)
def test_every_status_and_step_is_allowed_or_refused_as_the_table_says(service, status, step):
    """For each workflow service, a step is allowed exactly from the statuses the table lists."""
    refusal = step_refusal(state(status, service=service), step)
    assert (refusal is None) is (status in ALLOWED[step])


@pytest.mark.parametrize(("status", "step"), REFUSED_PAIRS)
def test_every_refusal_is_a_sentence(status, step):
    """A refused step says why in a sentence: words, a capital letter and a full stop."""
    refusal = step_refusal(state(status), step)
    assert isinstance(refusal, str)
    assert len(refusal.split()) >= 3
    assert refusal[0].isupper()
    assert refusal.endswith(".")


@pytest.mark.parametrize("step", STEPS)
def test_a_closed_referral_takes_no_step(step):
    """Every step on a closed referral is refused as closed."""
    assert step_refusal(state("closed"), step) == "The referral is closed."


@pytest.mark.parametrize(
    ("status", "step", "words"),
    [
        ("received", CONTACT_ATTEMPT, "Allocate"),
        ("allocated", RECORD_ENGAGED, "contact attempt"),
        ("engaged", RECORD_ENGAGED, "already engaged"),
        ("not_engaged", ALLOCATE, "re-open"),
        ("engaged", RECORD_NOT_ENGAGED, "close"),
        ("contacting", CLOSE, "engagement outcome"),
        ("engaged", REOPEN, "did not engage"),
    ],
)
def test_a_refusal_says_what_to_do_instead(status, step, words):
    """The refusal points to the step to take first (or why none is needed)."""
    assert words in step_refusal(state(status), step)


@pytest.mark.parametrize(("status", "step"), ALLOWED_PAIRS)
def test_status_after_each_allowed_step(status, step):
    """An allowed step leaves the status the table says (reallocation and later contact keep it)."""
    assert status_after(status, step) == ALLOWED[step][status]


@pytest.mark.parametrize("service", ["marac", "marac_plus", "perpetrator_panel"])
@pytest.mark.parametrize(("status", "step"), ALL_PAIRS)
def test_meeting_referrals_take_no_workflow_step(service, status, step):
    """MARAC, MARAC Plus and perpetrator panel referrals are heard at meetings: every step is refused."""
    refusal = step_refusal(state(status, service=service), step)
    assert refusal
    assert "meetings" in refusal


def test_the_workflow_services_are_the_support_services():
    """IDVA, outreach, refuge, the Victim and Witness Hub and ISVA referrals are worked; meetings are not."""
    assert frozenset({"idva", "outreach", "refuge", "victim_hub", "isva"}) == WORKFLOW_SERVICES


def test_an_unknown_step_is_a_programming_error():
    """A step the rules do not know raises ValueError rather than allowing it."""
    with pytest.raises(ValueError, match="Unknown step"):
        step_refusal(state("received"), "teleport")


# --- Dates on the timeline ------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "step"), ALLOWED_PAIRS)
def test_a_future_date_is_refused(status, step):
    """No step may be dated after today."""
    refusal = transition_refusal(state(status), step, on=TODAY + timedelta(days=1), today=TODAY)
    assert refusal == "The date cannot be in the future."


@pytest.mark.parametrize(("status", "step"), ALLOWED_PAIRS)
def test_today_is_allowed(status, step):
    """A step dated today (with nothing later on the timeline) is allowed."""
    assert transition_refusal(state(status), step, on=TODAY, today=TODAY) is None


@pytest.mark.parametrize(("status", "step"), ALLOWED_PAIRS)
def test_a_date_before_the_referral_was_received_is_refused(status, step):
    """No step may be dated before the referral was received; the refusal names that day."""
    refusal = transition_refusal(state(status), step, on=RECEIVED_ON - timedelta(days=1), today=TODAY)
    assert refusal == "The date cannot be before the referral was received (2 Mar 2026)."


@pytest.mark.parametrize(("status", "step"), ALLOWED_PAIRS)
def test_the_day_the_referral_was_received_is_allowed(status, step):
    """A step on the day the referral was received is allowed (same-day triage and contact)."""
    assert transition_refusal(state(status), step, on=RECEIVED_ON, today=TODAY) is None


@pytest.mark.parametrize(
    ("status", "step"), [(status, step) for status, step in ALLOWED_PAIRS if step in ORDERED_STEPS]
)
def test_a_status_change_before_the_last_step_is_refused(status, step):
    """(Re)allocation, engagement, not engaged, re-opening and closing cannot be dated before the last step."""
    last = RECEIVED_ON + timedelta(days=5)
    current = state(status, last_step_on=last, first_contact_attempt_on=RECEIVED_ON + timedelta(days=1))
    refusal = transition_refusal(current, step, on=last - timedelta(days=1), today=TODAY)
    assert refusal == "The date cannot be before the last step on the timeline (7 Mar 2026)."
    assert transition_refusal(current, step, on=last, today=TODAY) is None


@pytest.mark.parametrize("status", ["allocated", "contacting", "engaged"])
def test_a_contact_attempt_may_be_logged_late(status):
    """A contact attempt dated before the last step on the timeline is allowed (logged late)."""
    current = state(status, last_step_on=RECEIVED_ON + timedelta(days=5))
    assert transition_refusal(current, CONTACT_ATTEMPT, on=RECEIVED_ON + timedelta(days=1), today=TODAY) is None


def test_engaged_before_the_first_contact_attempt_is_refused():
    """The victim cannot engage before the first attempt to contact them; on that day they can."""
    first = RECEIVED_ON + timedelta(days=3)
    current = state("contacting", first_contact_attempt_on=first)
    refusal = transition_refusal(current, RECORD_ENGAGED, on=first - timedelta(days=1), today=TODAY)
    assert refusal == "The date cannot be before the first contact attempt (5 Mar 2026)."
    assert transition_refusal(current, RECORD_ENGAGED, on=first, today=TODAY) is None


def test_not_engaged_may_be_recorded_before_any_contact_attempt():
    """Not engaged (e.g. could not be contacted safely) does not need an earlier contact attempt."""
    assert transition_refusal(state("allocated"), RECORD_NOT_ENGAGED, on=RECEIVED_ON, today=TODAY) is None


def test_the_status_is_checked_before_the_date():
    """A step refused by the status says so, whatever its date."""
    refusal = transition_refusal(state("closed"), CLOSE, on=TODAY + timedelta(days=9), today=TODAY)
    assert refusal == "The referral is closed."


def test_step_date_refusal_is_about_dates_only():
    """The date rules alone do not look at the status."""
    assert step_date_refusal(state("closed"), CLOSE, on=TODAY, today=TODAY) is None


# --- Closure and contact attempts ---------------------------------------------------------------------

CLOSURE_OUTCOMES = ("support_completed", "victim_withdrew", "not_engaged", "moved_out_of_area", "transferred", "other")
# Which closure outcomes each engagement outcome may close with.
CLOSURE_FITS = {
    "engaged": {"support_completed", "victim_withdrew", "moved_out_of_area", "transferred", "other"},
    "not_engaged": {"not_engaged", "moved_out_of_area", "transferred", "other"},
}


@pytest.mark.parametrize(("engagement", "outcome"), list(itertools.product(CLOSURE_FITS, CLOSURE_OUTCOMES)))
def test_closure_outcome_fits_the_engagement(engagement, outcome):
    """Support completed and withdrew need engagement; "did not engage" needs not engaged; others fit both."""
    refusal = closure_refusal(engagement=engagement, outcome=outcome)
    assert (refusal is None) is (outcome in CLOSURE_FITS[engagement])
    if refusal:
        assert refusal.endswith(".")


@pytest.mark.parametrize(
    ("engagement", "outcome", "words"),
    [
        ("not_engaged", "support_completed", "did not engage"),
        ("not_engaged", "victim_withdrew", "did not engage"),
        ("engaged", "not_engaged", "outcome of the support"),
    ],
)
def test_a_closure_refusal_says_why(engagement, outcome, words):
    """The refusal tells the IDVA which kind of outcome fits."""
    assert words in closure_refusal(engagement=engagement, outcome=outcome)


@pytest.mark.parametrize("outcome", ["support_completed", "victim_withdrew", "not_engaged"])
def test_closing_with_an_engagement_outcome_needs_one(outcome):
    """With no engagement recorded, outcomes that depend on engagement are refused."""
    assert closure_refusal(engagement="", outcome=outcome)


CONTACT_OUTCOMES = ("spoke_to_victim", "no_answer", "message_left", "not_safe_to_talk", "wrong_details")


@pytest.mark.parametrize(("outcome", "safe"), list(itertools.product(CONTACT_OUTCOMES, [True, False])))
def test_a_message_may_be_left_only_when_safe(outcome, safe):
    """Only "message left" where it was not safe to leave one is refused."""
    refusal = contact_attempt_refusal(outcome=outcome, safe_to_leave_message=safe)
    assert (refusal is not None) is (outcome == "message_left" and not safe)


def test_the_unsafe_message_refusal_is_a_sentence():
    """The refusal says a message was recorded as left when it was not safe."""
    refusal = contact_attempt_refusal(outcome="message_left", safe_to_leave_message=False)
    assert refusal == "A message was recorded as left, but it was not safe to leave a message."


# --- Repeat referrals ----------------------------------------------------------------------------

ON = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("earlier", "repeat"),
    [
        ([ON - timedelta(days=365)], True),
        ([ON - timedelta(days=366)], False),
        ([ON], True),
        ([ON + timedelta(days=1)], False),
        ([], False),
    ],
)
def test_is_repeat_referral_window(earlier, repeat):
    """Day 365 before is a repeat, day 366 is not, the same day is, a later referral does not count."""
    assert is_repeat_referral(received_on=ON, earlier_received_on=earlier) is repeat


def test_a_leap_year_window_is_still_365_days():
    """Across 29 February the window is 365 days, not a calendar year: 2024-03-01 to 2025-02-28 is 364."""
    received_on = date(2025, 3, 1)
    assert is_repeat_referral(received_on=received_on, earlier_received_on=[date(2024, 3, 1)])
    assert not is_repeat_referral(received_on=received_on, earlier_received_on=[date(2024, 2, 29)])


# --- Ages and specialist posts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2000, 6, 15), date(2026, 6, 14), 25),
        (date(2000, 6, 15), date(2026, 6, 15), 26),
        (date(2000, 6, 15), date(2026, 6, 16), 26),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2008, 2, 29), date(2028, 2, 28), 19),
        (date(2026, 1, 1), date(2026, 1, 1), 0),
        (None, date(2026, 1, 1), None),
    ],
)
def test_age_on_a_day(born, on, age):
    """Whole years on the day, the birthday itself counting; 29 February birthdays come on 1 March."""
    assert age_on(born, on) == age


def facts(
    age: int | None = 30,
    *,
    additional_needs: bool = False,
    nationality_group: str = "uk",
    agency_kind: str = "police",
    stalking: bool = False,
) -> SpecialistFacts:
    return SpecialistFacts(
        victim_age=age,
        additional_needs=additional_needs,
        nationality_group=nationality_group,
        referring_agency_kind=agency_kind,
        stalking=stalking,
    )


@pytest.mark.parametrize(
    ("age", "additional_needs", "young_people"),
    [
        (12, False, False),
        (12, True, False),
        (13, False, True),
        (13, True, True),
        (19, False, True),
        (19, True, True),
        (20, False, False),
        (20, True, True),
        (24, False, False),
        (24, True, True),
        (25, False, False),
        (25, True, False),
        (None, False, False),
        (None, True, False),
    ],
)
def test_young_peoples_idva_age_boundaries(age, additional_needs, young_people):
    """13 to 19, or up to 24 with additional needs; never under 13, over 24 or of unknown age."""
    assert (YOUNG_PEOPLE in specialist_posts(facts(age, additional_needs=additional_needs))) is young_people


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ()),
        ({"nationality_group": "a8"}, (A8,)),
        ({"nationality_group": "eu_other"}, ()),
        ({"agency_kind": "health"}, (HEALTH,)),
        ({"agency_kind": "mental_health"}, ()),
        ({"agency_kind": "idva_service"}, ()),
        ({"stalking": True}, (STALKING,)),
    ],
)
def test_each_specialist_post_on_its_own(kwargs, expected):
    """A8 nationality, a referral from a health agency, and stalking each suggest their post."""
    assert specialist_posts(facts(**kwargs)) == expected


def test_several_specialist_posts_in_triage_order():
    """All that apply are listed: Young People's, A8, Health, Stalking, in that order."""
    every = facts(16, nationality_group="a8", agency_kind="health", stalking=True)
    assert specialist_posts(every) == (YOUNG_PEOPLE, A8, HEALTH, STALKING)
    assert specialist_posts(facts(22, additional_needs=True, stalking=True)) == (YOUNG_PEOPLE, STALKING)
    assert specialist_posts(facts(None, nationality_group="a8", stalking=True)) == (A8, STALKING)


# --- Caseloads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_referrals", "band"),
    [(0, BELOW), (59, BELOW), (60, WITHIN), (70, WITHIN), (80, WITHIN), (81, ABOVE), (200, ABOVE)],
)
def test_caseload_band_against_the_safelives_range(open_referrals, band):
    """Below 60 is below the safe range, 60 to 80 within (both ends), 81 above."""
    assert caseload_band(open_referrals, safe_range=(60, 80)) == band


@pytest.mark.parametrize(("open_referrals", "band"), [(9, BELOW), (10, WITHIN), (11, ABOVE)])
def test_caseload_band_of_a_one_number_range(open_referrals, band):
    """A range of one number (a part-time post, say) is within only at that number."""
    assert caseload_band(open_referrals, safe_range=(10, 10)) == band


# --- The first-contact deadline -----------------------------------------------------------------

DEADLINE = date(2026, 4, 8)


@pytest.mark.parametrize(
    ("status", "first_attempt", "today", "since"),
    [
        ("received", None, DEADLINE - timedelta(days=1), None),
        ("received", None, DEADLINE, None),
        ("received", None, DEADLINE + timedelta(days=1), DEADLINE + timedelta(days=1)),
        ("allocated", None, DEADLINE, None),
        ("allocated", None, DEADLINE + timedelta(days=1), DEADLINE + timedelta(days=1)),
        ("allocated", None, DEADLINE + timedelta(days=30), DEADLINE + timedelta(days=1)),
        ("allocated", DEADLINE + timedelta(days=2), DEADLINE + timedelta(days=5), None),
        ("allocated", DEADLINE - timedelta(days=1), DEADLINE + timedelta(days=5), None),
    ],
)
def test_contact_overdue_since_the_day_after_the_deadline(status, first_attempt, today, since):
    """Overdue from the day after the deadline (not on it), and only while no contact attempt is logged;
    the day it became overdue stays the same however late the job runs."""
    assert (
        contact_overdue_since(status=status, first_contact_attempt_on=first_attempt, deadline=DEADLINE, today=today)
        == since
    )


@pytest.mark.parametrize("status", ["contacting", "engaged", "not_engaged", "closed"])
def test_a_referral_past_first_contact_is_never_overdue(status):
    """Statuses past waiting for contact are never overdue, even with no attempt and long past the deadline."""
    assert (
        contact_overdue_since(
            status=status, first_contact_attempt_on=None, deadline=DEADLINE, today=DEADLINE + timedelta(days=60)
        )
        is None
    )


# --- Repeat MARAC ---------------------------------------------------------------------------------

INCIDENT_ON = date(2026, 5, 20)


def days_before_incident(*days: int) -> list[date]:
    return [INCIDENT_ON - timedelta(days=n) for n in days]


@pytest.mark.parametrize(
    ("referral_days_before", "expected_days_before"),
    [
        ((1,), 1),
        ((365,), 365),
        ((366,), None),
        ((0,), None),
        ((-1,), None),
        ((), None),
        ((300, 30, 200), 30),
        ((400, 366, 365), 365),
        ((0, 10), 10),
        ((-5, 0, 100), 100),
    ],
)
def test_repeat_marac_referral_window(referral_days_before, expected_days_before):
    """The last MARAC referral 1 to 365 days before the incident makes it a repeat (the latest wins); a
    referral on the incident's day is the one referred, not a repeat; later ones and 366 days do not count."""
    expected = None if expected_days_before is None else INCIDENT_ON - timedelta(days=expected_days_before)
    found = repeat_marac_referral(
        incident_on=INCIDENT_ON, marac_referral_dates=days_before_incident(*referral_days_before)
    )
    assert found == expected


@pytest.mark.parametrize(("window", "days", "repeat"), [(182, 182, True), (182, 183, False)])
def test_repeat_marac_with_another_window(window, days, repeat):
    """The window is the policy's, with the same inclusive boundary."""
    found = repeat_marac_referral(
        incident_on=INCIDENT_ON, marac_referral_dates=days_before_incident(days), window_days=window
    )
    assert (found is not None) is repeat
