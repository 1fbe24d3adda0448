"""Art. 24 with Art. 23: an integrity finding recorded while the center is already rectifying after a
fail grade. Where the round's rules say a finding removes the center, it is removed — with the
removal notice that names the integrity cause — in the same transaction as the finding, through the
same re-opening transition as a finding after grading. Under rules that do not remove, the grade is
already fail and the center goes on rectifying.
"""

import pytest
from django.core.exceptions import ValidationError
from django_fsm_log.models import StateLog

from centers.models import Center, CenterCycle
from evaluations import services
from evaluations.models import Evaluation, Grade, IntegrityFinding
from notices.models import Kind, Notice
from sctic.workflow import perform
from tests.test_art22_evaluation import (
    CENTER_NAME,
    INDEX,
    SCORE_FOR,
    advance,
    copy_rules,
    file_reports,
    grade,
    make_center,
    open_round,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "day_2026_05_15", "no_pdf")]

S = Evaluation.State
FINDING = "经核查，整改期间报送的自评估材料中技术转移合同金额存在虚报。"


@pytest.fixture
def rectifying(unit_a, chengdu, kjt, experts):
    """``rectifying(integrity_removes)``: the center graded fail (no finding yet), now rectifying."""

    def go(integrity_removes):
        center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
        file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
        rules = copy_rules(integrity_removes=integrity_removes)
        evaluation = open_round(kjt, rule_set=rules).evaluations.get(center=center)
        advance(
            evaluation,
            "scored",
            applicant=unit_a,
            department=kjt,
            experts=experts,
            score=SCORE_FOR[Grade.FAIL],
        )
        evaluation = grade(evaluation, Grade.FAIL, actor=kjt)
        assert evaluation.state == S.RECTIFYING
        assert Center.objects.get(pk=center.pk).state == Center.State.RECTIFYING
        return evaluation

    return go


def notices(evaluation, kind):
    return Notice.objects.filter(object_id=evaluation.pk, kind=kind)


def test_art24_finding_while_rectifying_removes_the_center_under_rules_that_remove(rectifying, kjt):
    evaluation = rectifying(integrity_removes=True)

    _finding, message = services.finding_record(evaluation, actor=kjt, description=FINDING)

    assert message == services.MESSAGE_FINDING_REMOVED
    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.grade) == (S.REMOVED, Grade.FAIL)
    assert evaluation.decided_at is not None
    center = Center.objects.get(pk=evaluation.center_id)
    assert center.state == Center.State.DELISTED
    assert not CenterCycle.objects.filter(center=center, closed_on__isnull=True).exists()
    [removal] = notices(evaluation, Kind.REMOVAL)
    assert removal.state == Notice.State.ISSUED
    assert "第二十四条" in removal.body and "弄虚作假" in removal.body and FINDING in removal.body
    # One mechanism: the same re-opening transition as a finding after grading, logged with it.
    log = StateLog.objects.for_(evaluation).get(transition="reopen_for_integrity")
    assert (log.source_state, log.state, log.description) == (S.RECTIFYING, S.REMOVED, FINDING)


def test_art24_finding_while_rectifying_keeps_rectifying_under_rules_that_do_not_remove(rectifying, kjt):
    evaluation = rectifying(integrity_removes=False)
    deadline = evaluation.rectification_deadline

    _finding, message = services.finding_record(evaluation, actor=kjt, description=FINDING)

    assert message == services.MESSAGE_FINDING_RECORDED
    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.grade, evaluation.rectification_deadline) == (
        S.RECTIFYING,
        Grade.FAIL,
        deadline,
    )
    assert Center.objects.get(pk=evaluation.center_id).state == Center.State.RECTIFYING
    assert not notices(evaluation, Kind.REMOVAL).exists()
    assert IntegrityFinding.objects.filter(evaluation=evaluation).count() == 1


def test_art24_the_reopening_transition_refuses_a_rectifying_center_under_rules_that_do_not_remove(
    rectifying, kjt
):
    evaluation = rectifying(integrity_removes=False)
    IntegrityFinding.objects.create(evaluation=evaluation, description=FINDING, recorded_by=kjt)

    with pytest.raises(ValidationError):
        perform(evaluation, "reopen_for_integrity", actor=kjt, comment=FINDING)

    evaluation.refresh_from_db()
    assert evaluation.state == S.RECTIFYING


def test_art24_finding_and_removal_while_rectifying_are_one_transaction(rectifying, kjt, monkeypatch):
    evaluation = rectifying(integrity_removes=True)

    def broken(**kwargs):
        raise RuntimeError("notice service down")

    monkeypatch.setattr(services, "decision_notice", broken)
    with pytest.raises(RuntimeError):
        services.finding_record(evaluation, actor=kjt, description=FINDING)

    assert not IntegrityFinding.objects.exists()
    evaluation.refresh_from_db()
    assert evaluation.state == S.RECTIFYING
    assert Center.objects.get(pk=evaluation.center_id).state == Center.State.RECTIFYING


def test_art24_finding_while_rectifying_over_http_says_the_center_is_removed(rectifying, kjt, login):
    evaluation = rectifying(integrity_removes=True)
    client = login(kjt)
    client.cookies["django_language"] = "en"

    response = client.post(f"{evaluation.get_absolute_url()}findings/", {"description": FINDING}, follow=True)

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [str(services.MESSAGE_FINDING_REMOVED)]
    evaluation.refresh_from_db()
    assert evaluation.state == S.REMOVED
