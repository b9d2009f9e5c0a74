"""Keep the mirror in step with what a rollout just wrote, from HighLevel's own answers.

The answers of create/update carry the whole agent, so no extra sync is needed to show the
result. Audit events for these writes are the REMOTE_WRITE ones the apply records; the mirror
rows change silently here, as they would after the next sync. A few statements per agent,
whatever the number of actions: the database is shared by every worker.
"""
from django.db import IntegrityError
from django.utils import timezone

from agents.models import Action, Agent
from agents.sync import agent_values
from backoffice.db import savepoint_if_nested


_UNSET = object()


def mirror_agent(location, payload: dict, *, rollout=None, in_sync=None, row: Agent | None = None, created=False,
                 followup_settings=_UNSET) -> Agent | None:
    """Upsert the agent from an answer; with `in_sync` set, also link it to the rollout's version.

    Fewer statements when the caller knows more: `row`, the agent's mirror row, makes it one
    UPDATE; `created` (HighLevel just made the agent) one INSERT.
    """
    if not payload or not payload.get("id"):
        return None
    values = agent_values(payload)
    if followup_settings is not _UNSET:
        values["followup_settings"] = followup_settings
    values.update(raw={k: v for k, v in payload.items() if k != "actions"}, synced_at=timezone.now(),
                  state=Agent.State.ACTIVE)
    if rollout is not None and rollout.template_id:
        values["template_id"] = rollout.template_id
        if in_sync is not None:
            # A half-done agent is left drifted (and keeps the version it had).
            values["drifted"] = not in_sync
            if in_sync:
                values["template_version"] = rollout.template_version
    if row is not None and row.hl_id == str(payload["id"]) and Agent.objects.filter(pk=row.pk).update(**values):
        for name, value in values.items():
            setattr(row, name, value)
        return row
    if created:
        try:
            with savepoint_if_nested():
                return Agent.objects.create(location=location, hl_id=str(payload["id"]), **values)
        except IntegrityError:
            pass  # a sync mirrored the new agent a moment ago: update its row below
    agent, _ = Agent.objects.update_or_create(location=location, hl_id=str(payload["id"]), defaults=values)
    return agent


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
        values = {"name": str(remote.get("name") or ""), "type": str(remote.get("type") or ""),
                  "details": remote.get("details") or {}, "raw": remote, "state": Action.State.ACTIVE}
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
