"""Who may see and change centers, their governance records and their change requests.

- the center's users (applicant users of its lead unit): their centers; they keep the governance
  records (board, committee, charter, work plans, cycle plans) while the center is live and file
  change requests;
- its supervisor's users: the centers they supervise, and their change requests once submitted;
- 科技厅 users and administrators: everything.
"""

from django.db.models import Q

from accounts.roles import Role, has_role
from sctic import access as registry


def is_center_member(center, user) -> bool:
    if user.is_superuser:
        return True
    return has_role(user, Role.APPLICANT) and user.organization_id == center.lead_unit_id


def is_supervising_member(center, user) -> bool:
    if user.is_superuser:
        return True
    return has_role(user, Role.SUPERVISOR) and user.organization_id == center.supervisor_id


def is_department_member(center, user) -> bool:
    if user.is_superuser:
        return True
    return has_role(user, Role.DEPARTMENT)


def is_change_center_member(change, user) -> bool:
    return is_center_member(change.center, user)


def is_change_supervisor(change, user) -> bool:
    return is_supervising_member(change.center, user)


def is_change_department(change, user) -> bool:
    return is_department_member(change.center, user)


def visible_centers(user):
    from .models import Center

    qs = Center.objects.all()
    if user.is_superuser or has_role(user, Role.DEPARTMENT):
        return qs
    scope = Q(pk__in=[])
    if has_role(user, Role.APPLICANT) and user.organization_id:
        scope |= Q(lead_unit_id=user.organization_id)
    if has_role(user, Role.SUPERVISOR) and user.organization_id:
        scope |= Q(supervisor_id=user.organization_id)
    return qs.filter(scope)


def visible_changes(user):
    from .models import ChangeRequest

    qs = ChangeRequest.objects.all()
    if user.is_superuser or has_role(user, Role.DEPARTMENT):
        return qs.exclude(state=ChangeRequest.State.DRAFT)
    scope = Q(pk__in=[])
    if has_role(user, Role.APPLICANT) and user.organization_id:
        scope |= Q(center__lead_unit_id=user.organization_id)
    if has_role(user, Role.SUPERVISOR) and user.organization_id:
        scope |= Q(center__supervisor_id=user.organization_id) & ~Q(state=ChangeRequest.State.DRAFT)
    return qs.filter(scope)


def visible_cycles(user):
    from .models import CenterCycle

    return CenterCycle.objects.filter(center__in=visible_centers(user))


def can_change(user, center) -> bool:
    """Governance records and center documents: the center's users while it is live."""
    return center.is_live and is_center_member(center, user)


def can_change_request(user, change) -> bool:
    return change.state in ("draft", "returned") and is_center_member(change.center, user)


def can_change_cycle(user, cycle) -> bool:
    return cycle.is_current and can_change(user, cycle.center)


def register():
    from .models import Center, CenterCycle, ChangeRequest

    registry.register(Center, visible=visible_centers, can_change=can_change)
    registry.register(ChangeRequest, visible=visible_changes, can_change=can_change_request)
    registry.register(CenterCycle, visible=visible_cycles, can_change=can_change_cycle)
