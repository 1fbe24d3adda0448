import hashlib
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def private_path(instance, filename):
    """Files are stored under a random name, grouped by owner type; the original name is kept."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"attachments/{instance.content_type.model}/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    """A document attached to an application, report, change request…, served only after the
    owner's access check (``sctic.access``)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey()
    kind = models.CharField(_("kind of document"), max_length=40)
    file = models.FileField(_("file"), upload_to=private_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    mime_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["kind", "uploaded_at"]
        indexes = [models.Index(fields=["content_type", "object_id", "kind"])]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("attachments:download", args=[self.pk])

    def kind_label(self) -> str:
        kinds = getattr(self.content_type.model_class(), "AttachmentKind", None)
        return str(dict(kinds.choices).get(self.kind, self.kind)) if kinds else self.kind

    @staticmethod
    def digest(upload) -> str:
        sha = hashlib.sha256()
        for chunk in upload.chunks():
            sha.update(chunk)
        upload.seek(0)
        return sha.hexdigest()
