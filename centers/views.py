from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attachments.forms import AttachmentForm
from attachments.services import attachments_of
from attachments.views import store_upload, upload_to
from notices.services import notices_about
from sctic import access, workflow
from sctic.views import FilteredListView, TransitionView, last_comment, timeline

from . import access as center_access
from .filters import CenterFilter, ChangeFilter
from .forms import BoardFormSet, ChangeRequestForm, CommitteeFormSet, WorkPlanFormSet
from .models import Center, CenterCycle, ChangeRequest
from .selectors import change_list_queryset, list_queryset


class CenterList(FilteredListView):
    model = Center
    filterset_class = CenterFilter
    template_name = "centers/list.html"
    export_kind = "centers"

    def decorate(self, queryset):
        return list_queryset(queryset)


class CenterTransition(TransitionView):
    model = Center


class ChangeList(FilteredListView):
    model = ChangeRequest
    filterset_class = ChangeFilter
    template_name = "centers/change_list.html"
    export_kind = "changes"

    def decorate(self, queryset):
        return change_list_queryset(queryset)


class ChangeTransition(TransitionView):
    model = ChangeRequest


@login_required
def detail(request, pk):
    from evaluations.access import visible_evaluations, visible_findings
    from reports.access import visible_reports

    user = request.user
    center = access.get_visible_or_404(Center, user, pk)
    # kind_label reads the attachment's content type: prefetched, or one query per plan.
    cycles = list(center.cycles.prefetch_related("attachments__uploaded_by", "attachments__content_type"))
    can_edit = access.can_change(user, center)
    context = {
        "center": center,
        "cobuilders": list(center.cobuilders.all()),
        "history": list(center.history.all()),
        "board": list(center.board_members.all()),
        "committee": list(center.committee_members.all()),
        "work_plans": list(center.work_plans.all()),
        "cycles": cycles,
        "documents": list(attachments_of(center)),
        "application": center.application,
        "reports": list(visible_reports(user).filter(center=center).order_by("-year")),
        # Art. 23, 24: the center's evaluations and any integrity finding belong to its record.
        "evaluations": list(
            visible_evaluations(user).filter(center=center).select_related("round").order_by("-round__year")
        ),
        "findings": list(
            visible_findings(user).filter(evaluation__center=center).select_related("evaluation__round")
        ),
        "changes": list(access.visible(ChangeRequest, user).filter(center=center).order_by("-updated_at")),
        "notices": list(notices_about(user, center, center.application, *center.change_requests.all())),
        "actions": workflow.get_actions(center, user),
        "timeline": timeline(center),
        "can_edit": can_edit,
        "document_form": AttachmentForm(kinds=Center.AttachmentKind.choices) if can_edit else None,
        "cycle_form": AttachmentForm(kinds=CenterCycle.AttachmentKind.choices) if can_edit else None,
        "can_request_change": can_edit,
    }
    return render(request, "centers/detail.html", context)


def _center_for_editing(request, pk) -> Center:
    center = access.get_visible_or_404(Center, request.user, pk)
    if not center_access.is_center_member(center, request.user):
        raise PermissionDenied
    return center


@login_required
def governance(request, pk):
    """Art. 11, 13: the center keeps its board, expert committee and yearly work plans. Identity
    fields (name, location, director…) are not on this form: they change through Art. 20 only."""
    center = _center_for_editing(request, pk)
    if not center.is_live:
        messages.error(
            request, _("The records of a center that has left the sequence can no longer be changed.")
        )
        return redirect(center)
    data = request.POST if request.method == "POST" else None
    formsets = {
        "board": BoardFormSet(data, instance=center, prefix="board"),
        "committee": CommitteeFormSet(data, instance=center, prefix="committee"),
        "plans": WorkPlanFormSet(data, instance=center, prefix="plans"),
    }
    if request.method == "POST":
        if all(f.is_valid() for f in formsets.values()):
            with transaction.atomic():
                for formset in formsets.values():
                    formset.save()
            messages.success(request, _("The governance records were saved."))
            return redirect(center)
        messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    return render(
        request,
        "centers/governance.html",
        {"center": center, **formsets},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def upload(request, pk):
    """The charter, board resolutions (on the center) and each cycle's construction plan."""
    center = _center_for_editing(request, pk)
    if not access.can_change(request.user, center):
        messages.error(
            request, _("The records of a center that has left the sequence can no longer be changed.")
        )
        return redirect(center)
    owner, kinds = center, Center.AttachmentKind.choices
    if request.POST.get("cycle"):
        owner = center.cycles.filter(pk=request.POST["cycle"], closed_on__isnull=True).first()
        kinds = CenterCycle.AttachmentKind.choices
        if owner is None:
            messages.error(request, _("Plans can be added only to the current cycle."))
            return redirect(center)
    store_upload(request, owner, kinds)
    return redirect(center)


# Art. 20 change requests -------------------------------------------------------------------------


@login_required
def change_create(request, pk):
    center = _center_for_editing(request, pk)
    if not center.is_live:
        messages.error(request, _("Art. 20: only a center in construction and operation can change."))
        return redirect(center)
    change = ChangeRequest(center=center, created_by=request.user)
    return _change_form(request, change, center, created=True)


@login_required
def change_edit(request, pk):
    change = access.get_visible_or_404(ChangeRequest, request.user, pk)
    if not center_access.is_change_center_member(change, request.user):
        raise PermissionDenied
    if not access.can_change(request.user, change):
        messages.error(
            request, _("Art. 20: a submitted request cannot be changed; ask for it to be returned.")
        )
        return redirect(change)
    return _change_form(request, change, change.center, created=False)


def _change_form(request, change, center, *, created):
    form = ChangeRequestForm(request.POST or None, instance=change, center=center)
    if request.method == "POST":
        if form.is_valid():
            change = form.save()
            messages.success(
                request,
                _("Saved. Attach the board's resolution, then submit the request to your supervisor."),
            )
            return redirect(change)
        messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    context = {"form": form, "center": center, "change": change, "created": created}
    return render(
        request, "centers/change_form.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
def change_detail(request, pk):
    user = request.user
    change = access.get_visible_or_404(ChangeRequest, user, pk)
    can_edit = access.can_change(user, change)
    context = {
        "change": change,
        "center": change.center,
        "current": change.previous_value if change.state == change.State.APPROVED else change.current_value(),
        "proposed": change.proposal_text(),
        "attachments": list(attachments_of(change)),
        "attachment_form": AttachmentForm(kinds=ChangeRequest.AttachmentKind.choices) if can_edit else None,
        "can_edit": can_edit,
        "actions": workflow.get_actions(change, user),
        "timeline": timeline(change),
        "notices": list(notices_about(user, change)),
        "return_reason": last_comment(change, "return_for_revision")
        if change.state == change.State.RETURNED
        else None,
    }
    return render(request, "centers/change_detail.html", context)


@login_required
@require_POST
def change_upload(request, pk):
    return upload_to(
        request,
        ChangeRequest,
        pk,
        is_owner=center_access.is_change_center_member,
        closed_message=_("Art. 20: a submitted request cannot be changed; ask for it to be returned."),
    )
