from django.db.models import Count, Exists, OuterRef, Q

from accounts.credit_code import normalize
from accounts.models import Organization
from experts.models import COUNTED_STATES, OPEN_STATES, AssignmentState
from experts.selectors import candidates

from .models import ExpertReview, IntentApplication


def conflict_parties(app) -> tuple[dict[int, str], set[str], set[str]]:
    """The organizations involved in ``app`` (Art. 10.3 consultation): lead unit, supervisor and
    co-builders, these matched to portal organizations by unified social credit code or by name.
    Returns the party organizations (id → name), the co-builders' names and their credit codes."""
    cobuilders = list(app.cobuilders.all())
    codes = {normalize(c.credit_code) for c in cobuilders if normalize(c.credit_code)}
    names = {c.name for c in cobuilders}
    orgs = Organization.objects.filter(
        Q(pk__in=[app.lead_unit_id, app.supervisor_id]) | Q(credit_code__in=codes) | Q(name__in=names)
    )
    return {o.pk: o.name for o in orgs}, names, codes


def consultation_candidates(app):
    parties, names, codes = conflict_parties(app)
    return candidates(
        field=app.technology_field, parties=parties, party_names=names, party_credit_codes=codes
    )


def with_review_progress(qs):
    """Annotate assigned and submitted opinion counts (one query for a whole list)."""
    return qs.annotate(
        reviews_assigned=Count(
            "expert_reviews", filter=Q(expert_reviews__state__in=COUNTED_STATES), distinct=True
        ),
        reviews_submitted=Count(
            "expert_reviews", filter=Q(expert_reviews__state=AssignmentState.SUBMITTED), distinct=True
        ),
    )


def list_queryset(qs):
    return with_review_progress(qs.select_related("lead_unit", "supervisor", "recommendation")).order_by(
        "-is_engineering_center", "-updated_at", "-id"
    )


def awaiting(user):
    """What ``user`` must act on now: one query per role."""
    from accounts.roles import Role, has_role

    from .access import visible_applications

    qs = visible_applications(user)
    S = IntentApplication.State
    scope = Q(pk__in=[])
    if has_role(user, Role.APPLICANT):
        scope |= Q(lead_unit_id=user.organization_id, state__in=[S.DRAFT, S.RETURNED, S.CULTIVATING])
    if has_role(user, Role.SUPERVISOR):
        scope |= Q(supervisor_id=user.organization_id, state__in=[S.SUBMITTED, S.CULTIVATING])
    pending = ExpertReview.objects.filter(application=OuterRef("pk"), state__in=OPEN_STATES)
    if has_role(user, Role.DEPARTMENT):
        scope |= Q(state=S.RECOMMENDED) | (Q(state=S.UNDER_REVIEW) & ~Exists(pending))
    if has_role(user, Role.EXPERT):
        scope |= Q(state=S.UNDER_REVIEW) & Exists(pending.filter(expert=user))
    return list_queryset(qs.filter(scope))


def taken_ranks(supervisor_id: int, year: int, *, exclude_application=None):
    """Art. 10.2: the recommendations that hold a rank among ``supervisor_id``'s recommendations of
    ``year`` — those of applications still recommended or decided on (``RANK_HOLDING_STATES``).
    An application declined, withdrawn or returned to cultivation frees its rank. The one
    definition both the rank check (``services.record_recommendation``) and the proposed free rank
    (``next_free_rank``, the recommend form) use."""
    from .models import Recommendation

    qs = Recommendation.objects.filter(
        supervisor_id=supervisor_id,
        year=year,
        application__state__in=IntentApplication.RANK_HOLDING_STATES,
    )
    if exclude_application is not None:
        qs = qs.exclude(application_id=getattr(exclude_application, "pk", exclude_application))
    return qs


def next_free_rank(supervisor_id: int, year: int, *, exclude_application=None) -> int:
    """The lowest rank (1, 2, …) no rank-holding recommendation of that supervisor and year has."""
    taken = set(
        taken_ranks(supervisor_id, year, exclude_application=exclude_application).values_list(
            "rank", flat=True
        )
    )
    rank = 1
    while rank in taken:
        rank += 1
    return rank
