"""Small display filters for mirrored HighLevel values (JSON, camelCase keys, empty values)."""
from django import template

from backoffice import display

register = template.Library()


@register.filter
def pretty_json(value):
    """Indented JSON, for the raw payload and nested values."""
    return display.as_json(value)


@register.filter
def humanize_key(key):
    """'calendarId' or 'calendar_id' → 'Calendar id'."""
    return display.field_label(key)


@register.filter
def is_nested(value):
    """A non-empty dict, or a list holding dicts or lists: shown as indented JSON, not inline."""
    return bool(value) and display.is_nested(value)


@register.filter
def plain_value(value):
    """A scalar or a flat list in words: Yes/No, comma-separated lists, an em dash for nothing."""
    return display.display_value(value)
