"""Who may see notices: 科技厅 (all, drafts included); once issued, the organizations it is
addressed or copied to. Nobody else — not even other units' users — learns it exists (404)."""

from django.db.models import Q

from accounts.roles import Role, has_role
from sctic import access as registry


def is_department_member(notice, user) -> bool:
    if user.is_superuser:
        return True
    return has_role(user, Role.DEPARTMENT)


def visible_notices(user):
    from .models import Notice

    qs = Notice.objects.all()
    if user.is_superuser or has_role(user, Role.DEPARTMENT):
        return qs
    if not user.organization_id:
        return qs.none()
    org = user.organization_id
    concerned = Q(addressee_orgs=org) | Q(copy_orgs=org)
    published = Q(state__in=[Notice.State.ISSUED, Notice.State.REVOKED])
    return qs.filter(pk__in=Notice.objects.filter(published & concerned).values("pk"))


def can_change(user, notice) -> bool:
    return is_department_member(notice, user) and notice.state == notice.State.DRAFT


def register():
    from .models import Notice

    registry.register(Notice, visible=visible_notices, can_change=can_change)
