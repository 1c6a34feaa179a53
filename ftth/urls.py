from django.urls import path

from . import views

app_name = "ftth"

urlpatterns = [
    path("", views.search, name="search"),
    path("immeubles/<int:pk>/", views.building, name="building"),
    path("immeubles/<int:pk>/alerte/", views.alert_subscribe, name="alert_subscribe"),
    path("carte/immeubles/<int:pk>/", views.map_card, name="map_card"),
    path("couverture/", views.coverage, name="coverage"),
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/etat/", views.import_status, name="import_status"),
    path("imports/<int:pk>/confirmer/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/annuler/", views.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/relancer/", views.import_retry, name="import_retry"),
    path("alertes/<str:token>/confirmer/", views.alert_confirm, name="alert_confirm"),
    path("alertes/<str:token>/desinscription/", views.alert_unsubscribe, name="alert_unsubscribe"),
]

# The buildings' vector tiles, under /tiles/ftth/ (FtthConfig.urls).
tile_urlpatterns = [path("<int:z>/<int:x>/<int:y>.pbf", views.tile, name="ftth_tile")]
