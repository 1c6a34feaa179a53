from django.urls import path

from .views import buyer, member, public, staff

app_name = "marketplace"

urlpatterns = [
    path("", public.home, name="home"),
    path("charte/", public.charter, name="charter"),
    path("charte/signer/", member.charter_sign, name="charter_sign"),
    path("besoins/", public.need_list, name="need_list"),
    path("besoins/nouveau/", buyer.need_create, name="need_create"),
    path("besoins/<int:pk>/", public.need_detail, name="need_detail"),
    path("besoins/<int:pk>/modifier/", buyer.need_edit, name="need_edit"),
    path("besoins/<int:pk>/publier/", buyer.need_publish, name="need_publish"),
    path("besoins/<int:pk>/clore/", buyer.need_close, name="need_close"),
    path("besoins/<int:pk>/issue/", buyer.need_decide, name="need_decide"),
    path("besoins/<int:pk>/rejoindre/", buyer.need_join, name="need_join"),
    path("besoins/<int:pk>/reponses/", buyer.need_responses, name="need_responses"),
    path("besoins/<int:pk>/repondre/", member.response_edit, name="response_edit"),
    path("besoins/<int:pk>/questions/", member.question_ask, name="question_ask"),
    path("besoins/<int:pk>/interet/", member.interest, name="interest"),
    path("reponses/<int:pk>/", member.response_detail, name="response_detail"),
    path("reponses/<int:pk>/retenir/", buyer.response_shortlist, name="response_shortlist"),
    path("reponses/<int:pk>/documents/", member.response_document_add, name="response_document_add"),
    path("reponses/<int:pk>/documents/<int:document_pk>/", member.response_document, name="response_document"),
    path("questions/<int:pk>/repondre/", buyer.question_answer, name="question_answer"),
    path("adoptions/<int:pk>/suivi/", buyer.follow_up, name="follow_up"),
    path("solutions/", public.solution_list, name="solution_list"),
    path("solutions/nouvelle/", member.solution_create, name="solution_create"),
    path("solutions/<int:pk>/", public.solution_detail, name="solution_detail"),
    path("solutions/<int:pk>/modifier/", member.solution_edit, name="solution_edit"),
    path("solutions/<int:pk>/etat/", member.solution_status, name="solution_status"),
    path("solutions/<int:pk>/documents/", member.solution_document_add, name="solution_document_add"),
    path("solutions/<int:pk>/documents/<int:document_pk>/", public.solution_document, name="solution_document"),
    path("annuaire/", public.member_list, name="member_list"),
    path("annuaire/<slug:slug>/", public.member_detail, name="member_detail"),
    path("espace-membre/", member.space, name="member_space"),
    path("espace-membre/profil/", member.profile_edit, name="profile_edit"),
    path("espace-collectivite/", buyer.space, name="buyer_space"),
    path("equipe/", staff.dashboard, name="staff_dashboard"),
]
