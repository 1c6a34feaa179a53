from django.urls import path

from . import views

app_name = "fmin"

urlpatterns = [
    path("", views.home, name="home"),
    path("appels/<int:pk>/", views.call_detail, name="call_detail"),
    path("appels/<int:pk>/reglement/", views.call_regulation, name="call_regulation"),
    path("appels/<int:pk>/candidater/", views.application_start, name="application_start"),
    path("appels/<int:pk>/classement/", views.ranking, name="ranking"),
    path("ateliers/<int:pk>/inscription/", views.workshop_register, name="workshop_register"),
    path("candidatures/", views.application_list, name="application_list"),
    path("candidatures/<int:pk>/", views.application_detail, name="application_detail"),
    path("candidatures/<int:pk>/modifier/", views.application_edit, name="application_edit"),
    path("candidatures/<int:pk>/enregistrement-auto/", views.application_autosave, name="application_autosave"),
    path("candidatures/<int:pk>/deposer/", views.application_submit, name="application_submit"),
    path("candidatures/<int:pk>/retirer/", views.application_withdraw, name="application_withdraw"),
    path("candidatures/<int:pk>/confirmer/", views.participation_confirm, name="participation_confirm"),
    path("candidatures/<int:pk>/dossier.pdf", views.application_pdf, name="application_pdf"),
    path("candidatures/<int:pk>/instruction/", views.instruction, name="instruction"),
    path("candidatures/<int:pk>/decision/", views.decision, name="decision"),
    path("candidatures/<int:pk>/lettre.pdf", views.decision_letter, name="decision_letter"),
    path("candidatures/<int:pk>/rapports/<int:report_pk>/", views.report_edit, name="report_edit"),
    path("echeances/<int:pk>/verser/", views.milestone_pay, name="milestone_pay"),
    path("evaluations/", views.review_list, name="review_list"),
    path("evaluations/<int:pk>/", views.review, name="review"),
    path("evaluations/<int:pk>/conflit/", views.conflict_declare, name="conflict_declare"),
    path("projets/", views.project_list, name="project_list"),
    path("projets.csv", views.project_export, name="project_export"),
    path("projets/<int:pk>/", views.project_detail, name="project_detail"),
    path("batisseurs/", views.group_list, name="group_list"),
    path("batisseurs/<slug:slug>/", views.group_detail, name="group_detail"),
]
