"""Celery tasks of the audit app (thin: each calls one service)."""

import logging

from celery import shared_task

from audit.services import access_log_verify as access_log_verify_service

logger = logging.getLogger(__name__)


@shared_task(name="audit.tasks.access_log_verify", acks_late=True)
def access_log_verify() -> dict:
    """Nightly: verify the access-log hash chain; a broken chain is logged as an error."""
    result = access_log_verify_service()
    if not result.ok:
        logger.error("Access log chain broken at row %s: %s", result.first_broken_id, result.problem)
    return {"ok": result.ok, "rows_checked": result.rows_checked, "first_broken_id": result.first_broken_id}
