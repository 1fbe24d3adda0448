"""Sending a message's e-mail (notifications.services.deliver): no row lock and no transaction is
held while the mail server answers; the row is claimed in a short transaction first, so a sweep
and a late task never send the same e-mail twice, and a claim left by a dead worker expires."""

import threading
from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone

from notifications import services
from notifications.models import SENDING_TIMEOUT, Message
from tests.concurrency import race


class SlowServer:
    """What the test's mail server does while it is "answering" (set per test)."""

    while_sending = None
    sent: list = []
    lock = threading.Lock()


class SlowBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        if SlowServer.while_sending is not None:
            SlowServer.while_sending()
        with SlowServer.lock:
            SlowServer.sent.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def slow_server(settings):
    settings.EMAIL_BACKEND = "tests.test_email_delivery_lock.SlowBackend"
    SlowServer.sent = []
    yield SlowServer
    SlowServer.while_sending = None
    SlowServer.sent = []


@pytest.fixture
def message(db, chengdu):
    """A message whose e-mail is still to be sent (written without running the delivery)."""
    return Message.objects.create(recipient=chengdu, subject="Art. 10.1: 提交建设意向申请", body="…")


def in_other_connection(func):
    """Run ``func`` in another thread, i.e. on another database connection; return its outcome."""
    outcome = []

    def run():
        try:
            outcome.append(func())
        except Exception as exc:  # the test inspects it
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return outcome[0]


def lock_row_now(pk):
    """What a user marking the message read (or the admin) needs: the row, without waiting."""
    with transaction.atomic():
        return Message.objects.select_for_update(nowait=True).filter(pk=pk).count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_row_lock_or_transaction_is_held_while_the_mail_server_answers(message, slow_server):
    seen = {}

    def answering():
        seen["in_transaction"] = connection.in_atomic_block
        seen["row"] = in_other_connection(lambda: lock_row_now(message.pk))

    slow_server.while_sending = answering

    assert services.deliver(message.pk) is True

    assert seen == {"in_transaction": False, "row": 1}, seen  # not a DatabaseError "could not obtain lock"
    assert len(slow_server.sent) == 1
    message.refresh_from_db()
    assert message.email_sent_at is not None and message.email_attempts == 1


current = threading.local()  # the worker running in this thread


class Deliver:
    """One of two workers delivering the same message at once: a late task and the sweep."""

    def __init__(self, pk, done: threading.Event, other_done: threading.Event):
        self.pk, self.done, self.other_done = pk, done, other_done

    def prepare(self):
        return self.pk

    def act(self, pk):
        current.worker = self
        try:
            return services.deliver(pk)
        finally:
            self.done.set()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_and_a_late_task_at_once_send_the_email_once(message, slow_server):
    task_done, sweep_done = threading.Event(), threading.Event()
    workers = [Deliver(message.pk, task_done, sweep_done), Deliver(message.pk, sweep_done, task_done)]

    def answering():
        # The one sending waits until the other worker has finished (at most a few seconds):
        # without the claim, the other would be sending the same e-mail right now.
        current.worker.other_done.wait(timeout=3)

    slow_server.while_sending = answering

    outcomes = race(*workers)

    assert sorted(outcomes, key=repr) == [False, True], outcomes
    assert len(slow_server.sent) == 1
    message.refresh_from_db()
    assert message.email_sent_at is not None and message.email_attempts == 1


def test_an_email_being_sent_is_not_sent_again_nor_swept(message, mailoutbox):
    claimed = timezone.now() - timedelta(minutes=5)
    Message.objects.filter(pk=message.pk).update(
        created_at=claimed, email_attempts=1, email_last_attempt_at=claimed, email_error=""
    )

    assert message.pk not in services.pending_email_ids()
    assert services.deliver(message.pk) is False
    assert mailoutbox == []


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_timeout(message, mailoutbox):
    claimed = timezone.now() - SENDING_TIMEOUT - timedelta(minutes=1)
    Message.objects.filter(pk=message.pk).update(
        created_at=claimed, email_attempts=1, email_last_attempt_at=claimed, email_error=""
    )

    assert services.pending_email_ids() == [message.pk]
    assert services.deliver(message.pk) is True
    assert [email.to for email in mailoutbox] == [[message.recipient.email]]
    message.refresh_from_db()
    assert message.email_attempts == 2 and message.email_error == ""


def test_a_failed_attempt_ends_the_claim_and_keeps_the_error(message, settings):
    settings.EMAIL_BACKEND = "tests.test_notifications.RefusingSMTPBackend"

    with pytest.raises(OSError):
        services.deliver(message.pk)

    message.refresh_from_db()
    assert not message.email_being_sent
    assert "service not available" in message.email_error
    assert message.email_attempts == 1
