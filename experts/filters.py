"""Filters of the expert pool list (``/experts/``, 科技厅)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.regions import Region
from sctic.choices import TechnologyField
from sctic.search import Search, SearchFilter, SortFilter

from .models import ExpertProfile

SEARCH = Search(
    names=["user__full_name", "specialty", "professional_title", "user__organization__name"],
    codes=["user__username"],
)


def field_q(code: str) -> Q:
    """The experts of a technology field: their main field, or one of their secondary fields (a
    JSON list: the quoted code matches one element whole, on PostgreSQL and SQLite alike)."""
    return Q(field=code) | Q(secondary_fields__icontains=f'"{code}"')


class ExpertPoolFilter(django_filters.FilterSet):
    q = SearchFilter(SEARCH)
    field = django_filters.ChoiceFilter(
        label=_("Technology field"), choices=TechnologyField.choices, method="filter_field"
    )
    specialty = django_filters.CharFilter(label=_("specialty"), lookup_expr="icontains")
    professional_title = django_filters.CharFilter(label=_("professional title"), lookup_expr="icontains")
    organization = django_filters.CharFilter(
        label=_("organization"), field_name="user__organization__name", lookup_expr="icontains"
    )
    region = django_filters.ChoiceFilter(
        label=_("Region"), field_name="user__organization__region", choices=Region.choices
    )
    active = django_filters.BooleanFilter(label=_("in the pool"))
    o = SortFilter(
        fields={
            "user__full_name": "name",
            "professional_title": "title",
            "user__organization__name": "organization",
            "field": "field",
            "active": "active",
            "open_count": "open",
            "done_count": "done",
        }
    )

    class Meta:
        model = ExpertProfile
        fields = ["q", "field", "specialty", "professional_title", "organization", "region", "active", "o"]

    def filter_field(self, queryset, name, value):
        return queryset.filter(field_q(value)) if value else queryset
