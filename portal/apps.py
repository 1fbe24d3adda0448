from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """What spans the apps' lists: the header search at /search/. It sits above the apps (it
    imports their list views); the kernel ``sctic`` does not import it."""

    name = "portal"
    verbose_name = _("Portal")
