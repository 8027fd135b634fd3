"""The demo reviews: about a dozen deaths notified over three years, taken through the services to varied
stages, some overdue, two published with action plans; the seed report's year of seven deaths meeting the
criteria; idempotent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.db import connection
from django.utils import timezone

from agencies import demo as agencies_demo
from agencies.demo import demo_email
from agencies.models import User
from dhr import demo as dhr_demo
from dhr.models import ImrRequest, PanelMembership, QaSubmission, Recommendation, Review, ReviewAction, StageEvent
from dhr.selectors import dhr_figures, review_list_with_progress
from tests.conftest import rolled_back

COUNTED = (Review, StageEvent, PanelMembership, ImrRequest, QaSubmission, Recommendation, ReviewAction)


def _seed_reviews(*, minimal: bool = False) -> str:
    out = StringIO()
    dhr_demo.seed(minimal=minimal, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def _coordinator() -> User:
    return User.objects.get(email=demo_email("dhr"))


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo partnership and its reviews, seeded once for this module and rolled back when it ends."""
    with rolled_back(django_db_blocker):
        agencies_demo.seed(minimal=False, stdout=StringIO())
        out = _seed_reviews()
        connection.check_constraints()
        yield out


@pytest.mark.django_db
def test_minimal_seed_makes_no_review():
    """--minimal leaves the reviews out."""
    agencies_demo.seed(minimal=True, stdout=StringIO())
    _seed_reviews(minimal=True)
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_about_a_dozen_reviews_at_varied_stages(seeded):
    """Thirteen reviews notified over the last three years, at eight or more stages, with every kind of
    decision, homicides and suicides, women and men; notified by demo agencies to Demo County's partnerships."""
    today = timezone.localdate()
    reviews = Review.objects.select_related("stage", "notified_by", "community_safety_partnership")
    assert 10 <= reviews.count() <= 15
    assert "Demo reviews: 13 new" in seeded
    assert len({review.stage.code for review in reviews}) >= 8
    decisions = Counter(review.decision for review in reviews)
    assert decisions[Review.Decision.PENDING] == 2
    assert decisions[Review.Decision.NOT_COMMISSIONED] == 1
    assert decisions[Review.Decision.CHILD_DEATH_REVIEW] == 1
    assert decisions[Review.Decision.COMMISSION] >= 8
    assert {review.death_type for review in reviews} >= {"homicide", "suicide"}
    assert {review.deceased_gender for review in reviews} == {"female", "male"}
    for review in reviews:
        assert today - timedelta(days=3 * 366) <= review.notified_on <= today
        assert review.date_of_death <= review.notified_on
        assert review.notified_by.slug in {"police", "health"}
        assert review.community_safety_partnership.slug in {"demo-county", "demo-north", "demo-south"}
        assert review.reference.startswith("DHR-")


@pytest.mark.django_db
def test_each_timeline_is_in_date_order_and_not_in_the_future(seeded):
    """Every review's timeline runs in date order to its current stage, with nothing after today."""
    today = timezone.localdate()
    for review in Review.objects.prefetch_related("stage_events"):
        events = list(review.stage_events.all())
        days = [event.entered_on for event in events]
        assert days == sorted(days), review.reference
        assert days[0] == review.notified_on
        assert days[-1] <= today
        assert events[-1].stage_id == review.stage_id
        assert events[-1].entered_on == review.stage_entered_on
    assert not QaSubmission.objects.filter(submitted_on__gt=today).exists()
    assert not ImrRequest.objects.filter(received_on__gt=today).exists()
    assert not ReviewAction.objects.filter(completed_on__gt=today).exists()
    assert not ReviewAction.objects.filter(signed_off_on__gt=today).exists()


@pytest.mark.django_db
def test_some_reviews_are_overdue(seeded):
    """The tracker shows a decision past its one-month target and reviews past the six-month completion
    target; most are on time."""
    coordinator = _coordinator()
    overdue = review_list_with_progress(actor=coordinator, overdue=True)
    on_time = review_list_with_progress(actor=coordinator, overdue=False)

    stages = {progress.overdue[0].stage_code for _, progress in overdue}
    assert stages == {"decision", "local_approval"}
    assert 2 <= len(overdue) <= 5
    assert len(on_time) > len(overdue)


@pytest.mark.django_db
def test_reviews_under_way_have_panels_imrs_and_a_qa_revision(seeded):
    """Commissioned reviews have a chair, an author and a panel of demo agencies; IMRs are requested, some
    received and some not; one review is back at the Home Office after a revisions request."""
    commissioned = Review.objects.filter(decision=Review.Decision.COMMISSION)
    for review in commissioned:
        assert review.independent_chair
        assert review.author
        assert review.memberships.count() >= 3
    assert ImrRequest.objects.filter(received_on__isnull=False).exists()
    assert ImrRequest.objects.filter(received_on__isnull=True).exists()
    at_qa = Review.objects.get(stage__code="home_office_qa")
    feedback = list(at_qa.qa_submissions.order_by("submitted_on").values_list("feedback", flat=True))
    assert feedback == [QaSubmission.Feedback.REVISIONS_REQUESTED, QaSubmission.Feedback.AWAITING]


@pytest.mark.django_db
def test_published_reviews_have_action_plans_in_every_state(seeded):
    """Two reviews published with their action plans under way, one closed: recommendations with learning
    themes, and actions done and signed off, done awaiting sign-off, not done, open, and open past due."""
    today = timezone.localdate()
    published = Review.objects.filter(published_on__isnull=False)
    assert published.count() == 3
    assert published.filter(stage__code="action_plan").count() == 2
    assert published.filter(stage__code="closed").count() == 1
    for review in published:
        assert review.publication_url.startswith("https://")
        assert review.recommendations.exists()
    assert not Recommendation.objects.filter(themes__isnull=True).exists()
    actions = ReviewAction.objects.all()
    assert actions.filter(status="done", signed_off_on__isnull=False).exclude(evidence="").exists()
    assert actions.filter(status="done", signed_off_on__isnull=True).exclude(evidence="").exists()
    assert actions.filter(status="not_done").exists()
    assert actions.filter(status="open", due_on__lt=today).count() >= 2
    assert actions.filter(status="open", due_on__gte=today).exists()
    assert not actions.filter(signed_off_on__isnull=False, evidence="").exists()
    for action in actions.exclude(completed_on=None):
        assert action.completed_on >= timezone.localdate(action.created_at)
    closed = published.get(stage__code="closed")
    assert not ReviewAction.objects.filter(recommendation__review=closed, signed_off_on__isnull=True).exists()


@pytest.mark.django_db
def test_the_year_s_figures_are_the_seed_report_s(seeded):
    """In the twelve months to today: seven deaths meeting the criteria, four homicides and three suicides,
    five women and two men, one reviewed as a child death; reviews open by stage; actions by theme."""
    today = timezone.localdate()
    figures = dhr_figures(start=today - timedelta(days=364), end=today)

    assert figures["deaths_meeting_criteria"] == 7
    assert (figures["homicides"], figures["suicides"]) == (4, 3)
    assert (figures["female"], figures["male"]) == (5, 2)
    assert figures["reviewed_as_child_death"] == 1
    assert figures["reviews_open"] == 8
    assert sum(figures["reviews_by_stage"].values()) == 8
    assert figures["recommendations"] == Recommendation.objects.count() >= 6
    assert figures["actions"]["complete"] > 0
    assert figures["actions"]["overdue"] >= 2
    assert figures["actions"]["total"] == ReviewAction.objects.count()
    assert "Coercive control" in figures["by_theme"]


@pytest.mark.django_db
def test_a_second_run_creates_nothing(seeded):
    """Seeding again finds every demo review and writes no row."""
    before = _counts()
    out = _seed_reviews()
    assert _counts() == before
    assert "none new" in out
