"""Celery tasks of the reviews app (thin: each calls one service)."""

from celery import shared_task


@shared_task(name="dhr.tasks.reviews_overdue_notify", acks_late=True)
def reviews_overdue_notify() -> int:
    """Nightly: email DHR coordinators the reviews newly past a stage target (each target once)."""
    from dhr.services import reviews_overdue_notify as notify

    return notify()
