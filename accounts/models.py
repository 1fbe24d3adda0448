from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .credit_code import normalize, validate_credit_code
from .regions import Region
from .roles import Role, has_role


class Organization(models.Model):
    """A body that users work for: 科技厅, a provincial department, a municipal bureau, or a unit."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department of Science and Technology (Art. 5)")
        PROVINCIAL_DEPT = "provincial_dept", _("Provincial department (Art. 6)")
        MUNICIPAL_BUREAU = "municipal_bureau", _("Municipal or prefectural S&T bureau (Art. 6)")
        UNIT = "unit", _("Unit (university, institute, enterprise, center)")

    SUPERVISOR_KINDS = (Kind.PROVINCIAL_DEPT, Kind.MUNICIPAL_BUREAU)

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.CharField(
        _("region"),
        max_length=6,
        choices=Region.choices,
        help_text=_("The city or prefecture (市州) where it is located."),
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("统一社会信用代码: 18 characters, checked against GB 32100."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["kind", "region", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        self.credit_code = normalize(self.credit_code) or None

    @property
    def is_supervisor_body(self) -> bool:
        return self.kind in self.SUPERVISOR_KINDS


class User(AbstractUser):
    """A portal user. Everyone but an administrator works for exactly one organization."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    title = models.CharField(_("position or professional title"), max_length=60, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "The language of the portal, messages and e-mails for this user, as last chosen in the "
            "page footer; empty: Chinese."
        ),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.full_name or self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if not self.is_superuser and self.organization_id is None:
            raise ValidationError(
                {"organization": _("Every user except an administrator belongs to an organization.")}
            )

    @property
    def display_name(self) -> str:
        return str(self)

    def has_role(self, role: str) -> bool:
        return has_role(self, role)

    @property
    def is_applicant(self) -> bool:
        return has_role(self, Role.APPLICANT)

    @property
    def is_supervisor(self) -> bool:
        return has_role(self, Role.SUPERVISOR)

    @property
    def is_department(self) -> bool:
        return has_role(self, Role.DEPARTMENT)

    @property
    def is_expert(self) -> bool:
        return has_role(self, Role.EXPERT)
