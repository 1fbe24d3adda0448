from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category

OPTIONAL = [(c.value, c.label) for c in Category if c != Category.DEADLINE]


class EmailPreferenceForm(forms.Form):
    wanted = forms.MultipleChoiceField(
        label=_("Send me e-mails about"),
        choices=OPTIONAL,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Deadline and overdue reminders are always sent. Every message also stays in the portal."
        ),
    )
