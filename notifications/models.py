from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long a claimed e-mail counts as being sent: well beyond EMAIL_TIMEOUT, so that only a worker
# that died while sending leaves a claim the sweep takes over.
SENDING_TIMEOUT = timedelta(minutes=10)


class Category(models.TextChoices):
    """What a message is about; users choose which e-mails they receive, except deadlines."""

    DECISION = "decision", _("Steps and decisions on my applications, reports and centers")
    ASSIGNMENT = "assignment", _("Assignments (expert consultations and evaluations)")
    NOTICE = "notice", _("Official notices addressed to my organization")
    DEADLINE = "deadline", _("Deadlines and overdue reminders (always sent)")


class EmailPreference(models.Model):
    """The e-mail categories a user turned off. Deadline e-mails cannot be turned off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference"
    )
    muted = models.JSONField(_("e-mails turned off"), default=list, blank=True)

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")

    def __str__(self):
        return str(self.user)

    def wants(self, category: str) -> bool:
        return category == Category.DEADLINE or category not in self.muted


class Reminder(models.Model):
    """A reminder that has been sent: its key makes every reminder go out once, however often the
    sweep runs (e.g. ``report:12:due-7``)."""

    key = models.CharField(max_length=120, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-sent_at"]

    def __str__(self):
        return self.key


class Message(models.Model):
    """One notification to one user: shown in the portal and sent by e-mail.

    The row is written in the same transaction as the decision it reports (an outbox), so a
    broker or mail server that is down delays the e-mail but never loses it.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.DECISION
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    content_object = GenericForeignKey()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    send_email = models.BooleanField(_("send by e-mail"), default=True)
    email_sent_at = models.DateTimeField(_("e-mail sent"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_last_attempt_at = models.DateTimeField(_("last e-mail attempt"), null=True, blank=True)
    email_error = models.TextField(_("last e-mail error"), blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_sent_at", "send_email"]),
        ]

    def __str__(self):
        return self.subject

    @property
    def email_pending(self) -> bool:
        """Still to be e-mailed: wanted, unsent, to an active user with an address."""
        return (
            self.send_email
            and self.email_sent_at is None
            and self.recipient.is_active
            and bool(self.recipient.email)
        )

    @staticmethod
    def being_sent_since(since) -> Q:
        """Claimed for sending after ``since`` and without an outcome yet: ``deliver`` records the
        attempt with an empty error when it claims the row, and the error or the sending time when
        the mail server has answered."""
        return Q(email_sent_at__isnull=True, email_last_attempt_at__gt=since, email_error="")

    @property
    def email_being_sent(self) -> bool:
        return (
            self.email_sent_at is None
            and self.email_last_attempt_at is not None
            and self.email_last_attempt_at > timezone.now() - SENDING_TIMEOUT
            and self.email_error == ""
        )
