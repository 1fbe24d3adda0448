"""Choosing experts: the pool, and who may not judge an object (conflict of interest)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role

REASON_SAME_ORGANIZATION = _("works for %(organization)s, which is a party to this matter")


def expert_pool() -> QuerySet:
    """Active users of the expert group with an active profile, with their organization."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.EXPERT, expert_profile__active=True)
        .select_related("organization", "expert_profile")
        .order_by("expert_profile__field", "full_name", "username")
        .distinct()
    )


@dataclass(frozen=True)
class Candidate:
    user: object
    conflict: str  # empty when the expert may be assigned
    field_match: bool


def candidates(*, field: str, parties: dict[int, str], party_names: set[str]) -> list[Candidate]:
    """The pool for one matter, best matches first. ``parties`` maps the ids of the organizations
    involved (lead unit, supervisor, co-builders…) to their names; ``party_names`` holds the names
    of involved bodies that have no portal organization."""
    result = []
    for user in expert_pool():
        org = user.organization
        conflict = ""
        if org is not None and (org.pk in parties or org.name in party_names):
            conflict = str(REASON_SAME_ORGANIZATION % {"organization": org.name})
        result.append(Candidate(user=user, conflict=conflict, field_match=user.expert_profile.field == field))
    result.sort(key=lambda c: (bool(c.conflict), not c.field_match))
    return result
