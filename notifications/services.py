"""Writing notifications (outbox rows) and delivering their e-mail."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from sctic.tasks import enqueue

from .models import SENDING_TIMEOUT, Category, EmailPreference, Message, Reminder

logger = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 8


class Text:
    """A message text written later, in each recipient's language: a lazily translated msgid
    (``gettext_lazy``) and its %-parameters, which may themselves be lazy strings, callables or
    Texts (``Text(_("Annual report overdue: %(center)s"), center=report.center)``)."""

    def __init__(self, msgid, params: dict | None = None, /, **kwargs):
        self.msgid = msgid
        self.params = {**(params or {}), **kwargs}

    def __call__(self) -> str:
        msgid = self.msgid if isinstance(self.msgid, Promise) else gettext(self.msgid)
        return str(msgid) % {key: _evaluate(value) for key, value in self.params.items()}

    __str__ = __call__

    def __repr__(self):
        return f"Text({self.msgid!r}, {self.params!r})"


def _evaluate(value):
    """A parameter as it reads in the active language (numbers stay numbers for %d)."""
    if callable(value):
        value = value()
    return str(value) if isinstance(value, Promise) else value


def render_text(value) -> str:
    """A subject or body (str, lazy string, Text or any callable returning text) in the active language."""
    return str(_evaluate(value))


def language_of(user) -> str:
    """The language ``user`` reads the portal in: the one chosen in the footer, else the default."""
    chosen = getattr(user, "language", "")
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def notify(
    recipients: Iterable,
    *,
    subject,
    body,
    obj=None,
    url: str = "",
    category: str = Category.DECISION,
    actor=None,
) -> list[Message]:
    """Write one message per distinct active recipient and queue the e-mails they want after commit.

    ``actor``, who did what the message reports, is never told of their own action; deactivated
    users are told nothing (see also ``accounts.selectors.members``). ``subject`` and ``body`` are
    plain text, lazy strings, :class:`Text` or callables: each recipient's message is written in
    that recipient's language (``language_of``)."""
    seen = {actor.pk} if actor is not None else set()
    people = []
    for user in recipients:
        if user.pk not in seen and user.is_active:
            seen.add(user.pk)
            people.append(user)
    muted = dict(EmailPreference.objects.filter(user__in=people).values_list("user_id", "muted"))
    ct = ContentType.objects.get_for_model(obj) if obj is not None else None
    rows, texts = [], {}
    for user in people:
        language = language_of(user)
        if language not in texts:
            with translation.override(language):
                texts[language] = (render_text(subject)[:200], render_text(body))
        rows.append(
            Message(
                recipient=user,
                category=category,
                send_email=category == Category.DEADLINE or category not in muted.get(user.pk, []),
                subject=texts[language][0],
                body=texts[language][1],
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
    """Subject and text of the e-mail for ``message`` in its recipient's language (templates in
    notifications/email/, plain text: nothing is HTML-escaped)."""
    context = {"message": message, "site_url": settings.SITE_URL}
    with translation.override(language_of(message.recipient)):
        subject = render_to_string("notifications/email/subject.txt", context).strip()
        text = render_to_string("notifications/email/body.txt", context)
    return " ".join(subject.split()), text


def _claim(message_id: int) -> tuple[Message, datetime] | None:
    """Claim one message's e-mail for sending, in a short transaction of its own: under the row
    lock, check that it is still to be sent and nobody is sending it, and record the attempt (the
    mark "being sent", see ``Message.email_being_sent``). Returns the message and the claim's
    time, or None."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=message_id)
            .first()
        )
        if message is None or not message.email_pending or message.email_being_sent:
            return None
        claimed_at = timezone.now()
        Message.objects.filter(pk=message.pk).update(
            email_attempts=F("email_attempts") + 1, email_last_attempt_at=claimed_at, email_error=""
        )
    return message, claimed_at


def deliver(message_id: int) -> bool:
    """Send one message's e-mail unless it was sent already or is being sent. Returns True when
    sent now; raises OSError (after recording it on the message) when the mail server refuses.

    No row lock and no transaction is held while the mail server answers (it may take
    ``EMAIL_TIMEOUT`` seconds and more): the row is claimed in one short transaction, the mail
    sent outside any, and the outcome recorded in a second. The claim is what keeps a sweep and a
    late task from sending the same e-mail twice.
    """
    claimed = _claim(message_id)
    if claimed is None:
        return False
    message, claimed_at = claimed
    try:
        subject, text = make_email(message)
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [message.recipient.email])
    except Exception as exc:  # OSError: SMTP and socket errors, retried by the sweep after a pause
        # Only this claim's attempt is marked failed (never one sent meanwhile by a later claim).
        Message.objects.filter(
            pk=message.pk, email_sent_at__isnull=True, email_last_attempt_at=claimed_at
        ).update(email_error=(str(exc) or repr(exc))[:1000])
        raise
    Message.objects.filter(pk=message.pk, email_sent_at__isnull=True).update(
        email_sent_at=timezone.now(), email_error=""
    )
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
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .exclude(Message.being_sent_since(now - SENDING_TIMEOUT))
        .values_list("pk", "email_attempts", "email_last_attempt_at")
    )
    return [pk for pk, attempts, last in candidates if last is None or last <= now - retry_pause(attempts)]


def notify_transition(
    obj, *, transition: str, actor, comment: str, recipients, source: str | None = None
) -> list[Message]:
    """Tell ``recipients`` that ``actor`` moved ``obj`` out of ``source`` (one message each, e-mail
    after commit). ``source`` picks the label where one transition name leaves several states."""
    from django.utils.translation import gettext as _

    from sctic.workflow import any_action

    def what():
        action = any_action(type(obj), transition, source)
        if action is None:
            return transition
        # The article travels with the label (Art. 10.2 for the supervisor's return, Art. 10.3 for 科技厅's).
        if not action.article:
            return action.label
        return _("%(action)s (%(article)s)") % {"action": action.label, "article": action.article}

    def subject():
        return _("%(object)s: %(action)s") % {"object": obj, "action": what()}

    def body():
        lines = [
            _("%(who)s (%(org)s) chose “%(action)s” for %(object)s. It is now “%(state)s”.")
            % {
                "who": actor,
                "org": getattr(actor.organization, "name", "—"),
                "action": what(),
                "object": obj,
                "state": obj.get_state_display(),
            }
        ]
        if comment:
            lines.append(_("Comment: %(comment)s") % {"comment": comment})
        return "\n".join(lines)

    url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    return notify(recipients, subject=subject, body=body, obj=obj, url=url, actor=actor)


def remind_once(key: str, recipients, *, subject, body, obj=None, url: str = "") -> bool:
    """Send a deadline reminder unless the one with this key was sent before. Returns True when sent
    now. ``subject`` and ``body`` as for ``notify``: written in each recipient's language."""
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
