"""Issue 9 in Debian's Chromium: unit_a types a long intent application, its session ends — it
expires, or unit_a logs out (and in again) in a second tab — and the save lands on the login page
with "登录已超时，请重新登录"; after logging in the form shows the typed text again and saves it.
Another user logging in on the same browser never sees it.

Elements are found by ids, names and ``data-*`` hooks; the message is compared with the catalogue's.
"""

import re

from django.contrib.sessions.models import Session
from django.utils import translation
from playwright.sync_api import Page, expect

from accounts.session import SESSION_EXPIRED
from applications.models import IntentApplication
from sctic.choices import TechnologyField
from tests.browser.test_art10_walkthrough import log_in, log_out, shoot
from tests.factories import PASSWORD

TYPED = {
    "strategic_fit": "服务成渝地区双城经济圈建设，围绕轨道交通装备产业链补链强链，这段话写了很久。",
    "collaboration": "牵头单位负责工程化验证，高校负责共性技术研究；按投入比例共享知识产权收益。",
    "technology_goals": "突破轨道交通装备领域3—5项关键技术，形成自主可控的技术体系。",
    "director_name": "杨建国",
    "cobuilders-0-name": "西南交通大学",
}
SAVE = "main form button[type=submit][data-once]"
LOGIN_PAGE = re.compile(r"/accounts/login/\?next=")


def expired_message() -> str:
    with translation.override("zh-hans"):  # the browser sends no language cookie
        return str(SESSION_EXPIRED)


def type_in(page: Page, texts: dict) -> None:
    for name, text in texts.items():
        page.fill(f'main form [name="{name}"]', text)


def expect_typed(page: Page, texts: dict) -> None:
    for name, text in texts.items():
        expect(page.locator(f'main form [name="{name}"]')).to_have_value(text)


def log_in_here(page: Page, user) -> None:
    """Log in on the login page the portal sent us to."""
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")


def expect_login_page_says_session_expired(page: Page) -> None:
    expect(page).to_have_url(LOGIN_PAGE)
    expect(page.locator("main .messages .alert")).to_have_text(expired_message())


def drafts_kept(page: Page) -> list[str]:
    return page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('sctic.draft:'))")


def test_typed_text_survives_an_expired_session_and_is_saved_after_login(
    page: Page, live_server, output_path, unit_a, make_application
):
    application = make_application("draft")
    edit_url = f"{live_server.url}/applications/{application.pk}/edit/"
    log_in(page, live_server, unit_a)
    page.goto(edit_url)
    type_in(page, TYPED)
    page.check("#id_director_full_time")

    Session.objects.all().delete()  # the session expired while unit_a was typing
    page.click(SAVE)

    expect_login_page_says_session_expired(page)
    shoot(page, output_path, "01-login-session-expired")
    application.refresh_from_db()
    assert application.strategic_fit != TYPED["strategic_fit"]  # nothing saved
    log_in_here(page, unit_a)
    expect(page).to_have_url(edit_url)
    expect_typed(page, TYPED)
    expect(page.locator("#id_director_full_time")).to_be_checked()
    expect(page.locator("[data-draft-notice]")).to_be_visible()
    shoot(page, output_path, "02-form-text-restored")
    # Never put back: the CSRF token and the formset's counters come from the server.
    assert page.locator('main form [name="csrfmiddlewaretoken"]').input_value() != ""

    page.click(SAVE)
    expect(page).to_have_url(f"{live_server.url}{application.get_absolute_url()}")
    application.refresh_from_db()
    assert application.strategic_fit == TYPED["strategic_fit"]
    assert application.director_name == TYPED["director_name"]
    assert application.director_full_time
    assert list(application.cobuilders.values_list("name", flat=True)) == [TYPED["cobuilders-0-name"]]
    assert drafts_kept(page) == []
    # Saved, so the draft is gone: the form shows the record and no notice.
    page.goto(edit_url)
    expect(page.locator("[data-draft-notice]")).to_have_count(0)
    expect(page.locator("#id_collaboration")).to_have_value(TYPED["collaboration"])


def test_typed_text_survives_a_logout_in_another_tab(page: Page, live_server, unit_a, make_application):
    application = make_application("draft")
    edit_url = f"{live_server.url}/applications/{application.pk}/edit/"
    log_in(page, live_server, unit_a)
    page.goto(edit_url)
    type_in(page, TYPED)

    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server.url}/")
    log_out(other_tab, live_server)
    other_tab.close()
    page.click(SAVE)

    expect_login_page_says_session_expired(page)
    log_in_here(page, unit_a)
    expect(page).to_have_url(edit_url)
    expect_typed(page, TYPED)
    page.click(SAVE)
    expect(page).to_have_url(f"{live_server.url}{application.get_absolute_url()}")
    application.refresh_from_db()
    assert application.technology_goals == TYPED["technology_goals"]


def test_stale_form_after_logging_in_again_in_another_tab_gets_a_friendly_page_and_keeps_the_text(
    page: Page, live_server, unit_a, make_application
):
    application = make_application("draft")
    edit_url = f"{live_server.url}/applications/{application.pk}/edit/"
    log_in(page, live_server, unit_a)
    page.goto(edit_url)
    type_in(page, TYPED)

    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server.url}/")
    log_out(other_tab, live_server)
    log_in_here(other_tab, unit_a)  # a new login: the first tab's CSRF token is stale
    other_tab.close()
    with page.expect_navigation():
        page.click(SAVE)

    expect(page.locator("#session-expired h1")).to_have_text(expired_message())
    application.refresh_from_db()
    assert application.strategic_fit != TYPED["strategic_fit"]
    page.click('[data-action="back-to-form"]')
    expect(page).to_have_url(edit_url)
    expect_typed(page, TYPED)
    page.click(SAVE)
    expect(page).to_have_url(f"{live_server.url}{application.get_absolute_url()}")
    application.refresh_from_db()
    assert application.strategic_fit == TYPED["strategic_fit"]


def test_another_user_on_the_same_browser_never_gets_the_typed_text(
    page: Page, live_server, unit_a, unit_b, chengdu
):
    new_url = f"{live_server.url}/applications/new/"
    texts = {"proposed_name": "四川省先进轨道交通装备技术创新中心", **TYPED}
    log_in(page, live_server, unit_a)
    page.goto(new_url)
    type_in(page, texts)
    choices = {
        "technology_field": TechnologyField.EQUIPMENT_MANUFACTURING.value,
        "supervisor": str(chengdu.organization_id),
        "cobuilders-0-kind": "university",
    }
    for name, value in choices.items():
        page.select_option(f'main form [name="{name}"]', value)
    Session.objects.all().delete()
    page.click(SAVE)
    expect_login_page_says_session_expired(page)

    log_in_here(page, unit_b)  # someone else at the same computer
    expect(page).to_have_url(new_url)
    for name in texts:
        expect(page.locator(f'main form [name="{name}"]')).to_have_value("")
    for name in choices:
        expect(page.locator(f'main form [name="{name}"]')).to_have_value("")
    expect(page.locator("[data-draft-notice]")).to_have_count(0)
    log_out(page, live_server)

    log_in_here(page, unit_a)  # unit_a's text is still there for unit_a
    page.goto(new_url)
    expect_typed(page, texts)
    expect_typed(page, choices)
    page.click(SAVE)
    expect(page).to_have_url(re.compile(r"/applications/\d+/$"))
    created = IntentApplication.objects.get(created_by=unit_a)
    assert created.proposed_name == texts["proposed_name"]
    assert not IntentApplication.objects.filter(created_by=unit_b).exists()
