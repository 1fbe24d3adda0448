import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.regions import Region
from sctic.choices import TechnologyField

from .models import AnnualReport


class ReportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
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

    class Meta:
        model = AnnualReport
        fields = ["q", "year", "state", "region", "technology_field", "supervisor", "overdue"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(center__name__icontains=value) | Q(center__lead_unit__name__icontains=value))

    def by_overdue(self, queryset, name, value):
        overdue = Q(state__in=AnnualReport.OPEN_STATES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
