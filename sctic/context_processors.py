from django.conf import settings


def portal(request):
    user = getattr(request, "user", None)
    return {
        "nav_user": user,
        "site_url": settings.SITE_URL,
    }
