"""What the pages show: only the buttons the user may press, why a button is blocked, forms that keep
what was typed, the reasons given to the applicant, the language, phones, login and dashboards."""

import re

import pytest
from django.utils import translation
from django.utils.html import escape

from applications.models import IntentApplication, Recommendation
from applications.services import MESSAGE_RANK_TAKEN
from centers.validators import MESSAGE_ART25
from sctic.demo import REASONS, complete_sections, cultivate, give_opinions
from sctic.management.commands.seed_demo import PASSWORD as DEMO_PASSWORD
from sctic.workflow import MESSAGE_COMMENT_REQUIRED, perform
from tests.factories import ApplicationFactory

# The database is set up before any settings override (some tests reach it lazily).
pytestmark = pytest.mark.django_db

ACTION = re.compile(r'data-action="([a-z_]+)"')
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def zh(message, **params) -> str:
    """A message as the (Chinese) page shows it, HTML-escaped."""
    with translation.override("zh-hans"):
        text = str(message)
        return escape(text % params if params else text)


def person(request, who):
    if who == "expert":
        return request.getfixturevalue("experts")[0]
    if who == "other_expert":
        return request.getfixturevalue("experts")[2]
    return request.getfixturevalue(who)


def build(request, setup):
    make_application = request.getfixturevalue("make_application")
    if setup == "cultivated":
        app = make_application("cultivating")
        cultivate(app, request.getfixturevalue("unit_a"))
        return app
    if setup == "opinions_in":
        app = make_application("under_review")
        give_opinions(app)
        return app
    return make_application(setup)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def awaiting_block(html: str) -> str:
    match = re.search(r'aria-labelledby="awaiting-title">(.*?)</section>', html, re.S)
    assert match, "the dashboard has no “awaiting me” section"
    return match.group(1)


# --- buttons ----------------------------------------------------------------------------------------

BUTTONS = [
    ("draft", "unit_a", {"submit", "withdraw"}),
    ("submitted", "chengdu", {"accept_for_cultivation", "return_for_revision", "decline"}),
    ("submitted", "unit_a", {"withdraw"}),
    ("submitted", "kjt", set()),
    ("returned", "unit_a", {"submit", "withdraw"}),
    ("returned", "chengdu", set()),
    ("cultivated", "chengdu", {"recommend", "decline"}),
    ("cultivated", "unit_a", {"withdraw"}),
    ("cultivated", "kjt", set()),
    ("recommended", "kjt", {"start_review", "return_for_revision"}),
    ("recommended", "chengdu", set()),
    ("recommended", "unit_a", set()),
    ("opinions_in", "kjt", {"approve", "reject"}),
    ("opinions_in", "chengdu", set()),
    ("opinions_in", "unit_a", set()),
    ("opinions_in", "expert", set()),
    ("approved", "kjt", set()),
]


@pytest.mark.parametrize(
    ("setup", "who", "buttons"), BUTTONS, ids=[f"{setup}-{who}" for setup, who, _b in BUTTONS]
)
def test_pages_show_only_the_buttons_the_user_may_press(request, login, setup, who, buttons):
    app = build(request, setup)
    html = page(login(person(request, who)), app.get_absolute_url())
    assert set(ACTION.findall(html)) == buttons


def test_art9_submit_of_an_incomplete_draft_is_shown_blocked_with_the_reasons(login, unit_a, chengdu):
    app = ApplicationFactory(
        lead_unit=unit_a.organization, supervisor=chengdu.organization, created_by=unit_a, complete=False
    )
    client = login(unit_a)
    html = page(client, app.get_absolute_url())
    assert re.search(r'<button[^>]*\bdisabled\b[^>]*data-action="submit"', html)
    assert 'id="blocked-submit"' in html
    with translation.override("zh-hans"):
        reasons = app.missing_for_submission()
    assert len(reasons) > 5
    for reason in reasons:
        assert zh(reason) in html

    # Pressing it anyway (a crafted POST) changes nothing and says why.
    response = client.post(
        f"/applications/{app.pk}/transitions/submit/", {"expected_state": "draft"}, follow=True
    )
    app.refresh_from_db()
    assert app.state == "draft"
    assert zh(reasons[0]) in response.content.decode()


def test_art10_2_recommend_is_shown_blocked_until_cultivation_is_done(request, login, chengdu):
    app = build(request, "cultivating")
    html = page(login(chengdu), app.get_absolute_url())
    assert re.search(r'<button[^>]*\bdisabled\b[^>]*data-action="recommend"', html)
    blocked = re.search(r'id="blocked-recommend">(.*?)</div>', html, re.S).group(1)
    with translation.override("zh-hans"):
        reasons = app.missing_for_recommendation()
    for reason in reasons:
        assert zh(reason) in blocked
    assert "建设运行方案" in blocked


def test_art10_3_decision_is_shown_blocked_until_every_opinion_is_in(request, login, kjt):
    app = build(request, "under_review")
    html = page(login(kjt), app.get_absolute_url())
    for name in ("approve", "reject"):
        assert re.search(rf'<button[^>]*\bdisabled\b[^>]*data-action="{name}"', html)
        assert f'id="blocked-{name}"' in html


# --- forms keep what was typed ------------------------------------------------------------------------


def application_post(name, supervisor, **extra):
    data = {
        "proposed_name": name,
        "technology_field": "equipment_manufacturing",
        "supervisor": supervisor.pk,
        **{k: ("on" if v is True else v) for k, v in complete_sections(name).items()},
        "summary": "本中心聚焦轨道交通装备的智能运维与健康管理。",
        "cobuilders-TOTAL_FORMS": 1,
        "cobuilders-INITIAL_FORMS": 0,
        "cobuilders-MIN_NUM_FORMS": 0,
        "cobuilders-MAX_NUM_FORMS": 1000,
        "cobuilders-0-name": "西南交通大学（测试）",
        "cobuilders-0-kind": "university",
        "cobuilders-0-role": "牵引与制动系统共性技术研究",
    }
    return {**data, **extra}


def test_art25_bad_name_rerenders_the_new_application_with_everything_typed(login, unit_a, chengdu):
    bad = "成都轨道交通装备创新中心"
    data = application_post(bad, chengdu.organization)
    response = login(unit_a).post("/applications/new/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert zh(MESSAGE_ART25) in html
    assert f'value="{bad}"' in html
    for key in ("summary", "strategic_fit", "talent_team", "director_profile"):
        assert escape(data[key]) in html, key
    for key in ("director_name", "contact_phone", "cobuilders-0-name", "cobuilders-0-role"):
        assert f'value="{escape(data[key])}"' in html, key
    assert re.search(rf'<option value="{chengdu.organization_id}" selected>', html)
    assert not IntentApplication.objects.exists()


def test_art25_bad_name_on_edit_keeps_the_typed_values_and_saves_nothing(
    make_application, login, unit_a, chengdu
):
    app = make_application("draft")
    before = (app.proposed_name, app.summary)
    data = application_post("四川省技术创新中心", chengdu.organization, summary="修改后的摘要，尚未保存。")
    data.update({"cobuilders-TOTAL_FORMS": 0})
    response = login(unit_a).post(f"/applications/{app.pk}/edit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert zh(MESSAGE_ART25) in html
    assert "修改后的摘要，尚未保存。" in html
    app.refresh_from_db()
    assert (app.proposed_name, app.summary) == before


def test_art10_2_recommend_rerenders_with_the_typed_opinion_when_the_rank_is_taken(request, login, chengdu):
    first = build(request, "cultivated")
    second = build(request, "cultivated")
    perform(first, "recommend", actor=chengdu, opinion="第一个推荐。", rank=1)
    opinion = "第二个中心同样完成了培育任务，建议一并推荐。"

    response = login(chengdu).post(
        f"/applications/{second.pk}/transitions/recommend/",
        {"opinion": opinion, "rank": 1, "expected_state": "cultivating"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert opinion in html
    assert re.search(r'name="rank"[^>]*value="1"|value="1"[^>]*name="rank"', html)
    year = first.recommendation.year
    assert zh(MESSAGE_RANK_TAKEN, rank=1, other=first, year=year) in html
    second.refresh_from_db()
    assert second.state == "cultivating"
    assert not Recommendation.objects.filter(application=second).exists()


def test_art10_2_return_without_a_reason_rerenders_the_form_and_changes_nothing(request, login, chengdu):
    app = build(request, "submitted")
    response = login(chengdu).post(
        f"/applications/{app.pk}/transitions/return_for_revision/",
        {"comment": "  ", "expected_state": "submitted"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert zh(MESSAGE_COMMENT_REQUIRED) in html
    assert 'name="comment"' in html
    app.refresh_from_db()
    assert app.state == "submitted"


def test_art10_2_returned_application_shows_the_supervisors_reason_to_the_applicant(
    make_application, login, unit_a
):
    app = make_application("returned")
    html = page(login(unit_a), app.get_absolute_url())
    notice = re.search(r'id="return-reason">(.*?)</div>\s*</div>', html, re.S)
    assert notice, "no return reason on the page"
    assert REASONS["return_for_revision"] in notice.group(1)
    assert "成都市科学技术局" in notice.group(1)


# --- language, phones, login ------------------------------------------------------------------------


def test_pages_are_chinese_by_default_even_for_an_english_browser(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in html
    with translation.override("zh-hans"):
        assert escape(str(translation.gettext("Log in"))) in html


def test_pages_are_english_with_the_language_cookie(client, login, chengdu):
    client.cookies["django_language"] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    html = page(login(chengdu), "/")
    assert '<html lang="en">' in html
    assert "Supervisor dashboard" in html


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/applications/", "/centers/"])
def test_pages_fit_a_phone_screen(client, chengdu, url):
    if url != "/accounts/login/":
        client.force_login(chengdu)
    assert VIEWPORT in page(client, url)


def test_login_works_with_a_demo_style_user(client, chengdu):
    chengdu.set_password(DEMO_PASSWORD)
    chengdu.save()
    response = client.post("/accounts/login/", {"username": "chengdu", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    html = page(client, "/")
    assert chengdu.organization.name in html
    assert 'aria-labelledby="awaiting-title"' in html


def test_login_with_a_wrong_password_stays_on_the_login_page(client, chengdu):
    response = client.post("/accounts/login/", {"username": "chengdu", "password": "wrong-pass"})
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_login_returns_to_the_page_asked_for(client, chengdu):
    chengdu.set_password(DEMO_PASSWORD)
    chengdu.save()
    response = client.post(
        "/accounts/login/?next=/centers/",
        {"username": "chengdu", "password": DEMO_PASSWORD, "next": "/centers/"},
    )
    assert response["Location"] == "/centers/"


# --- dashboards: "awaiting me" -------------------------------------------------------------------------


def test_art10_2_supervisor_dashboard_awaits_the_applications_addressed_to_it(
    make_application, login, chengdu, mianyang
):
    app = make_application("submitted")
    assert app.proposed_name in awaiting_block(page(login(chengdu), "/"))
    mine = awaiting_block(page(login(mianyang), "/"))
    assert app.proposed_name not in mine
    assert 'data-count="awaiting">0<' in mine


def test_art10_1_applicant_dashboard_awaits_its_returned_application(make_application, login, unit_a, unit_b):
    app = make_application("returned")
    assert app.proposed_name in awaiting_block(page(login(unit_a), "/"))
    assert app.proposed_name not in awaiting_block(page(login(unit_b), "/"))


def test_art10_3_department_dashboard_awaits_recommendations_and_full_consultations(request, login, kjt):
    recommended = build(request, "recommended")
    pending = build(request, "under_review")
    ready = build(request, "opinions_in")
    block = awaiting_block(page(login(kjt), "/"))
    assert recommended.proposed_name in block
    assert ready.proposed_name in block
    assert pending.proposed_name not in block  # experts still have to answer


def test_art10_3_expert_dashboard_awaits_only_the_opinions_it_owes(request, login, experts):
    app = build(request, "under_review")
    assert app.proposed_name in awaiting_block(page(login(experts[0]), "/"))
    assert app.proposed_name not in awaiting_block(page(login(experts[2]), "/"))
    give_opinions(app)
    assert app.proposed_name not in awaiting_block(page(login(experts[0]), "/"))


def test_art10_1_drafts_never_wait_on_the_supervisor(make_application, login, chengdu, kjt):
    app = make_application("draft")
    for user in (chengdu, kjt):
        assert app.proposed_name not in page(login(user), "/")
