"""Who sees evaluations: 科技厅 (all), the center's users and its supervisor (their centers'), and
the experts assigned to score one (a django-guardian object permission)."""

from django.db.models import Q
from guardian.shortcuts import get_objects_for_user

from accounts.roles import Role, has_role
from centers import access as center_access
from sctic import access as registry

SCORE_PERMISSION = "evaluations.score_evaluation"


def is_center_member(evaluation, user) -> bool:
    return center_access.is_center_member(evaluation.center, user)


def is_department_member(evaluation, user) -> bool:
    return center_access.is_department_member(evaluation.center, user)


def is_assigned_expert(evaluation, user) -> bool:
    return has_role(user, Role.EXPERT) and user.has_perm(SCORE_PERMISSION, evaluation)


def visible_evaluations(user):
    from .models import Evaluation

    qs = Evaluation.objects.all()
    if user.is_superuser or has_role(user, Role.DEPARTMENT):
        return qs
    scope = Q(pk__in=[])
    if has_role(user, Role.APPLICANT) and user.organization_id:
        scope |= Q(center__lead_unit_id=user.organization_id)
    if has_role(user, Role.SUPERVISOR) and user.organization_id:
        scope |= Q(center__supervisor_id=user.organization_id)
    if has_role(user, Role.EXPERT):
        assigned = get_objects_for_user(
            user, SCORE_PERMISSION, klass=Evaluation, accept_global_perms=False, with_superuser=False
        )
        scope |= Q(pk__in=assigned.values("pk"))
    return qs.filter(scope)


def visible_rounds(user):
    from .models import EvaluationRound

    if user.is_superuser or has_role(user, Role.DEPARTMENT):
        return EvaluationRound.objects.all()
    return EvaluationRound.objects.filter(pk__in=visible_evaluations(user).values("round_id"))


def can_change(user, evaluation) -> bool:
    """Self-assessment and evidence while pending; rectification plan and report while rectifying."""
    return is_center_member(evaluation, user) and evaluation.state in ("pending", "rectifying")


# Art. 21: the evidence belongs to the self-assessment and is locked once it is submitted;
# Art. 23: the rectification plan and report are written while rectifying.
OPEN_ATTACHMENT_KINDS = {
    "pending": ("evidence",),
    "rectifying": ("rectification_plan", "rectification_report"),
}


def open_attachment_kinds(evaluation) -> tuple[str, ...]:
    return OPEN_ATTACHMENT_KINDS.get(evaluation.state, ())


def can_change_attachment(user, evaluation, kind: str) -> bool:
    """The center may add or remove a document of ``kind`` only while that kind is open."""
    return is_center_member(evaluation, user) and kind in open_attachment_kinds(evaluation)


def can_change_finding(user, finding) -> bool:
    return is_department_member(finding.evaluation, user)


def visible_findings(user):
    from .models import IntegrityFinding

    return IntegrityFinding.objects.filter(evaluation__in=visible_evaluations(user))


def register():
    from .models import Evaluation, EvaluationRound, IntegrityFinding

    registry.register(Evaluation, visible=visible_evaluations, can_change=can_change)
    registry.register(EvaluationRound, visible=visible_rounds, can_change=lambda user, obj: False)
    registry.register(IntegrityFinding, visible=visible_findings, can_change=can_change_finding)
