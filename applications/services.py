"""What happens around the application transitions (the transitions themselves only set fields).

Every handler runs inside ``sctic.workflow.perform``'s transaction; a ValidationError raised here
undoes the whole transition.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import members, role_members
from centers.services import center_create_from_application
from experts.reviews import Review
from experts.services import choose, complete, group_opinion_text, register_review
from notices.models import Kind
from notices.rendering import chinese_date
from notices.services import decision_notice
from notifications.services import Text, notify_transition
from sctic import workflow

from .access import REVIEW_PERMISSION
from .models import ExpertReview, IntentApplication, Recommendation
from .selectors import consultation_candidates, taken_ranks

MESSAGE_RANK_TAKEN = _(
    "Rank %(rank)d is already given to “%(other)s” among your recommendations of %(year)d. Choose another rank."
)
RANK_MAX = 999  # as the recommend form allows
MESSAGE_RANK_RANGE = _("Art. 10.2: the rank is a whole number from 1 (first) to %(max)d.")
MESSAGE_TOO_FEW_EXPERTS = _("Art. 10.3: assign at least %(count)d experts for the consultation.")
MESSAGE_REVIEW_CLOSED = _(
    "The consultation on this application is closed; your opinion can no longer be changed."
)
MESSAGE_REVIEW_DONE = _("You have already submitted your opinion.")
MESSAGE_DECLARE = _("Please declare that you have no conflict of interest before giving your opinion.")
MESSAGE_SCORE = _("The score must be a whole number from 0 to 100.")

A = IntentApplication


@workflow.on(A, "recommend")
def record_recommendation(app, *, actor, opinion, rank, **_ignored):
    """Art. 10.2: the supervisor's opinion and its rank among this year's recommendations."""
    # Art. 10.2: rank 1 is the first; 0, a negative rank or a huge one is refused with a message,
    # whoever calls (the form, a test, an admin action), never stored or left to the database.
    if isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= RANK_MAX:
        raise ValidationError({"rank": MESSAGE_RANK_RANGE % {"max": RANK_MAX}})
    year = timezone.localdate().year
    # Serialize rank allocation per supervisor: two colleagues recommending at once cannot take the same rank.
    Organization.objects.select_for_update().get(pk=app.supervisor_id)
    taken = (
        taken_ranks(app.supervisor_id, year, exclude_application=app)
        .filter(rank=rank)
        .select_related("application")
        .first()
    )
    if taken:
        raise ValidationError(
            {"rank": MESSAGE_RANK_TAKEN % {"rank": rank, "other": taken.application, "year": year}}
        )
    Recommendation.objects.update_or_create(
        application=app,
        defaults={
            "supervisor_id": app.supervisor_id,
            "opinion": opinion,
            "rank": rank,
            "year": year,
            "recommended_by": actor,
            "recommended_at": timezone.now(),
        },
    )


def _invitation(app, due):
    text = {"name": app, "due": due}
    return (
        Text(_("Expert consultation: %(name)s"), text),
        Text(
            _(
                "You have been asked to give an expert opinion on the intent application “%(name)s” by "
                "%(due)s (Art. 10.3). Accept, declaring that you have no conflict of interest, or decline "
                "with a reason."
            ),
            text,
        ),
    )


REVIEW = register_review(
    Review(
        key="consultation",
        subject_model=IntentApplication,
        assignment_model=ExpertReview,
        subject_field="application",
        related_name="expert_reviews",
        permission=REVIEW_PERMISSION,
        candidates=consultation_candidates,
        minimum=lambda app: settings.SCTIC["CONSULTATION_MIN_EXPERTS"],
        default_due=lambda app: timezone.localdate() + timedelta(days=settings.SCTIC["CONSULTATION_DAYS"]),
        invitation=_invitation,
        lead_unit=lambda app: app.lead_unit,
        lead_unit_path="application__lead_unit",
        decided=lambda app: app.state in (A.State.APPROVED, A.State.REJECTED),
        article=_("Art. 10.3"),
    )
)


@workflow.on(A, "start_review")
def assign_experts(app, *, actor, **data):
    """Art. 10.3: the experts of the consultation, drawn at random with reserves or chosen with a
    reason; nobody from a party to the application (experts.services)."""
    choose(app, actor=actor, too_few=MESSAGE_TOO_FEW_EXPERTS, **data)


@workflow.on(A, "approve")
def create_center(app, *, actor, hold_notice=False, **_ignored):
    """Art. 10.3: approval creates the center and its first three-year cycle (Art. 11.5), and the
    approval notice to the supervisor and the lead unit."""
    center = center_create_from_application(app)
    cycle = center.cycles.get()
    decision_notice(
        kind=Kind.APPROVAL,
        subject=app,
        actor=actor,
        addressee_orgs=[app.supervisor, app.lead_unit],
        context={
            "name": center.name,
            "lead_unit": app.lead_unit.name,
            "supervisor": app.supervisor.name,
            "legal_entity": center.legal_entity_name,
            "credit_code": center.credit_code,
            "director": center.director_name,
            "start": chinese_date(cycle.start_date),
            "end": chinese_date(cycle.end_date),
        },
        hold=hold_notice,
    )


@workflow.on(A, "reject")
def reply_rejection(app, *, actor, comment, hold_notice=False, **_ignored):
    """Art. 10.3: the decision not to build is sent to the supervisor and the lead unit in writing."""
    decision_notice(
        kind=Kind.REJECTION,
        subject=app,
        actor=actor,
        addressee_orgs=[app.supervisor, app.lead_unit],
        context={
            "name": app.proposed_name,
            "lead_unit": app.lead_unit.name,
            "supervisor": app.supervisor.name,
            "reason": comment,
            # Art. 10.3: the unit learns why from the expert group's opinion (without names).
            "group_opinion": group_opinion_text(app),
        },
        hold=hold_notice,
    )


def recipients(app, transition: str, source: str):
    """Who hears of a transition: the parties on the other side of it."""
    lead = members(app.lead_unit_id, Role.APPLICANT)
    supervisor = members(app.supervisor_id, Role.SUPERVISOR)
    department = role_members(Role.DEPARTMENT)
    if transition == "submit":
        return supervisor
    if transition == "withdraw":
        return supervisor if source != A.State.DRAFT else []
    if transition == "recommend":
        return [*department, *lead]
    if transition in ("start_review", "approve", "reject") or source == A.State.RECOMMENDED:
        return [*lead, *supervisor]
    return lead


@workflow.on(A, "*")
def tell_parties(app, *, actor, comment, transition, source, **_ignored):
    notify_transition(
        app,
        transition=transition,
        actor=actor,
        comment=comment,
        recipients=recipients(app, transition, source),
        source=source,
    )


def expert_review_submit(
    review: ExpertReview, *, actor, no_conflict_declared: bool, score: int, verdict: str, opinion: str
) -> ExpertReview:
    """Art. 10.3: an assigned expert gives a final opinion, once, while the consultation is open."""
    with transaction.atomic():
        locked = ExpertReview.objects.select_for_update().select_related("application").get(pk=review.pk)
        if locked.expert_id != actor.pk:
            raise ValidationError(MESSAGE_REVIEW_CLOSED)
        if locked.application.state != A.State.UNDER_REVIEW or locked.state in (
            locked.State.DECLINED,
            locked.State.WITHDRAWN,
        ):
            raise ValidationError(MESSAGE_REVIEW_CLOSED)
        if locked.state == locked.State.SUBMITTED:
            raise ValidationError(MESSAGE_REVIEW_DONE)
        if not no_conflict_declared:
            raise ValidationError({"no_conflict_declared": MESSAGE_DECLARE})
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
            raise ValidationError({"score": MESSAGE_SCORE})
        locked.score = score
        locked.verdict = verdict
        locked.opinion = opinion
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["score", "verdict", "opinion", "submitted_at"])
        complete(locked, actor=actor)
    return locked
