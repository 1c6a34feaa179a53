from django.urls import path

from .views import distributor, funder, place, public

app_name = "passnumerique"

urlpatterns = [
    path("", public.home, name="home"),
    path("lieux/", public.place_list, name="places"),
    path("lieux/<int:pk>/", public.place_detail, name="place_detail"),
    path("formations/", public.training_list, name="trainings"),
    path("solde/", public.balance, name="balance"),
    path("valider/", place.redeem, name="redeem"),
    path("distribuer/", distributor.distribute, name="distribute"),
    path("commandes/", funder.order_list, name="orders"),
    path("commandes/import/", funder.order_import, name="order_import"),
    path("commandes/<int:pk>/", funder.order_detail, name="order_detail"),
    path("commandes/<int:pk>/planches/", funder.order_sheets_request, name="order_sheets_request"),
    path("commandes/<int:pk>/planches/etat/", funder.order_sheets_status, name="order_sheets_status"),
    path("commandes/<int:pk>/carnets.pdf", funder.order_sheets, name="order_sheets"),
    path("tableau-de-bord/", funder.dashboard, name="dashboard"),
    path("releves/", place.statements, name="statements"),
    path("releves/<int:pk>/paye/", place.statement_paid, name="statement_paid"),
    path("releves/<int:pk>/<str:kind>/", place.statement_file, name="statement_file"),
]
