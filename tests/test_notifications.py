"""The notification outbox (notifications/): one Message per party, written in the transition's
transaction; the e-mail leaves once, after commit; failures of the mail server or the broker delay
it without losing it, and the sweep sends it later."""

import base64
import json
import logging
import os
import smtplib
from datetime import timedelta

import pytest
from django.contrib.messages import constants as message_levels
from django.core.exceptions import ValidationError
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications.models import IntentApplication
from notifications import services
from notifications.models import Message
from notifications.tasks import deliver_messages, sweep_pending_messages
from sctic import workflow
from sctic.workflow import perform
from tests.factories import UserFactory

S = IntentApplication.State
DELIVER_TASK = "notifications.tasks.deliver_messages"


class RefusingSMTPBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPConnectError(421, "smtp.example.org: service not available")


class RefusingRecipientBackend(locmem.EmailBackend):
    """A mail server that refuses the addresses in ``refused`` and accepts the others."""

    refused: frozenset[str] = frozenset()

    def send_messages(self, email_messages):
        for email in email_messages:
            for address in set(email.to) & self.refused:
                raise smtplib.SMTPRecipientsRefused({address: (550, b"mailbox unavailable")})
        return super().send_messages(email_messages)


def backdate(*messages, minutes=10):
    """Make messages, and their last failed attempt, older than the sweep's pauses (instead of waiting)."""
    past = timezone.now() - timedelta(minutes=minutes)
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(created_at=past)
    Message.objects.filter(pk__in=[m.pk for m in messages], email_last_attempt_at__isnull=False).update(
        email_last_attempt_at=past
    )


@pytest.fixture
def draft(make_application):
    return make_application("draft")


# --- who hears of a transition -------------------------------------------------------------------


def test_art10_1_submit_writes_one_message_per_supervisor_user_not_the_actor(
    draft, unit_a, chengdu, mianyang, kjt
):
    colleague = UserFactory(username="chengdu2", organization=chengdu.organization, role="supervisor")
    UserFactory(username="unit_a2", organization=unit_a.organization, role="applicant")

    perform(draft, "submit", actor=unit_a)

    messages = Message.objects.filter(object_id=draft.pk)
    assert sorted(m.recipient.username for m in messages) == ["chengdu", "chengdu2"]
    for message in messages:
        assert message.content_object == draft
        assert message.url == draft.get_absolute_url()
        assert draft.proposed_name in message.subject
    assert not Message.objects.filter(recipient__in=[unit_a, mianyang, kjt]).exists()
    assert colleague.messages.count() == 1


def test_art10_2_supervisor_decision_is_told_to_the_lead_unit_not_the_supervisor(
    make_application, unit_a, chengdu
):
    app = make_application("submitted")
    Message.objects.all().delete()

    perform(app, "accept_for_cultivation", actor=chengdu, comment="同意纳入培育。")

    message = Message.objects.get()
    assert message.recipient == unit_a
    assert "同意纳入培育。" in message.body


def test_rolled_back_transition_leaves_no_message_and_sends_no_email(
    draft, unit_a, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    """The message rows are part of the transition's transaction: a handler that fails after the
    parties were notified undoes the state change and the messages together."""

    def fails_late(app, **_ignored):
        assert Message.objects.filter(object_id=app.pk).exists()  # written before this handler ran
        raise ValidationError("a later check failed")

    key = (IntentApplication, "*")
    monkeypatch.setitem(workflow._handlers, key, [*workflow._handlers[key], fails_late])

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
        perform(draft, "submit", actor=unit_a)

    draft.refresh_from_db()
    assert draft.state == S.DRAFT
    assert not Message.objects.exists()
    assert not StateLog.objects.filter(object_id=draft.pk).exists()
    assert callbacks == []
    assert mailoutbox == []


# --- e-mail delivery -----------------------------------------------------------------------------


def test_email_leaves_once_after_commit(
    draft, unit_a, chengdu, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        perform(draft, "submit", actor=unit_a)
        assert Message.objects.filter(recipient=chengdu).exists()
        assert mailoutbox == []  # nothing leaves before the commit
    assert callbacks

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [chengdu.email]
    assert draft.proposed_name in email.subject
    assert draft.get_absolute_url() in email.body
    message = Message.objects.get(recipient=chengdu)
    assert message.email_sent_at is not None
    assert message.email_attempts == 1
    assert not message.email_pending


def test_delivering_a_message_twice_sends_one_email(draft, unit_a, chengdu, mailoutbox):
    perform(draft, "submit", actor=unit_a)  # on-commit hooks do not run here: nothing sent yet
    message = Message.objects.get(recipient=chengdu)
    assert mailoutbox == []

    assert deliver_messages.delay([message.pk]).get() == 1
    assert deliver_messages.delay([message.pk]).get() == 0
    assert services.deliver(message.pk) is False

    assert len(mailoutbox) == 1
    message.refresh_from_db()
    assert message.email_attempts == 1


def test_smtp_failure_is_recorded_on_the_message_and_the_sweep_sends_it_later(
    draft, unit_a, chengdu, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_notifications.RefusingSMTPBackend"
    with django_capture_on_commit_callbacks(execute=True):
        perform(draft, "submit", actor=unit_a)

    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED  # the decision stands; only the e-mail waits
    message = Message.objects.get(recipient=chengdu)
    assert message.email_sent_at is None
    assert message.email_attempts == 1  # in-process: no retries that would hold the request
    assert "service not available" in message.email_error
    assert mailoutbox == []
    # Within the grace period the task's own retries are in charge; the sweep leaves it alone.
    assert message.pk not in services.pending_email_ids()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    backdate(message)
    assert services.pending_email_ids() == [message.pk]
    assert sweep_pending_messages.delay().get() == 1

    assert [email.to for email in mailoutbox] == [[chengdu.email]]
    message.refresh_from_db()
    assert message.email_sent_at is not None
    assert message.email_error == ""
    assert sweep_pending_messages.delay().get() == 0
    assert len(mailoutbox) == 1


@pytest.fixture
def two_undelivered(draft, unit_a, chengdu):
    """Two supervisors' messages about a submission whose e-mails have not been sent yet."""
    UserFactory(username="chengdu2", organization=chengdu.organization, role="supervisor")
    perform(draft, "submit", actor=unit_a)  # on-commit hooks do not run here: nothing sent yet
    return list(Message.objects.order_by("pk"))


def test_one_refused_address_does_not_hold_back_the_others(
    two_undelivered, settings, monkeypatch, mailoutbox
):
    first, second = two_undelivered
    settings.EMAIL_BACKEND = "tests.test_notifications.RefusingRecipientBackend"
    monkeypatch.setattr(RefusingRecipientBackend, "refused", frozenset([first.recipient.email]))

    assert deliver_messages.delay([first.pk, second.pk]).get() == 1

    assert [email.to for email in mailoutbox] == [[second.recipient.email]]
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.email_sent_at is not None
    assert (first.email_sent_at, first.email_attempts) == (None, 1)
    assert "mailbox unavailable" in first.email_error


def test_the_sweep_waits_longer_after_each_failed_attempt(two_undelivered, settings, monkeypatch):
    first, _second = two_undelivered
    settings.EMAIL_BACKEND = "tests.test_notifications.RefusingRecipientBackend"
    monkeypatch.setattr(RefusingRecipientBackend, "refused", frozenset([first.recipient.email]))
    backdate(first)
    for attempt in (1, 2, 3):
        with pytest.raises(OSError):
            services.deliver(first.pk)
        first.refresh_from_db()
        assert first.email_attempts == attempt
        pause = services.retry_pause(attempt)
        # Not due again before its pause is over, due right after it.
        Message.objects.filter(pk=first.pk).update(
            email_last_attempt_at=timezone.now() - pause + timedelta(seconds=30)
        )
        assert first.pk not in services.pending_email_ids()
        Message.objects.filter(pk=first.pk).update(email_last_attempt_at=timezone.now() - pause)
        assert first.pk in services.pending_email_ids()
    assert services.retry_pause(1) < services.retry_pause(2) < services.retry_pause(3)


def test_the_sweep_gives_up_after_the_last_attempt(two_undelivered):
    first, _second = two_undelivered
    backdate(first)
    Message.objects.filter(pk=first.pk).update(email_attempts=services.MAX_EMAIL_ATTEMPTS)
    assert first.pk not in services.pending_email_ids()


# --- the broker --------------------------------------------------------------------------------


def test_transition_succeeds_while_the_broker_is_down_and_the_sweep_sends_later(
    draft, unit_a, chengdu, login, broker, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    client = login(unit_a)
    url = reverse("applications:transition", args=[draft.pk, "submit"])
    broker.down()

    with (
        caplog.at_level(logging.WARNING, logger="sctic.tasks"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = client.post(url, {"expected_state": S.DRAFT, "comment": ""})
    assert callbacks  # the publish was attempted, against the dead broker

    assert response.status_code == 302
    assert response.url == draft.get_absolute_url()
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED
    message = Message.objects.get(recipient=chengdu)
    assert message.email_pending
    assert mailoutbox == []
    assert any(DELIVER_TASK in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)

    page = client.get(response.url)
    assert page.status_code == 200
    shown = list(page.context["messages"])
    assert [m.level for m in shown] == [message_levels.SUCCESS]

    broker.restore()  # the broker is back (eager again in tests)
    backdate(message)
    assert sweep_pending_messages.delay().get() == 1
    assert [email.to for email in mailoutbox] == [[chengdu.email]]
    message.refresh_from_db()
    assert message.email_sent_at is not None


@pytest.mark.redis
def test_transition_queues_the_delivery_task_in_redis(
    draft, unit_a, chengdu, broker, mailoutbox, django_capture_on_commit_callbacks
):
    import redis

    url = os.environ["REDIS_URL"]
    queue = "celery"  # Celery's default queue: a Redis list of that name
    store = redis.Redis.from_url(url)
    keys_before = set(store.keys("_kombu.*"))
    before = store.lrange(queue, 0, -1)
    broker.use(url)
    ours = []
    try:
        with django_capture_on_commit_callbacks(execute=True):
            perform(draft, "submit", actor=unit_a)

        after = store.lrange(queue, 0, -1)
        ours = [item for item in after if item not in before]
        assert store.llen(queue) == len(before) + 1
        assert len(ours) == 1
        envelope = json.loads(ours[0])
        assert envelope["headers"]["task"] == DELIVER_TASK
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        message = Message.objects.get(recipient=chengdu)
        assert args == [[message.pk]]
        assert message.email_pending  # queued, not sent: no worker runs in the tests
        assert mailoutbox == []
    finally:
        broker.restore()
        for item in ours:
            store.lrem(queue, 0, item)
        new_keys = set(store.keys("_kombu.*")) - keys_before
        if new_keys:
            store.delete(*new_keys)
        store.close()
