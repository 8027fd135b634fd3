"""The full demo's perpetrator panel, on the demo seeded once for tests/demo (conftest.py)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from agencies.demo import demo_email
from agencies.models import User
from perpetrator_panel import demo
from perpetrator_panel.models import (
    PanelAction,
    PanelAttendance,
    PanelCase,
    PanelMeeting,
    PlanItem,
)
from perpetrator_panel.selectors import candidate_list, panel_figures
from tests.perpetrator_panel.test_demo import _counts


@pytest.mark.django_db
def test_full_seed_holds_a_meeting_each_month_since_april_2024(full_seed):
    """One meeting a month on its first Thursday since April 2024, held with attendance and reviews; the
    next one is scheduled."""
    today = timezone.localdate()
    meetings = list(PanelMeeting.objects.annotate(reviews_count=Count("reviews"), attended=Count("attendance")))
    assert [meeting.held_on for meeting in sorted(meetings, key=lambda m: m.held_on)] == demo.meeting_days(
        start=demo.REVIEW_FROM, today=today
    )
    for meeting in meetings:
        if meeting.held_on <= today:
            assert meeting.status == PanelMeeting.Status.HELD
            assert meeting.reviews_count >= 1
            assert meeting.attended >= 5
            assert PanelAttendance.objects.filter(meeting=meeting, agency__slug="police", attended=True).exists()
        else:
            assert meeting.status == PanelMeeting.Status.SCHEDULED
            assert meeting.reviews_count == 0
    assert "Demo perpetrator panel:" in full_seed


@pytest.mark.django_db
def test_full_seed_opens_about_70_panel_cases_each_with_a_plan_and_actions(full_seed):
    """About seventy panel cases, opened at meetings, each with two to five tactical options owned by an agency
    of the option's usual kind and one to four actions agreed at meetings."""
    meeting_days = set(PanelMeeting.objects.values_list("held_on", flat=True))
    panel_cases = PanelCase.objects.annotate(
        items=Count("plan_items", distinct=True), acts=Count("actions", distinct=True)
    )
    assert 60 <= panel_cases.count() <= 80
    for panel_case in panel_cases:
        assert panel_case.opened_on in meeting_days
        assert 2 <= panel_case.items <= 5
        assert 1 <= panel_case.acts <= 4
        assert panel_case.cases.exists()
        assert panel_case.reasons
    for item in PlanItem.objects.select_related("option", "owning_agency"):
        assert item.owning_agency.kind == (item.option.usual_agency_kind or "police")
    assert PlanItem.objects.values("option__category").distinct().count() == 5
    assert PanelAction.objects.values("assigned_agency").distinct().count() >= 5
    reasons = [code for codes in PanelCase.objects.values_list("reasons", flat=True) for code in codes]
    assert {PanelCase.Reason.SERIAL, PanelCase.Reason.HIGH_RFGV, PanelCase.Reason.AGENCY_REFERRAL} <= set(reasons)


@pytest.mark.django_db
def test_full_seed_actions_are_mostly_done_by_their_agency_in_the_past(full_seed):
    """Actions are agreed at a meeting, due two to eight weeks on; most are done or not done on a day between
    agreeing and today, recorded by the agency; some record his compliance; a few are still open."""
    today = timezone.localdate()
    actions = list(PanelAction.objects.select_related("meeting"))
    for action in actions:
        assert action.meeting is not None
        assert action.agreed_on == action.meeting.held_on
        assert timedelta(weeks=2) <= action.due_on - action.agreed_on <= timedelta(weeks=8)
        assert action.created_at.date() <= action.agreed_on + timedelta(days=1)
        if action.status != PanelAction.Status.OPEN:
            assert action.agreed_on <= action.completed_on <= today
            assert action.updates[-1]["on"] == action.completed_on.isoformat()
    closed = [action for action in actions if action.status != PanelAction.Status.OPEN]
    assert len(closed) >= 0.7 * len(actions)
    assert any(action.status == PanelAction.Status.NOT_DONE for action in actions)
    assert any(action.status == PanelAction.Status.OPEN and action.due_on < today for action in actions)
    assert sum(bool(action.compliance) for action in actions) >= 10


@pytest.mark.django_db
def test_full_seed_has_a_status_history_with_exits_and_a_few_returns(full_seed):
    """The nightly job ran month by month: cases went inactive three months after their latest incident with
    an exit score, a few came back on a new incident, and the latest change is the case's status."""
    inactive = PanelCase.objects.filter(status=PanelCase.Status.INACTIVE)
    assert inactive.count() >= 10
    assert PanelCase.objects.filter(status=PanelCase.Status.ACTIVE).count() >= 3
    for panel_case in PanelCase.objects.prefetch_related("status_changes"):
        changes = list(panel_case.status_changes.all())
        assert changes[0].status == PanelCase.Status.ACTIVE
        assert changes[0].on == panel_case.opened_on
        assert changes[-1].status == panel_case.status
        assert changes[-1].on == panel_case.status_changed_on
        assert [change.on for change in changes] == sorted(change.on for change in changes)
        if panel_case.status == PanelCase.Status.INACTIVE:
            assert panel_case.exit_score is not None
            assert panel_case.exited_on == panel_case.status_changed_on
    returned = PanelCase.objects.annotate(
        returns=Count("status_changes", filter=Q(status_changes__status=PanelCase.Status.ACTIVE))
    ).filter(returns__gte=2)
    assert 1 <= returned.count() <= PanelCase.objects.count() // 2
    assert PlanItem.objects.filter(panel_case__in=inactive).exclude(status=PlanItem.Status.ENDED).count() == 0


@pytest.mark.django_db
def test_full_seed_flags_are_near_the_seed_report(full_seed):
    """Flags as in the seed report: no fixed abode 5, violence against a parent 6, stalking about 55% and
    strangulation about 47%; all but one perpetrator male."""
    panel_cases = PanelCase.objects.all()
    total = panel_cases.count()
    assert panel_cases.filter(no_fixed_abode=True).count() == 5
    assert panel_cases.filter(violence_against_parent=True).count() == 6
    assert 0.45 <= panel_cases.filter(stalking=True).count() / total <= 0.65
    assert 0.37 <= panel_cases.filter(strangulation=True).count() / total <= 0.57
    assert panel_cases.exclude(perpetrator__gender="male").count() <= 1


@pytest.mark.django_db
def test_full_seed_leaves_agency_referrals_waiting_on_the_candidate_list(full_seed):
    """Two or three referrals to the panel no case answers yet, by the police (one from probation): the
    candidate list shows them as referred; a few panel cases answer earlier referrals."""
    panel = User.objects.get(email=demo_email("panel"))
    referred = candidate_list(actor=panel, referred_only=True)
    assert 2 <= len(referred) <= 3
    referrals = [referral for candidate in referred for referral in candidate.referrals]
    assert {referral.referring_agency.slug for referral in referrals} == {"police", "probation"}
    assert all(referral.received_on <= timezone.localdate() for referral in referrals)
    assert PanelCase.objects.filter(referrals__isnull=False).exists()


@pytest.mark.django_db
def test_full_seed_figures_for_the_last_year_are_plausible(full_seed):
    """The annual report's panel figures for the last twelve months: cases with actions, percentages in range."""
    today = timezone.localdate()
    figures = panel_figures(start=today - timedelta(days=365), end=today)
    assert 15 <= figures["cases_with_actions"] <= 60
    for name in ("male_pct", "stalking_pct", "strangulation_pct"):
        assert figures[name] is not None
        assert 0 < figures[name] <= 100
    assert figures["male_pct"] >= 90
    assert 0 <= figures["no_fixed_abode"] <= 5
    assert 0 <= figures["violence_against_parent"] <= 6


@pytest.mark.django_db
def test_full_seed_twice_creates_nothing(full_seed):
    """A second run on the same day finds every meeting and creates no panel row or referral."""
    before = _counts()
    out = StringIO()
    demo.seed(minimal=False, stdout=out)
    assert _counts() == before
    assert "none new" in out.getvalue()
