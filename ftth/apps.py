from django.apps import AppConfig


class FtthConfig(AppConfig):
    name = "ftth"
    verbose_name = "Fibre (FttH)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from sman.demo import register_demo_loader
        from sman.models import Territory
        from sman.panels import register_territory_panel

        from . import (
            indicators,  # noqa: F401 — registers ftth.premises_connectable_rate
            places,
        )
        from .demo import load_demo
        from .selectors import coverage_panel

        # The address search reads commune names from a copy kept in the process.
        post_save.connect(places.clear_cache, sender=Territory, dispatch_uid="ftth.places")
        post_delete.connect(places.clear_cache, sender=Territory, dispatch_uid="ftth.places.delete")

        register_territory_panel(coverage_panel)
        register_demo_loader(load_demo)
