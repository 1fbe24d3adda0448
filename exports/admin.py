from django.contrib import admin

from .models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["kind", "user", "status", "row_count", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in Export._meta.fields]

    def has_add_permission(self, request):
        return False
