from django.db.models import OuterRef, Subquery

from .models import CenterCycle


def list_queryset(qs):
    current = CenterCycle.objects.filter(center=OuterRef("pk"), closed_on__isnull=True)
    return (
        qs.select_related("lead_unit", "supervisor")
        .annotate(
            cycle_number=Subquery(current.values("number")[:1]),
            cycle_start=Subquery(current.values("start_date")[:1]),
            cycle_end=Subquery(current.values("end_date")[:1]),
        )
        .order_by("name")
    )


def change_list_queryset(qs):
    # proposal_text() names the proposed lead unit of a lead-unit change.
    return qs.select_related("center__supervisor", "center__lead_unit", "proposed_lead_unit").order_by(
        "-updated_at", "-id"
    )
