from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Intent applications (Art. 9, 10)")

    def ready(self):
        from . import access, exports, services  # noqa: F401  (exports and services register themselves)

        access.register()
