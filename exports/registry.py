"""Excel exports of list pages. Each list registers what it exports; the file is built by a
Celery task from the same filters and the same access scope as the page the user looked at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict


@dataclass(frozen=True)
class Exporter:
    kind: str
    title: Any  # lazy string, used for the sheet and file name
    queryset: Callable[..., Any]  # queryset(user, params: QueryDict) -> filtered, access-scoped rows
    columns: list[tuple[Any, Callable[[Any], Any]]]  # (header, value(row))


_exporters: dict[str, Exporter] = {}


def register(exporter: Exporter) -> None:
    _exporters[exporter.kind] = exporter


def get(kind: str) -> Exporter | None:
    return _exporters.get(kind)


def rows(exporter: Exporter, user, params: str):
    return exporter.queryset(user, QueryDict(params))


def filtered_list(model, filterset_class, decorate):
    """``queryset`` for an exporter of a list page: the user's scope, the page's filters, its columns."""

    def queryset(user, params):
        from sctic import access

        return decorate(filterset_class(params, queryset=access.visible(model, user)).qs)

    return queryset
