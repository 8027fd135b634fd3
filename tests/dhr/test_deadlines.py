"""Stage deadlines with the default stage configuration (from the migration), the clock moved by
time-machine: on the target day a review is on time, the day after it is overdue; the review list's overdue
filter follows; the nightly notice emails each passed target once."""

from __future__ import annotations

from datetime import date, datetime, time
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.test import override_settings

from agencies.models import Role
from dhr.models import Review, Stage
from dhr.selectors import review_list_with_progress, review_progress, stage_list, stage_targets
from dhr.services import (
    local_approval_record,
    qa_submit,
    review_decide,
    review_stage_move,
    reviews_overdue_notify,
)
from dhr.tasks import reviews_overdue_notify as reviews_overdue_notify_task
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.dhr import commissioned_review, dhr_coordinator, notified_review, stage

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def on(day: date, hour: int = 12) -> time_machine.travel:
    """Move the clock to `hour` o'clock, London time, on `day`."""
    return time_machine.travel(datetime.combine(day, time(hour), tzinfo=LONDON), tick=False)


def overdue_codes(review: Review) -> list[str]:
    review = Review.objects.select_related("stage").get(pk=review.pk)
    return [t.stage_code for t in review_progress(review, targets=stage_targets(stage_list())).overdue]


def listed(coordinator, *, overdue: bool) -> set[int]:
    return {review.pk for review, _ in review_list_with_progress(actor=coordinator, overdue=overdue)}


@pytest.fixture
def coordinator():
    return dhr_coordinator()


def test_the_default_targets_are_one_month_to_decide_and_six_to_complete():
    """The migration's stages: the decision due one month from notification, local approval six months from
    the decision, nothing else timed, and only `closed` final."""
    timed = {s.code: (s.target_months, s.target_days, s.target_from) for s in Stage.objects.all() if s.has_target}
    assert timed == {"decision": (1, 0, "notification"), "local_approval": (6, 0, "decision")}
    assert list(Stage.objects.filter(is_final=True).values_list("code", flat=True)) == ["closed"]
    assert Stage.objects.count() == 13


@pytest.mark.parametrize(
    ("notified", "due"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 3, 15), date(2026, 4, 15)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2026, 3, 31), date(2026, 4, 30)),
    ],
)
@pytest.mark.parametrize("stage_code", ["notification", "scoping", "decision"])
def test_a_review_is_overdue_for_its_decision_from_the_day_after_one_month(coordinator, notified, due, stage_code):
    """Notified on D, at any stage up to the decision: not overdue on D + 1 month, overdue the day after;
    the review list's overdue filter follows."""
    with on(notified):
        review = notified_review(coordinator, notified_on=notified)
        if stage_code != "notification":
            review_stage_move(actor=coordinator, review=review, stage=stage(stage_code), on=notified)
    with on(due, hour=23):
        assert overdue_codes(review) == []
        assert listed(coordinator, overdue=True) == set()
        assert listed(coordinator, overdue=False) == {review.pk}
    with on(due + relativedelta(days=1), hour=0):
        assert overdue_codes(review) == ["decision"]
        assert listed(coordinator, overdue=True) == {review.pk}
        assert listed(coordinator, overdue=False) == set()


def test_the_decision_ends_the_decision_target(coordinator):
    """A review decided late is no longer overdue for the decision once it is made."""
    with on(date(2026, 1, 10)):
        review = notified_review(coordinator, notified_on=date(2026, 1, 10))
    with on(date(2026, 2, 20)):
        assert overdue_codes(review) == ["decision"]
        review_decide(actor=coordinator, review=review, decision="commission", on=date(2026, 2, 20), rationale="Met.")
        assert overdue_codes(review) == []


@pytest.mark.parametrize(
    "stage_code",
    ["panel_setup", "terms_of_reference", "imrs", "family_involvement", "overview_report", "local_approval"],
)
def test_a_commissioned_review_not_at_qa_is_overdue_from_the_day_after_six_months(coordinator, stage_code):
    """Commissioned on 31 August 2027: at any stage before the Home Office, not overdue on 29 February 2028
    (six calendar months), overdue on 1 March."""
    decided = date(2027, 8, 31)
    with on(decided):
        review = commissioned_review(coordinator, notified_on=date(2027, 8, 20), decided_on=decided)
        if stage_code == "local_approval":
            local_approval_record(actor=coordinator, review=review, on=decided)
        elif stage_code != "panel_setup":
            review_stage_move(actor=coordinator, review=review, stage=stage(stage_code), on=decided)
    with on(date(2028, 2, 29), hour=23):
        assert overdue_codes(review) == []
        assert listed(coordinator, overdue=True) == set()
    with on(date(2028, 3, 1), hour=0):
        assert overdue_codes(review) == ["local_approval"]
        assert listed(coordinator, overdue=True) == {review.pk}


def test_a_review_at_the_home_office_is_past_the_completion_target(coordinator):
    """Submitted to the Home Office, the review is no longer measured against completion."""
    decided = date(2026, 2, 1)
    with on(decided):
        review = commissioned_review(coordinator, notified_on=date(2026, 1, 20), decided_on=decided)
        local_approval_record(actor=coordinator, review=review, on=decided)
        qa_submit(actor=coordinator, review=review, submitted_on=decided)
    with on(date(2026, 12, 1)):
        assert overdue_codes(review) == []
        assert listed(coordinator, overdue=False) == {review.pk}


def test_a_closed_review_is_never_overdue(coordinator):
    """A review not commissioned is closed and never overdue."""
    with on(date(2026, 1, 5)):
        review = notified_review(coordinator, notified_on=date(2026, 1, 5))
        review_decide(
            actor=coordinator, review=review, decision="not_commissioned", on=date(2026, 1, 5), rationale="No."
        )
    with on(date(2027, 1, 5)):
        assert overdue_codes(review) == []
        assert listed(coordinator, overdue=True) == set()


# --- The nightly notice --------------------------------------------------------------------------------


def test_the_nightly_notice_emails_each_target_once(coordinator, mailoutbox):
    """Nothing on the target day; the day after, one email to the active coordinators; run again (the same
    day or the next) nothing; a new target passed later is emailed again; a closed review never is."""
    second_coordinator = dhr_coordinator()
    dhr_coordinator(is_active=False)
    UserFactory(roles=[Role.PARTNERSHIP_ADMIN])
    notified = date(2026, 1, 31)
    with on(notified):
        late = notified_review(coordinator, notified_on=notified)
        closed = notified_review(coordinator, notified_on=notified)
        review_decide(actor=coordinator, review=closed, decision="not_commissioned", on=notified, rationale="No.")
    with on(date(2026, 2, 28)):
        assert reviews_overdue_notify() == 0
    assert mailoutbox == []
    with on(date(2026, 3, 1)):
        assert reviews_overdue_notify() == 1
        assert reviews_overdue_notify() == 0
    (email,) = mailoutbox
    assert sorted(email.to) == sorted([coordinator.email, second_coordinator.email])
    assert email.subject == "1 DHR past a target"
    assert f"- {late.reference}: Decision whether to review was due by 2026-02-28 (now at Notification)" in email.body
    assert closed.reference not in email.body
    with on(date(2026, 3, 2)):
        assert reviews_overdue_notify() == 0
    assert len(mailoutbox) == 1

    # Decided late; the completion target six months on passes and is emailed.
    with on(date(2026, 3, 5)):
        review_decide(actor=coordinator, review=late, decision="commission", on=date(2026, 3, 5), rationale="Met.")
    with on(date(2026, 9, 5)):
        assert reviews_overdue_notify() == 0
    with on(date(2026, 9, 6)):
        assert reviews_overdue_notify() == 1
        assert reviews_overdue_notify() == 0
    assert len(mailoutbox) == 2
    assert "Local approval was due by 2026-09-05 (now at Chair, author and panel appointed)" in mailoutbox[1].body

    # Closed by hand while late: never emailed again.
    with on(date(2027, 1, 1)):
        review_stage_move(actor=coordinator, review=late, stage=stage("closed"), on=date(2027, 1, 1))
        assert reviews_overdue_notify() == 0
    assert len(mailoutbox) == 2


def test_a_second_target_passed_while_still_late_is_emailed(coordinator, mailoutbox):
    """With a timed scoping stage, a review late for scoping and then for the decision is told of each."""
    Stage.objects.filter(code="scoping").update(target_days=14)
    with on(date(2026, 1, 1)):
        review = notified_review(coordinator, notified_on=date(2026, 1, 1))
        review_stage_move(actor=coordinator, review=review, stage=stage("scoping"), on=date(2026, 1, 1))
    with on(date(2026, 1, 16)):
        assert reviews_overdue_notify() == 1
    with on(date(2026, 1, 31)):
        assert reviews_overdue_notify() == 0
    with on(date(2026, 2, 2)):
        assert reviews_overdue_notify() == 1
        assert reviews_overdue_notify() == 0
    assert [m.body.splitlines()[-1] for m in mailoutbox] == [
        (
            f"- {review.reference}: Scoping and information gathering was due by 2026-01-15 "
            "(now at Scoping and information gathering)"
        ),
        (
            f"- {review.reference}: Decision whether to review was due by 2026-02-01 "
            "(now at Scoping and information gathering)"
        ),
    ]


def test_several_reviews_in_one_email(coordinator, mailoutbox):
    """Reviews passing targets the same night are listed in one email, oldest notification first."""
    with on(date(2026, 1, 10)):
        first = notified_review(coordinator, notified_on=date(2026, 1, 5))
        second = notified_review(coordinator, notified_on=date(2026, 1, 10))
    with on(date(2026, 2, 20)):
        assert reviews_overdue_notify_task.delay().get() == 2
    (email,) = mailoutbox
    assert email.subject == "2 DHRs past a target"
    lines = email.body.splitlines()
    assert lines[0] == "These Domestic Homicide Reviews have passed a target:"
    assert [line.split(":")[0] for line in lines[2:]] == [f"- {first.reference}", f"- {second.reference}"]


def test_no_email_without_a_coordinator_but_each_target_is_still_noted_once(mailoutbox):
    """With no active coordinator nobody is emailed; the review is still counted once."""
    coordinator = dhr_coordinator()
    with on(date(2026, 1, 10)):
        notified_review(coordinator, notified_on=date(2026, 1, 10))
    coordinator.is_active = False
    coordinator.save()
    with on(date(2026, 2, 11)):
        assert reviews_overdue_notify() == 1
        assert reviews_overdue_notify() == 0
    assert mailoutbox == []


@override_settings(DASV_REVIEW_TERMINOLOGY="dardr")
def test_the_email_names_references_and_stages_only_in_the_terms_in_use(coordinator, mailoutbox):
    """The email gives the reference and stages, never the deceased's details, the notifying agency, the
    partnership or the notes; it uses the terminology setting."""
    police = AgencyFactory(name="Westshire Constabulary")
    area = AreaFactory(name="Eastborough", slug="eastborough")
    with on(date(2026, 4, 1)):
        review = notified_review(
            coordinator,
            notified_on=date(2026, 4, 1),
            date_of_death=date(2026, 3, 29),
            death_type=Review.DeathType.SUICIDE,
            deceased_gender="male",
            deceased_age_band=Review.AgeBand.AGE_65_74,
            relationship=Review.Relationship.PARENT,
            notified_by=police,
            area=area,
            notes="Found at the family home by a neighbour.",
        )
    with on(date(2026, 5, 2)):
        assert reviews_overdue_notify() == 1
    (email,) = mailoutbox
    assert review.reference.startswith("DARDR-2026-")
    assert email.subject == "1 DARDR past a target"
    assert "Domestic Abuse Related Death Reviews" in email.body
    assert review.reference in email.body
    text = f"{email.subject}\n{email.body}".lower()
    for detail in (
        "suicide",
        "male",
        "65",
        "parent",
        "2026-03-29",
        "westshire",
        "eastborough",
        "neighbour",
        "homicide",
    ):
        assert detail not in text, detail


def test_a_failed_email_marks_nothing_and_the_next_run_sends_it(coordinator, mailoutbox, monkeypatch):
    """If the email cannot be sent, no review is marked as told: the next run (or the retry) sends it."""
    with on(date(2026, 1, 10)):
        review = notified_review(coordinator, notified_on=date(2026, 1, 10))

    def broken(**kwargs):
        raise SMTPException("mail server down")

    with on(date(2026, 2, 11)):
        monkeypatch.setattr("dhr.services.send_mail", broken)
        with pytest.raises(SMTPException):
            reviews_overdue_notify()
        review.refresh_from_db()
        assert review.overdue_notified == ""
        monkeypatch.undo()
        assert reviews_overdue_notify() == 1
        assert reviews_overdue_notify() == 0
    assert len(mailoutbox) == 1
    review.refresh_from_db()
    assert review.overdue_notified == "decision:2026-02-10"
