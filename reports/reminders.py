"""Deadline reminders for annual reports (Art. 19), run by ``manage.py send_reminders``.

- 30, 7 and 1 days before the due date, to the center while its report is not submitted;
- the day after the due date, an overdue notice to the center and, escalated, to its supervisor;
- when a report waits on its supervisor, or on 科技厅 after the supervisor's approval, longer than
  ``SCTIC["REVIEW_REMINDER_DAYS"]``, a reminder to them.
Every reminder has a key, so that it is sent once however often the sweep runs.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from accounts.roles import Role
from accounts.selectors import members, role_members
from notifications import sweeps
from notifications.services import Text, remind_once

from .models import AnnualReport

R = AnnualReport
BEFORE_DUE = sweeps.REMIND_BEFORE
SUBJECT_DUE_IN = _("Annual report due in %(days)d days: %(center)s")
# Art. 19: a first sweep on the due day itself says "today", not "in 0 days".
SUBJECT_DUE_TODAY = _("Annual report due today: %(center)s")


def _center_users(report):
    return members(report.center.lead_unit_id, Role.APPLICANT)


def _supervisor_users(report):
    return members(report.center.supervisor_id, Role.SUPERVISOR)


def _since(reports) -> dict[int, date]:
    """When each report entered its current state (one query)."""
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(AnnualReport)
    rows = (
        StateLog.objects.filter(content_type=ct, object_id__in=[r.pk for r in reports])
        .values("object_id", "state")
        .annotate(last=Max("timestamp"))
    )
    latest = {(row["object_id"], row["state"]): row["last"] for row in rows}
    # The day in local time (Asia/Shanghai): a report submitted at 00:30 on 1 January waits from
    # 1 January, not from 31 December (the UTC date of the timestamp).
    return {r.pk: timezone.localdate(latest[(r.pk, r.state)]) for r in reports if (r.pk, r.state) in latest}


@sweeps.register("annual report reminders")
def report_reminders(today: date) -> int:
    sent = 0
    open_reports = R.objects.filter(state__in=R.OPEN_STATES).select_related("center")
    for report in open_reports.filter(
        due_date__gte=today, due_date__lte=today + timedelta(days=max(BEFORE_DUE))
    ):
        days = (report.due_date - today).days
        step = sweeps.step_before(days, BEFORE_DUE)
        sent += remind_once(
            f"report:{report.pk}:due-{step}",
            _center_users(report),
            subject=Text(
                SUBJECT_DUE_TODAY if days == 0 else SUBJECT_DUE_IN, {"days": days, "center": report.center}
            ),
            body=Text(
                _(
                    "Art. 19: the annual report %(year)d of %(center)s is due on %(due)s. Please complete and submit it to your supervisor."
                ),
                {"year": report.year, "center": report.center, "due": report.due_date},
            ),
            obj=report,
            url=report.get_absolute_url(),
        )
    for report in open_reports.filter(due_date__lt=today):
        text = {
            "year": report.year,
            "center": report.center,
            "due": report.due_date,
            "days": (today - report.due_date).days,
        }
        sent += remind_once(
            f"report:{report.pk}:overdue",
            _center_users(report),
            subject=Text(_("Annual report overdue: %(center)s"), text),
            body=Text(
                _(
                    "Art. 19: the annual report %(year)d of %(center)s was due on %(due)s and has not been submitted. Please submit it now."
                ),
                text,
            ),
            obj=report,
            url=report.get_absolute_url(),
        )
        sent += remind_once(
            f"report:{report.pk}:overdue-escalated",
            _supervisor_users(report),
            subject=Text(_("Overdue annual report of a center you supervise: %(center)s"), text),
            body=Text(
                _(
                    "The annual report %(year)d of %(center)s was due on %(due)s and is %(days)d days overdue. Art. 6: please follow it up."
                ),
                text,
            ),
            obj=report,
            url=report.get_absolute_url(),
        )
    waiting = list(
        R.objects.filter(Q(state=R.State.SUBMITTED) | Q(state=R.State.SUPERVISOR_APPROVED)).select_related(
            "center"
        )
    )
    limit = settings.SCTIC["REVIEW_REMINDER_DAYS"]
    since = _since(waiting)
    department = None
    for report in waiting:
        entered = since.get(report.pk)
        if entered is None or (today - entered).days < limit:
            continue
        text = {"center": report.center, "year": report.year, "days": (today - entered).days}
        if report.state == R.State.SUBMITTED:
            recipients = _supervisor_users(report)
            subject = Text(_("An annual report waits for your review: %(center)s"), text)
        else:
            department = department if department is not None else list(role_members(Role.DEPARTMENT))
            recipients = department
            subject = Text(_("An annual report waits to be filed: %(center)s"), text)
        sent += remind_once(
            f"report:{report.pk}:waiting:{report.state}:{entered.isoformat()}",
            recipients,
            subject=subject,
            body=Text(
                _("The annual report %(year)d of %(center)s has been waiting for %(days)d days."), text
            ),
            obj=report,
            url=report.get_absolute_url(),
        )
    return sent
