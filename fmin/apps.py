from django.apps import AppConfig


class FminConfig(AppConfig):
    name = "fmin"
    verbose_name = "FMIN et Bâtisseurs du numérique"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from sman.demo import register_demo_loader
        from sman.roles import register_role

        from . import indicators  # noqa: F401 — registers this app's indicators for the COPIL
        from .demo import load_demo

        register_demo_loader(load_demo)
        register_role("fmin.reviewer", "Évaluateur FMIN", "Membre du jury : note les dossiers qui lui sont confiés.")
