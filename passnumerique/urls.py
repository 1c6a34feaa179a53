from django.urls import path

from . import views

app_name = "passnumerique"

urlpatterns = [
    path("", views.home, name="home"),
    path("lieux/", views.place_list, name="places"),
    path("lieux/<int:pk>/", views.place_detail, name="place_detail"),
    path("formations/", views.training_list, name="trainings"),
    path("solde/", views.balance, name="balance"),
    path("valider/", views.redeem, name="redeem"),
    path("distribuer/", views.distribute, name="distribute"),
    path("commandes/", views.order_list, name="orders"),
    path("commandes/import/", views.order_import, name="order_import"),
    path("commandes/<int:pk>/", views.order_detail, name="order_detail"),
    path("commandes/<int:pk>/carnets.pdf", views.order_sheets, name="order_sheets"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("releves/", views.statements, name="statements"),
    path("releves/<int:pk>/paye/", views.statement_paid, name="statement_paid"),
    path("releves/<int:pk>/<str:kind>/", views.statement_file, name="statement_file"),
]
