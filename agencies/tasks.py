"""Celery tasks of the agencies app (thin: each calls one service)."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="agencies.tasks.expired_sessions_clear", acks_late=True)
def expired_sessions_clear() -> None:
    """Nightly: delete expired sessions (Django's clearsessions)."""
    call_command("clearsessions")
