from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import Organization
from experts.selectors import candidates

from .models import ExpertReview, IntentApplication


def conflict_parties(app) -> tuple[dict[int, str], set[str]]:
    """The organizations involved in ``app``: lead unit, supervisor and co-builders (Art. 10.3 consultation)."""
    cobuilders = list(app.cobuilders.all())
    codes = [c.credit_code for c in cobuilders if c.credit_code]
    names = {c.name for c in cobuilders}
    orgs = Organization.objects.filter(
        Q(pk__in=[app.lead_unit_id, app.supervisor_id]) | Q(credit_code__in=codes) | Q(name__in=names)
    )
    return {o.pk: o.name for o in orgs}, names


def consultation_candidates(app):
    parties, names = conflict_parties(app)
    return candidates(field=app.technology_field, parties=parties, party_names=names)


def with_review_progress(qs):
    """Annotate assigned and submitted opinion counts (one query for a whole list)."""
    return qs.annotate(
        reviews_assigned=Count("expert_reviews", distinct=True),
        reviews_submitted=Count(
            "expert_reviews", filter=Q(expert_reviews__submitted_at__isnull=False), distinct=True
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
    pending = ExpertReview.objects.filter(application=OuterRef("pk"), submitted_at__isnull=True)
    if has_role(user, Role.DEPARTMENT):
        scope |= Q(state=S.RECOMMENDED) | (Q(state=S.UNDER_REVIEW) & ~Exists(pending))
    if has_role(user, Role.EXPERT):
        scope |= Q(state=S.UNDER_REVIEW) & Exists(pending.filter(expert=user))
    return list_queryset(qs.filter(scope))


def next_free_rank(supervisor_id: int, year: int) -> int:
    from django.db.models import Max

    from .models import Recommendation

    top = Recommendation.objects.filter(supervisor_id=supervisor_id, year=year).aggregate(top=Max("rank"))[
        "top"
    ]
    return (top or 0) + 1
