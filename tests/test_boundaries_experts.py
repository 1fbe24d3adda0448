"""Zero and boundary cases of the "all experts in" rules.

Art. 10.3: 科技厅 decides on an application (approve or reject) only on the full consultation:
every assigned expert's opinion in. Art. 21, 22: an evaluation is graded only when every assigned
expert has scored every expert-scored indicator. "Every" must never hold vacuously: with no expert
assigned there is no consultation and no review, whatever minimum is configured (0 included), so a
start without experts is refused rather than left waiting for ever.
"""

from datetime import date

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications import services as application_services
from applications.models import ExpertReview, IntentApplication
from evaluations import services
from evaluations.models import Evaluation, EvaluationExpert, IndicatorScore, RuleSet
from experts.services import MESSAGE_TOO_FEW_LEFT
from sctic import workflow
from sctic.workflow import perform
from tests.test_art22_evaluation import advance, expert_only_rules, make_center, open_round, submit_scores

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

A = IntentApplication.State
E = Evaluation.State
OPINION = "技术路线清晰，建议加强成果转化机制设计。"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(
        timezone,
        "localdate",
        lambda value=None, tz=None: date(2026, 5, 15) if value is None else real(value, tz),
    )


def blocked(obj, user, name) -> tuple[str, ...]:
    """The unmet conditions the page shows on ``name``'s button (empty: it may be pressed)."""
    action = workflow.get_action(obj, user, name)
    assert action is not None, name
    return action.blocked


def error_text(exc) -> str:
    return " ".join(exc.value.messages)


# --- Art. 10.3 consultation ------------------------------------------------------------------------


def opinion(app, expert):
    review = ExpertReview.objects.get(application=app, expert=expert)
    application_services.expert_review_submit(
        review, actor=expert, no_conflict_declared=True, score=80, verdict="support", opinion=OPINION
    )


def test_art10_3_start_review_with_no_expert_is_refused_even_when_the_minimum_is_zero(
    settings, make_application, kjt
):
    settings.SCTIC = {**settings.SCTIC, "CONSULTATION_MIN_EXPERTS": 0}
    app = make_application("recommended")
    with pytest.raises(ValidationError) as exc:
        perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=[])
    assert error_text(exc) == str(application_services.MESSAGE_TOO_FEW_EXPERTS % {"count": 1})
    app.refresh_from_db()
    assert app.state == A.RECOMMENDED
    assert not app.expert_reviews.exists()


def test_art10_3_with_a_minimum_of_zero_one_expert_is_enough(settings, make_application, kjt, experts):
    settings.SCTIC = {**settings.SCTIC, "CONSULTATION_MIN_EXPERTS": 0}
    app = perform(
        make_application("recommended"),
        "start_review",
        actor=kjt,
        reason="chosen by hand",
        experts=experts[:1],
    )
    assert app.state == A.UNDER_REVIEW
    assert app.expert_reviews.count() == 1


@pytest.mark.parametrize(("chosen", "accepted"), [(1, False), (2, True), (3, True)])
def test_art10_3_start_review_at_the_configured_minimum_of_experts(
    settings, make_application, kjt, experts, chosen, accepted
):
    """The default minimum is two: one under it is refused, at it and one over accepted."""
    assert settings.SCTIC["CONSULTATION_MIN_EXPERTS"] == 2
    app = make_application("recommended")
    if accepted:
        perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=experts[:chosen])
        assert app.state == A.UNDER_REVIEW
        assert app.expert_reviews.count() == chosen
    else:
        with pytest.raises(ValidationError) as exc:
            perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=experts[:chosen])
        assert error_text(exc) == str(application_services.MESSAGE_TOO_FEW_EXPERTS % {"count": 2})
        app.refresh_from_db()
        assert app.state == A.RECOMMENDED


def test_art10_3_the_same_expert_twice_counts_once_against_the_minimum(make_application, kjt, experts):
    app = make_application("recommended")
    with pytest.raises(ValidationError):
        perform(app, "start_review", actor=kjt, reason="chosen by hand", experts=[experts[0], experts[0]])
    app.refresh_from_db()
    assert app.state == A.RECOMMENDED


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_art10_3_decision_waits_for_the_last_opinion(make_application, kjt, experts, decision):
    app = make_application("under_review")  # experts 1 and 2 assigned
    for given in (0, 1):
        if given:
            opinion(app, experts[0])
        assert app.missing_opinions() == 2 - given
        assert blocked(app, kjt, decision) == ("Not every assigned expert has given an opinion yet.",)
        with pytest.raises(ValidationError) as exc:
            perform(app, decision, actor=kjt, comment="不予支持。")
        assert error_text(exc) == "Not every assigned expert has given an opinion yet."
    opinion(app, experts[1])
    assert app.missing_opinions() == 0
    assert blocked(app, kjt, decision) == ()


def test_art10_3_no_assigned_expert_is_never_a_full_consultation(make_application, kjt):
    """Zero opinions missing out of zero assigned is not "all in": the decision stays blocked."""
    app = make_application("under_review")
    app.expert_reviews.all().delete()
    assert app.missing_opinions() == 0
    minimum = django_settings.SCTIC["CONSULTATION_MIN_EXPERTS"]
    assert blocked(app, kjt, "approve") == (str(MESSAGE_TOO_FEW_LEFT % {"counted": 0, "required": minimum}),)
    with pytest.raises(ValidationError):
        perform(app, "approve", actor=kjt)
    app.refresh_from_db()
    assert app.state == A.UNDER_REVIEW


# --- Art. 21, 22 evaluation ------------------------------------------------------------------------


@pytest.fixture
def evaluation_with(unit_a, chengdu, kjt):
    """``evaluation_with(rule_set)``: unit_a's center, evaluated in a round under ``rule_set``, with
    its self-assessment submitted."""

    def make(rule_set):
        center = make_center(unit_a.organization, chengdu.organization)
        evaluation = open_round(kjt, rule_set=rule_set).evaluations.get(center=center)
        return advance(evaluation, "submitted", applicant=unit_a, department=kjt, experts=[])

    return make


def test_art21_start_review_with_no_expert_is_refused_even_when_the_rules_ask_for_none(evaluation_with, kjt):
    evaluation = evaluation_with(expert_only_rules(min_experts=0))
    with pytest.raises(ValidationError) as exc:
        perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=[])
    assert error_text(exc) == str(services.MESSAGE_TOO_FEW % {"count": 1})
    evaluation.refresh_from_db()
    assert evaluation.state == E.SUBMITTED
    assert not evaluation.experts.exists()


@pytest.mark.parametrize(("chosen", "accepted"), [(2, False), (3, True)])
def test_art21_start_review_at_the_rule_sets_minimum_of_experts(
    evaluation_with, kjt, experts, chosen, accepted
):
    evaluation = evaluation_with(expert_only_rules(min_experts=3))
    if accepted:
        perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=experts[:chosen])
        assert evaluation.state == E.UNDER_REVIEW
        assert evaluation.experts.count() == chosen
    else:
        with pytest.raises(ValidationError) as exc:
            perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=experts[:chosen])
        assert error_text(exc) == str(services.MESSAGE_TOO_FEW % {"count": 3})
        evaluation.refresh_from_db()
        assert evaluation.state == E.SUBMITTED


def test_art22_grade_waits_for_the_last_experts_scores(evaluation_with, kjt, experts):
    evaluation = evaluation_with(expert_only_rules(min_experts=3))
    perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=experts)
    waiting = ("Not every assigned expert has submitted scores yet.",)
    for expert in experts[:2]:
        assert blocked(evaluation, kjt, "grade") == waiting
        submit_scores(evaluation, expert, 80)
    assert blocked(evaluation, kjt, "grade") == waiting
    with pytest.raises(ValidationError) as exc:
        perform(evaluation, "grade", actor=kjt, grade="good", comment="")
    assert error_text(exc) == waiting[0]
    submit_scores(evaluation, experts[2], 80)
    assert blocked(evaluation, kjt, "grade") == ()
    assert services.grade_proposal(evaluation) == (80, "good")


def test_art22_no_assigned_expert_is_never_all_scores_in(evaluation_with, kjt, experts):
    evaluation = evaluation_with(expert_only_rules(min_experts=1))
    perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=experts[:1])
    evaluation.experts.all().delete()
    assert blocked(evaluation, kjt, "grade") == (str(MESSAGE_TOO_FEW_LEFT % {"counted": 0, "required": 1}),)


def test_art21_an_expert_missing_one_indicator_is_refused_and_nothing_is_stored(
    evaluation_with, kjt, experts
):
    rules = RuleSet.objects.create(name="两项专家指标", min_experts=1)
    rules.indicators.create(code="a", area="tasks", name="任务", weight=50, method="expert", position=0)
    rules.indicators.create(code="b", area="services", name="服务", weight=50, method="expert", position=1)
    evaluation = evaluation_with(rules)
    perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=experts[:1])
    assignment = EvaluationExpert.objects.get(evaluation=evaluation)

    for scores in ({"a": (90, "好")}, {"a": (90, "好"), "b": (None, "")}):
        with pytest.raises(ValidationError) as exc:
            services.expert_scores_submit(
                assignment, actor=experts[0], no_conflict_declared=True, scores=scores
            )
        assert error_text(exc) == str(services.MESSAGE_SCORES_MISSING % {"names": "服务"})
    assignment.refresh_from_db()
    assert assignment.submitted_at is None
    assert not IndicatorScore.objects.exists()
    assert blocked(evaluation, kjt, "grade") == ("Not every assigned expert has submitted scores yet.",)

    submit_scores(evaluation, experts[0], {"a": 90, "b": 70})
    assert blocked(evaluation, kjt, "grade") == ()
    assert services.grade_proposal(evaluation)[0] == 80


def test_art21_with_no_expert_scored_indicator_the_experts_still_submit_before_grading(
    evaluation_with, kjt, experts
):
    """Zero expert-scored indicators (every score computed from the objective data): each expert
    still signs off, and grading waits for the last of them."""
    rules = RuleSet.objects.create(name="全部客观数据", min_experts=2)
    rules.indicators.create(
        code="revenue",
        area="services",
        name="技术服务收入",
        weight=100,
        method="formula",
        metric="service_revenue",
        target=100,
        position=0,
    )
    evaluation = evaluation_with(rules)
    perform(evaluation, "start_review", actor=kjt, reason="chosen by hand", experts=experts[:2])
    first, second = EvaluationExpert.objects.filter(evaluation=evaluation).order_by("pk")
    services.expert_scores_submit(first, actor=first.expert, no_conflict_declared=True, scores={})
    assert blocked(evaluation, kjt, "grade") == ("Not every assigned expert has submitted scores yet.",)
    services.expert_scores_submit(second, actor=second.expert, no_conflict_declared=True, scores={})
    assert blocked(evaluation, kjt, "grade") == ()
