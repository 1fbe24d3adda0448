import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Kind, Notice


class NoticeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices)
    state = django_filters.ChoiceFilter(label=_("State"), choices=Notice.State.choices)
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = Notice
        fields = ["q", "kind", "state", "year"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(number__icontains=value) | Q(addressees__icontains=value)
        )
