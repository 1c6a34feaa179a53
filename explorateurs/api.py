ROUTES = []
api_urlpatterns = []
