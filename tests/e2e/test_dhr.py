"""Review tracking in a real browser: the DHR coordinator records a notification and the decision, moves the
review through its stages to the Home Office, which asks for revisions, and adds a recommendation with an
action that the owning agency then completes; with an axe check on every page visited, and the forms used
by keyboard."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Agency, Role
from dhr.models import QaSubmission, Review, ReviewAction
from tests.e2e.test_cases import _follow, _sign_in, _type_into
from tests.e2e.test_referrals import _choose, _fill_date, _sign_out
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.dhr import commissioned_review, notified_review

pytestmark = pytest.mark.e2e

TODAY = date(2026, 6, 1)
STAGES = ("Terms of reference", "IMRs and combined chronology", "Overview report and executive summary")


def _within(page, heading: str):
    """The part of the page under an h2 or h3: its form."""
    return page.locator("form").filter(has=page.get_by_role("button", name=heading))


def test_coordinator_takes_a_review_to_the_home_office_and_an_agency_completes_its_action(ui):
    """Notification -> decision -> stages -> local approval -> QA with revisions -> resubmission;
    a recommendation with an action that health completes."""
    with time_machine.travel(timezone.make_aware(datetime.combine(TODAY, time(9, 0))), tick=True) as clock:
        area = AreaFactory(name="Demo Wold", slug="demo-wold")
        police = AgencyFactory(name="Wold Police", kind=Agency.Kind.POLICE, areas=[area])
        health = AgencyFactory(name="Wold Health", kind=Agency.Kind.HEALTH, areas=[area])
        team = AgencyFactory(name="Wold Partnership", kind=Agency.Kind.COMMUNITY, is_marac_member=False)
        coordinator = UserFactory(agency=team, roles=[Role.DHR_COORDINATOR])
        nurse = UserFactory(agency=health, roles=[Role.AGENCY_REP])
        assert police

        # The notification.
        _sign_in(ui, coordinator)
        page = ui.page
        _follow(ui, page.get_by_role("link", name="DHRs").first)
        _follow(ui, page.get_by_role("link", name="Record a notification"))
        _choose(page, "Gender of the deceased", "Female")
        page.get_by_label("Age of the deceased").select_option(label="35 to 44")
        page.get_by_label("Relationship of the deceased to the perpetrator").select_option(label="Ex-partner")
        _choose(page, "Type of death", "Homicide")
        _fill_date(page, "Date of death", TODAY - timedelta(days=14))
        _fill_date(page, "Date notified", TODAY - timedelta(days=12))
        page.get_by_label("Notified by").select_option(label="Wold Police")
        page.get_by_label("Community Safety Partnership").select_option(label="Demo Wold")
        _follow(ui, page.get_by_role("button", name="Record the notification"))
        review = Review.objects.get()
        expect(page.get_by_role("heading", level=1)).to_have_text(review.reference)

        # The decision: commissioned.
        _follow(ui, page.get_by_role("link", name="Record the decision"))
        _choose(page, "What was decided?", "Review commissioned")
        _fill_date(page, "Date of the decision", TODAY - timedelta(days=5))
        _type_into(page, "Rationale", "The death meets the criteria of the statutory guidance.")
        _follow(ui, page.get_by_role("button", name="Record the decision"))
        review.refresh_from_db()
        assert (review.decision, review.stage.code) == (Review.Decision.COMMISSION, "panel_setup")

        # Through the stages to the overview report.
        for stage in STAGES:
            _follow(ui, page.get_by_role("link", name="Move to another stage"))
            _choose(page, "Which stage is the review at now?", stage)
            _fill_date(page, "Date it moved", TODAY)
            _follow(ui, page.get_by_role("button", name="Move the review"))
        review.refresh_from_db()
        assert review.stage.code == "overview_report"

        # Local approval, the Home Office asks for revisions, the report goes back.
        _follow(ui, page.get_by_role("link", name="Quality assurance and publication"))
        _fill_date(page, "Date approved locally", TODAY)
        _follow(ui, page.get_by_role("button", name="Record the local approval"))
        _fill_date(page, "Date submitted", TODAY)
        _follow(ui, page.get_by_role("button", name="Submit to the Home Office"))
        _choose(page, "What did the panel say?", "Revisions requested")
        _fill_date(page, "Date of the feedback", TODAY)
        feedback = _within(page, "Record the feedback")
        feedback.get_by_label(re.compile("^Notes")).focus()
        page.keyboard.type("Say more about the GP's contact with the victim.")
        _follow(ui, page.get_by_role("button", name="Record the feedback"))
        review.refresh_from_db()
        assert review.stage.code == "overview_report"
        assert review.qa_submissions.get().feedback == QaSubmission.Feedback.REVISIONS_REQUESTED
        _fill_date(page, "Date submitted", TODAY)
        _follow(ui, page.get_by_role("button", name="Submit to the Home Office"))
        review.refresh_from_db()
        assert (review.stage.code, review.qa_submissions.count()) == ("home_office_qa", 2)

        # A recommendation with an action for health.
        ui.goto(f"/dhr/reviews/{review.pk}/")
        _follow(ui, page.get_by_role("link", name="Add a recommendation"))
        _type_into(page, "Recommendation", "GP practices ask about domestic abuse at every contact.")
        page.get_by_role("group", name=re.compile("Learning themes")).get_by_label("Professional curiosity").check()
        _follow(ui, page.get_by_role("button", name="Add the recommendation"))
        _follow(ui, page.get_by_role("link", name=re.compile("Add an action")).first)
        page.get_by_label("Owning agency").select_option(label="Wold Health")
        _type_into(page, "Lead", "Named GP for safeguarding")
        _type_into(page, "Action", "Train every practice in routine enquiry.")
        _fill_date(page, "Target date", TODAY + timedelta(days=90))
        _follow(ui, page.get_by_role("button", name="Add the action"))
        action = ReviewAction.objects.get()
        _follow(ui, page.get_by_role("link", name="DHRs").first)
        _sign_out(ui)

        # A month later health records the training done, with its evidence.
        done_on = TODAY + timedelta(days=30)
        clock.move_to(timezone.make_aware(datetime.combine(done_on, time(10, 0))))
        _sign_in(ui, nurse)
        page = ui.page
        _follow(ui, page.get_by_role("link", name="My agency's DHR actions"))
        expect(page.get_by_text(review.reference).first).to_be_visible()
        _follow(ui, page.get_by_role("link", name="Train every practice in routine enquiry."))
        _fill_date(page, "Date it was done", done_on)
        _follow(ui, page.get_by_role("button", name="Mark as done"))
        _type_into(page, "Evidence", "Training records of all 14 practices.")
        _follow(ui, page.get_by_role("button", name="Save the evidence"))
        action.refresh_from_db()
        assert (action.status, action.completed_on) == (ReviewAction.Status.DONE, done_on)
        assert action.evidence.startswith("Training records")
        ui.goto(f"/dhr/reviews/{review.pk}/", status=404)


def test_coordinator_keeps_the_panel_and_imrs(ui):
    """The details and panel page and the IMR page: an agency joins the panel, its IMR is requested and
    received; the list's overdue filter shows a review past its decision target."""
    with time_machine.travel(timezone.make_aware(datetime.combine(TODAY, time(9, 0))), tick=True):
        team = AgencyFactory(name="Fen Partnership", kind=Agency.Kind.COMMUNITY, is_marac_member=False)
        AgencyFactory(name="Fen Housing", kind=Agency.Kind.HOUSING)
        coordinator = UserFactory(agency=team, roles=[Role.DHR_COORDINATOR])
        late = notified_review(coordinator, notified_on=TODAY - timedelta(days=40))
        review = commissioned_review(coordinator, notified_on=TODAY - timedelta(days=10))

        _sign_in(ui, coordinator)
        page = ui.goto("/dhr/reviews/")
        page.get_by_label("Overdue").select_option(label="Overdue")
        _follow(ui, page.get_by_role("button", name="Apply filters"))
        expect(page.get_by_role("link", name=late.reference)).to_be_visible()
        expect(page.get_by_role("link", name=review.reference)).to_have_count(0)

        page = ui.goto(f"/dhr/reviews/{review.pk}/")
        _follow(ui, page.get_by_role("link", name="Change the details and panel"))
        _type_into(page, "Independent chair (optional)", "An independent chair")
        _follow(ui, page.get_by_role("button", name="Save the details"))
        _within(page, "Add to the panel").get_by_label("Agency").select_option(label="Fen Housing")
        _follow(ui, page.get_by_role("button", name="Add to the panel"))
        assert review.memberships.get().agency.name == "Fen Housing"

        page = ui.goto(f"/dhr/reviews/{review.pk}/imrs/")
        _within(page, "Request the IMR").get_by_label("Agency").select_option(label="Fen Housing")
        _fill_date(page, "Date requested", TODAY)
        _fill_date(page, "Date due", TODAY + timedelta(days=28))
        _follow(ui, page.get_by_role("button", name="Request the IMR"))
        page.get_by_label("Whose IMR?").select_option(index=1)
        _fill_date(page, "Date received", TODAY)
        _follow(ui, page.get_by_role("button", name="Record it received"))
        assert review.imrs.get().received_on == TODAY
