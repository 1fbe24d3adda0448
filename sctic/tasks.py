"""Queueing background work safely."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> None:
    """Send ``task`` to Celery once the current transaction commits.

    The user's action has already been saved when this runs. If the broker is down the failure is
    logged and swallowed: the work is recorded in the database (an outbox row) and the periodic
    sweep sends it when the broker is back, so nothing is lost and nobody sees an error page.
    """

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:  # the broker's errors vary by transport; all mean "try again later"
            logger.warning("Could not queue %s%r; the sweep will retry it.", task.name, args, exc_info=True)

    transaction.on_commit(send)
