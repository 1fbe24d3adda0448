"""Issue 9: a form sent after the session ended — it expired, or the user logged out in another
tab — goes to the login page with "登录已超时，请重新登录" and saves nothing; htmx requests get
``HX-Redirect``; a stale CSRF token gets a friendly 403 in the user's language. The typed text
itself is kept by the browser (static/js/drafts.js, tests/browser/test_session_expiry_browser.py),
keyed by the user in ``<body data-user>``.
"""

from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.session import SESSION_EXPIRED
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CHINESE = "登录已超时，请重新登录"
ENGLISH = "Your session has expired. Please log in again."
TYPED = "会话过期前输入的一段很长的战略契合度说明。"


def login_url(next_path: str) -> str:
    return f"{reverse('login')}?next={quote(next_path)}"


def expire_sessions() -> None:
    """What the session backend does when SESSION_COOKIE_AGE has passed: the row is gone."""
    Session.objects.all().delete()


@pytest.fixture
def application(make_application):
    return make_application("draft")


@pytest.mark.parametrize(("language", "text"), [(None, CHINESE), ("en", ENGLISH)])
def test_post_after_session_expired_goes_to_login_with_message_and_saves_nothing(
    client, unit_a, application, language, text
):
    edit = reverse("applications:edit", args=[application.pk])
    before = application.strategic_fit
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(unit_a)
    expire_sessions()

    response = client.post(edit, {"strategic_fit": TYPED}, HTTP_REFERER=f"http://testserver{edit}")

    assert response.status_code == 302
    assert response["Location"] == login_url(edit)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert text in page.content.decode()
    application.refresh_from_db()
    assert application.strategic_fit == before


def test_post_after_logout_in_another_tab_comes_back_to_the_page_the_form_was_on(client, unit_a, application):
    """A transition's comment form lives on the application page: after login, back there (its
    draft is kept under that page), not on the transition URL."""
    detail = application.get_absolute_url()
    client.force_login(unit_a)
    client.post(reverse("logout"))  # the other tab

    response = client.post(
        reverse("applications:transition", args=[application.pk, "submit"]),
        {"comment": TYPED},
        HTTP_REFERER=f"http://testserver{detail}",
    )

    assert response["Location"] == login_url(detail)
    with translation.override("zh-hans"):
        assert str(SESSION_EXPIRED) in client.get(response["Location"]).content.decode()
    application.refresh_from_db()
    assert application.state == "draft"


def test_only_a_turned_away_post_says_the_session_expired(client, unit_a, application):
    """A foreign Referer is not followed; a plain logout and an ordinary visit to a page that
    needs login show no alarm."""
    edit = reverse("applications:edit", args=[application.pk])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(edit, {"strategic_fit": TYPED}, HTTP_REFERER="https://evil.example/phish/")
    assert response["Location"] == login_url(edit)
    assert ENGLISH in client.get(response["Location"]).content.decode()

    client.force_login(unit_a)
    logout = client.post(reverse("logout"), follow=True)
    assert ENGLISH not in logout.content.decode()
    visit = client.get(edit, follow=True)
    assert visit.redirect_chain == [(login_url(edit), 302)]
    assert ENGLISH not in visit.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_htmx_request_after_session_expired_gets_hx_redirect_to_login(client, unit_a, application, method):
    list_url = reverse("applications:list")
    client.force_login(unit_a)
    expire_sessions()

    response = getattr(client, method)(
        reverse("applications:detail", args=[application.pk]),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{list_url}?state=draft"},
    )

    assert response.status_code == 200
    assert "Location" not in response
    assert response["HX-Redirect"] == login_url(f"{list_url}?state=draft")
    assert response.content == b""
    with translation.override("zh-hans"):
        assert str(SESSION_EXPIRED) in client.get(response["HX-Redirect"]).content.decode()


def _stale_token_after_login_in_another_tab(client, user, page_url) -> str:
    """The form's CSRF token, then a logout and a new login in another tab (which rotates it)."""
    client.force_login(user)
    token = client.get(page_url).context["csrf_token"]
    client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    login_token = client.get(reverse("login")).context["csrf_token"]
    client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": login_token},
    )
    return str(token)


@pytest.mark.parametrize(("language", "text"), [(None, CHINESE), ("en", ENGLISH)])
def test_stale_csrf_token_gets_a_friendly_403_in_the_users_language(unit_a, application, language, text):
    client = Client(enforce_csrf_checks=True)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    edit = reverse("applications:edit", args=[application.pk])
    token = _stale_token_after_login_in_another_tab(client, unit_a, edit)
    before = application.strategic_fit

    response = client.post(
        edit, {"strategic_fit": TYPED, "csrfmiddlewaretoken": token}, HTTP_REFERER=f"http://testserver{edit}"
    )

    assert response.status_code == 403
    assert [t.name for t in response.templates][0] == "403_csrf.html"
    content = response.content.decode()
    assert text in content
    assert "CSRF verification failed" not in content
    assert f'href="{edit}"' in content  # logged in again elsewhere: back to the form and its draft
    application.refresh_from_db()
    assert application.strategic_fit == before


def test_stale_csrf_token_when_logged_out_links_to_login_and_htmx_gets_hx_redirect(application):
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    edit = reverse("applications:edit", args=[application.pk])
    client.get(reverse("login"))  # a CSRF cookie

    response = client.post(edit, {"strategic_fit": TYPED}, HTTP_REFERER=f"http://testserver{edit}")
    assert response.status_code == 403
    assert ENGLISH in response.content.decode()
    assert f'href="{login_url(edit)}"' in response.content.decode()

    htmx = client.post(edit, {}, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{edit}"})
    assert htmx.status_code == 403
    assert htmx["HX-Redirect"] == login_url(edit)


def test_body_names_the_user_whose_drafts_the_page_may_restore(client, unit_a):
    anonymous = client.get(reverse("login")).content.decode()
    assert 'data-user=""' in anonymous
    assert "js/drafts.js" in anonymous
    client.force_login(unit_a)
    assert f'data-user="{unit_a.pk}"' in client.get(reverse("home")).content.decode()
