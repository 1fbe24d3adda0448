from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import registry
from .models import Export
from .services import content_disposition, export_file_names, export_request


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
    back_url = registry.list_url(exporter, export.params) if exporter else None
    return render(request, template, {"export": export, "exporter": exporter, "back_url": back_url})


@login_required
def download(request, pk):
    export = get_object_or_404(Export, pk=pk, user=request.user, status=Export.Status.DONE)
    name, fallback = export_file_names(export, registry.get(export.kind))
    response = FileResponse(export.file.open("rb"), as_attachment=True, filename=fallback)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["Cache-Control"] = "private, no-store"
    return response
