"""Zero and boundary cases of caps and limits.

- Art. 22, 23: at most a share (``excellent_cap``) of a round's centers is proposed excellent. The
  regulation states no rounding; the rule set says "at most" (``RuleSet.excellent_cap``), so the
  share is rounded down: 10 % of 7 centers is none, 15 % of 7 is one, 15 % of 20 is exactly three.
  Equal totals get equal proposals: centers tied at the edge of the share that do not all fit in it
  are all proposed good, whichever was scored first.
- Art. 10.2: a recommendation's rank is a whole number from 1 (first); 0, negative or huge ranks
  are refused with a message.
- The reason (comment) of a transition: at most 2000 characters; one more is refused with a
  message, never a server error.
"""

from datetime import date
from decimal import Decimal
from math import floor

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from applications import services as application_services
from applications.models import IntentApplication, Recommendation
from evaluations import services
from evaluations.models import Evaluation, Grade
from evaluations.scoring import EXCELLENT, GOOD, capped_grades
from sctic.demo import cultivate
from sctic.workflow import perform
from tests.test_art22_evaluation import advance, expert_only_rules, make_center, open_round

THRESHOLDS = {"excellent": "90", "good": "75", "pass": "60"}
A = IntentApplication.State
OPINION = "培育期间完成了建设运行方案和理事会筹建，同意推荐。"


def rules(cap) -> dict:
    return {"thresholds": THRESHOLDS, "excellent_cap": None if cap is None else str(cap)}


def excellent_count(grades: dict) -> int:
    return sum(1 for g in grades.values() if g == EXCELLENT)


def all_excellent(n: int) -> dict:
    """``n`` centers, all above the excellent threshold, with distinct totals."""
    return {f"c{i}": Decimal("99.00") - Decimal(i) / 10 for i in range(n)}


# --- Art. 22, 23 the cap on the share of excellent -----------------------------------------------


@pytest.mark.parametrize(
    ("cap", "centers", "allowed"),
    [
        ("0.10", 7, 0),  # 0.7 rounds down to none
        ("0.15", 7, 1),  # 1.05
        ("0.10", 9, 0),  # one under the boundary: 0.9
        ("0.10", 10, 1),  # exactly at it: 1.0
        ("0.10", 11, 1),  # one over: 1.1
        ("0.15", 10, 1),  # 1.5
        ("0.15", 19, 2),  # 2.85: one under the boundary
        ("0.15", 20, 3),  # 3.00 exactly: no binary rounding loses the third
        ("0.15", 21, 3),  # 3.15
        ("0.30", 10, 3),
        ("0.50", 1, 0),  # one center, half a place: none
        ("1.00", 1, 1),
        ("0", 10, 0),
    ],
)
def test_art23_excellent_cap_rounds_the_share_down(cap, centers, allowed):
    grades = capped_grades(all_excellent(centers), rules(cap), centers)
    assert excellent_count(grades) == allowed
    # the best totals keep it, in order
    assert [k for k, g in grades.items() if g == EXCELLENT] == [f"c{i}" for i in range(allowed)]
    assert all(g == GOOD for k, g in grades.items() if k not in [f"c{i}" for i in range(allowed)])


def test_art23_excellent_cap_of_a_round_of_no_center_gives_no_grade():
    assert capped_grades({}, rules("0.30"), 0) == {}
    assert capped_grades({}, rules("0.30")) == {}


@pytest.mark.parametrize("cap", ["0.10", "0.15", "0.30"])
def test_art23_excellent_cap_at_the_limit_demotes_nobody_and_one_over_demotes_the_lowest(cap):
    centers = 20
    allowed = floor(Decimal(cap) * centers)
    at_limit = {**all_excellent(allowed), **{f"p{i}": Decimal(70) for i in range(centers - allowed)}}
    assert excellent_count(capped_grades(at_limit, rules(cap), centers)) == allowed

    over = {**all_excellent(allowed + 1), **{f"p{i}": Decimal(70) for i in range(centers - allowed - 1)}}
    grades = capped_grades(over, rules(cap), centers)
    assert excellent_count(grades) == allowed
    assert grades[f"c{allowed}"] == GOOD  # the lowest of the excellent totals


def test_art23_centers_tied_at_the_edge_of_the_share_get_the_same_proposal():
    """One place for two equal totals: neither is preferred; both are proposed good, and the
    department may still grade otherwise, with its reason (Art. 22)."""
    totals = {"a": Decimal("95.00"), "b": Decimal("95.00"), "c": Decimal("70.00"), "d": Decimal("65.00")}
    for order in (totals, dict(reversed(list(totals.items())))):
        grades = capped_grades(order, rules("0.25"), 4)
        assert grades["a"] == grades["b"] == GOOD
    # a tie inside the share is kept whole
    grades = capped_grades({"a": 95, "b": 95, "c": 91, "d": 60}, rules("0.50"), 4)
    assert (grades["a"], grades["b"], grades["c"]) == (EXCELLENT, EXCELLENT, GOOD)


SCORES = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
CAPS = st.sampled_from(["0", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30", "0.50", "1.00"])


@given(totals=st.lists(SCORES, max_size=25), cap=CAPS, absent=st.integers(0, 5))
def test_art23_excellent_cap_property_never_more_than_the_share_and_equal_totals_equal_grades(
    totals, cap, absent
):
    centers = len(totals) + absent
    by_key = {f"c{i}": t for i, t in enumerate(totals)}
    grades = capped_grades(by_key, rules(cap), centers)
    allowed = floor(Decimal(cap) * centers)
    assert excellent_count(grades) <= allowed
    above = [k for k, t in by_key.items() if t >= 90]
    for key, total in by_key.items():
        assert (grades[key] == EXCELLENT) <= (total >= 90)  # the threshold still holds
        for other, other_total in by_key.items():
            if total == other_total:
                assert grades[key] == grades[other]
            if grades[key] == EXCELLENT and other in above and grades[other] != EXCELLENT:
                assert total > other_total  # only higher totals are kept
    if len({by_key[k] for k in above}) == len(above):  # no ties: the share is filled
        assert excellent_count(grades) == min(len(above), allowed)


@pytest.mark.django_db
def test_art23_tied_centers_get_the_same_proposal_on_the_page_and_at_grading(
    monkeypatch, unit_a, chengdu, kjt, experts
):
    """The stored proposal (the round page, refreshed after each score) and the one grading checks
    agree for centers tied at the edge of the share, whichever was scored last."""
    real = timezone.localdate
    monkeypatch.setattr(
        timezone,
        "localdate",
        lambda value=None, tz=None: date(2026, 5, 15) if value is None else real(value, tz),
    )
    centers = [
        make_center(unit_a.organization, chengdu.organization, name=f"四川省{n}技术创新中心") for n in "甲乙"
    ]
    evaluation_round = open_round(kjt, rule_set=expert_only_rules(excellent_cap=Decimal("0.50")))
    evaluations = [evaluation_round.evaluations.get(center=c) for c in centers]
    for evaluation in evaluations:
        advance(evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=95)
    stored = {e.pk: Evaluation.objects.get(pk=e.pk).proposed_grade for e in evaluations}
    checked = {e.pk: services.grade_proposal(e)[1] for e in evaluations}
    assert stored == checked
    assert set(checked.values()) == {Grade.GOOD}


# --- Art. 10.2 recommendation rank ---------------------------------------------------------------


@pytest.fixture
def cultivated(make_application, unit_a):
    app = make_application("cultivating")
    cultivate(app, unit_a)
    return IntentApplication.objects.get(pk=app.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("rank", [0, -1, 1000, 40000, True, "1"])
def test_art10_2_rank_outside_1_to_999_is_refused_with_a_message(cultivated, chengdu, rank):
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            perform(cultivated, "recommend", actor=chengdu, opinion=OPINION, rank=rank)
        expected = str(application_services.MESSAGE_RANK_RANGE % {"max": 999})
    assert exc.value.message_dict == {"rank": [expected]}
    cultivated.refresh_from_db()
    assert cultivated.state == A.CULTIVATING
    assert not Recommendation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("rank", [1, 999])
def test_art10_2_rank_at_the_edges_is_accepted_even_beyond_the_count(cultivated, chengdu, rank):
    """The first recommendation may take rank 999: ranks order, they do not count."""
    perform(cultivated, "recommend", actor=chengdu, opinion=OPINION, rank=rank)
    assert cultivated.state == A.RECOMMENDED
    assert Recommendation.objects.get().rank == rank


@pytest.mark.django_db
@pytest.mark.parametrize(("rank", "ok"), [("0", False), ("-1", False), ("1000", False), ("1", True)])
def test_art10_2_rank_on_the_recommend_page_is_checked_with_a_message(login, cultivated, chengdu, rank, ok):
    response = login(chengdu).post(
        f"{cultivated.get_absolute_url()}transitions/recommend/", {"opinion": OPINION, "rank": rank}
    )
    cultivated.refresh_from_db()
    if ok:
        assert response.status_code == 302
        assert cultivated.state == A.RECOMMENDED
    else:
        assert response.status_code == 400
        assert response.context["form"].errors["rank"]
        assert cultivated.state == A.CULTIVATING


# --- the reason of a transition: 2000 characters --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("length", "ok"), [(2000, True), (2001, False)])
def test_art10_2_reason_at_its_maximum_length_is_accepted_and_one_more_refused(
    login, make_application, chengdu, length, ok
):
    app = make_application("submitted")
    response = login(chengdu).post(
        f"{app.get_absolute_url()}transitions/return_for_revision/", {"comment": "改" * length}
    )
    app.refresh_from_db()
    if ok:
        assert response.status_code == 302
        assert app.state == A.RETURNED
    else:
        assert response.status_code == 400
        with translation.override("zh-hans"):
            expected = MaxLengthValidator(2000).message % {"limit_value": 2000, "show_value": 2001}
        assert response.context["form"].errors["comment"] == [expected]
        assert expected.startswith("确保")  # said in the user's language (zh-hans by default)
        assert expected in response.content.decode()
        assert app.state == A.SUBMITTED
