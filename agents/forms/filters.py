"""The pages' search and filter boxes, checked like any other form.

A search past SEARCH_MAX_LENGTH, or with a NUL character (PostgreSQL refuses one in any text
parameter), is refused in words with no rows shown, never sent as a query that fails (SQLite's
LIKE gives up on a pattern past 50,000 bytes). backoffice's query guard refuses such a query string
before any view; the same boxes also come back in POST bodies (the rollout and bulk update pages
keep their filters when the form is sent), which it leaves to the forms.
"""
from django import forms

from .fields import SEARCH_MAX_LENGTH


def _box(label, max_length=SEARCH_MAX_LENGTH):
    return forms.CharField(label=label, required=False, max_length=max_length)


class LocationFilterForm(forms.Form):
    q = _box("Search")
    status = _box("Sync status", max_length=20)  # a value that is no status is ignored by the selector


class AgentFilterForm(forms.Form):
    q = _box("Agent name")
    location = _box("Location")  # an id, or a part of its name
    agent_mode = _box("Mode", max_length=30)
    template = _box("Template", max_length=20)  # an id


def read_filters(form_class, data) -> tuple[dict, str]:
    """The filters' values ("" for each when any is refused) and why they were refused ("" if not)."""
    form = form_class(data)
    if form.is_valid():
        return {name: form.cleaned_data[name] for name in form.fields}, ""
    reasons = [f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()]
    return {name: "" for name in form.fields}, "Filters refused. " + " ".join(reasons)
