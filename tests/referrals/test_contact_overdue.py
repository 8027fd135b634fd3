"""The nightly first-contact check: referrals with no contact attempt by the deadline (working days after
receipt, bank holidays excluded) are flagged, and flags that no longer hold are cleared."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from referrals.models import Referral
from referrals.services import contact_attempt_record, referral_engagement_record, referrals_contact_overdue_flag
from referrals.tasks import referrals_contact_overdue_flag as nightly_task
from tests.factories.referrals import ReferralSetup, police_referral, referral_at

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Thursday before Easter 2026: Good Friday (3 April) and Easter Monday (6 April) are bank holidays, so
# two working days after it is Wednesday 8 April.
MAUNDY_THURSDAY = date(2026, 4, 2)
EASTER_DEADLINE = date(2026, 4, 8)


@contextmanager
def on_day(day: date) -> Iterator[None]:
    """The clock stopped at 02:00 London time on `day` (when the nightly job runs)."""
    with time_machine.travel(datetime.combine(day, time(2, 0), tzinfo=LONDON), tick=False):
        yield


def received_on(day: date, status: str = "received", **kwargs) -> ReferralSetup:
    """A police referral received on `day`, walked to `status` (one day per step) on that day's clock
    (or later, when the steps need later days)."""
    with on_day(date(2026, 11, 1) if status not in {"received", "allocated"} else day):
        return referral_at(status, received_on=day, **kwargs)


def flagged_since(referral: Referral) -> date | None:
    return Referral.objects.values_list("contact_overdue_since", flat=True).get(pk=referral.pk)


def run_on(day: date) -> dict[str, int]:
    """The nightly job as the scheduler runs it: no date passed, today is the clock's."""
    with on_day(day):
        return referrals_contact_overdue_flag()


@pytest.mark.parametrize("status", ["received", "allocated"])
def test_the_easter_deadline_skips_both_bank_holidays(status):
    """Received Thursday 2 April 2026: not overdue when the job runs on Wednesday 8 April (the deadline),
    overdue from Thursday 9 April when it runs then."""
    referral = received_on(MAUNDY_THURSDAY, status).referral
    assert run_on(EASTER_DEADLINE) == {"flagged": 0, "cleared": 0}
    assert flagged_since(referral) is None
    assert run_on(date(2026, 4, 9)) == {"flagged": 1, "cleared": 0}
    assert flagged_since(referral) == date(2026, 4, 9)


def test_the_job_takes_the_day_it_is_given():
    """The service also takes `today` (for a re-run of a missed night)."""
    referral = received_on(MAUNDY_THURSDAY).referral
    with on_day(date(2026, 4, 20)):
        assert referrals_contact_overdue_flag(today=EASTER_DEADLINE) == {"flagged": 0, "cleared": 0}
        assert referrals_contact_overdue_flag(today=date(2026, 4, 9)) == {"flagged": 1, "cleared": 0}
    assert flagged_since(referral) == date(2026, 4, 9)


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        (date(2026, 3, 13), date(2026, 3, 17)),  # a Friday: Monday and Tuesday after
        (date(2026, 5, 1), date(2026, 5, 6)),  # a Friday before the May Day bank holiday
        (date(2026, 3, 14), date(2026, 3, 17)),  # a Saturday: the weekend does not count
        (date(2026, 12, 24), date(2026, 12, 30)),  # Christmas, Boxing Day on Saturday, its Monday substitute
    ],
)
def test_deadlines_count_working_days(received, deadline):
    """Two working days after receipt, skipping weekends and bank holidays: not overdue on the deadline,
    overdue from the day after."""
    referral = received_on(received).referral
    assert run_on(deadline)["flagged"] == 0
    next_day = date.fromordinal(deadline.toordinal() + 1)
    assert run_on(next_day)["flagged"] == 1
    assert flagged_since(referral) == next_day


def test_running_twice_changes_nothing_the_second_time():
    """A second run the same night (or a later one) flags and clears nothing, keeps the day it became
    overdue, and does not touch the referral's updated_at."""
    referral = received_on(MAUNDY_THURSDAY).referral
    assert run_on(date(2026, 4, 9)) == {"flagged": 1, "cleared": 0}
    updated_at = Referral.objects.get(pk=referral.pk).updated_at
    assert run_on(date(2026, 4, 9)) == {"flagged": 0, "cleared": 0}
    assert run_on(date(2026, 4, 15)) == {"flagged": 0, "cleared": 0}
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.contact_overdue_since, stored.updated_at) == (date(2026, 4, 9), updated_at)


def test_a_contact_attempt_clears_the_flag():
    """The first contact attempt, however late, clears the flag at once; the next run leaves it clear."""
    setup = received_on(MAUNDY_THURSDAY, "allocated")
    run_on(date(2026, 4, 10))
    assert flagged_since(setup.referral) == date(2026, 4, 9)
    with on_day(date(2026, 4, 10)):
        contact_attempt_record(
            actor=setup.idva,
            referral=setup.referral,
            made_on=date(2026, 4, 10),
            method="phone_call",
            safe_to_leave_message=False,
            outcome="no_answer",
        )
    assert flagged_since(setup.referral) is None
    assert run_on(date(2026, 4, 11)) == {"flagged": 0, "cleared": 0}


def test_an_engagement_outcome_clears_the_flag_at_once():
    """Recording "not engaged" without a contact attempt ends the wait for contact: the flag goes."""
    setup = received_on(MAUNDY_THURSDAY, "allocated")
    run_on(date(2026, 4, 10))
    assert flagged_since(setup.referral) == date(2026, 4, 9)
    with on_day(date(2026, 4, 10)):
        referral_engagement_record(
            actor=setup.manager,
            referral=setup.referral,
            outcome="not_engaged",
            reason="could_not_contact_safely",
            on=date(2026, 4, 10),
        )
    assert flagged_since(setup.referral) is None
    assert run_on(date(2026, 4, 11)) == {"flagged": 0, "cleared": 0}


def test_a_flag_left_on_a_referral_that_moved_on_is_cleared():
    """A flag found on a referral no longer awaiting contact (e.g. written by an older release) is cleared
    by the next run, and the run after changes nothing."""
    setup = received_on(MAUNDY_THURSDAY, "engaged")
    Referral.objects.filter(pk=setup.referral.pk).update(contact_overdue_since=date(2026, 4, 9))
    assert run_on(date(2026, 4, 11)) == {"flagged": 0, "cleared": 1}
    assert flagged_since(setup.referral) is None
    assert run_on(date(2026, 4, 12)) == {"flagged": 0, "cleared": 0}


def test_a_flag_that_no_longer_holds_is_cleared():
    """A flag set too early (the deadline not yet passed on the day the job runs) is cleared."""
    referral = received_on(MAUNDY_THURSDAY).referral
    Referral.objects.filter(pk=referral.pk).update(contact_overdue_since=date(2026, 4, 3))
    assert run_on(EASTER_DEADLINE) == {"flagged": 0, "cleared": 1}
    assert flagged_since(referral) is None


def test_a_flag_with_the_wrong_day_is_corrected():
    """A flag dated other than the day after the deadline is put right and counted as flagged."""
    referral = received_on(MAUNDY_THURSDAY).referral
    Referral.objects.filter(pk=referral.pk).update(contact_overdue_since=date(2026, 4, 12))
    assert run_on(date(2026, 4, 14)) == {"flagged": 1, "cleared": 0}
    assert flagged_since(referral) == date(2026, 4, 9)


@pytest.mark.parametrize(
    ("working_days", "not_yet", "overdue_from"),
    [
        (0, MAUNDY_THURSDAY, date(2026, 4, 3)),
        (1, date(2026, 4, 7), date(2026, 4, 8)),
        (2, date(2026, 4, 8), date(2026, 4, 9)),
        (5, date(2026, 4, 13), date(2026, 4, 14)),
    ],
)
def test_the_setting_sets_the_deadline(settings, working_days, not_yet, overdue_from):
    """DASV_FIRST_CONTACT_WORKING_DAYS is how many working days the service has to make first contact."""
    settings.DASV_FIRST_CONTACT_WORKING_DAYS = working_days
    referral = received_on(MAUNDY_THURSDAY).referral
    assert run_on(not_yet)["flagged"] == 0
    assert run_on(overdue_from)["flagged"] == 1
    assert flagged_since(referral) == overdue_from


@pytest.mark.parametrize("call", ["delay", "apply"])
def test_the_celery_task_runs_the_service(call):
    """The nightly task (run in-process in tests) flags as the service does and returns its counts."""
    referral = received_on(MAUNDY_THURSDAY).referral
    with on_day(date(2026, 4, 9)):
        result = getattr(nightly_task, call)()
        assert result.get() == {"flagged": 1, "cleared": 0}
    assert flagged_since(referral) == date(2026, 4, 9)


@pytest.mark.parametrize("status", ["contacting", "engaged", "not_engaged", "closed"])
def test_referrals_past_first_contact_are_never_flagged(status):
    """Contacting, engaged, not engaged and closed referrals are not flagged however long ago received."""
    referral = received_on(MAUNDY_THURSDAY, status).referral
    assert run_on(date(2026, 11, 1)) == {"flagged": 0, "cleared": 0}
    assert flagged_since(referral) is None


@pytest.mark.parametrize("service", ["marac", "marac_plus"])
def test_meeting_referrals_are_never_flagged(service):
    """MARAC referrals are heard at meetings, not contacted by an IDVA: never flagged; an IDVA referral of
    the same day is."""
    with on_day(MAUNDY_THURSDAY):
        meeting = police_referral(service=service, received_on=MAUNDY_THURSDAY)
        idva = police_referral(received_on=MAUNDY_THURSDAY)
    assert run_on(date(2026, 4, 9)) == {"flagged": 1, "cleared": 0}
    assert (flagged_since(meeting), flagged_since(idva)) == (None, date(2026, 4, 9))


def test_a_stray_flag_on_a_meeting_referral_is_cleared():
    """A flag on a MARAC referral (however it got there) is cleared by the job."""
    with on_day(MAUNDY_THURSDAY):
        meeting = police_referral(service="marac", received_on=MAUNDY_THURSDAY)
    Referral.objects.filter(pk=meeting.pk).update(contact_overdue_since=date(2026, 4, 9))
    assert run_on(date(2026, 4, 10)) == {"flagged": 0, "cleared": 1}
    assert flagged_since(meeting) is None
