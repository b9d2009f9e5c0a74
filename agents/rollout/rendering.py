"""Template variables: `{{ location.name }}`, `{{ location.id }}`, `{{ location.timezone }}`, `{{ vars.KEY }}`.

A deliberately small, strict renderer (not Django templates): no filters, no logic, no
auto-escaping, nothing that could reach beyond the location. A placeholder it does not know,
or a variable the location has no value for, raises MissingVariable naming it, so a plan says
"vars.calendar_id has no value in this location" instead of sending an empty calendar id.
"""
import re

# The braces and what lies between them, trimmed afterwards (`placeholder_name`). The earlier
# `\{\{\s*([^{}]*?)\s*\}\}` let three quantifiers share the same spaces: an unclosed `{{` followed
# by a run of spaces backtracked through every way of splitting the run (cubic in its length).
# Here a single quantifier stops at the first brace, so each `{{` is scanned once, up to the next
# brace: linear. `str.strip()` and the regex `\s` agree on what whitespace is (Py_UNICODE_ISSPACE).
PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
_NAME = re.compile(r"^(location\.(name|id|timezone)|vars\.[A-Za-z_][A-Za-z0-9_]*)$")


class MissingVariable(Exception):
    def __init__(self, name: str, reason: str = "", *, why: str = ""):
        self.name = name
        reason = reason or f"The variable {{{{ {name} }}}} has no value in this location."
        super().__init__(f"{reason} {why}" if why else reason)


class UnknownVariable(MissingVariable):
    def __init__(self, name: str):
        super().__init__(
            name,
            f"{{{{ {name} }}}} is not a known variable (use location.name, location.id, "
            f"location.timezone or vars.NAME).",
        )


SCALARS = (str, int, float, bool)


def stored_variables(location) -> tuple[dict, str]:
    """The location's variables as {name: value}, and why some or all were set aside ("" if none).

    The admin now refuses anything else, but a row saved earlier may hold a list or a string, or a
    value that is itself a list or an object: those read as "no variables" rather than crash the
    variables page or a rollout, and the reason is shown there and in the plan.
    """
    variables = location.variables
    if variables is None or variables == {}:
        return {}, ""
    if not isinstance(variables, dict):
        kind = "a list" if isinstance(variables, list) else f"a {type(variables).__name__}"
        return {}, (f"The stored variables of this location are {kind}, not names and values, so none are used: "
                    f"save its variables page again.")
    usable = {key: value for key, value in variables.items() if value is None or isinstance(value, SCALARS)}
    set_aside = sorted(set(variables) - set(usable))
    if set_aside:
        names = ", ".join(f"vars.{name}" for name in set_aside)
        return usable, f"{names} of this location {'is' if len(set_aside) == 1 else 'are'} not a single value and not used."
    return usable, ""


class LocationContext(dict):
    """The values a location renders with; `variables_problem` says why some were set aside."""

    variables_problem = ""


def context_for(location) -> dict:
    """The values a location renders with, under their placeholder names."""
    values = LocationContext({
        "location.name": location.name or "",
        "location.id": location.hl_id or "",
        "location.timezone": location.timezone or "",
    })
    variables, values.variables_problem = stored_variables(location)
    for key, value in variables.items():
        if value is not None and str(value) != "":
            values[f"vars.{key}"] = str(value)
    return values


def placeholders_in(value) -> set[str]:
    """Every placeholder name used anywhere in a (nested) value."""
    found = set()
    if isinstance(value, str):
        found.update(placeholder_name(match) for match in PLACEHOLDER.finditer(value))
    elif isinstance(value, dict):
        for item in value.values():
            found |= placeholders_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found |= placeholders_in(item)
    return found


def placeholder_name(match) -> str:
    return match.group(1).strip()


def render_string(text: str, context: dict) -> str:
    def substitute(match):
        name = placeholder_name(match)
        if not _NAME.match(name):
            raise UnknownVariable(name)
        if name not in context or (name == "location.timezone" and not context[name]):
            why = getattr(context, "variables_problem", "") if name.startswith("vars.") else ""
            raise MissingVariable(name, why=why)
        return context[name]

    return PLACEHOLDER.sub(substitute, text)


def render(value, context: dict):
    """Render every string inside `value` (dicts and lists are walked; keys are left alone)."""
    if isinstance(value, str):
        return render_string(value, context)
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context) for item in value]
    return value


def render_for_location(value, location):
    return render(value, context_for(location))
