"""Three-year performance evaluation (Art. 21–24) and dynamic management (Art. 23)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from attachments.models import Attachment
from centers.models import Center, CenterCycle, add_years
from experts.models import Assignment
from reports.metrics import METRICS
from sctic.workflow import condition

from . import access
from .scoring import EXCELLENT, FAIL, GOOD, PASS

AREAS = [
    ("tasks", _("Major national and provincial tasks")),
    ("breakthroughs", _("Key technology breakthroughs")),
    ("leading", _("Leading the industry's technical progress")),
    ("services", _("Technology innovation services to society")),
    ("incubation", _("Incubating technology-based enterprises")),
    ("governance", _("Construction, operation and governance")),
]


class Grade(models.TextChoices):
    """Art. 22."""

    EXCELLENT = EXCELLENT, _("Excellent")
    GOOD = GOOD, _("Good")
    PASS = PASS, _("Pass")
    FAIL = FAIL, _("Fail")


class RuleSet(models.Model):
    """Versioned scoring rules (the regulation itself was valid for two years, Art. 27). A round
    copies its rule set when it opens; editing the rules later changes no open round."""

    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    notes = models.TextField(_("notes"), blank=True)
    excellent_threshold = models.DecimalField(_("excellent from"), max_digits=5, decimal_places=2, default=90)
    good_threshold = models.DecimalField(_("good from"), max_digits=5, decimal_places=2, default=75)
    pass_threshold = models.DecimalField(_("pass from"), max_digits=5, decimal_places=2, default=60)
    excellent_cap = models.DecimalField(
        _("largest share of excellent"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("e.g. 0.30 for at most three in ten of a round's centers; empty for no cap."),
    )
    integrity_removes = models.BooleanField(
        _("an integrity finding removes the center at once"),
        default=False,
        help_text=_("Art. 24: otherwise it forces the grade fail (one year of rectification)."),
    )
    min_experts = models.PositiveSmallIntegerField(_("fewest experts per center"), default=3)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation rule set")
        verbose_name_plural = _("evaluation rule sets")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="unique_rule_set_version")]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def clean(self):
        if not (self.pass_threshold <= self.good_threshold <= self.excellent_threshold):
            raise ValidationError(_("The thresholds must rise from pass to good to excellent."))

    def snapshot(self) -> dict:
        """The rules as data, frozen into a round when it opens."""
        indicators = list(self.indicators.all())
        weight = sum(i.weight for i in indicators)
        if weight != 100:
            raise ValidationError(
                _("The weights of “%(rules)s” add up to %(weight)s, not 100.")
                % {"rules": self, "weight": weight}
            )
        return {
            "rule_set": str(self),
            "rule_set_id": self.pk,
            "thresholds": {
                "excellent": str(self.excellent_threshold),
                "good": str(self.good_threshold),
                "pass": str(self.pass_threshold),
            },
            "excellent_cap": str(self.excellent_cap) if self.excellent_cap is not None else None,
            "integrity_removes": self.integrity_removes,
            "min_experts": self.min_experts,
            "indicators": [i.as_dict() for i in indicators],
        }


class Indicator(models.Model):
    class Method(models.TextChoices):
        FORMULA = "formula", _("Computed from the objective data")
        EXPERT = "expert", _("Scored by the experts")

    class Aggregate(models.TextChoices):
        SUM = "sum", _("Sum over the cycle's years")
        AVERAGE = "average", _("Yearly average")
        LAST = "last", _("Last year")

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=40)
    area = models.CharField(_("area (Art. 21)"), max_length=20, choices=AREAS)
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    method = models.CharField(_("how it is scored"), max_length=10, choices=Method.choices)
    metric = models.CharField(
        _("objective figure"), max_length=40, blank=True, choices=[(m.name, m.label) for m in METRICS]
    )
    aggregate = models.CharField(
        _("over the cycle"), max_length=10, choices=Aggregate.choices, default=Aggregate.SUM
    )
    target = models.DecimalField(
        _("target (scores 100)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "code"], name="unique_indicator_code")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.method == self.Method.FORMULA and not (self.metric and self.target):
            raise ValidationError(_("A computed indicator needs an objective figure and a target."))

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "area": self.area,
            "name": self.name,
            "weight": str(self.weight),
            "method": self.method,
            "metric": self.metric,
            "aggregate": self.aggregate,
            "target": str(self.target) if self.target is not None else None,
        }


class EvaluationRound(models.Model):
    """The evaluation of the centers whose construction cycle ends in ``year`` (Art. 22)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="rounds"
    )
    rules = models.JSONField(_("rules in force for this round"), editable=False)
    materials_deadline = models.DateField(_("self-assessment due"))
    scoring_deadline = models.DateField(_("expert scores due"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")
        ordering = ["-year"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("evaluations:round", args=[self.pk])


@condition(_("The self-assessment is not complete."))
def self_assessment_complete(evaluation) -> bool:
    """Art. 21: a narrative for every area."""
    missing = [str(label) for area, label in AREAS if not getattr(evaluation, f"narrative_{area}").strip()]
    if missing:
        raise ValidationError(_("Write the self-assessment for: %(areas)s.") % {"areas": "、".join(missing)})
    return True


@condition(_("Not every assigned expert has submitted scores yet."))
def all_scores_in(evaluation) -> bool:
    """Art. 21: every counted expert has scored (declined and withdrawn experts never count), and
    at least the round's minimum remain (experts.services)."""
    from experts.services import all_experts_in

    return all_experts_in(evaluation)


@condition(_("The group opinion of the 组长 has not been approved yet."))
def group_opinion_approved(evaluation) -> bool:
    """Art. 21, 22: where a 组长 leads the group, grading waits for the approved group opinion."""
    from experts.services import group_opinion_approved as approved

    return approved(evaluation)


@condition(_("The center has not reported on its rectification yet."))
def rectification_reported(evaluation) -> bool:
    return bool(evaluation.rectification_report.strip())


@condition(_("No integrity finding is recorded for this evaluation."))
def integrity_found(evaluation) -> bool:
    return evaluation.integrity_breached()


@condition(_("Art. 24: the grade is already fail and the round's rules do not remove the center."))
def integrity_reopens(evaluation) -> bool:
    """Art. 24: a finding re-opens a graded decision; on a center already rectifying after a fail
    it changes the decision only where the round's rules remove the center."""
    if evaluation.state == Evaluation.State.GRADED:
        return True
    return evaluation.state == Evaluation.State.RECTIFYING and bool(
        evaluation.round.rules.get("integrity_removes")
    )


class Evaluation(FSMModelMixin, models.Model):
    """One center's evaluation for one three-year cycle (Art. 21–23)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting self-assessment")
        SUBMITTED = "submitted", _("Self-assessment submitted")
        UNDER_REVIEW = "under_review", _("Expert review")
        GRADED = "graded", _("Graded")
        RECTIFYING = "rectifying", _("Rectifying")
        RECTIFIED = "rectified", _("Rectification passed")
        REMOVED = "removed", _("Removed from the sequence")
        ABSENT = "absent", _("Did not take part")
        WITHDRAWN = "withdrawn", _("Withdrew mid-way")
        CLOSED = "closed", _("Closed with the center")

    OPEN_STATES = (State.PENDING, State.SUBMITTED, State.UNDER_REVIEW)
    # Art. 24: where an integrity finding can still be recorded and handled (before grading it
    # forces fail; after grading it re-opens the decision).
    FINDING_STATES = (*OPEN_STATES, State.GRADED, State.RECTIFYING)

    class AttachmentKind(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence for the self-assessment")
        RECTIFICATION_PLAN = "rectification_plan", _("Rectification plan")
        RECTIFICATION_REPORT = "rectification_report", _("Rectification report")

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="evaluations"
    )
    center = models.ForeignKey(
        Center, verbose_name=_("center"), on_delete=models.PROTECT, related_name="evaluations"
    )
    cycle = models.OneToOneField(
        CenterCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="evaluation"
    )
    narrative_tasks = models.TextField(_("major national and provincial tasks"), blank=True)
    narrative_breakthroughs = models.TextField(_("key technology breakthroughs"), blank=True)
    narrative_leading = models.TextField(_("leading the industry's technical progress"), blank=True)
    narrative_services = models.TextField(_("technology innovation services to society"), blank=True)
    narrative_incubation = models.TextField(_("incubating technology-based enterprises"), blank=True)
    narrative_governance = models.TextField(_("construction, operation and governance"), blank=True)
    state = FSMField(_("state"), default=State.PENDING, choices=State.choices, protected=True, db_index=True)
    submitted_at = models.DateTimeField(_("self-assessment submitted"), null=True, blank=True)
    total_score = models.DecimalField(_("total score"), max_digits=5, decimal_places=2, null=True, blank=True)
    proposed_grade = models.CharField(_("proposed grade"), max_length=10, choices=Grade.choices, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    graded_at = models.DateTimeField(_("graded"), null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("graded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    grade_reason = models.TextField(
        _("reason for the grade"),
        blank=True,
        help_text=_("Art. 22: required when the grade differs from the one the scores propose."),
    )
    rectification_deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    rectification_plan = models.TextField(_("rectification plan"), blank=True)
    rectification_report = models.TextField(_("rectification report"), blank=True)
    rectification_answers = models.JSONField(
        _("answers to the group's problems"),
        default=dict,
        blank=True,
        help_text=_("Art. 23: the center's answer to each problem the expert group found, by area."),
    )
    national_recommendation = models.BooleanField(
        _("recommended first for a national technology innovation center"),
        default=False,
        help_text=_("Art. 23"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    attachments = GenericRelation(Attachment)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["round", "center__name"]
        permissions = [("score_evaluation", _("Can score the evaluation as an assigned expert"))]

    def __str__(self):
        return _("%(center)s — evaluation %(year)d") % {"center": self.center, "year": self.round.year}

    def get_absolute_url(self):
        return reverse("evaluations:detail", args=[self.pk])

    def narratives(self):
        return [(label, getattr(self, f"narrative_{area}")) for area, label in AREAS]

    def integrity_breached(self) -> bool:
        return self.integrity_findings.exists()

    # Transitions (fields only; dynamic management lives in evaluations.services) ---------------

    @transition(
        field=state,
        source=State.PENDING,
        target=State.SUBMITTED,
        permission=access.is_center_member,
        conditions=[self_assessment_complete],
        custom={"label": _("Submit self-assessment"), "comment": "optional", "article": _("Art. 21")},
    )
    def submit_self_assessment(self):
        """Art. 21: the center submits its self-assessment with three years of objective data."""
        self.submitted_at = timezone.now()

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.UNDER_REVIEW,
        permission=access.is_department_member,
        custom={
            "label": _("Start expert review"),
            "comment": "optional",
            "article": _("Art. 21"),
            "form": "experts.forms.ChooseExpertsForm",
            "needs_data": True,
        },
    )
    def start_review(self):
        """Art. 21: 科技厅 organizes the expert review."""

    def _grade(self, grade):
        """Art. 22–24: 科技厅 grades the center; fail starts one year of rectification (Art. 23);
        an integrity finding forces fail, or removal where the round's rules say so (Art. 24)."""
        now = timezone.now()
        self.grade = grade
        self.graded_at = now
        if grade != FAIL:
            self.decided_at = now
            return self.State.GRADED
        if self.integrity_breached() and self.round.rules.get("integrity_removes"):
            self.decided_at = now
            return self.State.REMOVED
        self.rectification_deadline = add_years(timezone.localdate(), 1)
        return self.State.RECTIFYING

    _grade.__name__ = "grade"  # the transition is called "grade"; the field ``grade`` keeps the result
    do_grade = transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=RETURN_VALUE(State.GRADED, State.RECTIFYING, State.REMOVED),
        permission=access.is_department_member,
        conditions=[all_scores_in, group_opinion_approved],
        custom={
            "label": _("Grade"),
            "style": "success",
            "comment": "optional",
            "article": _("Art. 22, 23"),
            "form": "evaluations.forms.GradeForm",
            "needs_data": True,
        },
    )(_grade)
    del _grade

    def _reopen_for_integrity(self):
        """Art. 24 (with Art. 23): an integrity finding after grading re-opens the decision: the
        grade becomes fail (one year of rectification), or the center is removed where the round's
        rules say so; the national recommendation is withdrawn. A center already rectifying after
        a fail is removed where the rules say so (the grade stays fail)."""
        now = timezone.now()
        if self.state == self.State.RECTIFYING:
            self.decided_at = now
            return self.State.REMOVED
        self.grade = FAIL
        self.graded_at = now
        self.national_recommendation = False
        if self.round.rules.get("integrity_removes"):
            self.decided_at = now
            return self.State.REMOVED
        self.decided_at = None
        self.rectification_deadline = add_years(timezone.localdate(), 1)
        return self.State.RECTIFYING

    _reopen_for_integrity.__name__ = "reopen_for_integrity"
    reopen_for_integrity = transition(
        field=state,
        source=[State.GRADED, State.RECTIFYING],
        target=RETURN_VALUE(State.RECTIFYING, State.REMOVED),
        permission=access.is_department_member,
        conditions=[integrity_found, integrity_reopens],
        custom={
            "label": _("Re-open the grade after an integrity finding"),
            "comment": "required",
            "hidden": True,
            "article": _("Art. 24"),
        },
    )(_reopen_for_integrity)
    del _reopen_for_integrity

    def attachment_kind_open(self, kind: str) -> bool:
        """Which documents may change now: evidence until the self-assessment is submitted
        (Art. 21), the rectification plan and report while rectifying (Art. 23)."""
        return kind in access.open_attachment_kinds(self)

    @transition(
        field=state,
        source=State.RECTIFYING,
        target=State.RECTIFIED,
        permission=access.is_department_member,
        conditions=[rectification_reported],
        custom={
            "label": _("Rectification passed"),
            "style": "success",
            "comment": "optional",
            "article": _("Art. 23"),
        },
    )
    def pass_rectification(self):
        """Art. 23: the rectification passed; the center enters its next cycle."""
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=State.RECTIFYING,
        target=State.REMOVED,
        permission=access.is_department_member,
        custom={
            "label": _("Rectification failed"),
            "style": "danger",
            "comment": "required",
            "article": _("Art. 23"),
            "irreversible": [
                _(
                    "The center leaves the sequence of provincial technology innovation centers (Art. 23); "
                    "its record stays readable but can no longer be changed."
                ),
                _("The removal notice is issued to the center and its supervisor."),
            ],
        },
    )
    def fail_rectification(self):
        """Art. 23: the rectification did not pass; the center leaves the sequence."""
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=[State.PENDING, State.SUBMITTED],
        target=State.ABSENT,
        permission=access.is_department_member,
        custom={
            "label": _("Did not take part"),
            "style": "outline-danger",
            "comment": "required",
            "article": _("Art. 23"),
            "irreversible": [
                _(
                    "The center leaves the sequence of provincial technology innovation centers (Art. 23); "
                    "its record stays readable but can no longer be changed."
                ),
                _("The removal notice is issued to the center and its supervisor."),
            ],
        },
    )
    def mark_absent(self):
        """Art. 23: a center that does not take part in the evaluation leaves the sequence."""
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=[State.PENDING, State.SUBMITTED, State.UNDER_REVIEW],
        target=State.WITHDRAWN,
        permission=access.is_department_member,
        custom={
            "label": _("Record withdrawal"),
            "style": "outline-danger",
            "comment": "required",
            "article": _("Art. 23"),
            "irreversible": [
                _(
                    "The center leaves the sequence of provincial technology innovation centers (Art. 23); "
                    "its record stays readable but can no longer be changed."
                ),
                _("The removal notice is issued to the center and its supervisor."),
            ],
        },
    )
    def withdraw(self):
        """Art. 23: 科技厅 records that the center withdrew mid-way; it leaves the sequence."""
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=[State.PENDING, State.SUBMITTED, State.UNDER_REVIEW, State.RECTIFYING],
        target=State.CLOSED,
        permission=access.is_department_member,
        custom={"label": _("Close"), "comment": "required", "hidden": True},
    )
    def close(self):
        """Closed because the center was revoked (Art. 5.2) while being evaluated."""
        self.decided_at = timezone.now()

    @property
    def grade_adjusted(self) -> bool:
        """Art. 22: the department gave another grade than the scores and thresholds proposed."""
        return bool(self.grade and self.proposed_grade and self.grade != self.proposed_grade)

    def rectification_due_in(self) -> timedelta | None:
        if self.rectification_deadline is None:
            return None
        return self.rectification_deadline - timezone.localdate()


class EvaluationExpert(Assignment):
    """An expert assigned to score one evaluation (Art. 21), after declaring no conflict; its
    lifecycle is the assignment's (experts.models.Assignment)."""

    subject_field = "evaluation"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="experts")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("expert"),
        on_delete=models.PROTECT,
        related_name="evaluation_assignments",
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    no_conflict_declared = models.BooleanField(
        _("I declare that I have no conflict of interest with this center"), default=False
    )
    submitted_at = models.DateTimeField(_("scores submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation expert")
        verbose_name_plural = _("evaluation experts")
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "expert"], name="one_assignment_per_expert")
        ]

    def __str__(self):
        return f"{self.evaluation} – {self.expert}"


class IndicatorScore(models.Model):
    """One expert's score of one expert-scored indicator, with a comment."""

    assignment = models.ForeignKey(EvaluationExpert, on_delete=models.CASCADE, related_name="scores")
    code = models.SlugField(max_length=40)
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "code"], name="one_score_per_indicator"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=100), name="indicator_score_0_100"
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.score}"


class IntegrityFinding(models.Model):
    """Art. 24: falsification or a breach of research integrity found during the evaluation."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="integrity_findings")
    description = models.TextField(_("finding"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    attachments = GenericRelation(Attachment)

    class AttachmentKind(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence")

    class Meta:
        verbose_name = _("integrity finding")
        verbose_name_plural = _("integrity findings")
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"{self.evaluation}: {self.description[:40]}"

    def get_absolute_url(self):
        return self.evaluation.get_absolute_url()


class PostSubsidy(models.Model):
    """Art. 23: the post-subsidy (后补助奖补) of an excellent center."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", pgettext_lazy("post-subsidy", "Approved")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled (Art. 24)")

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="post_subsidy")
    amount = models.DecimalField(
        _("amount (10k yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("post-subsidy")
        verbose_name_plural = _("post-subsidies")

    def __str__(self):
        return f"{self.evaluation}: {self.get_status_display()}"
