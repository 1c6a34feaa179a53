from django.urls import path

from . import views

app_name = "contests"

urlpatterns = [
    path("", views.contest_list, name="list"),
    path("mes-candidatures/", views.my_entries, name="my_entries"),
    path("candidatures/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("candidatures/<int:pk>/document/", views.entry_document, name="entry_document"),
    path("candidatures/<int:pk>/retirer/", views.withdraw, name="withdraw"),
    path("candidatures/<int:pk>/evaluer/", views.evaluate, name="evaluate"),
    path("<slug:slug>/", views.contest_detail, name="detail"),
    path("<slug:slug>/candidater/", views.enter, name="enter"),
    path("<slug:slug>/jury/", views.jury, name="jury"),
    path("<slug:slug>/jury/declaration/", views.declare, name="declare"),
    path("<slug:slug>/etat/", views.transition, name="transition"),
    path("<slug:slug>/resultats/", views.publish, name="publish"),
]
