from celery import shared_task

from . import services


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600, max_retries=6)
def deliver_messages(self, message_ids: list[int]) -> int:
    """Send the e-mails of these messages (each at most once)."""
    return sum(services.deliver(pk) for pk in message_ids)


@shared_task
def sweep_pending_messages() -> int:
    """Queue again every e-mail that is still unsent (the outbox sweep)."""
    ids = services.pending_email_ids()
    for pk in ids:
        deliver_messages.delay([pk])
    return len(ids)
