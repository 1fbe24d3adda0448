"""The header search: one query across applications, centers, reports and notices, grouped by kind,
a few hits each, with a link to the full list filtered by the same query."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.views import ApplicationList
from centers.views import CenterList
from notices.views import NoticeList
from reports.views import ReportList
from sctic.search import clean

HITS_PER_KIND = 5


@dataclass(frozen=True)
class Kind:
    key: str
    title: object  # lazy string
    view: type  # a sctic.lists.FilteredListView whose filterset has ``q = SearchFilter(…)``
    list_url_name: str


KINDS = [
    Kind("applications", _("Intent applications"), ApplicationList, "applications:list"),
    Kind("centers", _("Technology innovation centers"), CenterList, "centers:list"),
    Kind("reports", _("Annual reports"), ReportList, "reports:list"),
    Kind("notices", _("Official notices"), NoticeList, "notices:list"),
]


def search_group(request, kind: Kind, text: str) -> dict:
    """The first hits of one kind (closest first on PostgreSQL), how many there are in all and the
    list that shows them all: two queries, whatever the number of rows."""
    rows = kind.view.rows_for(request, {"q": text})
    rows = kind.view.filterset_class.base_filters["q"].search.rank(rows, text)
    total = rows.count()
    return {
        "kind": kind.key,
        "title": kind.title,
        "total": total,
        "hits": list(rows[:HITS_PER_KIND]) if total else [],
        "url": f"{reverse(kind.list_url_name)}?{urlencode({'q': text})}",
    }


@login_required
def search(request):
    text = clean(request.GET.get("q", ""))
    groups = [search_group(request, kind, text) for kind in KINDS] if text else []
    context = {"q": text, "groups": groups, "total": sum(group["total"] for group in groups)}
    return render(request, "portal/search.html", context)
