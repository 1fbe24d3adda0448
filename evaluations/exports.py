from django.db.models import Case, CharField, DecimalField, F, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role, has_role
from exports.registry import Exporter, filtered_list, register

from .filters import EvaluationFilter
from .models import Evaluation, Grade
from .selectors import list_queryset

_rows = filtered_list(Evaluation, EvaluationFilter, list_queryset)


def _scoped_rows(user, params):
    """The rows; the running total and the proposed grade only for 科技厅 until a grade is given
    (Art. 24: nothing may influence the evaluation), as on the pages."""
    rows = _rows(user, params)
    if user.is_superuser or has_role(user, Role.DEPARTMENT):
        return rows.annotate(shown_total=F("total_score"), shown_proposal=F("proposed_grade"))
    # Once graded, the proposal is shown with the grade that confirms or departs from it (Art. 22).
    return rows.annotate(
        shown_total=Case(
            When(grade="", then=Value(None)), default=F("total_score"), output_field=DecimalField()
        ),
        shown_proposal=Case(
            When(grade="", then=Value("")), default=F("proposed_grade"), output_field=CharField()
        ),
    )


register(
    Exporter(
        kind="evaluations",
        title=_("Evaluations"),
        queryset=_scoped_rows,
        columns=[
            (_("Round"), lambda e: e.round.year),
            (_("Center"), lambda e: e.center.name),
            (_("Lead unit"), lambda e: e.center.lead_unit.name),
            (_("Region"), lambda e: e.center.get_region_display()),
            (_("Technology field"), lambda e: e.center.get_technology_field_display()),
            (_("Supervisor"), lambda e: e.center.supervisor.name),
            (_("Cycle"), lambda e: f"{e.cycle.start_date} – {e.cycle.end_date}"),
            (_("State"), lambda e: e.get_state_display()),
            (_("Total score"), lambda e: e.shown_total),
            (_("Proposed grade"), lambda e: Grade(e.shown_proposal).label if e.shown_proposal else ""),
            (_("Grade"), lambda e: e.get_grade_display()),
            (_("Adjusted from the proposal"), lambda e: e.grade_adjusted),
            (_("Confirmed by"), lambda e: str(e.graded_by) if e.graded_by else ""),
            (_("Reason for the grade"), lambda e: e.grade_reason),
            (_("Rectification deadline"), lambda e: e.rectification_deadline),
            (_("Recommended for a national center"), lambda e: e.national_recommendation),
        ],
    )
)
