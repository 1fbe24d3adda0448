"""Annual reports (年度报告) of centers, Art. 19: one per center per year, reviewed by the
supervisor and filed (备案) by 科技厅. Their objective data feed the evaluation (Art. 21)."""

from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from attachments.models import Attachment
from centers.models import Center
from sctic.workflow import condition

from . import access
from .metrics import EVIDENCE_METRICS, METRICS, PARTS


def default_due_date(year: int) -> date:
    """Reports on a year are due by 31 March of the next year."""
    return date(year + 1, 3, 31)


class ReportingSeason(models.Model):
    """The department opens the reporting of one year; every live center gets a draft report."""

    year = models.PositiveSmallIntegerField(_("year reported on"), unique=True)
    due_date = models.DateField(_("due date"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("reporting season")
        verbose_name_plural = _("reporting seasons")
        ordering = ["-year"]

    def __str__(self):
        return _("Annual reports %(year)d (due %(due)s)") % {"year": self.year, "due": self.due_date}


@condition(_("The report is not complete."))
def complete(report) -> bool:
    """Art. 19: progress, problems, next steps and every objective figure."""
    missing = report.missing()
    if missing:
        raise ValidationError(missing)
    return True


class AnnualReport(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to supervisor")
        RETURNED = "returned", _("Returned for revision")
        SUPERVISOR_APPROVED = "supervisor_approved", _("Approved by supervisor")
        FILED = "filed", _("Filed")
        CANCELLED = "cancelled", _("Closed with the center")

    OPEN_STATES = (State.DRAFT, State.RETURNED)

    class AttachmentKind:
        """Evidence for the figures a reviewer asks proof of, and other supporting documents."""

        choices = [
            *[(m.name, _("Evidence: %(figure)s") % {"figure": m.label}) for m in EVIDENCE_METRICS],
            ("other", _("Other supporting document")),
        ]

    center = models.ForeignKey(
        Center, verbose_name=_("center"), on_delete=models.PROTECT, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    season = models.ForeignKey(
        ReportingSeason,
        verbose_name=_("reporting season"),
        on_delete=models.PROTECT,
        related_name="reports",
        null=True,
        blank=True,
    )
    due_date = models.DateField(_("due date"))
    progress = models.TextField(
        _("progress of the construction tasks"),
        blank=True,
        help_text=_("Art. 19: what the center achieved on its construction tasks this year."),
    )
    problems = models.TextField(_("problems"), blank=True, help_text=_("Art. 19: the problems met."))
    next_steps = models.TextField(
        _("plans for next year"), blank=True, help_text=_("Art. 19: the next steps.")
    )
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(
        _("first submitted"),
        null=True,
        blank=True,
        help_text=_("Art. 19: when the center first submitted the report; kept when it is submitted again."),
    )
    submitted_late_days = models.PositiveSmallIntegerField(
        _("days late at first submission"),
        null=True,
        blank=True,
        help_text=_("Art. 19: days after the due date of the first submission (0: in time; empty: not yet)."),
    )
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    attachments = GenericRelation(Attachment)

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-year", "center__name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "year"], name="one_report_per_center_and_year")
        ]

    def __str__(self):
        return _("%(center)s — annual report %(year)d") % {"center": self.center, "year": self.year}

    def get_absolute_url(self):
        return reverse("reports:detail", args=[self.pk])

    def is_overdue(self, today: date | None = None) -> bool:
        """Not yet submitted after its due date."""
        return self.state in self.OPEN_STATES and (today or timezone.localdate()) > self.due_date

    def days_late(self, when) -> int:
        """Days after the due date of ``when`` (a datetime, read in local time); 0 when in time."""
        return max(0, (timezone.localdate(when) - self.due_date).days)

    @property
    def submitted_late(self) -> bool:
        """Art. 19: the center first submitted this report after its due date (the evaluation's
        record of punctuality, Art. 21; ``submitted_late_days`` says by how many days)."""
        return bool(self.submitted_late_days)

    def figures(self) -> dict:
        return {m.name: getattr(self, m.name) for m in METRICS}

    def missing(self) -> list[str]:
        missing = [
            str(_("Please fill in: %(section)s.") % {"section": self._meta.get_field(name).verbose_name})
            for name in ("progress", "problems", "next_steps")
            if not getattr(self, name).strip()
        ]
        empty = [str(m.label) for m in METRICS if getattr(self, m.name) is None]
        if empty:
            missing.append(
                str(
                    _("Art. 19: give every objective figure (0 where there is none). Missing: %(names)s.")
                    % {"names": "、".join(empty)}
                )
            )
        return missing

    def clean(self):
        errors = {}
        for part, whole in PARTS:
            a, b = getattr(self, part), getattr(self, whole)
            if a is not None and b is not None and a > b:
                errors[part] = _("This cannot be more than “%(whole)s” (%(value)s).") % {
                    "whole": self._meta.get_field(whole).verbose_name,
                    "value": b,
                }
        if errors:
            raise ValidationError(errors)

    # Transitions (fields only; notifications in reports.services) ------------------------------

    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED],
        target=State.SUBMITTED,
        permission=access.is_center_member,
        conditions=[complete],
        custom={"label": _("Submit to supervisor"), "comment": "optional", "article": _("Art. 19")},
    )
    def submit(self):
        """Art. 19: the center reports to its supervisor; the first submission's lateness is kept."""
        self.submitted_at = timezone.now()
        if self.first_submitted_at is None:
            self.first_submitted_at = self.submitted_at
            self.submitted_late_days = self.days_late(self.submitted_at)

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.SUPERVISOR_APPROVED,
        permission=access.is_supervising_member,
        custom={"label": _("Approve"), "style": "success", "comment": "optional", "article": _("Art. 19")},
    )
    def supervisor_approve(self):
        """Art. 19: the supervisor has reviewed the report."""

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.RETURNED,
        permission=access.is_supervising_member,
        custom={
            "label": _("Return for revision"),
            "style": "warning",
            "comment": "required",
            "article": _("Art. 19"),
        },
    )
    @transition(
        field=state,
        source=State.SUPERVISOR_APPROVED,
        target=State.RETURNED,
        permission=access.is_department_member,
        custom={
            "label": _("Return for revision"),
            "style": "warning",
            "comment": "required",
            "article": _("Art. 19"),
        },
    )
    def return_for_revision(self):
        """Art. 19: back to the center, by its supervisor or, after the supervisor's approval, by 科技厅."""

    @transition(
        field=state,
        source=State.SUPERVISOR_APPROVED,
        target=State.FILED,
        permission=access.is_department_member,
        custom={
            "label": _("File (备案)"),
            "style": "success",
            "comment": "optional",
            "article": _("Art. 19"),
        },
    )
    def file(self):
        """Art. 19: 科技厅 files the report the supervisor approved."""
        self.filed_at = timezone.now()

    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED, State.SUBMITTED, State.SUPERVISOR_APPROVED],
        target=State.CANCELLED,
        permission=access.is_department_member,
        custom={"label": _("Close"), "comment": "required", "hidden": True},
    )
    def cancel(self):
        """Closed because the center was revoked or removed from the sequence (Art. 5.2, 23)."""


for _metric in METRICS:
    _validators = [MinValueValidator(0), MaxValueValidator(_metric.maximum)]
    if _metric.amount:
        _field = models.DecimalField(
            _metric.label,
            max_digits=12,
            decimal_places=2,
            null=True,
            blank=True,
            validators=_validators,
            help_text=_metric.unit,
        )
    else:
        _field = models.PositiveIntegerField(
            _metric.label, null=True, blank=True, validators=_validators, help_text=_metric.unit
        )
    _field.contribute_to_class(AnnualReport, _metric.name)
del _metric, _validators, _field
