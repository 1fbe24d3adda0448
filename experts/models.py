from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sctic.choices import TechnologyField


class ExpertProfile(models.Model):
    """A member of the expert pool that 科技厅 draws on for consultation (Art. 10.3) and
    evaluation (Art. 21). The expert's employer is ``user.organization``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="expert_profile",
    )
    field = models.CharField(_("main technology field"), max_length=40, choices=TechnologyField.choices)
    specialty = models.CharField(_("specialty"), max_length=200, blank=True)
    professional_title = models.CharField(_("professional title"), max_length=60, blank=True)
    active = models.BooleanField(
        _("in the pool"), default=True, help_text=_("Only experts in the pool can be assigned.")
    )

    class Meta:
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")
        ordering = ["field", "user__full_name"]

    def __str__(self):
        return f"{self.user} ({self.get_field_display()})"
