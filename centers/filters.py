import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.regions import Region
from sctic.choices import TechnologyField

from .models import Center, ChangeRequest


class CenterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    state = django_filters.ChoiceFilter(label=_("State"), choices=Center.State.choices)
    region = django_filters.ChoiceFilter(label=_("Region"), choices=Region.choices)
    technology_field = django_filters.ChoiceFilter(
        label=_("Technology field"), choices=TechnologyField.choices
    )
    supervisor = django_filters.ModelChoiceFilter(
        label=_("Supervisor"), queryset=Organization.objects.filter(kind__in=Organization.SUPERVISOR_KINDS)
    )
    cycle_end_year = django_filters.NumberFilter(label=_("Current cycle ends in"), method="by_cycle_end_year")

    class Meta:
        model = Center
        fields = ["q", "state", "region", "technology_field", "supervisor", "cycle_end_year"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(lead_unit__name__icontains=value))

    def by_cycle_end_year(self, queryset, name, value):
        return queryset.filter(cycles__closed_on__isnull=True, cycles__end_date__year=value)


class ChangeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    state = django_filters.ChoiceFilter(label=_("State"), choices=ChangeRequest.State.choices)
    kind = django_filters.ChoiceFilter(label=_("What is to change"), choices=ChangeRequest.Kind.choices)
    region = django_filters.ChoiceFilter(
        label=_("Region"), field_name="center__region", choices=Region.choices
    )
    supervisor = django_filters.ModelChoiceFilter(
        label=_("Supervisor"),
        field_name="center__supervisor",
        queryset=Organization.objects.filter(kind__in=Organization.SUPERVISOR_KINDS),
    )

    class Meta:
        model = ChangeRequest
        fields = ["q", "state", "kind", "region", "supervisor"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(center__name__icontains=value) | Q(proposed_value__icontains=value))
