"""A report submitted after its due date (Art. 19) stays on record as late: the first submission's
time and its days after the due date (``AnnualReport.first_submitted_at``, ``submitted_late_days``,
``submitted_late``), kept when a returned report is submitted again, shown on the report page, the
list and the export, for the evaluation to read (Art. 21).

Submission times are set by patching ``timezone.now`` (Asia/Shanghai: the due day ends at local
midnight, not at UTC midnight).
"""

import importlib
from contextlib import contextmanager
from datetime import date, datetime, time
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_fsm_log.models import StateLog

from reports.models import AnnualReport
from sctic.workflow import perform
from tests.factories import CenterFactory
from tests.test_art19_reports import REASON, new_report

pytestmark = pytest.mark.django_db

S = AnnualReport.State
DUE = date(2026, 3, 31)
LOCAL = ZoneInfo(settings.TIME_ZONE)


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL)


@contextmanager
def now_is(when: datetime):
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


@pytest.fixture
def report(unit_a, chengdu):
    center = CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization)
    return new_report(center, due_date=DUE)


def submit(report, actor, when):
    with now_is(when):
        perform(report, "submit", actor=actor)
    report.refresh_from_db()
    return report


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- what is recorded -------------------------------------------------------------------------------


def test_art19_report_submitted_after_its_due_date_records_the_days_late(report, unit_a):
    submit(report, unit_a, local(date(2026, 4, 5)))
    assert report.first_submitted_at == local(date(2026, 4, 5))
    assert report.submitted_late_days == 5
    assert report.submitted_late is True
    assert not report.is_overdue()  # no longer overdue: it is submitted, and late on record


@pytest.mark.parametrize(
    ("when", "days"),
    [
        (local(date(2026, 3, 1)), 0),
        (local(DUE, 23, 30), 0),  # the due day itself, late in the evening in Chengdu (15:30 UTC)
        (local(date(2026, 4, 1), 0, 30), 1),  # half past midnight in Chengdu, still 31 March in UTC
    ],
)
def test_art19_report_submitted_by_its_due_day_in_local_time_is_in_time(report, unit_a, when, days):
    submit(report, unit_a, when)
    assert report.submitted_late_days == days
    assert report.submitted_late is bool(days)


def test_art19_draft_has_no_submission_on_record(report):
    assert report.first_submitted_at is None
    assert report.submitted_late_days is None
    assert report.submitted_late is False


def test_art19_resubmission_after_a_return_keeps_the_first_submissions_lateness(report, unit_a, chengdu):
    submit(report, unit_a, local(date(2026, 4, 5)))
    perform(report, "return_for_revision", actor=chengdu, comment=REASON)
    submit(report, unit_a, local(date(2026, 5, 20)))
    assert report.state == S.SUBMITTED
    assert report.submitted_at == local(date(2026, 5, 20))
    assert report.first_submitted_at == local(date(2026, 4, 5))
    assert report.submitted_late_days == 5


def test_art19_report_first_submitted_in_time_stays_in_time_when_resubmitted_late(report, unit_a, chengdu):
    submit(report, unit_a, local(date(2026, 3, 20)))
    perform(report, "return_for_revision", actor=chengdu, comment=REASON)
    submit(report, unit_a, local(date(2026, 4, 20)))
    assert (report.submitted_late_days, report.submitted_late) == (0, False)
    assert report.first_submitted_at == local(date(2026, 3, 20))


def test_art19_late_submissions_can_be_queried_for_the_evaluation(report, unit_a, chengdu):
    submit(report, unit_a, local(date(2026, 4, 5)))
    in_time = new_report(CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization))
    submit(in_time, unit_a, local(date(2026, 3, 5)))
    late = AnnualReport.objects.filter(submitted_late_days__gt=0)
    assert list(late.values_list("pk", "submitted_late_days")) == [(report.pk, 5)]


# --- where it is shown ------------------------------------------------------------------------------


def test_art19_report_page_shows_the_late_submission(report, unit_a, kjt, login):
    submit(report, unit_a, local(date(2026, 4, 5)))
    html = english(login(kjt)).get(report.get_absolute_url()).content.decode()
    assert 'data-submitted-late="5"' in html
    assert "submitted 5 days late" in html
    assert 'id="first-submitted"' in html and "2026-04-05 10:00" in html
    assert 'data-overdue="1"' not in html


def test_art19_report_list_shows_the_late_submission_badge(report, unit_a, chengdu, kjt, login):
    submit(report, unit_a, local(date(2026, 4, 1)))
    in_time = new_report(CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization))
    submit(in_time, unit_a, local(date(2026, 3, 1)))
    html = english(login(kjt)).get("/reports/").content.decode()
    assert html.count("data-submitted-late=") == 1
    assert 'data-submitted-late="1"' in html
    assert "submitted 1 day late" in html


def test_art19_report_submitted_in_time_shows_no_late_badge(report, unit_a, kjt, login):
    submit(report, unit_a, local(date(2026, 3, 30)))
    assert "data-submitted-late" not in login(kjt).get(report.get_absolute_url()).content.decode()
    assert "data-submitted-late" not in login(kjt).get("/reports/").content.decode()


# --- reports submitted before the fields existed -----------------------------------------------------


def test_art19_migration_takes_the_first_submission_from_the_transition_log(report, unit_a, chengdu):
    submit(report, unit_a, local(date(2026, 4, 5)))
    perform(report, "return_for_revision", actor=chengdu, comment=REASON)
    submit(report, unit_a, local(date(2026, 5, 20)))
    logs = StateLog.objects.filter(
        content_type=ContentType.objects.get_for_model(AnnualReport), object_id=report.pk, transition="submit"
    ).order_by("pk")
    first_log, second_log = logs
    StateLog.objects.filter(pk=first_log.pk).update(timestamp=local(date(2026, 4, 3)))
    StateLog.objects.filter(pk=second_log.pk).update(timestamp=local(date(2026, 5, 20)))
    never = new_report(CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization))
    AnnualReport.objects.update(first_submitted_at=None, submitted_late_days=None)

    migration = importlib.import_module("reports.migrations.0003_first_submission_lateness")
    migration.record_first_submissions(apps, None)

    report.refresh_from_db()
    never.refresh_from_db()
    assert (report.first_submitted_at, report.submitted_late_days) == (local(date(2026, 4, 3)), 3)
    assert (never.first_submitted_at, never.submitted_late_days) == (None, None)


def test_art19_migration_falls_back_on_the_last_submission_without_a_log(report):
    AnnualReport.objects.filter(pk=report.pk).update(state=S.SUBMITTED, submitted_at=local(date(2026, 4, 2)))
    importlib.import_module("reports.migrations.0003_first_submission_lateness").record_first_submissions(
        apps, None
    )
    report.refresh_from_db()
    assert (report.first_submitted_at, report.submitted_late_days) == (local(date(2026, 4, 2)), 2)


def test_timezone_is_the_local_one():
    """The tests above read days in Asia/Shanghai, as the portal does."""
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


def test_art19_report_figures_table_names_its_first_column_indicator(report, kjt, login):
    """The objective data (Art. 19) are listed by indicator (指标), not under “数值”."""
    html = login(kjt).get(report.get_absolute_url()).content.decode()
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert "<th>指标</th>" in head and "数值" not in head
