"""The expert pool and the operations of an expert review (Art. 10.3 consultation, Art. 21
evaluation): draws with 回避, invitations that experts accept or decline, withdrawal, the group
opinion of the 专家组 and the record of review sessions. One set of models and services serves
both reviews; ``experts.reviews`` describes how each kind of subject plugs in."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.models import Organization
from attachments.models import Attachment
from sctic.choices import TechnologyField
from sctic.workflow import condition

from . import access


class ExpertProfile(models.Model):
    """A member of the expert pool that 科技厅 draws on for consultation (Art. 10.3) and
    evaluation (Art. 21). The expert's employer is ``user.organization``; its region is the
    expert's region."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="expert_profile",
    )
    field = models.CharField(_("main technology field"), max_length=40, choices=TechnologyField.choices)
    secondary_fields = models.JSONField(
        _("secondary technology fields"),
        default=list,
        blank=True,
        help_text=_("Other fields the expert can judge; a draw by field also finds them here."),
    )
    specialty = models.CharField(_("specialty"), max_length=200, blank=True)
    professional_title = models.CharField(_("professional title"), max_length=60, blank=True)
    avoid_organizations = models.ManyToManyField(
        Organization,
        verbose_name=_("organizations to avoid"),
        blank=True,
        related_name="+",
        help_text=_("回避: the expert is never drawn for matters these organizations are party to."),
    )
    avoid_names = models.TextField(
        _("other organizations to avoid"),
        blank=True,
        help_text=_("One name per line, for organizations not registered in the portal."),
    )
    active = models.BooleanField(
        _("in the pool"), default=True, help_text=_("Only experts in the pool can be assigned.")
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")
        ordering = ["field", "user__full_name"]

    def __str__(self):
        return f"{self.user} ({self.get_field_display()})"

    def fields(self) -> list[str]:
        return [self.field, *[f for f in self.secondary_fields or () if f != self.field]]

    def secondary_field_labels(self) -> list[str]:
        labels = dict(TechnologyField.choices)
        return [str(labels.get(f, f)) for f in self.secondary_fields or ()]

    def avoided_names(self) -> set[str]:
        return {line.strip() for line in self.avoid_names.splitlines() if line.strip()}


class Draw(models.Model):
    """One choice of experts for a review (Art. 10.3, 21), recorded for audit: the criteria, the
    seed, every eligible candidate in the order drawn from, who was drawn, the reserves in order,
    who ran it and when. A manual choice is recorded the same way, with its reason."""

    class Method(models.TextChoices):
        RANDOM = "random", _("Random draw")
        MANUAL = "manual", _("Manual choice")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)
    seed = models.BigIntegerField(_("seed"), null=True, blank=True)
    candidates = models.JSONField(_("candidates"), default=list, blank=True)
    drawn = models.JSONField(_("drawn"), default=list)
    reserves = models.JSONField(_("reserves"), default=list, blank=True)
    reason = models.TextField(_("reason for a manual choice"), blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), on_delete=models.PROTECT, related_name="+"
    )
    run_at = models.DateTimeField(_("run"), default=timezone.now)

    class Meta:
        verbose_name = _("expert draw")
        verbose_name_plural = _("expert draws")
        ordering = ["run_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.get_method_display()} {self.run_at:%Y-%m-%d %H:%M}"


# The assignment lifecycle (DESIGN.md "Expert assignments") -----------------------------------


class AssignmentState(models.TextChoices):
    INVITED = "invited", pgettext_lazy("assignment state", "Invited")
    ACCEPTED = "accepted", pgettext_lazy("assignment state", "Accepted")
    SUBMITTED = "submitted", pgettext_lazy("assignment state", "Submitted")
    DECLINED = "declined", pgettext_lazy("assignment state", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("assignment state", "Withdrawn")


# Only assignments neither declined nor withdrawn count (Art. 10.3, 21).
COUNTED_STATES = (AssignmentState.INVITED, AssignmentState.ACCEPTED, AssignmentState.SUBMITTED)
OPEN_STATES = (AssignmentState.INVITED, AssignmentState.ACCEPTED)


class DeclineReason(models.TextChoices):
    CONFLICT = "conflict", _("I found a conflict of interest")
    UNAVAILABLE = "unavailable", _("I am not available")
    OUTSIDE_FIELD = "outside_field", _("It is outside my field")
    OTHER = "other", _("Other")


@condition(_("The review is closed."))
def review_open(assignment) -> bool:
    return assignment.review_is_open()


@condition(_("The work is not complete."))
def work_complete(assignment) -> bool:
    return assignment.work_is_complete()


class Assignment(FSMModelMixin, models.Model):
    """One expert asked to review one subject: invited → accept → accepted → submit → submitted;
    decline (the expert, with a reason) → declined; withdraw (科技厅, with a reason) → withdrawn.
    Concrete models: ``applications.ExpertReview`` and ``evaluations.EvaluationExpert``."""

    State = AssignmentState
    DeclineReason = DeclineReason

    state = FSMField(
        _("state"), default=AssignmentState.INVITED, choices=AssignmentState.choices, protected=True
    )
    is_group_leader = models.BooleanField(_("group leader (组长)"), default=False)
    due_on = models.DateField(_("due"), null=True, blank=True)
    draw = models.ForeignKey(
        Draw, verbose_name=_("draw"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(
        _("reason for declining"), max_length=20, choices=DeclineReason.choices, blank=True
    )
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        abstract = True

    # What the concrete model says about its subject.
    subject_field = ""

    def get_absolute_url(self):
        return self.subject.get_absolute_url()

    @property
    def subject(self):
        return getattr(self, self.subject_field)

    def review_is_open(self) -> bool:
        return self.subject.state == type(self.subject).State.UNDER_REVIEW

    def work_is_complete(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_submitted(self) -> bool:
        return self.state == AssignmentState.SUBMITTED

    @property
    def counts(self) -> bool:
        return self.state in COUNTED_STATES

    @property
    def days_left(self) -> int | None:
        return (self.due_on - timezone.localdate()).days if self.due_on else None

    @transition(
        field=state,
        source=AssignmentState.INVITED,
        target=AssignmentState.ACCEPTED,
        permission=access.is_the_expert,
        conditions=[review_open],
        custom={
            "label": _("Accept and declare no conflict"),
            "style": "success",
            "article": _("Art. 10.3, 21"),
            "form": "experts.forms.AcceptForm",
            "needs_data": True,  # the expert's own declaration: not an admin action
        },
    )
    def accept(self):
        """The expert accepts, declaring no conflict of interest."""
        self.no_conflict_declared = True
        self.responded_at = timezone.now()

    @transition(
        field=state,
        source=[AssignmentState.INVITED, AssignmentState.ACCEPTED],
        target=AssignmentState.DECLINED,
        permission=access.is_the_expert,
        conditions=[review_open],
        custom={
            "label": _("Decline"),
            "style": "outline-danger",
            "comment": "optional",
            "article": _("Art. 10.3, 21"),
            "form": "experts.forms.DeclineForm",
            "needs_data": True,
        },
    )
    def decline(self, reason=""):
        """The expert declines with a reason; the next reserve is invited (experts.services)."""
        self.decline_reason = reason
        self.responded_at = timezone.now()

    @transition(
        field=state,
        source=[AssignmentState.INVITED, AssignmentState.ACCEPTED, AssignmentState.SUBMITTED],
        target=AssignmentState.WITHDRAWN,
        permission=access.is_department,
        conditions=[review_open],
        custom={
            "label": _("Withdraw the expert"),
            "style": "outline-danger",
            "comment": "required",
            "article": _("Art. 10.3, 21"),
            "confirm": _("Withdraw this expert? Their access ends at once and their work no longer counts."),
        },
    )
    def withdraw(self):
        """科技厅 withdraws the assignment: access ends at once; submitted work is kept, not counted."""
        self.withdrawn_at = timezone.now()
        self.is_group_leader = False

    @transition(
        field=state,
        source=AssignmentState.ACCEPTED,
        target=AssignmentState.SUBMITTED,
        permission=access.is_the_expert,
        conditions=[review_open, work_complete],
        custom={"label": _("Submit"), "hidden": True, "needs_data": True},
    )
    def submit(self):
        """The expert's opinion or scores are in (stored by the review's own service)."""


# The group opinion (专家组意见) ------------------------------------------------------------------


@condition(_("Write the group opinion first."))
def opinion_written(opinion) -> bool:
    return opinion.is_written()


class GroupOpinion(FSMModelMixin, models.Model):
    """The 专家组's opinion on one subject, drafted by its 组长 once every counted expert is in,
    edited if need be and approved by 科技厅. After the decision the unit and its supervisor read
    it, with the per-area scores, never with expert names or individual comments."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("group opinion state", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("group opinion state", "Submitted to the department")
        APPROVED = "approved", pgettext_lazy("group opinion state", "Approved")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    conclusion = models.CharField(_("conclusion"), max_length=30, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    # Evaluations: {area: {"strengths": …, "problems": …, "suggestions": …}} for each Art. 21 area.
    areas = models.JSONField(_("per area"), default=dict, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("group opinion")
        verbose_name_plural = _("group opinions")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="one_group_opinion")
        ]

    def __str__(self):
        return str(_("Group opinion: %(subject)s") % {"subject": self.subject})

    def get_absolute_url(self):
        return self.subject.get_absolute_url() + "#group-opinion"

    def conclusion_label(self) -> str:
        from applications.models import ExpertReview

        return str(dict(ExpertReview.Verdict.choices).get(self.conclusion, self.conclusion))

    def area_rows(self) -> list[tuple[str, str, str, str]]:
        """(area label, strengths, problems, suggestions) in Art. 21 order."""
        from .reviews import review_of

        rows = []
        for area, label in review_of(self.subject).areas:
            saved = self.areas.get(area) or {}
            rows.append(
                (label, saved.get("strengths", ""), saved.get("problems", ""), saved.get("suggestions", ""))
            )
        return rows

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.SUBMITTED,
        permission=access.is_group_leader_of_opinion,
        conditions=[opinion_written],
        custom={"label": _("Submit the group opinion"), "style": "primary", "article": _("Art. 10.3, 21")},
    )
    def submit(self):
        self.submitted_at = timezone.now()

    @transition(
        field=state,
        source=[State.DRAFT, State.SUBMITTED],
        target=State.APPROVED,
        permission=access.is_department,
        conditions=[opinion_written],
        custom={"label": _("Approve the group opinion"), "style": "success", "article": _("Art. 10.3, 21")},
    )
    def approve(self):
        self.approved_at = timezone.now()

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.DRAFT,
        permission=access.is_department,
        custom={
            "label": _("Return to the group leader"),
            "style": "outline-secondary",
            "comment": "required",
        },
    )
    def return_for_revision(self):
        self.submitted_at = None

    def is_written(self) -> bool:
        from .reviews import review_of

        review = review_of(self.subject)
        if review.areas:
            # An area may have no problem; its strengths and suggestions are always written.
            return all(
                (self.areas.get(area) or {}).get(part, "").strip()
                for area, _label in review.areas
                for part in ("strengths", "suggestions")
            )
        return bool(self.conclusion and self.reasons.strip())


# Review sessions (会评, 答辩, 现场考察) ------------------------------------------------------------


class ReviewSession(models.Model):
    """A meeting of the experts on one subject: a review meeting, a defence or a site visit."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Review meeting (会评)")
        DEFENCE = "defence", _("Defence (答辩)")
        SITE_VISIT = "site_visit", _("Site visit (现场考察)")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    experts_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("experts present"), blank=True, related_name="+"
    )
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    attachments = GenericRelation(Attachment)

    class Meta:
        verbose_name = _("review session")
        verbose_name_plural = _("review sessions")
        ordering = ["held_on", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on:%Y-%m-%d}"

    def get_absolute_url(self):
        return self.subject.get_absolute_url() + f"#session-{self.pk}"
