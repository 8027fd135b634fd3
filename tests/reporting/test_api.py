"""The reports API: request an annual report run, follow it and read its published document; the runs each
caller may see; service returns submitted and listed by provider agencies."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from agencies.models import Agency, ApiKey, Role, User
from reporting.disclosure import published
from reporting.models import ReportRun, ServiceMetric, ServiceReturn
from tests.conftest import sign_in
from tests.factories.agencies import AgencyFactory, AreaFactory, UserFactory
from tests.factories.reporting import provider_agency, report_activity, report_run, report_user

pytestmark = pytest.mark.django_db

API = "/api/v1/reports/"
ANNUAL = f"{API}annual/"
RETURNS = f"{API}service-returns/"


def as_user(user: User) -> APIClient:
    return sign_in(APIClient(), user)


@pytest.fixture
def computing() -> None:
    """Ask for this to have requested runs computed (eagerly, when the transaction commits)."""


@pytest.fixture(autouse=True)
def _runs_stay_queued(monkeypatch, request):
    """Requested runs stay queued (no eager computation), unless the test asks for `computing`."""
    if "computing" not in request.fixturenames:
        monkeypatch.setattr("reporting.tasks.report_run_execute_task.delay_on_commit", lambda *args, **kwargs: None)


# --- Requesting a run -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ANALYST, Role.IDVA_MANAGER, Role.PARTNERSHIP_ADMIN])
def test_a_report_role_requests_a_run_and_is_answered_202(role):
    """A report role's POST answers 202 with the new run's id and status `queued`, for the area given."""
    AreaFactory(slug="demo-county")
    user = report_user(role)

    response = as_user(user).post(ANNUAL, {"period": "2020-21", "area": "demo-county"}, format="json")

    assert response.status_code == 202, response.content
    run = ReportRun.objects.get()
    assert response.json() == {"id": run.pk, "status": "queued"}
    assert (run.period_label, run.area.slug, run.requested_by, run.kind) == ("2020-21", "demo-county", user, "annual")


def test_without_an_area_the_run_covers_the_whole_partnership(key_client):
    """An agency's write key may request a run; no area (or null) is the whole partnership."""
    agency = AgencyFactory()

    for body in ({"period": "2020-04-01:2021-03-31"}, {"period": "2017/18", "area": None}):
        assert key_client(agency).post(ANNUAL, body, format="json").status_code == 202

    assert list(ReportRun.objects.values_list("area", "requested_by_agency", "requested_by")) == [
        (None, agency.pk, None),
        (None, agency.pk, None),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "period"),
        ({"period": ""}, "period"),
        ({"period": "2020-22"}, "period"),
        ({"period": "2021-02-30:2021-03-31"}, "period"),
        ({"period": "2020-21", "area": "atlantis"}, "area"),
        ({"period": ["2020-21"]}, "period"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(body, field):
    """A period that cannot be read or an unknown area is a 400 in the errors format; no run is made."""
    response = as_user(report_user()).post(ANNUAL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert ReportRun.objects.count() == 0


def test_the_idempotency_key_replays_the_first_answer_and_makes_one_run():
    """The same key and body twice: one run, the same answer (marked replayed)."""
    client = as_user(report_user())
    body = {"period": "2020-21"}

    first = client.post(ANNUAL, body, format="json", HTTP_IDEMPOTENCY_KEY="run-2020-21")
    second = client.post(ANNUAL, body, format="json", HTTP_IDEMPOTENCY_KEY="run-2020-21")

    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert ReportRun.objects.count() == 1


def test_with_eager_celery_the_answer_is_the_status_when_it_is_built(computing, django_capture_on_commit_callbacks):
    """With no broker the run is computed in the request as its transaction commits: without a key that
    is before the answer (done); with a key the answer is built inside the transaction (queued)."""
    client = as_user(report_user())

    plain = client.post(ANNUAL, {"period": "2020-21"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        keyed = client.post(ANNUAL, {"period": "2019-20"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    # The test's own transaction holds the first commit back: it answered before computing too.
    assert (plain.status_code, keyed.status_code) == (202, 202)
    assert keyed.json()["status"] == "queued"
    assert ReportRun.objects.get(pk=keyed.json()["id"]).status == "done"


# --- Reading runs -----------------------------------------------------------------------------------


def test_the_run_answers_its_progress_and_then_its_published_document(computing, django_capture_on_commit_callbacks):
    """While queued `data` is null; once done `data` is the stored result as published under disclosure
    control (counts below the threshold null and listed under `suppressed`)."""
    area = AreaFactory(slug="demo-county")
    report_activity(area=area, first=date(2020, 5, 1), referrals=7, incidents=3)
    client = as_user(report_user())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_id = client.post(ANNUAL, {"period": "2020-21", "area": "demo-county"}, format="json").json()["id"]

    queued = client.get(f"{ANNUAL}{run_id}/").json()
    for callback in callbacks:
        callback()
    done = client.get(f"{ANNUAL}{run_id}/").json()

    assert (queued["status"], queued["progress"], queued["data"]) == ("queued", 0, None)
    run = ReportRun.objects.get(pk=run_id)
    assert (done["id"], done["status"], done["progress"]) == (run_id, "done", 100)
    assert done["data"] == published(run.result, settings.DASV_DISCLOSURE_THRESHOLD)
    assert done["data"]["idva"]["referrals"] == 7
    assert done["data"]["police"]["incidents"] is None  # 3 incidents: fewer than 5
    assert done["data"]["suppressed"]["police.incidents"] == "primary"
    assert run.result["police"]["incidents"] == 3


def test_report_roles_see_every_annual_run_and_keys_their_agencys(key_client):
    """The report roles share one history (every annual run, newest first); an agency's key lists only the
    runs its agency requested; SafeLives runs are not annual runs."""
    agency, other = AgencyFactory(), AgencyFactory()
    mine = report_run(requested_by_agency=agency)
    by_my_user = report_run(requested_by=report_user(agency=agency))
    theirs = report_run(requested_by_agency=other)
    scheduled = report_run(scheduled=True)
    report_run(kind=ReportRun.Kind.SAFELIVES_QUARTERLY, period="2020-21 Q1", area=AreaFactory())

    analyst = as_user(report_user()).get(ANNUAL).json()
    key = key_client(agency, scope=ApiKey.Scope.READ).get(ANNUAL).json()

    assert [row["id"] for row in analyst["results"]] == [scheduled.pk, theirs.pk, by_my_user.pk, mine.pk]
    assert [row["id"] for row in key["results"]] == [by_my_user.pk, mine.pk]
    assert set(analyst["results"][0]) == {
        "id",
        "kind",
        "status",
        "progress",
        "step",
        "period",
        "area",
        "scheduled",
        "requested_at",
        "started_at",
        "finished_at",
        "attempts",
        "error",
    }


def test_another_agencys_run_is_404_for_a_key(key_client):
    """A key may read its agency's run; another agency's, a scheduled one, or one that does not exist is 404."""
    agency, other = AgencyFactory(), AgencyFactory()
    mine = report_run(requested_by_agency=agency, status=ReportRun.Status.DONE)
    theirs = report_run(requested_by_agency=other, status=ReportRun.Status.DONE)
    scheduled = report_run(scheduled=True)
    client = key_client(agency)

    assert client.get(f"{ANNUAL}{mine.pk}/").status_code == 200
    for pk in (theirs.pk, scheduled.pk, 999_999):
        response = client.get(f"{ANNUAL}{pk}/")
        assert response.status_code == 404
        assert "errors" in response.json()


@pytest.mark.parametrize(
    ("who", "post", "read"),
    [
        ("analyst", 202, 200),
        ("idva_manager", 202, 200),
        ("partnership_admin", 202, 200),
        ("idva", 403, 403),
        ("marac_coordinator", 403, 403),
        ("no_role", 403, 403),
        ("write_key", 202, 200),
        ("read_key", 403, 200),
        ("anonymous", 401, 401),
    ],
)
def test_the_access_matrix(key_client, who, post, read):
    """Report roles and agencies' keys run and read reports (a read-only key only reads); other roles are
    refused (403); without credentials 401; a refused request writes nothing."""
    agency = AgencyFactory()
    run = report_run(requested_by_agency=agency, status=ReportRun.Status.DONE)
    roles = {"no_role": []}.get(who, [who])
    client = {
        "write_key": lambda: key_client(agency),
        "read_key": lambda: key_client(agency, scope=ApiKey.Scope.READ),
        "anonymous": APIClient,
    }.get(who, lambda: as_user(UserFactory(agency=agency, roles=roles)))()

    assert client.post(ANNUAL, {"period": "2020-21"}, format="json").status_code == post
    assert client.get(ANNUAL).status_code == read
    assert client.get(f"{ANNUAL}{run.pk}/").status_code == read
    assert ReportRun.objects.count() == (2 if post == 202 else 1)


def test_the_run_list_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    """Ten more runs take no more queries than one."""
    client = as_user(report_user())
    area = AreaFactory()
    report_run(requested_by=report_user(), area=area)
    with CaptureQueriesContext(connection) as few:
        first = client.get(ANNUAL)
    for _ in range(10):
        report_run(requested_by=report_user(), area=AreaFactory(), status=ReportRun.Status.DONE)

    with django_assert_max_num_queries(len(few)):
        response = client.get(ANNUAL)

    assert (first.json()["count"], response.json()["count"]) == (1, 11)


def test_runs_filter_by_status_and_a_bad_filter_is_400():
    """`?status=done` lists the finished runs; an unknown status is a 400 naming it."""
    client = as_user(report_user())
    done = report_run(status=ReportRun.Status.DONE)
    report_run()

    assert [row["id"] for row in client.get(ANNUAL, {"status": "done"}).json()["results"]] == [done.pk]
    response = client.get(ANNUAL, {"status": "finished"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


# --- Service returns --------------------------------------------------------------------------------


def _return_body(**changes: object) -> dict[str, object]:
    return {
        "metric": "refuge_women_housed",
        "area": "refuge-area",
        "period_start": "2020-04-01",
        "period_end": "2020-06-30",
        "value": 12,
        **changes,
    }


@pytest.fixture
def refuge() -> Agency:
    return provider_agency(Agency.Kind.REFUGE, areas=[AreaFactory(slug="refuge-area")])


@pytest.mark.parametrize("who", ["user", "key"])
def test_a_provider_submits_its_return_and_lists_its_own(refuge, key_client, who):
    """A refuge's worker or its write key submits a return (201); the agency lists only its own returns."""
    client = key_client(refuge) if who == "key" else as_user(UserFactory(agency=refuge, roles=[Role.AGENCY_REP]))
    other = provider_agency(Agency.Kind.REFUGE)
    ServiceReturn.objects.create(
        agency=other,
        metric=ServiceMetric.objects.get(code="refuge_women_housed"),
        area=other.areas.get(),
        period_start=date(2020, 4, 1),
        period_end=date(2020, 6, 30),
        value=9,
    )

    response = client.post(RETURNS, _return_body(notes="Two families"), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("agency", "metric", "area", "period_start", "period_end", "value")} == {
        "agency": refuge.slug,
        "metric": "refuge_women_housed",
        "area": "refuge-area",
        "period_start": "2020-04-01",
        "period_end": "2020-06-30",
        "value": 12,
    }
    listed = client.get(RETURNS).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert as_user(report_user()).get(RETURNS).json()["count"] == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"metric": "no_such_metric"}, "metric"),
        ({"metric": "isva_referrals"}, "metric"),
        ({"area": "atlantis"}, "area"),
        ({"period_end": "2020-03-31"}, "period_end"),
        ({"value": -3}, "value"),
        ({"period_start": "1 April 2020"}, "period_start"),
    ],
)
def test_a_bad_return_is_400_naming_the_field_and_writes_nothing(refuge, key_client, changes, field):
    """An unknown metric, one a refuge does not report, an unknown area, a period ending before it starts, a
    negative value or a date in another format is a 400 naming the field; nothing is written."""
    response = key_client(refuge).post(RETURNS, _return_body(**changes), format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert ServiceReturn.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "post", "read"),
    [("read_key", 403, 200), ("no_role", 403, 403), ("anonymous", 401, 401), ("analyst", 201, 200)],
)
def test_service_return_access(refuge, key_client, who, post, read):
    """A read-only key only lists; a user with no role and the anonymous are refused; an analyst of a
    refuge submits too (for their own agency)."""
    client = {
        "read_key": lambda: key_client(refuge, scope=ApiKey.Scope.READ),
        "no_role": lambda: as_user(UserFactory(agency=refuge, roles=[])),
        "anonymous": APIClient,
        "analyst": lambda: as_user(UserFactory(agency=refuge, roles=[Role.ANALYST])),
    }[who]()

    assert client.post(RETURNS, _return_body(), format="json").status_code == post
    assert client.get(RETURNS).status_code == read
    assert ServiceReturn.objects.count() == (1 if post == 201 else 0)


def test_the_return_list_takes_a_fixed_number_of_queries(refuge, key_client, django_assert_max_num_queries):
    """Ten more returns take no more queries than one."""
    client = key_client(refuge)
    client.post(RETURNS, _return_body(), format="json")
    with CaptureQueriesContext(connection) as few:
        client.get(RETURNS)
    # Counted now: each request below clears the connection's query log.
    queries = len(few)
    for month in range(1, 11):
        client.post(RETURNS, _return_body(period_start=f"2019-{month:02d}-01", period_end=f"2019-{month:02d}-28"))

    with django_assert_max_num_queries(queries):
        response = client.get(RETURNS)

    assert response.json()["count"] == 11


def test_the_idempotency_key_submits_a_return_once(refuge, key_client):
    """The same key and body twice: one return, the first answer replayed."""
    client = key_client(refuge)

    first = client.post(RETURNS, _return_body(), format="json", HTTP_IDEMPOTENCY_KEY="q1")
    second = client.post(RETURNS, _return_body(), format="json", HTTP_IDEMPOTENCY_KEY="q1")

    assert first.json() == second.json()
    assert ServiceReturn.objects.count() == 1


def test_the_metrics_offered_follow_the_agencys_kind(refuge, key_client):
    """A refuge is offered the refuge metrics and those for any provider, not the ISVA service's."""
    codes = [row["code"] for row in key_client(refuge).get(f"{API}service-metrics/").json()["results"]]

    assert "refuge_women_housed" in codes
    assert "sarac_referrals" in codes
    assert "isva_referrals" not in codes


def test_the_schema_lists_the_reports_endpoints():
    """The OpenAPI schema has the reports paths; the POSTs take the Idempotency-Key and answer 202 / 201."""
    schema = as_user(report_user()).get("/api/v1/schema/", {"format": "json"}).json()

    post = schema["paths"][ANNUAL]["post"]
    assert "202" in post["responses"]
    assert "Idempotency-Key" in {parameter["name"] for parameter in post["parameters"]}
    assert f"{ANNUAL}{{id}}/" in schema["paths"]
    assert "201" in schema["paths"][RETURNS]["post"]["responses"]


@pytest.mark.django_db(transaction=True)
def test_with_eager_celery_and_no_enclosing_transaction_the_answer_is_already_done(computing):
    """As under `make run` (autocommit, no broker): the run is computed as the request's own transaction
    commits, before the answer is built, so the 202 already says `done`."""
    from tests.conftest import restore_migration_data

    restore_migration_data()
    response = as_user(report_user()).post(ANNUAL, {"period": "2020-21"}, format="json")

    assert response.status_code == 202
    assert response.json()["status"] == "done"
    assert ReportRun.objects.get(pk=response.json()["id"]).progress == 100
