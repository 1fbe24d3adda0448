"""Art. 24 after grading: an integrity finding recorded on an evaluation that is already graded
re-opens the decision, in the same transaction as the finding and its evidence — the grade becomes
fail with one year of rectification (Art. 23), or the center is removed where the round's rules
say so; the post-subsidy is cancelled, the national recommendation withdrawn, the next cycle taken
back and the notice issued. A finding on a closed evaluation is refused with a clear message.
"""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from centers.models import Center, CenterCycle, add_years
from evaluations import services
from evaluations.models import Evaluation, Grade, IntegrityFinding, PostSubsidy
from notices.models import Kind, Notice
from sctic.demo import minimal_pdf
from sctic.workflow import perform
from tests.test_art22_evaluation import (
    CENTER_NAME,
    CYCLE,
    INDEX,
    REASON,
    SCORE_FOR,
    advance,
    copy_rules,
    file_reports,
    grade,
    make_center,
    open_round,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "no_pdf")]

S = Evaluation.State
TODAY = date(2026, 5, 15)
FINDING = "经核查，自评估材料中技术转移合同金额存在虚报。"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(
        timezone, "localdate", lambda value=None, tz=None: TODAY if value is None else real(value, tz)
    )
    return SimpleNamespace()


@pytest.fixture
def center(unit_a, chengdu, kjt):
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    return center


@pytest.fixture
def graded(center, unit_a, kjt, experts):
    """``graded(value, **rules)``: the center's evaluation scored to propose ``value`` and graded so."""

    def go(value, **rules):
        rule_set = copy_rules(**rules) if rules else None
        evaluation = open_round(kjt, rule_set=rule_set).evaluations.get(center=center)
        advance(
            evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=SCORE_FOR[value]
        )
        evaluation = grade(evaluation, value, actor=kjt)
        assert evaluation.state == S.GRADED
        return evaluation

    return go


def evidence():
    return SimpleUploadedFile("核查报告.pdf", minimal_pdf(), content_type="application/pdf")


def post_finding(login, kjt, evaluation, **extra):
    client = login(kjt)
    client.cookies["django_language"] = "en"
    return client.post(
        f"{evaluation.get_absolute_url()}findings/", {"description": FINDING, **extra}, follow=True
    )


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def open_cycles(center):
    return list(CenterCycle.objects.filter(center=center, closed_on__isnull=True))


def test_art24_finding_after_an_excellent_grade_turns_it_to_fail_and_rectification(
    graded, center, kjt, login
):
    evaluation = graded(Grade.EXCELLENT)
    assert evaluation.national_recommendation is True
    assert PostSubsidy.objects.get(evaluation=evaluation).status == PostSubsidy.Status.PROPOSED
    [next_cycle] = open_cycles(center)
    assert next_cycle.number == 2

    response = post_finding(login, kjt, evaluation, file=evidence())

    assert page_messages(response) == [str(services.MESSAGE_FINDING_REOPENED)]
    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.grade) == (S.RECTIFYING, Grade.FAIL)
    assert evaluation.rectification_deadline == add_years(TODAY, 1)
    assert evaluation.national_recommendation is False
    assert PostSubsidy.objects.get(evaluation=evaluation).status == PostSubsidy.Status.CANCELLED
    assert Center.objects.get(pk=center.pk).state == Center.State.RECTIFYING
    # The center rectifies in its evaluated cycle; the cycle the grade opened is taken back.
    [cycle] = open_cycles(center)
    assert (cycle.number, cycle.end_date) == (1, CYCLE[1])
    notice = Notice.objects.get(object_id=evaluation.pk, kind=Kind.RECTIFICATION)
    assert notice.state == Notice.State.ISSUED
    finding = IntegrityFinding.objects.get(evaluation=evaluation)
    assert finding.attachments.get().original_name == "核查报告.pdf"


def test_art24_finding_after_grading_removes_the_center_where_the_rules_say_so(graded, center, kjt):
    evaluation = graded(Grade.GOOD, integrity_removes=True)

    _finding, message = services.finding_record(evaluation, actor=kjt, description=FINDING)

    assert message == services.MESSAGE_FINDING_REMOVED
    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.grade) == (S.REMOVED, Grade.FAIL)
    center.refresh_from_db()
    assert center.state == Center.State.DELISTED
    assert open_cycles(center) == []
    notice = Notice.objects.get(object_id=evaluation.pk, kind=Kind.REMOVAL)
    assert notice.state == Notice.State.ISSUED
    assert not PostSubsidy.objects.filter(evaluation=evaluation).exists()


def test_art24_finding_and_reopened_grade_are_one_transaction(graded, center, kjt, monkeypatch):
    evaluation = graded(Grade.EXCELLENT)

    def broken(**kwargs):
        raise RuntimeError("notice service down")

    monkeypatch.setattr(services, "decision_notice", broken)
    with pytest.raises(RuntimeError):
        services.finding_record(evaluation, actor=kjt, description=FINDING, evidence=None)
    assert not IntegrityFinding.objects.exists()
    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.grade) == (S.GRADED, Grade.EXCELLENT)
    assert PostSubsidy.objects.get(evaluation=evaluation).status == PostSubsidy.Status.PROPOSED


def test_art24_finding_with_invalid_evidence_records_nothing(graded, kjt, login):
    evaluation = graded(Grade.EXCELLENT)
    bad = SimpleUploadedFile("核查报告.pdf", b"not a pdf at all", content_type="application/pdf")
    response = post_finding(login, kjt, evaluation, file=bad)
    assert response.status_code == 200
    assert page_messages(response)  # the upload's own error, in the user's language
    assert not IntegrityFinding.objects.exists()
    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.grade) == (S.GRADED, Grade.EXCELLENT)


def test_art24_finding_on_a_closed_evaluation_is_refused_with_a_message(center, unit_a, kjt, login):
    evaluation = open_round(kjt).evaluations.get(center=center)
    perform(evaluation, "withdraw", actor=kjt, comment=REASON)
    response = post_finding(login, kjt, evaluation)
    assert response.status_code == 200
    assert page_messages(response) == [
        services.MESSAGE_FINDING_CLOSED % {"state": Evaluation(state=S.WITHDRAWN).get_state_display()}
    ]
    assert not IntegrityFinding.objects.exists()


def test_art24_the_finding_form_is_offered_on_a_graded_evaluation(graded, kjt, login):
    evaluation = graded(Grade.PASS)
    response = login(kjt).get(evaluation.get_absolute_url())
    assert response.context["finding_form"] is not None
