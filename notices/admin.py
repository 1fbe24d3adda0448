from django.contrib import admin

from sctic.admin import WorkflowAdmin

from .forms import LetterheadForm
from .models import Letterhead, Notice, NoticeCounter, NoticeSeries


@admin.register(Notice)
class NoticeAdmin(WorkflowAdmin):
    list_display = ["number", "title", "kind", "state", "issue_date", "rendered_at"]
    list_filter = ["kind", "state", "year"]
    search_fields = ["number", "title", "addressees", "code"]
    list_select_related = ["issuer"]
    filter_horizontal = ["addressee_orgs", "copy_orgs"]
    readonly_fields = [
        "prefix",
        "year",
        "sequence",
        "number",
        "issue_date",
        "code",
        "pdf",
        "sha256",
        "rendered_at",
        "render_attempts",
        "render_error",
        "revocation_reason",
        "content_type",
        "object_id",
    ]


@admin.register(NoticeSeries)
class NoticeSeriesAdmin(admin.ModelAdmin):
    list_display = ["kind", "prefix"]


@admin.register(NoticeCounter)
class NoticeCounterAdmin(admin.ModelAdmin):
    list_display = ["prefix", "year", "last"]
    readonly_fields = ["prefix", "year", "last"]

    def has_add_permission(self, request):
        return False  # numbers are given only by issuing


@admin.register(Letterhead)
class LetterheadAdmin(admin.ModelAdmin):
    form = LetterheadForm
    list_display = ["mark", "organization", "printer"]
