"""Deadline reminders of expert assignments (Art. 10.3 consultation, Art. 21 evaluation), run by
``manage.py send_reminders``: while the subject is under review and the assignment is open
(invited or accepted) with a due date, the expert is reminded 3 days before and on the day; the day
after, the expert is told it is overdue and 科技厅 is told too (escalated). Each once: the keys are
``expert:<review>:<assignment>:due-3 | due-0 | overdue | escalated``. A late sweep sends the step it
missed, never an earlier one. One query per kind of review, whatever the number of assignments."""

from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import role_members
from notifications import sweeps
from notifications.models import Reminder
from notifications.services import Text, remind_once

from .models import OPEN_STATES
from .reviews import REVIEWS

STEPS = (3, 0)
UNDER_REVIEW = "under_review"  # IntentApplication.State and Evaluation.State alike

SUBJECT_DUE = _("Expert review due %(due)s: %(subject)s")
SUBJECT_DUE_TODAY = _("Expert review due today: %(subject)s")
BODY_DUE = _("%(article)s: your expert review of %(subject)s is due on %(due)s. Please submit it by then.")
BODY_DUE_TODAY = _(
    "%(article)s: your expert review of %(subject)s is due today, %(due)s. Please submit it today."
)
SUBJECT_OVERDUE = _("Expert review overdue: %(subject)s")
BODY_OVERDUE = _(
    "%(article)s: your expert review of %(subject)s was due on %(due)s. Please submit it now, or decline the assignment."
)
SUBJECT_ESCALATED = _("An expert review is overdue: %(subject)s")
BODY_ESCALATED = _(
    "%(article)s: %(expert)s has not submitted the expert review of %(subject)s, which was due on %(due)s. You may withdraw the expert and invite another."
)


def open_assignments(review, today: date):
    """The open assignments of one kind of review that are due within the last reminder's reach or
    overdue, with their subject and expert (one query)."""
    field = review.subject_field
    return (
        review.assignment_model.objects.filter(
            state__in=OPEN_STATES,
            due_on__isnull=False,
            due_on__lte=today + timedelta(days=max(STEPS)),
            **{f"{field}__state": UNDER_REVIEW},
        )
        .select_related(field, *review.subject_related, "expert")
        .order_by("due_on", "pk")
    )


@sweeps.register("expert assignment reminders")
def expert_reminders(today: date) -> int:
    sent = 0
    already = set(Reminder.objects.filter(key__startswith="expert:").values_list("key", flat=True))
    department = None

    def send(key, recipients, subject, body, assignment) -> int:
        if key in already:
            return 0
        target = assignment.subject
        return int(
            remind_once(
                key, recipients, subject=subject, body=body, obj=target, url=target.get_absolute_url()
            )
        )

    for review in REVIEWS.values():
        for assignment in open_assignments(review, today):
            key = f"expert:{review.key}:{assignment.pk}"
            days = (assignment.due_on - today).days
            text = {
                "subject": assignment.subject,
                "due": assignment.due_on,
                "article": review.article,
                "expert": assignment.expert,
            }
            step = sweeps.step_before(days, STEPS)
            if step is not None:
                sent += send(
                    f"{key}:due-{step}",
                    [assignment.expert],
                    Text(SUBJECT_DUE_TODAY if days == 0 else SUBJECT_DUE, text),
                    Text(BODY_DUE_TODAY if days == 0 else BODY_DUE, text),
                    assignment,
                )
            elif days < 0:
                sent += send(
                    f"{key}:overdue",
                    [assignment.expert],
                    Text(SUBJECT_OVERDUE, text),
                    Text(BODY_OVERDUE, text),
                    assignment,
                )
                if f"{key}:escalated" not in already and department is None:
                    department = list(role_members(Role.DEPARTMENT))
                sent += send(
                    f"{key}:escalated",
                    department,
                    Text(SUBJECT_ESCALATED, text),
                    Text(BODY_ESCALATED, text),
                    assignment,
                )
    return sent
