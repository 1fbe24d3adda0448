from django.utils.translation import gettext_lazy as _

from exports.registry import Exporter, filtered_list, register

from .filters import EvaluationFilter
from .models import Evaluation
from .selectors import list_queryset

register(
    Exporter(
        kind="evaluations",
        title=_("Evaluations"),
        queryset=filtered_list(Evaluation, EvaluationFilter, list_queryset),
        columns=[
            (_("Round"), lambda e: e.round.year),
            (_("Center"), lambda e: e.center.name),
            (_("Lead unit"), lambda e: e.center.lead_unit.name),
            (_("Region"), lambda e: e.center.get_region_display()),
            (_("Technology field"), lambda e: e.center.get_technology_field_display()),
            (_("Supervisor"), lambda e: e.center.supervisor.name),
            (_("Cycle"), lambda e: f"{e.cycle.start_date} – {e.cycle.end_date}"),
            (_("State"), lambda e: e.get_state_display()),
            (_("Total score"), lambda e: e.total_score),
            (_("Proposed grade"), lambda e: e.get_proposed_grade_display()),
            (_("Grade"), lambda e: e.get_grade_display()),
            (_("Rectification deadline"), lambda e: e.rectification_deadline),
            (_("Recommended for a national center"), lambda e: _("Yes") if e.national_recommendation else ""),
        ],
    )
)
