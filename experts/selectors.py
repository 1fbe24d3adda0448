"""Choosing experts: the pool, and who may not judge an object (conflict of interest)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.credit_code import normalize
from accounts.roles import Role

REASON_SAME_ORGANIZATION = _("works for %(organization)s, which is a party to this matter")
REASON_AVOIDANCE = _("has declared that they avoid %(organization)s (回避)")


def expert_pool() -> QuerySet:
    """Active users of the expert group with an active profile, with their organization."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.EXPERT, expert_profile__active=True)
        .select_related("organization", "expert_profile")
        .prefetch_related("expert_profile__avoid_organizations")
        .order_by("expert_profile__field", "full_name", "username")
        .distinct()
    )


@dataclass(frozen=True)
class Candidate:
    user: object
    conflict: str  # empty when the expert may be assigned
    field_match: bool


def candidates(
    *, field: str, parties: dict[int, str], party_names: set[str], party_credit_codes=()
) -> list[Candidate]:
    """The pool for one matter, best matches first (Art. 10.3 consultation, Art. 21 evaluation).

    An expert has a conflict when its organization is a party: ``parties`` maps the ids of the
    organizations involved (lead unit, supervisor, co-builders…) to their names; ``party_names``
    holds the names, and ``party_credit_codes`` the unified social credit codes, of involved bodies
    as the matter records them (a co-builder may be registered in the portal under another name,
    its code still identifies it). Codes are compared normalised (no spaces, upper case). An expert
    who declared that they avoid one of the parties (回避) has a conflict too."""
    codes = {normalize(code) for code in party_credit_codes if normalize(code)}
    result = []
    for user in expert_pool():
        org = user.organization
        conflict = ""
        if org is not None and _is_party(org, parties, party_names, codes):
            conflict = str(REASON_SAME_ORGANIZATION % {"organization": org.name})
        elif avoided := _avoided(user.expert_profile, parties, party_names, codes):
            conflict = str(REASON_AVOIDANCE % {"organization": avoided})
        result.append(Candidate(user=user, conflict=conflict, field_match=user.expert_profile.field == field))
    result.sort(key=lambda c: (bool(c.conflict), not c.field_match))
    return result


def _avoided(profile, parties, party_names, codes) -> str:
    """The first party the expert declared they avoid (回避), by organization or by name."""
    for org in profile.avoid_organizations.all():
        if _is_party(org, parties, party_names, codes):
            return org.name
    names = profile.avoided_names()
    hit = names & (set(party_names) | set(parties.values()))
    return sorted(hit)[0] if hit else ""


def _is_party(org, parties, party_names, codes) -> bool:
    return (
        org.pk in parties
        or org.name in party_names
        or (bool(org.credit_code) and normalize(org.credit_code) in codes)
    )
