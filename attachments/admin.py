from django.contrib import admin

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "kind",
        "content_type",
        "object_id",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["content_type", "kind"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["uploaded_by", "content_type"]
    readonly_fields = [f.name for f in Attachment._meta.fields if f.name != "kind"]

    def has_add_permission(self, request):
        return False  # files are added through the portal, where they are checked
