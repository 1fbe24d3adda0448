"""Deadline reminders of the evaluation (Art. 21–23), run by ``manage.py send_reminders``:
self-assessments (30/7/1 days before, then overdue to the center and escalated to its supervisor) and
rectification deadlines (30/7/1 days before to the center, then overdue to 科技厅 and the supervisor).
Each reminder is sent once (``notifications.Reminder``). The experts' scores are reminded with every
expert assignment, by its own due date (``experts.reminders``)."""

from datetime import date

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import members, role_members
from notifications import sweeps
from notifications.services import Text, remind_once

from .models import Evaluation

E = Evaluation


def _center(evaluation):
    return members(evaluation.center.lead_unit_id, Role.APPLICANT)


def _supervisor(evaluation):
    return members(evaluation.center.supervisor_id, Role.SUPERVISOR)


def _send(key, recipients, subject, body, evaluation) -> int:
    return int(
        remind_once(
            key, recipients, subject=subject, body=body, obj=evaluation, url=evaluation.get_absolute_url()
        )
    )


@sweeps.register("evaluation reminders")
def evaluation_reminders(today: date) -> int:
    sent = 0
    for e in E.objects.filter(state=E.State.PENDING).select_related("round", "center"):
        due, text = e.round.materials_deadline, {"center": e.center, "due": e.round.materials_deadline}
        step = sweeps.step_before((due - today).days)
        if step:
            sent += _send(
                f"evaluation:{e.pk}:materials-{step}",
                _center(e),
                Text(_("Self-assessment due %(due)s: %(center)s"), text),
                Text(
                    _(
                        "Art. 21: submit the self-assessment of %(center)s for the three-year evaluation by %(due)s."
                    ),
                    text,
                ),
                e,
            )
        elif today > due:
            body = Text(
                _(
                    "The self-assessment of %(center)s was due on %(due)s. A center that does not take part leaves the sequence (Art. 23)."
                ),
                text,
            )
            sent += _send(
                f"evaluation:{e.pk}:materials-overdue",
                _center(e),
                Text(_("Self-assessment overdue: %(center)s"), text),
                body,
                e,
            )
            sent += _send(
                f"evaluation:{e.pk}:materials-escalated",
                _supervisor(e),
                Text(_("Self-assessment overdue: %(center)s"), text),
                body,
                e,
            )
    department = None
    for e in E.objects.filter(state=E.State.RECTIFYING, rectification_deadline__isnull=False).select_related(
        "center"
    ):
        due, text = e.rectification_deadline, {"center": e.center, "due": e.rectification_deadline}
        step = sweeps.step_before((due - today).days)
        if step:
            sent += _send(
                f"evaluation:{e.pk}:rectification-{step}",
                _center(e),
                Text(_("Rectification due %(due)s: %(center)s"), text),
                Text(
                    _(
                        "Art. 23: the one-year rectification of %(center)s ends on %(due)s. Submit the rectification report before then."
                    ),
                    text,
                ),
                e,
            )
        elif today > due:
            department = department if department is not None else list(role_members(Role.DEPARTMENT))
            sent += _send(
                f"evaluation:{e.pk}:rectification-overdue",
                [*department, *_supervisor(e)],
                Text(_("Rectification deadline passed: %(center)s"), text),
                Text(
                    _(
                        "Art. 23: the rectification period of %(center)s ended on %(due)s. Please decide whether it passed."
                    ),
                    text,
                ),
                e,
            )
    return sent
