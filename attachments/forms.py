from django import forms
from django.utils.translation import gettext_lazy as _

from .validators import EXTENSIONS_TEXT, MESSAGE_EMPTY, max_upload_bytes, validate_upload


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"))
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("— choose the kind of document —")), *kinds]
        self.fields["file"].help_text = _("%(types)s; at most %(mb)d MB.") % {
            "types": EXTENSIONS_TEXT,
            "mb": max_upload_bytes() // (1024 * 1024),
        }
        self.fields["file"].error_messages["empty"] = MESSAGE_EMPTY  # Django's own check runs first
        self.fields["file"].widget.attrs["accept"] = ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.mime_type = validate_upload(upload)
        return upload
