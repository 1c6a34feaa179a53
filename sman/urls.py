from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from actions import api as actions_api
from fmin import api as fmin_api
from ftth import api as ftth_api
from ftth import views as ftth_views
from passnumerique import api as pass_api

from . import api, views

router = DefaultRouter()
router.register("territories", api.TerritoryViewSet, basename="territory")
router.register("challenges", actions_api.ChallengeViewSet, basename="challenge")
router.register("roadmaps", actions_api.RoadmapViewSet, basename="roadmap")
router.register("actions", actions_api.ActionViewSet, basename="action")
router.register("indicators", actions_api.IndicatorViewSet, basename="indicator")
router.register("pass/places", pass_api.PlaceViewSet, basename="pass-place")
router.register("pass/trainings", pass_api.TrainingViewSet, basename="pass-training")
router.register("ftth/imports", ftth_api.ImportRunViewSet, basename="ftth-import")
router.register("fmin/projects", fmin_api.ProjectViewSet, basename="fmin-project")
router.register("fmin/applications", fmin_api.ApplicationViewSet, basename="fmin-application")

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
    path("accessibilite/", views.static_page, {"template": "accessibility"}, name="accessibility"),
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
    path("espace/jetons/<int:pk>/revoquer/", views.api_token_revoke, name="api_token_revoke"),
    path("espace/organisations/<slug:slug>/", views.organisation_detail, name="organisation_detail"),
    path("", include("actions.urls")),
    path("pass-numerique/", include("passnumerique.urls")),
    path("fibre/", include("ftth.urls")),
    path("fmin/", include("fmin.urls")),
    path("tiles/ftth/<int:z>/<int:x>/<int:y>.pbf", ftth_views.tile, name="ftth_tile"),
    path("tiles/territories/<int:z>/<int:x>/<int:y>.pbf", views.territory_tile, name="territory_tile"),
    path("comptes/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("api/me/", api.MeView.as_view(), name="api_me"),
    path("api/pass/tickets/check/", pass_api.TicketCheckView.as_view(), name="api_pass_check"),
    path("api/pass/tickets/redeem/", pass_api.TicketRedeemView.as_view(), name="api_pass_redeem"),
    path("api/pass/statistics/", pass_api.StatisticsView.as_view(), name="api_pass_statistics"),
    path("api/ftth/addresses/", ftth_api.AddressSearchView.as_view(), name="api_ftth_addresses"),
    path("api/ftth/buildings/<int:pk>/", ftth_api.BuildingView.as_view(), name="api_ftth_building"),
    path("api/ftth/coverage/", ftth_api.CoverageView.as_view(), name="api_ftth_coverage"),
    path("api/ftth/coverage/series/", ftth_api.CoverageSeriesView.as_view(), name="api_ftth_coverage_series"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
]
