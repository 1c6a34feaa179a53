from django.apps import AppConfig


class FtthConfig(AppConfig):
    name = "ftth"
    verbose_name = "Fibre (FttH)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from sman.demo import register_demo_loader
        from sman.panels import register_territory_panel

        from . import indicators  # noqa: F401 — registers ftth.premises_connectable_rate
        from .demo import load_demo
        from .selectors import coverage_panel

        register_territory_panel(coverage_panel)
        register_demo_loader(load_demo)
