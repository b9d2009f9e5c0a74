"""Drift: does each managed agent still match the template version it was rolled out from?

Computed from the mirror alone (no HTTP), right after a sync, by the same diff the planner uses:
an agent drifts when a rollout of its version would change anything. A variable that has lost
its value in the location makes the agent drifted too: it can no longer be shown to match.
"""
from agents.models import Action, Agent, AgentTemplateVersion

from .desired import desired_for_location
from .planner import differences
from .rendering import MissingVariable


def refresh_drift(location) -> int:
    """Set Agent.drifted for the location's managed agents; returns how many drifted."""
    agents = list(
        Agent.objects.filter(location=location, state=Agent.State.ACTIVE, template__isnull=False,
                             template_version__isnull=False).order_by("pk")
    )
    if not agents:
        return 0
    versions = {
        (v.template_id, v.version): v.snapshot
        for v in AgentTemplateVersion.objects.filter(
            template_id__in={a.template_id for a in agents}, version__in={a.template_version for a in agents}
        )
    }
    actions_by_agent = {}
    # By agent only (its index): a few rows each. With the state in the query too, PostgreSQL can
    # choose to AND in the index on state, which matches nearly every action.
    for action in Action.objects.filter(agent__in=agents).order_by("pk"):
        if action.state != Action.State.ACTIVE:
            continue
        actions_by_agent.setdefault(action.agent_id, []).append(
            {"id": action.hl_id, "type": action.type, "name": action.name, "details": action.details}
        )
    drifted, in_step = [], []
    for agent in agents:
        snapshot = versions.get((agent.template_id, agent.template_version))
        (drifted if snapshot is None or _drifted(agent, location, snapshot, actions_by_agent.get(agent.pk, [])) else in_step).append(agent.pk)
    Agent.objects.filter(pk__in=drifted, drifted=False).update(drifted=True)
    Agent.objects.filter(pk__in=in_step, drifted=True).update(drifted=False)
    return len(drifted)


def _drifted(agent, location, snapshot: dict, actions: list) -> bool:
    try:
        desired = desired_for_location(snapshot, location, template_id=agent.template_id)
    except MissingVariable:
        return True
    return bool(differences(agent.hl_id, agent.api_values(), actions, desired))
