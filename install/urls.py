from django.urls import path

from backoffice import converters  # noqa: F401  (registers <id:...>)
from install import provisioning_views, views, webhook_views

app_name = "install"
urlpatterns = [
    path("connect/", views.connection_list, name="connection_list"),
    path("connect/start/", views.connect_start, name="connect_start"),
    path("connect/done/", views.connect_done, name="connect_done"),
    path("provisioning/", provisioning_views.provisioning, name="provisioning"),
    path("webhooks/", webhook_views.webhook, name="webhook"),
    path("webhooks/deliveries/", webhook_views.delivery_list, name="delivery_list"),
    path("webhooks/deliveries/<id:delivery_id>/", webhook_views.delivery_detail, name="delivery_detail"),
]
