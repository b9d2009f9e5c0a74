"""Routes of the template editor, rollouts and bulk update (included by agents.urls)."""
from django.urls import path

from agents import rollout_views, template_views

urlpatterns = [
    path("templates/", template_views.template_list, name="template_list"),
    path("templates/new/", template_views.template_create, name="template_create"),
    path("templates/<int:template_id>/", template_views.template_detail, name="template_detail"),
    path("templates/<int:template_id>/edit/", template_views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/actions/add/", template_views.action_add, name="template_action_add"),
    path("templates/<int:template_id>/actions/<int:action_id>/", template_views.action_edit, name="template_action_edit"),
    path("templates/<int:template_id>/actions/<int:action_id>/json/", template_views.action_edit_json,
         name="template_action_json"),
    path("templates/<int:template_id>/actions/<int:action_id>/delete/", template_views.action_delete,
         name="template_action_delete"),
    path("templates/<int:template_id>/versions/", template_views.version_compare, name="template_versions"),
    path("templates/<int:template_id>/rollout/", rollout_views.template_rollout, name="template_rollout"),
    path("locations/<int:location_id>/variables/", template_views.location_variables, name="location_variables"),
    path("rollouts/", rollout_views.rollout_list, name="rollout_list"),
    path("rollouts/<int:rollout_id>/", rollout_views.rollout_detail, name="rollout_detail"),
    path("rollouts/<int:rollout_id>/plan/", rollout_views.rollout_plan, name="rollout_plan"),
    path("rollouts/<int:rollout_id>/confirm/", rollout_views.rollout_confirm, name="rollout_confirm"),
    path("rollouts/<int:rollout_id>/continue/", rollout_views.rollout_continue, name="rollout_continue"),
    path("rollouts/<int:rollout_id>/cancel/", rollout_views.rollout_cancel, name="rollout_cancel"),
    path("rollouts/<int:rollout_id>/retry/", rollout_views.rollout_retry, name="rollout_retry"),
    path("bulk-update/", rollout_views.bulk_update, name="bulk_update"),
]
