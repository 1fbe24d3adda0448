"""The home page: one selector and one template per role (DESIGN.md "Pages")."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from accounts.regions import Region
from accounts.roles import Role, has_role
from applications import selectors as application_selectors
from applications.models import IntentApplication
from centers.models import Center
from evaluations import selectors as evaluation_selectors
from experts.models import OPEN_STATES
from experts.reviews import REVIEWS
from notices.models import Notice
from reports import selectors as report_selectors
from reports.metrics import KEY_METRICS
from reports.models import AnnualReport
from sctic import access
from sctic.choices import TechnologyField

ROLE_ORDER = [Role.DEPARTMENT, Role.SUPERVISOR, Role.APPLICANT, Role.EXPERT]
CHART_METRICS = [
    m
    for m in KEY_METRICS
    if m.name in ("rd_spending", "invention_patents_granted", "transfer_amount", "enterprises_incubated")
]


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
    awaiting = [
        *application_selectors.awaiting(user)[:20],
        *report_selectors.awaiting(user)[:20],
        *evaluation_selectors.awaiting(user)[:20],
    ]
    return {
        "awaiting": awaiting,
        "application_counts": _state_counts(applications, IntentApplication.State),
    }


def chart(rows, key: str, labels: dict) -> dict:
    """Rows of totals → a small bar chart per key figure (widths relative to the largest)."""
    series = []
    for metric in CHART_METRICS:
        peak = max((row[metric.name] or 0 for row in rows), default=0)
        bars = [
            {
                "label": labels.get(row[key], row[key]),
                "value": row[metric.name] or 0,
                "width": round(100 * (row[metric.name] or 0) / peak) if peak else 0,
            }
            for row in rows
        ]
        series.append({"metric": metric, "bars": sorted(bars, key=lambda b: -b["value"])})
    return {"series": series}


def department_dashboard(user) -> dict:
    centers = access.visible(Center, user)
    by_region = (
        centers.filter(state__in=Center.LIVE_STATES)
        .order_by()
        .values("region")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    region_labels = dict(Region.choices)
    reports = access.visible(AnnualReport, user)
    season = report_selectors.current_season()
    drafts = access.visible(Notice, user).filter(state=Notice.State.DRAFT).order_by("created_at")
    return {
        **_common(user),
        "notice_drafts": list(drafts[:20]),
        "center_counts": _state_counts(centers, Center.State),
        "centers_by_region": [
            {"region": region_labels.get(r["region"], r["region"]), "count": r["n"]} for r in by_region
        ],
        "season": season,
        "season_progress": report_selectors.season_progress(reports, season),
        "totals_by_region": chart(
            report_selectors.key_totals(reports, season.year, "center__region"),
            "center__region",
            region_labels,
        )
        if season
        else None,
        "totals_by_field": chart(
            report_selectors.key_totals(reports, season.year, "center__technology_field"),
            "center__technology_field",
            dict(TechnologyField.choices),
        )
        if season
        else None,
    }


def supervisor_dashboard(user) -> dict:
    return {**_common(user), "center_counts": _state_counts(access.visible(Center, user), Center.State)}


def applicant_dashboard(user) -> dict:
    return {
        **_common(user),
        "my_centers": list(access.visible(Center, user).select_related("supervisor")),
    }


RECENT_ASSIGNMENT_DAYS = 180


def expert_assignments(user, *, limit=50) -> list:
    """The expert's open assignments of every kind of review (invited or accepted, the subject
    still under review), soonest due first, then the others of the last months, latest first;
    each with ``review``, ``kind`` (its subject's name) and ``is_open``. One query per kind of review."""
    since = timezone.now() - timedelta(days=RECENT_ASSIGNMENT_DAYS)
    rows = []
    for review in REVIEWS.values():
        field = review.subject_field
        is_open = Q(state__in=OPEN_STATES, **{f"{field}__state": "under_review"})
        for assignment in (
            review.assignment_model.objects.filter(expert=user)
            .filter(is_open | Q(assigned_at__gte=since))
            .select_related(field, *review.subject_related)
        ):
            assignment.review, assignment.kind = review, review.subject_model._meta.verbose_name
            assignment.is_open = assignment.state in OPEN_STATES and assignment.review_is_open()
            rows.append(assignment)
    open_rows = sorted(
        (a for a in rows if a.is_open), key=lambda a: (a.due_on is None, a.due_on or date.max, a.pk)
    )
    others = sorted((a for a in rows if not a.is_open), key=lambda a: a.assigned_at, reverse=True)
    return [*open_rows, *others][:limit]


def expert_dashboard(user) -> dict:
    return {**_common(user), "assignments": expert_assignments(user)}


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
