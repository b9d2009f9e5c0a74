from django.urls import path

from audit import deletion_views, generation_views, trail_views
from backoffice import converters  # noqa: F401  (registers <id:...>: ids past 64 bits are a 404)

app_name = "audit"
urlpatterns = [
    # Review before delete (audit.deletion_views).
    path("deletions/", deletion_views.deletion_list, name="deletion_list"),
    path("deletions/<id:request_id>/approve/", deletion_views.deletion_approve, name="deletion_approve"),
    path("deletions/<id:request_id>/reject/", deletion_views.deletion_reject, name="deletion_reject"),
    path("deletions/<id:request_id>/restore/", deletion_views.deletion_restore, name="deletion_restore"),
    path("deletions/batch/<uuid:batch_id>/approve/", deletion_views.batch_approve, name="batch_approve"),
    path("deletions/batch/<uuid:batch_id>/reject/", deletion_views.batch_reject, name="batch_reject"),
    path("agents/<id:agent_id>/delete/", deletion_views.agent_delete, name="agent_delete"),
    path("agents/<id:agent_id>/restore/", deletion_views.agent_restore, name="agent_restore"),
    # The audit trail and its exports (audit.trail_views).
    path("trail/", trail_views.trail, name="trail"),
    path("trail/export.<str:export_format>", trail_views.trail_export, name="trail_export"),
    # Generations: look up what the AI used for one reply, keep it, export it.
    path("agents/<id:agent_id>/generations/", generation_views.generation_lookup, name="generation_lookup"),
    path("generations/<id:generation_id>/", generation_views.generation_detail, name="generation_detail"),
    path("generations/<id:generation_id>/export.json", generation_views.generation_export, name="generation_export"),
]
