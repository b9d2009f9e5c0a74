"""Checks that the {{ placeholders }} a manager types are ones the rollout renderer knows."""
from django.core.exceptions import ValidationError

from agents.rollout.rendering import UnknownVariable, placeholders_in, render_string


class _AnyValue(dict):
    """A rendering context that has a value for every name, so only unknown names fail."""

    def __contains__(self, name):
        return True

    def __missing__(self, name):
        return "x"


def check_placeholders(value) -> None:
    """Raise ValidationError naming each placeholder that is not location.* or vars.NAME."""
    unknown = []
    for name in sorted(placeholders_in(value)):
        try:
            render_string("{{ %s }}" % name, _AnyValue())
        except UnknownVariable as error:
            unknown.append(str(error))
    if unknown:
        raise ValidationError(unknown)


def variables_used(value) -> list[str]:
    """The vars.NAME keys a (nested) value uses, sorted: what each location must define."""
    return sorted(name[len("vars."):] for name in placeholders_in(value) if name.startswith("vars."))
