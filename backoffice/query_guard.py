"""Query strings no page can use, refused before any view runs: a 400 page that says why.

One place for the whole site, the admin's changelists (ours, auth's, django-q's) included:

- A NUL character, in the path or in any name or value of the query string. PostgreSQL refuses
  it in every text parameter ("A string literal cannot contain NUL (0x00) characters"), so a
  search, an admin list filter (`?object_type=%00`) or a text primary key in an admin URL was a
  500 there; on SQLite it matched nothing anyway.
- A search (`?q=`) longer than SEARCH_MAX_CHARS: the admin makes one condition per word and
  search field, so 30,000 words went past SQLite's variables and expression depth and past
  PostgreSQL's 65,535 parameters (a 500). No one searches with more than a sentence.
- Any other value longer than VALUE_MAX_CHARS: ids, dates, choices and `next` paths are short.
- A number (or a comma-separated list of them, as `__in` takes) past any 64-bit id: SQLite
  raised OverflowError wherever Django does not check the range itself (`?id__in=`, views that
  call int()).
- On an admin changelist, a number out of its column's range (`?http_status__in=99999999999`,
  a 32-bit column on PostgreSQL) or a date part no date has (`?at__year=99999`): Django checks
  neither, and both were a 500; nor that a `__range` has two values. Other bad lookups the admin
  already answers (a redirect to ?e=1).

POST bodies are left to the forms, whose CharFields already refuse NUL.
"""
import re

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.shortcuts import render

from backoffice.converters import MAX_ID

SEARCH_PARAMETERS = frozenset({"q"})
SEARCH_MAX_CHARS = 200
VALUE_MAX_CHARS = 2000
_NAME_SHOWN_CHARS = 40
_NUL = "The address contains a NUL character (%00), which no page here accepts."
_INTEGER = re.compile(r"[+-]?[0-9]+")
_RANGE_LOOKUPS = frozenset({"exact", "in", "gt", "gte", "lt", "lte", "range"})
_DATE_PARTS = frozenset({"year", "iso_year", "month", "day", "week", "week_day", "iso_week_day", "quarter",
                         "hour", "minute", "second"})


class QueryGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = query_problem(request)
        if problem:
            return _refused(request, problem)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The admin's URLs carry their ModelAdmin on the view (ModelAdmin.get_urls).
        model_admin = getattr(view_func, "model_admin", None)
        url_name = request.resolver_match.url_name if request.resolver_match else ""
        if model_admin is not None and (url_name or "").endswith("_changelist"):
            problem = admin_lookup_problem(model_admin.model, request.GET)
            if problem:
                return _refused(request, problem)
        return None


def _refused(request, problem):
    return render(request, "400.html", {"reason": problem}, status=400)


def _shown(name: str) -> str:
    return name if len(name) <= _NAME_SHOWN_CHARS else name[:_NAME_SHOWN_CHARS] + "…"


def _numbers(value: str, separated: bool = True) -> list[int]:
    """The integers `value` spells (comma-separated when `separated`); [] when it spells others too."""
    pieces = [piece.strip() for piece in value.split(",")] if separated else [value.strip()]
    if not all(_INTEGER.fullmatch(piece) for piece in pieces):
        return []
    return [int(piece) for piece in pieces]


def query_problem(request) -> str:
    """Why the request's address cannot be served, in words; "" when it can."""
    if "\x00" in request.path:
        return _NUL
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return _NUL
        if len(name) > VALUE_MAX_CHARS:
            return f"A parameter name has {len(name):,} characters; at most {VALUE_MAX_CHARS:,} are accepted."
        longest = max((len(value) for value in values), default=0)
        if name in SEARCH_PARAMETERS:
            if longest > SEARCH_MAX_CHARS:
                return f"A search is at most {SEARCH_MAX_CHARS} characters; this one has {longest:,}."
            continue  # a search may well hold a long number: it is matched as text
        if longest > VALUE_MAX_CHARS:
            return f"The value of “{_shown(name)}” has {longest:,} characters; at most {VALUE_MAX_CHARS:,} are accepted."
        if any(abs(number) > MAX_ID for value in values for number in _numbers(value)):
            return f"The value of “{_shown(name)}” is a number past any id (at most {MAX_ID:,})."
    return ""


def admin_lookup_problem(model, query) -> str:
    """Why a changelist cannot filter `model` by `query`, for the checks Django leaves out; or ""."""
    for name, values in query.lists():
        field, through_key, lookups = _resolve(model, name)
        if field is None:
            continue
        lookup = lookups[-1] if lookups else "exact"
        if lookup == "range" and any(len(value.split(",")) != 2 for value in values):
            # The admin hands `range` what the comma splits; one value broke the query's SQL.
            return f"“{_shown(name)}” takes two values separated by a comma, the lowest and the highest."
        if lookups and lookups[0] in _DATE_PARTS:
            low, high, what = (1, 9999, "a year") if "year" in lookups[0] else (0, 9999, f"a {lookups[0]}")
        elif (field.get_internal_type() in connection.ops.integer_field_ranges and set(lookups) <= _RANGE_LOOKUPS
              and (through_key or lookup in {"in", "range"})):
            # Django checks the range of exact, gt, gte, lt and lte on an integer column itself
            # (IntegerFieldOverflow), but not of `in` and `range`, nor on a foreign key.
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            what = f"{field.verbose_name}"
        else:
            continue
        for value in values:
            for number in _numbers(value, separated=lookup in {"in", "range"}):
                if (low is not None and number < low) or (high is not None and number > high):
                    return f"“{_shown(name)}” asks for {number}, which {what} never is (from {low} to {high})."
    return ""


def _resolve(model, name: str):
    """For a lookup like `location__id__in`: (the column it compares, whether that is through a
    foreign key, the lookups after it); (None, False, [...]) when it names no field."""
    opts, field, parts = model._meta, None, name.split("__")
    for index, part in enumerate(parts):
        if field is not None and not field.is_relation:
            return (*_column(field), parts[index:])  # a transform or lookup, not a related field
        try:
            found = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:
            return (*_column(field), parts[index:])
        field = found
        if found.is_relation and found.related_model is not None:
            opts = found.related_model._meta
    return (*_column(field), [])


def _column(field):
    """(the field whose values a lookup compares, whether that is through a foreign key)."""
    if field is None:
        return None, False
    if field.is_relation:
        return (getattr(field, "target_field", None), True) if field.concrete else (None, False)
    return field, False
