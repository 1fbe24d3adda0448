"""Technology innovation centers and their three-year construction and operation cycles."""

from datetime import date

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin

from accounts.credit_code import validate_credit_code
from accounts.models import Organization
from accounts.regions import Region
from sctic.choices import TechnologyField

from .validators import validate_center_name


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


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
