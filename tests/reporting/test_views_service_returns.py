"""The service return pages: an agency's returns (every agency's for the report roles) and the form to
submit one, offering only the figures the agency reports."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, Role, User
from audit.models import AccessLog
from reporting.models import ServiceMetric, ServiceReturn
from reporting.services import service_return_submit
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2021, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/London"))
LIST, NEW = "service-return-list", "service-return-new"


@pytest.fixture
def refuge_worker(time_machine) -> User:
    """A worker at a refuge, which returns the women and children housed (and the figures any agency may)."""
    time_machine.move_to(NOW, tick=False)
    county = AreaFactory(name="Demo County", slug="demo-county")
    refuge = AgencyFactory(name="Demo Refuge", slug="demo-refuge", kind=Agency.Kind.REFUGE, areas=[county])
    return UserFactory(agency=refuge, roles=[Role.AGENCY_REP], given_name="Carys", family_name="Pengelly")


def _client(user: User) -> Client:
    return sign_in(Client(), user)


def _dates(field: str, day: date) -> dict[str, str]:
    return {f"{field}_day": str(day.day), f"{field}_month": str(day.month), f"{field}_year": str(day.year)}


def _answers(**overrides: str) -> dict[str, str]:
    answers = {
        "metric": str(ServiceMetric.objects.get(code="refuge_women_housed").pk),
        "area": str(AreaFactory(name="Demo County", slug="demo-county").pk),
        **_dates("period_start", date(2020, 4, 1)),
        **_dates("period_end", date(2021, 3, 31)),
        "value": "84",
        "notes": "Two refuges.",
    }
    answers.update(overrides)
    return {key: value for key, value in answers.items() if value is not None}


def _submit(user: User, code: str, value: int, start: date = date(2020, 4, 1)) -> ServiceReturn:
    return service_return_submit(
        actor=user,
        metric=ServiceMetric.objects.get(code=code),
        area=user.agency.areas.first(),
        period_start=start,
        period_end=date(start.year + 1, 3, 31),
        value=value,
    )


# --- Who may open the pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [LIST, NEW])
def test_anonymous_users_are_sent_to_sign_in(client, name):
    """Both pages ask an anonymous visitor to sign in."""
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", [LIST, NEW])
def test_a_provider_opens_both_pages(refuge_worker, name):
    """A user with a role at a provider agency lists its returns and opens the form."""
    assert _client(refuge_worker).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", [LIST, NEW])
def test_a_user_without_a_role_is_refused(refuge_worker, name):
    """Someone with no role at their agency has no returns to make or read: 403."""
    assert _client(UserFactory(agency=refuge_worker.agency)).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("role", [Role.ANALYST, Role.IDVA_MANAGER, Role.PARTNERSHIP_ADMIN])
def test_report_roles_read_every_agencys_returns(refuge_worker, role):
    """The report roles list the returns of every agency, with the agency's name."""
    _submit(refuge_worker, "refuge_women_housed", 84)
    hub = AgencyFactory(name="Demo Hub", kind=Agency.Kind.VICTIM_HUB)
    _submit(UserFactory(agency=hub, roles=[Role.AGENCY_REP]), "victim_hub_victims_supported", 1200)
    response = _client(UserFactory(roles=[role])).get(reverse(LIST))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Demo Refuge" in content
    assert "Demo Hub" in content
    assert "1200" in content


def test_an_agency_lists_only_its_own_returns(refuge_worker):
    """Another agency's returns are not on the refuge's list."""
    _submit(refuge_worker, "refuge_women_housed", 84)
    hub = AgencyFactory(name="Demo Hub", kind=Agency.Kind.VICTIM_HUB)
    _submit(UserFactory(agency=hub, roles=[Role.AGENCY_REP]), "victim_hub_victims_supported", 1200)
    response = _client(refuge_worker).get(reverse(LIST))
    assert [row.agency for row in response.context["returns"]] == [refuge_worker.agency]
    assert "1200" not in response.content.decode()
    assert AccessLog.objects.filter(action=AccessLog.Action.LIST, object_type="reporting.servicereturn").exists()


def test_the_list_runs_a_fixed_number_of_queries(refuge_worker):
    """Two returns or eight, the same number of queries."""
    client = _client(refuge_worker)
    url = reverse(LIST)

    def add(years: range) -> None:
        for year in years:
            _submit(refuge_worker, "refuge_women_housed", 80 + year % 10, date(year, 4, 1))
            _submit(refuge_worker, "refuge_children_housed", 90 + year % 10, date(year, 4, 1))

    add(range(2019, 2020))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(range(2014, 2017))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["returns"]) == 8
    assert len(many) == len(few)


# --- Submitting a return --------------------------------------------------------------------------------------


def test_the_form_offers_only_the_agencys_figures(refuge_worker):
    """A refuge is offered the refuge figures and those any agency returns, not the ISVA service's."""
    response = _client(refuge_worker).get(reverse(NEW))
    offered = {metric.code for metric in response.context["form"].fields["metric"].queryset}
    assert {"refuge_women_housed", "refuge_children_housed", "training_sessions_delivered"} <= offered
    assert "isva_referrals" not in offered
    assert "Women housed in refuge" in response.content.decode()
    assert "ISVA referrals" not in response.content.decode()


def test_a_return_is_recorded_and_the_list_says_so(refuge_worker):
    """A valid return is saved for the agency, by the user; back on the list with a success message."""
    response = _client(refuge_worker).post(reverse(NEW), _answers(), follow=True)
    saved = ServiceReturn.objects.get()
    assert (saved.agency, saved.metric.code, saved.value, saved.notes, saved.submitted_by) == (
        refuge_worker.agency,
        "refuge_women_housed",
        84,
        "Two refuges.",
        refuge_worker,
    )
    assert (saved.period_start, saved.period_end, saved.area.slug) == (
        date(2020, 4, 1),
        date(2021, 3, 31),
        "demo-county",
    )
    assert response.redirect_chain == [(reverse(LIST), 302)]
    content = response.content.decode()
    assert "govuk-notification-banner--success" in content
    assert "Demo Refuge: Women housed in refuge: 84 for Demo County, 1 April 2020 to 31 March 2021." in content


def test_a_provider_is_not_asked_whose_figure_it_is(refuge_worker):
    """A provider's worker records only their own agency's figures: the form has no agency question."""
    response = _client(refuge_worker).get(reverse(NEW))
    assert "agency" not in response.context["form"].fields


def test_a_partnership_administrator_keys_in_a_provider_s_return(refuge_worker):
    """The partnership administrator chooses the refuge and one of its figures; the return is the refuge's.
    A figure the refuge does not report is an error on the figure, and writes nothing."""
    admin = UserFactory(agency=AgencyFactory(kind=Agency.Kind.OTHER), roles=[Role.PARTNERSHIP_ADMIN])
    client = _client(admin)
    form = client.get(reverse(NEW)).context["form"]
    assert next(iter(form.fields)) == "agency"
    assert refuge_worker.agency in form.fields["agency"].queryset
    wrong = ServiceMetric.objects.get(code="isva_referrals")

    refused = client.post(reverse(NEW), _answers(agency=str(refuge_worker.agency.pk), metric=str(wrong.pk)))
    assert refused.status_code == 200
    assert "metric" in refused.context["form"].errors
    assert ServiceReturn.objects.count() == 0

    client.post(reverse(NEW), _answers(agency=str(refuge_worker.agency.pk)))
    saved = ServiceReturn.objects.get()
    assert (saved.agency, saved.metric.code, saved.value, saved.submitted_by) == (
        refuge_worker.agency,
        "refuge_women_housed",
        84,
        admin,
    )


def test_the_same_return_again_replaces_the_value(refuge_worker):
    """Submitting the same figure, area and period again changes the value, not the number of returns."""
    client = _client(refuge_worker)
    client.post(reverse(NEW), _answers())
    client.post(reverse(NEW), _answers(value="90"))
    assert ServiceReturn.objects.get().value == 90


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"metric": ""}, "metric", "Select the figure you are returning"),
        ({"area": ""}, "area", "Select the area the figure covers"),
        ({"value": ""}, "value", "Enter the value"),
        ({"value": "many"}, "value", "The value must be a whole number, like 125"),
        ({"value": "-3"}, "value", "The value must be 0 or more"),
        ({"period_start_day": ""}, "period_start", "First day of the period must include a day"),
        ({"period_end_month": "13"}, "period_end", "Last day of the period must be a real date"),
        (_dates("period_end", date(2020, 3, 1)), "period_end", "The last day must be the same as or after the first"),
    ],
)
def test_bad_input_writes_nothing_and_names_the_field(refuge_worker, overrides, field, message):
    """Each mistake is shown in the error summary and next to its field; nothing is saved."""
    response = _client(refuge_worker).post(reverse(NEW), _answers(**overrides))
    assert response.status_code == 200
    assert not ServiceReturn.objects.exists()
    assert any(message in error for error in response.context["form"].errors[field])
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert f'id="id_{field}_error"' in content


def test_a_figure_the_agency_does_not_return_is_refused(refuge_worker):
    """Posting a metric of another kind of agency (the ISVA service's) is a field error, and nothing is
    saved."""
    isva = ServiceMetric.objects.get(code="isva_referrals")
    response = _client(refuge_worker).post(reverse(NEW), _answers(metric=str(isva.pk)))
    assert response.status_code == 200
    assert response.context["form"].errors["metric"] == ["Select one of the figures your agency returns"]
    assert not ServiceReturn.objects.exists()
