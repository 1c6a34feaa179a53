from django.urls import path

from .views import public, reviewer, space, staff

app_name = "fmin"

urlpatterns = [
    path("", public.home, name="home"),
    path("programmes/<slug:slug>/", public.programme_detail, name="programme_detail"),
    path("appels/<int:pk>/", public.call_detail, name="call_detail"),
    path("appels/<int:pk>/reglement/", public.call_regulation, name="call_regulation"),
    path("appels/<int:pk>/candidater/", space.application_start, name="application_start"),
    path("appels/<int:pk>/classement/", staff.ranking, name="ranking"),
    path("ateliers/<int:pk>/inscription/", public.workshop_register, name="workshop_register"),
    path("candidatures/", space.application_list, name="application_list"),
    path("candidatures/<int:pk>/", space.application_detail, name="application_detail"),
    path("candidatures/<int:pk>/modifier/", space.application_edit, name="application_edit"),
    path("candidatures/<int:pk>/enregistrement-auto/", space.application_autosave, name="application_autosave"),
    path("candidatures/<int:pk>/deposer/", space.application_submit, name="application_submit"),
    path("candidatures/<int:pk>/retirer/", space.application_withdraw, name="application_withdraw"),
    path("candidatures/<int:pk>/confirmer/", space.participation_confirm, name="participation_confirm"),
    path("candidatures/<int:pk>/dossier.pdf", space.application_pdf, name="application_pdf"),
    path("candidatures/<int:pk>/instruction/", staff.instruction, name="instruction"),
    path("candidatures/<int:pk>/decision/", staff.decision, name="decision"),
    path("candidatures/<int:pk>/lettre.pdf", space.decision_letter, name="decision_letter"),
    path("candidatures/<int:pk>/rapports/<int:report_pk>/", space.report_edit, name="report_edit"),
    path("echeances/<int:pk>/verser/", staff.milestone_pay, name="milestone_pay"),
    path("evaluations/", reviewer.review_list, name="review_list"),
    path("evaluations/<int:pk>/", reviewer.review, name="review"),
    path("evaluations/<int:pk>/conflit/", reviewer.conflict_declare, name="conflict_declare"),
    path("projets/", public.project_list, name="project_list"),
    path("projets.csv", public.project_export, name="project_export"),
    path("projets/<int:pk>/", public.project_detail, name="project_detail"),
    path("batisseurs/", public.group_list, name="group_list"),
    path("batisseurs/<slug:slug>/", public.group_detail, name="group_detail"),
]
