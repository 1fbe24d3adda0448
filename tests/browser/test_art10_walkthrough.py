"""The Art. 10 path walked through the UI in Debian's Chromium, as the people involved would.

Elements are found by ids, names, form actions and ``data-*`` hooks, never by visible text: the
interface is translated (zh-hans by default, English second) and its wording may change.
Screenshots of each step land in ``test-results/<test>/`` (ignored by git).
"""

import hashlib
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from applications.models import IntentApplication
from centers.models import Center
from notices.models import Notice
from sctic.choices import TechnologyField
from sctic.demo import credit_code, minimal_pdf
from tests.factories import PASSWORD

PROPOSED_NAME = "四川省先进轨道交通装备技术创新中心"
RETURN_REASON = "请补充共建单位的分工与利益分配机制，并细化中期目标的量化指标。"

SECTIONS = {
    "summary": "聚焦先进轨道交通装备关键核心技术攻关与成果转化。",
    "strategic_fit": "服务成渝地区双城经济圈建设和全省现代化产业体系，围绕轨道交通装备产业链补链强链。",
    "lead_unit_strength": "牵头单位拥有省级研发平台2个，近三年承担国家重点研发计划项目5项。",
    "collaboration": "牵头单位负责工程化验证，高校负责共性技术研究；按投入比例共享知识产权收益。",
    "technology_goals": "突破轨道交通装备领域3—5项关键技术，形成自主可控的技术体系。",
    "bottleneck_technologies": "高可靠牵引传动系统设计与制造技术。",
    "strength_technologies": "系统集成与工程化应用技术。",
    "short_term_goals": "一年内完成平台组建，启动3项攻关任务。",
    "mid_term_goals": "三年内突破关键技术3项，转化成果10项。",
    "long_term_goals": "五年内建成具有全国影响力的技术创新中心。",
    "talent_team": "技术带头人1名，核心技术团队45人，技术支撑服务团队20人，成果转化团队12人。",
    "director_name": "杨建国",
    "director_title": "研究员、博士生导师",
    "director_profile": "长期从事轨道交通装备研究，主持国家级项目8项。",
    "contact_person": "陈静",
    "contact_phone": "028-12345678",
}

APPLICATION_URL = re.compile(r"/applications/(\d+)/$")


# --- what a person does on every page -----------------------------------------------------------


def log_in(page: Page, live_server, user) -> None:
    """Start a fresh session and log in through the login form; the dashboard opens."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("#nav .dropdown-toggle")).to_contain_text(str(user))


def log_out(page: Page, live_server) -> None:
    """Log out through the user menu in the navigation bar."""
    page.click("#nav .dropdown-toggle")
    page.click('#nav form[action$="/accounts/logout/"] button[type=submit]')
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/accounts/login/")))


def press(page: Page, transition: str, comment: str = "") -> None:
    """Press a transition button that opens its comment form, write the comment and confirm."""
    page.click(f'[data-action="{transition}"]')
    expect(page.locator(f"#act-{transition}")).to_have_class(re.compile(r"\bshow\b"))  # fully open
    confirm = page.locator(f'[data-action-confirm="{transition}"]')
    expect(confirm).to_be_visible()
    if comment:
        page.fill(f"#comment-{transition}", comment)
    with page.expect_navigation():
        confirm.click()


def expect_state(page: Page, state: str) -> None:
    expect(page.locator(f'main h1 ~ .state-badge[data-state="{state}"]')).to_be_visible()


def open_from_dashboard(page: Page, live_server, application_url: str) -> None:
    """Follow the application's link in the dashboard's "awaiting me" list."""
    awaiting = page.locator('section[aria-labelledby="awaiting-title"]')
    link = awaiting.locator(f'a[href="{application_url}"]')
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(f"{live_server.url}{application_url}")


def shoot(page: Page, output_path: str, name: str) -> None:
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def state_of(pk: int) -> str:
    return IntentApplication.objects.values_list("state", flat=True).get(pk=pk)


# --- the whole path --------------------------------------------------------------------------------


def test_art10_intent_application_walkthrough_from_draft_to_center(
    page: Page, live_server, output_path, tmp_path, unit_a, chengdu, kjt, experts, conflicted_expert
):
    # Art. 9, 10.1 — unit_a writes the intent application and submits it to its supervisor.
    log_in(page, live_server, unit_a)
    page.goto(f"{live_server.url}/applications/new/")
    page.fill("#id_proposed_name", PROPOSED_NAME)
    page.select_option("#id_technology_field", TechnologyField.EQUIPMENT_MANUFACTURING.value)
    page.select_option("#id_supervisor", str(chengdu.organization_id))
    for field, text in SECTIONS.items():
        page.fill(f"#id_{field}", text)
    page.check("#id_director_full_time")
    page.fill("#id_cobuilders-0-name", "西南交通大学")
    page.select_option("#id_cobuilders-0-kind", "university")
    page.fill("#id_cobuilders-0-role", "牵引传动共性技术研究")
    shoot(page, output_path, "01-unit_a-new-application")
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(APPLICATION_URL)
    pk = int(APPLICATION_URL.search(page.url).group(1))
    application_url = f"/applications/{pk}/"
    expect_state(page, "draft")

    application = IntentApplication.objects.get(pk=pk)
    assert application.lead_unit == unit_a.organization
    assert application.supervisor == chengdu.organization
    assert application.proposed_name == PROPOSED_NAME
    assert application.director_full_time
    assert list(application.cobuilders.values_list("name", flat=True)) == ["西南交通大学"]
    assert application.missing_for_submission() == []

    press(page, "submit")
    expect_state(page, "submitted")
    assert state_of(pk) == "submitted"
    log_out(page, live_server)

    # Art. 10.2 — chengdu finds it waiting on its dashboard and accepts it for cultivation.
    log_in(page, live_server, chengdu)
    shoot(page, output_path, "02-chengdu-dashboard")
    open_from_dashboard(page, live_server, application_url)
    shoot(page, output_path, "02-chengdu-submitted")
    press(page, "accept_for_cultivation")
    expect_state(page, "cultivating")
    assert state_of(pk) == "cultivating"
    # Cultivation has produced nothing yet: recommendation is offered, but blocked.
    expect(page.locator('[data-action="recommend"]')).to_be_disabled()
    log_out(page, live_server)

    # Art. 10.2, Art. 3 — unit_a prepares the board, the legal entity and the construction plan.
    log_in(page, live_server, unit_a)
    page.goto(f"{live_server.url}{application_url}")
    expect(page.locator("#missing-for-recommendation li")).to_have_count(4)
    page.click(f'a[href="{application_url}cultivation/"]')
    expect(page).to_have_url(f"{live_server.url}{application_url}cultivation/")
    page.check("#id_board_prepared")
    page.fill("#id_board_summary", "理事会由牵头单位、共建高校和研究所代表共7人组成，已召开筹备会议。")
    page.fill("#id_legal_entity_name", "四川先进轨道交通装备技术创新中心有限公司")
    page.fill("#id_legal_entity_credit_code", credit_code("91", "510100", 123))
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{application_url}")
    expect(page.locator("#missing-for-recommendation li")).to_have_count(1)

    plan = tmp_path / "建设运行方案.pdf"
    plan.write_bytes(minimal_pdf("Construction and operation plan"))
    upload = page.locator(f'form[action="{application_url}attachments/"]')
    upload.locator('select[name="kind"]').select_option("construction_plan")
    upload.locator('input[type=file][name="file"]').set_input_files(str(plan))
    with page.expect_navigation():
        upload.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}{application_url}")
    expect(page.locator('section[aria-labelledby="files-title"] a[href^="/files/"]')).to_have_count(1)
    expect(page.locator("#missing-for-recommendation")).to_have_count(0)
    assert IntentApplication.objects.get(pk=pk).missing_for_recommendation() == []
    shoot(page, output_path, "03-unit_a-cultivated")
    log_out(page, live_server)

    # Art. 10.2 — chengdu recommends it with an opinion and a rank.
    log_in(page, live_server, chengdu)
    page.goto(f"{live_server.url}{application_url}")
    expect(page.locator('a[data-action="recommend"]')).to_be_enabled()
    page.click('a[data-action="recommend"]')
    expect(page).to_have_url(f"{live_server.url}{application_url}transitions/recommend/")
    page.fill(
        "#id_opinion", "该中心方向符合全省重点产业布局，培育期间完成了建设运行方案和理事会筹建，同意推荐。"
    )
    page.fill("#id_rank", "1")
    shoot(page, output_path, "04-chengdu-recommend")
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{application_url}")
    expect_state(page, "recommended")
    recommendation = IntentApplication.objects.get(pk=pk).recommendation
    assert (recommendation.rank, recommendation.supervisor) == (1, chengdu.organization)
    log_out(page, live_server)

    # Art. 10.3 — kjt starts the expert consultation; the expert who works for unit_a cannot be chosen.
    log_in(page, live_server, kjt)
    open_from_dashboard(page, live_server, application_url)
    page.click('a[data-action="start_review"]')
    expect(page).to_have_url(f"{live_server.url}{application_url}transitions/start_review/")
    expect(page.locator(f'input[name="experts"][value="{conflicted_expert.pk}"]')).to_be_disabled()
    # A choice by hand instead of a random draw, with its reason (recorded as a draw).
    page.check('input[name="method"][value="manual"]')
    page.fill("#id_reason", "需熟悉该领域的专家，按专业指定。")
    chosen = experts[:2]
    for expert in chosen:
        box = page.locator(f'input[name="experts"][value="{expert.pk}"]')
        expect(box).to_be_enabled()
        box.check()
    shoot(page, output_path, "05-kjt-start-review")
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{application_url}")
    expect_state(page, "under_review")
    application = IntentApplication.objects.get(pk=pk)
    assert set(application.expert_reviews.values_list("expert_id", flat=True)) == {e.pk for e in chosen}
    # Not every opinion is in yet: the decision waits.
    expect(page.locator('[data-action="approve"]')).to_be_disabled()
    log_out(page, live_server)

    # Art. 10.3 — each expert declares no conflict, scores, concludes and gives an opinion.
    page.on("dialog", lambda dialog: dialog.accept())
    for score, expert in zip((88, 82), chosen, strict=True):
        log_in(page, live_server, expert)
        open_from_dashboard(page, live_server, application_url)
        review = page.locator(f'form[action="{application_url}review/"]')
        review.locator("#id_no_conflict_declared").check()
        review.locator("#id_score").fill(str(score))
        review.locator('input[name="verdict"][value="support"]').check()
        review.locator("#id_opinion").fill("技术路线清晰，团队基础扎实，建议加强成果转化机制设计。")
        if score == 88:
            shoot(page, output_path, "06-expert-review")
        with page.expect_navigation():
            review.locator("button[type=submit][data-once]").click()
        expect(page).to_have_url(f"{live_server.url}{application_url}")
        expect(page.locator(f'form[action="{application_url}review/"]')).to_have_count(0)
        own = application.expert_reviews.get(expert=expert)
        assert own.is_submitted and own.no_conflict_declared
        assert (own.score, own.verdict) == (score, "support")
        log_out(page, live_server)

    # Art. 10.3, 11.5 — kjt approves on the decision page (the notice is issued with it); the
    # center exists and is on kjt's list of centers.
    log_in(page, live_server, kjt)
    open_from_dashboard(page, live_server, application_url)
    expect(page.locator('a[data-action="approve"]')).to_be_enabled()
    page.click('a[data-action="approve"]')
    expect(page).to_have_url(f"{live_server.url}{application_url}transitions/approve/")
    page.fill("#id_comment", "经专家咨询论证，同意建设。")
    expect(page.locator("#id_hold_notice")).not_to_be_checked()  # issued at once unless kept as a draft
    shoot(page, output_path, "07-kjt-approve")
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{application_url}")
    expect_state(page, "approved")
    center = Center.objects.get(application_id=pk)
    assert center.name == PROPOSED_NAME
    assert center.lead_unit == unit_a.organization
    assert center.cycles.count() == 1
    expect(page.locator(f'main a[href="{center.get_absolute_url()}"]')).to_be_visible()
    shoot(page, output_path, "07-kjt-approved")

    # Art. 10.3 — the approval notice is on the application's page; its PDF is archived.
    notice = Notice.objects.get(kind="approval", object_id=pk)
    assert notice.state == "issued"
    assert {o.pk for o in notice.addressee_orgs.all()} == {chengdu.organization_id, unit_a.organization_id}
    page.click('[data-notice="approval"]')
    expect(page).to_have_url(f"{live_server.url}{notice.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text(notice.number)
    pdf_link = page.locator('[data-action="pdf"]')
    expect(pdf_link).to_be_visible()
    shoot(page, output_path, "07-kjt-approval-notice")
    response = page.request.get(f"{live_server.url}{pdf_link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    content = response.body()
    assert content.startswith(b"%PDF-")
    notice.refresh_from_db()
    assert hashlib.sha256(content).hexdigest() == notice.sha256

    page.click('#nav a[href="/centers/"]')
    expect(page).to_have_url(f"{live_server.url}/centers/")
    row = page.locator("main table tbody tr", has=page.locator(f'a[href="{center.get_absolute_url()}"]'))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(PROPOSED_NAME)
    expect(row.locator('.state-badge[data-state="operating"]')).to_be_visible()
    shoot(page, output_path, "08-kjt-centers")


# --- a return for revision ---------------------------------------------------------------------------


def test_art10_2_supervisor_returns_application_with_reason_shown_to_applicant(
    page: Page, live_server, output_path, make_application, unit_a, chengdu
):
    application = make_application("submitted")
    application_url = application.get_absolute_url()

    log_in(page, live_server, chengdu)
    open_from_dashboard(page, live_server, application_url)
    page.click('[data-action="return_for_revision"]')
    confirm = page.locator('[data-action-confirm="return_for_revision"]')
    expect(confirm).to_be_visible()
    # The reason is required: the browser will not send the form without one.
    confirm.click()
    expect(page.locator("#comment-return_for_revision:invalid")).to_have_count(1)
    expect_state(page, "submitted")
    page.fill("#comment-return_for_revision", RETURN_REASON)
    with page.expect_navigation():
        confirm.click()
    expect_state(page, "returned")
    assert state_of(application.pk) == "returned"
    log_out(page, live_server)

    log_in(page, live_server, unit_a)
    open_from_dashboard(page, live_server, application_url)
    expect_state(page, "returned")
    expect(page.locator("#return-reason")).to_contain_text(RETURN_REASON)
    expect(page.locator(f'a[href="{application_url}edit/"]')).to_be_visible()
    shoot(page, output_path, "returned-unit_a")
