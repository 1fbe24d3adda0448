import re
from datetime import UTC, datetime

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.regions import Region
from sctic.choices import TechnologyField
from sctic.search import Search, SearchFilter, SortFilter

from .models import IntentApplication

# IntentApplication.reference is SQ<year created, UTC>-<id, at least four digits>.
_REFERENCE = re.compile(r"(?:SQ)?(\d{4})-(\d{1,9})", re.IGNORECASE)
_REFERENCE_YEAR = re.compile(r"SQ(\d{4})-?", re.IGNORECASE)
_NUMBER = re.compile(r"\d{4,9}")


def _created_in(year: int, prefix: str) -> Q:
    if not 1 <= year < 9999:
        return Q(pk__in=[])
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    return Q(**{f"{prefix}created_at__gte": start, f"{prefix}created_at__lt": end})


def reference_q(prefix: str = ""):
    """``term -> Q`` finding applications (``prefix`` "application__" from a related model) by
    reference: "SQ2026-0011" or "2026-0011" (that one), "0011" (the number part as written),
    "SQ2026" (that year's)."""

    def match(term: str) -> Q | None:
        if m := _REFERENCE.fullmatch(term):
            return _created_in(int(m[1]), prefix) & Q(**{f"{prefix}pk": int(m[2])})
        if m := _REFERENCE_YEAR.fullmatch(term):
            return _created_in(int(m[1]), prefix)
        if _NUMBER.fullmatch(term) and f"{int(term):04d}" == term:
            return Q(**{f"{prefix}pk": int(term)})
        return None

    return match


SEARCH = Search(
    names=["proposed_name", "lead_unit__name", "legal_entity_name"],
    codes=["lead_unit__credit_code", "legal_entity_credit_code"],
    extra=[reference_q()],
)


class ApplicationFilter(django_filters.FilterSet):
    q = SearchFilter(SEARCH)
    state = django_filters.ChoiceFilter(label=_("State"), choices=IntentApplication.State.choices)
    region = django_filters.ChoiceFilter(
        label=_("Region"), field_name="lead_unit__region", choices=Region.choices
    )
    technology_field = django_filters.ChoiceFilter(
        label=_("Technology field"), choices=TechnologyField.choices
    )
    supervisor = django_filters.ModelChoiceFilter(
        label=_("Supervisor"), queryset=Organization.objects.filter(kind__in=Organization.SUPERVISOR_KINDS)
    )
    is_engineering_center = django_filters.BooleanFilter(
        label=_("Provincial engineering research center (Art. 5.2)")
    )
    o = SortFilter(
        fields={
            "proposed_name": "name",
            "lead_unit__name": "lead_unit",
            "lead_unit__region": "region",
            "technology_field": "field",
            "supervisor__name": "supervisor",
            "state": "state",
            "updated_at": "updated",
        }
    )

    class Meta:
        model = IntentApplication
        fields = ["q", "state", "region", "technology_field", "supervisor", "is_engineering_center", "o"]
