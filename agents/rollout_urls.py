"""Routes of the template editor, rollouts and bulk update (included by agents.urls)."""
from django.urls import path

from agents import rollout_views, template_views
from backoffice import converters  # noqa: F401  (registers <id:...>)

urlpatterns = [
    path("templates/", template_views.template_list, name="template_list"),
    path("templates/new/", template_views.template_create, name="template_create"),
    path("templates/<id:template_id>/", template_views.template_detail, name="template_detail"),
    path("templates/<id:template_id>/edit/", template_views.template_edit, name="template_edit"),
    path("templates/<id:template_id>/actions/add/", template_views.action_add, name="template_action_add"),
    path("templates/<id:template_id>/actions/<id:action_id>/", template_views.action_edit, name="template_action_edit"),
    path("templates/<id:template_id>/actions/<id:action_id>/json/", template_views.action_edit_json,
         name="template_action_json"),
    path("templates/<id:template_id>/actions/<id:action_id>/delete/", template_views.action_delete,
         name="template_action_delete"),
    path("templates/<id:template_id>/versions/", template_views.version_compare, name="template_versions"),
    path("templates/<id:template_id>/rollout/", rollout_views.template_rollout, name="template_rollout"),
    path("locations/<id:location_id>/variables/", template_views.location_variables, name="location_variables"),
    path("rollouts/", rollout_views.rollout_list, name="rollout_list"),
    path("rollouts/<id:rollout_id>/", rollout_views.rollout_detail, name="rollout_detail"),
    path("rollouts/<id:rollout_id>/plan/", rollout_views.rollout_plan, name="rollout_plan"),
    path("rollouts/<id:rollout_id>/confirm/", rollout_views.rollout_confirm, name="rollout_confirm"),
    path("rollouts/<id:rollout_id>/continue/", rollout_views.rollout_continue, name="rollout_continue"),
    path("rollouts/<id:rollout_id>/cancel/", rollout_views.rollout_cancel, name="rollout_cancel"),
    path("rollouts/<id:rollout_id>/retry/", rollout_views.rollout_retry, name="rollout_retry"),
    path("bulk-update/", rollout_views.bulk_update, name="bulk_update"),
]
