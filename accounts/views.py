"""The footer's language choice, remembered on the user (messages and e-mails follow it)."""

from django.conf import settings
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from sctic.middleware import LANGUAGE_SESSION_KEY

from .models import User


@require_POST
def set_language(request):
    """Django's ``set_language`` (cookie and redirect), and the choice saved as ``User.language``."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if language in dict(settings.LANGUAGES) and request.user.is_authenticated:
        if request.user.language != language:
            User.objects.filter(pk=request.user.pk).update(language=language)
            request.user.language = language
        request.session[LANGUAGE_SESSION_KEY] = language
    return response


def remember_language(sender, request, user, **kwargs):
    """At login: the language the user chose before, for a browser without the cookie."""
    if request is not None and hasattr(request, "session") and user.language:
        request.session[LANGUAGE_SESSION_KEY] = user.language
