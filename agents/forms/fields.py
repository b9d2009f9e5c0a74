"""Form fields and helpers shared by the template, action and bulk-update forms.

The rules themselves live in agents.highlevel.schema; the forms build the payload HighLevel would
receive, ask the schema, and hang each message on the field it names (`add_schema_errors`).
"""
import json
import math
import re

from django import forms
from django.core.validators import MaxLengthValidator
from django.forms.fields import InvalidJSONInput, JSONString

# "property details.foo should not exist", "each value in channels must be ...", "waitTime must ..."
_MESSAGE_PREFIXES = ("property ", "each value in ")
_CAMEL_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# A field name in a schema message. One quantifier per run of letters: `[a-z]+[A-Za-z]*` tried every
# split of a long key followed by "_" before giving up (quadratic), and keys come from typed JSON.
_FIELD_NAME = re.compile(r"\b(?:details\.|followupSettings\.)?[a-z][A-Za-z]*(?:\.\d+)?(?:\.[a-zA-Z]+)?\b")


# How much a manager may type. The contract (agents.highlevel.schema) bounds no text, so: names as
# the lists and HighLevel's own pages show them, prompts with room for a long one, ids as HighLevel
# spells them (or a {{ vars.NAME }} standing for one). A longer value is a field error, never a
# varchar overflow in PostgreSQL or a text no agent needs.
NAME_MAX_LENGTH = 200
PROMPT_MAX_LENGTH = 20_000
DESCRIPTION_MAX_LENGTH = 2_000
DETAIL_TEXT_MAX_LENGTH = 5_000
ID_MAX_LENGTH = 200
LIST_MAX_ITEMS = 100
LIST_ITEM_MAX_LENGTH = 1_000
# As backoffice's query guard allows for `?q=`: the admin's searches and the pages' agree.
SEARCH_MAX_LENGTH = 200


def limit_length(field: forms.CharField, max_length: int) -> forms.CharField:
    """Give a (model form's) text field this limit, in place of any limit it had."""
    field.max_length = max_length
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs["maxlength"] = str(max_length)
    return field


class LinesField(forms.CharField):
    """A list of strings typed one per line (commas also separate, for short id lists).

    Limits count entries and the characters of each, checked here: CharField's own max_length and
    NUL check would see the list, not the text (and a NUL inside a list broke PostgreSQL's jsonb).
    """

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *, split_commas=False, max_items=LIST_MAX_ITEMS, item_max_length=LIST_ITEM_MAX_LENGTH, **kwargs):
        self.split_commas = split_commas
        self.max_items, self.item_max_length = max_items, item_max_length
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        if "\x00" in text:
            raise forms.ValidationError("Null characters are not allowed.", code="null_characters_not_allowed")
        separators = r"[\n,]" if self.split_commas else r"\n"
        items = [item.strip() for item in re.split(separators, text) if item.strip()]
        if len(items) > self.max_items:
            raise forms.ValidationError(f"At most {self.max_items} entries (this has {len(items):,}).", code="too_many")
        if any(len(item) > self.item_max_length for item in items):
            raise forms.ValidationError(f"Each entry is at most {self.item_max_length:,} characters.", code="max_length")
        return items


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


# --- JSON typed by a manager -------------------------------------------------------------------

JSON_MAX_LENGTH = 100_000
JSON_MAX_DEPTH = 20
# Ids and counts HighLevel takes are far below 15 digits; past 4,300 Python refuses to convert at all.
JSON_MAX_INT_DIGITS = 15
JSON_MAX_STRING_LENGTH = 20_000


class _Refused(ValueError):
    """Raised from inside json.loads by the parsing hooks; carries the manager-readable reason."""


def _refuse_constant(name):
    raise _Refused(f"{name} is not a JSON number (HighLevel accepts only finite numbers): use a number or a string.")


def _bounded_int(text):
    if len(text.lstrip("-")) > JSON_MAX_INT_DIGITS:
        raise _Refused(f"A number may have at most {JSON_MAX_INT_DIGITS} digits.")
    return int(text)


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise _Refused(f"{shown} is too large a number.")
    return value


def _nested_deeper_than(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest past `limit`, found without parsing: json.loads
    recurses once per level and would hit Python's recursion limit before we could look."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _string_problem(text: str, max_length: int) -> str:
    if len(text) > max_length:
        return f"A text in it is longer than {max_length:,} characters."
    if "\x00" in text:
        return "A text in it contains a NUL character (\\u0000), which cannot be stored."
    if any("\ud800" <= char <= "\udfff" for char in text):
        return "A text in it contains an unpaired surrogate (\\ud800-\\udfff), which is not a character."
    return ""


def _value_problem(value, max_string_length: int) -> str:
    """The first string (key or value) in a parsed value that cannot be stored or sent, in words."""
    if isinstance(value, str):
        return _string_problem(value, max_string_length)
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        problem = (isinstance(key, str) and _string_problem(key, max_string_length)) or _value_problem(item, max_string_length)
        if problem:
            return problem
    return ""


def parse_json(text: str, *, max_length=JSON_MAX_LENGTH, max_depth=JSON_MAX_DEPTH,
               max_string_length=JSON_MAX_STRING_LENGTH):
    """Parse JSON a manager typed, within limits; raise ValidationError saying what is wrong."""
    if len(text) > max_length:
        raise forms.ValidationError(f"At most {max_length:,} characters of JSON (this is {len(text):,}).", code="too_long")
    if _nested_deeper_than(text, max_depth):
        raise forms.ValidationError(f"Nested more than {max_depth} levels deep.", code="too_deep")
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_int=_bounded_int, parse_float=_finite_float)
    except _Refused as refused:
        raise forms.ValidationError(str(refused), code="invalid") from None
    except json.JSONDecodeError as error:
        raise forms.ValidationError(f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).",
                                    code="invalid") from None
    problem = _value_problem(value, max_string_length)
    if problem:
        raise forms.ValidationError(problem, code="invalid")
    return value


class BoundedJSONField(forms.JSONField):
    """forms.JSONField for typed input: depth, size, digits and text are limited, NaN and Infinity
    refused, and every refusal is a field error (forms.JSONField let RecursionError and the
    integer-conversion ValueError through, a 500)."""

    def __init__(self, *, max_depth=JSON_MAX_DEPTH, max_json_length=JSON_MAX_LENGTH,
                 max_string_length=JSON_MAX_STRING_LENGTH, **kwargs):
        self.limits = {"max_depth": max_depth, "max_length": max_json_length, "max_string_length": max_string_length}
        super().__init__(**kwargs)

    def to_python(self, value):
        if self.disabled:
            return value
        if value in self.empty_values:
            return None
        if isinstance(value, (list, dict, int, float, JSONString)):
            return value
        converted = parse_json(str(value), **self.limits)
        return JSONString(converted) if isinstance(converted, str) else converted

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return parse_json(str(data), **self.limits)
        except forms.ValidationError:
            return InvalidJSONInput(data)  # shown back as typed
