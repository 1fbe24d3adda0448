"""A form sent after the session ended loses nothing and says why (issue 9).

- ``SessionExpiryMiddleware``: a POST (or any htmx request) that a login-required view turns away
  because nobody is logged in any more (the session expired, or the user logged out in another
  tab) goes to the login page with ``SESSION_EXPIRED``, and after login back to the page the form
  was on; htmx requests get ``HX-Redirect`` instead of a login page swapped into the page.
  Nothing of the POST is saved: the view never ran.
- ``csrf_failure`` (``CSRF_FAILURE_VIEW``): a form whose CSRF token went stale (someone logged out
  and in again in another tab) gets a 403 page in the user's language with the same message,
  instead of Django's English CSRF page.
- The typed text itself stays in the browser tab: ``static/js/drafts.js`` keeps a draft of every
  POST form, per page and per user (``<body data-user>``), and restores it when the same user is
  back on the same form.
"""

from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

SESSION_EXPIRED = _("Your session has expired. Please log in again.")


def _login_path() -> str:
    return urlsplit(resolve_url(settings.LOGIN_URL)).path


def _is_login_redirect(response) -> bool:
    """The redirect of ``login_required`` / ``LoginRequiredMixin``: to the login page with ``next``
    (a logout also ends on the login page, but without ``next``)."""
    if not isinstance(response, HttpResponseRedirect):
        return False
    target = urlsplit(response["Location"])
    return target.path == _login_path() and REDIRECT_FIELD_NAME in parse_qs(target.query)


def _local(request, url: str | None) -> str | None:
    """``url`` as a path on this site (for the login page: its ``next``), or None if it points
    elsewhere."""
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(url)
    if not parts.path.startswith("/"):
        return None
    if parts.path == _login_path():
        return _local(request, (parse_qs(parts.query).get(REDIRECT_FIELD_NAME) or [None])[0])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def return_path(request) -> str:
    """The page to come back to after login: the one the form or the htmx element was on
    (its draft is kept under that page's URL), else the URL that was asked for."""
    return (
        _local(request, request.headers.get("HX-Current-URL"))
        or _local(request, request.headers.get("Referer"))
        or _local(request, request.get_full_path())
        or resolve_url(settings.LOGIN_REDIRECT_URL)
    )


def login_url_for(request) -> str:
    return redirect_to_login(return_path(request), resolve_url(settings.LOGIN_URL))["Location"]


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


class SessionExpiryMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        htmx = _is_htmx(request)
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") and not htmx:
            return response  # an ordinary visit to a page that needs login: no alarm
        if not _is_login_redirect(response) or getattr(request, "user", None) is None:
            return response
        if request.user.is_authenticated:
            return response
        messages.warning(request, SESSION_EXPIRED)
        if htmx:
            return HttpResponseClientRedirect(login_url_for(request))
        return HttpResponseRedirect(login_url_for(request))


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form's token is stale, mostly because the session ended or changed
    in another tab. Nothing was saved; the draft in the browser brings the text back."""
    if _is_htmx(request):
        response = HttpResponse(status=403)
        response["HX-Redirect"] = login_url_for(request)
        return response
    back = return_path(request)
    context = {
        "message": SESSION_EXPIRED,
        "back_url": back,
        "login_url": redirect_to_login(back, resolve_url(settings.LOGIN_URL))["Location"],
    }
    return render(request, "403_csrf.html", context, status=403)
