from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sctic import access

from .forms import AttachmentForm
from .models import Attachment
from .services import attachment_add, attachment_delete


def _get_attachment_or_404(user, pk) -> tuple[Attachment, object]:
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    owner = (
        access.visible(attachment.content_type.model_class(), user).filter(pk=attachment.object_id).first()
    )
    if owner is None:
        raise Http404
    return attachment, owner


# Opened in the browser rather than downloaded; every upload's type was checked by its content
# (validators.py), and nosniff keeps the browser to it.
INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


@login_required
def download(request, pk):
    """The file after the owner's access check: a PDF or image opens in the browser (sandboxed: no
    script, no form, no access to the portal's origin), anything else downloads."""
    attachment, _owner = _get_attachment_or_404(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    inline = attachment.mime_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=attachment.original_name)
    response["Content-Type"] = attachment.mime_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if inline:
        response["Content-Security-Policy"] = "sandbox"
    return response


@login_required
@require_POST
def delete(request, pk):
    attachment, owner = _get_attachment_or_404(request.user, pk)
    # An owner may lock some kinds of document while others stay open (an evaluation's evidence
    # after the self-assessment, Art. 21).
    kind_open = getattr(owner, "attachment_kind_open", None)
    if not access.can_change(request.user, owner) or (kind_open and not kind_open(attachment.kind)):
        messages.error(request, _("You cannot remove files from this record now."))
    else:
        attachment_delete(attachment)
        messages.success(request, _("“%(name)s” was removed.") % {"name": attachment.original_name})
    return redirect(owner.get_absolute_url())


def store_upload(request, owner, kinds) -> bool:
    """Validate and store the file posted for ``owner`` (the caller has checked access); report the
    outcome with a message in the user's language. Returns True when the file was stored."""
    form = AttachmentForm(request.POST, request.FILES, kinds=kinds)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return False
    upload = form.cleaned_data["file"]
    attachment_add(
        owner=owner,
        kind=form.cleaned_data["kind"],
        upload=upload,
        mime_type=form.mime_type,
        user=request.user,
    )
    messages.success(request, _("“%(name)s” was uploaded.") % {"name": upload.name})
    return True


def upload_to(request, model, pk, *, is_owner, closed_message):
    """The upload view of an owner type: 404 without access, 403 unless ``is_owner(obj, user)``,
    ``closed_message`` once the object can no longer change, else the file is stored."""
    owner = access.get_visible_or_404(model, request.user, pk)
    if not is_owner(owner, request.user):
        raise PermissionDenied
    if not access.can_change(request.user, owner):
        messages.error(request, closed_message)
    else:
        store_upload(request, owner, model.AttachmentKind.choices)
    return redirect(owner)
