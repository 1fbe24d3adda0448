"""Who may act on an expert assignment, a group opinion and the pool.

- the expert: their own assignment (accept, decline, submit);
- 科技厅 users: every assignment (withdraw), the pool, the group opinion (edit, approve);
- the 组长: the group opinion of the review they lead, while it is a draft.
"""

from accounts.roles import Role, has_role


def is_department(obj, user) -> bool:
    return bool(user.is_superuser or has_role(user, Role.DEPARTMENT))


def is_department_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and is_department(None, user))


def is_the_expert(assignment, user) -> bool:
    return has_role(user, Role.EXPERT) and assignment.expert_id == user.pk


def is_group_leader_of_opinion(opinion, user) -> bool:
    from .reviews import review_of

    if not has_role(user, Role.EXPERT):
        return False
    review = review_of(opinion.subject)
    return review.assignments(opinion.subject).filter(expert=user, is_group_leader=True).exists()


def visible_assignments(model):
    def visible(user):
        qs = model.objects.all()
        if is_department(None, user):
            return qs
        if has_role(user, Role.EXPERT):
            return qs.filter(expert=user)
        return qs.none()

    return visible


def never(user, obj) -> bool:
    return False


def on_reviews_of(model, *, leading=False):
    """``visible(user)`` for records about a review's subject (a group opinion, a session):
    科技厅 sees all; an expert those of the subjects they are counted on — only those they lead
    with ``leading`` (the group opinion before it is approved)."""
    from django.db.models import Q

    from .models import COUNTED_STATES
    from .reviews import REVIEWS

    def visible(user):
        if is_department(None, user):
            return model.objects.all()
        if not has_role(user, Role.EXPERT):
            return model.objects.none()
        scope = Q(pk__in=[])
        for review in REVIEWS.values():
            mine = review.assignment_model.objects.filter(expert=user, state__in=COUNTED_STATES)
            if leading:
                mine = mine.filter(is_group_leader=True)
            scope |= Q(
                content_type=review.content_type(), object_id__in=mine.values(f"{review.subject_field}_id")
            )
        return model.objects.filter(scope)

    return visible


def register():
    from django.apps import apps

    from sctic import access as registry

    from .models import GroupOpinion, ReviewSession

    for label in ("applications.ExpertReview", "evaluations.EvaluationExpert"):
        model = apps.get_model(label)
        registry.register(model, visible=visible_assignments(model), can_change=never)
    registry.register(GroupOpinion, visible=on_reviews_of(GroupOpinion, leading=True), can_change=never)
    registry.register(
        ReviewSession,
        visible=on_reviews_of(ReviewSession),
        can_change=lambda user, obj: is_department(obj, user),
    )
