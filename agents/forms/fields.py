"""Form fields and helpers shared by the template, action and bulk-update forms.

The rules themselves live in agents.highlevel.schema; the forms build the payload HighLevel would
receive, ask the schema, and hang each message on the field it names (`add_schema_errors`).
"""
import re

from django import forms

# "property details.foo should not exist", "each value in channels must be ...", "waitTime must ..."
_MESSAGE_PREFIXES = ("property ", "each value in ")
_CAMEL_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# A field name in a schema message. One quantifier per run of letters: `[a-z]+[A-Za-z]*` tried every
# split of a long key followed by "_" before giving up (quadratic), and keys come from typed JSON.
_FIELD_NAME = re.compile(r"\b(?:details\.|followupSettings\.)?[a-z][A-Za-z]*(?:\.\d+)?(?:\.[a-zA-Z]+)?\b")


class LinesField(forms.CharField):
    """A list of strings typed one per line (commas also separate, for short id lists)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *, split_commas=False, **kwargs):
        self.split_commas = split_commas
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        separators = r"[\n,]" if self.split_commas else r"\n"
        return [item.strip() for item in re.split(separators, text) if item.strip()]


def schema_path(message: str) -> list[str]:
    """The path a schema message is about: "details.followupSequence.0.followupTime must ..." →
    ["followupSequence", "0", "followupTime"] (the "details." of action messages dropped)."""
    for prefix in _MESSAGE_PREFIXES:
        if message.startswith(prefix):
            message = message[len(prefix):]
            break
    path = message.split(" ", 1)[0].split(".")
    if path and path[0] in ("details", "followupSettings") and len(path) > 1:
        path = path[1:]
    return path


def humanize(message: str) -> str:
    """'details.sleepTime should not be empty when details.reactivateEnabled is true' →
    'Sleep time should not be empty when reactivate enabled is true'."""

    def words(match):
        name = match.group(0).split(".")[-1]
        return _CAMEL_WORD.sub(" ", name).lower()

    # The allowed values after ": " are shown as HighLevel spells them.
    head, colon, values = message.partition(": ")
    head = _FIELD_NAME.sub(_keep_plain(words), head)
    text = head + colon + values
    return text[:1].upper() + text[1:]


def _keep_plain(words):
    # Only rename camelCase or dotted names; plain words of the sentence stay as they are.
    def replace(match):
        token = match.group(0)
        if "." in token or any(char.isupper() for char in token):
            return words(match)
        return token
    return replace


def add_schema_errors(form: forms.Form, messages: list[str], field_for_path) -> None:
    """Attach each schema message to the form field `field_for_path(path)` names, else to the form."""
    for message in messages:
        field = field_for_path(schema_path(message))
        text = humanize(message)
        if field and field in form.fields:
            if field not in form.errors or text not in form.errors[field]:
                form.add_error(field, text)
        else:
            form.add_error(None, text)


def drop_empty(values: dict) -> dict:
    """Leave out optional values the manager left empty: HighLevel gets only what was set."""
    return {key: value for key, value in values.items() if value not in (None, "", [])}
