"""`Idempotency-Key` on POST: the same key and body from the same caller within 24 hours replays the first
response and creates nothing new; the same key with another request is refused (422).

Views opt in with the `idempotent` decorator on their `post` method (after authentication and permission
checks, so the caller is known). The first request claims the key inside one transaction with the work
it does, so on PostgreSQL a concurrent request with the same key waits on the unique index and then
replays the committed response; if the first request fails, its claim is rolled back with its writes and
the key can be used again. Only successful (2xx) responses are kept.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
REPLAY_WINDOW = timedelta(hours=24)
MAX_KEY_LENGTH = 255

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID, say), at most 255 characters. Sending the same key and body again "
        "within 24 hours returns the first response (with `Idempotent-Replayed: true`) and creates "
        "nothing new; the same key with a different request is refused with 422."
    ),
)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = {HEADER: ["This key was used for a different request in the last 24 hours; use a new key."]}
    default_code = "idempotency_key_reused"


def _valid_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise exceptions.ValidationError({HEADER: [f"Send 1 to {MAX_KEY_LENGTH} printable characters."]})
    return key


def _caller(actor: Any) -> tuple[str, dict[str, Any]]:
    """A stable name for who sent the key, and the record's owner columns."""
    api_key = getattr(actor, "api_key", None)
    if api_key is not None:
        return f"key:{api_key.prefix}", {"agency": api_key.agency, "api_key": api_key}
    return f"user:{actor.pk}", {"agency": actor.agency, "user": actor}


def _raw_body(request: Request) -> bytes:
    try:
        return request.body or b""
    except RawPostDataException:
        # The body was already read as a stream: hash its canonical JSON instead.
        return json.dumps(request.data, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _as_stored_json(response: Response) -> Any:
    # Exactly what the client received, as plain JSON (dates already rendered as strings).
    if response.data is None:
        return None
    return json.loads(JSONRenderer().render(response.data))


def _replay(record: IdempotencyRecord, *, method: str, path: str, body_hash: str) -> Response:
    if (record.method, record.path, record.body_hash) != (method, path, body_hash):
        raise IdempotencyKeyReused()
    return Response(record.response_body, status=record.status_code, headers={REPLAYED_HEADER: "true"})


def idempotent_response(*, request: Request, key: str, respond: Callable[[], Response]) -> Response:
    """The stored response for this caller's key, or `respond()` run once and stored when it succeeds."""
    key = _valid_key(key)
    caller, owner = _caller(request.user)
    method, path = request.method or "", request.path
    body_hash = hashlib.sha256(_raw_body(request)).hexdigest()
    with transaction.atomic():
        record = IdempotencyRecord.objects.select_for_update().filter(caller=caller, key=key).first()
        if record is not None and record.created_at < timezone.now() - REPLAY_WINDOW:
            record.delete()
            record = None
        if record is not None:
            return _replay(record, method=method, path=path, body_hash=body_hash)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    key=key, caller=caller, method=method, path=path, body_hash=body_hash, **owner
                )
        except IntegrityError:
            # A concurrent request with this key committed first (PostgreSQL made this one wait for it).
            record = IdempotencyRecord.objects.get(caller=caller, key=key)
            return _replay(record, method=method, path=path, body_hash=body_hash)
        # An exception here leaves the atomic block: the claim is rolled back with the view's writes.
        response = respond()
        if status.is_success(response.status_code):
            record.status_code = response.status_code
            record.response_body = _as_stored_json(response)
            record.save(update_fields=["status_code", "response_body"])
        else:
            record.delete()
        return response


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a view's `post`: with an `Idempotency-Key` header, the first response is replayed."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        return idempotent_response(request=request, key=key, respond=lambda: handler(view, request, *args, **kwargs))

    return wrapper


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Delete the records older than the replay window (they are ignored already); returns how many."""
    cutoff = (now or timezone.now()) - REPLAY_WINDOW
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
