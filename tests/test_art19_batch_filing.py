"""Batch filing of annual reports (Art. 19): 科技厅 files (备案) the reports the supervisors
approved, many at once, from the list; a supervisor approves many at once.

A row offers a box only where the user may act (the same check as the report page's buttons,
``workflow.get_actions``, decided on the fields the list already loaded: the query count stays
constant); a select-all box in the header is shown by ``static/js/batch.js``; a batch ends with one
summary message: success when every ticked report was done, else a single warning that names the
others grouped by reason. Messages are read in English (cookie ``django_language=en``) so that the
test does not depend on the state of the catalogue.
"""

import re
from datetime import date

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from reports.demo import walk
from reports.models import AnnualReport
from reports.services import BATCH_NAMES_SHOWN
from tests.factories import CenterFactory
from tests.test_art19_reports import new_report

pytestmark = pytest.mark.django_db

S = AnnualReport.State
BOX = re.compile(r'<input[^>]*name="ids" value="(\d+)"[^>]*>')


@pytest.fixture(autouse=True)
def _one_page(settings):
    settings.SCTIC = {**settings.SCTIC, "PAGE_SIZE": 100}


@pytest.fixture
def reports_in(unit_a, chengdu, kjt):
    """``reports_in(*states)``: one complete 2025 report of a new unit_a center (supervised by
    chengdu) per state, walked through the workflow."""

    def make(*states):
        made = []
        for state in states:
            center = CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization)
            report = new_report(center, due_date=date(2099, 3, 31))
            walk(report, state, applicant=unit_a, supervisor=chengdu, department=kjt)
            made.append(report)
        return made

    return make


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def name(report) -> str:
    with translation.override("en"):
        return str(report)


def boxes(html: str) -> set[int]:
    return {int(pk) for pk in BOX.findall(html)}


def summary(response):
    """The one message the batch left, as (level, text)."""
    messages = list(get_messages(response.wsgi_request))
    assert len(messages) == 1, [str(m) for m in messages]
    return messages[0].level_tag, str(messages[0])


# --- boxes only where the user may act ---------------------------------------------------------------


def test_art19_department_gets_boxes_only_on_reports_it_may_file(reports_in, kjt, login):
    draft, submitted, returned, approved_1, approved_2, filed_1, filed_2 = reports_in(
        "draft", "submitted", "returned", "supervisor_approved", "supervisor_approved", "filed", "filed"
    )
    html = login(kjt).get("/reports/").content.decode()
    assert f'href="/reports/{filed_1.pk}/"' in html and f'href="/reports/{draft.pk}/"' in html  # listed
    assert boxes(html) == {approved_1.pk, approved_2.pk}
    assert set(re.findall(r'data-batch="([a-z_]+)"', html)) == {"file", "return_for_revision"}
    row = re.search(rf'<input[^>]*value="{approved_1.pk}"[^>]*>', html).group(0)
    assert set(re.search(r'data-actions="([a-z_ ]+)"', row).group(1).split()) == {
        "file",
        "return_for_revision",
    }


def test_art19_supervisor_gets_boxes_only_on_reports_awaiting_its_review(reports_in, chengdu, login):
    submitted, approved, filed, returned = reports_in("submitted", "supervisor_approved", "filed", "returned")
    html = login(chengdu).get("/reports/").content.decode()
    assert boxes(html) == {submitted.pk}
    assert set(re.findall(r'data-batch="([a-z_]+)"', html)) == {"supervisor_approve"}


def test_art19_another_supervisor_gets_no_box_on_a_report_it_sees_nothing_of(reports_in, mianyang, login):
    reports_in("submitted", "supervisor_approved")
    html = login(mianyang).get("/reports/").content.decode()
    assert boxes(html) == set()


@pytest.mark.parametrize("who", ["kjt", "chengdu"])
def test_art19_a_page_without_anything_to_act_on_has_no_boxes_buttons_or_script(
    request, reports_in, login, who
):
    reports_in("filed", "filed", "draft")
    html = login(request.getfixturevalue(who)).get("/reports/").content.decode()
    assert boxes(html) == set()
    assert "data-batch=" not in html
    assert "data-batch-all" not in html
    assert "js/batch.js" not in html


def test_art19_center_gets_no_boxes(reports_in, unit_a, login):
    reports_in("draft", "returned", "submitted")
    html = login(unit_a).get("/reports/").content.decode()
    assert boxes(html) == set()
    assert "data-batch-all" not in html


def test_art19_select_all_box_is_there_hidden_until_the_script_shows_it(reports_in, kjt, login):
    reports_in("supervisor_approved", "filed")
    html = login(kjt).get("/reports/").content.decode()
    select_all = re.search(r"<input[^>]*data-batch-all[^>]*>", html).group(0)
    assert 'id="batch-select-all"' in select_all
    assert " hidden" in select_all  # without JavaScript there is nothing to press
    assert re.search(r'<script src="/static/js/batch\.js', html)


def test_art19_batch_boxes_cost_no_query_per_row(reports_in, kjt, client):
    client.force_login(kjt)
    reports_in("supervisor_approved", "submitted", "filed")
    client.get("/reports/")  # warm the caches

    def measured():
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/reports/").content.decode()
        return len(ctx.captured_queries), html

    few, few_html = measured()
    reports_in(*["supervisor_approved", "submitted", "filed"] * 6)
    many, many_html = measured()
    assert len(boxes(many_html)) == 7 > len(boxes(few_html)) == 1
    assert few == many


# --- one summary message ----------------------------------------------------------------------------


def test_art19_batch_that_files_every_ticked_report_says_so_in_one_success(reports_in, kjt, login):
    reports = reports_in("supervisor_approved", "supervisor_approved", "supervisor_approved")
    response = english(login(kjt)).post("/reports/batch/file/", {"ids": [r.pk for r in reports]})
    assert summary(response) == ("success", "3 reports filed.")
    assert set(AnnualReport.objects.values_list("state", flat=True)) == {S.FILED}


def test_art19_batch_with_problems_is_one_warning_with_the_reasons_grouped(reports_in, kjt, login):
    approved = reports_in("supervisor_approved", "supervisor_approved", "supervisor_approved")
    filed = reports_in("filed", "filed")
    submitted = reports_in("submitted")
    client = english(login(kjt))
    response = client.post("/reports/batch/file/", {"ids": [r.pk for r in approved + filed + submitted]})

    level, text = summary(response)
    assert level == "warning"
    assert text.startswith("3 reports filed; 3 not done: ")
    # the two filed reports share one reason, named once, with both reports
    filed_reason = "“File (备案)” is not possible while this annual report is “Filed”"
    assert text.count(filed_reason) == 1
    names = re.search(re.escape(filed_reason) + r" \(([^)]*)\)", text).group(1)
    assert names == f"{name(filed[0])}, {name(filed[1])}"
    assert text.count("“Submitted to supervisor”") == 1
    assert name(submitted[0]) in text
    for report in approved:
        assert name(report) not in text
    # the page shows it as one yellow banner, not one red banner per report
    html = client.get(response["Location"]).content.decode()
    assert html.count('class="alert ') == 1
    assert "alert-warning" in html and "alert-danger" not in html


def test_art19_batch_that_does_nothing_is_one_warning_without_a_zero(reports_in, kjt, login):
    filed = reports_in("filed", "filed")
    response = english(login(kjt)).post("/reports/batch/file/", {"ids": [r.pk for r in filed]})
    level, text = summary(response)
    assert level == "warning"
    assert text.startswith("2 not done: ")
    assert "0 reports" not in text


def test_art19_batch_summary_names_a_few_reports_per_reason_and_counts_the_rest(reports_in, kjt, login):
    filed = reports_in(*["filed"] * (BATCH_NAMES_SHOWN + 2))
    response = english(login(kjt)).post("/reports/batch/file/", {"ids": [r.pk for r in filed]})
    _level, text = summary(response)
    assert sum(name(r) in text for r in filed) == BATCH_NAMES_SHOWN
    assert "and 2 more" in text


def test_art19_batch_return_without_reason_is_one_warning(reports_in, kjt, login):
    reports = reports_in("supervisor_approved", "supervisor_approved")
    response = english(login(kjt)).post(
        "/reports/batch/return_for_revision/", {"ids": [r.pk for r in reports]}
    )
    level, text = summary(response)
    assert level == "warning"
    assert text.startswith("2 not done: Please give a reason")
    assert text.count("Please give a reason") == 1


def test_art19_supervisor_batch_approval_summary(reports_in, chengdu, login):
    reports = reports_in("submitted", "submitted")
    response = english(login(chengdu)).post(
        "/reports/batch/supervisor_approve/", {"ids": [r.pk for r in reports]}
    )
    assert summary(response) == ("success", "2 reports approved.")
