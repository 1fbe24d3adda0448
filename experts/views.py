"""The expert pool pages: the pool and each expert's profile, avoidances (回避), workload and
history for 科技厅, who adds, edits and takes experts out of the pool; ``/experts/me/`` for an
expert's own profile. Assignments of both reviews count: consultation (Art. 10.3,
``applications.ExpertReview``) and evaluation (Art. 21, ``evaluations.EvaluationExpert``)."""

import secrets
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import Role, has_role
from sctic.lists import FilteredListView

from .access import is_department_user
from .filters import ExpertPoolFilter
from .models import OPEN_STATES, AssignmentState, ExpertProfile
from .pool_forms import ExpertUserForm, OwnProfileForm, PoolProfileForm
from .reviews import REVIEWS


def _assignment_models():
    return [review.assignment_model for review in REVIEWS.values()]


KIND_LABELS = {
    "consultation": gettext_lazy("Consultation (Art. 10.3)"),
    "evaluation": gettext_lazy("Evaluation (Art. 21)"),
}


def _year_start():
    today = timezone.localdate()
    return timezone.make_aware(datetime(today.year, 1, 1))


def _count(model, **conditions):
    """A subquery: how many assignments of ``model`` of the outer row's expert meet ``conditions``."""
    rows = (
        model.objects.filter(expert=OuterRef("user_id"), **conditions)
        .order_by()
        .values("expert")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def with_workload(queryset):
    """``open_count`` (invited or accepted) and ``done_count`` (submitted this year) over both kinds
    of assignment, in the same query as the profiles."""
    start = _year_start()
    end = start.replace(year=start.year + 1)
    models = _assignment_models()
    open_count = done_count = None
    for model in models:
        opened = _count(model, state__in=OPEN_STATES)
        done = _count(model, state=AssignmentState.SUBMITTED, submitted_at__gte=start, submitted_at__lt=end)
        open_count = opened if open_count is None else open_count + opened
        done_count = done if done_count is None else done_count + done
    return queryset.annotate(open_count=open_count, done_count=done_count)


def pool_queryset():
    return with_workload(
        ExpertProfile.objects.select_related("user__organization").order_by("user__full_name", "pk")
    )


def history(user) -> list:
    """Every assignment of the expert, of both kinds, newest first (one query per kind)."""
    rows = []
    for review in REVIEWS.values():
        for row in review.with_subject(review.assignment_model.objects.filter(expert=user)):
            row.kind_label = KIND_LABELS[review.key]
            rows.append(row)
    return sorted(rows, key=lambda row: (row.assigned_at, row.pk), reverse=True)


def _require_department(user):
    if not is_department_user(user):
        raise PermissionDenied


class PoolList(FilteredListView):
    """``/experts/``: the pool with search, filters and each expert's workload (科技厅 only)."""

    model = ExpertProfile
    filterset_class = ExpertPoolFilter
    template_name = "experts/pool_list.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_department(request.user)
        return super().dispatch(request, *args, **kwargs)

    def scoped_queryset(self):
        return ExpertProfile.objects.all()

    def decorate(self, queryset):
        return with_workload(queryset.select_related("user__organization").order_by("user__full_name", "pk"))


def _profile(pk):
    return get_object_or_404(
        pool_queryset().prefetch_related("avoid_organizations"),
        pk=pk,
    )


@login_required
def pool_detail(request, pk):
    _require_department(request.user)
    profile = _profile(pk)
    context = {"profile": profile, "expert": profile.user, "history": history(profile.user)}
    return render(request, "experts/pool_detail.html", context)


def _save_expert(user_form, profile_form, *, new: bool) -> ExpertProfile:
    with transaction.atomic():
        user = user_form.save(commit=False)
        if new:
            # A password nobody knows, not an unusable one: Django's password reset skips accounts
            # with an unusable password, and the expert sets theirs through it.
            user.set_password(secrets.token_urlsafe(32))
        user.save()
        if new:
            user.groups.add(Group.objects.get_or_create(name=Role.EXPERT)[0])
        profile = profile_form.save(commit=False)
        profile.user = user
        profile.save()
        profile_form.save_m2m()
    return profile


def _expert_form(request, *, profile=None):
    new = profile is None
    user_form = ExpertUserForm(request.POST or None, instance=None if new else profile.user)
    profile_form = PoolProfileForm(request.POST or None, instance=profile)
    if request.method == "POST":
        # Both validated, so that every error shows at once.
        valid = all([user_form.is_valid(), profile_form.is_valid()])
        if valid:
            profile = _save_expert(user_form, profile_form, new=new)
            messages.success(
                request,
                _("The expert was added to the pool.") if new else _("The expert's profile was saved."),
            )
            return redirect("experts:pool_detail", profile.pk)
        messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    context = {"user_form": user_form, "profile_form": profile_form, "profile": profile, "new": new}
    return render(request, "experts/pool_form.html", context, status=400 if request.method == "POST" else 200)


@login_required
def pool_new(request):
    _require_department(request.user)
    return _expert_form(request)


@login_required
def pool_edit(request, pk):
    _require_department(request.user)
    profile = get_object_or_404(ExpertProfile.objects.select_related("user"), pk=pk)
    return _expert_form(request, profile=profile)


@login_required
@require_POST
def pool_active(request, pk):
    """Takes the expert out of the pool, or back in: only experts in the pool can be drawn."""
    _require_department(request.user)
    with transaction.atomic():
        profile = get_object_or_404(ExpertProfile.objects.select_for_update(), pk=pk)
        profile.active = not profile.active
        profile.save(update_fields=["active", "updated_at"])
    if profile.active:
        messages.success(request, _("The expert is back in the pool."))
    else:
        messages.success(request, _("The expert was taken out of the pool; they can no longer be assigned."))
    return redirect("experts:pool_detail", profile.pk)


@login_required
def me(request):
    """The expert's own profile: fields, specialty, title and avoidances (回避)."""
    if not has_role(request.user, Role.EXPERT):
        raise PermissionDenied
    profile = ExpertProfile.objects.filter(user=request.user).first()
    if profile is None:
        return render(request, "experts/me.html", {"profile": None, "form": None})
    form = OwnProfileForm(request.POST or None, instance=profile)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your expert profile was saved."))
            return redirect("experts:me")
        messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    return render(
        request,
        "experts/me.html",
        {"profile": profile, "form": form},
        status=400 if request.method == "POST" else 200,
    )
