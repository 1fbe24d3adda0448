"""Date rules at their boundaries: year ends, 29 February, the day itself, and local time.

The portal's day is the Asia/Shanghai day (UTC+8): 23:30 on 31 December in Chengdu is 15:30 UTC
the same day, and 00:30 on 1 January is still 31 December in UTC. Every date rule reads the local
day. (Art. 11.5 cycles over leap days are in tests/test_art11_5_leap_day_cycles.py.)

- Art. 19: an annual report submitted by the end of its due day in local time is in time; the
  reporting of a year is due after that year; a report waiting on its reviewer waits from the local
  day it was submitted.
- Art. 23: the one-year rectification ends on the same date a year after the local day of
  grading (28 February for 29 February); its reminders 30, 7 and 1 days before fall across a year
  end as on any other day.
- ``{% deadline %}``: the day itself is "due today", the day after one day overdue, in local time.
"""

import calendar
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation
from django_fsm_log.models import StateLog
from hypothesis import given
from hypothesis import strategies as st

from centers.models import add_years
from evaluations.models import Evaluation, Grade
from evaluations.reminders import evaluation_reminders
from notifications import sweeps
from notifications.models import Message, Reminder
from notifications.services import Text
from reports import reminders
from reports import services as report_services
from reports.demo import walk
from reports.reminders import report_reminders
from sctic.demo import minimal_pdf
from sctic.templatetags.portal import deadline
from sctic.workflow import perform
from tests.factories import CenterFactory
from tests.test_art19_reports import new_report
from tests.test_art22_evaluation import advance, expert_only_rules, make_center, open_round

LOCAL = ZoneInfo(settings.TIME_ZONE)
UTC = ZoneInfo("UTC")


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL)


@contextmanager
def now_is(when: datetime):
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def reminder_keys(prefix: str) -> set[str]:
    return {
        k.removeprefix(prefix)
        for k in Reminder.objects.filter(key__startswith=prefix).values_list("key", flat=True)
    }


# Year ends and leap days are where a calendar rule goes wrong: draw them often.
DAYS = st.dates(min_value=date(1904, 1, 1), max_value=date(2396, 12, 31))
BOUNDARIES = st.one_of(
    st.builds(date, st.integers(1904, 2396).filter(calendar.isleap), st.just(2), st.just(29)),
    st.builds(date, st.integers(1904, 2396), st.sampled_from([1, 12]), st.sampled_from([1, 31])),
    st.builds(date, st.integers(1904, 2396), st.sampled_from([2, 3]), st.sampled_from([1, 28])),
)
ANY_DAY = st.one_of(DAYS, BOUNDARIES)


# --- Art. 19 annual reports ----------------------------------------------------------------------


@pytest.fixture
def center(db, unit_a, chengdu):
    return CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("when", "days_late"),
    [
        (local(date(2026, 12, 31), 23, 30), 0),  # 15:30 UTC on 31 December
        (local(date(2026, 12, 31), 23, 59), 0),
        (local(date(2027, 1, 1), 0, 0), 1),  # local midnight: 16:00 UTC, still 31 December in UTC
        (local(date(2027, 1, 1), 7, 59), 1),
    ],
)
def test_art19_report_due_on_31_december_submitted_by_local_midnight_is_in_time(
    center, unit_a, when, days_late
):
    report = new_report(center, year=2026, due_date=date(2026, 12, 31))
    with now_is(when.astimezone(UTC)):
        perform(report, "submit", actor=unit_a)
    report.refresh_from_db()
    assert report.submitted_late_days == days_late


@pytest.mark.django_db
def test_art19_report_is_overdue_from_the_day_after_its_due_date_across_the_year_end(center):
    report = new_report(center, year=2026, due_date=date(2026, 12, 31))
    assert not report.is_overdue(date(2026, 12, 30))
    assert not report.is_overdue(date(2026, 12, 31))  # the day itself
    assert report.is_overdue(date(2027, 1, 1))


@pytest.mark.django_db
@pytest.mark.parametrize(("due", "ok"), [(date(2026, 12, 31), False), (date(2027, 1, 1), True)])
def test_art19_reporting_of_a_year_is_due_after_its_last_day(kjt, due, ok):
    if ok:
        season, _created = report_services.season_open(year=2026, due_date=due, actor=kjt)
        assert season.due_date == due
    else:
        with translation.override("en"), pytest.raises(ValidationError) as exc:
            report_services.season_open(year=2026, due_date=due, actor=kjt)
        assert exc.value.message_dict == {"due_date": [str(report_services.MESSAGE_DUE_BEFORE_YEAR_END)]}


@pytest.mark.django_db
def test_art19_report_submitted_after_local_midnight_waits_from_that_local_day(
    settings, center, unit_a, chengdu, kjt
):
    """Submitted at 00:30 on 1 January in Chengdu (16:30 UTC on 31 December): with 14 days of
    review, the supervisor is reminded on 15 January, not on 14 January."""
    assert settings.SCTIC["REVIEW_REMINDER_DAYS"] == 14
    report = new_report(center, year=2026, due_date=date(2027, 3, 31))
    walk(report, "submitted", applicant=unit_a, supervisor=chengdu, department=kjt)
    submitted = local(date(2027, 1, 1), 0, 30)
    StateLog.objects.for_(report).filter(state="submitted").update(timestamp=submitted.astimezone(UTC))
    prefix = f"report:{report.pk}:"

    report_reminders(date(2027, 1, 14))
    assert reminder_keys(prefix) == set()
    report_reminders(date(2027, 1, 15))
    assert reminder_keys(prefix) == {"waiting:submitted:2027-01-01"}


@pytest.mark.django_db
def test_art19_due_reminders_fall_across_the_year_end(center):
    """A report due on 5 January: reminded on 6 December (30 days), 29 December (7) and 4 January
    (1); the due day itself sends nothing new; the day after it is overdue."""
    report = new_report(center, year=2026, due_date=date(2027, 1, 5))
    prefix = f"report:{report.pk}:"
    expected = set()
    for day, key in [
        (date(2026, 12, 5), None),
        (date(2026, 12, 6), "due-30"),
        (date(2026, 12, 28), None),
        (date(2026, 12, 29), "due-7"),
        (date(2026, 12, 31), None),
        (date(2027, 1, 1), None),
        (date(2027, 1, 4), "due-1"),
        (date(2027, 1, 5), None),
        (date(2027, 1, 6), "overdue"),
    ]:
        report_reminders(day)
        if key:
            expected |= {key} if key != "overdue" else {"overdue", "overdue-escalated"}
        assert reminder_keys(prefix) == expected, day


@pytest.mark.django_db
def test_art19_first_reminder_on_the_due_day_itself_says_today_not_in_0_days(center, unit_a):
    report = new_report(center, year=2026, due_date=date(2026, 12, 31))
    report_reminders(date(2026, 12, 31))
    subjects = set(Message.objects.filter(recipient=unit_a).values_list("subject", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        today = Text(reminders.SUBJECT_DUE_TODAY, center=report.center)()
        in_0_days = Text(reminders.SUBJECT_DUE_IN, days=0, center=report.center)()
    assert subjects == {today}
    assert today != in_0_days
    assert reminder_keys(f"report:{report.pk}:") == {"due-1"}


@given(due=ANY_DAY)
def test_art19_art23_each_n_days_before_reminder_falls_on_its_day_across_year_ends_and_leap_days(due):
    """Swept every day from 40 days before a deadline to the day after, the 30-, 7- and 1-day
    reminders each fall due exactly once, on the day N calendar days before the deadline."""
    sent = {}
    day = due - timedelta(days=40)
    while day <= due + timedelta(days=1):
        step = sweeps.step_before((due - day).days)
        if step is not None:
            sent.setdefault(step, day)
        day += timedelta(days=1)
    assert sent == {n: due - timedelta(days=n) for n in sweeps.REMIND_BEFORE}


@pytest.mark.parametrize(
    ("days_left", "step"), [(-1, None), (0, 1), (1, 1), (2, 7), (7, 7), (8, 30), (30, 30), (31, None)]
)
def test_art19_reminder_steps_at_each_edge(days_left, step):
    assert sweeps.step_before(days_left) == step


# --- Art. 23 rectification -----------------------------------------------------------------------


@given(day=ANY_DAY)
def test_art23_one_year_rectification_ends_on_the_same_date_a_year_later(day):
    end = add_years(day, 1)
    assert (end.year, end.month) == (day.year + 1, day.month)
    if (day.month, day.day) == (2, 29) and not calendar.isleap(day.year + 1):
        assert end.day == 28
    else:
        assert end.day == day.day
    assert 365 <= (end - day).days <= 366


@pytest.fixture
def failing_evaluation(db, monkeypatch, unit_a, chengdu, kjt, experts):
    """unit_a's center scored 10 by every expert (proposed fail), ready to be graded."""
    monkeypatch.setattr("notices.rendering.render_pdf", lambda notice, letterhead: minimal_pdf())
    center = make_center(unit_a.organization, chengdu.organization)
    with now_is(local(date(2026, 5, 15)).astimezone(UTC)):
        evaluation = open_round(kjt, rule_set=expert_only_rules()).evaluations.get(center=center)
        return advance(evaluation, "scored", applicant=unit_a, department=kjt, experts=experts, score=10)


@pytest.mark.parametrize(
    ("graded_at", "deadline_day"),
    [
        (local(date(2028, 2, 29)), date(2029, 2, 28)),
        (local(date(2028, 2, 28)), date(2029, 2, 28)),
        (local(date(2028, 3, 1)), date(2029, 3, 1)),
        (local(date(2026, 12, 31), 23, 30), date(2027, 12, 31)),  # 15:30 UTC on 31 December
        (local(date(2027, 1, 1), 0, 30), date(2028, 1, 1)),  # still 31 December in UTC
        (local(date(2027, 2, 28)), date(2028, 2, 28)),
    ],
)
def test_art23_fail_starts_one_year_rectification_from_the_local_day_of_grading(
    failing_evaluation, kjt, graded_at, deadline_day
):
    with now_is(graded_at.astimezone(UTC)):
        graded = perform(failing_evaluation, "grade", actor=kjt, grade=Grade.FAIL, comment="")
    assert graded.state == Evaluation.State.RECTIFYING
    assert graded.rectification_deadline == deadline_day


def test_art23_rectification_reminders_fall_across_the_year_end(failing_evaluation, kjt):
    with now_is(local(date(2026, 1, 5)).astimezone(UTC)):
        evaluation = perform(failing_evaluation, "grade", actor=kjt, grade=Grade.FAIL, comment="")
    assert evaluation.rectification_deadline == date(2027, 1, 5)
    prefix = f"evaluation:{evaluation.pk}:rectification-"
    expected = set()
    for day, key in [
        (date(2026, 12, 5), None),
        (date(2026, 12, 6), "30"),
        (date(2026, 12, 29), "7"),
        (date(2027, 1, 1), None),
        (date(2027, 1, 4), "1"),
        (date(2027, 1, 5), None),  # the last day of the rectification is not yet overdue
        (date(2027, 1, 6), "overdue"),
    ]:
        evaluation_reminders(day)
        if key:
            expected.add(key)
        assert reminder_keys(prefix) == expected, day


# --- {% deadline %} ------------------------------------------------------------------------------


def render_deadline(due) -> str:
    with translation.override("en"):
        return Template("{% load portal %}{% deadline due %}").render(Context({"due": due}))


def test_deadline_on_the_day_itself_is_due_today_and_the_day_after_one_day_overdue():
    day = date(2026, 12, 31)
    assert deadline(day, today=day) == {"due": day, "days_left": 0, "days_overdue": 0}
    assert deadline(day, today=date(2027, 1, 1)) == {"due": day, "days_left": 0, "days_overdue": 1}
    assert deadline(day, today=date(2026, 12, 30)) == {"due": day, "days_left": 1, "days_overdue": 0}


@pytest.mark.parametrize(
    ("now", "text"),
    [
        (local(date(2026, 12, 31), 23, 30), "due today"),  # 15:30 UTC
        (local(date(2027, 1, 1), 0, 30), "1 day overdue"),  # 16:30 UTC, 31 December in UTC
        (local(date(2026, 12, 30), 23, 30), "1 day left"),
    ],
)
def test_deadline_counts_the_days_in_local_time_at_the_year_end(now, text):
    with now_is(now.astimezone(UTC)):
        rendered = render_deadline(date(2026, 12, 31))
    assert "Deadline 2026-12-31" in rendered
    assert text in rendered


def test_deadline_of_a_moment_is_its_local_day():
    """A deadline given as a moment (15:30 UTC on 31 December = 23:30 in Chengdu) is 31 December;
    16:30 UTC is 1 January."""
    with now_is(local(date(2027, 1, 1), 12).astimezone(UTC)):
        assert deadline(datetime(2026, 12, 31, 15, 30, tzinfo=UTC))["due"] == date(2026, 12, 31)
        assert deadline(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))["due"] == date(2027, 1, 1)
        assert deadline(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))["days_left"] == 0
