from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

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


class CreditCodeField(forms.CharField):
    """A 统一社会信用代码 as people type or paste it: spaces and lower case are normalised first,
    so the length and GB 32100 checks (the model field's validators) see the canonical code."""

    def __init__(self, *, max_length=None, **kwargs):
        super().__init__(**kwargs)  # no length limit on the raw input: it may contain spaces
        self.widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})

    def to_python(self, value):
        return normalize(super().to_python(value))
