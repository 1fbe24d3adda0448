"""The three-year evaluation (Art. 21, 22, 24): opening a round, the self-assessment with the
cycle's objective data, expert assignment without conflicts of interest, expert scores, the
proposed and the final grade, and integrity findings.

The center under test is unit_a's, supervised by chengdu, whose first cycle (2023-07-01 –
2026-06-30) ends in the round's year 2026, with filed annual reports for 2023, 2024 and 2025. The
helpers at the top are shared with the other evaluation tests (Art. 23, scoring, properties,
pages, browser).
"""

import importlib
import re
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm_log.models import StateLog

from centers.models import BoardMember, Center, CenterCoBuilder, CenterCycle, CommitteeMember
from evaluations import services
from evaluations.models import (
    AREAS,
    Evaluation,
    EvaluationExpert,
    EvaluationRound,
    Grade,
    IndicatorScore,
    IntegrityFinding,
    RuleSet,
)
from evaluations.scoring import grade_for
from experts import services as expert_services
from experts.selectors import REASON_SAME_ORGANIZATION
from notices.models import Kind, Notice
from notifications.models import Message
from reports.demo import NARRATIVE, figures, walk
from reports.metrics import METRICS
from reports.models import AnnualReport
from sctic.workflow import perform
from tests.factories import CenterFactory, ExpertFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

S = Evaluation.State
YEAR = 2026
CYCLE = (date(2023, 7, 1), date(2026, 6, 30))
REPORT_YEARS = (2023, 2024, 2025)
MATERIALS_DUE = date(2026, 6, 15)
SCORES_DUE = date(2026, 6, 30)
CENTER_NAME = "四川省轨道交通装备技术创新中心"
NARRATIVES = {f"narrative_{area}": f"周期内围绕“{label}”开展的主要工作与成效。" for area, label in AREAS}
CENT = Decimal("0.01")
# The test center's figures (reports.demo.figures index 3) earn 55.36 of the 64 points of the
# default rules' computed indicators; the experts' 36 points decide the grade.
INDEX = 3
SCORE_FOR = {Grade.FAIL: 10, Grade.PASS: 30, Grade.GOOD: 60, Grade.EXCELLENT: 100}
REASON = "综合专家意见和客观数据，经评估组研究确定。"


# --- helpers shared with the other evaluation tests ------------------------------------------------


def make_center(lead, supervisor, *, cycle=CYCLE, **fields) -> Center:
    """An operating center whose current (first) cycle runs over ``cycle``."""
    center = CenterFactory(lead_unit=lead, supervisor=supervisor, **fields)
    CenterCycle.objects.filter(center=center).update(start_date=cycle[0], end_date=cycle[1])
    return center


def file_reports(center, *, applicant, supervisor, department, years=REPORT_YEARS, index=0, scale=1.0):
    """Annual reports of ``years``, complete and walked to filed through the workflow (Art. 19)."""
    reports = []
    for year in years:
        report = AnnualReport.objects.create(
            center=center,
            year=year,
            due_date=date(year + 1, 3, 31),
            **NARRATIVE,
            **figures(index, year, scale),
        )
        walk(report, "filed", applicant=applicant, supervisor=supervisor, department=department)
        reports.append(report)
    return reports


def default_rules() -> RuleSet:
    """The 2022 rule set of the data migration (made again if a transactional test's flush
    emptied the table)."""
    rules = RuleSet.objects.order_by("created_at").first()
    if rules is None:
        migration = importlib.import_module("evaluations.migrations.0002_default_rule_set")
        migration.create(django_apps, None)
        rules = RuleSet.objects.order_by("created_at").first()
    return rules


def messages_about(user, obj, **filters):
    """The in-app messages ``user`` received about ``obj``."""
    return Message.objects.filter(
        recipient=user, content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, **filters
    )


def copy_rules(source=None, *, name="测试规则", version=1, weights=None, **changes) -> RuleSet:
    """A new rule set with ``source``'s indicators (``weights`` maps codes to new weights)."""
    source = source or default_rules()
    fields = {
        f.name: getattr(source, f.name)
        for f in RuleSet._meta.concrete_fields
        if f.name not in ("id", "name", "version", "created_at")
    }
    rules = RuleSet.objects.create(name=name, version=version, **{**fields, **changes})
    for indicator in source.indicators.all():
        indicator.pk = None
        indicator.rule_set = rules
        if weights and indicator.code in weights:
            indicator.weight = weights[indicator.code]
        indicator.save()
    return rules


def expert_only_rules(name="专家评分规则", **changes) -> RuleSet:
    """One expert-scored indicator weighing 100: the total is the experts' (trimmed) mean."""
    rules = RuleSet.objects.create(name=name, **changes)
    rules.indicators.create(
        code="overall", area="governance", name="综合评价", weight=100, method="expert", position=0
    )
    return rules


def open_round(actor, *, year=YEAR, rule_set=None, materials=MATERIALS_DUE, scoring=SCORES_DUE):
    return services.round_open(
        year=year,
        rule_set=rule_set or default_rules(),
        materials_deadline=materials,
        scoring_deadline=scoring,
        actor=actor,
    )


def write_self_assessment(evaluation, **overrides) -> Evaluation:
    values = {**NARRATIVES, **overrides}
    Evaluation.objects.filter(pk=evaluation.pk).update(**values)
    for field, value in values.items():
        setattr(evaluation, field, value)
    return evaluation


def expert_codes(evaluation) -> list[str]:
    return [i["code"] for i in evaluation.round.rules["indicators"] if i["method"] == "expert"]


def submit_scores(evaluation, expert, score, comment="材料翔实，成效明显。"):
    """``expert`` scores every expert-scored indicator ``score`` (a number, or a dict by code)."""
    assignment = EvaluationExpert.objects.get(evaluation=evaluation, expert=expert)
    scores = {
        code: (score[code] if isinstance(score, dict) else score, comment)
        for code in expert_codes(evaluation)
    }
    services.expert_scores_submit(assignment, actor=expert, no_conflict_declared=True, scores=scores)


def advance(evaluation, target, *, applicant, department, experts, score=70):
    """Walk ``evaluation`` through the workflow to ``pending``, ``submitted``, ``under_review``
    (no scores yet), ``scored`` (every expert scored ``score``, still under review)."""
    steps = ["pending", "submitted", "under_review", "scored"]
    reached = steps.index(target)
    if reached >= 1:
        write_self_assessment(evaluation)
        perform(evaluation, "submit_self_assessment", actor=applicant)
    if reached >= 2:
        perform(evaluation, "start_review", actor=department, reason="chosen by hand", experts=list(experts))
    if reached >= 3:
        for expert in experts:
            submit_scores(evaluation, expert, score)
        evaluation.refresh_from_db()
    return evaluation


def grade(evaluation, value, *, actor, comment=None):
    """Grade as the department; a reason is given when the grade differs from the proposal."""
    evaluation.refresh_from_db()
    if comment is None:
        comment = "" if evaluation.proposed_grade == value else REASON
    return perform(evaluation, "grade", actor=actor, grade=value, comment=comment)


# --- fixtures ------------------------------------------------------------------------------------


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
    def go(target, *, score=70, panel=None):
        return advance(
            evaluation, target, applicant=unit_a, department=kjt, experts=panel or experts, score=score
        )

    return go


# --- Art. 22: the round --------------------------------------------------------------------------


def test_art22_round_evaluates_live_centers_whose_current_cycle_ends_in_the_year(
    unit_a, unit_b, chengdu, mianyang, kjt
):
    due = make_center(unit_a.organization, chengdu.organization)
    rectifying = make_center(unit_b.organization, mianyang.organization)
    perform(rectifying, "start_rectification", actor=kjt)
    later = make_center(
        unit_a.organization, chengdu.organization, cycle=(date(2024, 7, 1), date(2027, 6, 30))
    )
    revoked = make_center(unit_b.organization, mianyang.organization)
    perform(revoked, "revoke", actor=kjt, comment="撤销建设。")
    delisted = make_center(unit_a.organization, chengdu.organization)
    perform(delisted, "delist", actor=kjt, comment="不再列入序列。")

    evaluation_round = open_round(kjt)

    evaluated = set(evaluation_round.evaluations.values_list("center_id", flat=True))
    assert evaluated == {due.pk, rectifying.pk}
    assert {later.pk, revoked.pk, delisted.pk}.isdisjoint(evaluated)
    for e in evaluation_round.evaluations.select_related("cycle"):
        assert e.state == S.PENDING
        assert e.cycle == e.center.current_cycle()
        assert e.cycle.end_date.year == YEAR


def test_art22_a_round_is_not_opened_twice_for_the_same_year(center, kjt):
    open_round(kjt)
    with pytest.raises(ValidationError) as caught:
        open_round(kjt, materials=date(2026, 7, 1))
    assert str(services.MESSAGE_ROUND_EXISTS % {"year": YEAR}) in caught.value.messages
    assert EvaluationRound.objects.count() == 1
    assert Evaluation.objects.filter(center=center).count() == 1


def test_art22_a_cycle_is_evaluated_once(evaluation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(round=evaluation.round, center=evaluation.center, cycle=evaluation.cycle)


def test_art22_round_without_a_due_center_is_refused(unit_a, chengdu, kjt):
    make_center(unit_a.organization, chengdu.organization, cycle=(date(2024, 7, 1), date(2027, 6, 30)))
    with pytest.raises(ValidationError) as caught:
        open_round(kjt)
    assert str(services.MESSAGE_NO_CENTERS % {"year": YEAR}) in caught.value.messages
    assert not EvaluationRound.objects.exists()


def test_art22_round_tells_the_center_to_submit_its_self_assessment(evaluation, unit_a):
    message = messages_about(unit_a, evaluation).get()
    assert str(MATERIALS_DUE) in message.body


# --- Art. 21: the self-assessment -----------------------------------------------------------------


@pytest.mark.parametrize("area", [area for area, _label in AREAS])
def test_art21_self_assessment_needs_a_narrative_for_every_area(evaluation, unit_a, area):
    write_self_assessment(evaluation, **{f"narrative_{area}": "  "})
    label = str(dict(AREAS)[area])
    with pytest.raises(ValidationError) as caught:
        perform(evaluation, "submit_self_assessment", actor=unit_a)
    assert any(label in m for m in caught.value.messages)
    assert Evaluation.objects.get(pk=evaluation.pk).state == S.PENDING


def test_art21_center_writes_and_submits_its_self_assessment_over_http(evaluation, unit_a, login):
    client = login(unit_a)
    url = evaluation.get_absolute_url()
    page = client.get(url).content.decode()
    assert 'data-action="submit_self_assessment"' in page and "disabled" in page
    response = client.post(f"{url}self-assessment/", NARRATIVES)
    assert response.status_code == 302
    response = client.post(f"{url}transitions/submit_self_assessment/", {"expected_state": "pending"})
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.state == S.SUBMITTED
    assert evaluation.submitted_at is not None
    assert evaluation.narrative_tasks == NARRATIVES["narrative_tasks"]


def test_art21_self_assessment_cannot_be_changed_after_submission(walk_to, unit_a, login):
    evaluation = walk_to("submitted")
    response = login(unit_a).post(
        f"{evaluation.get_absolute_url()}self-assessment/", {**NARRATIVES, "narrative_tasks": "改过了"}
    )
    assert response.status_code == 302
    assert Evaluation.objects.get(pk=evaluation.pk).narrative_tasks == NARRATIVES["narrative_tasks"]


def test_art21_only_the_center_submits_its_self_assessment(evaluation, unit_b, chengdu, kjt):
    write_self_assessment(evaluation)
    for outsider in (unit_b, chengdu, kjt):
        with pytest.raises(PermissionDenied):
            perform(evaluation, "submit_self_assessment", actor=outsider)


def test_art21_evaluation_page_shows_the_cycles_filed_report_figures(evaluation, unit_a, login):
    response = login(unit_a).get(evaluation.get_absolute_url())
    assert response.status_code == 200
    assert [r.year for r in response.context["reports"]] == list(REPORT_YEARS)
    html = response.content.decode()
    table = html[html.index('class="table table-sm mb-0 figures"') :]
    table = table[: table.index("</table>")]
    for year in REPORT_YEARS:
        assert f">{year}</a></th>" in table
    rows = {m.name: values for m, values in response.context["figures"]}
    for year, value in zip(REPORT_YEARS, rows["rd_spending"], strict=True):
        assert value == figures(INDEX, year)["rd_spending"]
        assert f">{value}</td>" in table
    # Shown, not retyped: the self-assessment form has no figure to fill in.
    assert not any(f'name="{m.name}"' in html for m in METRICS)


def test_art21_unfiled_reports_and_other_cycles_are_not_evaluation_data(unit_a, chengdu, kjt, login):
    center = make_center(unit_a.organization, chengdu.organization)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, years=(2022, 2023, 2024))
    pending = AnnualReport.objects.create(
        center=center, year=2025, due_date=date(2026, 3, 31), **NARRATIVE, **figures(0, 2025)
    )
    walk(pending, "supervisor_approved", applicant=unit_a, supervisor=chengdu, department=kjt)
    evaluation = open_round(kjt).evaluations.get()
    assert [r.year for r in services.cycle_reports(evaluation)] == [2023, 2024]
    response = login(unit_a).get(evaluation.get_absolute_url())
    assert [r.year for r in response.context["reports"]] == [2023, 2024]


def test_art21_self_assessment_form_ignores_posted_figures(evaluation, unit_a, login):
    login(unit_a).post(f"{evaluation.get_absolute_url()}self-assessment/", {**NARRATIVES, "rd_spending": "1"})
    assert (
        AnnualReport.objects.get(center=evaluation.center, year=2025).rd_spending
        == figures(INDEX, 2025)["rd_spending"]
    )


# --- Art. 21: expert assignment and conflicts of interest ---------------------------------------


CONFLICTS = ["lead_unit", "cobuilder_name", "cobuilder_credit_code", "supervisor", "board", "committee"]


def conflicted(kind, center):
    """An expert with a conflict of interest of ``kind`` with ``center``, and the reason expected."""
    if kind == "lead_unit":
        expert = ExpertFactory(organization=center.lead_unit)
    elif kind == "supervisor":
        expert = ExpertFactory(organization=center.supervisor)
    elif kind == "cobuilder_name":
        CenterCoBuilder.objects.create(center=center, name="蜀都测试大学", role="共性技术研究")
        expert = ExpertFactory(organization=OrganizationFactory(name="蜀都测试大学"))
    elif kind == "cobuilder_credit_code":
        org = OrganizationFactory(name="蜀都测试研究院")
        CenterCoBuilder.objects.create(
            center=center, name="蜀都测试研究院（原名）", credit_code=org.credit_code, role="工程化"
        )
        expert = ExpertFactory(organization=org)
    elif kind == "board":
        expert = ExpertFactory(full_name="王理事")
        BoardMember.objects.create(center=center, name="王理事", organization="某投资公司")
    else:
        expert = ExpertFactory(full_name="李委员")
        CommitteeMember.objects.create(center=center, name="李委员", organization="某大学")
    if kind in ("board", "committee"):
        reason = services.REASON_BOARD
    else:
        reason = REASON_SAME_ORGANIZATION % {"organization": expert.organization.name}
    return expert, str(reason)


@pytest.mark.parametrize("kind", CONFLICTS)
def test_art21_conflicted_expert_cannot_be_assigned(walk_to, experts, kjt, kind):
    evaluation = walk_to("submitted")
    expert, reason = conflicted(kind, evaluation.center)
    with pytest.raises(ValidationError) as caught:
        perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=[*experts, expert])
    expected = str(expert_services.MESSAGE_CONFLICT % {"expert": expert, "reason": reason})
    assert caught.value.message_dict["experts"] == [expected]
    assert Evaluation.objects.get(pk=evaluation.pk).state == S.SUBMITTED
    assert not EvaluationExpert.objects.exists()
    assert not expert.has_perm("evaluations.score_evaluation", evaluation)


@pytest.mark.parametrize("kind", CONFLICTS)
def test_art21_assignment_page_shows_the_conflict_and_refuses_the_expert(walk_to, experts, kjt, login, kind):
    evaluation = walk_to("submitted")
    expert, reason = conflicted(kind, evaluation.center)
    client = login(kjt)
    url = f"{evaluation.get_absolute_url()}transitions/start_review/"
    page = client.get(url).content.decode()
    option = re.search(rf'<input[^>]*name="experts"[^>]*value="{expert.pk}"[^>]*>', page).group(0)
    assert "disabled" in option
    assert reason in page
    response = client.post(
        url,
        {
            "experts": [e.pk for e in [*experts, expert]],
            "reason": "chosen by hand",
            "expected_state": "submitted",
        },
    )
    assert response.status_code == 400
    assert Evaluation.objects.get(pk=evaluation.pk).state == S.SUBMITTED


def test_art21_board_members_who_are_not_assigned_conflict_with_nobody(walk_to, experts, kjt):
    evaluation = walk_to("submitted")
    BoardMember.objects.create(center=evaluation.center, name="王理事", organization="某投资公司")
    perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=experts)
    assert evaluation.state == S.UNDER_REVIEW
    assert evaluation.experts.count() == 3


def test_art21_the_rounds_fewest_experts_are_required(center, unit_a, kjt, experts):
    rules = copy_rules(min_experts=4)
    evaluation = open_round(kjt, rule_set=rules).evaluations.get()
    advance(evaluation, "submitted", applicant=unit_a, department=kjt, experts=experts)
    with pytest.raises(ValidationError) as caught:
        perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=experts)
    assert caught.value.message_dict["experts"] == [str(services.MESSAGE_TOO_FEW % {"count": 4})]
    perform(
        evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=[*experts, ExpertFactory()]
    )
    assert evaluation.state == S.UNDER_REVIEW


def test_art21_default_rules_need_three_experts(walk_to, experts, kjt):
    evaluation = walk_to("submitted")
    with pytest.raises(ValidationError) as caught:
        perform(
            evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=experts[:2] + experts[:1]
        )
    assert caught.value.message_dict["experts"] == [str(services.MESSAGE_TOO_FEW % {"count": 3})]


def test_art21_only_experts_of_the_pool_are_assigned(walk_to, experts, kjt, chengdu):
    evaluation = walk_to("submitted")
    outsider = UserFactory(full_name="非库内人员")
    with pytest.raises(ValidationError) as caught:
        perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=[*experts, outsider])
    assert caught.value.message_dict["experts"] == [
        str(expert_services.MESSAGE_NOT_EXPERT % {"user": outsider})
    ]


def test_art21_assigned_experts_are_told_and_get_the_scoring_permission(walk_to, experts):
    evaluation = walk_to("under_review")
    for expert in experts:
        assert expert.has_perm("evaluations.score_evaluation", evaluation)
        assert messages_about(expert, evaluation).exists()


def test_art21_experts_see_only_their_assignments(walk_to, experts, login, unit_b, mianyang, kjt):
    evaluation = walk_to("under_review")
    other_center = make_center(unit_b.organization, mianyang.organization)
    other = Evaluation.objects.create(
        round=evaluation.round, center=other_center, cycle=other_center.current_cycle()
    )
    unassigned = ExpertFactory()
    assert login(experts[0]).get(evaluation.get_absolute_url()).status_code == 200
    assert login(experts[0]).get(other.get_absolute_url()).status_code == 404
    assert login(unassigned).get(evaluation.get_absolute_url()).status_code == 404
    listing = login(experts[0]).get("/evaluations/").content.decode()
    assert evaluation.get_absolute_url() in listing and other.get_absolute_url() not in listing
    listing = login(unassigned).get("/evaluations/").content.decode()
    assert evaluation.get_absolute_url() not in listing


# --- Art. 21: expert scores --------------------------------------------------------------------------


def score_post(evaluation, score=80, *, declare=True, **extra):
    data = {f"score_{code}": score for code in expert_codes(evaluation)}
    data.update({f"comment_{code}": "依据充分" for code in expert_codes(evaluation)})
    if declare:
        data["no_conflict_declared"] = "on"
    data.update(extra)
    return data


def test_art21_expert_declares_no_conflict_before_scoring(walk_to, experts):
    evaluation = walk_to("under_review")
    assignment = EvaluationExpert.objects.get(evaluation=evaluation, expert=experts[0])
    scores = dict.fromkeys(expert_codes(evaluation), (80, "好"))
    with pytest.raises(ValidationError) as caught:
        services.expert_scores_submit(assignment, actor=experts[0], no_conflict_declared=False, scores=scores)
    assert str(services.MESSAGE_DECLARE) in caught.value.messages
    assignment.refresh_from_db()
    assert (assignment.submitted_at, assignment.no_conflict_declared) == (None, False)
    assert not IndicatorScore.objects.exists()


def test_art21_score_form_without_the_declaration_saves_nothing(walk_to, experts, login):
    evaluation = walk_to("under_review")
    response = login(experts[0]).post(
        f"{evaluation.get_absolute_url()}score/", score_post(evaluation, declare=False)
    )
    assert response.status_code == 400
    assert str(services.MESSAGE_DECLARE) in response.content.decode()
    assert not IndicatorScore.objects.exists()
    assert EvaluationExpert.objects.get(expert=experts[0]).submitted_at is None


def test_art21_expert_scores_every_indicator_with_a_comment_over_http(walk_to, experts, login):
    evaluation = walk_to("under_review")
    data = score_post(evaluation, 85)
    codes = expert_codes(evaluation)
    data[f"comment_{codes[0]}"] = "承担国家任务完成质量高。"
    response = login(experts[0]).post(f"{evaluation.get_absolute_url()}score/", data)
    assert response.status_code == 302
    assignment = EvaluationExpert.objects.get(expert=experts[0])
    assert assignment.no_conflict_declared and assignment.submitted_at
    saved = {s.code: (s.score, s.comment) for s in assignment.scores.all()}
    assert set(saved) == set(codes)
    assert saved[codes[0]] == (85, "承担国家任务完成质量高。")
    assert all(score == 85 for score, _comment in saved.values())


@pytest.mark.parametrize("value", ["-1", "100.01", "abc", ""])
def test_art21_a_score_is_between_0_and_100(walk_to, experts, login, value):
    evaluation = walk_to("under_review")
    code = expert_codes(evaluation)[0]
    response = login(experts[0]).post(
        f"{evaluation.get_absolute_url()}score/", score_post(evaluation, **{f"score_{code}": value})
    )
    assert response.status_code == 400
    assert not IndicatorScore.objects.exists()


@pytest.mark.parametrize("value", [0, 100])
def test_art21_scores_0_and_100_are_accepted(walk_to, experts, login, value):
    evaluation = walk_to("under_review")
    response = login(experts[0]).post(f"{evaluation.get_absolute_url()}score/", score_post(evaluation, value))
    assert response.status_code == 302
    assert set(IndicatorScore.objects.values_list("score", flat=True)) == {value}


def test_art21_the_database_refuses_a_score_above_100(walk_to, experts):
    walk_to("under_review")
    assignment = EvaluationExpert.objects.get(expert=experts[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorScore.objects.create(assignment=assignment, code="governance", score=101)


def test_art21_an_expert_scores_once(walk_to, experts, login):
    evaluation = walk_to("under_review")
    submit_scores(evaluation, experts[0], 70)
    with pytest.raises(ValidationError) as caught:
        submit_scores(evaluation, experts[0], 95)
    assert str(services.MESSAGE_SCORING_CLOSED) in caught.value.messages
    response = login(experts[0]).post(f"{evaluation.get_absolute_url()}score/", score_post(evaluation, 95))
    assert response.status_code == 302
    assert set(IndicatorScore.objects.values_list("score", flat=True)) == {70}
    assert 'id="scoring"' not in login(experts[0]).get(evaluation.get_absolute_url()).content.decode()


def test_art21_an_expert_cannot_score_with_another_experts_assignment(walk_to, experts):
    evaluation = walk_to("under_review")
    assignment = EvaluationExpert.objects.get(expert=experts[0])
    with pytest.raises(ValidationError):
        services.expert_scores_submit(
            assignment,
            actor=experts[1],
            no_conflict_declared=True,
            scores=dict.fromkeys(expert_codes(evaluation), (90, "")),
        )
    assert not IndicatorScore.objects.exists()


def test_art21_unassigned_expert_cannot_post_scores(walk_to, login):
    evaluation = walk_to("under_review")
    response = login(ExpertFactory()).post(f"{evaluation.get_absolute_url()}score/", score_post(evaluation))
    assert response.status_code == 404
    assert not IndicatorScore.objects.exists()


def test_art21_scoring_is_closed_before_the_review_starts(walk_to, experts, kjt):
    evaluation = walk_to("submitted")
    EvaluationExpert.objects.create(evaluation=evaluation, expert=experts[0], assigned_by=kjt)
    with pytest.raises(ValidationError) as caught:
        submit_scores(evaluation, experts[0], 80)
    assert str(services.MESSAGE_SCORING_CLOSED) in caught.value.messages


def test_art21_with_five_experts_the_total_uses_the_trimmed_mean(center, unit_a, kjt, experts):
    rules = expert_only_rules()
    evaluation = open_round(kjt, rule_set=rules).evaluations.get()
    panel = [*experts, ExpertFactory(), ExpertFactory()]
    advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=panel)
    for expert, score in zip(panel, [0, 76, 76, 76, 100], strict=True):
        submit_scores(evaluation, expert, score)
    evaluation.refresh_from_db()
    [result] = services.indicator_results(evaluation)
    assert result["expert_scores"] == [0, 76, 76, 76, 100]
    assert result["score"] == 76  # the plain mean would be 65.60 (pass)
    assert evaluation.total_score == 76
    assert evaluation.proposed_grade == Grade.GOOD


def test_art21_with_three_experts_the_total_uses_the_plain_mean(center, unit_a, kjt, experts):
    evaluation = open_round(kjt, rule_set=expert_only_rules()).evaluations.get()
    advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
    for expert, score in zip(experts, [50, 70, 96], strict=True):
        submit_scores(evaluation, expert, score)
    evaluation.refresh_from_db()
    assert evaluation.total_score == 72
    assert evaluation.proposed_grade == Grade.PASS


def test_art21_formula_indicators_come_from_the_filed_reports(walk_to):
    evaluation = walk_to("scored", score=80)
    results = {r["code"]: r for r in services.indicator_results(evaluation)}
    patents = sum(figures(INDEX, year)["invention_patents_granted"] for year in REPORT_YEARS)
    assert results["patents_granted"]["value"] == patents
    assert results["patents_granted"]["score"] == min(100, (Decimal(patents) * 100 / 60).quantize(CENT))
    spending = sum(figures(INDEX, year)["rd_spending"] for year in REPORT_YEARS) / 3
    assert results["rd_spending"]["value"] == spending.quantize(CENT)
    assert all(results[code]["score"] == 80 for code in expert_codes(evaluation))


# --- Art. 22: grading ---------------------------------------------------------------------------


def test_art22_grading_needs_every_experts_scores(walk_to, experts, kjt, login):
    evaluation = walk_to("under_review")
    submit_scores(evaluation, experts[0], 80)
    submit_scores(evaluation, experts[1], 80)
    with pytest.raises(ValidationError):
        perform(evaluation, "grade", actor=kjt, grade=Grade.GOOD, comment=REASON)
    assert Evaluation.objects.get(pk=evaluation.pk).state == S.UNDER_REVIEW
    page = login(kjt).get(evaluation.get_absolute_url()).content.decode()
    button = re.search(r'<button[^>]*data-action="grade"[^>]*>', page).group(0)
    assert "disabled" in button
    submit_scores(evaluation, experts[2], 80)
    grade(evaluation, Grade.GOOD, actor=kjt)
    assert evaluation.state == S.GRADED


@pytest.mark.parametrize("expected", list(SCORE_FOR))
def test_art22_the_total_proposes_a_grade_by_the_rounds_thresholds(walk_to, expected):
    evaluation = walk_to("scored", score=SCORE_FOR[expected])
    total = services.evaluation_total(evaluation)
    assert evaluation.total_score == total
    assert evaluation.proposed_grade == expected
    assert grade_for(total, evaluation.round.rules["thresholds"]) == expected


def test_art22_department_confirms_the_proposed_grade_without_a_reason(walk_to, kjt):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.GOOD])
    assert evaluation.proposed_grade == Grade.GOOD
    perform(evaluation, "grade", actor=kjt, grade=Grade.GOOD)
    assert (evaluation.state, evaluation.grade) == (S.GRADED, Grade.GOOD)
    assert evaluation.graded_at is not None
    assert evaluation.decided_at is not None


def test_art22_another_grade_needs_a_reason(walk_to, kjt):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.GOOD])
    chosen = Grade.PASS
    with pytest.raises(ValidationError) as caught:
        perform(evaluation, "grade", actor=kjt, grade=chosen, comment="  ")
    assert "comment" in caught.value.message_dict
    assert Evaluation.objects.get(pk=evaluation.pk).state == S.UNDER_REVIEW
    perform(evaluation, "grade", actor=kjt, grade=chosen, comment=REASON)
    assert (evaluation.state, evaluation.grade) == (S.GRADED, chosen)
    log = StateLog.objects.for_(evaluation).latest("timestamp")
    assert (log.transition, log.description, log.by) == ("grade", REASON, kjt)


def test_art22_grade_form_page_refuses_another_grade_without_a_reason(walk_to, kjt, login):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.GOOD])
    chosen = Grade.EXCELLENT
    client = login(kjt)
    url = f"{evaluation.get_absolute_url()}transitions/grade/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["grade"] == evaluation.proposed_grade
    response = client.post(url, {"grade": chosen, "comment": "", "expected_state": "under_review"})
    assert response.status_code == 400
    assert Evaluation.objects.get(pk=evaluation.pk).state == S.UNDER_REVIEW
    response = client.post(url, {"grade": chosen, "comment": REASON, "expected_state": "under_review"})
    assert response.status_code == 302
    assert Evaluation.objects.get(pk=evaluation.pk).grade == chosen


@pytest.mark.parametrize("who", ["unit_a", "chengdu", "expert"])
def test_art22_only_the_department_grades(request, walk_to, experts, who):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.GOOD])
    actor = experts[0] if who == "expert" else request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        perform(evaluation, "grade", actor=actor, grade=evaluation.proposed_grade)


def test_art22_an_unknown_grade_is_refused_by_the_form(walk_to, kjt, login):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.GOOD])
    response = login(kjt).post(
        f"{evaluation.get_absolute_url()}transitions/grade/",
        {"grade": "outstanding", "comment": REASON, "expected_state": "under_review"},
    )
    assert response.status_code == 400
    assert Evaluation.objects.get(pk=evaluation.pk).state == S.UNDER_REVIEW


# --- Art. 24: integrity ---------------------------------------------------------------------------


FINDING = "经核查，自评估材料中技术转移合同金额存在虚报。"


def record_finding(evaluation, kjt, login):
    response = login(kjt).post(f"{evaluation.get_absolute_url()}findings/", {"description": FINDING})
    assert response.status_code == 302
    return IntegrityFinding.objects.get(evaluation=evaluation)


@pytest.mark.parametrize("other", [Grade.EXCELLENT, Grade.GOOD, Grade.PASS])
def test_art24_integrity_finding_forces_fail(walk_to, kjt, login, other):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.EXCELLENT])
    record_finding(evaluation, kjt, login)
    with pytest.raises(ValidationError) as caught:
        perform(evaluation, "grade", actor=kjt, grade=other, comment=REASON)
    assert caught.value.message_dict["grade"] == [str(services.MESSAGE_INTEGRITY)]
    assert Evaluation.objects.get(pk=evaluation.pk).state == S.UNDER_REVIEW
    perform(evaluation, "grade", actor=kjt, grade=Grade.FAIL, comment=FINDING)
    assert (evaluation.state, evaluation.grade) == (S.RECTIFYING, Grade.FAIL)
    assert Center.objects.get(pk=evaluation.center_id).state == Center.State.RECTIFYING


def test_art24_grade_form_offers_only_fail_after_a_finding(walk_to, kjt, login):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.EXCELLENT])
    record_finding(evaluation, kjt, login)
    client = login(kjt)
    url = f"{evaluation.get_absolute_url()}transitions/grade/"
    form = client.get(url).context["form"]
    assert [value for value, _label in form.fields["grade"].choices] == [Grade.FAIL]
    response = client.post(
        url, {"grade": Grade.EXCELLENT, "comment": REASON, "expected_state": "under_review"}
    )
    assert response.status_code == 400
    assert Evaluation.objects.get(pk=evaluation.pk).state == S.UNDER_REVIEW


def test_art24_with_removing_rules_an_integrity_finding_removes_the_center_at_once(
    center, unit_a, kjt, experts, login
):
    evaluation = open_round(kjt, rule_set=copy_rules(integrity_removes=True)).evaluations.get()
    advance(
        evaluation,
        "scored",
        applicant=unit_a,
        department=kjt,
        experts=experts,
        score=SCORE_FOR[Grade.EXCELLENT],
    )
    record_finding(evaluation, kjt, login)
    perform(evaluation, "grade", actor=kjt, grade=Grade.FAIL, comment=FINDING)
    assert (evaluation.state, evaluation.grade) == (S.REMOVED, Grade.FAIL)
    assert evaluation.rectification_deadline is None
    center.refresh_from_db()
    assert center.state == Center.State.DELISTED
    assert center.ended_on == timezone.localdate()
    assert center.current_cycle() is None
    notice = Notice.objects.get(object_id=evaluation.pk, kind=Kind.REMOVAL)
    assert notice.state == Notice.State.ISSUED
    assert not Notice.objects.filter(kind=Kind.RECTIFICATION).exists()


def test_art24_without_removing_rules_the_finding_means_rectification(walk_to, kjt, login):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.EXCELLENT])
    assert evaluation.round.rules["integrity_removes"] is False
    record_finding(evaluation, kjt, login)
    perform(evaluation, "grade", actor=kjt, grade=Grade.FAIL, comment=FINDING)
    assert evaluation.state == S.RECTIFYING
    assert Notice.objects.filter(object_id=evaluation.pk, kind=Kind.RECTIFICATION).exists()


def test_art24_the_finding_shows_on_the_evaluation_page(walk_to, kjt, unit_a, chengdu, login):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.EXCELLENT])
    finding = record_finding(evaluation, kjt, login)
    assert finding.recorded_by == kjt
    for user in (kjt, unit_a, chengdu):
        html = login(user).get(evaluation.get_absolute_url()).content.decode()
        assert "data-integrity-finding" in html and FINDING in html


def test_art24_only_the_department_records_a_finding(walk_to, unit_a, chengdu, experts, login):
    evaluation = walk_to("scored", score=SCORE_FOR[Grade.EXCELLENT])
    for user in (unit_a, chengdu, experts[0]):
        response = login(user).post(f"{evaluation.get_absolute_url()}findings/", {"description": FINDING})
        assert response.status_code == 403
    assert not IntegrityFinding.objects.exists()


def test_art24_finding_evidence_is_kept(walk_to, kjt, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sctic.demo import minimal_pdf

    evaluation = walk_to("scored", score=SCORE_FOR[Grade.EXCELLENT])
    evidence = SimpleUploadedFile("核查报告.pdf", minimal_pdf(), content_type="application/pdf")
    login(kjt).post(f"{evaluation.get_absolute_url()}findings/", {"description": FINDING, "file": evidence})
    finding = IntegrityFinding.objects.get()
    assert finding.attachments.get().original_name == "核查报告.pdf"
