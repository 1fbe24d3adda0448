"""The four portal roles. Each is a Django group with exactly this name (DESIGN.md "People")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant (lead unit / center)")
    SUPERVISOR = "supervisor", _("Supervisor (provincial department or municipal bureau)")
    DEPARTMENT = "department", _("Department of Science and Technology")
    EXPERT = "expert", _("Expert")


def role_names(user) -> frozenset[str]:
    """The user's role names, read once per user object (one query, then cached)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user, role: str) -> bool:
    return getattr(user, "is_active", False) and role in role_names(user)
