"""The home page: one selector and one template per role (DESIGN.md "Pages")."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from accounts.roles import Role, has_role
from applications.models import IntentApplication
from applications.selectors import awaiting
from centers.models import Center
from notices.models import Notice
from sctic import access

ROLE_ORDER = [Role.DEPARTMENT, Role.SUPERVISOR, Role.APPLICANT, Role.EXPERT]


def primary_role(user) -> str | None:
    if user.is_superuser and not any(has_role(user, r) for r in ROLE_ORDER):
        return Role.DEPARTMENT
    return next((r for r in ROLE_ORDER if has_role(user, r)), None)


def _state_counts(queryset, states) -> list[dict]:
    counts = dict(queryset.order_by().values_list("state").annotate(n=Count("pk")))
    return [
        {"state": value, "label": label, "count": counts.get(value, 0)} for value, label in states.choices
    ]


def _common(user) -> dict:
    applications = access.visible(IntentApplication, user)
    return {
        "awaiting": list(awaiting(user)[:20]),
        "application_counts": _state_counts(applications, IntentApplication.State),
    }


def department_dashboard(user) -> dict:
    centers = access.visible(Center, user)
    by_region = (
        centers.filter(state__in=Center.LIVE_STATES)
        .order_by()
        .values("region")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    region_labels = dict(Center._meta.get_field("region").choices)
    drafts = access.visible(Notice, user).filter(state=Notice.State.DRAFT).order_by("created_at")
    return {
        **_common(user),
        "notice_drafts": list(drafts[:20]),
        "center_counts": _state_counts(centers, Center.State),
        "centers_by_region": [
            {"region": region_labels.get(r["region"], r["region"]), "count": r["n"]} for r in by_region
        ],
    }


def supervisor_dashboard(user) -> dict:
    return {**_common(user), "center_counts": _state_counts(access.visible(Center, user), Center.State)}


def applicant_dashboard(user) -> dict:
    return {
        **_common(user),
        "my_centers": list(access.visible(Center, user).select_related("supervisor")),
    }


def expert_dashboard(user) -> dict:
    reviews = user.consultation_reviews.select_related("application__lead_unit").order_by(
        "submitted_at", "-assigned_at"
    )
    return {**_common(user), "reviews": list(reviews[:50])}


SELECTORS = {
    Role.DEPARTMENT: department_dashboard,
    Role.SUPERVISOR: supervisor_dashboard,
    Role.APPLICANT: applicant_dashboard,
    Role.EXPERT: expert_dashboard,
}


@login_required
def home(request):
    role = primary_role(request.user)
    if role is None:
        return render(request, "dashboard/no_role.html", status=200)
    context = {"role": role, **SELECTORS[role](request.user)}
    return render(request, f"dashboard/{role}.html", context)
