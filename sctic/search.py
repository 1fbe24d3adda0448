"""One search for every list page and the header search (``?q=``).

Each app's ``filters.py`` says what its rows are found by — ``Search(names=…, codes=…, extra=…)`` —
and puts a ``SearchFilter`` under ``q``; the list page, its Excel export and ``/search/`` all go
through that filter. The query is cleaned first (control characters such as NUL dropped, at most
``MAX_LENGTH`` characters and ``MAX_TERMS`` words), every word must match (AND), and a word matches
when any field contains it (``icontains``: ``%`` and ``_`` are escaped, nothing is a regex).

On PostgreSQL a word of Latin letters (a pinyin or English name, no digit) also matches a name
that is close to it by trigram word similarity (``pg_trgm``, made by ``portal``'s migration), and
``rank`` puts the names closest to the query first. Chinese words and anything with a digit (credit
codes, document numbers, references) match as written: trigrams find near-misses such as 查询001
and 查询002, or two credit codes one character apart, "similar", and a user looking for one center
does not want the other. SQLite (``make run``) has the plain ``icontains`` only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import django_filters
from django import forms
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 100
MAX_TERMS = 5
FUZZY_MIN_LENGTH = 4  # shorter Latin words have too few trigrams to be "close" to anything

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def clean(value) -> str:
    """The query as searched: no control characters, single spaces, at most MAX_LENGTH characters."""
    return " ".join(_CONTROL.sub(" ", str(value or "")).split())[:MAX_LENGTH]


def terms(value) -> list[str]:
    return clean(value).split()[:MAX_TERMS]


def is_postgresql(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _fuzzy(term: str) -> bool:
    """A Latin word (no Chinese, no digit: credit codes, references and numbers are exact)."""
    return len(term) >= FUZZY_MIN_LENGTH and not _CJK.search(term) and not any(c.isdigit() for c in term)


@dataclass(frozen=True)
class Search:
    """What a list's rows are found by.

    ``names``: text fields (names of centers, units, titles), substring and, on PostgreSQL, trigram;
    ``codes``: identifiers (credit codes, document numbers), substring only;
    ``extra``: ``term -> Q | None`` for what is not a plain field (a reference like SQ2026-0011,
    a document number typed with other brackets, a center's former names).
    """

    names: Sequence[str]
    codes: Sequence[str] = ()
    extra: Sequence[Callable[[str], Q | None]] = ()

    def term_q(self, term: str, *, postgresql: bool) -> Q:
        q = Q()
        for field in (*self.names, *self.codes):
            q |= Q(**{f"{field}__icontains": term})
        if postgresql and _fuzzy(term):
            for field in self.names:
                q |= Q(**{f"{field}__trigram_word_similar": term})
        for extra in self.extra:
            q |= extra(term) or Q()
        return q

    def filter(self, queryset: QuerySet, value) -> QuerySet:
        words = terms(value)
        if not words:
            return queryset
        postgresql = is_postgresql(queryset)
        for word in words:
            queryset = queryset.filter(self.term_q(word, postgresql=postgresql))
        return queryset

    def rank(self, queryset: QuerySet, value) -> QuerySet:
        """Closest names first on PostgreSQL (trigram similarity of a name to the whole query: the
        name that is most nearly the query wins); the queryset's own order elsewhere and among equals."""
        text = clean(value)
        if not text or not is_postgresql(queryset):
            return queryset
        from django.contrib.postgres.search import TrigramSimilarity
        from django.db.models.functions import Coalesce, Greatest

        scores = [Coalesce(TrigramSimilarity(field, text), 0.0) for field in self.names]
        score = Greatest(*scores) if len(scores) > 1 else scores[0]
        order = list(queryset.query.order_by or queryset.model._meta.ordering)
        return queryset.alias(search_rank=score).order_by(F("search_rank").desc(), *order)


class SearchField(forms.CharField):
    """The search box: a NUL or other control character is dropped, not refused."""

    def to_python(self, value):
        return clean(super().to_python(value))


class SearchFilter(django_filters.CharFilter):
    """``q`` of a list's FilterSet: ``q = SearchFilter(Search(names=[…], …))``."""

    field_class = SearchField

    def __init__(self, search: Search, **kwargs):
        self.search = search
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}),
        )
        super().__init__(**kwargs)

    def filter(self, qs, value):
        return self.search.filter(qs, value) if value else qs


# --- sorting -------------------------------------------------------------------------------------


class SortField(forms.CharField):
    """``o=-name,year``: the known sort keys, in order; anything else is dropped, never an error."""

    def __init__(self, *, choices=(), null_label=None, **kwargs):
        self.keys = {str(value) for value, _label in choices}
        kwargs["required"] = False
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        return [key for key in (part.strip() for part in text.split(",")) if key in self.keys][:3]


class SortFilter(django_filters.OrderingFilter):
    """django-filter's OrderingFilter under ``o``, for the column headers (``{% sort_th %}``).

    ``fields`` maps a field name — or a tuple of them, for one column sorted by several — to its key
    in the URL. Unknown keys are ignored. Empty values come last either way, and the list's own
    order breaks ties, so that pages do not overlap.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Sort"))
        super().__init__(*args, **kwargs)
        self.field_class = SortField

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = []
        for key in value:
            descending = key.startswith("-")
            names = self.param_map[key.removeprefix("-")]
            for name in (names,) if isinstance(names, str) else names:
                ordering.append(F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True))
        default = list(qs.query.order_by or qs.model._meta.ordering)
        return qs.order_by(*ordering, *default, "pk")
