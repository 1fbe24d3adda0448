"""Scoring of the three-year evaluation (Art. 21, 22): the experts' trimmed mean, computed
indicators, weighted totals, the grade thresholds at their edges, the cap on the share of
excellent, and rule sets that are versioned data frozen into a round when it opens (the
regulation itself was valid for two years, Art. 27)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from evaluations import services
from evaluations.models import Evaluation, EvaluationRound, Grade, Indicator, RuleSet
from evaluations.scoring import (
    EXCELLENT,
    FAIL,
    GOOD,
    PASS,
    capped_grades,
    formula_score,
    grade_for,
    total,
    trimmed_mean,
)
from sctic.workflow import perform
from tests.test_art22_evaluation import (
    INDEX,
    advance,
    copy_rules,
    default_rules,
    expert_only_rules,
    file_reports,
    make_center,
    open_round,
    submit_scores,
)

D = Decimal
THRESHOLDS = {"excellent": "90", "good": "75", "pass": "60"}


# --- the experts' mean ----------------------------------------------------------------------------


def test_art21_four_experts_plain_mean():
    assert trimmed_mean([0, 70, 80, 100]) == D("62.50")  # trimmed would be 75


def test_art21_three_experts_plain_mean():
    assert trimmed_mean([60, 70, 95]) == D("75.00")


def test_art21_five_experts_drop_the_highest_and_the_lowest():
    assert trimmed_mean([10, 60, 70, 80, 100]) == D("70.00")  # plain mean 64


def test_art21_seven_experts_drop_one_highest_and_one_lowest():
    assert trimmed_mean([0, 50, 60, 70, 80, 90, 100]) == D("70.00")
    assert trimmed_mean([100, 0, 100, 70, 70, 70, 0]) == D("62.00")  # (0+70+70+70+100)/5


def test_art21_tied_extremes_drop_only_one_of_each():
    assert trimmed_mean([60, 60, 90, 90, 90]) == D("80.00")  # one 60 and one 90 dropped
    assert trimmed_mean([80, 80, 80, 80, 80]) == D("80.00")


def test_art21_mean_is_rounded_to_two_decimals_half_up():
    assert trimmed_mean([1, 2, 2]) == D("1.67")
    assert trimmed_mean([D("70.005"), D("70.005")]) == D("70.01")


def test_art21_no_scores_no_mean():
    assert trimmed_mean([]) is None
    assert trimmed_mean([None, None]) is None
    assert trimmed_mean([None, 80, 90]) == D("85.00")


# --- computed indicators ---------------------------------------------------------------------------


def indicator(aggregate="sum", target="10", metric="standards_led"):
    return {"metric": metric, "aggregate": aggregate, "target": target}


YEARS = [{"standards_led": 2}, {"standards_led": 3}, {"standards_led": 4}]


@pytest.mark.parametrize(
    ("aggregate", "value", "score"),
    [("sum", "9.00", "90.00"), ("average", "3.00", "30.00"), ("last", "4.00", "40.00")],
)
def test_art21_formula_aggregates_the_cycles_figures(aggregate, value, score):
    assert formula_score(indicator(aggregate), YEARS) == (D(value), D(score))


def test_art21_formula_score_is_linear_to_the_target_and_capped_at_100():
    assert formula_score(indicator(target="18"), YEARS) == (D("9.00"), D("50.00"))
    assert formula_score(indicator(target="9"), YEARS) == (D("9.00"), D("100.00"))
    assert formula_score(indicator(target="3"), YEARS) == (D("9.00"), D("100.00"))


def test_art21_formula_with_target_zero_scores_zero():
    assert formula_score(indicator(target="0"), YEARS) == (D("9.00"), D("0.00"))


def test_art21_formula_without_figures_scores_zero():
    assert formula_score(indicator(), []) == (D("0.00"), D("0.00"))
    assert formula_score(indicator(), [{"standards_led": None}, {"standards_led": 3}]) == (
        D("3.00"),
        D("30.00"),
    )


# --- totals --------------------------------------------------------------------------------------


RULES = {
    "thresholds": THRESHOLDS,
    "indicators": [
        {"code": "a", "weight": "60"},
        {"code": "b", "weight": "25.5"},
        {"code": "c", "weight": "14.5"},
    ],
}


def test_art22_total_is_the_weighted_sum_of_the_scores():
    assert total(RULES, {"a": D(80), "b": D(50), "c": D(100)}) == D("75.25")  # 48 + 12.75 + 14.5
    assert total(RULES, {"a": D(100), "b": D(100), "c": D(100)}) == D("100.00")
    assert total(RULES, {"a": D(0), "b": D(0), "c": D(0)}) == D("0.00")


def test_art22_no_total_while_a_score_is_missing():
    assert total(RULES, {"a": D(80), "b": None, "c": D(100)}) is None
    assert total(RULES, {"a": D(80), "c": D(100)}) is None


# --- Art. 22: the thresholds --------------------------------------------------------------------


EDGES = [
    ("0", FAIL),
    ("59.99", FAIL),
    ("60", PASS),
    ("60.00", PASS),
    ("74.99", PASS),
    ("75", GOOD),
    ("89.99", GOOD),
    ("90", EXCELLENT),
    ("100", EXCELLENT),
]


@pytest.mark.parametrize(("score", "expected"), EDGES)
def test_art22_threshold_edges(score, expected):
    assert grade_for(D(score), THRESHOLDS) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("score", "expected"), EDGES)
def test_art22_threshold_edges_of_the_default_rule_set(score, expected):
    assert grade_for(D(score), default_rules().snapshot()["thresholds"]) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("59.99", Grade.FAIL),
        ("60", Grade.PASS),
        ("74.99", Grade.PASS),
        ("75", Grade.GOOD),
        ("89.99", Grade.GOOD),
        ("90", Grade.EXCELLENT),
    ],
)
def test_art22_proposed_grade_at_the_threshold_edges(unit_a, chengdu, kjt, experts, score, expected):
    """Three experts all scoring ``score`` on a rule set of one expert indicator: the total is
    ``score`` and the proposal follows the thresholds inclusively."""
    make_center(unit_a.organization, chengdu.organization)
    evaluation = open_round(kjt, rule_set=expert_only_rules()).evaluations.get()
    advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
    for expert in experts:
        submit_scores(evaluation, expert, D(score))
    evaluation.refresh_from_db()
    assert evaluation.total_score == D(score)
    assert evaluation.proposed_grade == expected


def test_art22_thresholds_come_from_the_rules():
    assert grade_for(D("85"), {"excellent": "85", "good": "70", "pass": "50"}) == EXCELLENT
    assert grade_for(D("55"), {"excellent": "85", "good": "70", "pass": "50"}) == PASS


# --- the cap on the share of excellent -------------------------------------------------------


def test_art22_cap_keeps_excellent_for_the_highest_totals():
    totals = {"a": D(95), "b": D(92), "c": D(91), "d": D(80), "e": D(50)}
    grades = capped_grades(totals, {"thresholds": THRESHOLDS, "excellent_cap": "0.40"})
    assert grades == {"a": EXCELLENT, "b": EXCELLENT, "c": GOOD, "d": GOOD, "e": FAIL}


def test_art22_cap_rounds_the_share_down():
    totals = {"a": D(95), "b": D(92), "c": D(50)}
    assert capped_grades(totals, {"thresholds": THRESHOLDS, "excellent_cap": "0.50"}) == {
        "a": EXCELLENT,
        "b": GOOD,
        "c": FAIL,
    }


def test_art22_cap_counts_the_centers_given():
    totals = {"a": D(95), "b": D(92)}
    rules = {"thresholds": THRESHOLDS, "excellent_cap": "0.50"}
    assert capped_grades(totals, rules, centers=4) == {"a": EXCELLENT, "b": EXCELLENT}
    assert capped_grades(totals, rules, centers=2) == {"a": EXCELLENT, "b": GOOD}


def test_art22_no_cap_no_limit_and_zero_cap_no_excellent():
    totals = {"a": D(95), "b": D(92), "c": D(91)}
    assert set(capped_grades(totals, {"thresholds": THRESHOLDS, "excellent_cap": None}).values()) == {
        EXCELLENT
    }
    assert set(capped_grades(totals, {"thresholds": THRESHOLDS, "excellent_cap": "0"}).values()) == {GOOD}


def test_art22_cap_above_the_number_of_excellent_changes_nothing():
    totals = {"a": D(95), "b": D(80), "c": D(70), "d": D(65)}
    grades = capped_grades(totals, {"thresholds": THRESHOLDS, "excellent_cap": "0.50"})
    assert grades == {"a": EXCELLENT, "b": GOOD, "c": PASS, "d": PASS}


@pytest.mark.django_db
def test_art22_cap_applies_to_the_proposals_of_a_round(unit_a, unit_b, chengdu, mianyang, kjt, experts):
    rules = expert_only_rules(excellent_cap=D("0.50"))
    high = make_center(unit_a.organization, chengdu.organization)
    low = make_center(unit_b.organization, mianyang.organization)
    evaluation_round = open_round(kjt, rule_set=rules)
    scores = {high: 98, low: 93}
    for center, applicant in ((high, unit_a), (low, unit_b)):
        evaluation = evaluation_round.evaluations.get(center=center)
        advance(evaluation, "under_review", applicant=applicant, department=kjt, experts=experts)
        for expert in experts:
            submit_scores(evaluation, expert, scores[center])
    proposals = dict(evaluation_round.evaluations.values_list("center", "proposed_grade"))
    assert proposals == {high.pk: Grade.EXCELLENT, low.pk: Grade.GOOD}


@pytest.mark.django_db
def test_art22_cap_counts_the_rounds_centers_not_only_those_scored_so_far(
    unit_a, unit_b, chengdu, mianyang, kjt, experts
):
    """With two centers and a cap of one half, the first center scored excellent is proposed
    excellent at once; it does not wait for the other center's scores."""
    rules = expert_only_rules(excellent_cap=D("0.50"))
    first = make_center(unit_a.organization, chengdu.organization)
    make_center(unit_b.organization, mianyang.organization)
    evaluation = open_round(kjt, rule_set=rules).evaluations.get(center=first)
    advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
    for expert in experts:
        submit_scores(evaluation, expert, 95)
    evaluation.refresh_from_db()
    assert evaluation.proposed_grade == Grade.EXCELLENT


# --- rule sets are versioned data, frozen into the round ----------------------------------------


@pytest.mark.django_db
def test_art22_default_rule_set_covers_the_five_areas_and_governance_with_weights_of_100():
    rules = default_rules()
    snapshot = rules.snapshot()
    assert sum(D(i["weight"]) for i in snapshot["indicators"]) == 100
    assert {i["area"] for i in snapshot["indicators"]} == {
        "tasks",
        "breakthroughs",
        "leading",
        "services",
        "incubation",
        "governance",
    }
    assert snapshot["thresholds"] == {"excellent": "90.00", "good": "75.00", "pass": "60.00"}
    assert {i["method"] for i in snapshot["indicators"]} == {"formula", "expert"}


@pytest.mark.django_db
def test_art27_snapshot_refuses_weights_that_do_not_add_up_to_100():
    rules = copy_rules(weights={"governance": D(10)})  # 101
    with pytest.raises(ValidationError) as caught:
        rules.snapshot()
    assert "101" in caught.value.messages[0]


@pytest.mark.django_db
def test_art27_a_round_is_not_opened_with_weights_that_do_not_add_up(unit_a, chengdu, kjt):
    make_center(unit_a.organization, chengdu.organization)
    rules = copy_rules(weights={"governance": D(8)})  # 99
    with pytest.raises(ValidationError):
        open_round(kjt, rule_set=rules)
    assert not EvaluationRound.objects.exists()
    assert not Evaluation.objects.exists()


@pytest.mark.django_db
def test_art22_thresholds_must_rise_from_pass_to_excellent():
    rules = copy_rules(good_threshold=D(95))
    with pytest.raises(ValidationError):
        rules.full_clean()


@pytest.mark.django_db
def test_art21_a_computed_indicator_needs_a_figure_and_a_target():
    item = Indicator(rule_set=default_rules(), code="x", area="tasks", name="x", weight=1, method="formula")
    with pytest.raises(ValidationError):
        item.clean()


def edit_rules(rules: RuleSet) -> None:
    """The department edits the rules after a round opened: thresholds, weights, indicators."""
    RuleSet.objects.filter(pk=rules.pk).update(
        excellent_threshold=95, good_threshold=85, pass_threshold=70, min_experts=5, excellent_cap=D("0.10")
    )
    rules.indicators.filter(code="overall").update(weight=50)
    rules.indicators.create(
        code="standards",
        area="leading",
        name="主持制定标准",
        weight=50,
        method="formula",
        metric="standards_led",
        aggregate="sum",
        target=100,
        position=1,
    )


@pytest.mark.django_db
def test_art27_a_round_keeps_its_rule_set_after_the_rules_change(
    unit_a, unit_b, chengdu, mianyang, kjt, experts
):
    rules = expert_only_rules()
    center = make_center(unit_a.organization, chengdu.organization)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    evaluation_round = open_round(kjt, rule_set=rules)
    frozen = dict(evaluation_round.rules)
    evaluation = evaluation_round.evaluations.get()
    advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
    for expert in experts[:2]:
        submit_scores(evaluation, expert, 80)

    edit_rules(rules)
    submit_scores(evaluation, experts[2], 80)  # recomputes the round after the edit
    services.refresh_scores(evaluation_round)

    evaluation_round.refresh_from_db()
    evaluation.refresh_from_db()
    assert evaluation_round.rules == frozen
    assert [i["code"] for i in evaluation_round.rules["indicators"]] == ["overall"]
    assert (evaluation.total_score, evaluation.proposed_grade) == (D(80), Grade.GOOD)  # not 40 / fail
    perform(evaluation, "grade", actor=kjt, grade=Grade.GOOD)
    assert evaluation.grade == Grade.GOOD

    # The next round uses the rules as they are now.
    later = make_center(
        unit_b.organization, mianyang.organization, cycle=(date(2024, 7, 1), date(2027, 6, 30))
    )
    next_round = open_round(
        kjt,
        year=2027,
        rule_set=RuleSet.objects.get(pk=rules.pk),
        materials=date(2027, 6, 1),
        scoring=date(2027, 6, 20),
    )
    assert next_round.rules == RuleSet.objects.get(pk=rules.pk).snapshot()
    assert next_round.rules["thresholds"] == {"excellent": "95.00", "good": "85.00", "pass": "70.00"}
    assert [i["code"] for i in next_round.rules["indicators"]] == ["overall", "standards"]
    assert next_round.rules["min_experts"] == 5
    assert next_round.evaluations.get().center == later


@pytest.mark.django_db
def test_art27_editing_the_default_rules_changes_no_open_round(unit_a, chengdu, kjt, experts):
    center = make_center(unit_a.organization, chengdu.organization)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    rules = default_rules()
    evaluation_round = open_round(kjt, rule_set=rules)
    evaluation = evaluation_round.evaluations.get()
    advance(evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=60)
    before = (evaluation.total_score, evaluation.proposed_grade)
    assert before[1] == Grade.GOOD

    RuleSet.objects.filter(pk=rules.pk).update(good_threshold=80)
    rules.indicators.filter(code="governance").update(weight=20)
    rules.indicators.filter(code="rd_spending").delete()
    rules.indicators.filter(code="patents_granted").update(target=1000)
    services.refresh_scores(evaluation_round)

    evaluation.refresh_from_db()
    assert (evaluation.total_score, evaluation.proposed_grade) == before
    assert len(EvaluationRound.objects.get().rules["indicators"]) == 14
