from django.contrib import admin

from .models import ExpertProfile


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "field", "professional_title", "active"]
    list_filter = ["field", "active"]
    search_fields = ["user__full_name", "user__username", "specialty"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
