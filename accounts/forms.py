from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from notifications.services import language_of

from .credit_code import normalize


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"), widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form (one e-mail per active user with that address, the same answer for any
    address), with the e-mail in the recipient's language and the link on ``SITE_URL``."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        context = {
            **context,
            "site_url": settings.SITE_URL.rstrip("/"),
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }
        with translation.override(language_of(context["user"])):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class CreditCodeField(forms.CharField):
    """A 统一社会信用代码 as people type or paste it: spaces and lower case are normalised first,
    so the length and GB 32100 checks (the model field's validators) see the canonical code."""

    def __init__(self, *, max_length=None, **kwargs):
        super().__init__(**kwargs)  # no length limit on the raw input: it may contain spaces
        self.widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})

    def to_python(self, value):
        return normalize(super().to_python(value))
