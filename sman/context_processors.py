from django.conf import settings
from django.urls import reverse

from .accessibility import load_audit
from .modules import navigation


def portal(request):
    """The main navigation (Territoires, then every module's declared entries) and the map's base layer."""
    user = getattr(request, "user", None)
    nav = [{"label": "Territoires", "url": reverse("territory_list")}, *navigation(user)]
    return {
        "portal_name": "Métropole d'intelligences",
        "main_nav": nav,
        # The footer's « Accessibilité : … » mention, from the audit's rate (RGAA: 100 %, ≥ 50 %, < 50 %).
        "accessibility_compliance": load_audit().compliance,
        "map_tiles_url": settings.MAP_TILES_URL,
        "map_tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
    }
