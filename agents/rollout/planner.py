"""Plan: what a rollout would change in one location, from a fresh read of it. Reads only.

A plan is a list of steps, each a JSON dict the pages show and apply executes:

    {"kind": "create_agent" | "adopt_agent" | "update_agent" | "attach_action" |
             "update_action" | "remove_action" | "followup_settings",
     "summary": "Update 2 fields of agent “Front desk”",   # words for the manager
     "changes": {"mode": ["off", "auto-pilot"], ...},      # before → after; {} when none
     ... what apply needs: "agent_id", "action_id", "payload", "action_key" ...}

Plan.outcome says what happens to the location: "create", "adopt", "update", "unchanged".
"""
from dataclasses import dataclass, field

from agents.highlevel.errors import NotFound
from agents.highlevel.schema import AGENT_WRITE_ONLY_FIELDS
from agents.models import Agent
from agents.models.mirror import AGENT_API_FIELDS

from .diffing import agent_field_changes, comparable_details, details_changes, known_agent, update_payload

# The mirror's columns of the fields HighLevel accepts and never returns: what the back office last wrote.
_WRITE_ONLY_COLUMNS = {api: AGENT_API_FIELDS[api] for api in AGENT_WRITE_ONLY_FIELDS}

CREATE, ADOPT, UPDATE, UNCHANGED, UNPLANNABLE = "create", "adopt", "update", "unchanged", "unplannable"
OUTCOME_LABELS = {
    CREATE: "to create", ADOPT: "to adopt", UPDATE: "to update", UNCHANGED: "unchanged", UNPLANNABLE: "cannot be planned",
}


@dataclass
class Plan:
    steps: list = field(default_factory=list)
    outcome: str = UNCHANGED
    agent_id: str = ""          # the remote agent the plan works on ("" when it is to be created)
    agent_name: str = ""
    notes: list = field(default_factory=list)  # warnings in words, shown with the plan
    # The fresh read, for apply to mirror without reading again (not stored).
    remote_agent: dict | None = None
    remote_actions: list = field(default_factory=list)

    def as_json(self) -> list:
        return self.steps


def plan_target(client, location, desired: dict, *, template_id=None) -> Plan:
    """Diff the desired config against a fresh read of the location through `client`."""
    if desired.get("kind") == "bulk_update":
        return _plan_bulk_update(client, location, desired)
    return _plan_template(client, location, desired, template_id or desired.get("template_id"))


def _written(row: dict | None) -> dict:
    """The write-only fields of a mirror row (from .values()), under HighLevel's names."""
    return {api: row[column] for api, column in _WRITE_ONLY_COLUMNS.items()} if row else {}


def _last_written(location, hl_ids) -> dict[str, dict]:
    rows = Agent.objects.filter(location=location, hl_id__in=list(hl_ids)).order_by().values(
        "hl_id", *_WRITE_ONLY_COLUMNS.values())
    return {row["hl_id"]: _written(row) for row in rows}


# --- Template rollouts ------------------------------------------------------------------------

def find_remote_agent(client, location, name: str, template_id) -> tuple[dict | None, bool, list]:
    """(agent, adopted, notes): the agent this template manages in the location, fresh.

    The mirror's link comes first; failing that an agent of the same name is adopted (the
    first rollout, or a create whose answer was lost). None when there is nothing to adopt.
    Duplicates are never resolved silently: the choice and the others are named in the notes.
    The agent comes with its write-only fields as the mirror last wrote them (diffing.known_agent).
    """
    notes = []
    linked = list(
        Agent.objects.filter(location=location, template_id=template_id, state=Agent.State.ACTIVE)
        .order_by("pk").values("hl_id", *_WRITE_ONLY_COLUMNS.values())
    ) if template_id else []
    for position, row in enumerate(linked):
        hl_id = row["hl_id"]
        try:
            agent = known_agent(client.get_agent(hl_id), _written(row))
        except NotFound:
            notes.append(f"The linked agent {hl_id} no longer exists in HighLevel.")
            continue
        others = [other["hl_id"] for other in linked[position + 1:]]
        if others:
            notes.append(f"Duplicate: {len(others) + 1} agents in this location are linked to this template "
                         f"({', '.join([hl_id] + others)}); {hl_id}, linked first, is the one kept up to date. "
                         f"Delete the others in HighLevel.")
        return agent, False, notes
    same_name = [a for a in client.iter_agents(query=name.lower()) if a.get("name") == name]
    if not same_name:
        return None, False, notes
    if len(same_name) > 1:
        # The oldest, so that every run (and every reader) makes the same choice.
        same_name.sort(key=lambda a: (str(a.get("createdAt") or ""), str(a.get("id"))))
        ids = [str(a.get("id")) for a in same_name]
        notes.append(f"Duplicate: {len(same_name)} agents are named “{name}” ({', '.join(ids)}); the oldest, "
                     f"{ids[0]}, is adopted and kept up to date. Delete the others in HighLevel.")
    adopted_id = str(same_name[0]["id"])
    return known_agent(client.get_agent(adopted_id), _last_written(location, [adopted_id]).get(adopted_id)), True, notes


def _plan_template(client, location, desired: dict, template_id) -> Plan:
    wanted = desired["agent"]
    name = wanted["name"]
    remote, adopted, notes = find_remote_agent(client, location, name, template_id)
    plan = Plan(agent_name=name, notes=notes)
    if remote is None:
        plan.outcome = CREATE
        plan.steps.append({
            "kind": "create_agent", "summary": f"Create agent “{name}”",
            "changes": {f: [None, v] for f, v in wanted.items()}, "payload": wanted,
        })
        remote_actions = []
    else:
        plan.agent_id, plan.remote_agent = str(remote["id"]), remote
        remote_actions = client.list_actions(plan.agent_id)
        plan.remote_actions = remote_actions
        if adopted:
            plan.outcome = ADOPT
            plan.steps.append({
                "kind": "adopt_agent", "agent_id": plan.agent_id, "changes": {},
                "summary": f"Adopt the existing agent “{name}” ({plan.agent_id}): same name, not yet linked to this template",
            })
    plan.steps += differences(plan.agent_id, remote or {}, remote_actions, desired, notes=plan.notes, exists=remote is not None)
    if plan.steps and plan.outcome == UNCHANGED:
        plan.outcome = UPDATE
    return plan


def differences(agent_id: str, remote: dict, remote_actions: list, desired: dict, *, notes=None, exists=True) -> list:
    """The steps that take an agent (as read, or as mirrored) to the desired config."""
    steps = []
    if exists:
        wanted = desired["agent"]
        changes = agent_field_changes(remote, wanted)
        if changes:
            steps.append({
                "kind": "update_agent", "agent_id": agent_id, "changes": changes,
                "summary": f"Update {_count(len(changes), 'field')} of agent “{wanted['name']}”",
                "payload": update_payload(changes, wanted, remote),
            })
    steps += _action_steps(agent_id, remote_actions, desired.get("actions") or [])
    steps += _followup_steps(agent_id, remote_actions, desired, notes if notes is not None else [])
    return steps


def action_key(action: dict) -> str:
    return f"{action.get('type')}:{action.get('name')}"


def _action_steps(agent_id: str, remote_actions: list, wanted_actions: list) -> list:
    steps = []
    remaining = list(remote_actions)
    for wanted in wanted_actions:
        key = action_key(wanted)
        match = next((a for a in remaining if action_key(a) == key), None)
        if match is None:
            steps.append({
                "kind": "attach_action", "agent_id": agent_id, "action_key": key,
                "summary": f"Attach action “{wanted['name']}” ({wanted['type']})",
                "changes": {f"details.{k}": [None, v] for k, v in wanted["details"].items()},
                "payload": {"type": wanted["type"], "name": wanted["name"], "details": wanted["details"]},
            })
            continue
        remaining.remove(match)
        before = comparable_details(match.get("type"), match.get("details"))
        changes = details_changes(before, wanted["details"])
        if changes:
            details = dict(wanted["details"])
            if wanted["type"] == "advancedFollowup" and "followupSettings" in (match.get("details") or {}):
                # A PUT replaces the whole action; keep the settings the PATCH step manages.
                details["followupSettings"] = match["details"]["followupSettings"]
            steps.append({
                "kind": "update_action", "agent_id": agent_id, "action_id": str(match["id"]), "action_key": key,
                "summary": f"Update action “{wanted['name']}” ({wanted['type']}): {_count(len(changes), 'detail')}",
                "changes": changes,
                "payload": {"type": wanted["type"], "name": wanted["name"], "details": details},
            })
    for extra in remaining:
        steps.append({
            "kind": "remove_action", "agent_id": agent_id, "action_id": str(extra["id"]), "action_key": action_key(extra),
            "summary": f"Remove action “{extra.get('name')}” ({extra.get('type')}): not in the template",
            "changes": {"action": [extra.get("name"), None]},
        })
    return steps


def _followup_steps(agent_id: str, remote_actions: list, desired: dict, notes: list) -> list:
    settings = desired.get("followup_settings")
    if not settings:
        return []
    followup_keys = [action_key(a) for a in desired.get("actions") or [] if a["type"] == "advancedFollowup"]
    if not followup_keys:
        notes.append("Follow-up settings apply to advancedFollowup actions; the template has none, so they are not sent.")
        return []
    current = {action_key(a): (a.get("details") or {}).get("followupSettings")
               for a in remote_actions if a.get("type") == "advancedFollowup"}
    befores = [current.get(key) for key in followup_keys]
    if all(before == settings for before in befores):
        return []
    before = next((b for b in befores if b is not None), None)
    return [{
        "kind": "followup_settings", "agent_id": agent_id, "action_keys": followup_keys,
        "summary": "Set the follow-up settings", "changes": {"followupSettings": [before, settings]},
        "payload": {"followupSettings": settings},
    }]


# --- Bulk updates -----------------------------------------------------------------------------

def _plan_bulk_update(client, location, desired: dict) -> Plan:
    plan = Plan()
    changes_wanted = desired["changes"]
    written = _last_written(location, [listed["id"] for listed in desired["agents"]])
    for listed in desired["agents"]:
        try:
            remote = known_agent(client.get_agent(listed["id"]), written.get(str(listed["id"])))
        except NotFound:
            plan.notes.append(f"Agent “{listed['name']}” no longer exists in HighLevel; skipped.")
            continue
        changes = agent_field_changes(remote, changes_wanted)
        if changes:
            name = remote.get("name") or listed["name"]
            plan.steps.append({
                "kind": "update_agent", "agent_id": str(remote["id"]), "changes": changes,
                "summary": f"Update {_count(len(changes), 'field')} of agent “{name}”",
                "payload": update_payload(changes, changes_wanted, remote),
            })
    plan.outcome = UPDATE if plan.steps else UNCHANGED
    if len(desired["agents"]) == 1:
        plan.agent_id, plan.agent_name = desired["agents"][0]["id"], desired["agents"][0]["name"]
    return plan


# --- Summaries --------------------------------------------------------------------------------

def summarize_outcomes(outcomes) -> dict:
    """Counts for "N to create, M to update, K unchanged, F cannot be planned" from target outcomes."""
    counts = {key: 0 for key in OUTCOME_LABELS}
    for outcome in outcomes:
        if outcome in counts:
            counts[outcome] += 1
    return counts


def describe_counts(counts: dict) -> str:
    parts = [f"{counts[key]} {label}" for key, label in OUTCOME_LABELS.items() if counts.get(key) or key != ADOPT]
    return ", ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
