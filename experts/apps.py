from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertsConfig(AppConfig):
    name = "experts"
    verbose_name = _("Expert pool")

    def ready(self):
        from . import access, reminders, services  # noqa: F401  (register themselves)

        access.register()
