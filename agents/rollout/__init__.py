"""Template rollouts and bulk updates: plan, apply, watch, retry (like terraform plan / apply).

Public interface (pages, admin and the CLI use only these):
- versions:  snapshot(template), save_new_version(template, *, user), current_version(template),
             compare_versions(a, b) -> rows
- rendering: render_for_location(value, location), MissingVariable, placeholders_in(value)
- planner:   plan_target(client, location, desired, *, template_id) -> Plan; OUTCOME_LABELS
- services:  create_rollout, create_bulk_update, confirm_rollout, continue_rollout,
             cancel_rollout, retry_targets, bulk_changes_to_api, BULK_UPDATE_FIELDS
- selectors: rollout_progress(rollout), rollout_targets(rollout), rollouts_of_template(t),
             drifted_agents(location=, template=)
- apply:     apply_target(target_id) (run by the django-q2 task)
- drift:     refresh_drift(location)
"""
