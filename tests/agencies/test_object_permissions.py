"""Granting, revoking and checking an agency's object permissions (direct foreign-key tables)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from agencies.selectors import agency_has_object_permission, objects_for_agency
from agencies.services import object_permission_grant, object_permission_revoke
from audit.models import AccessLog
from tests.factories.agencies import AgencyFactory
from tests.protected_app.models import Record, RecordAgencyPermission, Unprotected

pytestmark = pytest.mark.django_db


def test_grant_gives_the_agency_access_and_records_why():
    """A grant lets the agency's group see the object, with the reason kept and logged."""
    agency, other = AgencyFactory(), AgencyFactory()
    record = Record.objects.create(title="A")
    row = object_permission_grant(agency=agency, perm="view_record", obj=record, reason="referring agency")
    assert isinstance(row, RecordAgencyPermission)
    assert row.reason == "referring agency"
    assert agency_has_object_permission(agency=agency, perm="protected_app.view_record", obj=record)
    assert not agency_has_object_permission(agency=other, perm="view_record", obj=record)
    assert not agency_has_object_permission(agency=agency, perm="change_record", obj=record)
    log = AccessLog.objects.get(action=AccessLog.Action.PERMISSION_GRANT)
    assert log.detail == {"agency": agency.slug, "permission": "view_record", "reason": "referring agency"}
    assert log.object_type == "protected_app.record"


def test_granting_twice_keeps_one_row_with_the_latest_reason():
    """Granting an existing permission again updates its reason, not a duplicate row."""
    agency = AgencyFactory()
    record = Record.objects.create(title="A")
    object_permission_grant(agency=agency, perm="view_record", obj=record, reason="first")
    object_permission_grant(agency=agency, perm="view_record", obj=record, reason="second")
    assert RecordAgencyPermission.objects.get().reason == "second"


def test_grant_needs_a_reason():
    """A grant without a reason is refused and writes nothing."""
    agency = AgencyFactory()
    record = Record.objects.create(title="A")
    with pytest.raises(ValidationError) as error:
        object_permission_grant(agency=agency, perm="view_record", obj=record, reason="  ")
    assert "reason" in error.value.message_dict
    assert not RecordAgencyPermission.objects.exists()
    assert not AccessLog.objects.exists()


def test_revoke_removes_access_and_is_logged():
    """Revoking takes the permission away and logs it; revoking nothing says so."""
    agency = AgencyFactory()
    record = Record.objects.create(title="A")
    object_permission_grant(agency=agency, perm="view_record", obj=record, reason="agenda")
    assert object_permission_revoke(agency=agency, perm="view_record", obj=record, reason="expired")
    assert not agency_has_object_permission(agency=agency, perm="view_record", obj=record)
    assert not object_permission_revoke(agency=agency, perm="view_record", obj=record, reason="again")
    assert AccessLog.objects.filter(action=AccessLog.Action.PERMISSION_REVOKE).count() == 1


def test_objects_for_agency_narrows_a_queryset_in_one_query(django_assert_num_queries):
    """The list helper returns only the permitted objects, in a single query whatever their number."""
    agency = AgencyFactory()
    records = [Record.objects.create(title=str(i)) for i in range(6)]
    for record in records[:4]:
        object_permission_grant(agency=agency, perm="view_record", obj=record, reason="r")
    object_permission_grant(agency=AgencyFactory(), perm="view_record", obj=records[5], reason="r")
    with django_assert_num_queries(1):
        visible = list(objects_for_agency(agency=agency, perm="view_record", queryset=Record.objects.all()))
    assert {r.pk for r in visible} == {r.pk for r in records[:4]}


def test_custom_permissions_work_like_model_permissions():
    """A model's own permissions (such as a safe-contact permission) are granted the same way."""
    agency = AgencyFactory()
    record = Record.objects.create(title="A")
    object_permission_grant(agency=agency, perm="view_secret", obj=record, reason="IDVA service")
    assert agency_has_object_permission(agency=agency, perm="view_secret", obj=record)


def test_models_without_a_direct_table_are_refused():
    """Generic object permissions are not used: a model without a direct table cannot be granted."""
    agency = AgencyFactory()
    thing = Unprotected.objects.create(title="A")
    with pytest.raises(ImproperlyConfigured):
        object_permission_grant(agency=agency, perm="view_unprotected", obj=thing, reason="r")


def test_unknown_permission_is_refused():
    """A misspelt permission is an error, not a silent no-op."""
    agency = AgencyFactory()
    record = Record.objects.create(title="A")
    with pytest.raises(ImproperlyConfigured):
        object_permission_grant(agency=agency, perm="view_recrod", obj=record, reason="r")


def test_agency_group_is_named_after_the_slug():
    """Each agency owns one group, named after its slug."""
    agency = AgencyFactory(slug="north-police")
    assert agency.group.name == "agency:north-police"
