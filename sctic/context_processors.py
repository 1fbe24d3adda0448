from django.conf import settings


def portal(request):
    """The unread-message count in the header (one query per page)."""
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from notifications.models import Message

        unread = Message.objects.filter(recipient=user, read_at__isnull=True).count()
    return {"unread_messages": unread, "site_url": settings.SITE_URL}
