"""Art. 22, 23: the cap on the share of excellent is a share of the centers actually graded in the
round. A center that did not take part, withdrew mid-way or was closed with its revocation is
neither in the base of the share nor in the ranking for it — even when it had been scored before it
left.
"""

from datetime import date

import pytest
from django.utils import timezone

from centers.models import Center
from evaluations import services
from evaluations.models import Evaluation, Grade
from sctic.workflow import perform
from tests.test_art22_evaluation import REASON, advance, expert_only_rules, make_center, open_round

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "no_pdf")]

S = Evaluation.State


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(
        timezone,
        "localdate",
        lambda value=None, tz=None: date(2026, 5, 15) if value is None else real(value, tz),
    )


@pytest.fixture
def round_of(unit_a, chengdu, kjt, experts):
    """``round_of(names)``: a round under expert-only rules with a cap of one in two excellent,
    evaluating one center per name; returns the evaluations by name."""

    def go(names):
        centers = {
            name: make_center(unit_a.organization, chengdu.organization, name=f"四川省{name}技术创新中心")
            for name in names
        }
        evaluation_round = open_round(kjt, rule_set=expert_only_rules(excellent_cap="0.50"))
        return {name: evaluation_round.evaluations.get(center=center) for name, center in centers.items()}

    return go


def scored(evaluation, score, *, unit_a, kjt, experts):
    return advance(evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=score)


def test_art23_withdrawn_and_closed_centers_are_not_in_the_excellent_cap(round_of, unit_a, kjt, experts):
    e = round_of(["甲", "乙", "退出", "撤销"])
    people = {"unit_a": unit_a, "kjt": kjt, "experts": experts}
    scored(e["退出"], 97, **people)
    scored(e["撤销"], 96, **people)
    scored(e["甲"], 95, **people)
    scored(e["乙"], 60, **people)
    # Both leave after scoring: one withdraws mid-way, the other's center is revoked (Art. 5.2).
    perform(e["退出"], "withdraw", actor=kjt, comment=REASON)
    perform(Center.objects.get(pk=e["撤销"].center_id), "revoke", actor=kjt, comment=REASON)
    e["撤销"].refresh_from_db()
    assert (e["退出"].state, e["撤销"].state) == (S.WITHDRAWN, S.CLOSED)

    # Two centers are graded: one in two may be excellent, and it is the best of them.
    assert services.grade_proposal(e["甲"]) == (95, Grade.EXCELLENT)
    assert services.grade_proposal(e["乙"])[1] == Grade.PASS
    graded = perform(e["甲"], "grade", actor=kjt, grade=Grade.EXCELLENT, comment="")
    assert (graded.state, graded.grade, graded.proposed_grade) == (S.GRADED, Grade.EXCELLENT, Grade.EXCELLENT)


def test_art23_absent_centers_are_not_in_the_excellent_cap(round_of, unit_a, kjt, experts):
    e = round_of(["甲", "乙", "丙", "缺席"])
    people = {"unit_a": unit_a, "kjt": kjt, "experts": experts}
    perform(e["缺席"], "mark_absent", actor=kjt, comment=REASON)
    for name, score in (("甲", 95), ("乙", 94), ("丙", 93)):
        scored(e[name], score, **people)
    # Three centers are graded: floor(0.5 × 3) = 1 excellent, not floor(0.5 × 4) = 2.
    proposals = {name: services.grade_proposal(e[name])[1] for name in ("甲", "乙", "丙")}
    assert proposals == {"甲": Grade.EXCELLENT, "乙": Grade.GOOD, "丙": Grade.GOOD}
