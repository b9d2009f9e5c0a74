"""Ids given as text (query parameters, form values): ASCII digits within a primary key's range.

`str.isdigit()` is true for "²" and "①", which `int()` refuses (a ValueError, a 500 where the
check was trusted); `int()` itself takes "١٢" (Arabic-Indic digits) and "12 ", and an id past
64 bits overflows SQLite's INTEGER. `parse_id` accepts only what the database can hold.
"""
from backoffice.converters import MAX_ID

_MAX_DIGITS = len(str(MAX_ID))


def parse_id(value) -> int | None:
    """The id `value` spells, or None when it is not one (or out of range)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    # Length first: int() of a 5,000-digit string raises ValueError (Python's digit limit).
    if not (0 < len(value) <= _MAX_DIGITS and value.isascii() and value.isdecimal()):
        return None
    number = int(value)
    return number if number <= MAX_ID else None
