"""Writing and verifying the access log. Views and services call `access_log_record`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone
from django_guid import get_guid

from audit.hashing import access_log_row_hash
from audit.models import GENESIS_HASH, AccessLog

if TYPE_CHECKING:
    from django.http import HttpRequest

    from agencies.actors import Actor

# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 0x6461_7376_6175_6474
_sqlite_chain_lock = threading.Lock()


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _actor_parts(actor: Any) -> tuple[int | None, int | None, str | None]:
    """(user id, agency id, api key id) of a user, an API-key actor, or nobody."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, None, None
    api_key = getattr(actor, "api_key", None)
    if api_key is not None:
        return None, api_key.agency_id, api_key.pk
    return actor.pk, actor.agency_id, None


def access_log_record(
    *,
    action: str,
    actor: Actor | Any = None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> AccessLog:
    """Append one row to the access log, chained to the row before it.

    `actor` defaults to the request's user. `obj` fills `object_type` ("app_label.model") and `object_id`.
    """
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = obj.pk
    user_id, agency_id, api_key_id = _actor_parts(actor)
    fields: dict[str, Any] = {
        "at": timezone.now(),
        "user_id": user_id,
        "agency_id": agency_id,
        "api_key_id": api_key_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "request_id": (get_guid() or "")[:64],
        "ip": _client_ip(request),
        "detail": detail or {},
    }
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
            return _append(fields)
    with _sqlite_chain_lock, transaction.atomic():
        return _append(fields)


def _append(fields: dict[str, Any]) -> AccessLog:
    prev_hash = AccessLog.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
    row_hash = access_log_row_hash(prev_hash=prev_hash, **fields)
    return AccessLog.objects.create(prev_hash=prev_hash, hash=row_hash, **fields)


@dataclass(frozen=True)
class ChainVerification:
    """The outcome of checking the chain: how many rows were read, and the first broken one."""

    rows_checked: int
    first_broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def _rows_in_order() -> Iterator[AccessLog]:
    return AccessLog.objects.order_by("id").iterator(chunk_size=2000)


def access_log_verify() -> ChainVerification:
    """Recompute every row's hash in order and report the first row that does not match."""
    expected_prev = GENESIS_HASH
    checked = 0
    for row in _rows_in_order():
        if row.prev_hash != expected_prev:
            return ChainVerification(checked, row.pk, "its previous-row hash does not match the row before")
        recomputed = access_log_row_hash(
            prev_hash=row.prev_hash,
            at=row.at,
            user_id=row.user_id,
            agency_id=row.agency_id,
            api_key_id=row.api_key_id,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            request_id=row.request_id,
            ip=row.ip,
            detail=row.detail,
        )
        if recomputed != row.hash:
            return ChainVerification(checked, row.pk, "its content does not match its hash")
        expected_prev = row.hash
        checked += 1
    return ChainVerification(checked)
