from django.apps import AppConfig


class FtthConfig(AppConfig):
    name = "ftth"
    verbose_name = "Fibre (FttH)"
    default_auto_field = "django.db.models.BigAutoField"
