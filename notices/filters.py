import re

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sctic.search import Search, SearchFilter, SortFilter

from .models import Kind, Notice

# 川科高〔2026〕12号 as typed: the year in [], (), （）, 【】, ［］ or 〔〕.
_YEAR_IN_BRACKETS = re.compile(r"[\[(（【［〔]\s*(\d{4})\s*[\])）】］〕]")


def number_q(term: str) -> Q | None:
    """``term -> Q``: a document number typed with other brackets around the year."""
    normalized = _YEAR_IN_BRACKETS.sub(r"〔\1〕", term)
    return Q(number__icontains=normalized) if normalized != term else None


SEARCH = Search(
    names=["title", "addressees"],
    codes=["number", "code"],
    extra=[number_q],
)


class NoticeFilter(django_filters.FilterSet):
    q = SearchFilter(SEARCH)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices)
    state = django_filters.ChoiceFilter(label=_("State"), choices=Notice.State.choices)
    year = django_filters.NumberFilter(label=_("Year"))
    o = SortFilter(
        fields={
            ("year", "prefix", "sequence"): "number",
            "title": "title",
            "kind": "kind",
            "issue_date": "issued",
            "state": "state",
        }
    )

    class Meta:
        model = Notice
        fields = ["q", "kind", "state", "year", "o"]
