from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Feuille de route et COPIL"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from sman.demo import register_demo_loader
        from sman.reference import register_loader
        from sman.roles import register_role

        from . import providers  # noqa: F401 — registers this app's computed indicators
        from .demo import load_demo
        from .reference import load_plan

        register_loader(load_plan)
        register_demo_loader(load_demo)
        register_role("actions.copil_member", "Membre du COPIL", "Membre du comité de pilotage d'exécution du SMAN.")
