from django.utils.translation import gettext_lazy as _

from exports.registry import Exporter, filtered_list, register

from .filters import CenterFilter
from .models import Center
from .selectors import list_queryset

register(
    Exporter(
        kind="centers",
        title=_("Technology innovation centers"),
        queryset=filtered_list(Center, CenterFilter, list_queryset),
        columns=[
            (_("Name"), lambda c: c.name),
            (_("Lead unit"), lambda c: c.lead_unit.name),
            (_("Legal entity"), lambda c: c.legal_entity_name),
            (_("Unified social credit code"), lambda c: c.credit_code),
            (_("Region"), lambda c: c.get_region_display()),
            (_("Technology field"), lambda c: c.get_technology_field_display()),
            (_("Supervisor"), lambda c: c.supervisor.name),
            (_("Director"), lambda c: c.director_name),
            (_("State"), lambda c: c.get_state_display()),
            (_("Approved on"), lambda c: c.approved_on),
            (_("Current cycle"), lambda c: c.cycle_number),
            (_("Cycle starts"), lambda c: c.cycle_start),
            (_("Cycle ends"), lambda c: c.cycle_end),
        ],
    )
)
