"""Writing notifications (outbox rows) and delivering their e-mail."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from sctic.tasks import enqueue

from .models import Category, EmailPreference, Message, Reminder

logger = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 8


def notify(
    recipients: Iterable,
    *,
    subject: str,
    body: str,
    obj=None,
    url: str = "",
    category: str = Category.DECISION,
) -> list[Message]:
    """Write one message per distinct active recipient and queue the e-mails they want after commit."""
    seen, people = set(), []
    for user in recipients:
        if user.pk not in seen and user.is_active:
            seen.add(user.pk)
            people.append(user)
    muted = dict(EmailPreference.objects.filter(user__in=people).values_list("user_id", "muted"))
    ct = ContentType.objects.get_for_model(obj) if obj is not None else None
    rows = []
    for user in people:
        rows.append(
            Message(
                recipient=user,
                category=category,
                send_email=category == Category.DEADLINE or category not in muted.get(user.pk, []),
                subject=str(subject)[:200],
                body=str(body),
                url=url,
                content_type=ct,
                object_id=obj.pk if obj is not None else None,
            )
        )
    messages = Message.objects.bulk_create(rows)
    if messages:
        from .tasks import deliver_messages

        enqueue(deliver_messages, [m.pk for m in messages])
    return messages


def make_email(message: Message) -> tuple[str, str]:
    """Subject and text of the e-mail for ``message`` (templates in notifications/email/)."""
    context = {"message": message, "site_url": settings.SITE_URL}
    subject = render_to_string("notifications/email/subject.txt", context).strip()
    text = render_to_string("notifications/email/body.txt", context)
    return " ".join(subject.split()), text


def deliver(message_id: int) -> bool:
    """Send one message's e-mail unless it was sent already. Returns True when sent now; raises
    OSError (after recording it on the message) when the mail server refuses.

    The row stays locked while sending, so a sweep and a late task never send the same e-mail twice.
    """
    error = None
    with transaction.atomic():
        message = (
            Message.objects.select_for_update().select_related("recipient").filter(pk=message_id).first()
        )
        if message is None or not message.email_pending:
            return False
        subject, text = make_email(message)
        now = timezone.now()
        try:
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [message.recipient.email])
        except OSError as exc:  # SMTP and socket errors: recorded, retried by the sweep
            error = exc
        Message.objects.filter(pk=message.pk).update(
            email_attempts=F("email_attempts") + 1,
            email_last_attempt_at=now,
            email_error=str(error)[:1000] if error else "",
            email_sent_at=None if error else now,
        )
    if error is not None:
        raise error
    return True


def retry_pause(attempts: int) -> timedelta:
    """How long the sweep waits after the ``attempts``-th failed attempt: 2, 4, 8 … minutes, at most 4 h."""
    return min(timedelta(minutes=2 ** max(attempts, 1)), timedelta(hours=4))


def pending_email_ids(grace: timedelta = timedelta(minutes=2)) -> list[int]:
    """E-mails still unsent ``grace`` after they were written (the broker or the mail server was
    down) whose pause after their last failed attempt is over."""
    now = timezone.now()
    candidates = (
        Message.objects.filter(
            send_email=True,
            email_sent_at__isnull=True,
            email_attempts__lt=MAX_EMAIL_ATTEMPTS,
            created_at__lt=now - grace,
        )
        .exclude(recipient__email="")
        .values_list("pk", "email_attempts", "email_last_attempt_at")
    )
    return [pk for pk, attempts, last in candidates if last is None or last <= now - retry_pause(attempts)]


def notify_transition(obj, *, transition: str, actor, comment: str, recipients) -> list[Message]:
    """Tell ``recipients`` that ``actor`` moved ``obj`` (one message each, e-mail after commit)."""
    from django.utils.translation import gettext as _

    from sctic.workflow import any_action

    action = any_action(type(obj), transition)
    what = action.label if action else transition
    subject = _("%(object)s: %(action)s") % {"object": obj, "action": what}
    lines = [
        _("%(who)s (%(org)s) chose “%(action)s” for %(object)s. It is now “%(state)s”.")
        % {
            "who": actor,
            "org": getattr(actor.organization, "name", "—"),
            "action": what,
            "object": obj,
            "state": obj.get_state_display(),
        }
    ]
    if comment:
        lines.append(_("Comment: %(comment)s") % {"comment": comment})
    url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    return notify(
        [u for u in recipients if u.pk != actor.pk], subject=subject, body="\n".join(lines), obj=obj, url=url
    )


def remind_once(key: str, recipients, *, subject: str, body: str, obj=None, url: str = "") -> bool:
    """Send a deadline reminder unless the one with this key was sent before. Returns True when sent now."""
    with transaction.atomic():
        reminder, created = Reminder.objects.get_or_create(key=key)
        if not created:
            return False
        messages = notify(
            recipients, subject=subject, body=body, obj=obj, url=url, category=Category.DEADLINE
        )
        reminder.recipients = len(messages)
        reminder.save(update_fields=["recipients"])
    return True
