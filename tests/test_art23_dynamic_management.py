"""Dynamic management after the evaluation (Art. 23), carried out by ``perform``: fail → one year
of rectification; rectification passed → operating again in the next cycle; failed rectification,
absence and withdrawal → no longer in the sequence; excellent → national recommendation and a
post-subsidy; excellent, good, pass → the next cycle; the round's results notice; deadline
reminders of the evaluation.

The clock is fixed at TODAY (2026-05-15, before the center's cycle ends on 2026-06-30) and moved
by passing dates; reminders are run with ``send_reminders --date``.
"""

from datetime import date, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation
from django_fsm import TransitionNotAllowed
from django_fsm_log.models import StateLog

from centers.models import Center, CenterCycle, ChangeRequest, add_years
from evaluations import services
from evaluations.models import Evaluation, Grade, PostSubsidy
from notices.models import Kind, Notice
from notices.rendering import chinese_date
from notifications.models import Reminder
from reports.demo import NARRATIVE, figures
from reports.models import AnnualReport
from sctic.demo import minimal_pdf
from sctic.workflow import MESSAGE_COMMENT_REQUIRED, perform
from tests.test_art22_evaluation import (
    CENTER_NAME,
    CYCLE,
    INDEX,
    MATERIALS_DUE,
    REASON,
    SCORE_FOR,
    SCORES_DUE,
    advance,
    file_reports,
    grade,
    make_center,
    messages_about,
    open_round,
    submit_scores,
)

pytestmark = pytest.mark.django_db

S = Evaluation.State
TODAY = date(2026, 5, 15)
PLAN = "针对评估意见，一年内补齐成果转化短板，完善内部管理制度。"
REPORT = "整改措施已全部落实，成果转化合同额同比增长60%。"


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """``timezone.localdate()`` is TODAY until ``clock.set(day)``."""
    real = timezone.localdate
    now = {"day": TODAY}

    def localdate(value=None, tz=None):
        return now["day"] if value is None else real(value, tz)

    monkeypatch.setattr(timezone, "localdate", localdate)
    return SimpleNamespace(set=lambda day: now.update(day=day))


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch):
    """No WeasyPrint here: the notices' PDFs are not what these tests are about."""
    monkeypatch.setattr("notices.rendering.render_pdf", lambda notice, letterhead: minimal_pdf())


@pytest.fixture
def center(unit_a, chengdu, kjt):
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    return center


@pytest.fixture
def evaluation(center, kjt):
    return open_round(kjt).evaluations.get(center=center)


@pytest.fixture
def walk_to(evaluation, unit_a, kjt, experts):
    def go(target, *, score=70):
        return advance(evaluation, target, applicant=unit_a, department=kjt, experts=experts, score=score)

    return go


@pytest.fixture
def graded(walk_to, kjt):
    """``graded(grade)``: scored to propose ``grade`` and graded so by the department."""

    def go(value):
        evaluation = walk_to("scored", score=SCORE_FOR[value])
        assert evaluation.proposed_grade == value
        return grade(evaluation, value, actor=kjt)

    return go


@pytest.fixture
def rectifying(graded):
    evaluation = graded(Grade.FAIL)
    assert evaluation.state == S.RECTIFYING
    return evaluation


def current_cycles(center):
    return list(CenterCycle.objects.filter(center=center, closed_on__isnull=True))


def center_state(center) -> str:
    return Center.objects.values_list("state", flat=True).get(pk=center.pk)


def notice_about(evaluation, kind) -> Notice:
    return Notice.objects.get(object_id=evaluation.pk, kind=kind)


# --- Art. 23: fail → one year of rectification ------------------------------------------------


def test_art23_fail_starts_one_year_of_rectification(rectifying, center):
    assert rectifying.grade == Grade.FAIL
    assert rectifying.rectification_deadline == date(2027, 5, 15)
    assert rectifying.rectification_deadline == add_years(TODAY, 1)
    assert center_state(center) == Center.State.RECTIFYING
    # The center keeps its cycle while rectifying: no next cycle yet.
    [cycle] = current_cycles(center)
    assert (cycle.number, cycle.end_date) == (1, CYCLE[1])
    assert not rectifying.national_recommendation


def test_art23_fail_deadline_is_one_year_after_the_grading_day(walk_to, kjt, clock):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.FAIL])
    clock.set(date(2026, 6, 3))
    grade(evaluation, Grade.FAIL, actor=kjt)
    assert evaluation.rectification_deadline == date(2027, 6, 3)


def test_art23_fail_issues_the_rectification_notice_to_supervisor_and_lead_unit(rectifying, center):
    notice = notice_about(rectifying, Kind.RECTIFICATION)
    assert notice.state == Notice.State.ISSUED
    assert notice.number
    assert set(notice.addressee_orgs.all()) == {center.supervisor, center.lead_unit}
    assert center.name in notice.body
    assert chinese_date(date(2027, 5, 15)) in notice.body


def test_art23_centers_rectification_plan_and_report_over_http(rectifying, unit_a, unit_b, login):
    url = rectifying.get_absolute_url()
    response = login(unit_a).post(
        f"{url}rectification/", {"rectification_plan": PLAN, "rectification_report": REPORT}
    )
    assert response.status_code == 302
    rectifying.refresh_from_db()
    assert (rectifying.rectification_plan, rectifying.rectification_report) == (PLAN, REPORT)
    assert login(unit_b).post(f"{url}rectification/", {"rectification_plan": "x"}).status_code == 404


def test_art23_rectification_form_only_while_rectifying(graded, unit_a, login):
    evaluation = graded(Grade.GOOD)
    response = login(unit_a).post(
        f"{evaluation.get_absolute_url()}rectification/",
        {"rectification_plan": PLAN, "rectification_report": REPORT},
    )
    assert response.status_code == 302
    assert Evaluation.objects.get(pk=evaluation.pk).rectification_report == ""


def test_art23_pass_rectification_needs_the_rectification_report(rectifying, kjt):
    with pytest.raises(ValidationError):
        perform(rectifying, "pass_rectification", actor=kjt)
    assert Evaluation.objects.get(pk=rectifying.pk).state == S.RECTIFYING
    Evaluation.objects.filter(pk=rectifying.pk).update(rectification_plan=PLAN)
    rectifying.refresh_from_db()
    with pytest.raises(ValidationError):
        perform(rectifying, "pass_rectification", actor=kjt)


def test_art23_rectified_center_operates_again_and_enters_the_next_cycle(rectifying, center, kjt, clock):
    Evaluation.objects.filter(pk=rectifying.pk).update(rectification_plan=PLAN, rectification_report=REPORT)
    rectifying.refresh_from_db()
    clock.set(date(2027, 4, 1))
    perform(rectifying, "pass_rectification", actor=kjt, comment="整改到位。")
    assert rectifying.state == S.RECTIFIED
    assert center_state(center) == Center.State.OPERATING
    [cycle] = current_cycles(center)
    # The old cycle ended on 2026-06-30; the next one starts when the rectification passes.
    assert (cycle.number, cycle.start_date, cycle.end_date) == (2, date(2027, 4, 1), date(2030, 3, 31))
    old = CenterCycle.objects.get(center=center, number=1)
    assert old.closed_on == date(2027, 4, 1)
    logs = [(log.transition, log.by) for log in StateLog.objects.for_(Center.objects.get(pk=center.pk))]
    assert ("start_rectification", kjt) in logs and ("finish_rectification", kjt) in logs


@pytest.mark.parametrize("who", ["unit_a", "chengdu"])
def test_art23_only_the_department_decides_the_rectification(request, rectifying, who):
    Evaluation.objects.filter(pk=rectifying.pk).update(rectification_report=REPORT)
    rectifying.refresh_from_db()
    actor = request.getfixturevalue(who)
    for transition in ("pass_rectification", "fail_rectification"):
        with pytest.raises(PermissionDenied):
            perform(rectifying, transition, actor=actor, comment=REASON)


# --- Art. 23: leaving the sequence -------------------------------------------------------------


REMOVALS = {
    # transition: (state the evaluation is in, the reason the removal notice gives)
    "fail_rectification": ("rectifying", "整改未通过"),
    "mark_absent": ("pending", "未参加绩效评估"),
    "withdraw": ("under_review", "中途退出绩效评估"),
}


@pytest.fixture
def removable(walk_to, kjt):
    def go(transition):
        source, _reason = REMOVALS[transition]
        if source == "rectifying":
            evaluation = walk_to("scored", score=SCORE_FOR[Grade.FAIL])
            return grade(evaluation, Grade.FAIL, actor=kjt)
        return walk_to(source)

    return go


def open_work(center, unit_a):
    """A draft annual report and a submitted change request that are still open."""
    report = AnnualReport.objects.create(
        center=center, year=2026, due_date=date(2027, 3, 31), **NARRATIVE, **figures(INDEX, 2026)
    )
    change = ChangeRequest.objects.create(
        center=center,
        kind=ChangeRequest.Kind.DIRECTION,
        proposed_value="聚焦轨道交通装备智能运维。",
        reason="理事会决定调整研发方向。",
        created_by=unit_a,
    )
    return report, change


@pytest.mark.parametrize("transition", list(REMOVALS))
def test_art23_removal_needs_a_reason(removable, kjt, transition):
    evaluation = removable(transition)
    with pytest.raises(ValidationError) as caught:
        perform(evaluation, transition, actor=kjt, comment=" ")
    assert caught.value.message_dict["comment"] == [str(MESSAGE_COMMENT_REQUIRED)]
    assert Evaluation.objects.get(pk=evaluation.pk).state == REMOVALS[transition][0]


@pytest.mark.parametrize(
    ("transition", "target"),
    [("fail_rectification", S.REMOVED), ("mark_absent", S.ABSENT), ("withdraw", S.WITHDRAWN)],
)
def test_art23_failed_rectification_absence_and_withdrawal_delist_the_center(
    removable, center, unit_a, kjt, clock, transition, target
):
    evaluation = removable(transition)
    report, change = open_work(center, unit_a)
    clock.set(date(2026, 6, 1))
    perform(evaluation, transition, actor=kjt, comment="经研究决定。")
    assert evaluation.state == target
    center.refresh_from_db()
    assert center.state == Center.State.DELISTED
    assert center.ended_on == date(2026, 6, 1)
    assert current_cycles(center) == []
    assert CenterCycle.objects.get(center=center, number=1).closed_on == date(2026, 6, 1)
    assert AnnualReport.objects.get(pk=report.pk).state == AnnualReport.State.CANCELLED
    assert ChangeRequest.objects.get(pk=change.pk).state == ChangeRequest.State.CANCELLED
    notice = notice_about(evaluation, Kind.REMOVAL)
    assert notice.state == Notice.State.ISSUED
    assert set(notice.addressee_orgs.all()) == {center.supervisor, center.lead_unit}
    assert REMOVALS[transition][1] in notice.body
    assert center.name in notice.body


def test_art23_mark_absent_also_from_a_submitted_self_assessment(walk_to, center, kjt):
    evaluation = walk_to("submitted")
    perform(evaluation, "mark_absent", actor=kjt, comment="未按要求参加答辩。")
    assert evaluation.state == S.ABSENT
    assert center_state(center) == Center.State.DELISTED


def test_art23_a_center_under_review_is_not_marked_absent(walk_to, kjt):
    evaluation = walk_to("under_review")
    with pytest.raises(TransitionNotAllowed):
        perform(evaluation, "mark_absent", actor=kjt, comment="未参加。")


@pytest.mark.parametrize("transition", ["withdraw", "mark_absent"])
def test_art23_a_graded_center_cannot_withdraw_or_be_absent(graded, kjt, transition):
    evaluation = graded(Grade.GOOD)
    with pytest.raises(TransitionNotAllowed):
        perform(evaluation, transition, actor=kjt, comment="退出。")
    assert Center.objects.get(pk=evaluation.center_id).state == Center.State.OPERATING


@pytest.mark.parametrize("who", ["unit_a", "chengdu"])
def test_art23_only_the_department_records_absence_and_withdrawal(request, walk_to, who):
    evaluation = walk_to("submitted")
    for transition in ("mark_absent", "withdraw"):
        with pytest.raises(PermissionDenied):
            perform(evaluation, transition, actor=request.getfixturevalue(who), comment="退出。")


def test_art23_revoking_a_center_closes_its_evaluation(walk_to, center, kjt):
    evaluation = walk_to("under_review")
    perform(Center.objects.get(pk=center.pk), "revoke", actor=kjt, comment="严重违规，撤销。")
    evaluation.refresh_from_db()
    assert evaluation.state == S.CLOSED
    assert current_cycles(center) == []


# --- Art. 23: excellent → national recommendation and post-subsidy ---------------------------


def test_art23_excellent_is_recommended_for_a_national_center_with_a_post_subsidy(graded, center):
    evaluation = graded(Grade.EXCELLENT)
    assert evaluation.state == S.GRADED
    assert evaluation.national_recommendation is True
    subsidy = PostSubsidy.objects.get(evaluation=evaluation)
    assert (subsidy.status, subsidy.amount) == (PostSubsidy.Status.PROPOSED, None)
    assert center_state(center) == Center.State.OPERATING


@pytest.mark.parametrize("value", [Grade.GOOD, Grade.PASS])
def test_art23_only_excellent_is_recommended_and_subsidised(graded, value):
    evaluation = graded(value)
    assert evaluation.national_recommendation is False
    assert not PostSubsidy.objects.filter(evaluation=evaluation).exists()


def test_art23_department_records_the_post_subsidy_amount_and_status(graded, kjt, login):
    evaluation = graded(Grade.EXCELLENT)
    url = evaluation.get_absolute_url()
    assert 'id="subsidy-amount"' in login(kjt).get(url).content.decode()
    response = login(kjt).post(
        f"{url}subsidy/", {"amount": "300.50", "status": "approved", "note": "2027年度"}
    )
    assert response.status_code == 302
    subsidy = PostSubsidy.objects.get(evaluation=evaluation)
    assert (str(subsidy.amount), subsidy.status, subsidy.note) == ("300.50", "approved", "2027年度")


@pytest.mark.parametrize("who", ["unit_a", "chengdu"])
def test_art23_only_the_department_edits_the_post_subsidy(request, graded, login, who):
    evaluation = graded(Grade.EXCELLENT)
    user = request.getfixturevalue(who)
    url = evaluation.get_absolute_url()
    assert 'id="subsidy-amount"' not in login(user).get(url).content.decode()
    response = login(user).post(f"{url}subsidy/", {"amount": "999", "status": "paid"})
    assert response.status_code == 403
    assert PostSubsidy.objects.get(evaluation=evaluation).status == PostSubsidy.Status.PROPOSED


# --- Art. 23: the next cycle --------------------------------------------------------------------


@pytest.mark.parametrize("value", [Grade.EXCELLENT, Grade.GOOD, Grade.PASS])
def test_art23_excellent_good_and_pass_enter_the_next_cycle(graded, center, value):
    evaluation = graded(value)
    assert evaluation.state == S.GRADED
    [cycle] = current_cycles(center)
    assert cycle.number == 2
    assert cycle.start_date == CYCLE[1] + timedelta(days=1) == date(2026, 7, 1)
    assert cycle.end_date == date(2029, 6, 30)
    assert CenterCycle.objects.get(center=center, number=1).closed_on == TODAY
    assert center_state(center) == Center.State.OPERATING


def test_art23_fail_does_not_start_a_next_cycle(rectifying, center):
    assert [c.number for c in current_cycles(center)] == [1]


def test_art23_graded_after_the_cycle_ended_the_next_cycle_starts_that_day(walk_to, center, kjt, clock):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.GOOD])
    clock.set(date(2026, 9, 1))
    grade(evaluation, Grade.GOOD, actor=kjt)
    [cycle] = current_cycles(center)
    assert (cycle.start_date, cycle.end_date) == (date(2026, 9, 1), date(2029, 8, 31))


def test_art23_the_next_cycle_is_evaluated_in_its_own_round(graded, center, kjt):
    graded(Grade.GOOD)
    evaluation_round = open_round(kjt, year=2029, materials=date(2029, 6, 1), scoring=date(2029, 6, 20))
    evaluation = evaluation_round.evaluations.get()
    assert evaluation.cycle.number == 2


# --- Art. 22, 23: the results notice ------------------------------------------------------------


@pytest.fixture
def three(center, unit_a, unit_b, chengdu, mianyang, kjt, experts):
    """A round of three centers: unit_a's (under test), unit_b's and another of unit_a's."""
    b = make_center(unit_b.organization, mianyang.organization, name="四川省智能传感技术创新中心")
    c = make_center(unit_a.organization, chengdu.organization, name="四川省航空材料技术创新中心")
    file_reports(b, applicant=unit_b, supervisor=mianyang, department=kjt, index=INDEX)
    file_reports(c, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    evaluation_round = open_round(kjt)
    return SimpleNamespace(
        round=evaluation_round,
        a=evaluation_round.evaluations.get(center=center),
        b=evaluation_round.evaluations.get(center=b),
        c=evaluation_round.evaluations.get(center=c),
    )


def decide(three, unit_a, unit_b, kjt, experts):
    advance(three.a, "scored", applicant=unit_a, department=kjt, experts=experts, score=SCORE_FOR[Grade.GOOD])
    grade(three.a, Grade.GOOD, actor=kjt)
    advance(three.b, "scored", applicant=unit_b, department=kjt, experts=experts, score=SCORE_FOR[Grade.FAIL])
    grade(three.b, Grade.FAIL, actor=kjt)
    perform(three.c, "mark_absent", actor=kjt, comment="未提交自评估材料。")


def test_art22_results_notice_waits_until_every_center_is_decided(three, unit_a, unit_b, kjt, experts):
    advance(three.a, "scored", applicant=unit_a, department=kjt, experts=experts, score=SCORE_FOR[Grade.GOOD])
    grade(three.a, Grade.GOOD, actor=kjt)
    with pytest.raises(ValidationError) as caught:
        services.results_notice(three.round, actor=kjt)
    assert caught.value.messages == [str(services.MESSAGE_RESULTS_PENDING)]
    assert not Notice.objects.filter(kind=Kind.EVALUATION_RESULTS).exists()


def test_art22_results_notice_lists_the_rounds_centers_with_their_grades(three, unit_a, unit_b, kjt, experts):
    decide(three, unit_a, unit_b, kjt, experts)
    notice = services.results_notice(three.round, actor=kjt)
    assert notice.state == Notice.State.ISSUED
    assert notice.number
    lines = sorted(line.split("．", 1)[1] for line in notice.body.splitlines() if line[:1].isdigit())
    assert lines == sorted(
        [
            "四川省航空材料技术创新中心：未参加评估",
            "四川省智能传感技术创新中心：不合格",
            "四川省轨道交通装备技术创新中心：良好",
        ]
    )
    orgs = {e.center.supervisor for e in (three.a, three.b, three.c)} | {
        e.center.lead_unit for e in (three.a, three.b, three.c)
    }
    assert set(notice.addressee_orgs.all()) == orgs


def test_art22_results_notice_is_in_chinese_whatever_the_users_language(three, unit_a, unit_b, kjt, experts):
    decide(three, unit_a, unit_b, kjt, experts)
    with translation.override("en"):
        notice = services.results_notice(three.round, actor=kjt)
    assert "：良好" in notice.body and "：不合格" in notice.body
    assert "Good" not in notice.body


def test_art22_results_notice_is_issued_once(three, unit_a, unit_b, kjt, experts):
    decide(three, unit_a, unit_b, kjt, experts)
    services.results_notice(three.round, actor=kjt, hold=True)
    with pytest.raises(ValidationError) as caught:
        services.results_notice(three.round, actor=kjt)
    assert caught.value.messages == [str(services.MESSAGE_RESULTS_ISSUED)]
    assert Notice.objects.filter(kind=Kind.EVALUATION_RESULTS).count() == 1


def test_art22_results_notice_from_the_round_page(three, unit_a, unit_b, kjt, chengdu, experts, login):
    url = f"{three.round.get_absolute_url()}results/"
    response = login(kjt).post(url)
    assert response.status_code == 302
    assert not Notice.objects.filter(kind=Kind.EVALUATION_RESULTS).exists()
    decide(three, unit_a, unit_b, kjt, experts)
    assert login(chengdu).post(url).status_code == 403
    response = login(kjt).post(url)
    notice = Notice.objects.get(kind=Kind.EVALUATION_RESULTS)
    assert response.status_code == 302 and response.url == notice.get_absolute_url()
    assert notice.state == Notice.State.ISSUED
    login(kjt).post(url)
    assert Notice.objects.filter(kind=Kind.EVALUATION_RESULTS).count() == 1


# --- reminders (send_reminders) -----------------------------------------------------------------


def sweep(day: date, prefix="evaluation:") -> set[str]:
    """Run ``send_reminders --date day``; the keys of the reminders sent by this run that start
    with ``prefix`` (the evaluation's own; ``expert:evaluation:`` for its experts')."""
    before = set(Reminder.objects.values_list("key", flat=True))
    call_command("send_reminders", "--date", day.isoformat(), stdout=StringIO())
    return {k for k in set(Reminder.objects.values_list("key", flat=True)) - before if k.startswith(prefix)}


def deadline_messages(user, evaluation) -> int:
    return messages_about(user, evaluation, category="deadline").count()


def test_art21_materials_deadline_reminders_and_escalation(evaluation, unit_a, chengdu):
    e = evaluation.pk
    assert sweep(MATERIALS_DUE - timedelta(days=31)) == set()
    assert sweep(MATERIALS_DUE - timedelta(days=30)) == {f"evaluation:{e}:materials-30"}
    assert sweep(MATERIALS_DUE - timedelta(days=30)) == set()
    assert sweep(MATERIALS_DUE - timedelta(days=7)) == {f"evaluation:{e}:materials-7"}
    assert sweep(MATERIALS_DUE - timedelta(days=1)) == {f"evaluation:{e}:materials-1"}
    assert sweep(MATERIALS_DUE) == set()
    assert deadline_messages(chengdu, evaluation) == 0
    assert sweep(MATERIALS_DUE + timedelta(days=1)) == {
        f"evaluation:{e}:materials-overdue",
        f"evaluation:{e}:materials-escalated",
    }
    assert sweep(MATERIALS_DUE + timedelta(days=10)) == set()
    assert deadline_messages(unit_a, evaluation) == 1 + 4  # the round's opening, 30/7/1, overdue
    assert deadline_messages(chengdu, evaluation) == 1  # escalated


def test_art21_a_submitted_self_assessment_is_not_reminded(walk_to):
    walk_to("submitted")
    assert sweep(MATERIALS_DUE - timedelta(days=7)) == set()
    assert sweep(MATERIALS_DUE + timedelta(days=1)) == set()


def test_art21_expert_scoring_reminders_and_escalation(walk_to, experts, kjt):
    """The experts' scores are reminded by their assignment's due date, the round's scoring
    deadline by default (experts.reminders, tests/test_expert_deadlines.py)."""
    evaluation = walk_to("under_review")
    submit_scores(evaluation, experts[0], 70)
    late = evaluation.experts.exclude(expert=experts[0]).values_list("pk", flat=True)

    def keys(*steps):
        return {f"expert:evaluation:{a}:{step}" for a in late for step in steps}

    def experts_sweep(day):
        return sweep(day, "expert:evaluation:")

    assert set(evaluation.experts.values_list("due_on", flat=True)) == {SCORES_DUE}
    assert experts_sweep(SCORES_DUE - timedelta(days=4)) == set()
    assert experts_sweep(SCORES_DUE - timedelta(days=3)) == keys("due-3")
    assert experts_sweep(SCORES_DUE - timedelta(days=3)) == set()
    assert experts_sweep(SCORES_DUE - timedelta(days=1)) == set()
    assert experts_sweep(SCORES_DUE) == keys("due-0")
    assert experts_sweep(SCORES_DUE + timedelta(days=1)) == keys("overdue", "escalated")
    assert experts_sweep(SCORES_DUE + timedelta(days=5)) == set()
    assert deadline_messages(experts[0], evaluation) == 0
    assert deadline_messages(experts[1], evaluation) == 3  # 3 days before, the day, overdue
    assert deadline_messages(kjt, evaluation) == 2  # one escalation per late expert


def test_art23_rectification_deadline_reminders_and_escalation(rectifying, unit_a, chengdu, kjt):
    e, due = rectifying.pk, rectifying.rectification_deadline
    assert sweep(due - timedelta(days=31)) == set()
    assert sweep(due - timedelta(days=30)) == {f"evaluation:{e}:rectification-30"}
    assert sweep(due - timedelta(days=7)) == {f"evaluation:{e}:rectification-7"}
    assert sweep(due - timedelta(days=1)) == {f"evaluation:{e}:rectification-1"}
    assert sweep(due - timedelta(days=1)) == set()
    assert deadline_messages(chengdu, rectifying) == 0
    assert sweep(due + timedelta(days=1)) == {f"evaluation:{e}:rectification-overdue"}
    assert sweep(due + timedelta(days=30)) == set()
    assert deadline_messages(unit_a, rectifying) == 1 + 3  # the round's opening, 30/7/1
    assert deadline_messages(kjt, rectifying) == 1
    assert deadline_messages(chengdu, rectifying) == 1


def test_art23_a_decided_rectification_is_not_reminded(rectifying, kjt):
    Evaluation.objects.filter(pk=rectifying.pk).update(rectification_report=REPORT)
    rectifying.refresh_from_db()
    perform(rectifying, "pass_rectification", actor=kjt)
    assert sweep(rectifying.rectification_deadline - timedelta(days=7)) == set()
    assert sweep(rectifying.rectification_deadline + timedelta(days=1)) == set()


@pytest.mark.parametrize("transition", sorted(REMOVALS))
def test_art23_removal_over_http_states_its_consequences_and_needs_a_ticked_confirmation(
    removable, transition, kjt, login, center
):
    """Art. 23: taking a center out of the sequence cannot be undone; the page says so and a crafted
    POST without the confirmation changes nothing."""
    from sctic.forms import CONFIRM_FIELD

    evaluation = removable(transition)
    source = evaluation.state
    client = login(kjt)
    url = f"{evaluation.get_absolute_url()}transitions/{transition}/"
    page = client.get(url).content.decode()
    assert f'name="{CONFIRM_FIELD}"' in page
    with translation.override("zh-hans"):
        assert (
            str(translation.gettext("The removal notice is issued to the center and its supervisor.")) in page
        )

    refused = client.post(url, {"comment": "中途退出", "expected_state": source})
    assert refused.status_code == 400
    assert Evaluation.objects.get(pk=evaluation.pk).state == source
    assert center_state(center) != Center.State.DELISTED

    done = client.post(url, {"comment": "中途退出", "expected_state": source, CONFIRM_FIELD: "on"})
    assert done.status_code == 302
    assert Evaluation.objects.get(pk=evaluation.pk).state != source
    assert center_state(center) == Center.State.DELISTED
