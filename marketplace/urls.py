from django.urls import path

from .views import public

app_name = "marketplace"

urlpatterns = [path("", public.home, name="home")]
