from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.roles import Role, has_role
from attachments.forms import AttachmentForm
from attachments.services import attachments_of
from attachments.views import store_upload
from experts.models import OPEN_STATES
from experts.review_views import review_context
from experts.sessions import session_context
from exports.services import export_request
from notices.services import notices_about
from reports.metrics import METRICS
from sctic import access, workflow
from sctic.views import FilteredListView, TransitionView, timeline

from . import access as evaluation_access
from .filters import EvaluationFilter
from .forms import (
    IntegrityFindingForm,
    PostSubsidyForm,
    RectificationForm,
    RoundForm,
    ScoreForm,
    SelfAssessmentForm,
)
from .models import Evaluation, EvaluationRound, IntegrityFinding, PostSubsidy
from .selectors import grade_distribution, list_queryset, round_progress, score_table
from .services import (
    REVIEW,
    cycle_reports,
    expert_scores_submit,
    finding_record,
    indicator_results,
    results_notice,
    results_notice_blockers,
    round_open,
)

MESSAGE_EVIDENCE_LOCKED = gettext_lazy(
    "Art. 21: the evidence was submitted with the self-assessment and can no longer be added or removed."
)


def _is_department(user) -> bool:
    return user.is_superuser or has_role(user, Role.DEPARTMENT)


class EvaluationList(FilteredListView):
    model = Evaluation
    filterset_class = EvaluationFilter
    template_name = "evaluations/list.html"
    export_kind = "evaluations"

    def decorate(self, queryset):
        return list_queryset(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rounds"] = list(access.visible(EvaluationRound, self.request.user)[:10])
        context["is_department"] = _is_department(self.request.user)
        return context


class EvaluationTransition(TransitionView):
    model = Evaluation


@login_required
def round_new(request):
    if not _is_department(request.user):
        raise PermissionDenied
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation_round = round_open(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request,
                _("The round is open: %(count)d centers are evaluated.")
                % {"count": evaluation_round.evaluations.count()},
            )
            return redirect(evaluation_round)
    return render(request, "evaluations/round_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def round_detail(request, pk):
    evaluation_round = access.get_visible_or_404(EvaluationRound, request.user, pk)
    sort = request.GET.get("sort", "-total")
    # Others see their own centers only, in the table and in the counts (grades are not public
    # before the results notice).
    evaluations = access.visible(Evaluation, request.user).filter(round=evaluation_round)
    is_department = _is_department(request.user)
    context = {
        "round": evaluation_round,
        "rows": score_table(evaluations, sort),
        "sort": sort,
        "progress": round_progress(evaluations),
        "by_region": grade_distribution(evaluations, "center__region"),
        "by_field": grade_distribution(evaluations, "center__technology_field"),
        "is_department": is_department,
        "notices": list(notices_about(request.user, evaluation_round)),
        "indicators": evaluation_round.rules["indicators"],
        # Art. 22, 23: the results notice waits until every center is decided; the button says why.
        "results_blocked": results_notice_blockers(evaluation_round, actor=request.user)
        if is_department
        else [],
    }
    return render(request, "evaluations/round.html", context)


@login_required
@require_POST
def round_export(request, pk):
    evaluation_round = access.get_visible_or_404(EvaluationRound, request.user, pk)
    export = export_request(user=request.user, kind="evaluations", params=f"round={evaluation_round.pk}")
    return redirect(export)


@login_required
@require_POST
def round_results(request, pk):
    """Art. 22, 23: the results notice of the round."""
    evaluation_round = access.get_visible_or_404(EvaluationRound, request.user, pk)
    if not _is_department(request.user):
        raise PermissionDenied
    try:
        notice = results_notice(
            evaluation_round, actor=request.user, hold=bool(request.POST.get("hold_notice"))
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(evaluation_round)
    messages.success(request, _("The results notice was prepared: %(title)s") % {"title": notice.title})
    return redirect(notice)


@login_required
def detail(request, pk):
    user = request.user
    evaluation = access.get_visible_or_404(Evaluation, user, pk)
    is_department = evaluation_access.is_department_member(evaluation, user)
    assignment = evaluation.experts.filter(expert=user).first()
    reports = cycle_reports(evaluation)
    assignments = list(evaluation.experts.select_related("expert__organization").prefetch_related("scores"))
    can_edit = access.can_change(user, evaluation)
    context = {
        "evaluation": evaluation,
        "center": evaluation.center,
        "reports": reports,
        "figures": [(m, [getattr(r, m.name) for r in reports]) for m in METRICS],
        "results": indicator_results(evaluation, reports, assignments) if is_department else [],
        "assignments": assignments if is_department else [],
        "assignment": assignment,
        "score_form": ScoreForm(
            indicators=[i for i in evaluation.round.rules["indicators"] if i["method"] == "expert"]
        )
        if assignment
        and assignment.state in OPEN_STATES
        and evaluation.state == Evaluation.State.UNDER_REVIEW
        else None,
        "own_scores": _own_scores(evaluation, assignment)
        if assignment and assignment.state == assignment.State.SUBMITTED
        else [],
        "self_form": SelfAssessmentForm(instance=evaluation)
        if can_edit and evaluation.state == Evaluation.State.PENDING
        else None,
        "rectification_form": RectificationForm(instance=evaluation)
        if can_edit and evaluation.state == Evaluation.State.RECTIFYING
        else None,
        "attachments": list(attachments_of(evaluation)),
        "attachment_form": AttachmentForm(
            kinds=[(k, v) for k, v in Evaluation.AttachmentKind.choices if evaluation.attachment_kind_open(k)]
        )
        if can_edit and evaluation_access.open_attachment_kinds(evaluation)
        else None,
        "findings": list(evaluation.integrity_findings.select_related("recorded_by"))
        if not assignment or is_department
        else [],
        "finding_form": IntegrityFindingForm()
        if is_department and evaluation.state in Evaluation.FINDING_STATES
        else None,
        "subsidy": PostSubsidy.objects.filter(evaluation=evaluation).first(),
        "is_department": is_department,
        "actions": workflow.get_actions(evaluation, user),
        "timeline": timeline(evaluation),
        "notices": list(notices_about(user, evaluation)),
        # An expert sees the evaluation, not the center's record.
        "center_visible": access.can_view(user, evaluation.center),
    }
    if assignments or evaluation.state == Evaluation.State.UNDER_REVIEW:
        context.update(review_context(user, evaluation))
        context.update(session_context(user, evaluation))
        if context["group_opinion_party"]:
            context["review_sessions"] = []  # the unit never sees who the experts were
        # After the decision the center and its supervisor see the score of each indicator,
        # never an expert's name or individual scores (Art. 21, 22).
        if context["group_opinion_party"] and REVIEW.decided(evaluation):
            context["area_scores"] = [
                {"name": r["name"], "weight": r["weight"], "score": r["score"]}
                for r in indicator_results(evaluation, reports, assignments)
            ]
    return render(request, "evaluations/detail.html", context)


def _own_scores(evaluation, assignment) -> list[tuple[str, object, str]]:
    """What the expert submitted: (indicator, score, comment), in the rules' order."""
    names = {i["code"]: i["name"] for i in evaluation.round.rules["indicators"]}
    order = list(names)
    scores = sorted(
        assignment.scores.all(), key=lambda s: order.index(s.code) if s.code in order else len(order)
    )
    return [(names.get(s.code, s.code), s.score, s.comment) for s in scores]


def _center_edit(request, pk, form_class, state):
    evaluation = access.get_visible_or_404(Evaluation, request.user, pk)
    if not evaluation_access.is_center_member(evaluation, request.user):
        raise PermissionDenied
    if evaluation.state != state:
        messages.error(request, _("This cannot be changed any more."))
        return redirect(evaluation)
    form = form_class(request.POST, instance=evaluation)
    if form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect(evaluation)
    messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    return render(
        request, "evaluations/center_form.html", {"evaluation": evaluation, "form": form}, status=400
    )


@login_required
@require_POST
def self_assessment(request, pk):
    """Art. 21: the narratives per area, while the evaluation awaits the self-assessment."""
    return _center_edit(request, pk, SelfAssessmentForm, Evaluation.State.PENDING)


@login_required
@require_POST
def rectification(request, pk):
    """Art. 23: the rectification plan and report."""
    return _center_edit(request, pk, RectificationForm, Evaluation.State.RECTIFYING)


@login_required
@require_POST
def upload(request, pk):
    """Evidence while the self-assessment is pending (Art. 21), the rectification plan and report
    while rectifying (Art. 23); nothing else."""
    evaluation = access.get_visible_or_404(Evaluation, request.user, pk)
    if not evaluation_access.is_center_member(evaluation, request.user):
        raise PermissionDenied
    kind = request.POST.get("kind", "")
    if not evaluation_access.can_change_attachment(request.user, evaluation, kind):
        messages.error(request, _locked_message(evaluation, kind))
        return redirect(evaluation)
    kinds = [
        (k, label) for k, label in Evaluation.AttachmentKind.choices if evaluation.attachment_kind_open(k)
    ]
    store_upload(request, evaluation, kinds)
    return redirect(evaluation)


def _locked_message(evaluation, kind) -> str:
    if kind == Evaluation.AttachmentKind.EVIDENCE and evaluation.state != Evaluation.State.PENDING:
        return str(MESSAGE_EVIDENCE_LOCKED)
    return _("This cannot be changed any more.")


@login_required
@require_POST
def score(request, pk):
    """Art. 21: an assigned expert's scores."""
    evaluation = access.get_visible_or_404(Evaluation, request.user, pk)
    assignment = evaluation.experts.filter(expert=request.user).first()
    if assignment is None:
        raise PermissionDenied
    indicators = [i for i in evaluation.round.rules["indicators"] if i["method"] == "expert"]
    form = ScoreForm(request.POST, indicators=indicators)
    if form.is_valid():
        try:
            expert_scores_submit(
                assignment, actor=request.user, no_conflict_declared=True, scores=form.scores()
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(evaluation)
        messages.success(request, _("Your scores have been submitted. Thank you."))
        return redirect(evaluation)
    messages.error(request, _("Please correct the errors below; nothing has been saved yet."))
    return render(
        request, "evaluations/score_form.html", {"evaluation": evaluation, "score_form": form}, status=400
    )


@login_required
@require_POST
def finding(request, pk):
    """Art. 24: the department records an integrity finding with its evidence; the service handles
    it (and re-opens a grade already given) in the same transaction."""
    evaluation = access.get_visible_or_404(Evaluation, request.user, pk)
    if not evaluation_access.is_department_member(evaluation, request.user):
        raise PermissionDenied
    form = IntegrityFindingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe the finding."))
        return redirect(evaluation)
    evidence = request.FILES.get("file")
    if evidence:
        upload_form = AttachmentForm(
            {"kind": "evidence"}, {"file": evidence}, kinds=IntegrityFinding.AttachmentKind.choices
        )
        if not upload_form.is_valid():
            # Nothing is recorded without its evidence.
            for errors in upload_form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(evaluation)
        evidence = (evidence, upload_form.mime_type)
    try:
        _record, message = finding_record(
            evaluation,
            actor=request.user,
            description=form.cleaned_data["description"],
            evidence=evidence or None,
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect(evaluation)
    messages.success(request, message)
    return redirect(evaluation)


@login_required
@require_POST
def subsidy(request, pk):
    """Art. 23: the post-subsidy record of an excellent center."""
    evaluation = access.get_visible_or_404(Evaluation, request.user, pk)
    if not evaluation_access.is_department_member(evaluation, request.user):
        raise PermissionDenied
    record = PostSubsidy.objects.filter(evaluation=evaluation).first()
    form = PostSubsidyForm(request.POST)
    if record is None or not form.is_valid():
        messages.error(request, _("The post-subsidy could not be saved."))
        return redirect(evaluation)
    for field, value in form.cleaned_data.items():
        setattr(record, field, value)
    record.save()
    messages.success(request, _("Saved."))
    return redirect(evaluation)
