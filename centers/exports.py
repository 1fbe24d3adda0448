from django.utils.translation import gettext_lazy as _

from exports.registry import Exporter, filtered_list, register

from .filters import CenterFilter, ChangeFilter
from .models import Center, ChangeRequest
from .selectors import change_list_queryset, list_queryset

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

register(
    Exporter(
        kind="changes",
        title=_("Change requests"),
        queryset=filtered_list(ChangeRequest, ChangeFilter, change_list_queryset),
        columns=[
            (_("Center"), lambda c: c.center.name),
            (_("What is to change"), lambda c: c.get_kind_display()),
            (_("Proposed"), lambda c: c.proposal_text()),
            (_("Value before the change"), lambda c: c.previous_value),
            (_("Reason"), lambda c: c.reason),
            (_("Supervisor"), lambda c: c.center.supervisor.name),
            (_("State"), lambda c: c.get_state_display()),
            (_("Last changed"), lambda c: c.updated_at),
            (_("Decided"), lambda c: c.decided_at),
        ],
    )
)
