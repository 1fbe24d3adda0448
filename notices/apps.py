from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Official notices")

    def ready(self):
        from . import access, exports, services, sweeps  # noqa: F401  (register themselves)

        access.register()
