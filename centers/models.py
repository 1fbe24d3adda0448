"""Technology innovation centers and their three-year construction and operation cycles."""

import unicodedata
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.credit_code import validate_credit_code
from accounts.models import Organization
from accounts.regions import Region
from attachments.models import Attachment
from sctic.choices import TechnologyField
from sctic.workflow import condition

from . import access
from .validators import validate_center_name


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February), for a deadline such
    as the end of a one-year rectification (Art. 23): the last day of the month when that year has
    no 29 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def cycle_end(start: date, years: int) -> date:
    """Art. 11.5: the last day of a cycle of ``years`` years from ``start``, the day before the
    cycle's anniversary. A cycle from 29 February reaches its anniversary on 1 March when that year
    has no 29 February, so it ends on 28 February (and not on 27 February, one day short); the next
    cycle starts the day after, and every cycle is exactly ``years`` years long."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        anniversary = date(start.year + years, 3, 1)
    return anniversary - timedelta(days=1)


class Center(FSMModelMixin, models.Model):
    """A 四川省技术创新中心, created when its intent application is approved (Art. 10.3)."""

    class State(models.TextChoices):
        OPERATING = "operating", _("In construction and operation")
        RECTIFYING = "rectifying", _("Rectifying")
        DELISTED = "delisted", _("Removed from the sequence")
        REVOKED = "revoked", _("Revoked")

    LIVE_STATES = (State.OPERATING, State.RECTIFYING)

    name = models.CharField(_("name"), max_length=100, unique=True, validators=[validate_center_name])
    application = models.OneToOneField(
        "applications.IntentApplication",
        verbose_name=_("intent application"),
        on_delete=models.PROTECT,
        related_name="center",
        null=True,
        blank=True,
    )
    lead_unit = models.ForeignKey(
        Organization, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="lead_centers"
    )
    supervisor = models.ForeignKey(
        Organization,
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        related_name="supervised_centers",
    )
    technology_field = models.CharField(_("technology field"), max_length=40, choices=TechnologyField.choices)
    region = models.CharField(_("region"), max_length=6, choices=Region.choices)
    legal_entity_name = models.CharField(
        _("legal entity"), max_length=200, help_text=_("Art. 3: an independent legal entity.")
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, validators=[validate_credit_code]
    )
    registered_address = models.CharField(_("registered location"), max_length=200, blank=True)
    research_direction = models.TextField(
        _("R&D direction and goals"),
        blank=True,
        help_text=_("Art. 6.3: changed only through a change request."),
    )
    organisation_structure = models.TextField(
        _("organisation structure"),
        blank=True,
        help_text=_("Art. 6.3: changed only through a change request."),
    )
    director_name = models.CharField(_("director"), max_length=60)
    director_full_time = models.BooleanField(
        _("director works full-time"), default=True, help_text=_("Art. 12")
    )
    is_engineering_center = models.BooleanField(
        _("built on a provincial engineering research center"), default=False
    )
    approved_on = models.DateField(_("approved on"))
    state = FSMField(
        _("state"), default=State.OPERATING, choices=State.choices, protected=True, db_index=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    ended_on = models.DateField(
        _("ended on"), null=True, blank=True, help_text=_("When it was revoked or removed from the sequence.")
    )
    attachments = GenericRelation(Attachment)

    class AttachmentKind(models.TextChoices):
        CHARTER = "charter", _("Charter (章程, Art. 7.1, 11.1)")
        BOARD_RESOLUTION = "board_resolution", _("Board resolution (Art. 11)")
        OTHER = "other", _("Other document")

    # Fields that change only through an approved change request (Art. 20); governance forms never
    # include them.
    IDENTITY_FIELDS = (
        "name",
        "registered_address",
        "lead_unit",
        "supervisor",
        "technology_field",
        "director_name",
        "director_full_time",
        "research_direction",
        "organisation_structure",
    )

    class Meta:
        verbose_name = _("technology innovation center")
        verbose_name_plural = _("technology innovation centers")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("centers:detail", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE_STATES

    def current_cycle(self):
        return self.cycles.filter(closed_on__isnull=True).first()

    @transition(
        field=state,
        source=[State.OPERATING, State.RECTIFYING],
        target=State.REVOKED,
        permission=access.is_department_member,
        custom={
            "label": _("Revoke the center"),
            "style": "outline-danger",
            "comment": "required",
            "article": _("Art. 5.2"),
            "form": "sctic.forms.DecisionForm",
            "notice": "draft",
            "irreversible": [
                _(
                    "The center is revoked and leaves the sequence of provincial technology "
                    "innovation centers; its record stays readable but can no longer be changed."
                ),
                _(
                    "Its open change requests, annual reports and evaluations are closed, with your "
                    "reason in their timelines."
                ),
                _("Its current three-year cycle ends today."),
                _(
                    "A revocation decision (撤销决定) to its supervisor and lead unit is drafted. It is "
                    "numbered and issued only if you tick “Number and issue the official notice now”; "
                    "otherwise you read, edit and issue it from the notice's page."
                ),
                _("The center's and its supervisor's users are told, with your reason."),
            ],
        },
    )
    def revoke(self):
        """Art. 5.2: 科技厅 revokes the center; its record stays readable."""
        self.ended_on = timezone.localdate()

    # Art. 23 dynamic management, driven by the evaluation (evaluations.services) -------------------

    @transition(
        field=state,
        source=State.OPERATING,
        target=State.RECTIFYING,
        permission=access.is_department_member,
        custom={"label": _("Start rectification"), "comment": "optional", "hidden": True},
    )
    def start_rectification(self):
        """Art. 23: a center graded fail rectifies for one year."""

    @transition(
        field=state,
        source=State.RECTIFYING,
        target=State.OPERATING,
        permission=access.is_department_member,
        custom={"label": _("End rectification"), "comment": "optional", "hidden": True},
    )
    def finish_rectification(self):
        """Art. 23: the rectification passed; the center operates in its next cycle."""

    @transition(
        field=state,
        source=[State.OPERATING, State.RECTIFYING],
        target=State.DELISTED,
        permission=access.is_department_member,
        custom={
            "label": _("Remove from the sequence"),
            "comment": "required",
            "hidden": True,
            "irreversible": [
                _(
                    "The center leaves the sequence of provincial technology innovation centers; its "
                    "record stays readable but can no longer be changed."
                ),
                _(
                    "Its open change requests, annual reports and evaluations are closed, with your "
                    "reason in their timelines."
                ),
                _("Its current three-year cycle ends today."),
            ],
        },
    )
    def delist(self):
        """Art. 23: failed rectification, absence or withdrawal: no longer in the sequence."""
        self.ended_on = timezone.localdate()


class CenterCoBuilder(models.Model):
    """A university, institute or enterprise building the center with its lead unit (Art. 9.2);
    changed only through a change request (Art. 20)."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="cobuilders")
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    role = models.CharField(_("role in the center"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("co-builder")
        verbose_name_plural = _("co-builders")
        ordering = ["id"]

    def __str__(self):
        return self.name


class CenterHistory(models.Model):
    """What was true before: every approved change (Art. 20) keeps the old value with its date."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(_("what changed"), max_length=30)
    old_value = models.TextField(_("before"))
    new_value = models.TextField(_("after"))
    effective_on = models.DateField(_("effective from"))
    change_request = models.ForeignKey(
        "ChangeRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("change history entry")
        verbose_name_plural = _("change history")
        ordering = ["-effective_on", "-id"]

    def __str__(self):
        return f"{self.center} {self.kind} {self.effective_on}"

    def kind_label(self) -> str:
        return str(dict(ChangeRequest.Kind.choices).get(self.kind, self.kind))


class BoardMember(models.Model):
    """A member of the center's board (理事会/董事会), Art. 11."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        VICE_CHAIR = "vice_chair", _("Vice chair")
        MEMBER = "member", _("Member")

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="board_members")
    name = models.CharField(_("full name"), max_length=60)
    organization = models.CharField(_("organization represented"), max_length=200)
    position = models.CharField(_("position"), max_length=100, blank=True)
    role = models.CharField(_("role on the board"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("board member")
        verbose_name_plural = _("board members")
        ordering = ["role", "id"]

    def __str__(self):
        return self.name


class CommitteeMember(models.Model):
    """A member of the center's expert committee (专家委员会), Art. 13."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="committee_members")
    name = models.CharField(_("full name"), max_length=60)
    organization = models.CharField(_("organization"), max_length=200)
    title = models.CharField(_("professional title"), max_length=100, blank=True)
    is_chair = models.BooleanField(_("chair of the committee"), default=False)

    class Meta:
        verbose_name = _("expert committee member")
        verbose_name_plural = _("expert committee members")
        ordering = ["-is_chair", "id"]

    def __str__(self):
        return self.name


class WorkPlan(models.Model):
    """A yearly work plan decided by the board (Art. 11.4)."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="work_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    summary = models.TextField(_("main tasks"))
    adopted_on = models.DateField(_("adopted by the board on"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual work plan")
        verbose_name_plural = _("annual work plans")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["center", "year"], name="one_work_plan_per_year")]

    def __str__(self):
        return f"{self.center} {self.year}"


class CenterCycle(models.Model):
    """One construction and operation cycle of a center, normally three years (Art. 11.5, 22)."""

    center = models.ForeignKey(
        Center, verbose_name=_("center"), on_delete=models.CASCADE, related_name="cycles"
    )
    number = models.PositiveSmallIntegerField(_("cycle"))
    start_date = models.DateField(_("starts"))
    end_date = models.DateField(_("ends"))
    closed_on = models.DateField(
        _("closed on"), null=True, blank=True, help_text=_("Empty while this is the current cycle.")
    )
    attachments = GenericRelation(Attachment)

    class AttachmentKind(models.TextChoices):
        CONSTRUCTION_PLAN = "construction_plan", _("Construction and operation plan of the cycle (Art. 11.5)")
        OTHER = "other", _("Other document")

    class Meta:
        verbose_name = _("construction cycle")
        verbose_name_plural = _("construction cycles")
        ordering = ["center", "number"]
        constraints = [
            models.UniqueConstraint(fields=["center", "number"], name="unique_cycle_number"),
            models.UniqueConstraint(
                fields=["center"],
                condition=models.Q(closed_on__isnull=True),
                name="one_current_cycle_per_center",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")), name="cycle_ends_after_start"
            ),
        ]

    def __str__(self):
        return _("Cycle %(number)d (%(start)s – %(end)s)") % {
            "number": self.number,
            "start": self.start_date,
            "end": self.end_date,
        }

    @property
    def is_current(self) -> bool:
        return self.closed_on is None


OPEN_CHANGE_STATES = ("draft", "submitted", "returned", "supervisor_approved")

MESSAGE_NO_CHANGE = _(
    "Art. 20: the proposal is the same as what the center has now (“%(current)s”): this request "
    "would change nothing."
)


def _comparable(text: str) -> str:
    """``text`` as a reader compares it: full-width and half-width characters alike, runs of
    spaces as one, no empty lines, CRLF as LF."""
    lines = (" ".join(line.split()) for line in unicodedata.normalize("NFKC", text or "").splitlines())
    return "\n".join(line for line in lines if line)


@condition(_("The change request is not complete."))
def change_complete(change) -> bool:
    """Art. 20: a written request with its reason, a valid proposal and the board's resolution."""
    missing = change.problems()
    if missing:
        raise ValidationError(missing)
    return True


@condition(_("Art. 20: only a center in construction and operation can change."))
def center_is_live(change) -> bool:
    return change.center.is_live


class ChangeRequest(FSMModelMixin, models.Model):
    """A written request to change the center's name, registered location or another major matter,
    reviewed by its supervisor and approved by 科技厅 (Art. 20)."""

    class Kind(models.TextChoices):
        NAME = "name", _("Name")
        REGISTERED_LOCATION = "registered_location", _("Registered location")
        DIRECTOR = "director", _("Director")
        LEAD_UNIT = "lead_unit", _("Lead unit or co-builders")
        DIRECTION = "direction", _("R&D direction or goals")
        STRUCTURE = "structure", _("Organisation structure")
        OTHER = "other", _("Other major matter")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to supervisor")
        RETURNED = "returned", _("Returned for revision")
        SUPERVISOR_APPROVED = "supervisor_approved", _("Approved by supervisor")
        APPROVED = "approved", pgettext_lazy("change request", "Approved")  # not "approved for construction"
        REJECTED = "rejected", _("Not approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CANCELLED = "cancelled", _("Closed with the center")

    OPEN_STATES = OPEN_CHANGE_STATES

    class AttachmentKind(models.TextChoices):
        BOARD_RESOLUTION = "board_resolution", _("Board resolution (Art. 11)")
        SUPPORTING = "supporting", _("Supporting document")

    center = models.ForeignKey(
        Center, verbose_name=_("center"), on_delete=models.PROTECT, related_name="change_requests"
    )
    kind = models.CharField(_("what is to change"), max_length=30, choices=Kind.choices)
    proposed_value = models.TextField(
        _("proposed"),
        blank=True,
        help_text=_("The new name, registered location, director, direction, structure or matter."),
    )
    proposed_director_full_time = models.BooleanField(
        _("the new director works for the center full-time"), default=False, help_text=_("Art. 12")
    )
    proposed_lead_unit = models.ForeignKey(
        Organization,
        verbose_name=_("proposed lead unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Organization.Kind.UNIT},
    )
    proposed_cobuilders = models.TextField(
        _("proposed co-builders"), blank=True, help_text=_("One per line.")
    )
    reason = models.TextField(_("reason"), help_text=_("Art. 20: why the change is needed."))
    previous_value = models.TextField(_("value before the change"), blank=True)
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    attachments = GenericRelation(Attachment)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "kind"],
                condition=models.Q(state__in=OPEN_CHANGE_STATES),
                name="one_open_change_per_kind",
                violation_error_message=_("This center already has an open change request of this kind."),
            )
        ]

    def __str__(self):
        return _("%(center)s: change of %(kind)s") % {"center": self.center, "kind": self.get_kind_display()}

    def get_absolute_url(self):
        return reverse("changes:detail", args=[self.pk])

    # What is changed -----------------------------------------------------------------------------

    def current_value(self) -> str:
        """The center's value now, for the side-by-side view and the history."""
        center, K = self.center, self.Kind
        if self.kind == K.NAME:
            return center.name
        if self.kind == K.REGISTERED_LOCATION:
            return center.registered_address
        if self.kind == K.DIRECTOR:
            return center.director_name
        if self.kind == K.LEAD_UNIT:
            cobuilders = "\n".join(c.name for c in center.cobuilders.all())
            return f"{center.lead_unit.name}\n{cobuilders}".strip()
        if self.kind == K.DIRECTION:
            return center.research_direction
        if self.kind == K.STRUCTURE:
            return center.organisation_structure
        return ""

    def proposal_text(self) -> str:
        if self.kind == self.Kind.LEAD_UNIT:
            lead = self.proposed_lead_unit.name if self.proposed_lead_unit_id else self.center.lead_unit.name
            return f"{lead}\n{self.proposed_cobuilders}".strip()
        return self.proposed_value.strip()

    def changes_nothing(self) -> bool:
        """Art. 20: whether the proposal is what the center has now (compared as a reader would, see
        ``_comparable``). A new director's full-time status (Art. 12) and the co-builders (in any
        order) are part of the proposal; another major matter has no current value to compare."""
        K, center = self.Kind, self.center
        if self.kind == K.LEAD_UNIT:
            if self.proposed_lead_unit_id not in (None, center.lead_unit_id):
                return False
            proposed = {_comparable(line) for line in self.proposed_cobuilders.splitlines()} - {""}
            if not proposed:  # the lead unit alone: the co-builders stay as they are
                return self.proposed_lead_unit_id == center.lead_unit_id
            return proposed == {_comparable(c.name) for c in center.cobuilders.all()}
        if self.kind == K.OTHER or not self.proposed_value.strip():
            return False
        if self.kind == K.DIRECTOR and self.proposed_director_full_time != center.director_full_time:
            return False
        return _comparable(self.proposed_value) == _comparable(self.current_value())

    def no_change_message(self) -> str:
        current = Truncator(self.current_value().strip().replace("\n", "、")).chars(80)
        return str(MESSAGE_NO_CHANGE % {"current": current})

    def problems(self) -> list[str]:
        """Art. 20, 25, 12: what stands in the way of this request."""
        from .validators import validate_center_name

        K, problems = self.Kind, []
        if not self.reason.strip():
            problems.append(str(_("Art. 20: give the reason for the change in writing.")))
        if self.kind == K.LEAD_UNIT:
            if not self.proposed_lead_unit_id and not self.proposed_cobuilders.strip():
                problems.append(str(_("Name the new lead unit or list the new co-builders.")))
        elif not self.proposed_value.strip():
            problems.append(str(_("Give the proposed new value.")))
        if self.changes_nothing():
            problems.append(self.no_change_message())
        if self.kind == K.NAME and self.proposed_value.strip():
            try:
                validate_center_name(self.proposed_value.strip())
            except ValidationError as exc:
                problems.extend(exc.messages)
            if Center.objects.filter(name=self.proposed_value.strip()).exclude(pk=self.center_id).exists():
                problems.append(
                    str(
                        _("A center named “%(name)s” already exists (Art. 25): names must be unique.")
                        % {"name": self.proposed_value.strip()}
                    )
                )
        if self.kind == K.DIRECTOR and not self.proposed_director_full_time:
            problems.append(str(_("Art. 12: the new director must work for the center full-time.")))
        if not self.attachments.filter(kind=self.AttachmentKind.BOARD_RESOLUTION).exists():
            problems.append(str(_("Attach the board's resolution on the change (Art. 11).")))
        return problems

    # Transitions (fields only; applying the change lives in centers.services) -------------------

    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED],
        target=State.SUBMITTED,
        permission=access.is_change_center_member,
        conditions=[center_is_live, change_complete],
        custom={"label": _("Submit to supervisor"), "comment": "optional", "article": _("Art. 20")},
    )
    def submit(self):
        """Art. 20: the center applies in writing through its supervisor."""

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.SUPERVISOR_APPROVED,
        permission=access.is_change_supervisor,
        conditions=[center_is_live],
        custom={
            "label": _("Approve and forward"),
            "style": "success",
            "comment": "optional",
            "article": _("Art. 20"),
        },
    )
    def supervisor_approve(self):
        """Art. 20: the supervisor reviews the request and forwards it to 科技厅."""

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.RETURNED,
        permission=access.is_change_supervisor,
        custom={
            "label": _("Return for revision"),
            "style": "warning",
            "comment": "required",
            "article": _("Art. 20"),
        },
    )
    @transition(
        field=state,
        source=State.SUPERVISOR_APPROVED,
        target=State.RETURNED,
        permission=access.is_change_department,
        custom={
            "label": _("Return for revision"),
            "style": "warning",
            "comment": "required",
            "article": _("Art. 20"),
        },
    )
    def return_for_revision(self):
        """Art. 20: back to the center, by its supervisor or by 科技厅."""

    @transition(
        field=state,
        source=State.SUPERVISOR_APPROVED,
        target=State.APPROVED,
        permission=access.is_change_department,
        conditions=[center_is_live, change_complete],
        custom={
            "label": _("Approve the change"),
            "style": "success",
            "comment": "optional",
            "article": _("Art. 5.2, 20"),
            "form": "sctic.forms.DecisionForm",
        },
    )
    def approve(self):
        """Art. 5.2, 20: 科技厅 approves the change (applied by centers.services)."""
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=State.SUPERVISOR_APPROVED,
        target=State.REJECTED,
        permission=access.is_change_department,
        custom={
            "label": _("Do not approve"),
            "style": "danger",
            "comment": "required",
            "article": _("Art. 20"),
            "irreversible": [
                _(
                    "The request is closed for good and the center stays as it is; a change needs a "
                    "new request."
                ),
                _("The center and its supervisor are told, with your reason."),
            ],
        },
    )
    def reject(self):
        """Art. 20: 科技厅 refuses the change; the center stays as it is."""
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=[State.DRAFT, State.SUBMITTED, State.RETURNED],
        target=State.WITHDRAWN,
        permission=access.is_change_center_member,
        custom={"label": _("Withdraw"), "style": "outline-danger", "comment": "optional"},
    )
    def withdraw(self):
        """The center withdraws its request before 科技厅 decides."""
        self.decided_at = timezone.now()

    @transition(
        field=state,
        source=list(OPEN_CHANGE_STATES),
        target=State.CANCELLED,
        permission=access.is_change_department,
        custom={"label": _("Close"), "comment": "required", "hidden": True},
    )
    def cancel(self):
        """Closed because the center was revoked or removed from the sequence (Art. 5.2, 23)."""
        self.decided_at = timezone.now()
