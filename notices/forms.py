from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Notice


class NoticeForm(forms.ModelForm):
    """The department edits a draft before issuing it."""

    class Meta:
        model = Notice
        fields = ["title", "addressees", "body", "attachments_line", "copy_to"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 16}),
            "attachments_line": forms.Textarea(attrs={"rows": 2}),
        }


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("The PDF you received"),
        help_text=_("It is compared byte for byte with the archived original."),
    )
