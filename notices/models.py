"""Official notices (公文) of 科技厅: numbered at issue, rendered to PDF in the GB/T 9704-2012 layout,
archived with their SHA-256 and verifiable by anyone through a code printed on them."""

import secrets
import unicodedata

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.models import Organization
from sctic.workflow import condition

from . import access


class Kind(models.TextChoices):
    """The decisions of the regulation that 科技厅 takes by official document."""

    APPROVAL = "approval", _("Approval of construction (Art. 10.3)")
    REJECTION = "rejection", _("Construction not approved (Art. 10.3)")
    CHANGE_APPROVAL = "change_approval", _("Approval of a change (Art. 20)")
    EVALUATION_RESULTS = "evaluation_results", _("Performance evaluation results (Art. 22, 23)")
    RECTIFICATION = "rectification", _("Rectification within one year (Art. 23)")
    REMOVAL = "removal", _("Removal from the sequence (Art. 23)")
    REVOCATION = "revocation", _("Revocation (Art. 5.2)")


class NoticeSeries(models.Model):
    """The number prefix of a kind of notice, e.g. 川科高 in 川科高〔2026〕12号. Kinds that share a
    prefix share one sequence per year."""

    kind = models.CharField(_("kind of notice"), max_length=30, choices=Kind.choices, unique=True)
    prefix = models.CharField(
        _("number prefix"), max_length=20, help_text=_("The issuing organ's code, e.g. 川科高.")
    )

    class Meta:
        verbose_name = _("notice number series")
        verbose_name_plural = _("notice number series")
        ordering = ["kind"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.prefix}"


class NoticeCounter(models.Model):
    """The last sequence number given for one prefix in one year (locked while a number is given)."""

    prefix = models.CharField(_("number prefix"), max_length=20)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        verbose_name = _("notice counter")
        verbose_name_plural = _("notice counters")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="one_counter_per_prefix_and_year")
        ]

    def __str__(self):
        return f"{self.prefix}〔{self.year}〕{self.last}"


def seal_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"seals/{secrets.token_hex(8)}.{extension}"


class Letterhead(models.Model):
    """How an issuing organization's documents look: the red mark, the printing office and, if an
    administrator uploads one, the seal image. No seal is ever generated."""

    organization = models.OneToOneField(
        Organization,
        verbose_name=_("issuing organization"),
        on_delete=models.CASCADE,
        related_name="letterhead",
    )
    mark = models.CharField(
        _("issuer mark"), max_length=40, help_text=_("Printed in red at the top, e.g. 四川省科学技术厅文件.")
    )
    printer = models.CharField(
        _("printing office"), max_length=60, help_text=_("e.g. 四川省科学技术厅办公室.")
    )
    seal = models.ImageField(
        _("seal image"),
        upload_to=seal_path,
        blank=True,
        help_text=_("A transparent PNG of the official seal (optional)."),
    )

    class Meta:
        verbose_name = _("letterhead")
        verbose_name_plural = _("letterheads")

    def __str__(self):
        return self.mark

    @classmethod
    def for_organization(cls, organization):
        letterhead, _created = cls.objects.get_or_create(
            organization=organization,
            defaults={"mark": f"{organization.name}文件", "printer": f"{organization.name}办公室"},
        )
        return letterhead


def new_code() -> str:
    return secrets.token_urlsafe(12)


MESSAGE_INCOMPLETE = _("A notice needs a title, addressees and a body before it is issued.")
# What is missing, one message each (GB/T 9704 7.2, 7.3: 标题, 主送机关, 正文).
MESSAGES_MISSING = {
    "title": _("The notice has no title: write its title before it is issued."),
    "addressees": _("The notice has no addressees (主送机关): name them before it is issued."),
    "body": _("The notice has no body: write its text before it is issued."),
}


def is_blank(text) -> bool:
    """Nothing a reader would see: empty, or only spaces (also full-width), line breaks and
    invisible characters such as zero-width spaces."""
    return not "".join(ch for ch in (text or "") if not ch.isspace() and unicodedata.category(ch) != "Cf")


def missing_parts(notice) -> list[str]:
    """Art. 5: what the notice still lacks before 科技厅 issues it, as messages for the user."""
    return [str(message) for field, message in MESSAGES_MISSING.items() if is_blank(getattr(notice, field))]


@condition(MESSAGE_INCOMPLETE)
def complete(notice) -> bool:
    """Art. 5: an issued notice has a title, addressees and a body; the message lists what is missing."""
    missing = missing_parts(notice)
    if missing:
        raise ValidationError(missing)
    return True


class Notice(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        REVOKED = "revoked", _("Revoked")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    addressees = models.CharField(_("addressees (主送机关)"), max_length=500)
    body = models.TextField(
        _("body"),
        help_text=_("One paragraph per line. Headings start with 一、 （一） 1. or （1）."),
    )
    attachments_line = models.TextField(_("attachments"), blank=True, help_text=_("One attachment per line."))
    copy_to = models.CharField(_("copy to (抄送)"), max_length=500, blank=True)

    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("kind of record concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    object_id = models.PositiveBigIntegerField(_("ID of the record concerned"), null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")

    issuer = models.ForeignKey(
        Organization,
        verbose_name=_("issuing organization"),
        on_delete=models.PROTECT,
        related_name="issued_notices",
    )
    addressee_orgs = models.ManyToManyField(
        Organization, verbose_name=_("addressed to"), related_name="notices_received", blank=True
    )
    copy_orgs = models.ManyToManyField(
        Organization, verbose_name=_("copied to"), related_name="notices_copied", blank=True
    )

    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    prefix = models.CharField(_("number prefix"), max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    number = models.CharField(_("document number"), max_length=40, blank=True)
    issue_date = models.DateField(_("date of issue (成文日期)"), null=True, blank=True)
    code = models.CharField(
        _("verification code"), max_length=20, unique=True, default=new_code, editable=False
    )

    pdf = models.FileField(_("PDF"), upload_to="notices/", blank=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)
    render_attempts = models.PositiveSmallIntegerField(_("rendering attempts"), default=0)
    render_error = models.TextField(_("last rendering error"), blank=True)
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("official notice")
        verbose_name_plural = _("official notices")
        ordering = ["-issue_date", "-sequence", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year", "sequence"],
                name="one_notice_per_number",
                condition=models.Q(sequence__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self):
        return reverse("notices:detail", args=[self.pk])

    def get_verify_url(self):
        return reverse("notices:verify", args=[self.code])

    @property
    def is_rendered(self) -> bool:
        return bool(self.pdf) and bool(self.sha256)

    @property
    def revoked_at(self):
        """When 科技厅 revoked the notice (from its transition log), or None."""
        if self.state != self.State.REVOKED:
            return None
        from django_fsm_log.models import StateLog

        log = StateLog.objects.for_(self).filter(transition="revoke").order_by("-timestamp").first()
        return log.timestamp if log else None

    def clean(self):
        if self.state != self.State.DRAFT and self.pk:
            raise ValidationError(_("Only a draft notice can be edited."))

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.ISSUED,
        permission=access.is_department_member,
        conditions=[complete],
        custom={"label": _("Issue"), "style": "success", "comment": "optional", "article": _("Art. 5")},
    )
    def issue(self):
        """Art. 5: 科技厅 issues its decision as an official document (numbered by the handler)."""
        self.issue_date = timezone.localdate()

    @transition(
        field=state,
        source=State.ISSUED,
        target=State.REVOKED,
        permission=access.is_department_member,
        custom={
            "label": _("Revoke notice"),
            "style": "outline-danger",
            "comment": "required",
            "article": _("Art. 5"),
            "irreversible": [
                _(
                    "The notice is revoked for good: it can no longer be issued again or edited, and its "
                    "number is never given to another notice."
                ),
                _(
                    "Its archived PDF stays verifiable: the verification page shows that it is revoked, "
                    "and the notice's page gives your reason."
                ),
                _("The organizations it is addressed and copied to are told, with your reason."),
            ],
        },
    )
    def revoke(self):
        """科技厅 withdraws a document it issued; the archived PDF stays verifiable, marked revoked."""
