"""Forgotten passwords: the login page links to the reset page; the reset flow is the portal's own
(base.html, its wording), never Django admin's English pages; the e-mail is in the recipient's
language (``User.language``, Chinese by default) with its link on ``SITE_URL``; the answer never
tells whether an address has an account; a deactivated user gets no e-mail and cannot log in."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BRAND = 'class="navbar-brand"'  # base.html's navbar: the page is the portal's, not the admin's
ADMIN_BRAND = "Django administration"
NEW_PASSWORD = "Sichuan-2026-neu!"
CSRF = re.compile(r'(?<="X-CSRFToken": ")[^"]+|(?<=name="csrfmiddlewaretoken" value=")[^"]+')
LINK = re.compile(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)")


def expected_subject(language):
    with translation.override(language):
        return f"[{gettext('Sichuan Technology Innovation Centers')}] {gettext('Password reset')}"


def page_without_csrf(client, url):
    return CSRF.sub("CSRF", client.get(url).content.decode())


def ask_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email})


@pytest.fixture
def member():
    return UserFactory(username="forgetful", email="forgetful@example.org")


def assert_portal_page(response, template):
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert BRAND in html and ADMIN_BRAND not in html


# --- the pages ------------------------------------------------------------------------------------


def test_login_page_links_to_password_reset(client):
    response = client.get(reverse("login"))
    assert f'href="{reverse("password_reset")}"' in response.content.decode()


def test_reset_pages_are_the_portals_own(client, member):
    assert_portal_page(client.get(reverse("password_reset")), "registration/password_reset_form.html")
    response = ask_reset(client, member.email)
    assert response.status_code == 302
    assert_portal_page(client.get(response.url), "registration/password_reset_done.html")
    assert_portal_page(
        client.get(reverse("password_reset_complete")), "registration/password_reset_complete.html"
    )


# --- the answer does not tell who has an account ----------------------------------------------------


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_an_email(client, member):
    known = ask_reset(client, member.email)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [member.email]
    unknown = ask_reset(client, "nobody@example.org")
    assert len(mail.outbox) == 1
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert page_without_csrf(client, known.url) == page_without_csrf(client, unknown.url)


# --- the e-mail -------------------------------------------------------------------------------------


def test_email_is_chinese_by_default(client, member):
    assert member.language == ""
    ask_reset(client, member.email)
    (email,) = mail.outbox
    assert email.subject == expected_subject("zh-hans")
    assert expected_subject("zh-hans") != expected_subject("en")
    with translation.override("zh-hans"):
        assert gettext("Dear %(name)s,") % {"name": member} in email.body


def test_email_is_english_for_a_user_who_chose_english(client, member):
    member.language = "en"
    member.save(update_fields=["language"])
    with translation.override("zh-hans"):  # whatever language the page is read in
        ask_reset(client, member.email)
    (email,) = mail.outbox
    assert email.subject == expected_subject("en")
    assert f"Dear {member}," in email.body


def test_email_link_uses_site_url(client, member, settings):
    settings.SITE_URL = "https://sctic.example.gov.cn/"
    ask_reset(client, member.email)
    (email,) = mail.outbox
    assert re.search(r"https://sctic\.example\.gov\.cn/accounts/reset/[^/\s]+/[^/\s]+/", email.body)


def test_reset_link_sets_a_new_password_end_to_end(client, member):
    ask_reset(client, member.email)
    (path,) = LINK.findall(mail.outbox[0].body)
    response = client.get(path)  # Django swaps the token for a session marker and redirects
    assert response.status_code == 302
    form_page = client.get(response.url)
    assert_portal_page(form_page, "registration/password_reset_confirm.html")
    assert form_page.context["validlink"]
    done = client.post(response.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")

    client.logout()
    old = client.post(reverse("login"), {"username": member.username, "password": PASSWORD})
    assert old.status_code == 200 and "_auth_user_id" not in client.session
    new = client.post(reverse("login"), {"username": member.username, "password": NEW_PASSWORD})
    assert new.status_code == 302 and client.session["_auth_user_id"] == str(member.pk)

    reused = client.get(path)  # the link works once
    assert reused.status_code == 200 and not reused.context["validlink"]


# --- deactivated users ------------------------------------------------------------------------------


def test_inactive_user_gets_no_email_and_cannot_log_in(client, member):
    member.is_active = False
    member.save(update_fields=["is_active"])
    response = ask_reset(client, member.email)
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []

    login = client.post(reverse("login"), {"username": member.username, "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in client.session
    # the normal message, the one a wrong password gets: nothing tells the account exists
    active = UserFactory(username="active")
    wrong = client.post(reverse("login"), {"username": active.username, "password": "wrong"})
    assert login.context["form"].errors == wrong.context["form"].errors
    username = get_user_model()._meta.get_field("username").verbose_name
    assert login.context["form"].errors["__all__"] == [
        AuthenticationForm.error_messages["invalid_login"] % {"username": username}
    ]


# --- broken links -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uid",
    [
        "not-base64!",
        urlsafe_base64_encode(b"\xff\xfe"),  # not UTF-8
        urlsafe_base64_encode(b"abc"),  # not a number
        urlsafe_base64_encode(b"99999999999999999999999"),  # beyond any integer column
        urlsafe_base64_encode(force_bytes(0)),  # nobody
    ],
)
def test_malformed_confirm_link_shows_the_invalid_link_page(client, member, uid):
    response = client.get(reverse("password_reset_confirm", args=[uid, "1a2-0123456789abcdef"]))
    assert_portal_page(response, "registration/password_reset_confirm.html")
    assert not response.context["validlink"] and "data-invalid-link" in response.content.decode()


def test_a_wrong_token_for_a_real_user_shows_the_invalid_link_page(client, member):
    uid = urlsafe_base64_encode(force_bytes(member.pk))
    other = get_user_model().objects.create_user("other", "other@example.org", "x")
    token = default_token_generator.make_token(other)  # a real token, for someone else
    response = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert response.status_code == 200 and not response.context["validlink"]
