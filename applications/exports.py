from django.utils.translation import gettext_lazy as _

from exports.registry import Exporter, filtered_list, register

from .filters import ApplicationFilter
from .models import IntentApplication
from .selectors import list_queryset

register(
    Exporter(
        kind="applications",
        title=_("Intent applications"),
        queryset=filtered_list(IntentApplication, ApplicationFilter, list_queryset),
        columns=[
            (_("Reference"), lambda a: a.reference),
            (_("Proposed center name"), lambda a: a.proposed_name),
            (_("Lead unit"), lambda a: a.lead_unit.name),
            (_("Region"), lambda a: a.lead_unit.get_region_display()),
            (_("Technology field"), lambda a: a.get_technology_field_display()),
            (_("Supervisor"), lambda a: a.supervisor.name),
            (_("State"), lambda a: a.get_state_display()),
            (
                _("Provincial engineering research center (Art. 5.2)"),
                lambda a: a.is_engineering_center,
            ),
            (_("Submitted"), lambda a: a.submitted_at),
            (_("Recommendation rank"), lambda a: getattr(getattr(a, "recommendation", None), "rank", None)),
            (
                _("Expert opinions"),
                lambda a: f"{a.reviews_submitted}/{a.reviews_assigned}" if a.reviews_assigned else "",
            ),
            (_("Decided"), lambda a: a.decided_at),
        ],
    )
)
