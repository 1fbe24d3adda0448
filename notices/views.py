from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sctic import access, workflow
from sctic.tasks import enqueue
from sctic.views import FilteredListView, TransitionView, timeline

from . import access as notice_access
from .filters import NoticeFilter
from .forms import NoticeForm, VerifyForm
from .models import Notice
from .rendering import paragraphs
from .selectors import list_queryset
from .services import verify_upload


class NoticeList(FilteredListView):
    model = Notice
    filterset_class = NoticeFilter
    template_name = "notices/list.html"
    export_kind = "notices"

    def decorate(self, queryset):
        return list_queryset(queryset)


class NoticeTransition(TransitionView):
    model = Notice


@login_required
def detail(request, pk):
    notice = access.get_visible_or_404(Notice, request.user, pk)
    context = {
        "notice": notice,
        "paragraphs": paragraphs(notice.body),
        "actions": workflow.get_actions(notice, request.user),
        "timeline": timeline(notice),
        "can_edit": notice_access.can_change(request.user, notice),
        "is_department": notice_access.is_department_member(notice, request.user),
        "subject": notice.subject,
    }
    return render(request, "notices/detail.html", context)


@login_required
def edit(request, pk):
    notice = access.get_visible_or_404(Notice, request.user, pk)
    if not notice_access.is_department_member(notice, request.user):
        raise PermissionDenied
    if not notice_access.can_change(request.user, notice):
        messages.error(request, _("Only a draft notice can be edited."))
        return redirect(notice)
    form = NoticeForm(request.POST or None, instance=notice)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("The draft was saved."))
            return redirect(notice)
        messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    return render(
        request,
        "notices/form.html",
        {"notice": notice, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def pdf(request, pk):
    notice = access.get_visible_or_404(Notice, request.user, pk)
    if not notice.is_rendered:
        raise Http404
    response = FileResponse(
        notice.pdf.open("rb"), as_attachment=False, filename=f"{notice.number or notice.code}.pdf"
    )
    response["Content-Type"] = "application/pdf"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def render_again(request, pk):
    """The department asks for the PDF to be made now (after a reported failure)."""
    notice = access.get_visible_or_404(Notice, request.user, pk)
    if not notice_access.is_department_member(notice, request.user):
        raise PermissionDenied
    if notice.state != Notice.State.DRAFT and not notice.is_rendered:
        from .tasks import render_notice

        enqueue(render_notice, notice.pk)
        messages.info(request, _("The PDF is being made again."))
    return redirect(notice)


def verify(request, code):
    """Public: anyone holding a notice can check that it is genuine. Shows the number, title, date
    and issuer only, and compares an uploaded PDF with the archived original."""
    notice = (
        Notice.objects.select_related("issuer").filter(code=code).exclude(state=Notice.State.DRAFT).first()
    )
    if notice is None:
        return render(request, "notices/verify.html", {"code": code, "notice": None}, status=404)
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = verify_upload(notice, form.cleaned_data["file"])
    return render(
        request, "notices/verify.html", {"code": code, "notice": notice, "form": form, "result": result}
    )
