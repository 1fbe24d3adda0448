from django.contrib import admin

from sctic.admin import WorkflowAdmin

from .models import AnnualReport, ReportingSeason


@admin.register(ReportingSeason)
class ReportingSeasonAdmin(admin.ModelAdmin):
    list_display = ["year", "due_date", "opened_by", "opened_at"]
    readonly_fields = ["opened_by", "opened_at"]

    def has_add_permission(self, request):
        return False  # opened on /reports/seasons/, which creates the drafts


@admin.register(AnnualReport)
class AnnualReportAdmin(WorkflowAdmin):
    list_display = ["center", "year", "state", "due_date", "submitted_at", "submitted_late_days", "filed_at"]
    list_filter = ["year", "state"]
    search_fields = ["center__name"]
    list_select_related = ["center"]
    readonly_fields = [
        "center",
        "year",
        "season",
        "first_submitted_at",
        "submitted_late_days",
        "submitted_at",
        "filed_at",
    ]
