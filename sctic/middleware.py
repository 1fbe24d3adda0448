from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

#: Where the logged-in user's chosen language waits for a browser without the language cookie
#: (set by ``accounts.views`` at login and when the user chooses a language).
LANGUAGE_SESSION_KEY = "sctic_language"


class LanguageMiddleware:
    """Chinese unless the user chose otherwise in the footer: the language cookie, else the
    language the logged-in user chose before (``User.language``, put in the session at login and
    when choosing, so that the user need not be loaded here).

    Django's LocaleMiddleware would follow the browser's Accept-Language; here the portal's
    language is the department's working language, so only an explicit choice changes it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in self.supported and hasattr(request, "session"):
            chosen = request.session.get(LANGUAGE_SESSION_KEY)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        with translation.override(language):  # restores the thread's language afterwards
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response
