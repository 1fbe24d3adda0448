from django.contrib.auth import get_user_model
from django.db.models import QuerySet


def members(organization_ids, role: str) -> QuerySet:
    """Active users of these organizations who hold ``role``."""
    if isinstance(organization_ids, int):
        organization_ids = [organization_ids]
    return (
        get_user_model()
        .objects.filter(organization_id__in=list(organization_ids), groups__name=role, is_active=True)
        .distinct()
    )


def role_members(role: str) -> QuerySet:
    return get_user_model().objects.filter(groups__name=role, is_active=True).distinct()
