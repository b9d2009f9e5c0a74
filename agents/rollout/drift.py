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
    drifted, turned = 0, {True: [], False: []}
    for agent in agents:
        snapshot = versions.get((agent.template_id, agent.template_version))
        now_drifted = snapshot is None or _drifted(agent, location, snapshot, actions_by_agent.get(agent.pk, []))
        drifted += now_drifted
        if now_drifted != agent.drifted:
            turned[now_drifted].append(agent.pk)
    # Only the flags that turn are written (most syncs: none), each write checked against the
    # flag as read, so an agent that turned meanwhile is left as the other writer set it.
    for flag, pks in turned.items():
        if pks:
            Agent.objects.filter(pk__in=pks, drifted=not flag).update(drifted=flag)
    return drifted


def _drifted(agent, location, snapshot: dict, actions: list) -> bool:
    try:
        desired = desired_for_location(snapshot, location, template_id=agent.template_id)
    except MissingVariable:
        return True
    return bool(differences(agent.hl_id, agent.api_values(), actions, desired))
