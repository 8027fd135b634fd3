"""Celery tasks of the MARAC app (thin: each calls one service)."""

from celery import shared_task


@shared_task(name="marac.tasks.meetings_generate_all", acks_late=True)
def meetings_generate_all() -> int:
    """Daily: generate each schedule's meetings ahead (idempotent); returns how many were made."""
    from marac.services import meetings_generate_all as generate

    return generate()


@shared_task(name="marac.tasks.marac_access_expire", acks_late=True)
def marac_access_expire() -> dict[str, int]:
    """Nightly: take back member agencies' access to cases of past agendas once its period has run."""
    from marac.services import marac_access_expire as expire

    return expire()


@shared_task(name="marac.tasks.research_reminders_send_all", acks_late=True)
def research_reminders_send_all() -> int:
    """Daily: remind member agencies of research missing for published agendas (once a day per meeting)."""
    from marac.services import research_reminders_send_all as remind

    return remind()


@shared_task(name="marac.tasks.marac_actions_overdue_notify", acks_late=True)
def marac_actions_overdue_notify() -> int:
    """Nightly: email coordinators the MARAC actions newly overdue (each action once); how many."""
    from marac.services import marac_actions_overdue_notify as notify

    return notify()
