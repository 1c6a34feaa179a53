from django.apps import AppConfig


class SmanConfig(AppConfig):
    name = "sman"
    verbose_name = "Socle du portail"
    default_auto_field = "django.db.models.BigAutoField"
