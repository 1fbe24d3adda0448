"""Uploaded files are checked by name *and* content: a renamed executable is not a PDF."""

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# extension -> the content types its bytes may show
ALLOWED = {
    "pdf": {"application/pdf"},
    "doc": {"application/msword", "application/x-ole-storage"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "xls": {"application/vnd.ms-excel", "application/x-ole-storage"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
}
EXTENSIONS_TEXT = "PDF, Word (doc, docx), Excel (xls, xlsx), JPG, PNG"

MESSAGE_EMPTY = _("The file is empty.")
MESSAGE_TOO_LARGE = _("The file is %(size)s; files may be at most %(limit)s.")
MESSAGE_EXTENSION = _("Files of type “.%(extension)s” are not accepted. Accepted: %(allowed)s.")
MESSAGE_CONTENT = _(
    "The content of “%(name)s” is not a real .%(extension)s file (it may have been renamed). "
    "Please upload the original document."
)


def max_upload_bytes() -> int:
    return settings.SCTIC["MAX_UPLOAD_MB"] * 1024 * 1024


def sniff(upload) -> str | None:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None and head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "application/x-ole-storage"  # legacy Office container
    return kind.mime if kind else None


def validate_upload(upload) -> str:
    """Raise ValidationError with a clear message, or return the detected content type."""
    if upload.size == 0:
        raise ValidationError(MESSAGE_EMPTY, code="empty")
    if upload.size > max_upload_bytes():
        raise ValidationError(
            MESSAGE_TOO_LARGE,
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(max_upload_bytes())},
        )
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise ValidationError(
            MESSAGE_EXTENSION,
            code="extension",
            params={"extension": extension or "?", "allowed": EXTENSIONS_TEXT},
        )
    mime = sniff(upload)
    if mime not in ALLOWED[extension]:
        raise ValidationError(MESSAGE_CONTENT, code="content", params={"name": name, "extension": extension})
    return mime
