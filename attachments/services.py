from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from .models import Attachment


def attachment_add(*, owner, kind: str, upload, mime_type: str, user) -> Attachment:
    return Attachment.objects.create(
        content_type=ContentType.objects.get_for_model(owner),
        object_id=owner.pk,
        kind=kind,
        file=upload,
        original_name=upload.name[:200],
        size=upload.size,
        mime_type=mime_type,
        sha256=Attachment.digest(upload),
        uploaded_by=user,
    )


def attachment_delete(attachment: Attachment) -> None:
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


def attachments_of(owner):
    return (
        Attachment.objects.filter(content_type=ContentType.objects.get_for_model(owner), object_id=owner.pk)
        .select_related("uploaded_by", "content_type")
        .order_by("kind", "uploaded_at")
    )
