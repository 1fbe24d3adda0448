"""Pages of an expert review, shared by consultation (Art. 10.3) and evaluation (Art. 21): the
assignment transitions (accept, decline, withdraw), adding experts while the review runs, naming
the 组长, and the group opinion. ``review_context`` gives the subject's page what it shows."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import Role, has_role
from sctic import access, workflow
from sctic.views import TransitionView, _apply_errors

from . import services
from .access import is_department, is_department_user
from .forms import ChooseExpertsForm, GroupOpinionForm
from .models import AssignmentState, Draw, GroupOpinion
from .reviews import REVIEWS, review_of


def _review(key):
    review = REVIEWS.get(key)
    if review is None:
        raise Http404
    return review


class AssignmentTransition(TransitionView):
    """``POST /experts/<key>/assignments/<pk>/transitions/<name>/``: accept, decline, withdraw."""

    def dispatch(self, request, *args, **kwargs):
        self.model = _review(kwargs["key"]).assignment_model
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # A declining expert no longer sees the matter: back to their tasks, not to a 404.
        subject = self.object.subject
        if response.status_code == 302 and not access.can_view(request.user, subject):
            return redirect("home")
        return response


class GroupOpinionTransition(TransitionView):
    model = GroupOpinion


def _subject_or_404(request, key, pk):
    review = _review(key)
    return review, access.get_visible_or_404(review.subject_model, request.user, pk)


@login_required
def add_experts(request, key, pk):
    """Art. 10.3, 21: 科技厅 adds experts while the review runs — drawn or chosen, recorded."""
    review, subject = _subject_or_404(request, key, pk)
    if not is_department_user(request.user):
        raise PermissionDenied
    if subject.state != "under_review":
        messages.error(request, _("Experts can be added only while the review runs."))
        return redirect(subject)
    form = ChooseExpertsForm(request.POST or None, obj=subject, adding=True, user=request.user)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                type(subject).objects.select_for_update().get(pk=subject.pk)
                draw = services.choose(subject, actor=request.user, **form.transition_data())
        except ValidationError as exc:
            errors = _apply_errors(form, exc)
        else:
            messages.success(request, _("%(count)d experts were invited.") % {"count": len(draw.drawn)})
            return redirect(subject)
    status = 400 if request.method == "POST" else 200
    context = {"subject": subject, "review": review, "form": form, "errors": errors}
    return render(request, "experts/add_experts.html", context, status=status)


@login_required
@require_POST
def name_leader(request, key, pk):
    """科技厅 names the 组长 of the expert group."""
    review = _review(key)
    if not is_department_user(request.user):
        raise PermissionDenied
    assignment = get_object_or_404(access.visible(review.assignment_model, request.user), pk=pk)
    try:
        services.name_leader(assignment, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(expert)s leads the expert group.") % {"expert": assignment.expert})
    return redirect(assignment.subject)


@login_required
def opinion_edit(request, pk):
    """The 组长 (or 科技厅) writes the group opinion."""
    opinion = access.get_visible_or_404(GroupOpinion, request.user, pk)
    if not services.can_edit_opinion(request.user, opinion):
        messages.error(request, _("The group opinion cannot be changed now."))
        return redirect(opinion)
    if not review_of(opinion.subject).all_in(opinion.subject):
        messages.error(request, services.MESSAGE_OPINION_WAIT)
        return redirect(opinion)
    form = GroupOpinionForm(request.POST or None, opinion=opinion)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.opinion_save(opinion, actor=request.user, **form.opinion_data())
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect(opinion)
            messages.success(request, _("The group opinion was saved."))
            return redirect(opinion)
        messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    status = 400 if request.method == "POST" else 200
    return render(request, "experts/opinion_form.html", {"opinion": opinion, "form": form}, status=status)


def review_context(user, subject) -> dict:
    """What the subject's page shows of its review, for ``experts/_review.html``.

    科技厅 sees every assignment with its state, deadline and draw, and acts on them; an assigned
    expert sees their own invitation; after the decision the unit and its supervisor read the
    approved group opinion — never expert names or individual comments."""
    review = review_of(subject)
    department = is_department(None, user)
    assignments = list(
        review.assignments(subject).select_related(
            review.subject_field, "expert__organization", "expert__expert_profile", "draw"
        )
    )
    for a in assignments:
        setattr(a, review.subject_field, subject)  # the page's object: no query per row
    own = (
        next((a for a in assignments if a.expert_id == user.pk), None)
        if has_role(user, Role.EXPERT)
        else None
    )
    opinion = services.group_opinion(subject)
    is_leader = bool(own and own.is_group_leader and own.counts)
    all_in = review.all_in(subject) if subject.state == "under_review" else False
    decided = review.decided(subject)
    party = not department and not own and access.can_view(user, subject)
    context = {
        "review": review,
        "review_subject": subject,
        "review_department": department,
        "review_assignments": assignments if department else [],
        "own_assignment": own,
        "own_actions": workflow.get_actions(own, user) if own else [],
        "review_counts": (
            sum(a.counts for a in assignments),
            sum(a.state == AssignmentState.SUBMITTED for a in assignments),
        ),
        "draws": list(
            Draw.objects.filter(content_type=review.content_type(), object_id=subject.pk).select_related(
                "run_by"
            )
        )
        if department
        else [],
        "review_open": subject.state == "under_review",
        "review_all_in": all_in,
        "group_opinion": None,
        "group_opinion_actions": [],
        "group_opinion_editable": False,
    }
    if department:
        for a in assignments:
            a.actions = workflow.get_actions(a, user)
        names = {a.expert_id: a.expert for a in assignments}
        unasked = {pk for draw in context["draws"] for pk in draw.reserves if pk not in names}
        if unasked:  # reserves not invited yet, in one query
            names.update({u.pk: u for u in get_user_model().objects.filter(pk__in=unasked)})
        for draw in context["draws"]:
            draw.drawn_experts = [names.get(pk) for pk in draw.drawn]
            draw.reserve_experts = [names.get(pk, pk) for pk in draw.reserves]
            draw.replays = services.replays(draw)
    # The unit and its supervisor read the group opinion only once it is approved and decided.
    shows_opinion = (
        department
        or is_leader
        or (party and decided and opinion is not None and opinion.state == GroupOpinion.State.APPROVED)
    )
    if opinion is not None and shows_opinion:
        context["group_opinion"] = opinion
        context["group_opinion_actions"] = [] if party else workflow.get_actions(opinion, user)
        context["group_opinion_editable"] = all_in and services.can_edit_opinion(user, opinion)
    context["group_opinion_party"] = party
    return context
