"""Who may see and act on intent applications.

- the lead unit's applicant users: their own unit's applications, in every state;
- the supervisor's users: applications addressed to their organization, once submitted;
- 科技厅 users: every application once submitted;
- experts: the applications they were assigned (a django-guardian object permission);
- administrators: everything.
"""

from django.db.models import Q
from guardian.shortcuts import get_objects_for_user

from accounts.roles import Role, has_role
from sctic import access as registry

REVIEW_PERMISSION = "applications.review_intentapplication"


def is_lead_unit_member(app, user) -> bool:
    if user.is_superuser:
        return True
    return has_role(user, Role.APPLICANT) and user.organization_id == app.lead_unit_id


def is_supervising_member(app, user) -> bool:
    if user.is_superuser:
        return True
    return has_role(user, Role.SUPERVISOR) and user.organization_id == app.supervisor_id


def is_department_member(app, user) -> bool:
    if user.is_superuser:
        return True
    return has_role(user, Role.DEPARTMENT)


def is_assigned_expert(app, user) -> bool:
    if not has_role(user, Role.EXPERT):
        return False
    return user.has_perm(REVIEW_PERMISSION, app)


def visible_applications(user):
    from .models import IntentApplication

    qs = IntentApplication.objects.all()
    if user.is_superuser:
        return qs
    submitted = ~Q(state=IntentApplication.State.DRAFT)
    scope = Q(pk__in=[])
    if has_role(user, Role.APPLICANT) and user.organization_id:
        scope |= Q(lead_unit_id=user.organization_id)
    if has_role(user, Role.SUPERVISOR) and user.organization_id:
        scope |= submitted & Q(supervisor_id=user.organization_id)
    if has_role(user, Role.DEPARTMENT):
        scope |= submitted
    if has_role(user, Role.EXPERT):
        assigned = get_objects_for_user(
            user, REVIEW_PERMISSION, klass=IntentApplication, accept_global_perms=False, with_superuser=False
        )
        scope |= Q(pk__in=assigned.values("pk"))
    return qs.filter(scope)


def can_change(user, app) -> bool:
    """Content and files: the lead unit while drafting or revising, and during cultivation for the
    Art. 10.2 deliverables."""
    if not is_lead_unit_member(app, user):
        return False
    return app.state in (*app.EDITABLE_STATES, app.State.CULTIVATING)


def can_edit_main_sections(user, app) -> bool:
    return is_lead_unit_member(app, user) and app.state in app.EDITABLE_STATES


def can_edit_cultivation(user, app) -> bool:
    return is_lead_unit_member(app, user) and app.state == app.State.CULTIVATING


def is_unit_applicant(user) -> bool:
    """Art. 10.1: the lead unit (建设主体单位) applies, so an applicant of an organization of kind
    unit — not a bureau or department user who also has the applicant group."""
    from accounts.models import Organization

    if not has_role(user, Role.APPLICANT):
        return False
    if user.organization_id is None:
        return False
    return user.organization.kind == Organization.Kind.UNIT


def can_create(user) -> bool:
    """Art. 10.1: only a unit's applicant starts an intent application."""
    return is_unit_applicant(user)


def register():
    from .models import IntentApplication

    registry.register(IntentApplication, visible=visible_applications, can_change=can_change)
