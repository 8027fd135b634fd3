"""The perpetrator panel's meeting pages: the list, arranging a meeting, and the meeting page with its
attendance, case reviews and actions; and the panel's links in the menu and on the home page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from agencies.models import Agency, Role, User
from audit.models import AccessLog
from perpetrator_panel.models import CaseReview, PanelAction, PanelAttendance, PanelCase, PanelMeeting
from perpetrator_panel.services import case_review_record, panel_action_create, panel_meeting_create
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import case_worker
from tests.factories.panel import open_panel_case, panel_member, police_agency

pytestmark = pytest.mark.django_db

LIST = reverse("panel-meeting-list")
ADD = reverse("panel-meeting-add")


@dataclass
class Panel:
    """A panel member, a police officer (sees the panel, is no member), a housing officer (does not see it),
    an active panel case and a meeting held a week ago."""

    member: User
    officer: User
    housing: Agency
    housing_officer: User
    panel_case: PanelCase
    meeting: PanelMeeting


@pytest.fixture
def panel() -> Panel:
    today = timezone.localdate()
    member = panel_member()
    officer = case_worker(police_agency())
    housing = AgencyFactory(kind=Agency.Kind.HOUSING, name="Northshire Homes")
    panel_case = open_panel_case(member, opened_on=today - timedelta(days=30))
    meeting = panel_meeting_create(actor=member, held_on=today - timedelta(days=7), chair="DI Price")
    return Panel(member, officer, housing, case_worker(housing), panel_case, meeting)


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _detail(meeting: PanelMeeting) -> str:
    return reverse("panel-meeting-detail", kwargs={"pk": meeting.pk})


def _date(field: str, day: date) -> dict[str, str]:
    return {f"{field}_day": str(day.day), f"{field}_month": str(day.month), f"{field}_year": str(day.year)}


# --- The list ----------------------------------------------------------------------------------------


def test_member_sees_meetings_newest_first_with_counts(panel):
    """Newest first, with the cases reviewed and actions agreed, the button to arrange one, and a log row."""
    today = timezone.localdate()
    older = panel_meeting_create(actor=panel.member, held_on=today - timedelta(days=40), chair="Ms Older")
    case_review_record(actor=panel.member, meeting=panel.meeting, panel_case=panel.panel_case, intelligence="New.")
    panel_action_create(
        actor=panel.member,
        meeting=panel.meeting,
        panel_case=panel.panel_case,
        assigned_agency=panel.housing,
        description="Check the tenancy.",
        due_on=today,
    )

    content = _client(panel.member).get(LIST).content.decode()

    assert content.index(_detail(panel.meeting)) < content.index(_detail(older))
    assert "DI Price" in content
    assert ADD in content
    row = content.split(_detail(panel.meeting))[1].split("</tr>")[0]
    assert row.count('govuk-table__cell--numeric">1<') == 2
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="perpetrator_panel.panelmeeting").exists()


@pytest.mark.parametrize(("who", "status_code"), [("officer", 200), ("housing_officer", 403), ("analyst", 403)])
def test_who_may_see_the_meeting_list(panel, who, status_code):
    """The police see the list (without the button to arrange one); other agencies and analysts get 403."""
    users = {
        "officer": lambda: panel.officer,
        "housing_officer": lambda: panel.housing_officer,
        "analyst": lambda: UserFactory(agency=police_agency(), roles=[Role.ANALYST]),
    }
    response = _client(users[who]()).get(LIST)
    assert response.status_code == status_code
    if status_code == 200:
        assert ADD not in response.content.decode()


def test_meeting_list_query_count_is_constant(panel, django_assert_num_queries):
    """One meeting or several: the same number of queries."""
    client = _client(panel.member)
    client.get(LIST)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    today = timezone.localdate()
    for days in range(8, 14):
        meeting = panel_meeting_create(actor=panel.member, held_on=today - timedelta(days=days))
        case_review_record(actor=panel.member, meeting=meeting, panel_case=panel.panel_case, intelligence="Noted.")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(LIST)
    assert response.content.decode().count("panel/meetings/") >= 7


@pytest.mark.parametrize("url", [LIST, ADD, "detail"])
def test_anonymous_users_are_sent_to_sign_in(panel, client, url):
    """Every meeting page asks an anonymous visitor to sign in."""
    response = client.get(_detail(panel.meeting) if url == "detail" else url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Arranging a meeting ---------------------------------------------------------------------------------


def test_member_arranges_a_meeting(panel):
    """The meeting is created with its day, chair and notes, and the member is taken to its page."""
    day = timezone.localdate() + timedelta(days=14)
    client = _client(panel.member)
    assert client.get(ADD).status_code == 200

    response = client.post(ADD, {**_date("held_on", day), "chair": "DI Price and Ms Shah", "notes": "Room 4."})

    meeting = PanelMeeting.objects.get(held_on=day)
    assert response.status_code == 302
    assert response["Location"] == _detail(meeting)
    assert (meeting.chair, meeting.notes, meeting.created_by) == ("DI Price and Ms Shah", "Room 4.", panel.member)


def test_a_meeting_without_a_date_is_refused(panel):
    """No date: the field's error, and no meeting written."""
    response = _client(panel.member).post(ADD, {"chair": "DI Price"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "Enter the date of the meeting" in content
    assert PanelMeeting.objects.count() == 1


def test_only_a_member_arranges_a_meeting(panel):
    """A police officer who is no panel member gets 403, and nothing is written."""
    client = _client(panel.officer)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, _date("held_on", timezone.localdate())).status_code == 403
    assert PanelMeeting.objects.count() == 1


# --- The meeting page --------------------------------------------------------------------------------------


def test_member_sees_the_meeting_with_its_forms(panel):
    """The meeting, its forms (attendance per agency, a review, an action) and a log row."""
    content = _client(panel.member).get(_detail(panel.meeting)).content.decode()

    assert "DI Price" in content
    assert "Record attendance" in content
    assert (
        f'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">\n      {escape(panel.housing.name)}'
        in content
    )
    assert f'value="{panel.panel_case.pk}"' in content
    assert 'name="form" value="review"' in content
    assert 'name="form" value="action"' in content
    assert "aria-expanded" not in content
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, object_type="perpetrator_panel.panelmeeting", object_id=str(panel.meeting.pk)
    ).exists()


def test_police_see_the_meeting_but_may_not_record_it(panel):
    """A police officer sees the meeting without forms; a post is refused (403) and writes nothing."""
    client = _client(panel.officer)
    response = client.get(_detail(panel.meeting))
    assert response.status_code == 200
    assert 'name="form"' not in response.content.decode()

    refused = client.post(
        _detail(panel.meeting),
        {"form": "review", "review-panel_case": panel.panel_case.pk, "review-intelligence": "Tried."},
    )

    assert refused.status_code == 403
    assert not CaseReview.objects.exists()


@pytest.mark.parametrize("who", ["housing_officer", "analyst"])
def test_other_agencies_cannot_see_a_meeting(panel, who):
    """An agency outside the panel, or an analyst, gets 404 for the meeting, reading or writing."""
    user = panel.housing_officer if who == "housing_officer" else UserFactory(roles=[Role.ANALYST])
    client = _client(user)
    assert client.get(_detail(panel.meeting)).status_code == 404
    assert client.post(_detail(panel.meeting), {"form": "review"}).status_code == 404


def test_member_records_attendance(panel):
    """Attended with a representative, apologies, and not recorded (left out)."""
    police = police_agency()
    probation = panel.member.agency
    data = {
        "form": "attendance",
        f"attendance-status_{police.pk}": "attended",
        f"attendance-representative_{police.pk}": "DI Price",
        f"attendance-status_{panel.housing.pk}": "apologies",
        f"attendance-representative_{panel.housing.pk}": "Typed by mistake",
        f"attendance-status_{probation.pk}": "not_recorded",
    }
    for agency in Agency.objects.exclude(pk__in=[police.pk, panel.housing.pk, probation.pk]):
        data[f"attendance-status_{agency.pk}"] = "not_recorded"
    client = _client(panel.member)

    response = client.post(_detail(panel.meeting), data)

    assert response.status_code == 302
    records = {record.agency_id: record for record in PanelAttendance.objects.all()}
    assert set(records) == {police.pk, panel.housing.pk}
    assert (records[police.pk].attended, records[police.pk].representative) == (True, "DI Price")
    assert (records[panel.housing.pk].attended, records[panel.housing.pk].representative) == (False, "")
    content = client.get(_detail(panel.meeting)).content.decode()
    assert "Sent apologies" in content
    assert "DI Price" in content


def test_attended_without_a_representative_writes_nothing(panel):
    """One agency attended with no representative: its field's error, and no agency's attendance written."""
    police = police_agency()
    data = {"form": "attendance"}
    for agency in Agency.objects.all():
        data[f"attendance-status_{agency.pk}"] = "apologies"
    data[f"attendance-status_{police.pk}"] = "attended"

    response = _client(panel.member).post(_detail(panel.meeting), data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert f"Say who represented {escape(police.name)}" in content
    assert f'href="#id_attendance-representative_{police.pk}"' in content
    assert not PanelAttendance.objects.exists()


def test_attendance_cannot_be_recorded_before_the_meeting(panel):
    """A meeting still to come: the service refuses, its message is shown and nothing is written."""
    coming = panel_meeting_create(actor=panel.member, held_on=timezone.localdate() + timedelta(days=3))
    data = {"form": "attendance"}
    for agency in Agency.objects.all():
        data[f"attendance-status_{agency.pk}"] = "apologies"

    response = _client(panel.member).post(_detail(coming), data)

    assert response.status_code == 200
    assert "The meeting has not happened yet." in response.content.decode()
    assert not PanelAttendance.objects.exists()


def test_member_records_a_case_review(panel):
    """The review is kept, the meeting is held, and the page lists the case with its notes."""
    client = _client(panel.member)
    response = client.post(
        _detail(panel.meeting),
        {
            "form": "review",
            "review-panel_case": panel.panel_case.pk,
            "review-investigations": "Charged with assault.",
            "review-intelligence": "Seen near the victim's address.",
            "review-risk_to_victims": "High; two children at home.",
        },
    )

    assert response.status_code == 302
    review = CaseReview.objects.get()
    assert (review.meeting, review.panel_case, review.investigations) == (
        panel.meeting,
        panel.panel_case,
        "Charged with assault.",
    )
    panel.meeting.refresh_from_db()
    assert panel.meeting.status == PanelMeeting.Status.HELD
    content = client.get(_detail(panel.meeting)).content.decode()
    assert reverse("panel-case-detail", kwargs={"pk": panel.panel_case.pk}) in content
    assert escape(panel.panel_case.perpetrator.full_name) in content
    assert "High; two children at home." in content


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"review-intelligence": "Something."}, "Select the panel case"),
        ({"review-panel_case": "999999", "review-intelligence": "Something."}, "Select one of the active panel cases"),
        ({"review-panel_case": "case"}, "Record what the panel noted on the case."),
    ],
)
def test_a_review_without_what_it_needs_is_refused(panel, answers, message):
    """No case, an unknown case, or no notes: the error is shown and nothing is written."""
    if answers.get("review-panel_case") == "case":
        answers = {"review-panel_case": str(panel.panel_case.pk)}
    response = _client(panel.member).post(_detail(panel.meeting), {"form": "review", **answers})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CaseReview.objects.exists()
    panel.meeting.refresh_from_db()
    assert panel.meeting.status == PanelMeeting.Status.SCHEDULED


def test_member_agrees_an_action_at_the_meeting(panel):
    """The action is agreed at the meeting (on its day), assigned to the agency, and listed on the page."""
    due = timezone.localdate() + timedelta(days=14)
    client = _client(panel.member)
    response = client.post(
        _detail(panel.meeting),
        {
            "form": "action",
            "action-panel_case": panel.panel_case.pk,
            "action-assigned_agency": panel.housing.pk,
            "action-description": "Serve notice of tenancy breach.",
            **_date("action-due_on", due),
        },
    )

    assert response.status_code == 302
    action = PanelAction.objects.get()
    assert (action.meeting, action.assigned_agency, action.due_on, action.agreed_on) == (
        panel.meeting,
        panel.housing,
        due,
        panel.meeting.held_on,
    )
    content = client.get(_detail(panel.meeting)).content.decode()
    assert "Serve notice of tenancy breach." in content
    assert reverse("panel-action-update", kwargs={"pk": action.pk}) in content


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"action-description": ""}, "Say what the agency will do"),
        ({"due_before_meeting": True}, "The action cannot be due before it was agreed."),
        ({"action-assigned_agency": ""}, "Select the agency"),
    ],
)
def test_an_action_without_what_it_needs_is_refused(panel, answers, message):
    """No description, a due date before the meeting, or no agency: the field's error; nothing written."""
    data = {
        "form": "action",
        "action-panel_case": panel.panel_case.pk,
        "action-assigned_agency": panel.housing.pk,
        "action-description": "Serve notice.",
        **_date("action-due_on", timezone.localdate()),
    }
    if answers.pop("due_before_meeting", False):
        data.update(_date("action-due_on", panel.meeting.held_on - timedelta(days=1)))
    data.update(answers)

    response = _client(panel.member).post(_detail(panel.meeting), data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert message in content
    assert not PanelAction.objects.exists()


# --- Menu and home page --------------------------------------------------------------------------------------


def test_menu_and_home_offer_panel_pages_by_role(panel):
    """A panel member gets panel cases, candidates and meetings in the menu and on the home page; every case
    worker gets the agency's panel actions and the panel referral on the home page; an analyst neither."""
    panel_urls = [reverse("panel-case-list"), reverse("panel-candidate-list"), LIST]
    worker_urls = [reverse("panel-agency-actions"), reverse("panel-referral-add")]

    member_page = _client(panel.member).get(reverse("home")).content.decode()
    menu = member_page.split('id="navigation"')[1].split("</ul>")[0]
    assert all(f'href="{url}"' in menu for url in panel_urls)
    assert all(f'href="{url}"' in member_page for url in panel_urls + worker_urls)

    housing_page = _client(panel.housing_officer).get(reverse("home")).content.decode()
    assert all(f'href="{url}"' not in housing_page for url in panel_urls)
    assert all(f'href="{url}"' in housing_page for url in worker_urls)

    analyst_page = _client(UserFactory(roles=[Role.ANALYST])).get(reverse("home")).content.decode()
    assert all(f'href="{url}"' not in analyst_page for url in panel_urls + worker_urls)


def test_the_meeting_list_is_marked_current_in_the_menu(panel):
    """On the meeting list, its menu item is the current page."""
    content = _client(panel.member).get(LIST).content.decode()
    assert f'href="{LIST}" aria-current="page"' in content
