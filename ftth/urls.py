from django.urls import path

from . import views

app_name = "ftth"

urlpatterns = [
    path("", views.search, name="search"),
    path("immeubles/<int:pk>/", views.building, name="building"),
]
