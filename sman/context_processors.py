from django.conf import settings
from django.urls import reverse

# The modules of the portal, in navigation order. A module without a URL name is not built yet.
MODULES = [
    ("Feuille de route", None),
    ("Fibre (FttH)", None),
    ("FMIN", None),
    ("Pass Numérique", None),
    ("Explorateurs", None),
    ("Place de marché", None),
    ("Ressources", None),
    ("Participation", None),
]


def portal(request):
    nav = [{"label": "Territoires", "url": reverse("territory_list"), "soon": False}]
    for label, url_name in MODULES:
        nav.append(
            {
                "label": label,
                "url": reverse(url_name) if url_name else None,
                "soon": url_name is None,
            }
        )
    return {
        "portal_name": "Métropole d'intelligences",
        "main_nav": nav,
        "map_tiles_url": settings.MAP_TILES_URL,
        "map_tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
    }
