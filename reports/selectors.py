from django.db.models import Case, Count, DateField, F, Q, Sum, When
from django.utils import timezone

from .metrics import KEY_METRICS, METRICS
from .models import AnnualReport, ReportingSeason


def list_queryset(qs):
    return qs.select_related("center__lead_unit", "center__supervisor").order_by("-year", "center__name")


def earlier_reports(report, limit: int = 4):
    """The same center's reports of the previous years, newest first (for the comparison)."""
    return list(
        AnnualReport.objects.filter(center_id=report.center_id, year__lt=report.year).order_by("-year")[
            :limit
        ]
    )


def comparison(report, earlier):
    """Rows (metric, this year's value, [earlier values]) for the report page."""
    return [(m, getattr(report, m.name), [getattr(e, m.name) for e in earlier]) for m in METRICS]


def current_season():
    return ReportingSeason.objects.order_by("-year").first()


def season_progress(reports_qs, season) -> list[dict]:
    """Per region: reports, submitted (or later), approved by the supervisor (or later), filed, overdue."""
    if season is None:
        return []
    S = AnnualReport.State
    today = timezone.localdate()
    rows = (
        reports_qs.filter(year=season.year)
        .order_by()
        .values("center__region")
        .annotate(
            total=Count("pk"),
            submitted=Count("pk", filter=Q(state__in=[S.SUBMITTED, S.SUPERVISOR_APPROVED, S.FILED])),
            approved=Count("pk", filter=Q(state__in=[S.SUPERVISOR_APPROVED, S.FILED])),
            filed=Count("pk", filter=Q(state=S.FILED)),
            overdue=Count("pk", filter=Q(state__in=AnnualReport.OPEN_STATES, due_date__lt=today)),
        )
        .order_by("center__region")
    )
    rows = with_region_labels(list(rows))
    for row in rows:
        row["approved_not_filed"] = row["approved"] - row["filed"]
    return rows


def key_totals(reports_qs, year: int, by: str) -> list[dict]:
    """Totals of the key figures of one year's reports, grouped by ``center__region`` or
    ``center__technology_field`` (submitted reports and later: figures the center stands by)."""
    S = AnnualReport.State
    return list(
        reports_qs.filter(year=year, state__in=[S.SUBMITTED, S.SUPERVISOR_APPROVED, S.FILED])
        .order_by()
        .values(by)
        .annotate(**{m.name: Sum(m.name) for m in KEY_METRICS})
        .order_by(by)
    )


def with_region_labels(rows, key="center__region"):
    from accounts.regions import Region

    labels = dict(Region.choices)
    for row in rows:
        row["region_label"] = labels.get(row[key], row[key])
    return rows


def awaiting(user):
    """Reports ``user`` must act on now (one query)."""
    from accounts.roles import Role, has_role

    from .access import visible_reports

    S = AnnualReport.State
    scope = Q(pk__in=[])
    if has_role(user, Role.APPLICANT):
        scope |= Q(center__lead_unit_id=user.organization_id, state__in=AnnualReport.OPEN_STATES)
    if has_role(user, Role.SUPERVISOR):
        scope |= Q(center__supervisor_id=user.organization_id, state=S.SUBMITTED)
    if has_role(user, Role.DEPARTMENT):
        scope |= Q(state=S.SUPERVISOR_APPROVED)
    # The due date is the deadline of the center's task (writing the report), not the reviewers'.
    deadline = Case(When(state__in=AnnualReport.OPEN_STATES, then=F("due_date")), output_field=DateField())
    return (
        list_queryset(visible_reports(user).filter(scope))
        .annotate(deadline=deadline)
        .order_by("due_date", "center__name")
    )
