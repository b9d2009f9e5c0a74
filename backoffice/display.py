"""How a mirrored HighLevel value reads on a page: one set of rules for every page and the audit diffs."""
import json
import re

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def field_label(name) -> str:
    """'waitTime' or 'wait_time' → 'Wait time'."""
    words = _CAMEL_BOUNDARY.sub(" ", str(name)).replace("_", " ").lower()
    return words[:1].upper() + words[1:]


def as_json(value) -> str:
    """Indented JSON, for raw payloads and nested values."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def is_nested(value) -> bool:
    """A dict, or a list holding dicts or lists: shown as indented JSON, not inline."""
    if isinstance(value, dict):
        return True
    return isinstance(value, (list, tuple)) and any(isinstance(item, (dict, list, tuple)) for item in value)


def display_value(value) -> str:
    """A value in words: Yes/No, comma-separated flat lists, an em dash for nothing, JSON when nested."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if is_nested(value):
        return as_json(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(display_value(item) for item in value)
    return str(value)
