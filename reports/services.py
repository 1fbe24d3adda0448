"""Reporting seasons, and what happens around the annual-report transitions."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import members, role_members
from centers.models import Center
from notifications.services import notify_transition
from sctic import workflow

from .models import AnnualReport, ReportingSeason

MESSAGE_SEASON_EXISTS = _("Reporting for %(year)d is already open.")
MESSAGE_DUE_BEFORE_YEAR_END = _("The due date must come after the year reported on.")

R = AnnualReport


def season_open(*, year: int, due_date: date, actor) -> tuple[ReportingSeason, int]:
    """Art. 19: open the reporting of ``year``; a draft report for every live center that has none.
    Returns the season and the number of drafts created."""
    if due_date <= date(year, 12, 31):
        raise ValidationError({"due_date": MESSAGE_DUE_BEFORE_YEAR_END})
    with transaction.atomic():
        if ReportingSeason.objects.filter(year=year).exists():
            raise ValidationError({"year": MESSAGE_SEASON_EXISTS % {"year": year}})
        season = ReportingSeason.objects.create(year=year, due_date=due_date, opened_by=actor)
        created = season_add_missing_reports(season)
    return season, created


def season_add_missing_reports(season: ReportingSeason) -> int:
    """Drafts for live centers approved before the end of the year that have no report yet."""
    have = AnnualReport.objects.filter(year=season.year).values("center_id")
    centers = Center.objects.filter(
        state__in=Center.LIVE_STATES, approved_on__lte=date(season.year, 12, 31)
    ).exclude(pk__in=have)
    drafts = [
        AnnualReport(center=c, year=season.year, season=season, due_date=season.due_date) for c in centers
    ]
    AnnualReport.objects.bulk_create(drafts)
    return len(drafts)


def recipients(report, transition: str, source: str):
    center = report.center
    lead = members(center.lead_unit_id, Role.APPLICANT)
    supervisor = members(center.supervisor_id, Role.SUPERVISOR)
    if transition == "submit":
        return supervisor
    if transition == "supervisor_approve":
        return [*lead, *role_members(Role.DEPARTMENT)]
    if transition == "return_for_revision" and source == R.State.SUPERVISOR_APPROVED:
        return [*lead, *supervisor]
    if transition == "file":
        return [*lead, *supervisor]
    return lead


@workflow.on(AnnualReport, "*")
def tell_parties(report, *, actor, comment, transition, source, **_ignored):
    notify_transition(
        report,
        transition=transition,
        actor=actor,
        comment=comment,
        recipients=recipients(report, transition, source),
    )


def perform_many(reports, transition: str, *, actor, comment: str = "") -> tuple[int, list[str]]:
    """The same transition on several reports, each in its own transaction; returns how many
    succeeded and the messages of those that did not."""
    from django.core.exceptions import PermissionDenied
    from django_fsm import TransitionNotAllowed

    done, errors = 0, []
    for report in reports:
        try:
            workflow.perform(report, transition, actor=actor, comment=comment)
            done += 1
        except (PermissionDenied, TransitionNotAllowed, ValidationError) as exc:
            text = (
                " ".join(exc.messages)
                if isinstance(exc, ValidationError)
                else str(exc) or str(_("You may not do this."))
            )
            errors.append(f"{report}: {text}")
    return done, errors
