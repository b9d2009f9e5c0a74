"""The desired agent for one location: a template version rendered with the location's values.

The result is frozen on the RolloutTarget when the rollout is created, so a retry next week
applies what the manager confirmed, not whatever the template has become since. Shape:

    {"kind": "template", "template_id": 4, "template_version": 3,
     "agent": {camelCase field: value, ...},          # ready to send
     "actions": [{"type", "name", "details"}, ...],
     "followup_settings": {...} or None}

A bulk update's desired config is {"kind": "bulk_update", "agents": [{"id", "name"}], "changes": {...}}.
"""
from agents.models import Action, Agent

from .rendering import MissingVariable, context_for, render
from .versions import TEMPLATE_AGENT_FIELDS

# Sent only when they hold a value. sleepTime stays even when null: null means "sleep
# indefinitely", and a template saying so must be able to clear a time set by hand.
_OMIT_WHEN_EMPTY = ("sleepTimeUnit", "businessName")


def agent_payload_from_snapshot(agent_fields: dict) -> dict:
    payload = {api: agent_fields.get(field) for api, field in TEMPLATE_AGENT_FIELDS.items()}
    for api in _OMIT_WHEN_EMPTY:
        if payload.get(api) in (None, ""):
            payload.pop(api, None)
    if payload.get("sleepTime") is None:
        payload.pop("sleepTimeUnit", None)
    return payload


class TooLongWhenRendered(MissingVariable):
    """A text that renders longer than its column in the mirror: HighLevel would take it and the
    mirror could not record it (a varchar overflow after the writes), so the target is not planned."""

    def __init__(self, what: str, length: int, limit: int):
        super().__init__(what, f"{what} is {length:,} characters once rendered for this location, and at most "
                               f"{limit} can be kept: shorten it in the template, or the location's values it uses.")


def desired_for_location(snapshot: dict, location, *, template_id: int) -> dict:
    """Render a version snapshot for a location. Raises MissingVariable naming the first gap, or
    TooLongWhenRendered."""
    context = context_for(location)
    desired = {
        "kind": "template",
        "template_id": template_id,
        "template_version": snapshot["version"],
        "agent": render(agent_payload_from_snapshot(snapshot["agent"]), context),
        "actions": render([dict(a) for a in snapshot.get("actions", [])], context),
        "followup_settings": render(snapshot.get("followup_settings"), context),
    }
    _check_mirrored_lengths(desired)
    return desired


def _check_mirrored_lengths(desired: dict) -> None:
    texts = [(f"The agent's {api}", desired["agent"].get(api), Agent._meta.get_field(field).max_length)
             for api, field in (("name", "name"), ("businessName", "business_name"))]
    limit = Action._meta.get_field("name").max_length
    texts += [(f"The name of action {index}", action.get("name"), limit)
              for index, action in enumerate(desired["actions"], start=1)]
    for what, text, max_length in texts:
        if isinstance(text, str) and len(text) > max_length:
            raise TooLongWhenRendered(what, len(text), max_length)


def desired_for_bulk_update(agents, changes: dict) -> dict:
    return {
        "kind": "bulk_update",
        "agents": [{"id": agent.hl_id, "name": agent.name} for agent in agents],
        "changes": dict(changes),
    }
