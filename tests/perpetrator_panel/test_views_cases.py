"""The panel case pages: the list, one case's page, and the panel members' pages that edit it, add to its
tactical plan, update an option and agree an action."""

from __future__ import annotations

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
from cases.models import SafeContact
from cases.services import safe_contact_save
from perpetrator_panel.models import PanelAction, PanelCase, PlanItem, TacticalOption
from perpetrator_panel.services import (
    case_review_record,
    panel_action_create,
    panel_meeting_create,
    panel_statuses_recompute,
    plan_item_add,
)
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import case_worker, submit_dash
from tests.factories.panel import open_panel_case, panel_member, perpetrator_with_history, police_agency

pytestmark = pytest.mark.django_db

SAFE_ADDRESS = "Flat 9, 12 Hidden Lane, Safeton"


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _date(field: str, day: date) -> dict[str, str]:
    return {f"{field}_day": str(day.day), f"{field}_month": str(day.month), f"{field}_year": str(day.year)}


def _officer() -> User:
    return case_worker(police_agency())


def _housing_worker() -> User:
    return case_worker(AgencyFactory(kind=Agency.Kind.HOUSING))


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _option(name: str = "Bail conditions") -> TacticalOption:
    return TacticalOption.objects.get(name=name)


def _detail_url(panel_case: PanelCase) -> str:
    return reverse("panel-case-detail", kwargs={"pk": panel_case.pk})


@pytest.fixture
def member() -> User:
    return panel_member()


@pytest.fixture
def panel_case(member) -> PanelCase:
    return open_panel_case(member)


# --- Who may open which page -------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status_code"), [("member", 200), ("police", 200), ("housing", 403), ("analyst", 403)])
def test_who_may_see_the_panel_case_list(panel_case, who, status_code):
    """Panel members and the police see panel cases; other agencies and analysts get 403."""
    users = {
        "member": panel_member,
        "police": _officer,
        "housing": _housing_worker,
        "analyst": lambda: UserFactory(agency=police_agency(), roles=[Role.ANALYST]),
    }
    assert _client(users[who]()).get(reverse("panel-case-list")).status_code == status_code


@pytest.mark.parametrize(
    "name",
    [
        "panel-case-list",
        "panel-case-detail",
        "panel-case-edit",
        "panel-plan-add",
        "panel-action-add",
        "panel-plan-item",
    ],
)
def test_anonymous_users_are_sent_to_sign_in(client, panel_case, member, name):
    """Every panel case page asks an anonymous visitor to sign in."""
    item = plan_item_add(actor=member, panel_case=panel_case, option=_option(), owning_agency=police_agency())
    kwargs = {} if name == "panel-case-list" else {"pk": item.pk if name == "panel-plan-item" else panel_case.pk}
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["panel-case-detail", "panel-case-edit", "panel-plan-add", "panel-action-add"])
def test_another_agency_gets_404_for_a_panel_case(panel_case, name):
    """A housing case worker cannot see panel cases: every page of one is 404."""
    response = _client(_housing_worker()).get(reverse(name, kwargs={"pk": panel_case.pk}))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["panel-case-edit", "panel-plan-add", "panel-action-add"])
def test_the_police_see_but_may_not_change_a_panel_case(panel_case, name):
    """The police see the case but its change pages are the panel members' (403)."""
    client = _client(_officer())
    assert client.get(_detail_url(panel_case)).status_code == 200
    assert client.get(reverse(name, kwargs={"pk": panel_case.pk})).status_code == 403
    assert client.post(reverse(name, kwargs={"pk": panel_case.pk}), {}).status_code == 403


# --- The list ------------------------------------------------------------------------------------------


def test_panel_case_list_shows_active_cases_with_scores_and_flags(member):
    """Active by default: reference, perpetrator, status, scores, open actions, flags; the list is logged."""
    person, cases = perpetrator_with_history(stalking=True)
    panel_case = open_panel_case(member, perpetrator=person, cases=cases)
    panel_action_create(
        actor=member,
        panel_case=panel_case,
        assigned_agency=police_agency(),
        description="Serve the DVPN.",
        due_on=timezone.localdate() + timedelta(days=7),
    )

    response = _client(member).get(reverse("panel-case-list"))

    content = response.content.decode()
    assert panel_case.reference in content
    assert _detail_url(panel_case) in content
    assert escape(person.full_name) in content
    assert ">Active</strong>" in content
    assert "Stalking" in content
    assert response.context["page"].object_list[0].open_actions == 1
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="perpetrator_panel.panelcase").exists()


def test_panel_case_list_filters_status_flag_and_search(member):
    """Inactive cases show under `inactive` and `all` only; the flag and the name narrow the list."""
    stalker, stalker_cases = perpetrator_with_history(stalking=True)
    active = open_panel_case(member, perpetrator=stalker, cases=stalker_cases)
    old, old_cases = perpetrator_with_history(incidents=((0, 200), (1, 210)))
    inactive = open_panel_case(
        member, perpetrator=old, cases=old_cases, opened_on=timezone.localdate() - timedelta(days=190)
    )
    panel_statuses_recompute()
    inactive.refresh_from_db()
    assert inactive.status == PanelCase.Status.INACTIVE
    client = _client(member)
    url = reverse("panel-case-list")

    def shown(**query: str) -> set[str]:
        return {pc.reference for pc in client.get(url, query).context["page"].object_list}

    assert shown() == {active.reference}
    assert shown(show="inactive") == {inactive.reference}
    assert shown(show="all") == {active.reference, inactive.reference}
    assert shown(show="all", flag="stalking") == {active.reference}
    assert shown(show="all", search=old.family_name) == {inactive.reference}
    assert shown(show="all", search=inactive.reference) == {inactive.reference}


def test_panel_case_list_query_count_is_constant(member):
    """One panel case or several: the same number of queries."""
    open_panel_case(member)
    client = _client(member)
    url = reverse("panel-case-list")
    client.get(url)
    one = _queries(client, url)
    for _ in range(3):
        open_panel_case(member)
    several = _queries(client, url)
    assert one == several
    assert client.get(url).content.decode().count(">Active</strong>") == 4


# --- The panel case page ---------------------------------------------------------------------------------


def test_panel_case_page_shows_the_case_and_never_a_safe_contact(member):
    """Perpetrator, reasons, scores, victims with current risk, plan, actions, reviews, history; the
    victims' safe address is nowhere; the view is logged."""
    recorder = _officer()
    person, cases = perpetrator_with_history(recorder=recorder)
    for case in cases:
        safe_contact_save(actor=recorder, case=case, data={"safe_address": SAFE_ADDRESS})
    assert SafeContact.objects.count() == 2
    submit_dash(recorder, cases[0], score=15, create_referrals=False)
    panel_case = open_panel_case(member, perpetrator=person, cases=cases)
    item = plan_item_add(actor=member, panel_case=panel_case, option=_option(), owning_agency=police_agency())
    panel_action_create(
        actor=member,
        panel_case=panel_case,
        assigned_agency=police_agency(),
        description="Check bail compliance.",
        due_on=timezone.localdate() - timedelta(days=0),
        plan_item=item,
    )
    meeting = panel_meeting_create(actor=member, held_on=timezone.localdate())
    case_review_record(actor=member, meeting=meeting, panel_case=panel_case, intelligence="Seen near her address.")

    response = _client(member).get(_detail_url(panel_case))

    assert response.status_code == 200
    content = response.content.decode()
    assert SAFE_ADDRESS not in content
    assert escape(SAFE_ADDRESS) not in content
    for text in (
        panel_case.reference,
        escape(person.full_name),
        "Serial perpetrator",
        str(panel_case.entry_score),
        "Bail conditions",
        "Enforcement",
        "Check bail compliance.",
        "Seen near her address.",
        "Taken by the panel.",
        "High on",
        reverse("panel-plan-item", kwargs={"pk": item.pk}),
        reverse("panel-case-edit", kwargs={"pk": panel_case.pk}),
        reverse("panel-plan-add", kwargs={"pk": panel_case.pk}),
        reverse("panel-action-add", kwargs={"pk": panel_case.pk}),
    ):
        assert text in content, text
    for case in cases:
        assert case.reference in content
        assert escape(case.victim.full_name) in content
        # The probation panel member's agency cannot see these cases: the reference is not a link.
        assert f'href="{reverse("case-detail", kwargs={"pk": case.pk})}"' not in content
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, object_type="perpetrator_panel.panelcase", object_id=str(panel_case.pk)
    ).exists()


def test_police_see_the_case_with_links_to_cases_they_may_open_and_no_change_buttons(panel_case):
    """The police force that recorded the cases gets links to them; no Edit, plan or action buttons."""
    content = _client(_officer()).get(_detail_url(panel_case)).content.decode()
    for case in panel_case.cases.all():
        assert f'href="{reverse("case-detail", kwargs={"pk": case.pk})}"' in content
    assert reverse("panel-case-edit", kwargs={"pk": panel_case.pk}) not in content
    assert reverse("panel-action-add", kwargs={"pk": panel_case.pk}) not in content


def test_panel_case_page_query_count_is_constant(member):
    """A case with one victim and nothing else, or several victims, options, actions and reviews: the
    same number of queries."""
    person, cases = perpetrator_with_history(incidents=((0, 10),))
    small = open_panel_case(member, perpetrator=person, cases=cases)
    big = open_panel_case(member)
    recorder = _officer()
    for case in big.cases.all():
        submit_dash(recorder, case, score=12, create_referrals=False)
    for name in ("Bail conditions", "Civil injunction", "MAPPA referral"):
        item = plan_item_add(actor=member, panel_case=big, option=_option(name), owning_agency=police_agency())
        panel_action_create(
            actor=member,
            panel_case=big,
            assigned_agency=police_agency(),
            description=f"Follow up {name}.",
            due_on=timezone.localdate(),
            plan_item=item,
        )
    meeting = panel_meeting_create(actor=member, held_on=timezone.localdate())
    case_review_record(actor=member, meeting=meeting, panel_case=big, investigations="Charged.")
    client = _client(member)
    client.get(_detail_url(small))

    assert _queries(client, _detail_url(small)) == _queries(client, _detail_url(big))


# --- Editing ---------------------------------------------------------------------------------------------


def test_a_panel_member_edits_reasons_flags_and_cases(member, panel_case):
    """The form starts from the case; saving changes reasons, flags and linked cases."""
    client = _client(member)
    url = reverse("panel-case-edit", kwargs={"pk": panel_case.pk})
    form = client.get(url).context["form"]
    assert form["reasons"].value() == ["serial"]
    keep = panel_case.cases.order_by("pk").first()

    response = client.post(
        url,
        {"cases": [str(keep.pk)], "reasons": ["high_harm"], "reasons_detail": "", "flags": ["no_fixed_abode"]},
    )

    assert response.status_code == 302
    panel_case.refresh_from_db()
    assert panel_case.reasons == ["high_harm"]
    assert panel_case.no_fixed_abode is True
    assert list(panel_case.cases.all()) == [keep]


def test_editing_without_a_case_is_refused_and_changes_nothing(member, panel_case):
    """No linked case: the error is on the cases field; the panel case is unchanged."""
    response = _client(member).post(
        reverse("panel-case-edit", kwargs={"pk": panel_case.pk}), {"cases": [], "reasons": ["high_harm"]}
    )
    assert response.status_code == 200
    assert "Select at least one case in which he is a perpetrator" in response.context["form"].errors["cases"]
    panel_case.refresh_from_db()
    assert panel_case.reasons == ["serial"]


# --- The tactical plan -----------------------------------------------------------------------------------


def test_plan_option_menu_is_grouped_by_category(member, panel_case):
    """The option select groups the menu by category."""
    content = _client(member).get(reverse("panel-plan-add", kwargs={"pk": panel_case.pk})).content.decode()
    assert '<optgroup label="Enforcement">' in content
    assert '<label class="govuk-label govuk-label--s" for="id_option">' in content


def test_a_panel_member_adds_an_option_owned_by_an_agency_of_its_usual_kind(member, panel_case):
    """Left blank, the owner is an active agency of the option's usual kind (the police for bail)."""
    police = police_agency()
    response = _client(member).post(
        reverse("panel-plan-add", kwargs={"pk": panel_case.pk}),
        {"option": str(_option().pk), "owning_agency": "", **_date("chosen_on", timezone.localdate()), "notes": "x"},
    )
    assert response.status_code == 302
    item = PlanItem.objects.get(panel_case=panel_case)
    assert (item.option, item.owning_agency, item.notes) == (_option(), police, "x")


def test_a_panel_member_chooses_the_owning_agency(member, panel_case):
    """A chosen owner is kept."""
    probation = member.agency
    _client(member).post(
        reverse("panel-plan-add", kwargs={"pk": panel_case.pk}),
        {
            "option": str(_option("MAPPA referral").pk),
            "owning_agency": str(probation.pk),
            **_date("chosen_on", timezone.localdate()),
        },
    )
    assert PlanItem.objects.get(panel_case=panel_case).owning_agency == probation


def test_an_option_chosen_before_the_case_was_opened_is_refused(member, panel_case):
    """The service's date check comes back on the date field; nothing is written."""
    response = _client(member).post(
        reverse("panel-plan-add", kwargs={"pk": panel_case.pk}),
        {
            "option": str(_option().pk),
            "owning_agency": str(police_agency().pk),
            **_date("chosen_on", panel_case.opened_on - timedelta(days=3)),
        },
    )
    assert response.status_code == 200
    assert "The date cannot be before the panel took the case." in response.context["form"].errors["chosen_on"]
    assert not PlanItem.objects.exists()


def test_a_panel_member_updates_where_an_option_stands(member, panel_case):
    """Status radios and notes: saved, back to the case."""
    item = plan_item_add(actor=member, panel_case=panel_case, option=_option(), owning_agency=police_agency())
    client = _client(member)
    url = reverse("panel-plan-item", kwargs={"pk": item.pk})
    page = client.get(url).content.decode()
    assert "<legend" in page
    assert "aria-expanded" not in page

    response = client.post(url, {"status": "in_place", "notes": "Conditions set at court."})

    assert response["Location"] == _detail_url(panel_case)
    item.refresh_from_db()
    assert (item.status, item.notes) == (PlanItem.Status.IN_PLACE, "Conditions set at court.")


def test_an_update_without_a_status_is_refused(member, panel_case):
    """No status chosen: the error is on the status field; nothing changes."""
    item = plan_item_add(actor=member, panel_case=panel_case, option=_option(), owning_agency=police_agency())
    response = _client(member).post(reverse("panel-plan-item", kwargs={"pk": item.pk}), {"notes": "x"})
    assert "Select where the option stands" in response.context["form"].errors["status"]
    item.refresh_from_db()
    assert (item.status, item.notes) == (PlanItem.Status.PLANNED, "")


@pytest.mark.parametrize(("who", "status_code"), [("police", 403), ("housing", 404)])
def test_only_panel_members_update_an_option(member, panel_case, who, status_code):
    """The police may see the plan but not change it (403); another agency cannot see it (404)."""
    item = plan_item_add(actor=member, panel_case=panel_case, option=_option(), owning_agency=police_agency())
    client = _client(_officer() if who == "police" else _housing_worker())
    url = reverse("panel-plan-item", kwargs={"pk": item.pk})
    assert client.get(url).status_code == status_code
    assert client.post(url, {"status": "ended"}).status_code == status_code
    item.refresh_from_db()
    assert item.status == PlanItem.Status.PLANNED


# --- Actions ---------------------------------------------------------------------------------------------


def test_a_panel_member_agrees_an_action_for_an_option_at_a_meeting(member, panel_case):
    """Description, agency, due date, the option and the meeting: the action is written."""
    item = plan_item_add(actor=member, panel_case=panel_case, option=_option(), owning_agency=police_agency())
    meeting = panel_meeting_create(actor=member, held_on=timezone.localdate())
    due = timezone.localdate() + timedelta(days=14)

    response = _client(member).post(
        reverse("panel-action-add", kwargs={"pk": panel_case.pk}),
        {
            "description": "Apply for a DVPO.",
            "assigned_agency": str(police_agency().pk),
            **_date("due_on", due),
            "plan_item": str(item.pk),
            "meeting": str(meeting.pk),
        },
    )

    assert response["Location"] == _detail_url(panel_case)
    action = PanelAction.objects.get(panel_case=panel_case)
    assert (action.description, action.due_on, action.plan_item, action.meeting) == (
        "Apply for a DVPO.",
        due,
        item,
        meeting,
    )


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"description": ""}, "description", "Say what the agency is to do"),
        ({"assigned_agency": ""}, "assigned_agency", "Select the agency the action is for"),
        ({"due_on": -3}, "due_on", "The action cannot be due before it was agreed."),
    ],
)
def test_an_incomplete_action_is_refused_and_writes_nothing(member, panel_case, answers, field, message):
    """A missing answer (the form) or a due date before today (the service): the field's error."""
    data = {
        "description": "Apply for a DVPO.",
        "assigned_agency": str(police_agency().pk),
        **_date("due_on", timezone.localdate() + timedelta(days=answers.pop("due_on", 7))),
        **answers,
    }
    response = _client(member).post(reverse("panel-action-add", kwargs={"pk": panel_case.pk}), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not PanelAction.objects.exists()
