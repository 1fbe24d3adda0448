import django_filters
from django.db.models import Case, DecimalField, F, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.regions import Region
from accounts.roles import Role, has_role
from centers.filters import center_search
from sctic.choices import TechnologyField
from sctic.search import SearchFilter, SortFilter

from .models import Evaluation, EvaluationRound, Grade


class EvaluationFilter(django_filters.FilterSet):
    q = SearchFilter(center_search("center__"))
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
    o = SortFilter(
        fields={
            "center__name": "center",
            "round__year": "round",
            "center__region": "region",
            "state": "state",
            "sort_total": "total",
            "grade": "grade",
        }
    )

    class Meta:
        model = Evaluation
        fields = ["q", "round", "state", "grade", "region", "technology_field", "supervisor", "o"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.alias(sort_total=self.sort_total()))

    def sort_total(self):
        """What the total column sorts by: the running total for 科技厅, else only a graded one
        (Art. 24: nobody else may learn how the scores stand before the grade)."""
        user = getattr(self.request, "user", None)
        if user is not None and (user.is_superuser or has_role(user, Role.DEPARTMENT)):
            return F("total_score")
        return Case(When(grade="", then=Value(None)), default=F("total_score"), output_field=DecimalField())
