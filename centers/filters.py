import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.regions import Region
from applications.filters import reference_q
from sctic.choices import TechnologyField
from sctic.search import Search, SearchFilter, SortFilter

from .models import Center, CenterHistory, ChangeRequest


def former_names_q(center: str = "pk"):
    """``term -> Q`` finding rows whose center (``center``: the path to its id) once had a name
    containing ``term`` (the history an approved Art. 20 name change leaves)."""

    def match(term: str) -> Q:
        return Q(
            Exists(
                CenterHistory.objects.filter(
                    center_id=OuterRef(center), kind=ChangeRequest.Kind.NAME, old_value__icontains=term
                )
            )
        )

    return match


def center_search(path: str = "", *, names=(), codes=(), extra=()) -> Search:
    """What finds a center — its name and former names, its lead unit and legal entity, their credit
    codes, its application's reference — from a row ``path`` away (``"center__"`` for a report)."""
    return Search(
        names=[f"{path}name", f"{path}lead_unit__name", f"{path}legal_entity_name", *names],
        codes=[f"{path}credit_code", f"{path}lead_unit__credit_code", *codes],
        extra=[former_names_q(f"{path}pk"), reference_q(f"{path}application__"), *extra],
    )


class CenterFilter(django_filters.FilterSet):
    q = SearchFilter(center_search())
    state = django_filters.ChoiceFilter(label=_("State"), choices=Center.State.choices)
    region = django_filters.ChoiceFilter(label=_("Region"), choices=Region.choices)
    technology_field = django_filters.ChoiceFilter(
        label=_("Technology field"), choices=TechnologyField.choices
    )
    supervisor = django_filters.ModelChoiceFilter(
        label=_("Supervisor"), queryset=Organization.objects.filter(kind__in=Organization.SUPERVISOR_KINDS)
    )
    cycle_end_year = django_filters.NumberFilter(label=_("Current cycle ends in"), method="by_cycle_end_year")
    o = SortFilter(
        fields={
            "name": "name",
            "lead_unit__name": "lead_unit",
            "region": "region",
            "technology_field": "field",
            "supervisor__name": "supervisor",
            "state": "state",
            "cycle_end": "cycle",  # annotated by centers.selectors.list_queryset
        }
    )

    class Meta:
        model = Center
        fields = ["q", "state", "region", "technology_field", "supervisor", "cycle_end_year", "o"]

    def by_cycle_end_year(self, queryset, name, value):
        return queryset.filter(cycles__closed_on__isnull=True, cycles__end_date__year=value)


class ChangeFilter(django_filters.FilterSet):
    q = SearchFilter(center_search("center__", names=["proposed_value", "proposed_lead_unit__name"]))
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
    o = SortFilter(
        fields={
            "center__name": "center",
            "kind": "kind",
            "center__supervisor__name": "supervisor",
            "state": "state",
            "updated_at": "updated",
        }
    )

    class Meta:
        model = ChangeRequest
        fields = ["q", "state", "kind", "region", "supervisor", "o"]
