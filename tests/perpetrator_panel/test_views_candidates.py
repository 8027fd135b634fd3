"""The panel's candidate pages: the list, one candidate's score explained, opening a panel case, and an
agency's referral of a perpetrator to the panel."""

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
from cases.models import Person
from perpetrator_panel.models import PanelCase
from referrals.models import Referral
from referrals.services import referral_create
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, UserFactory
from tests.factories.cases import PersonFactory, case_worker, make_case
from tests.factories.panel import open_panel_case, panel_member, perpetrator_with_history, police_agency

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _date(field: str, day: date) -> dict[str, str]:
    return {f"{field}_day": str(day.day), f"{field}_month": str(day.month), f"{field}_year": str(day.year)}


def _officer() -> User:
    """A case worker of the partnership's police force (sees the panel, is no panel member)."""
    return case_worker(police_agency())


def _housing_worker() -> User:
    return case_worker(AgencyFactory(kind=Agency.Kind.HOUSING))


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _refer(perpetrator: Person, case, referrer: User | None = None) -> Referral:
    """A referral of the perpetrator to the panel (by default by a police case worker)."""
    referrer = referrer or _officer()
    return referral_create(
        actor=referrer,
        case=case,
        service=Referral.Service.PERPETRATOR_PANEL,
        perpetrator=perpetrator,
        received_on=timezone.localdate(),
        details="Threats to a new partner.",
    )


# --- The candidate list ----------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status_code"), [("member", 200), ("police", 200), ("housing", 403), ("analyst", 403)])
def test_who_may_see_the_candidate_list(who, status_code):
    """Panel members and the police's case workers see candidates; other agencies and analysts get 403."""
    users = {
        "member": panel_member,
        "police": _officer,
        "housing": _housing_worker,
        "analyst": lambda: UserFactory(agency=police_agency(), roles=[Role.ANALYST]),
    }
    assert _client(users[who]()).get(reverse("panel-candidate-list")).status_code == status_code


@pytest.mark.parametrize(
    "name", ["panel-candidate-list", "panel-candidate-detail", "panel-case-open", "panel-referral-add"]
)
def test_anonymous_users_are_sent_to_sign_in(client, name):
    """Every candidate page asks an anonymous visitor to sign in."""
    person, _ = perpetrator_with_history()
    kwargs = {"person_id": person.pk} if name in {"panel-candidate-detail", "panel-case-open"} else {}
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_candidate_list_shows_score_parts_serial_and_referrer():
    """Each candidate with his total, parts, serial finding and referring agency; the list is logged."""
    serial, _ = perpetrator_with_history()
    single, (single_case,) = perpetrator_with_history(incidents=((0, 5),))
    _refer(single, single_case)
    client = _client(panel_member())

    content = client.get(reverse("panel-candidate-list")).content.decode()

    assert escape(serial.full_name) in content
    assert escape(single.full_name) in content
    assert reverse("panel-candidate-detail", kwargs={"person_id": serial.pk}) in content
    assert "Serial</strong> 2 victims" in content
    assert escape(police_agency().name) in content
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="cases.person").exists()


def test_candidate_list_views_serial_and_referred():
    """`?show=serial` lists serial perpetrators only; `?show=referred` those referred by an agency."""
    serial, _ = perpetrator_with_history()
    referred, (case,) = perpetrator_with_history(incidents=((0, 5),))
    _refer(referred, case)
    client = _client(_officer())
    url = reverse("panel-candidate-list")

    serial_page = client.get(url, {"show": "serial"}).content.decode()
    referred_page = client.get(url, {"show": "referred"}).content.decode()

    assert escape(serial.full_name) in serial_page
    assert escape(referred.full_name) not in serial_page
    assert escape(referred.full_name) in referred_page
    assert escape(serial.full_name) not in referred_page


def test_candidate_list_leaves_out_perpetrators_with_an_active_panel_case():
    """A perpetrator the panel already manages is no candidate."""
    panel_case = open_panel_case()
    content = _client(panel_member()).get(reverse("panel-candidate-list")).content.decode()
    assert escape(panel_case.perpetrator.full_name) not in content


def test_candidate_list_query_count_is_constant():
    """One candidate, or several with their referring agencies: the same number of queries."""
    perpetrator_with_history()
    client = _client(panel_member())
    url = reverse("panel-candidate-list")
    client.get(url)
    one = _queries(client, url)
    officer = _officer()
    for _ in range(3):
        person, cases = perpetrator_with_history(incidents=((0, 3), (1, 20), (2, 200)))
        _refer(person, cases[0], referrer=officer)
    several = _queries(client, url)
    assert one == several
    content = client.get(url).content.decode()
    assert content.count("Serial</strong>") == 4
    assert content.count(escape(police_agency().name)) == 3


# --- One candidate ---------------------------------------------------------------------------------


def test_candidate_detail_explains_the_score():
    """The four parts with their weights, the total, the incidents behind it and his cases; logged."""
    person, cases = perpetrator_with_history(crime_type="Assault")
    member = panel_member()

    response = _client(member).get(reverse("panel-candidate-detail", kwargs={"person_id": person.pk}))

    assert response.status_code == 200
    content = response.content.decode()
    for text in ("Recency", "Frequency", "Gravity", "Victims", "per incident", "per victim", "Total"):
        assert text in content, text
    assert str(response.context["score"].total) in content
    assert "2 victims in 3 years" in content
    for case in cases:
        assert case.reference in content
        # The probation panel member's agency cannot open the victims' cases: no link.
        assert f'href="{reverse("case-detail", kwargs={"pk": case.pk})}"' not in content
    assert "Assault" in content
    assert reverse("panel-case-open", kwargs={"person_id": person.pk}) in content
    assert AccessLog.objects.filter(
        action=AccessLog.Action.VIEW, object_type="cases.person", object_id=str(person.pk)
    ).exists()


def test_candidate_detail_for_the_police_links_cases_but_offers_no_opening():
    """The police see the score and can open the cases their force recorded, but do not open panel cases."""
    person, cases = perpetrator_with_history()
    content = (
        _client(_officer()).get(reverse("panel-candidate-detail", kwargs={"person_id": person.pk})).content.decode()
    )
    assert f'href="{reverse("case-detail", kwargs={"pk": cases[0].pk})}"' in content
    assert "Not a crime" in content
    assert reverse("panel-case-open", kwargs={"person_id": person.pk}) not in content


def test_candidate_detail_links_to_his_active_panel_case():
    """With an active panel case, the page links to it instead of offering to open one."""
    panel_case = open_panel_case()
    url = reverse("panel-candidate-detail", kwargs={"person_id": panel_case.perpetrator_id})
    content = _client(panel_member()).get(url).content.decode()
    assert reverse("panel-case-detail", kwargs={"pk": panel_case.pk}) in content
    assert reverse("panel-case-open", kwargs={"person_id": panel_case.perpetrator_id}) not in content


@pytest.mark.parametrize("who", ["housing", "analyst"])
def test_candidate_detail_is_404_for_those_who_may_not_see_the_panel(who):
    """Another agency's case worker, or an analyst, gets 404: the candidate is not theirs to see."""
    person, _ = perpetrator_with_history()
    user = _housing_worker() if who == "housing" else UserFactory(agency=police_agency(), roles=[Role.ANALYST])
    response = _client(user).get(reverse("panel-candidate-detail", kwargs={"person_id": person.pk}))
    assert response.status_code == 404


# --- Opening a panel case --------------------------------------------------------------------------


def test_open_page_ticks_his_cases_serial_and_referred_and_the_derived_flags():
    """All his cases ticked; serial and agency referral ticked; stalking ticked from the case flags."""
    person, cases = perpetrator_with_history(stalking=True)
    _refer(person, cases[0])
    response = _client(panel_member()).get(reverse("panel-case-open", kwargs={"person_id": person.pk}))

    assert response.status_code == 200
    form = response.context["form"]
    assert sorted(form["cases"].value()) == sorted(str(case.pk) for case in cases)
    assert form["reasons"].value() == ["serial", "agency_referral"]
    assert form["flags"].value() == ["stalking"]
    content = response.content.decode()
    assert "<legend" in content
    assert "aria-expanded" not in content


def test_a_panel_member_opens_a_panel_case():
    """The case is opened with the chosen cases, reasons and flags; his pending referral is linked."""
    person, cases = perpetrator_with_history()
    referral = _refer(person, cases[0])
    today = timezone.localdate()

    response = _client(panel_member()).post(
        reverse("panel-case-open", kwargs={"person_id": person.pk}),
        {
            "cases": [str(cases[0].pk)],
            "reasons": ["serial", "other"],
            "reasons_detail": "Threats made at the last hearing.",
            **_date("opened_on", today),
            "flags": ["strangulation"],
        },
        follow=True,
    )

    panel_case = PanelCase.objects.get(perpetrator=person)
    assert response.redirect_chain[-1][0] == reverse("panel-case-detail", kwargs={"pk": panel_case.pk})
    assert f"Panel case {panel_case.reference} opened" in response.content.decode()
    assert list(panel_case.cases.all()) == [cases[0]]
    assert panel_case.reasons == ["serial", "other"]
    assert (panel_case.strangulation, panel_case.stalking) == (True, False)
    assert list(panel_case.referrals.all()) == [referral]


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"reasons": []}, "reasons", "Select at least one reason the panel takes the case"),
        ({"reasons": ["other"]}, "reasons_detail", "Say what the other reason is."),
        ({"opened_on": timezone.localdate() + timedelta(days=2)}, "opened_on", "The date cannot be in the future."),
    ],
)
def test_opening_with_bad_answers_is_refused_and_writes_nothing(answers, field, message):
    """Missing reasons (form), other without detail and a future date (the service): the field's error."""
    person, cases = perpetrator_with_history()
    data = {
        "cases": [str(case.pk) for case in cases],
        "reasons": answers.get("reasons", ["serial"]),
        **_date("opened_on", answers.get("opened_on", timezone.localdate())),
    }
    response = _client(panel_member()).post(reverse("panel-case-open", kwargs={"person_id": person.pk}), data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert "There is a problem" in response.content.decode()
    assert not PanelCase.objects.exists()


@pytest.mark.parametrize(("who", "status_code"), [("police", 403), ("housing", 404)])
def test_only_panel_members_open_panel_cases(who, status_code):
    """The police see the candidate but may not open (403); another agency cannot see him (404)."""
    person, cases = perpetrator_with_history()
    client = _client(_officer() if who == "police" else _housing_worker())
    url = reverse("panel-case-open", kwargs={"person_id": person.pk})

    assert client.get(url).status_code == status_code
    data = {"cases": [str(cases[0].pk)], "reasons": ["serial"], **_date("opened_on", timezone.localdate())}
    assert client.post(url, data).status_code == status_code
    assert not PanelCase.objects.exists()


def test_opening_for_someone_with_an_active_case_goes_to_it():
    """The page sends the member to the active panel case rather than open a second one."""
    panel_case = open_panel_case()
    response = _client(panel_member()).get(reverse("panel-case-open", kwargs={"person_id": panel_case.perpetrator_id}))
    assert response.status_code == 302
    assert response["Location"] == reverse("panel-case-detail", kwargs={"pk": panel_case.pk})


# --- Referring a perpetrator -----------------------------------------------------------------------


def _housing_case(worker: User, perpetrators: int = 2):
    people = [PersonFactory(gender="male") for _ in range(perpetrators)]
    return make_case(worker, perpetrators=people), people


def test_a_case_worker_refers_one_of_the_case_perpetrators():
    """Reference, then perpetrator, reasons, date and consent: a panel referral to the police is written."""
    police_agency()
    worker = _housing_worker()
    case, (first, second) = _housing_case(worker)
    client = _client(worker)

    step_two = client.get(reverse("panel-referral-add"), {"reference": case.reference})

    content = step_two.content.decode()
    assert escape(first.full_name) in content
    assert escape(second.full_name) in content
    assert "<legend" in content
    assert "aria-expanded" not in content
    response = client.post(
        reverse("panel-referral-add"),
        {
            "reference": case.reference,
            "perpetrator": str(second.pk),
            "details": "Serious threats to kill.",
            **_date("received_on", timezone.localdate()),
            "consent": "not_given_shared_to_protect",
            "consent_reason": "Risk of serious harm to the children.",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("home")
    assert f"{escape(second.full_name)} referred to the perpetrator panel." in response.content.decode()
    referral = Referral.objects.get(service=Referral.Service.PERPETRATOR_PANEL)
    assert (referral.case, referral.perpetrator, referral.receiving_agency) == (case, second, police_agency())
    assert referral.referring_agency == worker.agency
    assert referral.details == "Serious threats to kill."


def test_a_case_the_worker_cannot_see_is_a_reference_error():
    """Another agency's case reference: "No case with this reference that you can see", on GET and POST."""
    police_agency()
    other_case, (perpetrator,) = _housing_case(_housing_worker(), perpetrators=1)
    client = _client(_housing_worker())

    response = client.get(reverse("panel-referral-add"), {"reference": other_case.reference})

    assert response.status_code == 200
    assert "No case with this reference that you can see" in response.context["form"].errors["reference"]
    posted = client.post(
        reverse("panel-referral-add"),
        {
            "reference": other_case.reference,
            "perpetrator": str(perpetrator.pk),
            "details": "x",
            **_date("received_on", timezone.localdate()),
            "consent": "given",
        },
    )
    assert "No case with this reference that you can see" in posted.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"perpetrator": ""}, "perpetrator", "Select the perpetrator you are referring"),
        ({"consent": ""}, "consent", "Select whether the victim consented to the referral"),
        (
            {"consent": "not_given_shared_to_protect"},
            "consent_reason",
            "Say why the referral is shared without consent.",
        ),
        ({"details": ""}, "details", "Say why the panel should consider him"),
    ],
)
def test_an_incomplete_referral_is_refused_and_writes_nothing(answers, field, message):
    """Each missing answer gets its own error on its field; no referral is written."""
    police_agency()
    worker = _housing_worker()
    case, (first, _) = _housing_case(worker)
    data = {
        "reference": case.reference,
        "perpetrator": str(first.pk),
        "details": "Threats.",
        **_date("received_on", timezone.localdate()),
        "consent": "given",
        **answers,
    }
    response = _client(worker).post(reverse("panel-referral-add"), data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not Referral.objects.exists()


def test_roles_that_do_not_work_with_cases_may_not_refer():
    """An analyst gets 403."""
    analyst = UserFactory(agency=police_agency(), roles=[Role.ANALYST])
    assert _client(analyst).get(reverse("panel-referral-add")).status_code == 403
