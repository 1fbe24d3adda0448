from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Performance evaluation (Art. 21–24)")

    def ready(self):
        from . import access, exports, reminders, services  # noqa: F401  (register themselves)

        access.register()

        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_default_rules, sender=self)


def _ensure_default_rules(sender, using="default", **kwargs):
    """Also after a flush (a transactional test empties every table, migration data included)."""
    from django.db import connections

    from .defaults import ensure_default_rule_set
    from .models import Indicator, RuleSet

    tables = connections[using].introspection.table_names()
    if RuleSet._meta.db_table in tables and Indicator._meta.db_table in tables:
        ensure_default_rule_set(RuleSet, Indicator)
