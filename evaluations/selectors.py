from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from accounts.regions import Region
from experts.models import OPEN_STATES
from sctic.choices import TechnologyField

from .models import Evaluation, EvaluationExpert, Grade


def list_queryset(qs):
    return qs.select_related(
        "center__lead_unit", "center__supervisor", "round", "cycle", "graded_by"
    ).order_by("-round__year", "center__name")


SORTS = {
    "center": "center__name",
    "region": "center__region",
    "field": "center__technology_field",
    "total": "total_score",
    "grade": "grade",
    "state": "state",
}


def score_table(evaluations, sort: str = "-total"):
    """The round's score table, sortable by any column (``?sort=-total``)."""
    if sort.lstrip("-") not in SORTS:
        sort = "-total"
    order = F(SORTS[sort.lstrip("-")])
    # Centers without a total yet come last, whichever way the table is sorted.
    order = order.desc(nulls_last=True) if sort.startswith("-") else order.asc(nulls_last=True)
    return list(list_queryset(evaluations).order_by(order, "center__name"))


def grade_distribution(evaluations, by: str) -> list[dict]:
    """Counts of each grade per region (``center__region``) or field (``center__technology_field``)
    among ``evaluations`` (a round's, as far as the user may see them)."""
    labels = dict(Region.choices) if by == "center__region" else dict(TechnologyField.choices)
    rows = (
        evaluations.order_by()
        .values(by)
        .annotate(
            total=Count("pk"),
            **{g.value: Count("pk", filter=Q(grade=g.value)) for g in Grade},
            undecided=Count("pk", filter=Q(grade="")),
        )
        .order_by(by)
    )
    result = []
    for row in rows:
        row["label"] = labels.get(row[by], row[by])
        row["bars"] = [
            (g.value, g.label, row[g.value], round(100 * row[g.value] / row["total"]) if row["total"] else 0)
            for g in Grade
        ]
        result.append(row)
    return result


def round_progress(evaluations) -> dict:
    counts = dict(evaluations.order_by().values_list("state").annotate(n=Count("pk")))
    return {
        "states": [(value, label, counts.get(value, 0)) for value, label in Evaluation.State.choices],
        "total": sum(counts.values()),
    }


def awaiting(user):
    """Evaluations ``user`` must act on now (one query)."""
    from accounts.roles import Role, has_role

    from .access import visible_evaluations

    S = Evaluation.State
    scope = Q(pk__in=[])
    # The deadline of the user's task, in the same query: the self-assessment (the round's
    # materials deadline), the rectification (Art. 23) and the expert's scores.
    deadlines = []
    if has_role(user, Role.APPLICANT):
        scope |= Q(center__lead_unit_id=user.organization_id, state__in=[S.PENDING, S.RECTIFYING])
        deadlines += [
            When(state=S.PENDING, then=F("round__materials_deadline")),
            When(state=S.RECTIFYING, then=F("rectification_deadline")),
        ]
    if has_role(user, Role.DEPARTMENT):
        scope |= Q(state=S.SUBMITTED) | Q(state=S.UNDER_REVIEW, proposed_grade__gt="")
    if has_role(user, Role.EXPERT):
        own = EvaluationExpert.objects.filter(evaluation=OuterRef("pk"), expert=user, state__in=OPEN_STATES)
        scope |= Q(state=S.UNDER_REVIEW) & Exists(own)
        # The expert's own deadline, set when the experts were drawn (the round's by default).
        deadlines.append(
            When(
                state=S.UNDER_REVIEW,
                then=Coalesce(Subquery(own.values("due_on")[:1]), F("round__scoring_deadline")),
            )
        )
    deadline = (
        Case(*deadlines, default=Value(None), output_field=DateField())
        if deadlines
        else Value(None, DateField())
    )
    return list_queryset(visible_evaluations(user).filter(scope)).annotate(deadline=deadline).distinct()
