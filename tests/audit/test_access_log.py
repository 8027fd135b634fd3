"""The access log: hash chain, tamper detection, append-only storage, verify_audit_log."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.models import GENESIS_HASH, AccessLog
from audit.services import access_log_record, access_log_verify
from tests.factories.agencies import UserFactory

pytestmark = pytest.mark.django_db


def _write(n: int = 5) -> list[AccessLog]:
    user = UserFactory()
    return [
        access_log_record(action=AccessLog.Action.VIEW, actor=user, object_type="cases.case", object_id=i)
        for i in range(n)
    ]


def _raw_update(sql: str, params: list) -> None:
    """Change rows behind the application's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # skips the append-only trigger
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_rows_are_chained():
    """Each row stores the previous row's hash; the first starts from the genesis hash."""
    rows = _write(3)
    assert rows[0].prev_hash == GENESIS_HASH
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].prev_hash == rows[1].hash
    assert access_log_verify().ok


def test_row_records_actor_and_agency():
    """A row names the user and their agency."""
    user = UserFactory()
    row = access_log_record(action=AccessLog.Action.LIST, actor=user, object_type="cases.case")
    assert row.user == user
    assert row.agency == user.agency


def test_verify_command_reports_an_intact_chain():
    """verify_audit_log says the chain is intact and how many rows it checked."""
    _write(4)
    from io import StringIO

    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    assert "intact: 4 rows" in out.getvalue()


def test_tampered_row_is_detected_by_the_command():
    """Changing a row's content makes verify_audit_log fail, naming that row."""
    rows = _write(5)
    _raw_update("UPDATE audit_accesslog SET object_id = %s WHERE id = %s", ["999", rows[2].pk])
    with pytest.raises(CommandError) as error:
        call_command("verify_audit_log")
    assert error.value.returncode == 1
    assert f"broken at row {rows[2].pk}" in str(error.value)


def test_deleted_row_is_detected():
    """Removing a row breaks the link from the row after it."""
    rows = _write(5)
    _raw_update("DELETE FROM audit_accesslog WHERE id = %s", [rows[1].pk])
    result = access_log_verify()
    assert not result.ok
    assert result.first_broken_id == rows[2].pk
    assert result.rows_checked == 1


def test_rehashed_row_is_still_detected():
    """Rewriting a row and its own hash still breaks the next row's link."""
    rows = _write(4)
    _raw_update("UPDATE audit_accesslog SET object_id = %s, hash = %s WHERE id = %s", ["7", "f" * 64, rows[1].pk])
    result = access_log_verify()
    assert result.first_broken_id == rows[1].pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_database_refuses_updates_and_deletes():
    """On PostgreSQL, UPDATE, DELETE and TRUNCATE of the access log are refused by the database."""
    rows = _write(1)
    for statement in ("UPDATE audit_accesslog SET action = 'list'", "DELETE FROM audit_accesslog"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(statement)
    with transaction.atomic(), connection.cursor() as cursor:
        # The suite itself may truncate (to reset its database); an ordinary session may not.
        cursor.execute("SET LOCAL dasv.allow_audit_truncate = off")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("TRUNCATE audit_accesslog")
    assert AccessLog.objects.get().hash == rows[0].hash


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    """Rows written at once from several connections still form one unbroken chain."""
    user = UserFactory()
    errors: list[Exception] = []

    def write() -> None:
        try:
            for i in range(15):
                access_log_record(action=AccessLog.Action.VIEW, actor=user, object_type="t", object_id=i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = access_log_verify()
    assert result.ok
    assert result.rows_checked == 60
