from django.urls import path

from .views import public, space, staff

app_name = "resources"

urlpatterns = [
    path("", public.home, name="home"),
    path("appels/", public.calls, name="calls"),
    path("recherches/", public.saved_searches, name="saved_searches"),
    path("recherches/<int:pk>/supprimer/", public.saved_search_delete, name="saved_search_delete"),
    path("contribuer/", space.contribute, name="contribute"),
    path("mes-ressources/", space.my_resources, name="mine"),
    path("moderation/", staff.moderation, name="moderation"),
    path("statistiques/", staff.statistics, name="statistics"),
    path("bilans/", staff.reviews, name="reviews"),
    path("bilans/<int:pk>/", staff.review_detail, name="review_detail"),
    path("bilans/<int:pk>/etat/", staff.review_status, name="review_status"),
    path("bilans/<int:pk>/bilan.pdf", staff.review_pdf, name="review_pdf"),
    path("bilans/<int:pk>/relancer/", staff.review_retry, name="review_retry"),
    path("suggestions/<int:pk>/decider/", space.suggestion_decide, name="suggestion_decide"),
    path("fiches/<slug:slug>/", public.detail, name="detail"),
    path("fiches/<slug:slug>/versions/<int:number>/", public.version_detail, name="version"),
    path("fiches/<slug:slug>/pieces/<int:pk>/", public.attachment_download, name="attachment"),
    path("fiches/<slug:slug>/pieces/ajouter/", space.attachment_add, name="attachment_add"),
    path("fiches/<slug:slug>/suggerer/", public.suggest, name="suggest"),
    path("fiches/<slug:slug>/suggestions/", space.suggestions, name="suggestions"),
    path("fiches/<slug:slug>/utilisee/", public.use_mark, name="use_mark"),
    path("fiches/<slug:slug>/modifier/", space.edit, name="edit"),
    path("fiches/<slug:slug>/relecture/", space.review, name="review"),
    path("fiches/<slug:slug>/proposer/", space.submit, name="submit"),
    path("fiches/<slug:slug>/prendre/", staff.take, name="take"),
    path("fiches/<slug:slug>/publier/", staff.publish, name="publish"),
    path("fiches/<slug:slug>/refuser/", staff.refuse, name="refuse"),
]
