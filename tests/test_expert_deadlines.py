"""Deadlines of expert assignments (Art. 10.3 consultation, Art. 21 evaluation): the expert is
reminded 3 days before its assignment's due date and on the day; the day after, the expert is told
it is overdue and 科技厅 is told too — each once, while the assignment is open (invited or
accepted) and the subject under review (experts.reminders). The expert's dashboard lists its
assignments of both kinds with their due date and the days left.

The clock is 15 May 2026 (``day_2026_05_15``); sweeps are run with ``send_reminders --date``.
"""

import re
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ExpertReview
from evaluations.models import EvaluationExpert
from notifications.models import Category, Message, Reminder
from sctic.workflow import perform
from tests.test_art22_evaluation import CENTER_NAME, INDEX, advance, file_reports, make_center, open_round

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("day_2026_05_15", "no_pdf")]

TODAY = date(2026, 5, 15)
DUE = date(2026, 6, 1)
KINDS = ["consultation", "evaluation"]


def days(n: int) -> date:
    return DUE + timedelta(days=n)


def sweep(day: date) -> set[str]:
    """Run ``send_reminders --date day``; the keys of the expert reminders this run sent."""
    before = set(Reminder.objects.values_list("key", flat=True))
    call_command("send_reminders", "--date", day.isoformat(), stdout=StringIO())
    return {
        k for k in set(Reminder.objects.values_list("key", flat=True)) - before if k.startswith("expert:")
    }


@pytest.fixture
def evaluation_under_review(unit_a, chengdu, kjt, experts):
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    evaluation = open_round(kjt).evaluations.get(center=center)
    return advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)


@pytest.fixture
def assigned(request, make_application):
    """``assigned(kind)``: the subject under review and its assignments (experts[:2] on an
    application, all three on an evaluation), due on DUE."""

    def make(kind):
        if kind == "consultation":
            subject = make_application("under_review")
            assignments = ExpertReview.objects.filter(application=subject)
        else:
            subject = request.getfixturevalue("evaluation_under_review")
            assignments = EvaluationExpert.objects.filter(evaluation=subject)
        assert assignments.count() == (2 if kind == "consultation" else 3)
        assignments.update(due_on=DUE)
        return subject, list(assignments.order_by("pk"))

    return make


def keys(kind, assignments, *steps) -> set[str]:
    return {f"expert:{kind}:{a.pk}:{step}" for a in assignments for step in steps}


def deadline_messages(user, subject):
    return Message.objects.filter(
        recipient=user,
        category=Category.DEADLINE,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_expert_is_reminded_3_days_before_on_the_day_and_when_overdue(assigned, kind, kjt):
    subject, assignments = assigned(kind)
    assert sweep(days(-4)) == set()
    assert sweep(days(-3)) == keys(kind, assignments, "due-3")
    assert sweep(days(-1)) == set()
    assert sweep(days(0)) == keys(kind, assignments, "due-0")
    assert sweep(days(1)) == keys(kind, assignments, "overdue", "escalated")
    assert sweep(days(1)) == set()
    assert sweep(days(10)) == set()
    expert = assignments[0].expert
    texts = [(m.subject, m.body) for m in deadline_messages(expert, subject)]
    assert len(texts) == 3  # 3 days before, the day, overdue
    article = "第十条第（三）项" if kind == "consultation" else "第二十一条"  # Art. 10.3 / Art. 21
    for title, body in texts:
        assert str(subject) in title and str(subject) in body
        assert "2026-06-01" in body
        assert article in body
    escalations = list(deadline_messages(kjt, subject))
    assert len(escalations) == len(assignments)  # one per late expert, to 科技厅
    assert all(str(subject) in m.subject and "2026-06-01" in m.body for m in escalations)


@pytest.mark.parametrize("kind", KINDS)
def test_a_late_sweep_sends_the_step_it_missed_once_never_an_earlier_one(assigned, kind):
    subject, assignments = assigned(kind)
    assert sweep(days(-1)) == keys(kind, assignments, "due-3")
    assert sweep(days(-1)) == set()
    assert sweep(days(0)) == keys(kind, assignments, "due-0")
    Reminder.objects.filter(key__startswith="expert:").delete()
    assert sweep(days(5)) == keys(kind, assignments, "overdue", "escalated")  # not due-3, not due-0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", ["declined", "withdrawn", "submitted"])
def test_an_assignment_no_longer_open_is_not_reminded(assigned, kind, how, kjt):
    subject, (done, other, *_rest) = assigned(kind)
    if how == "declined":
        perform(done, "decline", actor=done.expert, reason="unavailable")
    elif how == "withdrawn":
        perform(done, "withdraw", actor=kjt, comment="长期联系不上。")
    else:
        type(done).objects.filter(pk=done.pk).update(state="submitted")
    done.refresh_from_db()
    assert done.state == how
    # A declined expert's reserve (if any) has its own due date: only ``other`` is asked about here.
    type(other).objects.filter(pk=other.pk).update(due_on=DUE)
    for day in (days(-3), days(0), days(1)):
        assert not any(k.startswith(f"expert:{kind}:{done.pk}:") for k in sweep(day))
    assert Reminder.objects.filter(key__startswith=f"expert:{kind}:{other.pk}:").count() == 4


def test_no_reminder_once_the_subject_is_no_longer_under_review(assigned):
    subject, assignments = assigned("consultation")
    type(subject).objects.filter(pk=subject.pk).update(state="approved")
    assert sweep(days(-3)) == set()
    assert sweep(days(1)) == set()


def test_an_assignment_without_a_due_date_is_not_reminded(assigned):
    subject, assignments = assigned("consultation")
    ExpertReview.objects.filter(application=subject).update(due_on=None)
    assert sweep(days(1)) == set()


def sweep_queries(day) -> int:
    with CaptureQueriesContext(connection) as captured:
        sweep(day)
    return len(captured)


def test_the_sweep_reads_the_assignments_in_a_constant_number_of_queries(make_application):
    make_application("under_review")
    ExpertReview.objects.update(due_on=DUE)
    sweep(days(1))
    few = sweep_queries(days(2))  # everything was sent: the sweep only reads
    for _ in range(4):
        make_application("under_review")
    ExpertReview.objects.update(due_on=DUE)
    sweep(days(1))
    assert sweep_queries(days(2)) == few


# --- the dashboard -------------------------------------------------------------------------------


def expert_rows(html: str) -> list[str]:
    block = html.split('id="assignments"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<li [^>]*data-assignment=.*?</li>", block, re.S)


def dashboard(client, user) -> str:
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_expert_dashboard_lists_both_kinds_with_due_date_and_days_left(
    client, make_application, evaluation_under_review, experts, kjt
):
    expert = experts[0]
    soon = make_application("under_review", proposed_name="四川省先进焊接技术创新中心")
    late = make_application("under_review", proposed_name="四川省智能装备技术创新中心")
    declined = make_application("under_review", proposed_name="四川省婉拒技术创新中心")
    ExpertReview.objects.filter(application=soon, expert=expert).update(due_on=TODAY + timedelta(days=3))
    ExpertReview.objects.filter(application=late, expert=expert).update(due_on=TODAY - timedelta(days=2))
    EvaluationExpert.objects.filter(evaluation=evaluation_under_review, expert=expert).update(due_on=TODAY)
    review = ExpertReview.objects.get(application=declined, expert=expert)
    perform(review, "decline", actor=expert, reason="unavailable")
    rows = expert_rows(dashboard(client, expert))
    assert len(rows) == 4
    overdue, today, three, refused = rows  # open ones first, soonest due first
    assert late.get_absolute_url() in overdue and "2 days overdue" in overdue
    assert 'data-deadline="2026-05-13"' in overdue and "2026-05-13" in overdue
    assert evaluation_under_review.get_absolute_url() in today and "due today" in today
    assert "2026-05-15" in today and "Art. 21" in today
    assert soon.get_absolute_url() in three and "3 days left" in three and "2026-05-18" in three
    assert "Art. 10.3" in three
    assert declined.proposed_name in refused and 'data-state="declined"' in refused
    assert "href=" not in refused  # a declined expert would get a 404 on the subject


def test_expert_dashboard_queries_do_not_grow_with_assignments(
    client, make_application, evaluation_under_review, experts
):
    expert = experts[0]
    make_application("under_review")
    dashboard(client, expert)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        html = dashboard(client, expert)
    assert len(expert_rows(html)) == 2
    for _ in range(4):
        make_application("under_review")
    with CaptureQueriesContext(connection) as many:
        html = dashboard(client, expert)
    assert len(expert_rows(html)) == 6
    assert len(few) == len(many), "\n".join(q["sql"] for q in many.captured_queries)
