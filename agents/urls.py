from django.urls import include, path

from agents import views
from backoffice import converters  # noqa: F401  (registers <id:...>)

app_name = "agents"
urlpatterns = [
    path("locations/", views.location_list, name="location_list"),
    path("locations/sync/", views.location_sync_many, name="location_sync_many"),
    path("locations/<id:location_id>/", views.location_detail, name="location_detail"),
    path("locations/<id:location_id>/sync/", views.location_sync, name="location_sync"),
    path("locations/<id:location_id>/sync-status/", views.location_sync_status, name="location_sync_status"),
    path("agents/<id:agent_id>/", views.agent_detail, name="agent_detail"),
    path("agents/<id:agent_id>/raw/", views.agent_raw_payload, name="agent_raw_payload"),
    path("", include("agents.rollout_urls")),  # templates, rollouts, bulk update, location variables
]
