"""Field-by-field comparison of what HighLevel has with what a template wants.

HighLevel is read tolerantly: a missing field, None and "" are the same empty text; 2 and 2.0
are the same wait; channel lists compare as sets (their order means nothing to the service).
Write-only fields (accepted, never returned) are compared with what the back office last wrote:
`known_agent` puts them beside what HighLevel answered.
"""
from agents.highlevel import schema

_LIST_FIELDS = ("channels", "knowledgeBaseIds")
_BOOLEAN_FIELDS = schema.AGENT_BOOLEAN_FIELDS
_NUMBER_FIELDS = ("waitTime", "sleepTime", "autoPilotMaxMessages")
# Fields sent together: the service checks a time against its unit.
_PAIRED = (("waitTime", "waitTimeUnit"), ("sleepTime", "sleepTimeUnit"))


def normalized(field: str, value):
    if field == "goal" and isinstance(value, dict):  # search items type the goal as an object
        value = value.get("prompt")
    if field in _LIST_FIELDS:
        return sorted(str(v) for v in value) if isinstance(value, list) else []
    if field in _BOOLEAN_FIELDS:
        return bool(value)
    if field in _NUMBER_FIELDS:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return None
    return "" if value is None else str(value)


def known_agent(answer: dict, *written: dict | None) -> dict:
    """The agent as the back office knows it: HighLevel's answer, with each write-only field as
    last written (`written` in order, the newest last: e.g. the mirror's columns, then the body
    just sent)."""
    known = dict(answer)
    for source in written:
        for field in schema.AGENT_WRITE_ONLY_FIELDS:
            if source and field in source:
                known[field] = source[field]
    return known


def agent_field_changes(remote: dict, desired: dict) -> dict:
    """{field: [before, after]} for each desired field whose remote value differs."""
    changes = {}
    for field, after in desired.items():
        if field == "sleepTimeUnit" and desired.get("sleepTime") is None:
            continue  # a unit without a time means nothing to the service
        before = remote.get(field)
        if normalized(field, before) != normalized(field, after):
            changes[field] = [before, after]
    return changes


def update_payload(changes: dict, desired: dict, remote: dict) -> dict:
    """The PUT body: the changed fields, each time with its unit, and always autoPilotMaxMessages."""
    payload = {field: after for field, (_, after) in changes.items()}
    for time_field, unit_field in _PAIRED:
        if time_field in payload or unit_field in payload:
            for field in (time_field, unit_field):
                if field in desired:
                    payload[field] = desired[field]
    if payload.get("sleepTime") is None:
        payload.pop("sleepTimeUnit", None)
    # Required on every update by the service, even when it does not change.
    max_messages = desired.get("autoPilotMaxMessages", remote.get("autoPilotMaxMessages"))
    if not isinstance(max_messages, int) or isinstance(max_messages, bool):
        max_messages = schema.DEFAULT_AUTO_PILOT_MAX_MESSAGES
    payload["autoPilotMaxMessages"] = max_messages
    return payload


def comparable_details(action_type: str, details) -> dict:
    """Action details as the template sees them: follow-up settings are their own step."""
    details = dict(details or {})
    if action_type == "advancedFollowup":
        details.pop("followupSettings", None)
    return details


def details_changes(before: dict, after: dict) -> dict:
    """{"details.key": [before, after]} for each top-level detail that differs."""
    changes = {}
    for key in list(before) + [k for k in after if k not in before]:
        if before.get(key) != after.get(key):
            changes[f"details.{key}"] = [before.get(key), after.get(key)]
    return changes
