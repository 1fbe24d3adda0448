from django.utils.translation import gettext_lazy as _

from exports.registry import Exporter, filtered_list, register

from .filters import ReportFilter
from .metrics import METRICS
from .models import AnnualReport
from .selectors import list_queryset


def _figure(name):
    return lambda report: getattr(report, name)


register(
    Exporter(
        kind="reports",
        title=_("Annual reports"),
        queryset=filtered_list(AnnualReport, ReportFilter, list_queryset),
        columns=[
            (_("Center"), lambda r: r.center.name),
            (_("Lead unit"), lambda r: r.center.lead_unit.name),
            (_("Region"), lambda r: r.center.get_region_display()),
            (_("Technology field"), lambda r: r.center.get_technology_field_display()),
            (_("Supervisor"), lambda r: r.center.supervisor.name),
            (_("Year"), lambda r: r.year),
            (_("State"), lambda r: r.get_state_display()),
            (_("Due date"), lambda r: r.due_date),
            (_("Overdue"), lambda r: r.is_overdue()),
            (_("First submitted"), lambda r: r.first_submitted_at),
            (_("Submitted late (days after the due date)"), lambda r: r.submitted_late_days),
            *[(f"{m.label}（{m.unit}）", _figure(m.name)) for m in METRICS],
        ],
    )
)
