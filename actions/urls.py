from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("feuille-de-route/", views.plan, name="plan"),
    path("feuille-de-route/defis/<int:number>/", views.challenge_detail, name="challenge_detail"),
    path("feuille-de-route/<str:roadmap>/actions/<int:number>/", views.action_detail, name="action_detail"),
    path("feuille-de-route/<str:roadmap>/actions/<int:number>/suivi/", views.action_follow, name="action_follow"),
    path(
        "feuille-de-route/<str:roadmap>/actions/<int:number>/indicateurs/nouveau/",
        views.indicator_edit,
        name="indicator_create",
    ),
    path(
        "feuille-de-route/<str:roadmap>/actions/<int:number>/indicateurs/<int:pk>/",
        views.indicator_edit,
        name="indicator_edit",
    ),
    path(
        "feuille-de-route/<str:roadmap>/actions/<int:number>/indicateurs/<int:pk>/valeurs/",
        views.indicator_value_add,
        name="indicator_value_add",
    ),
    path("copil/", views.dashboard, name="dashboard"),
    path("copil/exports/revues.<str:fmt>", views.export_reviews, name="export_reviews"),
    path("copil/exports/valeurs.<str:fmt>", views.export_indicator_values, name="export_indicator_values"),
    path("copil/seances/", views.session_list, name="session_list"),
    path("copil/seances/<int:pk>/", views.session_detail, name="session_detail"),
    path("copil/seances/<int:pk>/modifier/", views.session_update, name="session_update"),
    path("copil/seances/<int:pk>/clore/", views.session_close, name="session_close"),
    path("copil/seances/<int:pk>/recommandations/", views.recommendation_add, name="recommendation_add"),
    path("copil/seances/<int:pk>/feuille-de-route/", views.roadmap_draft, name="roadmap_draft"),
    path("copil/seances/<int:pk>/rapport/", views.report_request, name="report_request"),
    path("copil/revues/<int:pk>/", views.review_edit, name="review_edit"),
    path("copil/rapports/<int:pk>/", views.report_detail, name="report_detail"),
    path("copil/rapports/<int:pk>/relancer/", views.report_retry, name="report_retry"),
    path("copil/rapports/<int:pk>/telecharger/", views.report_download, name="report_download"),
]
