from importlib import import_module

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.utils.module_loading import import_string
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import api, views
from .modules import api_modules, url_includes

# The modules' URLs and API routes come from their declarations (sman/modules.py): no app is named here.
router = DefaultRouter()
router.register("territories", api.TerritoryViewSet, basename="territory")
module_api_paths = []
for module in api_modules():
    for prefix, viewset, basename in getattr(module, "ROUTES", ()):
        router.register(prefix, viewset, basename=basename)
    module_api_paths += getattr(module, "api_urlpatterns", [])


def _urlconf(dotted: str):
    """A module's urlconf: a module path (``ftth.urls``) or a list of paths in it (``ftth.urls.tile_urlpatterns``)."""
    try:
        return import_module(dotted)
    except ImportError:
        return import_string(dotted)


admin.site.site_header = "Métropole d'intelligences — administration"
admin.site.site_title = "Administration du portail"
admin.site.index_title = "Pilotage du SMAN"
# One login path for everyone: the admin's form would skip allauth's rate limits and second factor.
admin.site.login = views.admin_login

handler500 = "sman.views.server_error"

# Under /api/, an unknown address answers in JSON like the rest of the API (sman/api.py).
handler404 = "sman.api.not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("territoires/", views.territory_list, name="territory_list"),
    path("territoires/<str:code>/", views.territory_detail, name="territory_detail"),
    path("communes/<str:code>/", views.commune_detail, name="commune_detail"),
    path("accessibilite/", views.accessibility_declaration, name="accessibility"),
    path("accessibilite/audit/", views.accessibility_audit, name="accessibility_audit"),
    path("accessibilite/schema-pluriannuel/", views.accessibility_plan, name="accessibility_plan"),
    path("accessibilite/plan-d-actions/", views.accessibility_actions, name="accessibility_actions"),
    path("plan-du-site/", views.site_map, name="site_map"),
    path("mentions-legales/", views.static_page, {"template": "legal"}, name="legal"),
    path("donnees-personnelles/", views.static_page, {"template": "privacy"}, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("espace/", views.dashboard, name="dashboard"),
    path("espace/rejoindre/", views.membership_request_create, name="membership_request_create"),
    path(
        "espace/demandes/<int:pk>/retirer/",
        views.membership_request_cancel,
        name="membership_request_cancel",
    ),
    path(
        "espace/demandes/<int:pk>/accepter/",
        views.membership_request_approve,
        name="membership_request_approve",
    ),
    path(
        "espace/demandes/<int:pk>/refuser/",
        views.membership_request_reject,
        name="membership_request_reject",
    ),
    path("espace/jetons/", views.api_tokens, name="api_tokens"),
    path("espace/notifications/", views.notifications, name="notifications"),
    path("notifications/<str:token>/desabonnement/", views.notifications_unsubscribe, name="notifications_unsubscribe"),
    path("espace/jetons/<int:pk>/revoquer/", views.api_token_revoke, name="api_token_revoke"),
    path("espace/organisations/<slug:slug>/", views.organisation_detail, name="organisation_detail"),
    *[path(prefix, include(_urlconf(urlconf))) for prefix, urlconf in url_includes()],
    path("tiles/territories/<int:z>/<int:x>/<int:y>.pbf", views.territory_tile, name="territory_tile"),
    path("comptes/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("api/me/", api.MeView.as_view(), name="api_me"),
    path("api/", include(module_api_paths)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    # Redoc styles its page with inline <style> elements (styled-components) and runs a web worker from a blob:
    # allowed on this page only; scripts stay the portal's own.
    path(
        "api/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api_schema")
        ),
        name="api_redoc",
    ),
]
