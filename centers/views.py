from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from notices.services import notices_about
from sctic import access, workflow
from sctic.views import FilteredListView, TransitionView, timeline

from .filters import CenterFilter
from .models import Center
from .selectors import list_queryset


class CenterList(FilteredListView):
    model = Center
    filterset_class = CenterFilter
    template_name = "centers/list.html"
    export_kind = "centers"

    def decorate(self, queryset):
        return list_queryset(queryset)


class CenterTransition(TransitionView):
    model = Center


@login_required
def detail(request, pk):
    center = access.get_visible_or_404(Center, request.user, pk)
    context = {
        "center": center,
        "cycles": list(center.cycles.all()),
        "application": center.application,
        "actions": workflow.get_actions(center, request.user),
        "timeline": timeline(center),
        "notices": list(notices_about(request.user, center, center.application)),
    }
    return render(request, "centers/detail.html", context)
