"""Issue 11 walked through the UI in Debian's Chromium (Art. 10.3): kjt draws three experts and a
reserve at random, one expert declines, the reserve accepts, all three give their opinion, the
组长 writes the group opinion, kjt approves it and the application, and unit_a reads the group
opinion — without any expert's name.

Elements are found by ids, names, hrefs and ``data-*`` hooks, never by visible text."""

from playwright.sync_api import Page, expect

from applications.models import ExpertReview, IntentApplication
from experts.models import Draw, GroupOpinion
from tests.browser.test_art10_walkthrough import expect_state, log_in, log_out, shoot
from tests.factories import ExpertFactory

GROUP_REASONS = "专家组认为技术路线清晰、团队基础扎实，同意建设。"


def open_page(page: Page, live_server, url: str) -> None:
    page.goto(f"{live_server.url}{url}")
    expect(page).to_have_url(f"{live_server.url}{url}")


def submit_transition_page(page: Page) -> None:
    with page.expect_navigation():
        page.click("main form button[type=submit][data-once]")


def test_art10_3_draw_decline_reserve_group_opinion_and_decision(
    page: Page, live_server, make_application, kjt, experts, unit_a, output_path
):
    fourth = ExpertFactory(username="expert4")
    app = make_application("recommended")
    url = app.get_absolute_url()
    page.on("dialog", lambda dialog: dialog.accept())

    # kjt draws three experts and one reserve (the random draw is the default choice).
    log_in(page, live_server, kjt)
    open_page(page, live_server, url)
    page.click('a[data-action="start_review"]')
    expect(page.locator('input[name="method"][value="random"]')).to_be_checked()
    page.fill("#id_count", "3")
    page.fill("#id_reserves", "1")
    shoot(page, output_path, "01-kjt-draw")
    submit_transition_page(page)
    expect_state(page, "under_review")
    draw = Draw.objects.get(object_id=app.pk, method="random")
    assert len(draw.drawn) == 3 and len(draw.reserves) == 1
    assert set(draw.drawn) | set(draw.reserves) == {e.pk for e in [*experts, fourth]}
    expect(page.locator("#draws")).to_be_visible()
    log_out(page, live_server)

    users = {u.pk: u for u in [*experts, fourth]}
    decliner, staying = users[draw.drawn[0]], [users[pk] for pk in draw.drawn[1:]]
    reserve = users[draw.reserves[0]]

    # The first drawn expert declines; back on their dashboard, the application is gone for them.
    log_in(page, live_server, decliner)
    open_page(page, live_server, url)
    page.click('#invitation a[data-review-action="decline"]')
    page.check('input[name="reason"][value="unavailable"]')
    shoot(page, output_path, "02-expert-declines")
    submit_transition_page(page)
    expect(page).to_have_url(f"{live_server.url}/")
    assert page.goto(f"{live_server.url}{url}").status == 404
    log_out(page, live_server)

    # The reserve was invited in their place and accepts, declaring no conflict.
    assert ExpertReview.objects.get(application=app, expert=reserve).state == "invited"
    log_in(page, live_server, reserve)
    open_page(page, live_server, url)
    page.click('#invitation a[data-review-action="accept"]')
    page.check("#id_no_conflict_declared")
    submit_transition_page(page)
    expect(page).to_have_url(f"{live_server.url}{url}")
    assert ExpertReview.objects.get(application=app, expert=reserve).state == "accepted"
    log_out(page, live_server)

    # kjt names the reserve 组长.
    log_in(page, live_server, kjt)
    open_page(page, live_server, url)
    with page.expect_navigation():
        page.click(f'tr[data-expert="{reserve.username}"] [data-review-action="leader"]')
    assert ExpertReview.objects.get(application=app, expert=reserve).is_group_leader
    log_out(page, live_server)

    # Everyone still on the review gives an opinion.
    for expert in [*staying, reserve]:
        log_in(page, live_server, expert)
        open_page(page, live_server, url)
        form = page.locator(f'form[action="{url}review/"]')
        form.locator("#id_no_conflict_declared").check()
        form.locator("#id_score").fill("85")
        form.locator('input[name="verdict"][value="support"]').check()
        form.locator("#id_opinion").fill(f"个人意见：{expert.username}")
        with page.expect_navigation():
            form.locator("button[type=submit][data-once]").click()
        if expert != reserve:
            log_out(page, live_server)

    # The 组长 writes the group opinion and submits it to kjt.
    page.click('a[data-review-action="write-opinion"]')
    page.check('input[name="conclusion"][value="support"]')
    page.fill("#id_reasons", GROUP_REASONS)
    shoot(page, output_path, "03-leader-writes")
    with page.expect_navigation():
        page.click("main form button[type=submit][data-once]")
    page.click('a[data-review-action="opinion-submit"]')
    submit_transition_page(page)
    assert GroupOpinion.objects.get().state == "submitted"
    log_out(page, live_server)

    # kjt approves the group opinion, then the application.
    log_in(page, live_server, kjt)
    open_page(page, live_server, url)
    page.click('a[data-review-action="opinion-approve"]')
    submit_transition_page(page)
    page.click('a[data-action="approve"]')
    page.fill("#id_comment", "经专家咨询论证，同意建设。")
    submit_transition_page(page)
    expect_state(page, "approved")
    assert IntentApplication.objects.get(pk=app.pk).state == "approved"
    log_out(page, live_server)

    # unit_a reads the group opinion, never an expert's name or individual comment.
    log_in(page, live_server, unit_a)
    open_page(page, live_server, url)
    expect(page.locator("#group-opinion")).to_contain_text(GROUP_REASONS)
    shoot(page, output_path, "04-unit-reads")
    content = page.content()
    for expert in [*experts, fourth]:
        assert expert.full_name not in content
        assert f"个人意见：{expert.username}" not in content
