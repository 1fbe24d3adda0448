from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role, has_role
from attachments.forms import AttachmentForm
from attachments.services import attachments_of
from attachments.views import upload_to
from sctic import access, workflow
from sctic.views import FilteredListView, TransitionView, last_comment, timeline

from . import access as report_access
from .filters import ReportFilter
from .forms import ReportForm, SeasonForm
from .metrics import METRICS
from .models import AnnualReport, ReportingSeason
from .selectors import comparison, earlier_reports, list_queryset, season_progress
from .services import batch_summary, perform_many, season_open

BATCH_TRANSITIONS = ("file", "return_for_revision", "supervisor_approve")


class ReportList(FilteredListView):
    model = AnnualReport
    filterset_class = ReportFilter
    template_name = "reports/list.html"
    export_kind = "reports"

    def decorate(self, queryset):
        return list_queryset(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["is_department"] = has_role(user, Role.DEPARTMENT) or user.is_superuser
        names = set()
        if context["is_department"]:
            names |= {"file", "return_for_revision"}
        if has_role(user, Role.SUPERVISOR) or user.is_superuser:
            names.add("supervisor_approve")  # 科技厅 never approves in the supervisor's place
        context["batch_actions"] = batch_actions(context["object_list"], user, names)
        return context


def batch_actions(reports, user, names) -> list:
    """The batch buttons for the page's ``reports``: each report gets ``batch_names``, the batch
    transitions among ``names`` that ``user`` may press on it now (the check of the report page's
    buttons, ``workflow.get_actions``, on the fields already loaded: no query per row); the page
    offers a button where at least one row has it."""
    offered = {}
    for report in reports:
        report.batch_names = []
        if not names:
            continue
        for action in workflow.get_actions(report, user):
            if action.name in names and not action.blocked:
                report.batch_names.append(action.name)
                offered.setdefault(action.name, action)
    return [offered[name] for name in BATCH_TRANSITIONS if name in offered]


class ReportTransition(TransitionView):
    model = AnnualReport


@login_required
def detail(request, pk):
    report = access.get_visible_or_404(AnnualReport, request.user, pk)
    earlier = earlier_reports(report)
    files = list(attachments_of(report))
    evidence = {}
    for attachment in files:
        evidence.setdefault(attachment.kind, []).append(attachment)
    context = {
        "report": report,
        "earlier": earlier,
        "rows": [
            (metric, value, previous, evidence.get(metric.name, []))
            for metric, value, previous in comparison(report, earlier)
        ],
        "attachments": files,
        "attachment_form": AttachmentForm(kinds=AnnualReport.AttachmentKind.choices)
        if access.can_change(request.user, report)
        else None,
        "can_edit": access.can_change(request.user, report),
        "actions": workflow.get_actions(report, request.user),
        "timeline": timeline(report),
        "return_reason": last_comment(report, "return_for_revision")
        if report.state == report.State.RETURNED
        else None,
        "overdue": report.is_overdue(),
    }
    return render(request, "reports/detail.html", context)


@login_required
def edit(request, pk):
    report = access.get_visible_or_404(AnnualReport, request.user, pk)
    if not report_access.is_center_member(report, request.user):
        raise PermissionDenied
    if not access.can_change(request.user, report):
        messages.error(
            request, _("Art. 19: a submitted report cannot be changed; ask your supervisor to return it.")
        )
        return redirect(report)
    form = ReportForm(request.POST or None, instance=report)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved. Submit the report to your supervisor when it is complete."))
            return redirect(report)
        messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    return render(
        request,
        "reports/form.html",
        {"report": report, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def upload(request, pk):
    return upload_to(
        request,
        AnnualReport,
        pk,
        is_owner=report_access.is_center_member,
        closed_message=_("Art. 19: a submitted report cannot be changed; ask your supervisor to return it."),
    )


@login_required
@require_POST
def batch(request, name):
    """One transition on the reports ticked in the list (科技厅 files or returns many at once)."""
    if name not in BATCH_TRANSITIONS:
        raise PermissionDenied
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
    reports = list(access.visible(AnnualReport, request.user).filter(pk__in=ids).select_related("center"))
    if not reports:
        messages.error(request, _("Tick the reports first."))
        return redirect(request.POST.get("next") or "reports:list")
    done, failed = perform_many(reports, name, actor=request.user, comment=request.POST.get("comment", ""))
    summary = batch_summary(name, done, failed)
    if failed:
        messages.warning(request, summary)
    else:
        messages.success(request, summary)
    next_url = request.POST.get("next", "")
    return redirect(next_url if next_url.startswith("/reports/") else "reports:list")


@login_required
def seasons(request):
    """科技厅 opens the reporting of a year (Art. 19); the page shows every season's progress."""
    if not (has_role(request.user, Role.DEPARTMENT) or request.user.is_superuser):
        raise PermissionDenied
    form = SeasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            season, created = season_open(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request,
                _("Reporting for %(year)d is open: %(count)d draft reports created.")
                % {"year": season.year, "count": created},
            )
            return redirect("reports:seasons")
    reports = access.visible(AnnualReport, request.user)
    rows = [(season, season_progress(reports, season)) for season in ReportingSeason.objects.all()[:10]]
    return render(
        request,
        "reports/seasons.html",
        {"form": form, "rows": rows, "metrics": METRICS},
        status=400 if form.errors else 200,
    )
