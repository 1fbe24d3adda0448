from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import registry
from .models import Export
from .services import export_request


@login_required
@require_POST
def create(request, kind):
    if registry.get(kind) is None:
        raise Http404
    export = export_request(user=request.user, kind=kind, params=request.POST.get("params", ""))
    return redirect(export)


@login_required
def detail(request, pk):
    export = get_object_or_404(Export, pk=pk, user=request.user)
    exporter = registry.get(export.kind)
    template = "exports/_status.html" if request.htmx else "exports/detail.html"
    return render(request, template, {"export": export, "exporter": exporter})


@login_required
def download(request, pk):
    export = get_object_or_404(Export, pk=pk, user=request.user, status=Export.Status.DONE)
    response = FileResponse(
        export.file.open("rb"), as_attachment=True, filename=export.file.name.rsplit("/", 1)[-1]
    )
    response["Cache-Control"] = "private, no-store"
    return response
