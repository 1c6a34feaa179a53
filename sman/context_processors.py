from django.conf import settings
from django.urls import reverse

from .permissions import has_role

# The modules of the portal, in navigation order. A module without a URL name is not built yet.
MODULES = [
    ("Feuille de route", "actions:plan"),
    ("Fibre (FttH)", "ftth:search"),
    ("FMIN", "fmin:home"),
    ("Pass Numérique", "passnumerique:home"),
    ("Explorateurs", None),
    ("Place de marché", None),
    ("Ressources", None),
    ("Participation", None),
]


def portal(request):
    nav = [{"label": "Territoires", "url": reverse("territory_list"), "soon": False}]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and (user.is_staff or has_role(user, "actions.copil_member")):
        copil_entry = [("COPIL", "actions:dashboard")]
    else:
        copil_entry = []
    for label, url_name in MODULES + copil_entry:
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
