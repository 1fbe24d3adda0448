"""Who may see centers: the center's (lead unit's) users, its supervisor, 科技厅, administrators."""

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


def can_change(user, center) -> bool:
    return center.is_live and is_center_member(center, user)


def register():
    from .models import Center

    registry.register(Center, visible=visible_centers, can_change=can_change)
