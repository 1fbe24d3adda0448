from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .models import MESSAGES_MISSING, Letterhead, Notice, is_blank
from .rendering import image_mime

MESSAGE_SEAL_TYPE = _("The seal must be a PNG, JPEG, GIF or WebP image (best a transparent PNG).")


class NoticeForm(forms.ModelForm):
    """The department edits a draft before issuing it."""

    class Meta:
        model = Notice
        fields = ["title", "addressees", "body", "attachments_line", "copy_to"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 16}),
            "attachments_line": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        """Art. 5: title, addressees and body hold something a reader sees (not only invisible
        characters such as zero-width spaces, which the required check lets through)."""
        data = super().clean()
        for field in ("title", "addressees", "body"):
            if field in data and is_blank(data[field]):
                self.add_error(field, MESSAGES_MISSING[field])
        return data


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("The PDF you received"),
        help_text=_("It is compared byte for byte with the archived original."),
    )


class LetterheadForm(forms.ModelForm):
    """The administrator's letterhead form: a seal is taken only in a format it is printed in."""

    class Meta:
        model = Letterhead
        fields = ["organization", "mark", "printer", "seal"]

    def clean_seal(self):
        seal = self.cleaned_data.get("seal")
        if isinstance(seal, UploadedFile):
            seal.seek(0)
            head = seal.read(8192)
            seal.seek(0)
            if not image_mime(head):
                raise forms.ValidationError(MESSAGE_SEAL_TYPE)
        return seal
