from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentersConfig(AppConfig):
    name = "centers"
    verbose_name = _("Technology innovation centers")

    def ready(self):
        from . import access, exports, services  # noqa: F401  (exports and services register themselves)

        access.register()
