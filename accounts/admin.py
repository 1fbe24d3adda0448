from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .models import Organization, User

# Texts of Django's admin templates that Django's own zh_Hans catalogue does not translate
# (Django 5.2): named here so that makemessages keeps them in the portal's catalogue, which
# LOCALE_PATHS puts first.
DJANGO_ADMIN_TEXTS = [
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "credit_code"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "short_name", "credit_code"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "organization", "email", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_superuser", "organization__kind"]
    search_fields = ["username", "full_name", "email", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    add_form_template = "admin/accounts/user/add_form.html"
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["full_name", "organization", "title", "email", "phone", "language"]}),
        (_("Roles"), {"fields": ["is_active", "groups", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "organization", "email", "password1", "password2"],
            },
        ),
    ]
