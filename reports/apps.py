from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Annual reports (Art. 19)")

    def ready(self):
        from . import access, exports, reminders, services  # noqa: F401  (register themselves)

        access.register()
