from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role, has_role
from attachments.forms import AttachmentForm
from attachments.services import attachments_of
from attachments.views import upload_to
from experts.models import OPEN_STATES
from experts.review_views import review_context
from experts.sessions import session_context
from notices.services import notices_about
from sctic import access, workflow
from sctic.views import FilteredListView, TransitionView, last_comment, timeline

from . import access as app_access
from .filters import ApplicationFilter
from .forms import ApplicationForm, CoBuilderFormSet, CultivationForm, ExpertReviewForm
from .models import IntentApplication
from .selectors import list_queryset
from .services import expert_review_submit


def _get_application_or_404(user, pk) -> IntentApplication:
    return access.get_visible_or_404(IntentApplication, user, pk)


class ApplicationList(FilteredListView):
    model = IntentApplication
    filterset_class = ApplicationFilter
    template_name = "applications/list.html"
    export_kind = "applications"

    def decorate(self, queryset):
        return list_queryset(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = app_access.can_create(self.request.user)
        return context


class ApplicationTransition(TransitionView):
    model = IntentApplication


@login_required
def create(request):
    if not app_access.can_create(request.user):
        if has_role(request.user, Role.APPLICANT):
            # An applicant outside a unit (a bureau or department user): say why, Art. 10.1.
            messages.error(
                request, _("Art. 10.1: only the lead unit (a unit) can make an intent application.")
            )
            return redirect("applications:list")
        raise PermissionDenied
    application = IntentApplication(lead_unit=request.user.organization, created_by=request.user)
    return _edit(request, application, created=True)


@login_required
def edit(request, pk):
    application = _get_application_or_404(request.user, pk)
    # Not the lead unit: 403. The lead unit at the wrong moment: a message on the application page.
    if not app_access.is_lead_unit_member(application, request.user):
        raise PermissionDenied
    if not app_access.can_edit_main_sections(request.user, application):
        messages.error(request, _("This application cannot be edited now."))
        return redirect(application)
    return _edit(request, application, created=False)


def _edit(request, application, *, created):
    form = ApplicationForm(request.POST or None, instance=application)
    formset = CoBuilderFormSet(request.POST or None, instance=application, prefix="cobuilders")
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            with transaction.atomic():
                application = form.save()
                formset.instance = application
                formset.save()
            messages.success(
                request,
                _("Saved. Submit it to your supervisor when it is complete.") if created else _("Saved."),
            )
            return redirect(application)
        messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    context = {"application": application, "form": form, "formset": formset, "created": created}
    return render(request, "applications/form.html", context, status=400 if request.method == "POST" else 200)


@login_required
def cultivation(request, pk):
    """Art. 10.2 deliverables, kept by the lead unit during cultivation."""
    application = _get_application_or_404(request.user, pk)
    if not app_access.is_lead_unit_member(application, request.user):
        raise PermissionDenied
    if not app_access.can_edit_cultivation(request.user, application):
        messages.error(request, _("The cultivation materials can be edited only during cultivation."))
        return redirect(application)
    form = CultivationForm(request.POST or None, instance=application)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Cultivation materials saved."))
            return redirect(application)
        messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    return render(
        request,
        "applications/cultivation.html",
        {"application": application, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def detail(request, pk):
    application = _get_application_or_404(request.user, pk)
    user = request.user
    reviews = list(application.expert_reviews.select_related("expert__organization"))
    own_review = next((r for r in reviews if r.expert_id == user.pk), None)
    sees_all_reviews = app_access.is_department_member(application, user)
    context = {
        "application": application,
        "cobuilders": list(application.cobuilders.all()),
        "attachments": list(attachments_of(application)),
        "attachment_form": AttachmentForm(kinds=IntentApplication.AttachmentKind.choices)
        if access.can_change(user, application)
        else None,
        "can_edit": app_access.can_edit_main_sections(user, application),
        "can_edit_cultivation": app_access.can_edit_cultivation(user, application),
        "actions": workflow.get_actions(application, user),
        "timeline": timeline(application),
        # Experts judge the application on its merits, without the supervisor's rank (Art. 10.3).
        "recommendation": getattr(application, "recommendation", None)
        if sees_all_reviews
        or app_access.is_supervising_member(application, user)
        or app_access.is_lead_unit_member(application, user)
        else None,
        "reviews": reviews if sees_all_reviews else [],
        "review_counts": (len(reviews), sum(r.is_submitted for r in reviews)),
        "own_review": own_review,
        "review_form": ExpertReviewForm(instance=own_review)
        if own_review
        and own_review.state in OPEN_STATES
        and application.state == application.State.UNDER_REVIEW
        else None,
        "return_reason": last_comment(application, "return_for_revision")
        if application.state in (application.State.RETURNED, application.State.CULTIVATING)
        else None,
        "missing_for_recommendation": application.missing_for_recommendation()
        if application.state == application.State.CULTIVATING
        else [],
        "center": getattr(application, "center", None)
        if application.state == application.State.APPROVED
        else None,
        "notices": list(notices_about(user, application)),
    }
    if reviews or application.state == application.State.UNDER_REVIEW:
        context.update(review_context(user, application))
        context.update(session_context(user, application))
        if context["group_opinion_party"]:
            context["review_sessions"] = []  # the unit never sees who the experts were
    return render(request, "applications/detail.html", context)


@login_required
@require_POST
def upload(request, pk):
    return upload_to(
        request,
        IntentApplication,
        pk,
        is_owner=app_access.is_lead_unit_member,
        closed_message=_("Files can be added only while the application is being prepared or cultivated."),
    )


@login_required
@require_POST
def review(request, pk):
    """Art. 10.3: the assigned expert's opinion."""
    application = _get_application_or_404(request.user, pk)
    own = application.expert_reviews.filter(expert=request.user).first()
    if own is None or not app_access.is_assigned_expert(application, request.user):
        raise Http404
    form = ExpertReviewForm(request.POST, instance=get_object_or_404(type(own), pk=own.pk))
    if form.is_valid():
        try:
            expert_review_submit(own, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(application)
        messages.success(request, _("Your opinion has been submitted. Thank you."))
        return redirect(application)
    messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    return render(
        request,
        "applications/review_form.html",
        {"application": application, "review_form": form, "own_review": own},
        status=400,
    )
