from django.contrib import admin

from sctic.admin import WorkflowAdmin

from .models import Center, CenterCycle


class CenterCycleInline(admin.TabularInline):
    model = CenterCycle
    extra = 0


@admin.register(Center)
class CenterAdmin(WorkflowAdmin):
    list_display = ["name", "lead_unit", "supervisor", "region", "technology_field", "state", "approved_on"]
    list_filter = ["state", "region", "technology_field"]
    search_fields = ["name", "lead_unit__name", "credit_code"]
    list_select_related = ["lead_unit", "supervisor"]
    autocomplete_fields = ["lead_unit", "supervisor"]
    readonly_fields = ["application"]
    inlines = [CenterCycleInline]
