from django.apps import AppConfig


class ScticConfig(AppConfig):
    """The project package itself: template tags, shared templates and the demo-data command."""

    name = "sctic"
    verbose_name = "sctic"
