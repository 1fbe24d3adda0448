"""Excel exports of list pages. Each list registers what it exports; the file is built by a
Celery task from the same filters and the same access scope as the page the user looked at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Exporter:
    kind: str
    title: Any  # lazy string, used for the sheet and file name
    queryset: Callable[..., Any]  # queryset(user, params: QueryDict) -> filtered, access-scoped rows
    columns: list[tuple[Any, Callable[[Any], Any]]]  # (header, value(row)); a bool reads 是/否
    list_url_name: str = ""  # the list page exported; by default "<kind>:list"


_exporters: dict[str, Exporter] = {}


def register(exporter: Exporter) -> None:
    _exporters[exporter.kind] = exporter


def get(kind: str) -> Exporter | None:
    return _exporters.get(kind)


def list_url(exporter: Exporter, params: str) -> str | None:
    """The list page the export was asked from, with the same filters (and sorting)."""
    try:
        path = reverse(exporter.list_url_name or f"{exporter.kind}:list")
    except NoReverseMatch:
        return None
    query = QueryDict(params).urlencode()
    return f"{path}?{query}" if query else path


def rows(exporter: Exporter, user, params: str):
    return exporter.queryset(user, QueryDict(params))


def filtered_list(model, filterset_class, decorate):
    """``queryset`` for an exporter of a list page: the user's scope, the page's columns, then its
    filters and sort, in the order the page applies them (a sort chosen on the page wins)."""

    def queryset(user, params):
        from sctic import access

        return filterset_class(params, queryset=decorate(access.visible(model, user))).qs

    return queryset
