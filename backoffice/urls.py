from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from backoffice import redirects

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="agents:location_list", permanent=False)),
    # Django's login and logout, following a `next` only when it is a path of ours.
    path("login/", redirects.LoginView.as_view(), name="login"),
    path("logout/", redirects.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("highlevel/", include("install.urls")),
    path("", include("agents.urls")),
]
