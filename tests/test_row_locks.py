"""Row locks that keep one effect when two requests or workers act at the same moment (issue 10).

Each test needs PostgreSQL: two threads, each on its own database connection, are released together
by ``tests.concurrency.race``. A monkeypatched step inside the locked transaction sleeps briefly, so
that without the row lock the second thread would read the row before the first commits.
"""

import time

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from applications import services as application_services
from applications.models import ExpertReview
from evaluations import services as evaluation_services
from evaluations.models import EvaluationExpert, EvaluationRound, Grade
from experts import services as experts_services
from notices import services as notice_services
from notices import tasks as notice_tasks
from notices.models import Kind, Notice
from notifications.models import Message
from sctic.demo import minimal_pdf
from sctic.workflow import perform
from tests.concurrency import race
from tests.test_art22_evaluation import (
    CENTER_NAME,
    INDEX,
    SCORE_FOR,
    advance,
    expert_codes,
    file_reports,
    make_center,
    open_round,
    submit_scores,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("english", "no_pdf"),
]

WINDOW = 0.3  # seconds a step sleeps inside the locked transaction


def slow_counted(monkeypatch, module, name):
    """Replace ``module.name`` by a wrapper that counts its calls and sleeps before running it."""
    original = getattr(module, name)
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(args)
        time.sleep(WINDOW)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


# --- (a) an expert submitting the same opinion twice at once --------------------------------------


class SubmitOpinion:
    def __init__(self, review_pk, expert_pk):
        self.review_pk, self.expert_pk = review_pk, expert_pk

    def prepare(self):
        return ExpertReview.objects.get(pk=self.review_pk), User.objects.get(pk=self.expert_pk)

    def act(self, prepared):
        review, expert = prepared
        return application_services.expert_review_submit(
            review, actor=expert, no_conflict_declared=True, score=82, verdict="support", opinion="同意建设。"
        )


def test_art10_3_an_expert_submitting_the_same_opinion_twice_at_once_submits_once(
    make_application, experts, monkeypatch
):
    app = make_application("under_review")  # experts[0] and experts[1] assigned
    first, last = (app.expert_reviews.get(expert=e) for e in experts[:2])
    SubmitOpinion(first.pk, experts[0].pk).act(SubmitOpinion(first.pk, experts[0].pk).prepare())
    told = slow_counted(monkeypatch, experts_services, "notify")  # "all opinions are in"

    outcomes = race(SubmitOpinion(last.pk, experts[1].pk), SubmitOpinion(last.pk, experts[1].pk))

    assert sum(isinstance(o, ExpertReview) for o in outcomes) == 1, outcomes
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == 1, outcomes
    assert refused[0].messages == [str(application_services.MESSAGE_REVIEW_DONE)]
    assert len(told) == 1  # the department is told once that every opinion is in


# --- (a) an expert submitting the same evaluation scores twice at once ----------------------------


class SubmitScores:
    def __init__(self, assignment_pk, expert_pk, codes):
        self.assignment_pk, self.expert_pk, self.codes = assignment_pk, expert_pk, codes

    def prepare(self):
        return EvaluationExpert.objects.get(pk=self.assignment_pk), User.objects.get(pk=self.expert_pk)

    def act(self, prepared):
        assignment, expert = prepared
        scores = dict.fromkeys(self.codes, (70, "材料翔实，成效明显。"))
        return evaluation_services.expert_scores_submit(
            assignment, actor=expert, no_conflict_declared=True, scores=scores
        )


@pytest.fixture
def center(unit_a, chengdu, kjt):
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    return center


def test_art21_an_expert_submitting_the_same_scores_twice_at_once_submits_once(
    center, unit_a, kjt, experts, monkeypatch
):
    evaluation = open_round(kjt).evaluations.get(center=center)
    advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
    for expert in experts[:-1]:
        submit_scores(evaluation, expert, 70)
    last = experts[-1]
    assignment = EvaluationExpert.objects.get(evaluation=evaluation, expert=last)
    codes = expert_codes(evaluation)
    refreshed = slow_counted(monkeypatch, evaluation_services, "refresh_scores")

    outcomes = race(SubmitScores(assignment.pk, last.pk, codes), SubmitScores(assignment.pk, last.pk, codes))

    assert sum(isinstance(o, EvaluationExpert) for o in outcomes) == 1, outcomes
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == 1, outcomes
    assert refused[0].messages == [str(evaluation_services.MESSAGE_SCORING_CLOSED)]
    assert len(refreshed) == 1  # the scores were taken once
    assert assignment.scores.count() == len(codes)


# --- (b) two results notices for one round at once ------------------------------------------------


class ResultsNotice:
    def __init__(self, round_pk, user_pk):
        self.round_pk, self.user_pk = round_pk, user_pk

    def prepare(self):
        return EvaluationRound.objects.get(pk=self.round_pk), User.objects.get(pk=self.user_pk)

    def act(self, prepared):
        evaluation_round, user = prepared
        return evaluation_services.results_notice(evaluation_round, actor=user, hold=True)


def test_art22_two_results_notices_for_one_round_at_once_make_one_notice(
    center, unit_a, kjt, experts, monkeypatch
):
    evaluation = open_round(kjt).evaluations.get(center=center)
    advance(
        evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=SCORE_FOR[Grade.GOOD]
    )
    perform(evaluation, "grade", actor=kjt, grade=Grade.GOOD)
    drafted = slow_counted(monkeypatch, evaluation_services, "decision_notice")

    outcomes = race(ResultsNotice(evaluation.round_id, kjt.pk), ResultsNotice(evaluation.round_id, kjt.pk))

    assert sum(isinstance(o, Notice) for o in outcomes) == 1, outcomes
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refused) == 1, outcomes
    assert refused[0].messages == [str(evaluation_services.MESSAGE_RESULTS_ISSUED)]
    assert len(drafted) == 1
    assert Notice.objects.filter(kind=Kind.EVALUATION_RESULTS).count() == 1


# --- (c) the sweep and a late task rendering the same notice at once ------------------------------


class LateTask:
    def __init__(self, notice_pk):
        self.notice_pk = notice_pk

    def prepare(self):
        return self.notice_pk

    def act(self, notice_pk):
        return notice_tasks.render_notice.apply(args=[notice_pk]).result


class Sweep:
    """What the sweep's queued tasks do, run here in the thread instead of on a worker."""

    def prepare(self):
        return None

    def act(self, _prepared):
        return [notice_tasks.render_notice.apply(args=[pk]).result for pk in notice_services.unrendered_ids()]


def test_the_sweep_and_a_late_task_render_the_same_notice_once(kjt, chengdu, chengdu_org, monkeypatch):
    monkeypatch.setattr(notice_services, "enqueue", lambda task, *args, **kwargs: None)  # the broker was down
    notice = notice_services.notice_draft(
        kind=Kind.APPROVAL,
        subject=None,
        actor=kjt,
        addressee_orgs=[chengdu_org],
        context={"name": "四川省并发渲染技术创新中心", "change": "名称", "year": 2026},
    )
    perform(notice, "issue", actor=kjt)
    assert notice_services.unrendered_ids() == [notice.pk]
    rendered = []

    def slow_render(notice, letterhead):
        rendered.append(notice.pk)
        time.sleep(WINDOW)
        return minimal_pdf()

    monkeypatch.setattr("notices.rendering.render_pdf", slow_render)

    outcomes = race(LateTask(notice.pk), Sweep())

    notice.refresh_from_db()
    assert rendered == [notice.pk], outcomes  # the PDF was made once
    assert outcomes[0] == notice.sha256 and outcomes[1] in ([notice.sha256], []), outcomes
    assert notice.render_attempts == 1 and notice.is_rendered
    told = notice_services._concerned_users(notice).count()
    assert told > 0  # chengdu's users, told once each when the PDF is archived
    assert Message.objects.filter(object_id=notice.pk, subject__contains=notice.title).count() == told
