from django.urls import path

from .views import copil, observatory, owners, public

app_name = "actions"

urlpatterns = [
    path("feuille-de-route/", public.plan, name="plan"),
    path("feuille-de-route/defis/<int:number>/", public.challenge_detail, name="challenge_detail"),
    path("feuille-de-route/<str:roadmap>/actions/<int:number>/", public.action_detail, name="action_detail"),
    path("feuille-de-route/<str:roadmap>/actions/<int:number>/suivi/", owners.action_follow, name="action_follow"),
    path(
        "feuille-de-route/<str:roadmap>/actions/<int:number>/indicateurs/nouveau/",
        owners.indicator_edit,
        name="indicator_create",
    ),
    path(
        "feuille-de-route/<str:roadmap>/actions/<int:number>/indicateurs/<int:pk>/",
        owners.indicator_edit,
        name="indicator_edit",
    ),
    path(
        "feuille-de-route/<str:roadmap>/actions/<int:number>/indicateurs/<int:pk>/valeurs/",
        owners.indicator_value_add,
        name="indicator_value_add",
    ),
    path("observatoire/", observatory.observatory_index, name="observatory_index"),
    path("observatoire/<str:code>/", observatory.observatory_detail, name="observatory"),
    path("observatoire/<str:code>/valeurs.<str:fmt>", observatory.observatory_export, name="observatory_export"),
    path("copil/", copil.dashboard, name="dashboard"),
    path("copil/exports/revues.<str:fmt>", copil.export_reviews, name="export_reviews"),
    path("copil/exports/valeurs.<str:fmt>", copil.export_indicator_values, name="export_indicator_values"),
    path("copil/seances/", copil.session_list, name="session_list"),
    path("copil/seances/<int:pk>/", copil.session_detail, name="session_detail"),
    path("copil/seances/<int:pk>/modifier/", copil.session_update, name="session_update"),
    path("copil/seances/<int:pk>/clore/", copil.session_close, name="session_close"),
    path("copil/seances/<int:pk>/ordre-du-jour/", copil.session_agenda_build, name="session_agenda_build"),
    path("copil/seances/<int:pk>/recommandations/", copil.recommendation_add, name="recommendation_add"),
    path("copil/seances/<int:pk>/feuille-de-route/", copil.roadmap_draft, name="roadmap_draft"),
    path("copil/seances/<int:pk>/rapport/", copil.report_request, name="report_request"),
    path("copil/revues/<int:pk>/", copil.review_edit, name="review_edit"),
    path("copil/rapports/<int:pk>/", copil.report_detail, name="report_detail"),
    path("copil/rapports/<int:pk>/etat/", copil.report_status, name="report_status"),
    path("copil/rapports/<int:pk>/relancer/", copil.report_retry, name="report_retry"),
    path("copil/rapports/<int:pk>/telecharger/", copil.report_download, name="report_download"),
]
