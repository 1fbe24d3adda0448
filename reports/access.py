"""Who sees annual reports: the center's users (its lead unit), its supervisor, 科技厅."""

from accounts.roles import Role, has_role
from centers import access as center_access
from sctic import access as registry


def is_center_member(report, user) -> bool:
    return center_access.is_center_member(report.center, user)


def is_supervising_member(report, user) -> bool:
    return center_access.is_supervising_member(report.center, user)


def is_department_member(report, user) -> bool:
    return center_access.is_department_member(report.center, user)


def visible_reports(user):
    from .models import AnnualReport

    centers = center_access.visible_centers(user)
    qs = AnnualReport.objects.all()
    if user.is_superuser or has_role(user, Role.DEPARTMENT):
        return qs
    # The supervisor sees its centers' reports once submitted; the center sees its own drafts too.
    from django.db.models import Q

    own = Q(center__lead_unit_id=user.organization_id) if has_role(user, Role.APPLICANT) else Q(pk__in=[])
    supervised = (
        Q(center__supervisor_id=user.organization_id) & ~Q(state__in=[AnnualReport.State.DRAFT])
        if has_role(user, Role.SUPERVISOR)
        else Q(pk__in=[])
    )
    return qs.filter(center__in=centers).filter(own | supervised)


def can_change(user, report) -> bool:
    return is_center_member(report, user) and report.state in report.OPEN_STATES


def register():
    from .models import AnnualReport

    registry.register(AnnualReport, visible=visible_reports, can_change=can_change)
