"""The navigation menu: the lists a user may find something in, decided here and nowhere else.

``base.html`` draws ``menu`` (from the ``context`` processor) as it comes. A list is in the menu
when the app's access rules can give the user a row of it; a list that is always empty for the
user (centers for an expert, evaluations for a user without a role) is left out, so the menu never
leads to an empty page or a 404. The rules mirror each app's ``access.py``:

- applications: the lead unit's and the supervisor's users, 科技厅, and experts (those assigned);
- centers, annual reports, change requests: the lead unit's and the supervisor's users, 科技厅;
- evaluations: the center's and the supervisor's users, 科技厅, and experts (those assigned);
- notices: 科技厅, and anyone in an organization a notice can be addressed or copied to;
- the expert pool: 科技厅;
- administration: staff.

The dashboard comes first for everyone; messages and the user's own menu sit on the right of the
navbar for everyone, so they are not items here. Administrators see every list.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import Role, has_role


@dataclass(frozen=True)
class MenuItem:
    key: str  # data-menu hook for tests
    label: str
    url: str
    active: bool


def _department(user) -> bool:
    return user.is_superuser or has_role(user, Role.DEPARTMENT)


def _organization_member(user) -> bool:
    """A center's lead unit or a supervisor: its users see their organization's rows."""
    if not user.organization_id:
        return False
    return has_role(user, Role.APPLICANT) or has_role(user, Role.SUPERVISOR)


def _expert(user) -> bool:
    return has_role(user, Role.EXPERT)


def _center_lists(user) -> bool:
    return _department(user) or _organization_member(user)


def _assigned_lists(user) -> bool:
    return _center_lists(user) or _expert(user)


def _notices(user) -> bool:
    return _department(user) or bool(user.organization_id)


def _everyone(user) -> bool:
    return True


# key, label, URL name, path prefix that marks the item active, who may find something there
ITEMS = [
    ("dashboard", _("Dashboard"), "home", None, _everyone),
    ("applications", _("Applications"), "applications:list", "/applications/", _assigned_lists),
    ("centers", _("Centers"), "centers:list", "/centers/", _center_lists),
    ("reports", pgettext_lazy("menu", "Reports"), "reports:list", "/reports/", _center_lists),
    ("changes", _("Changes"), "changes:list", "/changes/", _center_lists),
    ("evaluations", _("Evaluation"), "evaluations:list", "/evaluations/", _assigned_lists),
    ("notices", _("Notices"), "notices:list", "/notices/", _notices),
    ("experts", _("Expert pool"), "experts:pool", "/experts/", _department),
    ("admin", _("Administration"), "admin:index", "/admin/", lambda user: user.is_staff),
]


def menu_items(user, path: str = "") -> list[MenuItem]:
    """The navbar items for ``user`` on the page at ``path`` (no query beyond the user's roles)."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    items = []
    for key, label, url_name, prefix, shown in ITEMS:
        if not shown(user):
            continue
        url = reverse(url_name)
        active = path.startswith(prefix) if prefix else path == url
        items.append(MenuItem(key=key, label=label, url=url, active=active))
    return items


def context(request) -> dict:
    """Template context processor: ``menu`` for base.html, worked out only where a page draws it."""
    return {"menu": lambda: menu_items(getattr(request, "user", None), request.path)}
