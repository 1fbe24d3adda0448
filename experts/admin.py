from django.contrib import admin

from .models import ExpertProfile
from .pool_forms import PROFILE_FIELDS


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "field", "professional_title", "active", "updated_at"]
    list_filter = ["field", "active"]
    search_fields = ["user__full_name", "user__username", "specialty", "professional_title"]
    list_select_related = ["user"]
    autocomplete_fields = ["user", "avoid_organizations"]
    readonly_fields = ["updated_at"]
    fields = ["user", *PROFILE_FIELDS, "active", "updated_at"]
