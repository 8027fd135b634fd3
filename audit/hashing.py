"""The hash of an access-log row: a pure function of its content and the previous row's hash."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any


def access_log_row_hash(
    *,
    prev_hash: str,
    at: datetime,
    user_id: int | None,
    agency_id: int | None,
    api_key_id: str | None,
    action: str,
    object_type: str,
    object_id: str,
    request_id: str,
    ip: str | None,
    detail: dict[str, Any],
) -> str:
    """SHA-256 over a canonical JSON rendering of the row (sorted keys, UTC time to the microsecond)."""
    content = {
        "prev_hash": prev_hash,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "user_id": user_id,
        "agency_id": agency_id,
        "api_key_id": api_key_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "request_id": request_id,
        "ip": ip,
        "detail": detail,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
