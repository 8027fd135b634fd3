"""Celery tasks of the agencies app (thin: each calls one service)."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="agencies.tasks.expired_sessions_clear", acks_late=True)
def expired_sessions_clear() -> None:
    """Nightly: delete expired sessions (Django's clearsessions)."""
    call_command("clearsessions")


@shared_task(name="agencies.tasks.idempotency_records_purge", acks_late=True)
def idempotency_records_purge() -> int:
    """Nightly: forget Idempotency-Key records older than 24 hours."""
    from agencies.api.idempotency import idempotency_records_purge as purge

    return purge()
