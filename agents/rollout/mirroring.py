"""Keep the mirror in step with what a rollout just wrote, from HighLevel's own answers.

The answers of create/update carry the whole agent, so no extra sync is needed to show the
result. Audit events for these writes are the REMOTE_WRITE ones the apply records; the mirror
rows change silently here, as they would after the next sync.
"""
from django.utils import timezone

from agents.models import Action, Agent
from agents.sync import agent_values


def mirror_agent(location, payload: dict, *, rollout=None) -> Agent | None:
    if not payload or not payload.get("id"):
        return None
    values = agent_values(payload)
    values.update(raw={k: v for k, v in payload.items() if k != "actions"}, synced_at=timezone.now(),
                  state=Agent.State.ACTIVE)
    if rollout is not None and rollout.template_id:
        values["template_id"] = rollout.template_id
    agent, _ = Agent.objects.update_or_create(location=location, hl_id=str(payload["id"]), defaults=values)
    return agent


def mirror_actions(agent: Agent, actions: list) -> None:
    """The agent's actions are exactly `actions` now: upsert them, mark the others gone."""
    now = timezone.now()
    seen = set()
    for remote in actions:
        hl_id = str(remote["id"])
        seen.add(hl_id)
        Action.objects.update_or_create(agent=agent, hl_id=hl_id, defaults={
            "name": str(remote.get("name") or ""), "type": str(remote.get("type") or ""),
            "details": remote.get("details") or {}, "raw": remote, "state": Action.State.ACTIVE, "synced_at": now,
        })
    Action.objects.filter(agent=agent, state=Action.State.ACTIVE).exclude(hl_id__in=seen).update(
        state=Action.State.GONE, synced_at=now
    )
    followups = [(a.get("details") or {}).get("followupSettings") for a in actions if a.get("type") == "advancedFollowup"]
    settings = next((s for s in followups if s), None)
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
