"""Intent applications (建设意向申请) and their consultation, Art. 9 and 10."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.credit_code import validate_credit_code
from accounts.models import Organization
from attachments.models import Attachment
from centers.validators import validate_center_name
from experts.models import OPEN_STATES, Assignment
from sctic.choices import TechnologyField
from sctic.workflow import condition

from . import access

MESSAGE_LEAD_UNIT_ONLY = _(
    "Art. 10.1: an intent application is made by the lead unit (建设主体单位); "
    "%(organization)s is not a unit and cannot apply."
)


def _raise_missing(missing: list[str]) -> bool:
    if missing:
        raise ValidationError(missing)
    return True


@condition(_("The application is not complete."))
def complete_for_submission(app) -> bool:
    """Art. 9, 12, 25: everything the supervisor needs to judge the intent."""
    return _raise_missing(app.missing_for_submission())


@condition(_("Cultivation has not produced what recommendation needs."))
def ready_for_recommendation(app) -> bool:
    """Art. 10.2 and Art. 3."""
    return _raise_missing(app.missing_for_recommendation())


@condition(_("Not every assigned expert has given an opinion yet."))
def all_opinions_in(app) -> bool:
    """Art. 10.3: decide only on the full consultation; declined and withdrawn experts never
    count, and at least the configured minimum must remain (experts.services)."""
    from experts.services import all_experts_in

    return all_experts_in(app)


@condition(_("The group opinion of the 组长 has not been approved yet."))
def group_opinion_approved(app) -> bool:
    """Art. 10.3: where a 组长 leads the group, the decision waits for the approved group opinion."""
    from experts.services import group_opinion_approved as approved

    return approved(app)


class IntentApplication(FSMModelMixin, models.Model):
    """A lead unit's application to build a center, from intent to approval (Art. 10)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to supervisor")
        RETURNED = "returned", _("Returned for revision")
        CULTIVATING = "cultivating", _("In cultivation")
        RECOMMENDED = "recommended", _("Recommended to the department")
        UNDER_REVIEW = "under_review", _("Expert consultation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")
        DECLINED = "declined", _("Declined by supervisor")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (
        State.DRAFT,
        State.SUBMITTED,
        State.RETURNED,
        State.CULTIVATING,
        State.RECOMMENDED,
        State.UNDER_REVIEW,
    )
    EDITABLE_STATES = (State.DRAFT, State.RETURNED)
    # Art. 10.2: a recommendation keeps its rank while the application is recommended or decided on;
    # declined, withdrawn or returned to cultivation, the rank is free again.
    RANK_HOLDING_STATES = (State.RECOMMENDED, State.UNDER_REVIEW, State.APPROVED, State.REJECTED)

    class AttachmentKind(models.TextChoices):
        CONSTRUCTION_PLAN = (
            "construction_plan",
            _("Construction and operation plan (建设运行方案, Art. 10.2)"),
        )
        BOARD = "board", _("Board (理事会/董事会) preparation documents (Art. 10.2, 11)")
        LEGAL_ENTITY = "legal_entity", _("Legal entity registration certificate (Art. 3)")
        COBUILDING_AGREEMENT = "cobuilding_agreement", _("Co-building agreement (Art. 9.2)")
        ENGINEERING_CENTER = (
            "engineering_center",
            _("Provincial engineering research center certificate (Art. 5.2)"),
        )
        TEAM = "team", _("Talent team and director materials (Art. 9.4, 12)")
        OTHER = "other", _("Other supporting document")

    # Parties
    lead_unit = models.ForeignKey(
        Organization,
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        related_name="lead_applications",
        limit_choices_to={"kind": Organization.Kind.UNIT},
    )
    supervisor = models.ForeignKey(
        Organization,
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        related_name="supervised_applications",
        limit_choices_to={"kind__in": Organization.SUPERVISOR_KINDS},
        help_text=_("The provincial department or municipal S&T bureau you apply to (Art. 10.1)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    # The center to be built
    proposed_name = models.CharField(
        _("proposed center name"),
        max_length=100,
        validators=[validate_center_name],
        help_text=_("Art. 25: “四川省…技术创新中心”."),
    )
    technology_field = models.CharField(_("technology field"), max_length=40, choices=TechnologyField.choices)
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("A short description of the center to be built.")
    )
    is_engineering_center = models.BooleanField(
        _("the lead unit runs a provincial engineering research center"),
        default=False,
        help_text=_("Art. 5.2: provincial engineering research centers that qualify are supported first."),
    )
    engineering_center_name = models.CharField(
        _("name of the engineering research center"), max_length=100, blank=True
    )

    # Art. 9.1 strategic fit
    strategic_fit = models.TextField(
        _("strategic fit (Art. 9.1)"),
        blank=True,
        help_text=_(
            "How the center serves the province's major strategies, tasks and projects, and the key technology field."
        ),
    )
    # Art. 9.2 lead unit strength and co-building
    lead_unit_strength = models.TextField(
        _("the lead unit's strength (Art. 9.2)"),
        blank=True,
        help_text=_("The lead unit's innovation advantages and representativeness in the field."),
    )
    collaboration = models.TextField(
        _("co-building arrangement (Art. 9.2)"),
        blank=True,
        help_text=_("Division of work and shared interests among the lead unit and the co-builders."),
    )
    # Art. 9.3 technology goals
    technology_goals = models.TextField(_("technology innovation goals (Art. 9.3)"), blank=True)
    bottleneck_technologies = models.TextField(_("“bottleneck” (卡脖子) technologies to tackle"), blank=True)
    strength_technologies = models.TextField(_("“long-board” (长板) technologies to extend"), blank=True)
    short_term_goals = models.TextField(_("short-term goals"), blank=True)
    mid_term_goals = models.TextField(_("mid-term goals"), blank=True)
    long_term_goals = models.TextField(_("long-term goals"), blank=True)
    # Art. 9.4 talent team and director
    talent_team = models.TextField(
        _("talent team (Art. 9.4)"),
        blank=True,
        help_text=_("Technology leaders, the core technical team, the support team and the transfer team."),
    )
    director_name = models.CharField(_("proposed director"), max_length=60, blank=True)
    director_title = models.CharField(_("director's position and title"), max_length=100, blank=True)
    director_profile = models.TextField(_("director's research and management experience"), blank=True)
    director_full_time = models.BooleanField(
        _("the director will work for the center full-time"),
        default=False,
        help_text=_("Art. 12: the director must be a full-time member of the center's staff."),
    )
    contact_person = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)

    # Art. 10.2 cultivation deliverables (prepared while in cultivation, checked by `recommend`)
    board_prepared = models.BooleanField(
        _("the board (理事会/董事会) has been prepared"),
        default=False,
        help_text=_("Art. 10.2: the board is set up before recommendation."),
    )
    board_summary = models.TextField(_("board composition"), blank=True)
    legal_entity_name = models.CharField(
        _("legal entity of the center"),
        max_length=200,
        blank=True,
        help_text=_("Art. 3: the center is an independent legal entity."),
    )
    legal_entity_credit_code = models.CharField(
        _("legal entity's unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )

    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    attachments = GenericRelation(Attachment)

    class Meta:
        verbose_name = _("intent application")
        verbose_name_plural = _("intent applications")
        ordering = ["-updated_at", "-id"]
        permissions = [("review_intentapplication", _("Can give an expert opinion on the application"))]

    def __str__(self):
        return self.proposed_name

    def get_absolute_url(self):
        return reverse("applications:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"SQ{self.created_at:%Y}-{self.pk:04d}"

    # What each step needs -------------------------------------------------------------------

    def lead_unit_error(self) -> str:
        """Art. 10.1: the lead unit (建设主体单位) applies; a bureau or department cannot."""
        if self.lead_unit_id is None or self.lead_unit.kind == Organization.Kind.UNIT:
            return ""
        return str(MESSAGE_LEAD_UNIT_ONLY % {"organization": self.lead_unit.name})

    def clean(self):
        super().clean()
        if error := self.lead_unit_error():
            raise ValidationError(error)

    def missing_for_submission(self) -> list[str]:
        """Art. 9 conditions and Art. 10.1, 12, 25 as a list of what is still missing."""
        missing = []
        if error := self.lead_unit_error():
            missing.append(error)
        try:
            validate_center_name(self.proposed_name)
        except ValidationError as exc:
            missing.extend(exc.messages)
        sections = [
            ("strategic_fit", _("Art. 9.1 strategic fit")),
            ("lead_unit_strength", _("Art. 9.2 the lead unit's strength")),
            ("collaboration", _("Art. 9.2 co-building arrangement")),
            ("technology_goals", _("Art. 9.3 technology innovation goals")),
            ("short_term_goals", _("Art. 9.3 short-term goals")),
            ("mid_term_goals", _("Art. 9.3 mid-term goals")),
            ("long_term_goals", _("Art. 9.3 long-term goals")),
            ("talent_team", _("Art. 9.4 talent team")),
            ("director_name", _("Art. 9.4 proposed director")),
        ]
        missing += [
            str(_("Please fill in: %(section)s.") % {"section": label})
            for name, label in sections
            if not getattr(self, name).strip()
        ]
        if not (self.bottleneck_technologies.strip() or self.strength_technologies.strip()):
            missing.append(
                str(_("Art. 9.3: name the “bottleneck” or “long-board” technologies the center targets."))
            )
        if not self.director_full_time:
            missing.append(str(_("Art. 12: the director must work for the center full-time.")))
        if not self.cobuilders.exists():
            missing.append(
                str(_("Art. 9.2: list at least one co-building university, institute or enterprise."))
            )
        if self.is_engineering_center and not self.engineering_center_name.strip():
            missing.append(str(_("Art. 5.2: give the name of the provincial engineering research center.")))
        return missing

    def missing_for_recommendation(self) -> list[str]:
        """Art. 10.2 and Art. 3: what cultivation must have produced before recommendation."""
        missing = []
        if not self.attachments.filter(kind=self.AttachmentKind.CONSTRUCTION_PLAN).exists():
            missing.append(str(_("Art. 10.2: upload the construction and operation plan (建设运行方案).")))
        if not self.board_prepared:
            missing.append(str(_("Art. 10.2: the board (理事会/董事会) must be prepared.")))
        if not self.legal_entity_name.strip():
            missing.append(str(_("Art. 3: name the legal entity that will run the center.")))
        if not self.legal_entity_credit_code.strip():
            missing.append(str(_("Art. 3: give the legal entity's unified social credit code.")))
        else:
            try:
                validate_credit_code(self.legal_entity_credit_code)
            except ValidationError as exc:
                missing.append(
                    str(
                        _("Art. 3: the legal entity needs a valid unified social credit code. %(error)s")
                        % {"error": " ".join(exc.messages)}
                    )
                )
        return missing

    def missing_opinions(self) -> int:
        """Counted experts (neither declined nor withdrawn) who have not submitted yet."""
        return self.expert_reviews.filter(state__in=OPEN_STATES).count()

    # Transitions (fields only; side effects live in applications.services) --------------------

    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED],
        target=State.SUBMITTED,
        permission=access.is_lead_unit_member,
        conditions=[complete_for_submission],
        custom={"label": _("Submit to supervisor"), "article": _("Art. 10.1"), "comment": "optional"},
    )
    def submit(self):
        """Art. 10.1: the lead unit submits its intent to its supervisor."""
        self.submitted_at = timezone.now()

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.CULTIVATING,
        permission=access.is_supervising_member,
        custom={"label": _("Accept for cultivation"), "article": _("Art. 10.2"), "comment": "optional"},
    )
    def accept_for_cultivation(self):
        """Art. 10.2: the supervisor takes the candidate into cultivation."""

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.RETURNED,
        permission=access.is_supervising_member,
        custom={
            "label": _("Return for revision"),
            "style": "warning",
            "comment": "required",
            "article": _("Art. 10.2"),
        },
    )
    @transition(
        field=state,
        source=State.RECOMMENDED,
        target=State.CULTIVATING,
        permission=access.is_department_member,
        custom={
            "label": _("Return to cultivation"),
            "style": "warning",
            "comment": "required",
            "article": _("Art. 10.3"),
        },
    )
    def return_for_revision(self):
        """Art. 10.2–10.3: send back to the applicant (from the supervisor) or to cultivation (from 科技厅)."""

    @transition(
        field=state,
        source=[State.SUBMITTED, State.CULTIVATING],
        target=State.DECLINED,
        permission=access.is_supervising_member,
        custom={
            "label": _("Decline"),
            "style": "danger",
            "comment": "required",
            "article": _("Art. 10.2"),
            "irreversible": [
                _(
                    "The application is closed for good: it is neither cultivated nor recommended, "
                    "and it can no longer be changed or resubmitted."
                ),
                _("The lead unit is told, with your reason."),
            ],
        },
    )
    def decline(self):
        """Art. 10.2: the supervisor decides not to cultivate or recommend the candidate."""
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=State.CULTIVATING,
        target=State.RECOMMENDED,
        permission=access.is_supervising_member,
        conditions=[ready_for_recommendation],
        custom={
            "label": _("Recommend to the department"),
            "article": _("Art. 10.2"),
            "comment": "optional",
            "form": "applications.forms.RecommendForm",
            "needs_data": True,
        },
    )
    def recommend(self):
        """Art. 10.2: the supervisor recommends a cultivated candidate to 科技厅."""

    @transition(
        field=state,
        source=State.RECOMMENDED,
        target=State.UNDER_REVIEW,
        permission=access.is_department_member,
        custom={
            "label": _("Start expert consultation"),
            "article": _("Art. 10.3"),
            "comment": "optional",
            "form": "experts.forms.ChooseExpertsForm",
            "needs_data": True,
        },
    )
    def start_review(self):
        """Art. 10.3: 科技厅 organizes expert consultation."""

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.APPROVED,
        permission=access.is_department_member,
        conditions=[all_opinions_in, group_opinion_approved],
        custom={
            "label": _("Approve construction"),
            "style": "success",
            "comment": "optional",
            "article": _("Art. 10.3"),
            "form": "sctic.forms.DecisionForm",
        },
    )
    def approve(self):
        """Art. 10.3 and 5.2: 科技厅 approves construction of the center."""
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=State.UNDER_REVIEW,
        target=State.REJECTED,
        permission=access.is_department_member,
        conditions=[all_opinions_in, group_opinion_approved],
        custom={
            "label": _("Do not approve"),
            "style": "danger",
            "comment": "required",
            "article": _("Art. 10.3"),
            "form": "sctic.forms.DecisionForm",
            "irreversible": [
                _("The application is closed for good: no center is built from it."),
                _(
                    "The decision not to approve (不予批准) is sent in writing to the supervisor and "
                    "the lead unit as an official notice, with your reason."
                ),
            ],
        },
    )
    def reject(self):
        """Art. 10.3: 科技厅 decides not to build the center (择优、择重、择需)."""
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=[State.DRAFT, State.SUBMITTED, State.RETURNED, State.CULTIVATING],
        target=State.WITHDRAWN,
        permission=access.is_lead_unit_member,
        custom={
            "label": _("Withdraw"),
            "style": "outline-danger",
            "comment": "optional",
            "confirm": _("Withdraw this application? This cannot be undone."),
        },
    )
    def withdraw(self):
        """Art. 10.1: the lead unit withdraws its intent before recommendation."""
        self.decided_at = timezone.now()


class CoBuilder(models.Model):
    """A university, institute or enterprise that builds the center with the lead unit (Art. 9.2)."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        INSTITUTE = "institute", _("Research institute")
        ENTERPRISE = "enterprise", _("Enterprise")
        OTHER = "other", _("Other")

    application = models.ForeignKey(IntentApplication, on_delete=models.CASCADE, related_name="cobuilders")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    role = models.CharField(
        _("role in the center"), max_length=300, blank=True, help_text=_("Its share of the work.")
    )

    class Meta:
        verbose_name = _("co-builder")
        verbose_name_plural = _("co-builders")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["application", "name"], name="unique_cobuilder_name")]

    def __str__(self):
        return self.name


class Recommendation(models.Model):
    """The supervisor's recommendation opinion (推荐意见) and rank (Art. 10.2)."""

    application = models.OneToOneField(
        IntentApplication, on_delete=models.CASCADE, related_name="recommendation"
    )
    supervisor = models.ForeignKey(
        Organization, verbose_name=_("supervisor"), on_delete=models.PROTECT, related_name="+"
    )
    opinion = models.TextField(_("recommendation opinion"))
    rank = models.PositiveSmallIntegerField(
        _("rank"),
        validators=[MinValueValidator(1)],
        help_text=_("Its place among this year's recommendations of your organization (1 = first)."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recommended by"), on_delete=models.PROTECT, related_name="+"
    )
    recommended_at = models.DateTimeField(_("recommended"))

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["supervisor", "year", "rank"]

    def __str__(self):
        return f"{self.application} #{self.rank}"


class ExpertReview(Assignment):
    """One expert's consultation opinion on one application (Art. 10.3); its lifecycle is the
    assignment's (experts.models.Assignment)."""

    subject_field = "application"

    class Verdict(models.TextChoices):
        SUPPORT = "support", _("Support")
        SUPPORT_WITH_CHANGES = "support_with_changes", _("Support with changes")
        OPPOSE = "oppose", _("Oppose")

    application = models.ForeignKey(
        IntentApplication, on_delete=models.CASCADE, related_name="expert_reviews"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("expert"),
        on_delete=models.PROTECT,
        related_name="consultation_reviews",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    no_conflict_declared = models.BooleanField(
        _("I declare that I have no conflict of interest with this application"), default=False
    )
    score = models.PositiveSmallIntegerField(
        _("score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0–100"),
    )
    verdict = models.CharField(_("conclusion"), max_length=30, choices=Verdict.choices, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("expert opinion")
        verbose_name_plural = _("expert opinions")
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "expert"], name="one_review_per_expert"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=100) | models.Q(score__isnull=True),
                name="score_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.application} – {self.expert}"
