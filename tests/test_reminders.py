"""Deadline reminders for annual reports (Art. 19) and their escalation, swept at chosen days.

The clock is moved by passing the day to the sweep (``report_reminders(day)``) or to the command
(``send_reminders --date``); a report's wait on its reviewer is moved back by moving the
timestamp of the transition that started it. Nothing sleeps.

The center is unit_a's (users unit_a and unit_a2; expert7 works there too but is no applicant),
supervised by chengdu (users chengdu and chengdu2); 科技厅 is kjt and kjt2.
"""

import re
from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone
from django_fsm_log.models import StateLog

from notifications.models import Category, EmailPreference, Message, Reminder
from reports.demo import walk
from reports.models import AnnualReport
from reports.reminders import report_reminders
from sctic.workflow import perform
from tests.factories import CenterFactory, UserFactory
from tests.test_art19_reports import A_CENTER, DUE, REASON, new_report

pytestmark = pytest.mark.django_db

S = AnnualReport.State
CENTER_USERS = {"unit_a", "unit_a2"}
SUPERVISOR_USERS = {"chengdu", "chengdu2"}
DEPARTMENT_USERS = {"kjt", "kjt2"}
OPTIONAL = [c.value for c in Category if c != Category.DEADLINE]


def before_due(days: int) -> date:
    return DUE - timedelta(days=days)


def after_due(days: int) -> date:
    return DUE + timedelta(days=days)


def deadline_messages(report) -> list[Message]:
    return list(
        Message.objects.filter(
            category=Category.DEADLINE,
            content_type=ContentType.objects.get_for_model(AnnualReport),
            object_id=report.pk,
        ).select_related("recipient")
    )


def recipients(messages) -> set[str]:
    return {m.recipient.username for m in messages}


def sweep(day: date, report) -> list[Message]:
    """Run the sweep on ``day``; return the deadline messages it wrote about ``report``."""
    before = {m.pk for m in deadline_messages(report)}
    report_reminders(day)
    return [m for m in deadline_messages(report) if m.pk not in before]


def keys(report) -> set[str]:
    prefix = f"report:{report.pk}:"
    return {
        k.removeprefix(prefix)
        for k in Reminder.objects.filter(key__startswith=prefix).values_list("key", flat=True)
    }


def entered_on(report, state: str, day: date) -> None:
    """Pretend that ``report`` entered ``state`` on ``day`` (the StateLog row of that transition)."""
    when = timezone.make_aware(datetime.combine(day, time(9, 0)))
    StateLog.objects.for_(report).filter(state=state).update(timestamp=when)


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def people(unit_a, chengdu, kjt, mianyang, conflicted_expert):
    """Two users each for the center, its supervisor and 科技厅; another supervisor; an expert of unit_a."""
    return {
        "unit_a2": UserFactory(username="unit_a2", organization=unit_a.organization, role="applicant"),
        "chengdu2": UserFactory(username="chengdu2", organization=chengdu.organization, role="supervisor"),
        "kjt2": UserFactory(username="kjt2", organization=kjt.organization, role="department"),
    }


@pytest.fixture
def center(unit_a, chengdu, people):
    return CenterFactory(name=A_CENTER, lead_unit=unit_a.organization, supervisor=chengdu.organization)


@pytest.fixture
def draft(center):
    return new_report(center)


@pytest.fixture
def make_report(center, unit_a, chengdu, kjt):
    def make(state):
        report = new_report(center)
        walk(report, state, applicant=unit_a, supervisor=chengdu, department=kjt)
        return report

    return make


# --- before the due date -----------------------------------------------------------------------------


def test_art19_reminders_30_7_and_1_days_before_due_go_to_the_center_users_only(draft):
    sent = {days: sweep(before_due(days), draft) for days in (31, 30, 8, 7, 1)}

    assert sent[31] == []
    assert sent[8] == []
    for days in (30, 7, 1):
        assert recipients(sent[days]) == CENTER_USERS, days
        assert all(m.url == draft.get_absolute_url() for m in sent[days])
        assert all(m.send_email for m in sent[days])
    assert f"{DUE.isoformat()}" in sent[30][0].body
    assert keys(draft) == {"due-30", "due-7", "due-1"}


@pytest.mark.parametrize(
    ("days", "step"),
    [
        (31, None),
        (30, "due-30"),
        (20, "due-30"),
        (8, "due-30"),
        (7, "due-7"),
        (2, "due-7"),
        (1, "due-1"),
        (0, "due-1"),
    ],
)
def test_art19_first_sweep_sends_the_step_the_day_falls_in(draft, days, step):
    sent = sweep(before_due(days), draft)
    assert keys(draft) == ({step} if step else set())
    assert recipients(sent) == (CENTER_USERS if step else set())


def test_art19_late_sweep_catches_up_with_the_missed_step_but_not_older_ones(draft):
    sweep(before_due(30), draft)
    # The sweep did not run on day 7 before the due date; it runs again 5 days before.
    late = sweep(before_due(5), draft)
    assert recipients(late) == CENTER_USERS
    assert keys(draft) == {"due-30", "due-7"}
    assert len(late) == len(CENTER_USERS)  # one reminder each, not the 30-day one again
    # Nothing ran since; on the due day the last step still goes out.
    assert recipients(sweep(DUE, draft)) == CENTER_USERS
    assert keys(draft) == {"due-30", "due-7", "due-1"}


def test_art19_first_sweep_three_days_before_due_sends_only_the_7_day_reminder(draft):
    sent = sweep(before_due(3), draft)
    assert keys(draft) == {"due-7"}
    assert len(sent) == len(CENTER_USERS)


def test_art19_returned_report_is_reminded_like_a_draft(make_report):
    report = make_report("returned")
    assert recipients(sweep(before_due(7), report)) == CENTER_USERS


# --- after the due date ------------------------------------------------------------------------------


def test_art19_overdue_report_is_told_to_the_center_and_escalated_to_its_supervisor(draft):
    sent = sweep(after_due(1), draft)

    assert keys(draft) == {"overdue", "overdue-escalated"}
    to_center = [m for m in sent if m.recipient.username in CENTER_USERS]
    to_supervisor = [m for m in sent if m.recipient.username in SUPERVISOR_USERS]
    assert recipients(to_center) == CENTER_USERS
    assert recipients(to_supervisor) == SUPERVISOR_USERS
    assert recipients(sent) == CENTER_USERS | SUPERVISOR_USERS  # not 科技厅, not mianyang, not the expert
    assert {m.subject for m in to_center}.isdisjoint({m.subject for m in to_supervisor})
    assert all(draft.center.name in m.subject for m in sent)


def test_art19_overdue_is_sent_once_however_many_days_the_sweep_runs(draft):
    sweep(after_due(1), draft)
    for days in (1, 2, 10, 40):
        assert sweep(after_due(days), draft) == []
    assert Reminder.objects.count() == 2


def test_art19_sweep_on_the_due_day_is_not_yet_overdue(draft):
    sweep(DUE, draft)
    assert "overdue" not in keys(draft)


@pytest.mark.parametrize("state", [S.SUBMITTED, S.SUPERVISOR_APPROVED, S.FILED])
def test_art19_submitted_reports_get_no_deadline_reminders(make_report, state):
    report = make_report(state)
    for day in (before_due(30), before_due(7), before_due(1), DUE, after_due(1), after_due(30)):
        sent = sweep(day, report)
        assert not recipients(sent) & (CENTER_USERS | SUPERVISOR_USERS), day
    assert not {k for k in keys(report) if k.startswith(("due-", "overdue"))}


def test_art19_report_submitted_after_a_reminder_gets_no_overdue_notice(draft, unit_a):
    sweep(before_due(7), draft)
    perform(draft, "submit", actor=unit_a)
    assert sweep(after_due(1), draft) == []
    assert keys(draft) == {"due-7"}


# --- waiting on the reviewers ------------------------------------------------------------------------

SUBMITTED_ON = date(2026, 3, 10)


def test_art19_report_waiting_on_its_supervisor_14_days_reminds_the_supervisor_users(make_report, settings):
    assert settings.SCTIC["REVIEW_REMINDER_DAYS"] == 14
    report = make_report("submitted")
    entered_on(report, "submitted", SUBMITTED_ON)

    assert sweep(SUBMITTED_ON + timedelta(days=13), report) == []
    sent = sweep(SUBMITTED_ON + timedelta(days=14), report)

    assert recipients(sent) == SUPERVISOR_USERS
    assert keys(report) == {f"waiting:submitted:{SUBMITTED_ON.isoformat()}"}
    assert "14" in sent[0].body
    assert sweep(SUBMITTED_ON + timedelta(days=15), report) == []
    assert sweep(SUBMITTED_ON + timedelta(days=60), report) == []


def test_art19_review_reminder_days_is_configurable(make_report, settings):
    settings.SCTIC = {**settings.SCTIC, "REVIEW_REMINDER_DAYS": 5}
    report = make_report("submitted")
    entered_on(report, "submitted", SUBMITTED_ON)
    assert sweep(SUBMITTED_ON + timedelta(days=4), report) == []
    assert recipients(sweep(SUBMITTED_ON + timedelta(days=5), report)) == SUPERVISOR_USERS


def test_art19_report_waiting_on_the_department_reminds_the_department_users(make_report):
    report = make_report("supervisor_approved")
    entered_on(report, "submitted", SUBMITTED_ON)
    approved_on = SUBMITTED_ON + timedelta(days=3)
    entered_on(report, "supervisor_approved", approved_on)

    assert sweep(approved_on + timedelta(days=13), report) == []
    sent = sweep(approved_on + timedelta(days=14), report)

    assert recipients(sent) == DEPARTMENT_USERS
    assert keys(report) == {f"waiting:supervisor_approved:{approved_on.isoformat()}"}
    assert sweep(approved_on + timedelta(days=30), report) == []


def test_art19_filed_report_waits_on_nobody(make_report):
    report = make_report("filed")
    StateLog.objects.for_(report).update(
        timestamp=timezone.make_aware(datetime.combine(SUBMITTED_ON, time(9)))
    )
    assert sweep(SUBMITTED_ON + timedelta(days=60), report) == []


def test_art19_resubmitted_report_starts_a_new_wait(make_report, chengdu, unit_a):
    report = make_report("submitted")
    entered_on(report, "submitted", SUBMITTED_ON)
    sweep(SUBMITTED_ON + timedelta(days=14), report)
    perform(report, "return_for_revision", actor=chengdu, comment=REASON)
    perform(report, "submit", actor=unit_a)
    resubmitted = SUBMITTED_ON + timedelta(days=20)
    latest = StateLog.objects.for_(report).filter(state="submitted").latest("pk")
    StateLog.objects.filter(pk=latest.pk).update(
        timestamp=timezone.make_aware(datetime.combine(resubmitted, time(9)))
    )

    assert sweep(resubmitted + timedelta(days=13), report) == []
    assert recipients(sweep(resubmitted + timedelta(days=14), report)) == SUPERVISOR_USERS
    assert keys(report) == {
        f"waiting:submitted:{SUBMITTED_ON.isoformat()}",
        f"waiting:submitted:{resubmitted.isoformat()}",
    }


# --- a second run sends nothing new ------------------------------------------------------------------


@pytest.fixture
def season_in_every_state(center, unit_a, chengdu, kjt):
    """A draft, a submitted and an approved report waiting long, on three centers of unit_a."""
    made = {"draft": new_report(center)}
    for state in ("submitted", "supervisor_approved"):
        other = CenterFactory(lead_unit=unit_a.organization, supervisor=chengdu.organization)
        report = new_report(other)
        walk(report, state, applicant=unit_a, supervisor=chengdu, department=kjt)
        StateLog.objects.for_(report).update(
            timestamp=timezone.make_aware(datetime.combine(SUBMITTED_ON, time(9)))
        )
        made[state] = report
    return made


def counts() -> tuple[int, int]:
    return Message.objects.count(), Reminder.objects.count()


@pytest.mark.parametrize("day", [before_due(7), after_due(1)])
def test_art19_second_run_on_the_same_day_sends_nothing_new(season_in_every_state, day):
    first = report_reminders(day)
    assert first > 0
    after_first = counts()
    assert report_reminders(day) == 0
    assert counts() == after_first


def test_art19_later_runs_send_only_the_steps_that_fall_due(season_in_every_state):
    report_reminders(after_due(1))
    after_first = counts()
    for days in (2, 3, 30):
        assert report_reminders(after_due(days)) == 0
    assert counts() == after_first


def test_art19_command_prints_how_many_it_sent_and_a_rerun_sends_none(season_in_every_state):
    out = StringIO()
    call_command("send_reminders", date=after_due(1), stdout=out)
    printed = out.getvalue()
    # overdue + escalated for the draft, waiting on chengdu, waiting on 科技厅
    assert re.search(r"^annual report reminders: 4$", printed, re.M), printed
    total = int(re.search(r"^total: (\d+) \(as of 2026-04-01\)$", printed, re.M).group(1))
    assert total == sum(int(n) for n in re.findall(r"^[^:\n]+: (\d+)$", printed, re.M))
    assert Reminder.objects.count() == 4
    messages = counts()

    again = StringIO()
    call_command("send_reminders", "--date", after_due(1).isoformat(), stdout=again)
    assert re.search(r"^annual report reminders: 0$", again.getvalue(), re.M), again.getvalue()
    assert counts() == messages


def test_art19_command_without_date_acts_on_today(draft):
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert f"(as of {timezone.localdate().isoformat()})" in out.getvalue()


# --- e-mail preferences ------------------------------------------------------------------------------


def test_deadline_emails_are_sent_even_to_users_who_muted_every_category(
    draft, unit_a, people, mailoutbox, django_capture_on_commit_callbacks
):
    for user in (unit_a, people["unit_a2"]):
        EmailPreference.objects.create(user=user, muted=OPTIONAL)

    with django_capture_on_commit_callbacks(execute=True):
        sent = sweep(before_due(7), draft)

    assert recipients(sent) == CENTER_USERS
    assert all(m.send_email and m.email_sent_at for m in Message.objects.filter(pk__in=[m.pk for m in sent]))
    assert sorted(address for email in mailoutbox for address in email.to) == sorted(
        [unit_a.email, people["unit_a2"].email]
    )


def test_decision_email_is_not_sent_to_a_user_who_muted_decisions(
    make_report, unit_a, chengdu, people, mailoutbox, django_capture_on_commit_callbacks
):
    report = make_report("submitted")
    EmailPreference.objects.create(user=unit_a, muted=[Category.DECISION])
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        perform(report, "return_for_revision", actor=chengdu, comment=REASON)

    muted = Message.objects.get(recipient=unit_a, object_id=report.pk, category=Category.DECISION)
    assert REASON in muted.body  # still in the portal
    assert (muted.send_email, muted.email_sent_at) == (False, None)
    colleague = Message.objects.get(
        recipient=people["unit_a2"], object_id=report.pk, category=Category.DECISION
    )
    assert colleague.send_email and colleague.email_sent_at
    assert [email.to for email in mailoutbox] == [[people["unit_a2"].email]]
