from sman.modules import ModuleConfig, NavEntry


class FtthConfig(ModuleConfig):
    default = True  # apps.py also imports ModuleConfig: Django must know which config is the app's
    name = "ftth"
    verbose_name = "Fibre (FttH)"

    nav = (NavEntry("Fibre (FttH)", "ftth:search", order=20),)
    action_numbers = (2,)  # the FttH information platform
    urls = (("fibre/", "ftth.urls"), ("tiles/ftth/", "ftth.urls.tile_urlpatterns"))
    api = "ftth.api"
    space_panel = "ftth.panels.space_panel"
    territory_panel = "ftth.selectors.coverage_panel"
    indicators = "ftth.indicators"
    demo_loader = "ftth.demo.load_demo"

    def ready(self):
        super().ready()
        from django.db.models.signals import post_delete, post_save

        from sman.models import Territory

        from . import places

        # The address search reads commune names from a copy kept in the process.
        post_save.connect(places.clear_cache, sender=Territory, dispatch_uid="ftth.places")
        post_delete.connect(places.clear_cache, sender=Territory, dispatch_uid="ftth.places.delete")
