"""Art. 24 with Art. 22, 23: the round's results notice lists each center with its grade. When an
integrity finding re-opens a graded decision, the issued results notice no longer states the truth:
in the same transaction as the finding it is revoked (its verification page shows it), with a
reason that names the center and Art. 24, and a corrected draft is held for 科技厅 to check and
issue, who is told so. An unissued draft is replaced. A round without a results notice gets none.
"""

import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from accounts.models import User
from evaluations import services
from evaluations.models import Evaluation, EvaluationRound, Grade, IntegrityFinding
from notices.models import Kind, Notice
from notifications.models import Message
from tests.concurrency import race
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

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_pdf")]

S = Evaluation.State
OTHER_NAME = "四川省智能传感技术创新中心"
FINDING = "经核查，自评估材料中技术转移合同金额存在虚报。"


@pytest.fixture
def two(unit_a, unit_b, chengdu, mianyang, kjt):
    """``two(**rules)``: a round of two centers, unit_a's and unit_b's, both scored, not yet graded."""

    def go(**rules):
        a = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
        b = make_center(unit_b.organization, mianyang.organization, name=OTHER_NAME)
        file_reports(a, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
        file_reports(b, applicant=unit_b, supervisor=mianyang, department=kjt, index=INDEX)
        evaluation_round = open_round(kjt, rule_set=copy_rules(**rules) if rules else None)
        return SimpleNamespace(
            round=evaluation_round,
            a=evaluation_round.evaluations.get(center=a),
            b=evaluation_round.evaluations.get(center=b),
        )

    return go


@pytest.fixture
def graded_round(two, unit_a, unit_b, kjt, experts):
    """``graded_round(**rules)``: both centers graded (a good, b pass); no results notice yet."""

    def go(**rules):
        made = two(**rules)
        for evaluation, applicant, value in ((made.a, unit_a, Grade.GOOD), (made.b, unit_b, Grade.PASS)):
            advance(
                evaluation,
                "scored",
                applicant=applicant,
                department=kjt,
                experts=experts,
                score=SCORE_FOR[value],
            )
            assert grade(evaluation, value, actor=kjt).state == S.GRADED
        return made

    return go


def results_notices(evaluation_round):
    return Notice.objects.filter(
        kind=Kind.EVALUATION_RESULTS,
        content_type=ContentType.objects.get_for_model(EvaluationRound),
        object_id=evaluation_round.pk,
    ).order_by("pk")


def live(evaluation_round):
    return list(results_notices(evaluation_round).exclude(state=Notice.State.REVOKED))


def results(notice) -> dict[str, str]:
    """The centers and results a results notice lists (the numbered lines of its body)."""
    rows = [line.split("．", 1)[1] for line in notice.body.splitlines() if line[:1].isdigit()]
    return dict(row.split("：", 1) for row in rows)


def in_chinese(lazy, **params) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(lazy % params) if params else str(lazy)


def told_to_issue_again(user, draft):
    return Message.objects.filter(
        recipient=user,
        content_type=ContentType.objects.get_for_model(Notice),
        object_id=draft.pk,
        url=draft.get_absolute_url(),
    )


def test_art24_finding_after_grading_revokes_the_issued_results_notice_and_drafts_it_again(
    graded_round, kjt, client
):
    made = graded_round()
    issued = services.results_notice(made.round, actor=kjt)
    assert issued.state == Notice.State.ISSUED
    assert results(issued) == {
        CENTER_NAME: in_chinese(Grade.GOOD.label),
        OTHER_NAME: in_chinese(Grade.PASS.label),
    }

    _finding, message = services.finding_record(made.a, actor=kjt, description=FINDING)

    assert message == services.MESSAGE_FINDING_REOPENED
    issued.refresh_from_db()
    assert issued.state == Notice.State.REVOKED
    reason = in_chinese(services.REASON_RESULTS_CHANGED, center=CENTER_NAME)
    assert issued.revocation_reason == reason
    assert CENTER_NAME in reason
    # Its own revoke path: logged, and the public verification page shows it as revoked.
    page = client.get(issued.get_verify_url()).content.decode()
    assert 'id="verify-revoked"' in page
    [draft] = live(made.round)
    assert draft.pk != issued.pk
    assert (draft.state, draft.number) == (Notice.State.DRAFT, "")
    assert results(draft) == {
        CENTER_NAME: in_chinese(Grade.FAIL.label),
        OTHER_NAME: in_chinese(Grade.PASS.label),
    }
    # 科技厅 is told that the results notice must be issued again (the recorder too).
    assert told_to_issue_again(kjt, draft).exists()


def test_art24_finding_under_removing_rules_drafts_the_results_notice_with_the_removal(graded_round, kjt):
    made = graded_round(integrity_removes=True)
    issued = services.results_notice(made.round, actor=kjt)

    _finding, message = services.finding_record(made.a, actor=kjt, description=FINDING)

    assert message == services.MESSAGE_FINDING_REMOVED
    assert Notice.objects.get(pk=issued.pk).state == Notice.State.REVOKED
    [draft] = live(made.round)
    removed = in_chinese(services.LABEL_REMOVED, grade=in_chinese(Grade.FAIL.label))
    assert results(draft) == {CENTER_NAME: removed, OTHER_NAME: in_chinese(Grade.PASS.label)}


def test_art24_finding_in_a_round_without_a_results_notice_makes_none(graded_round, kjt):
    made = graded_round()

    services.finding_record(made.a, actor=kjt, description=FINDING)

    made.a.refresh_from_db()
    assert made.a.state == S.RECTIFYING
    assert not results_notices(made.round).exists()
    assert not Message.objects.filter(subject__contains=made.round.title).exists()


def test_art24_an_unissued_results_draft_is_replaced_by_a_corrected_draft(graded_round, kjt):
    made = graded_round()
    held = services.results_notice(made.round, actor=kjt, hold=True)
    assert held.state == Notice.State.DRAFT

    services.finding_record(made.a, actor=kjt, description=FINDING)

    [draft] = list(results_notices(made.round))  # nothing revoked: the draft was never issued
    assert draft.pk != held.pk and draft.state == Notice.State.DRAFT
    assert results(draft)[CENTER_NAME] == in_chinese(Grade.FAIL.label)
    assert told_to_issue_again(kjt, draft).exists()


def test_art24_two_findings_in_a_row_leave_one_live_results_notice(graded_round, kjt):
    made = graded_round()
    issued = services.results_notice(made.round, actor=kjt)

    services.finding_record(made.a, actor=kjt, description=FINDING)
    services.finding_record(made.b, actor=kjt, description=FINDING)

    [draft] = live(made.round)
    assert results(draft) == {
        CENTER_NAME: in_chinese(Grade.FAIL.label),
        OTHER_NAME: in_chinese(Grade.FAIL.label),
    }
    assert list(results_notices(made.round).exclude(pk=draft.pk)) == [Notice.objects.get(pk=issued.pk)]
    assert Notice.objects.get(pk=issued.pk).state == Notice.State.REVOKED


def test_art24_the_results_notice_is_revoked_in_one_transaction_with_the_finding(
    graded_round, kjt, monkeypatch
):
    made = graded_round()
    issued = services.results_notice(made.round, actor=kjt)

    def broken(*args, **kwargs):
        raise RuntimeError("notice service down")

    monkeypatch.setattr(services, "results_notice", broken)
    with pytest.raises(RuntimeError):
        services.finding_record(made.a, actor=kjt, description=FINDING)

    assert not IntegrityFinding.objects.exists()
    assert Notice.objects.get(pk=issued.pk).state == Notice.State.ISSUED
    assert live(made.round) == [Notice.objects.get(pk=issued.pk)]
    made.a.refresh_from_db()
    assert (made.a.state, made.a.grade) == (S.GRADED, Grade.GOOD)


# --- two findings at once in one round (PostgreSQL row locks) ----------------------------------------


class RecordFinding:
    def __init__(self, evaluation_pk, user_pk):
        self.evaluation_pk, self.user_pk = evaluation_pk, user_pk

    def prepare(self):
        return Evaluation.objects.get(pk=self.evaluation_pk), User.objects.get(pk=self.user_pk)

    def act(self, prepared):
        evaluation, user = prepared
        return services.finding_record(evaluation, actor=user, description=FINDING)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_art24_two_findings_at_once_in_one_round_leave_one_correct_results_notice(
    graded_round, kjt, monkeypatch
):
    made = graded_round()
    services.results_notice(made.round, actor=kjt)
    real_notice, real_results = services.decision_notice, services.results_notice

    def held(**kwargs):  # the centers' own notices stay drafts: no shared number counter to queue on
        return real_notice(**{**kwargs, "hold": True})

    def slow(*args, **kwargs):  # without the round's lock the other finding reads the round meanwhile
        time.sleep(0.3)
        return real_results(*args, **kwargs)

    monkeypatch.setattr(services, "decision_notice", held)
    monkeypatch.setattr(services, "results_notice", slow)

    outcomes = race(RecordFinding(made.a.pk, kjt.pk), RecordFinding(made.b.pk, kjt.pk))

    assert [type(o) for o in outcomes] == [tuple, tuple], outcomes
    [draft] = live(made.round)
    assert results(draft) == {
        CENTER_NAME: in_chinese(Grade.FAIL.label),
        OTHER_NAME: in_chinese(Grade.FAIL.label),
    }
    assert results_notices(made.round).filter(state=Notice.State.REVOKED).count() == 1
