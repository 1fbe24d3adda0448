"""Reporting seasons, and what happens around the annual-report transitions."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

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
        source=source,
    )


def perform_many(reports, transition: str, *, actor, comment: str = "") -> tuple[int, list[tuple]]:
    """The same transition on several reports, each in its own transaction; returns how many
    succeeded and, for each of the others, ``(report, reason)``."""
    from django.core.exceptions import PermissionDenied
    from django_fsm import TransitionNotAllowed

    done, failed = 0, []
    for report in reports:
        try:
            workflow.perform(report, transition, actor=actor, comment=comment)
            done += 1
        except (PermissionDenied, TransitionNotAllowed, ValidationError) as exc:
            reason = (
                " ".join(exc.messages)
                if isinstance(exc, ValidationError)
                else str(exc) or str(_("You may not do this."))
            )
            failed.append((report, reason))
    return done, failed


BATCH_DONE = {
    "file": ngettext_lazy("%(count)d report filed", "%(count)d reports filed", "count"),
    "supervisor_approve": ngettext_lazy("%(count)d report approved", "%(count)d reports approved", "count"),
    "return_for_revision": ngettext_lazy(
        "%(count)d report returned for revision", "%(count)d reports returned for revision", "count"
    ),
}
BATCH_NOT_DONE = ngettext_lazy("%(count)d not done: %(reasons)s", "%(count)d not done: %(reasons)s", "count")
BATCH_SUMMARY = _("%(done)s; %(not_done)s.")
BATCH_REASON = _("%(reason)s (%(reports)s)")
BATCH_MORE = ngettext_lazy("%(names)s and %(count)d more", "%(names)s and %(count)d more", "count")
BATCH_NAMES_SHOWN = 5


def batch_summary(transition: str, done: int, failed: list[tuple]) -> str:
    """One message for a batch: how many were done, and the others grouped by reason, each group
    naming its reports (e.g. “3 份已备案；2 份未处理：…（…、…）”)."""
    from django.utils.translation import pgettext

    separator, comma = pgettext("list of reasons", "; "), pgettext("list of names", ", ")
    done_text = str(BATCH_DONE[transition] % {"count": done})
    if not failed:
        return done_text + str(pgettext("end of sentence", "."))
    groups: dict[str, list[str]] = {}
    for report, reason in failed:
        groups.setdefault(reason, []).append(str(report))
    reasons = []
    for reason, names in groups.items():
        shown = comma.join(names[:BATCH_NAMES_SHOWN])
        if len(names) > BATCH_NAMES_SHOWN:
            more = len(names) - BATCH_NAMES_SHOWN
            shown = str(BATCH_MORE % {"names": shown, "count": more})
        reasons.append(str(BATCH_REASON % {"reason": reason.rstrip("。.").strip(), "reports": shown}))
    not_done = str(BATCH_NOT_DONE % {"count": len(failed), "reasons": separator.join(reasons)})
    if not done:
        return not_done + str(pgettext("end of sentence", "."))
    return str(BATCH_SUMMARY % {"done": done_text, "not_done": not_done})
