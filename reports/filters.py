import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.regions import Region
from centers.filters import center_search
from sctic.choices import TechnologyField
from sctic.search import SearchFilter, SortFilter

from .models import AnnualReport


class ReportFilter(django_filters.FilterSet):
    q = SearchFilter(center_search("center__"))
    year = django_filters.NumberFilter(label=_("Year"))
    state = django_filters.ChoiceFilter(label=_("State"), choices=AnnualReport.State.choices)
    region = django_filters.ChoiceFilter(
        label=_("Region"), field_name="center__region", choices=Region.choices
    )
    technology_field = django_filters.ChoiceFilter(
        label=_("Technology field"), field_name="center__technology_field", choices=TechnologyField.choices
    )
    supervisor = django_filters.ModelChoiceFilter(
        label=_("Supervisor"),
        field_name="center__supervisor",
        queryset=Organization.objects.filter(kind__in=Organization.SUPERVISOR_KINDS),
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="by_overdue")
    o = SortFilter(
        fields={
            "center__name": "center",
            "year": "year",
            "center__region": "region",
            "center__supervisor__name": "supervisor",
            "state": "state",
            "due_date": "due",
        }
    )

    class Meta:
        model = AnnualReport
        fields = ["q", "year", "state", "region", "technology_field", "supervisor", "overdue", "o"]

    def by_overdue(self, queryset, name, value):
        overdue = Q(state__in=AnnualReport.OPEN_STATES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
