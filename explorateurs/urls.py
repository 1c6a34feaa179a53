from django.urls import path

from .views import public, space, staff

app_name = "explorateurs"

urlpatterns = [
    path("", public.home, name="home"),
    path("reseau/", public.network, name="network"),
    path("projets/", public.project_list, name="projects"),
    path("projets/nouveau/", space.project_create, name="project_create"),
    path("projets/<int:pk>/", public.project_detail, name="project_detail"),
    path("projets/<int:pk>/modifier/", space.project_edit, name="project_edit"),
    path("projets/<int:pk>/fmin/", space.project_start_fmin, name="project_start_fmin"),
    path("projets/<int:pk>/etape/", staff.project_status, name="project_status"),
    path("projets/<int:pk>/accompagnement/", staff.project_note, name="project_note"),
    path("journees/", public.event_list, name="events"),
    path("journees/agenda.ics", public.calendar_ics, name="calendar_ics"),
    path("journees/<int:pk>/", public.event_detail, name="event_detail"),
    path("journees/<int:pk>/agenda.ics", public.event_ics, name="event_ics"),
    path("journees/<int:pk>/inscription/", space.event_register, name="event_register"),
    path("journees/<int:pk>/presences/", staff.attendance, name="attendance"),
    path("inscriptions/<int:pk>/annuler/", space.registration_cancel, name="registration_cancel"),
    path("candidater/", space.apply, name="apply"),
    path("candidatures/<int:pk>/retirer/", space.candidacy_withdraw, name="candidacy_withdraw"),
    path("confirmation/<str:token>/", public.manager_confirm, name="manager_confirm"),
    path("mon-parcours/", space.my_path, name="my_path"),
    path("explorateurs/<int:pk>/annuaire/", space.visibility, name="visibility"),
    path("explorateurs/<int:pk>/documents/<str:kind>/", space.document_request, name="document_request"),
    path("explorateurs/<int:pk>/quitter/", staff.explorer_withdraw, name="explorer_withdraw"),
    path("documents/<int:pk>/", space.document_file, name="document_file"),
    path("documents/<int:pk>/etat/", space.document_status, name="document_status"),
    path("annuaire/", space.directory, name="directory"),
    path("equipe/candidatures/", staff.candidacy_list, name="candidacies"),
    path("equipe/candidatures/<int:pk>/retenir/", staff.candidacy_select, name="candidacy_select"),
    path("equipe/candidatures/<int:pk>/ecarter/", staff.candidacy_reject, name="candidacy_reject"),
]
