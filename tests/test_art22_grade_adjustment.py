"""Art. 22: the department has the final word on a grade, but a grade that differs from the one the
scores and the round's thresholds propose needs a reason, checked by the workflow itself (not only
by the form), and it shows as such wherever the grade shows: on the evaluation page, the round's
score table and the Excel export, with the proposal, who confirmed the grade and why. Also the
round page's results notice button (Art. 22, 23), disabled with its reason while a center is
undecided, and the heading of the objective-data table (indicators, not values).

unit_a's center scores 60 from every expert, which proposes good (total ≥ 75) under the default rules.
"""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import load_workbook

from evaluations import services
from evaluations.models import Evaluation, Grade
from exports.models import Export
from sctic.workflow import perform
from tests.test_art22_evaluation import (
    CENTER_NAME,
    INDEX,
    REASON,
    SCORE_FOR,
    advance,
    file_reports,
    make_center,
    open_round,
)

pytestmark = pytest.mark.django_db

S = Evaluation.State


@pytest.fixture
def center(unit_a, chengdu, kjt):
    center = make_center(unit_a.organization, chengdu.organization, name=CENTER_NAME)
    file_reports(center, applicant=unit_a, supervisor=chengdu, department=kjt, index=INDEX)
    return center


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch):
    from sctic.demo import minimal_pdf

    monkeypatch.setattr("notices.rendering.render_pdf", lambda notice, letterhead: minimal_pdf())


@pytest.fixture
def scored(center, unit_a, kjt, experts):
    """unit_a's evaluation, every expert's scores in; the scores propose good."""
    evaluation = open_round(kjt).evaluations.get(center=center)
    advance(
        evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=SCORE_FOR[Grade.GOOD]
    )
    assert evaluation.proposed_grade == Grade.GOOD
    return evaluation


def reloaded(evaluation) -> Evaluation:
    return Evaluation.objects.select_related("graded_by").get(pk=evaluation.pk)


# --- the rule, in the workflow ------------------------------------------------------------------------


def test_art22_another_grade_needs_a_reason_even_when_no_proposal_was_stored(scored, kjt):
    """The proposal is the scores' and the thresholds', computed when grading, not a stored field
    that may be empty."""
    Evaluation.objects.filter(pk=scored.pk).update(proposed_grade="")
    scored.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        perform(scored, "grade", actor=kjt, grade=Grade.PASS)
    assert "comment" in caught.value.message_dict
    assert reloaded(scored).state == S.UNDER_REVIEW
    perform(scored, "grade", actor=kjt, grade=Grade.PASS, comment=REASON)
    evaluation = reloaded(scored)
    assert (evaluation.grade, evaluation.proposed_grade) == (Grade.PASS, Grade.GOOD)
    assert evaluation.grade_adjusted


def test_art22_a_stale_stored_proposal_does_not_excuse_another_grade(scored, kjt):
    """The stored proposal says pass, the scores say good: pass without a reason is refused, good
    (what the scores propose) needs none."""
    Evaluation.objects.filter(pk=scored.pk).update(proposed_grade=Grade.PASS)
    scored.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        perform(scored, "grade", actor=kjt, grade=Grade.PASS)
    assert caught.value.message_dict["comment"] == [
        str(services.MESSAGE_REASON_FOR_OTHER_GRADE % {"proposed": Grade.GOOD.label})
    ]
    perform(scored, "grade", actor=kjt, grade=Grade.GOOD)
    evaluation = reloaded(scored)
    assert (evaluation.state, evaluation.grade, evaluation.proposed_grade) == (
        S.GRADED,
        Grade.GOOD,
        Grade.GOOD,
    )
    assert not evaluation.grade_adjusted


def test_art22_grading_records_the_proposal_who_confirmed_and_why(scored, kjt):
    perform(scored, "grade", actor=kjt, grade=Grade.EXCELLENT, comment=REASON)
    evaluation = reloaded(scored)
    assert (evaluation.proposed_grade, evaluation.grade) == (Grade.GOOD, Grade.EXCELLENT)
    assert (evaluation.graded_by, evaluation.grade_reason) == (kjt, REASON)
    assert evaluation.total_score == services.evaluation_total(evaluation)


def test_art22_confirming_the_proposal_records_who_confirmed(scored, kjt):
    perform(scored, "grade", actor=kjt, grade=Grade.GOOD)
    evaluation = reloaded(scored)
    assert (evaluation.graded_by, evaluation.grade_reason, evaluation.grade_adjusted) == (kjt, "", False)


# --- shown where the grade is shown ---------------------------------------------------------------


def grade_cell(html, evaluation) -> str:
    row = re.search(rf'<tr data-evaluation="{evaluation.pk}">(.*?)</tr>', html, re.S).group(1)
    return row[row.index('data-grade="') :]


@pytest.mark.parametrize("who", ["kjt", "unit_a", "chengdu"])
def test_art22_evaluation_page_shows_proposed_and_confirmed_grade_with_who_and_why(
    request, scored, kjt, client, who
):
    perform(scored, "grade", actor=kjt, grade=Grade.EXCELLENT, comment=REASON)
    client.force_login(request.getfixturevalue(who))
    client.cookies["django_language"] = "en"
    html = client.get(scored.get_absolute_url()).content.decode()
    record = html[html.index("data-grade-record") :]
    record = record[: record.index("</section>")]
    assert 'data-proposed-grade="good"' in record
    assert 'data-confirmed-grade="excellent"' in record
    assert "adjusted by the department" in record
    assert str(kjt) in record and REASON in record


def test_art22_round_table_shows_the_adjustment_with_who_and_why(scored, kjt, client):
    perform(scored, "grade", actor=kjt, grade=Grade.PASS, comment=REASON)
    client.force_login(kjt)
    client.cookies["django_language"] = "en"
    cell = grade_cell(client.get(scored.round.get_absolute_url()).content.decode(), scored)
    assert 'data-grade="pass" data-adjusted-from="good"' in cell
    assert "proposed: Good" in cell and "adjusted by the department" in cell
    assert str(kjt) in cell and REASON in cell


def test_art22_round_table_shows_a_confirmed_proposal_without_adjustment(scored, kjt, client):
    perform(scored, "grade", actor=kjt, grade=Grade.GOOD)
    client.force_login(kjt)
    client.cookies["django_language"] = "en"
    cell = grade_cell(client.get(scored.round.get_absolute_url()).content.decode(), scored)
    assert "data-adjusted-from" not in cell and "adjusted by the department" not in cell
    assert f"confirmed by {kjt}" in cell


def export_sheet(client, user, evaluation_round, capture) -> list[dict]:
    client.force_login(user)
    with translation.override("en"), capture(execute=True):
        client.post(f"{evaluation_round.get_absolute_url()}export/")
    export = Export.objects.filter(user=user).latest("pk")
    content = b"".join(client.get(f"/exports/{export.pk}/download/").streaming_content)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize("who", ["kjt", "unit_a"])
def test_art22_export_shows_proposed_and_confirmed_grade_with_who_and_why(
    request, scored, kjt, client, django_capture_on_commit_callbacks, who
):
    perform(scored, "grade", actor=kjt, grade=Grade.PASS, comment=REASON)
    [row] = export_sheet(
        client, request.getfixturevalue(who), scored.round, django_capture_on_commit_callbacks
    )
    assert (row["Proposed grade"], row["Grade"]) == ("Good", "Pass")
    assert row["Adjusted from the proposal"] == "Yes"
    assert (row["Confirmed by"], row["Reason for the grade"]) == (str(kjt), REASON)


# --- the round's results notice (Art. 22, 23) -----------------------------------------------------


def results_button(html) -> str:
    return re.search(r'<button[^>]*data-action="results-notice"[^>]*>', html).group(0)


def test_art22_results_notice_button_is_disabled_with_the_reason_while_a_center_is_undecided(
    scored, kjt, client
):
    client.force_login(kjt)
    client.cookies["django_language"] = "en"
    html = client.get(scored.round.get_absolute_url()).content.decode()
    assert "disabled" in results_button(html)
    reason = html[html.index('id="blocked-results-notice"') :]
    with translation.override("en"):
        assert str(services.MESSAGE_RESULTS_PENDING) in reason[: reason.index("</div>")]
    perform(scored, "grade", actor=kjt, grade=Grade.GOOD)
    html = client.get(scored.round.get_absolute_url()).content.decode()
    assert "disabled" not in results_button(html) and 'type="submit"' in results_button(html)
    assert 'id="blocked-results-notice"' not in html


def test_art22_results_notice_button_says_when_the_notice_exists(scored, kjt, client):
    perform(scored, "grade", actor=kjt, grade=Grade.GOOD)
    services.results_notice(scored.round, actor=kjt, hold=True)
    client.force_login(kjt)
    client.cookies["django_language"] = "en"
    html = client.get(scored.round.get_absolute_url()).content.decode()
    assert "disabled" in results_button(html)
    with translation.override("en"):
        assert str(services.MESSAGE_RESULTS_ISSUED) in html


# --- headings -------------------------------------------------------------------------------------


def test_art21_objective_data_table_heads_the_indicator_column_indicator(scored, unit_a, client):
    client.force_login(unit_a)
    client.cookies["django_language"] = "en"
    html = client.get(scored.get_absolute_url()).content.decode()
    table = html[html.index('class="table table-sm mb-0 figures"') :]
    assert re.search(r"<thead><tr><th>Indicator</th>", table)
