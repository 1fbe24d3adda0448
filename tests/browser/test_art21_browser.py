"""The three-year evaluation walked through the UI in Debian's Chromium (Art. 21–23): unit_a
writes and submits its self-assessment, kjt starts the expert review choosing three experts (the
one on the center's board cannot be chosen), the experts score on the evaluation page, kjt
confirms the proposed grade on the grade page and issues the round's results notice from the
round page.

Elements are found by ids, names, hrefs and ``data-*`` hooks, never by visible text.
Screenshots of each step land in ``test-results/<test>/`` (ignored by git).
"""

from django_fsm_log.models import StateLog
from playwright.sync_api import Page, expect

from centers.models import BoardMember, Center, CenterCycle
from evaluations.models import Evaluation
from notices.models import Kind, Notice
from tests.browser.test_art10_walkthrough import (
    expect_state,
    log_in,
    log_out,
    open_from_dashboard,
    press,
    shoot,
)
from tests.factories import ExpertFactory
from tests.test_art22_evaluation import (
    CENTER_NAME,
    INDEX,
    NARRATIVES,
    default_rules,
    file_reports,
    make_center,
    open_round,
)

SCORES = [58, 60, 62]  # the experts' scores: mean 60, the center is proposed "good"


def state_of(pk: int) -> str:
    return Evaluation.objects.values_list("state", flat=True).get(pk=pk)


def test_art21_evaluation_from_self_assessment_to_the_results_notice(
    page: Page, live_server, output_path, unit_a, chengdu, kjt, experts
):
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    board_member = ExpertFactory(full_name="王理事")
    BoardMember.objects.create(center=center, name="王理事", organization="成都轨道交通集团")
    evaluation_round = open_round(kjt, rule_set=default_rules())
    evaluation = evaluation_round.evaluations.get()
    url = evaluation.get_absolute_url()
    codes = [i["code"] for i in evaluation_round.rules["indicators"] if i["method"] == "expert"]
    page.on("dialog", lambda dialog: dialog.accept())

    # Art. 21 — unit_a opens its evaluation from the dashboard, writes the self-assessment and submits.
    log_in(page, live_server, unit_a)
    open_from_dashboard(page, live_server, url)
    expect_state(page, "pending")
    expect(page.locator('[data-action="submit_self_assessment"]')).to_be_disabled()
    expect(page.locator("table.figures thead th")).to_have_count(4)  # figure, 2023, 2024, 2025
    for field, text in NARRATIVES.items():
        page.fill(f"#id_{field}", text)
    shoot(page, output_path, "01-unit_a-self-assessment")
    with page.expect_navigation():
        page.click(f'main form[action="{url}self-assessment/"] button[type=submit][data-once]')
    expect(page).to_have_url(f"{live_server.url}{url}")
    press(page, "submit_self_assessment")
    expect_state(page, "submitted")
    assert state_of(evaluation.pk) == "submitted"
    expect(page.locator(f'main form[action="{url}self-assessment/"]')).to_have_count(0)
    log_out(page, live_server)

    # Art. 21 — kjt starts the expert review with three experts; the board member cannot be chosen.
    log_in(page, live_server, kjt)
    open_from_dashboard(page, live_server, url)
    page.click('a[data-action="start_review"]')
    expect(page).to_have_url(f"{live_server.url}{url}transitions/start_review/")
    expect(page.locator(f'input[name="experts"][value="{board_member.pk}"]')).to_be_disabled()
    # A choice by hand instead of a random draw, with its reason (recorded as a draw).
    page.check('input[name="method"][value="manual"]')
    page.fill("#id_reason", "需熟悉该领域的专家，按专业指定。")
    for expert in experts:
        box = page.locator(f'input[name="experts"][value="{expert.pk}"]')
        expect(box).to_be_enabled()
        box.check()
    shoot(page, output_path, "02-kjt-start-review")
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{url}")
    expect_state(page, "under_review")
    assert set(evaluation.experts.values_list("expert_id", flat=True)) == {e.pk for e in experts}
    expect(page.locator('[data-action="grade"]')).to_be_disabled()  # no scores yet
    log_out(page, live_server)

    # Art. 21 — each expert declares no conflict and scores every expert indicator with a comment.
    for position, (expert, score) in enumerate(zip(experts, SCORES, strict=True)):
        log_in(page, live_server, expert)
        open_from_dashboard(page, live_server, url)
        form = page.locator(f'form[action="{url}score/"]')
        form.locator("#id_no_conflict_declared").check()
        for code in codes:
            form.locator(f"#id_score_{code}").fill(str(score))
            form.locator(f"#id_comment_{code}").fill("材料翔实，目标完成度较好。")
        if position == 0:
            shoot(page, output_path, "03-expert-scores")
        with page.expect_navigation():
            form.locator("button[type=submit][data-once]").click()  # confirmed in the dialog
        expect(page).to_have_url(f"{live_server.url}{url}")
        expect(page.locator(f'form[action="{url}score/"]')).to_have_count(0)
        assignment = evaluation.experts.get(expert=expert)
        assert assignment.no_conflict_declared and assignment.submitted_at
        assert set(assignment.scores.values_list("score", flat=True)) == {score}
        log_out(page, live_server)

    # Art. 22 — kjt confirms the proposed grade on the grade page.
    evaluation.refresh_from_db()
    assert evaluation.proposed_grade == "good"
    log_in(page, live_server, kjt)
    open_from_dashboard(page, live_server, url)
    expect(page.locator('tr[data-indicator="governance"]')).to_be_visible()
    shoot(page, output_path, "04-kjt-evaluation-scored")
    page.click('a[data-action="grade"]')
    expect(page).to_have_url(f"{live_server.url}{url}transitions/grade/")
    expect(page.locator('input[name="grade"][value="good"]')).to_be_checked()
    shoot(page, output_path, "05-kjt-grade")
    page.click("main form button[type=submit][data-once]")
    expect(page).to_have_url(f"{live_server.url}{url}")
    expect_state(page, "graded")
    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.grade) == ("graded", "good")
    assert CenterCycle.objects.filter(center=center, closed_on__isnull=True).get().number == 2
    assert Center.objects.get(pk=center.pk).state == "operating"
    shoot(page, output_path, "06-kjt-evaluation-graded")

    # Art. 22, 23 — kjt issues the results notice from the round page.
    page.click(f'main a[href="{evaluation_round.get_absolute_url()}"]')
    expect(page).to_have_url(f"{live_server.url}{evaluation_round.get_absolute_url()}")
    expect(page.locator(f'tr[data-evaluation="{evaluation.pk}"]')).to_be_visible()
    expect(page.locator('[data-chart="grades"]')).to_have_count(2)
    shoot(page, output_path, "07-kjt-round")
    with page.expect_navigation():
        page.click('[data-action="results-notice"]')
    notice = Notice.objects.get(kind=Kind.EVALUATION_RESULTS)
    expect(page).to_have_url(f"{live_server.url}{notice.get_absolute_url()}")
    assert notice.state == "issued" and notice.number
    expect(page.locator("main")).to_contain_text(notice.number)
    assert f"{CENTER_NAME}：良好" in notice.body
    shoot(page, output_path, "08-kjt-results-notice")

    assert [
        (log.transition, log.by) for log in StateLog.objects.for_(evaluation).order_by("timestamp", "pk")
    ] == [
        ("submit_self_assessment", unit_a),
        ("start_review", kjt),
        ("grade", kjt),
    ]
