"""The small machinery every validator shares: field paths and NestJS-like messages."""
from __future__ import annotations

from typing import Any

def is_number(value: Any) -> bool:
    # bool is an int in Python, but never a number in JSON.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def bound_of(bounds: dict, unit: Any):
    """The bound a unit sets, or None for an invalid one: any JSON value may arrive as a unit,
    and a list or an object cannot even be looked up in a dict."""
    return bounds.get(unit) if isinstance(unit, str) else None


class _Errors:
    """Collects messages for one object, naming each field with its path prefix.

    Every typed check refuses a field sent as null with that type's message, unless the check is
    told `nullable=True`: no field of the Conversation AI document is declared nullable, so null
    is only allowed where the document's prose says so (an agent's sleepTime and sleepTimeUnit).
    A required field sent as null is also "empty".
    """

    def __init__(self, obj: dict, prefix: str = ""):
        self.obj = obj
        self.prefix = prefix
        self.messages: list[str] = []

    def name(self, field: str) -> str:
        return f"{self.prefix}{field}"

    def add(self, message: str) -> None:
        self.messages.append(message)

    def has(self, field: str) -> bool:
        return field in self.obj and self.obj[field] is not None

    def _null_refused(self, field: str, type_message: str, nullable: bool) -> bool:
        """True (and reported) when the field is sent as null and its type does not allow it."""
        if nullable or field not in self.obj or self.obj[field] is not None:
            return False
        self.add(f"{self.name(field)} {type_message}")
        return True

    def unknown(self, allowed: frozenset) -> None:
        for field in self.obj:
            if field not in allowed:
                self.add(f"property {self.name(field)} should not exist")

    def string(self, field: str, *, non_empty: bool = False, nullable: bool = False) -> None:
        if non_empty and (not self.has(field) or self.obj[field] == ""):
            self.add(f"{self.name(field)} should not be empty")
        self._null_refused(field, "must be a string", nullable)
        if self.has(field) and not isinstance(self.obj[field], str):
            self.add(f"{self.name(field)} must be a string")

    def boolean(self, field: str, *, required: bool = False, nullable: bool = False) -> None:
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
        self._null_refused(field, "must be a boolean value", nullable)
        if self.has(field) and not isinstance(self.obj[field], bool):
            self.add(f"{self.name(field)} must be a boolean value")

    def one_of(self, field: str, values: tuple, *, required: bool = False, nullable: bool = False) -> None:
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
        message = f"must be one of the following values: {', '.join(values)}"
        self._null_refused(field, message, nullable)
        if self.has(field) and self.obj[field] not in values:
            self.add(f"{self.name(field)} {message}")

    def number(self, field: str, *, minimum=None, maximum=None, required: bool = False, why: str = "",
               nullable: bool = False) -> bool:
        """True when the field holds a number within the bounds."""
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
            return False
        if self._null_refused(field, "must be a number conforming to the specified constraints", nullable):
            return False
        if not self.has(field):
            return False
        value = self.obj[field]
        if not is_number(value):
            self.add(f"{self.name(field)} must be a number conforming to the specified constraints")
            return False
        if minimum is not None and value < minimum:
            self.add(f"{self.name(field)} must not be less than {minimum}{why}")
            return False
        if maximum is not None and value > maximum:
            self.add(f"{self.name(field)} must not be greater than {maximum}{why}")
            return False
        return True

    def string_list(self, field: str, *, min_items: int = 0, required: bool = False, nullable: bool = False) -> None:
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
        self._null_refused(field, "must be an array", nullable)
        if not self.has(field):
            return
        value = self.obj[field]
        if not isinstance(value, list):
            self.add(f"{self.name(field)} must be an array")
            return
        if len(value) < min_items:
            self.add(f"{self.name(field)} must contain at least {min_items} elements")
        if not all(isinstance(item, str) for item in value):
            self.add(f"each value in {self.name(field)} must be a string")

    def enum_list(self, field: str, values: tuple, *, nullable: bool = False) -> None:
        self._null_refused(field, "must be an array", nullable)
        if not self.has(field):
            return
        value = self.obj[field]
        if not isinstance(value, list):
            self.add(f"{self.name(field)} must be an array")
        elif any(item not in values for item in value):
            self.add(f"each value in {self.name(field)} must be one of the following values: {', '.join(values)}")

    def each_object(self, field: str, check, *, min_items: int = 0, required: bool = False,
                    nullable: bool = False) -> None:
        """A list of objects, each checked by `check(item, prefix)`, which returns its messages."""
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
        self._null_refused(field, "must be an array", nullable)
        if not self.has(field):
            return
        items = self.obj[field]
        if not isinstance(items, list):
            self.add(f"{self.name(field)} must be an array")
            return
        if len(items) < min_items:
            self.add(f"{self.name(field)} must contain at least {min_items} elements")
        for index, item in enumerate(items):
            if isinstance(item, dict):
                self.messages += check(item, f"{self.name(field)}.{index}.")
            else:
                self.add(f"{self.name(field)}.{index} must be an object")

    def object(self, field: str, *, required: bool = False, nullable: bool = False) -> dict | None:
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
        self._null_refused(field, "must be an object", nullable)
        if not self.has(field):
            return None
        if not isinstance(self.obj[field], dict):
            self.add(f"{self.name(field)} must be an object")
            return None
        return self.obj[field]


def _not_an_object(what: str) -> list[str]:
    return [f"{what} must be an object"]
