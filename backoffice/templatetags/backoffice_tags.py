"""Small display filters for mirrored HighLevel values (JSON, camelCase keys, empty values)."""
import json
import re

from django import template

register = template.Library()

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@register.filter
def pretty_json(value):
    """Indented JSON, for the raw payload and nested values."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@register.filter
def humanize_key(key):
    """'calendarId' or 'calendar_id' → 'Calendar id'."""
    words = _CAMEL_BOUNDARY.sub(" ", str(key)).replace("_", " ").lower()
    return words[:1].upper() + words[1:]


@register.filter
def is_nested(value):
    """A non-empty dict, or a list holding dicts or lists: shown as indented JSON, not inline."""
    if isinstance(value, dict):
        return bool(value)
    if isinstance(value, (list, tuple)):
        return any(isinstance(item, (dict, list, tuple)) for item in value)
    return False


@register.filter
def plain_value(value):
    """A scalar or a flat list in words: Yes/No, comma-separated lists, an em dash for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)) and all(not isinstance(item, (dict, list)) for item in value):
        return ", ".join(str(item) for item in value)
    if isinstance(value, (dict, list, tuple)):
        return pretty_json(value)
    return str(value)
