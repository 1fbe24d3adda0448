from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Organizations and users")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from .views import remember_language

        post_migrate.connect(_ensure_role_groups, sender=self)
        user_logged_in.connect(remember_language, dispatch_uid="accounts.remember_language")


def _ensure_role_groups(sender, using="default", **kwargs):
    """Also after a flush (a transactional test empties every table, migration data included)."""
    from django.contrib.auth.models import Group
    from django.db import connections

    from .defaults import ensure_role_groups

    if Group._meta.db_table in connections[using].introspection.table_names():
        ensure_role_groups(Group)
