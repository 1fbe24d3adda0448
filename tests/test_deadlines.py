"""Every task with a deadline shows it, with the days left or overdue (in red and in words), on its
form and on the dashboard's "awaiting me" list: the annual report (its due date, Art. 19), the
evaluation's self-assessment (the round's materials deadline, Art. 21), the expert's scores (the
round's scoring deadline) and the rectification (one year, Art. 23). One shared piece draws it
(``{% deadline %}``, templates/includes/deadline.html); the dashboards' query counts stay constant.

The clock is fixed at TODAY (2026-06-01): the round's self-assessments are due 2026-06-15 (14 days
left), the scores 2026-06-30 (29 days left).
"""

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from evaluations.models import Evaluation, Grade
from reports.demo import NARRATIVE
from reports.models import AnnualReport
from sctic.workflow import perform
from tests.test_art22_evaluation import (
    CENTER_NAME,
    INDEX,
    MATERIALS_DUE,
    SCORE_FOR,
    SCORES_DUE,
    advance,
    file_reports,
    make_center,
    open_round,
)
from tests.test_evaluation_pages import many  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)
S = Evaluation.State


@pytest.fixture
def center(unit_a, chengdu, kjt):
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    return center


@pytest.fixture
def evaluation(center, kjt):
    return open_round(kjt).evaluations.get(center=center)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """``timezone.localdate()`` is TODAY until ``clock.set(day)``."""
    real = timezone.localdate
    now = {"day": TODAY}

    def localdate(value=None, tz=None):
        return now["day"] if value is None else real(value, tz)

    monkeypatch.setattr(timezone, "localdate", localdate)
    return SimpleNamespace(set=lambda day: now.update(day=day))


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch):
    from sctic.demo import minimal_pdf

    monkeypatch.setattr("notices.rendering.render_pdf", lambda notice, letterhead: minimal_pdf())


def deadline_of(html: str) -> str:
    """The text of the first deadline drawn in ``html`` (tags stripped), with its attributes."""
    match = re.search(r'(<span class="deadline[^"]*"[^>]*>)(.*?)</span>', html, re.S)
    assert match, "no deadline shown"
    return match.group(1) + " " + re.sub(r"\s+", " ", match.group(2)).strip()


def render_deadline(due) -> str:
    with translation.override("en"):
        return Template("{% load portal %}{% deadline due %}").render(Context({"due": due})).strip()


# --- the shared piece --------------------------------------------------------------------------------


def test_deadline_shows_the_date_and_the_days_left():
    html = render_deadline(TODAY + timedelta(days=19))
    assert "Deadline 2026-06-20 · 19 days left" in html
    assert "text-danger" not in html


def test_deadline_overdue_is_red_and_said_in_words():
    html = render_deadline(TODAY - timedelta(days=3))
    assert "3 days overdue" in html and "text-danger" in html
    assert 'data-days-overdue="3"' in html


def test_deadline_one_day_and_today():
    assert "1 day left" in render_deadline(TODAY + timedelta(days=1))
    assert "1 day overdue" in render_deadline(TODAY - timedelta(days=1))
    assert "due today" in render_deadline(TODAY)


def test_deadline_without_a_date_shows_nothing():
    assert render_deadline(None) == ""
    assert render_deadline("") == ""


def test_deadline_in_chinese():
    with translation.override("zh-hans"):
        html = Template("{% load portal %}{% deadline due %}").render(
            Context({"due": TODAY + timedelta(days=19)})
        )
    assert "2026-06-20" in html and "19" in html


# --- on the forms ---------------------------------------------------------------------------------


def test_art21_self_assessment_form_shows_the_materials_deadline(evaluation, unit_a, client, clock):
    client.force_login(unit_a)
    html = client.get(evaluation.get_absolute_url()).content.decode()
    form = html[html.index("Self-assessment (Art. 21)") :]
    assert "Deadline 2026-06-15 · 14 days left" in deadline_of(form)
    clock.set(MATERIALS_DUE + timedelta(days=3))
    html = client.get(evaluation.get_absolute_url()).content.decode()
    shown = deadline_of(html[html.index("Self-assessment (Art. 21)") :])
    assert "3 days overdue" in shown and "text-danger" in shown


def test_art21_scoring_form_shows_the_scoring_deadline(evaluation, unit_a, kjt, experts, client, clock):
    advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
    client.force_login(experts[0])
    html = client.get(evaluation.get_absolute_url()).content.decode()
    scoring = html[html.index('id="scoring"') :]
    assert "Deadline 2026-06-30 · 29 days left" in deadline_of(scoring)
    clock.set(SCORES_DUE + timedelta(days=2))
    html = client.get(evaluation.get_absolute_url()).content.decode()
    assert "2 days overdue" in deadline_of(html[html.index('id="scoring"') :])
    # the form drawn again with its errors keeps the deadline
    response = client.post(f"{evaluation.get_absolute_url()}score/", {"no_conflict_declared": "on"})
    assert response.status_code == 400
    assert "2 days overdue" in deadline_of(response.content.decode())


def test_art23_rectification_form_shows_the_rectification_deadline(evaluation, unit_a, kjt, experts, client):
    advance(
        evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=SCORE_FOR[Grade.FAIL]
    )
    perform(evaluation, "grade", actor=kjt, grade=Grade.FAIL)
    assert evaluation.state == S.RECTIFYING
    client.force_login(unit_a)
    html = client.get(evaluation.get_absolute_url()).content.decode()
    form = html[html.index("Rectification (Art. 23)") :]
    days = (evaluation.rectification_deadline - TODAY).days
    assert f"Deadline {evaluation.rectification_deadline:%Y-%m-%d} · {days} days left" in deadline_of(form)


def test_art19_annual_report_form_shows_the_due_date(center, unit_a, client, clock):
    report = AnnualReport.objects.create(center=center, year=2026, due_date=date(2027, 3, 31), **NARRATIVE)
    client.force_login(unit_a)
    html = client.get(f"{report.get_absolute_url()}edit/").content.decode()
    days = (date(2027, 3, 31) - TODAY).days
    assert f"Deadline 2027-03-31 · {days} days left" in deadline_of(html)
    clock.set(date(2027, 4, 5))
    html = client.get(f"{report.get_absolute_url()}edit/").content.decode()
    assert "5 days overdue" in deadline_of(html)


# --- on "awaiting me" -------------------------------------------------------------------------------


def awaiting_item(html: str, url: str) -> str:
    block = re.search(r'aria-labelledby="awaiting-title">(.*?)</section>', html, re.S).group(1)
    item = next((li for li in block.split("<li") if f'href="{url}"' in li), None)
    assert item, f"{url} is not awaiting"
    return item


def test_awaiting_shows_the_self_assessment_and_report_deadlines(center, evaluation, unit_a, client, clock):
    report = AnnualReport.objects.create(center=center, year=2026, due_date=date(2026, 5, 29), **NARRATIVE)
    client.force_login(unit_a)
    html = client.get("/").content.decode()
    assert "14 days left" in deadline_of(awaiting_item(html, evaluation.get_absolute_url()))
    overdue = deadline_of(awaiting_item(html, report.get_absolute_url()))
    assert "Deadline 2026-05-29 · 3 days overdue" in overdue and "text-danger" in overdue


def test_awaiting_shows_the_experts_scoring_deadline(evaluation, unit_a, kjt, experts, client, clock):
    advance(evaluation, "under_review", applicant=unit_a, department=kjt, experts=experts)
    clock.set(SCORES_DUE + timedelta(days=1))
    client.force_login(experts[0])
    html = client.get("/").content.decode()
    assert "Deadline 2026-06-30 · 1 day overdue" in deadline_of(
        awaiting_item(html, evaluation.get_absolute_url())
    )


def test_awaiting_shows_the_rectification_deadline(evaluation, unit_a, kjt, experts, client):
    advance(
        evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=SCORE_FOR[Grade.FAIL]
    )
    perform(evaluation, "grade", actor=kjt, grade=Grade.FAIL)
    client.force_login(unit_a)
    html = client.get("/").content.decode()
    shown = deadline_of(awaiting_item(html, evaluation.get_absolute_url()))
    assert f"Deadline {evaluation.rectification_deadline:%Y-%m-%d}" in shown


def test_awaiting_reviewers_tasks_carry_no_deadline_of_the_center(center, chengdu, client):
    """The supervisor reviews a submitted report: the center's due date is not the supervisor's."""
    report = AnnualReport.objects.create(
        center=center, year=2026, due_date=date(2026, 5, 29), state=AnnualReport.State.SUBMITTED, **NARRATIVE
    )
    client.force_login(chengdu)
    item = awaiting_item(client.get("/").content.decode(), report.get_absolute_url())
    assert 'class="deadline' not in item


# --- query counts -----------------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response.content.decode()


@pytest.mark.parametrize("who", ["kjt", "unit_a", "chengdu", "expert"])
def test_dashboard_queries_with_deadlines_do_not_grow(request, client, many, who):  # noqa: F811
    user = request.getfixturevalue("experts")[0] if who == "expert" else request.getfixturevalue(who)
    client.force_login(user)
    many(5)
    client.get("/")  # warm caches
    few, few_sql, few_html = count_queries(client, "/")
    many(45)
    more, more_sql, more_html = count_queries(client, "/")
    if few != more:
        print("\n".join(few_sql), "\n---\n", "\n".join(more_sql))
    assert few == more, f"{few} queries with 5 evaluations, {more} with 50"
    if who == "expert":  # more evaluations to score, each with its deadline
        assert more_html.count('class="deadline') > few_html.count('class="deadline') > 0
    if who == "unit_a":  # its centers' self-assessments
        assert few_html.count('class="deadline') > 0
