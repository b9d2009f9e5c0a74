"""Keep the mirror in step with what a rollout just wrote, from HighLevel's own answers.

The answers of create/update carry the whole agent, so no extra sync is needed to show the
result. Audit events for these writes are the REMOTE_WRITE ones the apply records; the mirror
rows change silently here, as they would after the next sync. A few statements per agent,
whatever the number of actions: the database is shared by every worker.
"""
from django.utils import timezone

from agents.models import Action, Agent
from agents.sync import action_values, agent_values, raw_payload


_UNSET = object()


def unsaved_agent(location, payload: dict) -> Agent:
    """The mirror row of an agent HighLevel just created, not written yet: audit events can name
    it at once, and mirror_agent(row=...) inserts it later with everything the run learnt."""
    return Agent(location=location, hl_id=str(payload["id"]), **agent_values(payload))


def mirror_agent(location, payload: dict, *, rollout=None, in_sync=None, row: Agent | None = None,
                 followup_settings=_UNSET) -> Agent | None:
    """Upsert the agent from an answer; with `in_sync` set, also link it to the rollout's version.

    One statement when the caller knows the agent's mirror row (`row`): an UPDATE, or for the
    row of an agent just created (unsaved_agent) an INSERT.
    """
    if not payload or not payload.get("id"):
        return None
    values = agent_values(payload)
    if followup_settings is not _UNSET:
        values["followup_settings"] = followup_settings
    values.update(raw=raw_payload(payload), synced_at=timezone.now(),
                  state=Agent.State.ACTIVE)
    if rollout is not None and rollout.template_id:
        values["template_id"] = rollout.template_id
        if in_sync is not None:
            # A half-done agent is left drifted (and keeps the version it had).
            values["drifted"] = not in_sync
            if in_sync:
                values["template_version"] = rollout.template_version
    if row is not None and row.hl_id == str(payload["id"]):
        if row.pk is None:
            return _insert_new_agent(row, values)
        if Agent.objects.filter(pk=row.pk).update(**values):
            for name, value in values.items():
                setattr(row, name, value)
            return row
    agent, _ = Agent.objects.update_or_create(location=location, hl_id=str(payload["id"]), defaults=values)
    return agent


def _insert_new_agent(row: Agent, values: dict) -> Agent:
    """Save unsaved_agent's row, the same object, so events already naming it get its id. One
    INSERT … ON CONFLICT: a sync may have mirrored the new agent a moment ago."""
    for name, value in values.items():
        setattr(row, name, value)
    Agent.objects.bulk_create([row], update_conflicts=True, unique_fields=["location", "hl_id"],
                              update_fields=sorted(values))
    return row


def followup_settings_of(actions: list) -> dict | None:
    """The follow-up settings the agent's advancedFollowup actions carry (they share one set)."""
    followups = [(a.get("details") or {}).get("followupSettings") for a in actions if a.get("type") == "advancedFollowup"]
    return next((s for s in followups if s), None)


def mirror_actions(agent: Agent, actions: list, *, new_agent=False) -> None:
    """The agent's actions are exactly `actions` now: upsert them in bulk, mark the others gone.

    `new_agent`: the agent was created a moment ago, so its mirror has no actions to read (a sync
    that got there first wrote the same ones: those rows are left as they are).
    """
    now = timezone.now()
    existing = {} if new_agent else {a.hl_id: a for a in Action.objects.filter(agent=agent).order_by()}
    to_create, to_update = [], []
    for remote in actions:
        hl_id = str(remote["id"])
        values = action_values(remote)
        row = existing.get(hl_id)
        if row is None:
            to_create.append(Action(agent=agent, hl_id=hl_id, synced_at=now, **values))
        elif any(getattr(row, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(row, field, value)
            row.synced_at = now
            to_update.append(row)
    Action.objects.bulk_create(to_create, ignore_conflicts=new_agent)
    if to_update:
        Action.objects.bulk_update(to_update, ["name", "type", "details", "raw", "state", "synced_at"])
    seen = {str(remote["id"]) for remote in actions}
    gone = [row.pk for hl_id, row in existing.items() if hl_id not in seen and row.state == Action.State.ACTIVE]
    if gone:
        Action.objects.filter(pk__in=gone).update(state=Action.State.GONE, synced_at=now)
    settings = followup_settings_of(actions)
    if settings != agent.followup_settings:
        Agent.objects.filter(pk=agent.pk).update(followup_settings=settings)
        agent.followup_settings = settings


def mark_managed(agent: Agent, rollout, *, in_sync: bool) -> None:
    """Link the agent to the rollout's template version; a half-done agent is left drifted."""
    if not rollout.template_id:
        return
    fields = {"template_id": rollout.template_id, "drifted": not in_sync}
    if in_sync:
        fields["template_version"] = rollout.template_version
    Agent.objects.filter(pk=agent.pk).update(**fields)
    for name, value in fields.items():
        setattr(agent, name, value)
