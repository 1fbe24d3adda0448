from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Performance evaluation (Art. 21–24)")

    def ready(self):
        from . import access, exports, reminders, services  # noqa: F401  (register themselves)

        access.register()
