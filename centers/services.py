from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Center, CenterCycle, add_years

MESSAGE_NAME_TAKEN = _("A center named “%(name)s” already exists (Art. 25): names must be unique.")


def cycle_dates(start):
    """Art. 11.5: a construction and operation cycle is normally three years."""
    return start, add_years(start, settings.SCTIC["CYCLE_YEARS"]) - timedelta(days=1)


def center_create_from_application(application) -> Center:
    """Art. 10.3: the approved application becomes a center with its first cycle."""
    if Center.objects.filter(name=application.proposed_name).exists():
        raise ValidationError(MESSAGE_NAME_TAKEN, params={"name": application.proposed_name})
    today = timezone.localdate()
    center = Center.objects.create(
        name=application.proposed_name,
        application=application,
        lead_unit=application.lead_unit,
        supervisor=application.supervisor,
        technology_field=application.technology_field,
        region=application.lead_unit.region,
        legal_entity_name=application.legal_entity_name,
        credit_code=application.legal_entity_credit_code,
        director_name=application.director_name,
        director_full_time=application.director_full_time,
        is_engineering_center=application.is_engineering_center,
        approved_on=today,
    )
    start, end = cycle_dates(today)
    CenterCycle.objects.create(center=center, number=1, start_date=start, end_date=end)
    return center
