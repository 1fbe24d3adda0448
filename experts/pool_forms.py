"""Forms of the expert pool pages: 科技厅 adds and edits an expert (user data and profile); an
expert edits their own profile and avoidances (回避), never whether they are in the pool."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from sctic.choices import TechnologyField

from .models import ExpertProfile

PROFILE_FIELDS = [
    "field",
    "secondary_fields",
    "specialty",
    "professional_title",
    "avoid_organizations",
    "avoid_names",
]


class OwnProfileForm(forms.ModelForm):
    """What an expert may change of their own profile (``/experts/me/``): not ``active``."""

    secondary_fields = forms.MultipleChoiceField(
        label=ExpertProfile._meta.get_field("secondary_fields").verbose_name,
        help_text=ExpertProfile._meta.get_field("secondary_fields").help_text,
        choices=TechnologyField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    avoid_organizations = forms.ModelMultipleChoiceField(
        label=ExpertProfile._meta.get_field("avoid_organizations").verbose_name,
        help_text=ExpertProfile._meta.get_field("avoid_organizations").help_text,
        queryset=Organization.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = ExpertProfile
        fields = PROFILE_FIELDS
        widgets = {"avoid_names": forms.Textarea(attrs={"rows": 3})}

    def clean_secondary_fields(self):
        # The main field is not repeated among the secondary ones; the order of the choices is kept.
        chosen = set(self.cleaned_data.get("secondary_fields") or ())
        main = self.cleaned_data.get("field")  # cleaned first: it comes first
        return [code for code in TechnologyField.values if code in chosen and code != main]

    def clean_avoid_names(self):
        lines = (line.strip() for line in self.cleaned_data.get("avoid_names", "").splitlines())
        return "\n".join(dict.fromkeys(line for line in lines if line))


class PoolProfileForm(OwnProfileForm):
    """科技厅's form: the expert's profile and whether they are in the pool."""

    class Meta(OwnProfileForm.Meta):
        fields = [*PROFILE_FIELDS, "active"]


class ExpertUserForm(forms.ModelForm):
    """The expert's account: who they are and where they work. A new account gets a random
    password nobody knows; the expert sets their own through the password-reset e-mail."""

    class Meta:
        model = get_user_model()
        fields = ["username", "full_name", "organization", "email", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["organization"].required = True
        self.fields["organization"].queryset = Organization.objects.order_by("name")
        self.fields["email"].required = True
        if self.instance.pk:  # the login name stays what it was
            del self.fields["username"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        others = get_user_model().objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if email and others.exists():
            raise forms.ValidationError(_("Another user already has this e-mail address."))
        return email
