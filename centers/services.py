"""Creating centers, applying approved changes (Art. 20), revoking (Art. 5.2), and closing a
center's open work when it leaves the sequence."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.selectors import members, role_members
from notices.models import Kind
from notices.services import decision_notice
from notifications.services import notify_transition
from sctic import workflow

from .models import Center, CenterCoBuilder, CenterCycle, CenterHistory, ChangeRequest, cycle_end

MESSAGE_NAME_TAKEN = _("A center named “%(name)s” already exists (Art. 25): names must be unique.")


def cycle_dates(start):
    """Art. 11.5: a construction and operation cycle is normally three years, ending the day before
    the same date three years later (from 29 February: on 28 February, see ``cycle_end``)."""
    return start, cycle_end(start, settings.SCTIC["CYCLE_YEARS"])


def center_create_from_application(application) -> Center:
    """Art. 10.3: the approved application becomes a center with its first cycle and co-builders."""
    if Center.objects.filter(name=application.proposed_name).exists():
        raise ValidationError(MESSAGE_NAME_TAKEN, params={"name": application.proposed_name})
    today = timezone.localdate()
    center = Center.objects.create(
        name=application.proposed_name,
        application=application,
        lead_unit=application.lead_unit,
        supervisor=application.supervisor,
        technology_field=application.technology_field,
        region=application.lead_unit.region,
        legal_entity_name=application.legal_entity_name,
        credit_code=application.legal_entity_credit_code,
        director_name=application.director_name,
        director_full_time=application.director_full_time,
        is_engineering_center=application.is_engineering_center,
        research_direction=application.technology_goals,
        approved_on=today,
    )
    CenterCoBuilder.objects.bulk_create(
        CenterCoBuilder(center=center, name=c.name, credit_code=c.credit_code, role=c.role)
        for c in application.cobuilders.all()
    )
    start, end = cycle_dates(today)
    CenterCycle.objects.create(center=center, number=1, start_date=start, end_date=end)
    return center


# Art. 20 change requests -------------------------------------------------------------------------


def _apply(change: ChangeRequest, center: Center) -> None:
    K = ChangeRequest.Kind
    value = change.proposed_value.strip()
    if change.kind == K.NAME:
        center.name = value
    elif change.kind == K.REGISTERED_LOCATION:
        center.registered_address = value
    elif change.kind == K.DIRECTOR:
        center.director_name = value
        center.director_full_time = change.proposed_director_full_time
    elif change.kind == K.LEAD_UNIT:
        if change.proposed_lead_unit_id:
            center.lead_unit_id = change.proposed_lead_unit_id
        names = [line.strip() for line in change.proposed_cobuilders.splitlines() if line.strip()]
        if names:
            center.cobuilders.all().delete()
            CenterCoBuilder.objects.bulk_create(CenterCoBuilder(center=center, name=name) for name in names)
    elif change.kind == K.DIRECTION:
        center.research_direction = value
    elif change.kind == K.STRUCTURE:
        center.organisation_structure = value
    center.full_clean(exclude=["state", "application"])
    center.save()


def _in_chinese(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text())


@workflow.on(ChangeRequest, "approve")
def apply_change(change, *, actor, hold_notice=False, **_ignored):
    """Art. 20: the approved change is applied to the center in the same transaction; the old value
    stays in the center's history, and the change-approval notice is issued."""
    center = Center.objects.select_for_update().get(pk=change.center_id)
    change.center = center
    before, after, old_name = change.current_value(), change.proposal_text(), center.name
    # The unit that applied gets the reply, also when the change gives the center a new lead unit.
    addressees = [center.supervisor, center.lead_unit]
    _apply(change, center)
    if center.lead_unit not in addressees:
        addressees.append(center.lead_unit)
    CenterHistory.objects.create(
        center=center,
        kind=change.kind,
        old_value=before,
        new_value=after,
        effective_on=timezone.localdate(),
        change_request=change,
    )
    ChangeRequest.objects.filter(pk=change.pk).update(previous_value=before)
    decision_notice(
        kind=Kind.CHANGE_APPROVAL,
        subject=change,
        actor=actor,
        addressee_orgs=addressees,
        context={
            "name": old_name,
            # An official document is in Chinese, whatever language the approving user reads.
            "change": _in_chinese(change.get_kind_display),
            "old": before.replace("\n", "、"),
            "new": after.replace("\n", "、"),
            "reason": change.reason,
            "supervisor": center.supervisor.name,
        },
        hold=hold_notice,
    )


def change_recipients(change, transition: str, source: str):
    center = change.center
    lead = members(center.lead_unit_id, Role.APPLICANT)
    supervisor = members(center.supervisor_id, Role.SUPERVISOR)
    if transition == "submit":
        return supervisor
    if transition == "supervisor_approve":
        return [*lead, *role_members(Role.DEPARTMENT)]
    if transition in ("approve", "reject", "cancel") or source == ChangeRequest.State.SUPERVISOR_APPROVED:
        return [*lead, *supervisor]
    if transition == "withdraw":
        return supervisor if source != ChangeRequest.State.DRAFT else []
    return lead


@workflow.on(ChangeRequest, "*")
def tell_change_parties(change, *, actor, comment, transition, source, **_ignored):
    notify_transition(
        change,
        transition=transition,
        actor=actor,
        comment=comment,
        recipients=change_recipients(change, transition, source),
        source=source,
    )


# Leaving the sequence ----------------------------------------------------------------------------


def close_open_work(center: Center, *, actor, reason: str) -> int:
    """A center that is revoked or removed from the sequence: its open change requests, annual
    reports and evaluations are closed with the reason, and its current cycle ends today. Returns
    how many items were closed."""
    from reports.models import AnnualReport

    closed = 0
    for change in ChangeRequest.objects.filter(center=center, state__in=ChangeRequest.OPEN_STATES):
        workflow.perform(change, "cancel", actor=actor, comment=reason)
        closed += 1
    open_reports = [
        AnnualReport.State.DRAFT,
        AnnualReport.State.RETURNED,
        AnnualReport.State.SUBMITTED,
        AnnualReport.State.SUPERVISOR_APPROVED,
    ]
    for report in AnnualReport.objects.filter(center=center, state__in=open_reports):
        workflow.perform(report, "cancel", actor=actor, comment=reason)
        closed += 1
    from evaluations.models import Evaluation

    live = [*Evaluation.OPEN_STATES, Evaluation.State.RECTIFYING]
    for evaluation in Evaluation.objects.filter(center=center, state__in=live):
        workflow.perform(evaluation, "close", actor=actor, comment=reason)
        closed += 1
    CenterCycle.objects.filter(center=center, closed_on__isnull=True).update(closed_on=timezone.localdate())
    return closed


def center_next_cycle(center: Center) -> CenterCycle:
    """Art. 23: excellent, good, pass and rectified centers enter the next cycle, which starts the
    day after the current one ends (or today, if that is later)."""
    current = CenterCycle.objects.select_for_update().filter(center=center, closed_on__isnull=True).first()
    today = timezone.localdate()
    start = max(current.end_date + timedelta(days=1), today) if current else today
    number = (current.number if current else center.cycles.count()) + 1
    if current:
        current.closed_on = today
        current.save(update_fields=["closed_on"])
    start, end = cycle_dates(start)
    return CenterCycle.objects.create(center=center, number=number, start_date=start, end_date=end)


@workflow.on(Center, "delist")
def close_delisted(center, *, actor, comment, **_ignored):
    """Art. 23: a center removed from the sequence has its open work closed."""
    close_open_work(center, actor=actor, reason=comment)


@workflow.on(Center, "revoke")
def revoke_center(center, *, actor, comment, hold_notice=False, **_ignored):
    """Art. 5.2: revocation closes the center's open work and issues the revocation notice."""
    close_open_work(center, actor=actor, reason=comment)
    decision_notice(
        kind=Kind.REVOCATION,
        subject=center,
        actor=actor,
        addressee_orgs=[center.supervisor, center.lead_unit],
        context={"name": center.name, "reason": comment, "supervisor": center.supervisor.name},
        hold=hold_notice,
    )


@workflow.on(Center, "*")
def tell_center_parties(center, *, actor, comment, transition, source, **_ignored):
    recipients = [
        *members(center.lead_unit_id, Role.APPLICANT),
        *members(center.supervisor_id, Role.SUPERVISOR),
    ]
    notify_transition(
        center, transition=transition, actor=actor, comment=comment, recipients=recipients, source=source
    )
