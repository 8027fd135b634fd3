"""The admin: partnership administrators keep the service-return metrics and the population estimates;
service returns and report runs are read-only there, and a run's result is never shown."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from agencies.models import Role
from reporting.models import PopulationEstimate, ReportRun, ServiceMetric, ServiceReturn
from tests.factories.agencies import AreaFactory, UserFactory
from tests.factories.reporting import PopulationEstimateFactory, provider_agency, report_run

pytestmark = pytest.mark.django_db


def _metric_form(metric: ServiceMetric, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": metric.code,
        "name": metric.name,
        "description": metric.description,
        "provider_kinds": list(metric.provider_kinds),
        "part_of": metric.part_of_id or "",
        "subset_of": metric.subset_of_id or "",
        "annual_target": metric.annual_target if metric.annual_target is not None else "",
        "position": metric.position,
        "active": "on",
    }
    data.update(changes)
    return data


@pytest.fixture
def admin_client(signed_in_client):
    return signed_in_client(UserFactory(roles=[Role.PARTNERSHIP_ADMIN]))


def test_the_metric_catalogue_is_listed_in_order_with_its_parts(admin_client):
    """The metric list shows the catalogue in the report's order, with the total each part belongs to."""
    response = admin_client.get(reverse("admin:reporting_servicemetric_changelist"))

    assert response.status_code == 200
    listed = [metric.code for metric in response.context["cl"].result_list]
    assert listed == list(ServiceMetric.objects.order_by("position", "code").values_list("code", flat=True))
    assert "New referrals to the ISVA service (ISVA and ChISVA)" in response.content.decode()


def test_an_administrator_adds_a_part_of_a_total(admin_client):
    """A new metric for refuges and outreach, a part of an existing total, is saved with its kinds."""
    total = ServiceMetric.objects.get(code="outreach_referrals")

    response = admin_client.post(
        reverse("admin:reporting_servicemetric_add"),
        {
            "code": "outreach_self_referrals",
            "name": "Self-referrals to outreach",
            "description": "",
            "provider_kinds": ["refuge", "outreach"],
            "part_of": total.pk,
            "subset_of": "",
            "annual_target": "",
            "position": 35,
            "active": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    metric = ServiceMetric.objects.get(code="outreach_self_referrals")
    assert (metric.provider_kinds, metric.part_of, metric.subset_of) == (["outreach", "refuge"], total, None)


def test_a_metric_cannot_be_a_part_of_itself(admin_client):
    """A total made a part of one of its own parts is refused on the field; nothing changes."""
    total = ServiceMetric.objects.get(code="isva_service_referrals")
    part = ServiceMetric.objects.get(code="isva_referrals")

    response = admin_client.post(
        reverse("admin:reporting_servicemetric_change", args=[total.pk]), _metric_form(total, part_of=part.pk)
    )

    assert response.status_code == 200
    assert "part_of" in response.context["adminform"].form.errors
    total.refresh_from_db()
    assert total.part_of is None


def test_population_estimates_are_listed_filtered_and_edited(admin_client):
    """Estimates filter by area and year; an administrator corrects one, recorded as theirs; adult females
    above all ages is refused."""
    north, south = AreaFactory(name="North"), AreaFactory(name="South")
    estimate = PopulationEstimateFactory(area=north, year=2020)
    PopulationEstimateFactory(area=south, year=2020)
    PopulationEstimateFactory(area=north, year=2019)
    changelist = reverse("admin:reporting_populationestimate_changelist")

    by_area = admin_client.get(changelist, {"area__id__exact": north.pk, "year": 2020})
    assert [row.pk for row in by_area.context["cl"].result_list] == [estimate.pk]

    change = reverse("admin:reporting_populationestimate_change", args=[estimate.pk])
    form = {"area": north.pk, "year": 2020, "all_ages": 510_000, "adult_females": 215_000, "source": "ONS 2020"}
    assert admin_client.post(change, form).status_code == 302
    refused = admin_client.post(change, {**form, "adult_females": 600_000})
    assert refused.status_code == 200
    estimate.refresh_from_db()
    assert (estimate.all_ages, estimate.adult_females) == (510_000, 215_000)
    assert PopulationEstimate.objects.get(pk=estimate.pk).updated_by is not None


def test_returns_and_runs_are_read_only_and_the_result_is_not_shown(signed_in_client):
    """A superuser sees service returns and report runs but cannot add, change or delete them; the run's
    result is on neither the list nor its page."""
    client = signed_in_client(UserFactory(is_superuser=True, is_staff=True))
    refuge = provider_agency()
    service_return = ServiceReturn.objects.create(
        agency=refuge,
        metric=ServiceMetric.objects.get(code="refuge_women_housed"),
        area=refuge.areas.get(),
        period_start=date(2020, 4, 1),
        period_end=date(2020, 6, 30),
        value=11,
    )
    run = report_run(status=ReportRun.Status.DONE, result={"secret_marker": 1234567})

    for name, pk in (("servicereturn", service_return.pk), ("reportrun", run.pk)):
        listed = client.get(reverse(f"admin:reporting_{name}_changelist"))
        page = client.get(reverse(f"admin:reporting_{name}_change", args=[pk]))
        assert (listed.status_code, page.status_code) == (200, 200)
        assert client.get(reverse(f"admin:reporting_{name}_add")).status_code == 403
        assert client.post(reverse(f"admin:reporting_{name}_delete", args=[pk]), {"post": "yes"}).status_code == 403
        for response in (listed, page):
            assert "secret_marker" not in response.content.decode()
    assert ServiceReturn.objects.count() == ReportRun.objects.count() == 1


@pytest.mark.parametrize("role", [Role.ANALYST, Role.IDVA_MANAGER])
def test_other_roles_cannot_change_the_catalogue(signed_in_client, role):
    """An analyst or IDVA manager has no admin access to metrics or estimates."""
    client = signed_in_client(UserFactory(roles=[role]))
    metric = ServiceMetric.objects.get(code="sarac_referrals")

    for name in ("admin:reporting_servicemetric_changelist", "admin:reporting_populationestimate_changelist"):
        assert client.get(reverse(name)).status_code in (302, 403)
    response = client.post(
        reverse("admin:reporting_servicemetric_change", args=[metric.pk]), _metric_form(metric, name="X")
    )
    assert response.status_code in (302, 403)
    metric.refresh_from_db()
    assert metric.name != "X"
