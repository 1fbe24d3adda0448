from celery import shared_task

from . import services


@shared_task
def deliver_messages(message_ids: list[int]) -> int:
    """Send the e-mails of these messages, each at most once.

    A failed e-mail is recorded on its message and does not hold back the others. Nothing is
    retried here (run in-process, a retry would hold the user's request): the sweep is the one
    retry mechanism, with a growing pause between attempts.
    """
    sent = 0
    for pk in message_ids:
        try:
            sent += services.deliver(pk)
        except OSError:  # SMTP and socket errors, already recorded on the message
            continue
    return sent


@shared_task
def send_reminders() -> dict:
    """The daily beat job: every sweep of ``notifications.sweeps`` (same as ``manage.py send_reminders``)."""
    from django.utils import timezone

    from . import sweeps

    return sweeps.run_all(timezone.localdate())


@shared_task
def sweep_pending_messages() -> int:
    """Queue again every e-mail that is still unsent and due for another attempt (the outbox sweep)."""
    ids = services.pending_email_ids()
    for pk in ids:
        deliver_messages.delay([pk])
    return len(ids)
