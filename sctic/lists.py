"""List pages: access scope, filters, search and sort (``?q=``, ``?o=``), pagination, export link."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django_filters.views import FilterView

from . import access

# Parameters that are not filters: they do not open the filter panel.
NOT_FILTERS = ("q", "o", "page")


class FilteredListView(LoginRequiredMixin, FilterView):
    """A list page: access scope, django-filter filters (``q`` searches, ``o`` sorts), pagination and
    an Excel export link."""

    model = None
    export_kind: str | None = None
    template_name = None

    def get_paginate_by(self, queryset):
        return settings.SCTIC["PAGE_SIZE"]

    def paginate_queryset(self, queryset, page_size):
        """A page past the end shows the last page (an old link after rows went away); a page that
        is not a number, or below 1, the first; ``last`` the last."""
        paginator = self.get_paginator(
            queryset, page_size, orphans=self.get_paginate_orphans(), allow_empty_first_page=True
        )
        raw = self.request.GET.get(self.page_kwarg, "")
        try:
            number = max(int(raw), 1)
        except ValueError:  # not a number, or one too long for int(): past any end
            number = paginator.num_pages if raw == "last" or (raw.isascii() and raw.isdigit()) else 1
        page = paginator.get_page(number)
        return paginator, page, page.object_list, page.has_other_pages()

    def scoped_queryset(self):
        return access.visible(self.model, self.request.user)

    def get_queryset(self):
        return self.decorate(self.scoped_queryset())

    def decorate(self, queryset):
        """select_related/annotate for the page's columns (keeps the query count constant)."""
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context["export_kind"] = self.export_kind
        context["query_params"] = params.urlencode()
        context["filters_applied"] = any(
            value for key, value in self.request.GET.items() if key not in NOT_FILTERS
        )
        cleaned = getattr(self.filterset.form, "cleaned_data", {})
        context["search"] = cleaned.get("q", "")  # as searched: no NUL, at most MAX_LENGTH characters
        context["sort"] = ",".join(cleaned.get("o") or [])  # the known sort keys only
        return context

    @classmethod
    def rows_for(cls, request, params):
        """The rows this list shows ``request.user`` for ``params`` (its scope, columns, filters)."""
        view = cls()
        view.setup(request)
        return cls.filterset_class(params, queryset=view.get_queryset(), request=request).qs
