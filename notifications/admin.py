from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "created_at", "email_sent_at", "email_attempts", "read_at"]
    list_filter = ["email_sent_at", "read_at"]
    search_fields = ["subject", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False
