"""Celery tasks of the referrals app (thin: each calls one service)."""

from celery import shared_task


@shared_task(name="referrals.tasks.referrals_contact_overdue_flag", acks_late=True)
def referrals_contact_overdue_flag() -> dict[str, int]:
    """Nightly: flag referrals whose first contact attempt is late, clear those no longer late."""
    from referrals.services import referrals_contact_overdue_flag as flag

    return flag()
