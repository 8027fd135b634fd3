"""Who may run and read reports and submit service returns, and what each sees: runs, metrics, returns."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from agencies.actors import ApiKeyActor
from agencies.models import Agency, ApiKey, Role
from reporting.models import ServiceMetric, ServiceReturn
from reporting.selectors import (
    can_run_reports,
    can_submit_service_returns,
    report_run_get,
    report_run_list,
    service_metric_choices,
    service_return_list,
)
from tests.factories.agencies import AgencyFactory, UserFactory, api_key_for
from tests.factories.reporting import provider_agency, report_run, report_user

pytestmark = pytest.mark.django_db


def _key_actor(agency: Agency, scope: str = ApiKey.Scope.WRITE) -> ApiKeyActor:
    return ApiKeyActor(api_key=api_key_for(agency, scope=scope)[0])


@pytest.mark.parametrize(
    ("roles", "runs", "returns"),
    [
        ([Role.ANALYST], True, True),
        ([Role.IDVA_MANAGER], True, True),
        ([Role.PARTNERSHIP_ADMIN], True, True),
        ([Role.IDVA], False, True),
        ([Role.DHR_COORDINATOR], False, True),
        ([], False, False),
    ],
)
def test_who_may_run_reports_and_submit_returns(roles, runs, returns):
    """Report roles run reports; anyone with a role submits their agency's returns; no role, neither."""
    user = UserFactory(roles=roles)

    assert can_run_reports(user) is runs
    assert can_submit_service_returns(user) is returns


def test_keys_may_run_reports_and_the_anonymous_nothing():
    """An agency's key (any scope) may run reports and use returns; the anonymous may not."""
    key = _key_actor(AgencyFactory(), ApiKey.Scope.READ)

    assert (can_run_reports(key), can_submit_service_returns(key)) == (True, True)
    assert (can_run_reports(AnonymousUser()), can_submit_service_returns(AnonymousUser())) == (False, False)
    assert (can_run_reports(None), can_submit_service_returns(None)) == (False, False)


def test_runs_visible_to_each_actor():
    """Report roles see every run; a key its agency's; other users none; get is 404 for the unseen."""
    agency = AgencyFactory()
    mine = report_run(requested_by_agency=agency)
    other = report_run(requested_by_agency=AgencyFactory())
    key = _key_actor(agency)
    idva = UserFactory(agency=agency, roles=[Role.IDVA])

    assert set(report_run_list(actor=report_user())) == {mine, other}
    assert list(report_run_list(actor=key)) == [mine]
    assert list(report_run_list(actor=idva)) == []
    assert report_run_get(actor=key, pk=mine.pk) == mine
    with pytest.raises(Http404):
        report_run_get(actor=key, pk=other.pk)


def test_the_run_list_leaves_out_the_result_and_get_reads_it():
    """Lists defer the (large) result; one run read by get has it."""
    run = report_run(status="done", result={"big": [1, 2, 3]})
    analyst = report_user()

    assert "result" in report_run_list(actor=analyst).get().get_deferred_fields()
    assert report_run_get(actor=analyst, pk=run.pk).result == {"big": [1, 2, 3]}


def test_metric_choices_follow_the_agency_kind_and_leave_out_inactive_metrics():
    """An ISVA service is offered its own metrics and those for any provider; inactive ones are not."""
    isva = UserFactory(agency=provider_agency(Agency.Kind.ISVA_SERVICE), roles=[Role.AGENCY_REP])
    ServiceMetric.objects.filter(code="champions_members").update(active=False)

    codes = set(service_metric_choices(actor=isva).values_list("code", flat=True))

    assert {"isva_referrals", "chisva_referrals", "sarac_referrals"} <= codes
    assert "refuge_women_housed" not in codes
    assert "champions_members" not in codes
    assert not service_metric_choices(actor=UserFactory(roles=[])).exists()


def test_returns_visible_to_each_actor():
    """An agency sees its own returns; the report roles every agency's; a user with no role none. Filters
    narrow by metric and by period."""
    refuge, other = provider_agency(), provider_agency()
    metric = ServiceMetric.objects.get(code="refuge_women_housed")
    children = ServiceMetric.objects.get(code="refuge_children_housed")

    def make(agency: Agency, metric: ServiceMetric, start: date) -> ServiceReturn:
        return ServiceReturn.objects.create(
            agency=agency, metric=metric, area=agency.areas.get(), period_start=start, period_end=start, value=1
        )

    first, second = make(refuge, metric, date(2020, 4, 1)), make(refuge, children, date(2020, 7, 1))
    theirs = make(other, metric, date(2020, 4, 1))
    worker = UserFactory(agency=refuge, roles=[Role.AGENCY_REP])

    assert list(service_return_list(actor=worker)) == [second, first]
    assert set(service_return_list(actor=report_user())) == {first, second, theirs}
    assert list(service_return_list(actor=UserFactory(agency=refuge, roles=[]))) == []
    assert list(service_return_list(actor=worker, metric=metric)) == [first]
    assert list(service_return_list(actor=worker, period_from=date(2020, 5, 1))) == [second]
    assert list(service_return_list(actor=worker, period_to=date(2020, 5, 1))) == [first]
