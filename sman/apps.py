from django.apps import AppConfig


class SmanConfig(AppConfig):
    name = "sman"
    verbose_name = "Socle du portail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import mfa  # noqa: F401 — connects the signal receivers
