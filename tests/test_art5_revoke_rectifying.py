"""Art. 5.2 with Art. 23: revoking a center that is rectifying after a fail grade closes its open
evaluation (``rectifying`` → ``closed``) with the revocation's reason; no deadline reminder or
rectification step is left on a center that no longer exists."""

import pytest
from django_fsm_log.models import StateLog

from centers.models import Center
from evaluations.models import Evaluation, Grade
from sctic.workflow import perform
from tests.test_art22_evaluation import (
    CENTER_NAME,
    INDEX,
    SCORE_FOR,
    advance,
    file_reports,
    grade,
    make_center,
    open_round,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "day_2026_05_15", "no_pdf")]

S = Evaluation.State
REASON = "运行主体法人实体已注销，不再具备独立法人条件（第三条）。"


@pytest.fixture
def rectifying(unit_a, chengdu, kjt, experts):
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    evaluation = open_round(kjt).evaluations.get(center=center)
    advance(
        evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=SCORE_FOR[Grade.FAIL]
    )
    evaluation = grade(evaluation, Grade.FAIL, actor=kjt)
    assert evaluation.state == S.RECTIFYING
    assert Center.objects.get(pk=center.pk).state == Center.State.RECTIFYING
    return evaluation


def test_art5_revoking_a_rectifying_center_closes_its_evaluation(rectifying, kjt):
    center = Center.objects.get(pk=rectifying.center_id)
    perform(center, "revoke", actor=kjt, comment=REASON)
    rectifying.refresh_from_db()
    assert Center.objects.get(pk=center.pk).state == Center.State.REVOKED
    assert rectifying.state == S.CLOSED
    assert rectifying.decided_at is not None
    log = StateLog.objects.for_(rectifying).get(transition="close")
    assert (log.source_state, log.state, log.description) == (S.RECTIFYING, S.CLOSED, REASON)
    # Nothing is left to do on it: no rectification step is offered any more.
    assert not Evaluation.objects.filter(
        center=center, state__in=[*Evaluation.OPEN_STATES, S.RECTIFYING]
    ).exists()
