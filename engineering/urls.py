from django.urls import path

from .views import public, requests, spaces, startup

app_name = "engineering"

urlpatterns = [
    path("", public.home, name="home"),
    path("services/", public.service_list, name="service_list"),
    # Pôle d'ingénierie (action #11)
    path("demandes/", requests.request_list, name="request_list"),
    path("demandes/nouvelle/", requests.request_create, name="request_create"),
    path("demandes/<int:pk>/", requests.request_detail, name="request_detail"),
    path("demandes/<int:pk>/qualifier/", requests.request_qualify, name="request_qualify"),
    path("demandes/<int:pk>/demarrer/", requests.request_start, name="request_start"),
    path("demandes/<int:pk>/documents/", requests.document_add, name="document_add"),
    path("demandes/<int:pk>/documents/<int:document>/", requests.document_download, name="document_download"),
    path(
        "demandes/<int:pk>/documents/<int:document>/centre-de-ressources/",
        requests.deliverable_publish,
        name="deliverable_publish",
    ),
    path("demandes/<int:pk>/livrer/", requests.request_deliver, name="request_deliver"),
    path("demandes/<int:pk>/clore/", requests.request_close, name="request_close"),
    # Places (actions #4 and #15)
    path("lieux/", public.place_list, name="place_list"),
    path("lieux/<int:pk>/", public.place_detail, name="place_detail"),
    path("lieux/<int:pk>/modifier/", public.place_edit, name="place_edit"),
    # Start-up de métropole (action #12)
    path("start-up/", public.product_list, name="product_list"),
    path("start-up/<int:pk>/", public.product_detail, name="product_detail"),
    path("start-up/<int:pk>/decision/", startup.product_decide, name="product_decide"),
    path("start-up/problemes/", startup.problem_list, name="problem_list"),
    path("start-up/problemes/nouveau/", startup.problem_create, name="problem_create"),
    path("start-up/problemes/<int:pk>/", startup.problem_detail, name="problem_detail"),
    path("start-up/problemes/<int:pk>/retenir/", startup.problem_select, name="problem_select"),
    path("start-up/problemes/<int:pk>/ecarter/", startup.problem_reject, name="problem_reject"),
    # Exchange of vacant spaces (action #16)
    path("espaces/", spaces.offer_list, name="offer_list"),
    path("espaces/nouveau/", spaces.offer_create, name="offer_create"),
    path("espaces/<int:pk>/", spaces.offer_detail, name="space_detail"),
    path("espaces/<int:pk>/moderer/", spaces.offer_moderate, name="offer_moderate"),
    path("espaces/<int:pk>/candidater/", spaces.space_apply, name="space_apply"),
    path("espaces/<int:pk>/occupe/", spaces.offer_occupied, name="offer_occupied"),
    path("espaces/candidatures/<int:pk>/retenir/", spaces.application_accept, name="application_accept"),
]
