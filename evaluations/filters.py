import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.regions import Region
from sctic.choices import TechnologyField

from .models import Evaluation, EvaluationRound, Grade


class EvaluationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    round = django_filters.ModelChoiceFilter(label=_("Round"), queryset=EvaluationRound.objects.all())
    state = django_filters.ChoiceFilter(label=_("State"), choices=Evaluation.State.choices)
    grade = django_filters.ChoiceFilter(label=_("Grade"), choices=Grade.choices)
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

    class Meta:
        model = Evaluation
        fields = ["q", "round", "state", "grade", "region", "technology_field", "supervisor"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(center__name__icontains=value) | Q(center__lead_unit__name__icontains=value))
