"""Celery tasks of the perpetrator panel (thin: each calls one service)."""

from celery import shared_task


@shared_task(name="perpetrator_panel.tasks.panel_statuses_recompute", acks_late=True)
def panel_statuses_recompute() -> dict[str, int]:
    """Nightly: re-score panel cases and set each active or inactive by the 3-month rule (idempotent)."""
    from perpetrator_panel.services import panel_statuses_recompute as recompute

    return recompute()
