from django.urls import path

from .views import meetings, public, space, staff, surveys

app_name = "participation"

urlpatterns = [
    path("", public.home, name="home"),
    path("demarches/<slug:slug>/", public.process_detail, name="process"),
    path("demarches/<slug:slug>/propositions/", public.proposal_list, name="proposals"),
    path("demarches/<slug:slug>/propositions/nouvelle/", public.proposal_create, name="proposal_create"),
    path("demarches/<slug:slug>/propositions/semblables/", public.similar, name="similar"),
    path("demarches/<slug:slug>/resultats/", public.result_list, name="results"),
    path("demarches/<slug:slug>/reunions/", meetings.meeting_list, name="meetings"),
    path("reunions/<int:pk>/", meetings.meeting_detail, name="meeting"),
    path("questionnaires/<int:pk>/", surveys.survey, name="survey"),
    path("questionnaires/<int:pk>/reponses.<str:fmt>", surveys.survey_export, name="survey_export"),
    path("reunions/<int:pk>/inscription/", meetings.meeting_registration, name="meeting_registration"),
    path("reunions/<int:pk>/agenda.ics", meetings.meeting_ical, name="meeting_ical"),
    path("propositions/<int:pk>/", public.proposal_detail, name="proposal"),
    path("propositions/<int:pk>/soutien/", public.support, name="support"),
    path("propositions/<int:pk>/commentaires/", public.comment, name="comment"),
    path("propositions/<int:pk>/reponse/", space.answer, name="answer"),
    path("signaler/<str:kind>/<int:pk>/", public.report, name="report"),
    path("budgets/<int:pk>/", public.budget, name="budget"),
    path("budgets/<int:pk>/resultats/", public.budget_results, name="budget_results"),
    path("budgets/<int:pk>/bulletins-papier/", space.paper_ballot, name="paper_ballot"),
    path("budgets/<int:pk>/laureats/", space.select_winners, name="select_winners"),
    path("resultats/<int:pk>/suivi/", space.result_edit, name="result_edit"),
    path("moderation/journal/", public.moderation_log, name="moderation_log"),
    path("mon-adresse/", public.residence, name="residence"),
    path("mes-donnees/", public.my_data, name="my_data"),
    path("mes-donnees/effacer/", public.my_data_erase, name="my_data_erase"),
    path("donnees-ouvertes/demarches.<str:fmt>", public.open_data, name="open_data"),
    path("espaces/<slug:slug>/", space.space_page, name="space"),
    path("espaces/<slug:slug>/moderation/", space.moderation_queue, name="moderation"),
    path("espaces/<slug:slug>/demarches/nouvelle/", space.process_create, name="process_create"),
    path("espaces/<slug:slug>/bloquer/<int:user_pk>/", space.block, name="block"),
    path("metropole/", staff.metropolitan, name="metropolitan"),
]
