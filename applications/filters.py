import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.regions import Region
from sctic.choices import TechnologyField

from .models import IntentApplication


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
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

    class Meta:
        model = IntentApplication
        fields = ["q", "state", "region", "technology_field", "supervisor", "is_engineering_center"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(proposed_name__icontains=value) | Q(lead_unit__name__icontains=value))
