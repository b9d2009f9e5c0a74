"""What a soft delete keeps of an agent, and the payloads that bring it back.

A snapshot is taken from a fresh read of HighLevel (never the mirror, which may be stale):
the agent's fields under their API names, its actions with their details, the follow-up
settings its advancedFollowup actions carry, and the mode it was in.
"""
from django.utils import timezone

from agents.highlevel import schema


def build_snapshot(remote_agent: dict, remote_actions: list[dict]) -> dict:
    fields = {name: value for name, value in remote_agent.items() if name in schema.AGENT_FIELDS}
    actions = [
        {"id": str(a.get("id") or ""), "type": a.get("type") or "", "name": a.get("name") or "",
         "details": a.get("details") or {}}
        for a in remote_actions
    ]
    return {
        "agentId": str(remote_agent.get("id") or ""),
        "agent": fields,
        "actions": actions,
        "followupSettings": _followup_settings(actions),
        "previousMode": remote_agent.get("mode") or "off",
        "takenAt": timezone.now().isoformat(),
    }


def _followup_settings(actions: list[dict]) -> dict | None:
    """The settings shared by the agent's advancedFollowup actions (PATCHed to them as one)."""
    followups = [a for a in actions if a["type"] == "advancedFollowup"]
    settings = next((a["details"].get("followupSettings") for a in followups if a["details"].get("followupSettings")), None)
    if not settings:
        return None
    return {"actionIds": [a["id"] for a in followups], "followupSettings": settings}


def agent_payload(snapshot: dict) -> dict:
    """The snapshot's agent fields as HighLevel accepts them: known fields, no nulls, known channels.

    Read tolerantly, write strictly: a channel spelled otherwise than the contract (`LIVE_CHAT`)
    is sent in the contract's spelling, and one the contract does not know is left out.
    """
    payload = {name: value for name, value in snapshot["agent"].items() if name in schema.AGENT_FIELDS and value is not None}
    if isinstance(payload.get("channels"), list):
        known = {channel.lower(): channel for channel in schema.CHANNELS}
        payload["channels"] = [known[c.lower()] for c in payload["channels"] if isinstance(c, str) and c.lower() in known]
    if payload.get("autoPilotMaxMessages") is None:
        payload["autoPilotMaxMessages"] = schema.DEFAULT_AUTO_PILOT_MAX_MESSAGES
    return payload


def action_payload(action: dict) -> dict:
    return {"type": action["type"], "name": action["name"], "details": action["details"]}
