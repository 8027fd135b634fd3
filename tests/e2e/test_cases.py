"""An IDVA's journey in a real browser: open a case, record two DASH assessments, read the results and
the case page, find the case; with an axe check on every page visited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from agencies.models import Role, User
from cases.models import Case
from tests.conftest import confirmed_device, totp_code
from tests.factories.agencies import TEST_PASSWORD
from tests.factories.cases import PersonFactory, case_worker, idva_service, make_case

pytestmark = pytest.mark.e2e


def _sign_in(ui, user: User) -> None:
    """Sign in by keyboard: email and password, then the code from the authenticator app."""
    device = confirmed_device(user)
    page = ui.goto("/sign-in/")
    page.get_by_label("Email address").focus()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ui.check()
    page.get_by_label("Security code").focus()
    page.keyboard.type(totp_code(device))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ui.check()


def _follow(ui, locator) -> None:
    """Activate a link or button by keyboard and check the page it leads to."""
    with ui.page.expect_navigation():
        locator.press("Enter")
    ui.check()


def _type_into(page, label: str, text: str) -> None:
    page.get_by_label(label, exact=True).focus()
    page.keyboard.type(text)


def _record_dash(ui, case: Case, *, score: int) -> None:
    """From the case page, answer the 24 questions with `score` yes answers and submit."""
    page = ui.page
    _follow(ui, page.get_by_role("button", name="Record a DASH risk assessment"))
    expect(page.get_by_role("heading", name="DASH risk assessment")).to_be_visible()
    for number in range(1, 25):
        question = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        question.get_by_label("Yes" if number <= score else "No", exact=True).check()
    _type_into(page, "The victim's own view of the risk (optional)", "Frightened for her children.")
    _follow(ui, page.get_by_role("button", name="Submit assessment"))


def test_idva_opens_a_case_and_records_dash_assessments(ui, partnership_rule):
    """An IDVA opens a case, records DASH scores of 15 (IDVA service) and 17 (MARAC), and reads the results."""
    user = case_worker(agency=idva_service(), role=Role.IDVA)
    _sign_in(ui, user)
    page = ui.page

    # Open a case: search for the perpetrator first (no one is known), then enter the details.
    _follow(ui, page.get_by_role("link", name="New case"))
    _type_into(page, "Perpetrator's name", "Tregarthen")
    _follow(ui, page.get_by_role("button", name="Search for the perpetrator"))
    expect(page.get_by_text("No one in your agency's cases matches")).to_be_visible()

    # A first attempt with nothing filled in: the error summary names the fields.
    _follow(ui, page.get_by_role("button", name="Open case"))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name="Enter the victim's given name")).to_be_visible()
    expect(summary.get_by_role("link", name="Select how the perpetrator is related to the victim")).to_be_visible()

    _type_into(page, "Victim's given name", "Carys")
    page.keyboard.press("Tab")
    page.keyboard.type("Bevan")
    page.get_by_role("group", name="Victim's date of birth").get_by_label("Day").focus()
    for part in ("14", "6", "1991"):
        page.keyboard.type(part)
        page.keyboard.press("Tab")
    page.get_by_role("group", name="Victim's gender").get_by_label("Female").check()
    _type_into(page, "Perpetrator's given name", "Rhodri")
    page.keyboard.press("Tab")
    page.keyboard.type("Tregarthen")
    page.get_by_role("group", name="How is the perpetrator related to the victim?").get_by_label("Ex-partner").check()
    _type_into(page, "Ages of the children in the household (optional)", "4, 7")
    page.get_by_label("Stalking or harassment").check()
    _follow(ui, page.get_by_role("button", name="Open case"))

    case = Case.objects.get()
    expect(page.get_by_text(f"Case {case.reference} opened for Carys Bevan.")).to_be_visible()
    expect(page.get_by_role("heading", name="Carys Bevan", level=1)).to_be_visible()
    expect(page.get_by_role("cell", name="Rhodri Tregarthen")).to_be_visible()
    expect(page.get_by_role("heading", name="Safe contact")).to_be_visible()

    # A DASH scoring 15 goes to the IDVA service under the partnership's rule.
    _record_dash(ui, case, score=15)
    expect(page.get_by_text("Routed to IDVA service")).to_be_visible()
    expect(page.get_by_text("No MARAC referral criterion was met.")).to_be_visible()
    _follow(ui, page.get_by_role("link", name="Back to the case"))

    # A second DASH: first submitted unanswered, then with 17 yes answers (MARAC), and professional
    # judgement's reason revealed by its checkbox.
    _follow(ui, page.get_by_role("button", name="Record a DASH risk assessment"))
    _follow(ui, page.get_by_role("button", name="Submit assessment"))
    expect(
        page.get_by_role("alert").get_by_role("link", name="Select yes, no or not known for question 24")
    ).to_be_visible()
    reason = page.get_by_label("Why the risk is high in your professional judgement")
    expect(reason).to_be_hidden()
    page.get_by_label("Refer to MARAC on professional judgement").check()
    expect(reason).to_be_visible()
    page.get_by_label("Refer to MARAC on professional judgement").uncheck()
    for number in range(1, 25):
        question = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        question.get_by_label("Yes" if number <= 17 else "No", exact=True).check()
    _follow(ui, page.get_by_role("button", name="Submit assessment"))
    expect(page.get_by_text("Routed to MARAC")).to_be_visible()
    expect(page.get_by_text("Score 17 is at or above the MARAC threshold of 17.")).to_be_visible()
    expect(page.get_by_role("cell", name="MARAC", exact=True)).to_be_visible()

    # The case page: the risk history as a chart and a table, and the three referrals.
    page = ui.goto(f"/cases/{case.pk}/")
    expect(page.get_by_role("img", name=re.compile("DASH score over time"))).to_be_visible()
    history = page.get_by_role("table", name="Risk assessments, newest first")
    expect(history.get_by_role("row")).to_have_count(3)
    expect(history.get_by_role("cell", name="MARAC", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name="Referrals, newest first").get_by_role("row")).to_have_count(4)

    # Safe contact details, then another agency's grade form.
    _follow(ui, page.get_by_role("link", name="Record safe contact details"))
    _type_into(page, "Safe phone number (optional)", "07700 900123")
    _follow(ui, page.get_by_role("button", name="Save safe contact details"))
    expect(page.get_by_text("07700 900123")).to_be_visible()
    _follow(ui, page.get_by_role("link", name="Record another agency's grade"))
    expect(page.get_by_role("heading", name="Record another agency's grade")).to_be_visible()

    # Find the case by its reference.
    _follow(ui, page.get_by_role("link", name="Find a case"))
    _type_into(page, "Case reference (optional)", case.reference)
    _follow(ui, page.get_by_role("button", name="Search"))
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()


def test_a_known_perpetrator_is_chosen_and_results_are_paged(ui):
    """An IDVA links a perpetrator known from another case, and pages through many search results."""
    user = case_worker(agency=idva_service(), role=Role.IDVA)
    known = PersonFactory(given_name="Idris", family_name="Wolstenholme", gender="male")
    for _ in range(26):
        make_case(user, victim=PersonFactory(family_name="Pagington"), perpetrators=[known])
    _sign_in(ui, user)

    page = ui.goto("/cases/?name=Pagington")
    expect(page.get_by_role("heading", name="26 cases found")).to_be_visible()
    _follow(ui, page.get_by_role("navigation", name="Pagination").get_by_role("link", name="Next page"))
    expect(page.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")

    page = ui.goto("/cases/new/?perpetrator_search=Wolstenholme")
    page.get_by_role("group", name="Who is the perpetrator?").get_by_label(re.compile("Idris Wolstenholme")).check()
    _type_into(page, "Victim's given name", "Nia")
    _type_into(page, "Victim's family name", "Pagington")
    page.get_by_role("group", name="Victim's gender").get_by_label("Not known").check()
    page.get_by_role("group", name="How is the perpetrator related to the victim?").get_by_label(
        "Partner", exact=True
    ).check()
    _follow(ui, page.get_by_role("button", name="Open case"))
    expect(page.get_by_role("cell", name="Idris Wolstenholme")).to_be_visible()
    assert known.case_parties.count() == 27

    # A second perpetrator, added from the case page.
    _follow(ui, page.get_by_role("link", name="Add a perpetrator"))
    expect(page.get_by_role("heading", name="Add a perpetrator")).to_be_visible()
    _type_into(page, "Perpetrator's given name", "Brynmor")
    _type_into(page, "Perpetrator's family name", "Pagington")
    page.get_by_role("group", name="How is the perpetrator related to the victim?").get_by_label(
        "Family member", exact=True
    ).check()
    _follow(ui, page.get_by_role("button", name="Add perpetrator"))
    expect(page.get_by_role("cell", name="Brynmor Pagington")).to_be_visible()
