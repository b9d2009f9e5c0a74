import re
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from agents.models import Location
from agents.rollout.rendering import (
    MissingVariable, UnknownVariable, placeholders_in, render_for_location, render_string,
)


def location(**extra):
    return Location(hl_id="loc-1", name="Acme Dental", timezone="America/Chicago",
                    variables={"calendar_id": "cal-9"}, **extra)


def test_every_string_in_nested_details_is_rendered():
    details = {"finalMessage": "Thanks from {{ location.name }}", "calendarId": "{{vars.calendar_id}}",
               "steps": [{"text": "{{ location.id }} in {{ location.timezone }}"}], "enabled": True, "n": 3}
    assert render_for_location(details, location()) == {
        "finalMessage": "Thanks from Acme Dental", "calendarId": "cal-9",
        "steps": [{"text": "loc-1 in America/Chicago"}], "enabled": True, "n": 3,
    }


def test_a_variable_without_value_names_itself():
    with pytest.raises(MissingVariable) as caught:
        render_for_location("Book on {{ vars.booking_url }}", location())
    assert caught.value.name == "vars.booking_url"
    assert "vars.booking_url" in str(caught.value)


def test_an_empty_value_counts_as_missing():
    loc = location()
    loc.variables = {"calendar_id": ""}
    with pytest.raises(MissingVariable):
        render_for_location("{{ vars.calendar_id }}", loc)


def test_unknown_placeholders_are_refused_not_evaluated():
    with pytest.raises(UnknownVariable):
        render_for_location("{{ location.pit }}", location())
    with pytest.raises(UnknownVariable):
        render_for_location("{{ vars.x|upper }}", location())


def test_text_without_placeholders_is_left_alone():
    assert render_for_location("Plain {braces} and } {{", location()) == "Plain {braces} and } {{"


def test_placeholders_in_lists_what_a_template_needs():
    assert placeholders_in({"a": ["{{ vars.a }}", {"b": "{{location.name}}"}]}) == {"vars.a", "location.name"}



@pytest.mark.parametrize("stored, kind", [(["calendar_id", "cal-9"], "a list"), ("cal-9", "a str"), (7, "a int")])
def test_variables_stored_as_something_else_than_an_object_read_as_none_and_say_why(stored, kind):
    loc = location()
    loc.variables = stored
    assert render_for_location("Hello {{ location.name }}", loc) == "Hello Acme Dental"  # no vars used: fine
    with pytest.raises(MissingVariable) as caught:
        render_for_location("{{ vars.calendar_id }}", loc)
    assert f"are {kind}, not names and values" in str(caught.value) and caught.value.name == "vars.calendar_id"


def test_a_stored_value_that_is_a_list_or_an_object_is_not_used():
    loc = location()
    loc.variables = {"calendar_id": ["cal-9"], "hours": {"mon": "9-5"}, "team": "A", "seats": 3, "open": None}
    assert render_for_location("{{ vars.team }} {{ vars.seats }}", loc) == "A 3"
    with pytest.raises(MissingVariable) as caught:
        render_for_location("{{ vars.calendar_id }}", loc)
    assert "vars.calendar_id, vars.hours of this location are not a single value" in str(caught.value)
    assert "vars.calendar_id" in str(caught.value) and caught.value.name == "vars.calendar_id"

# --- Bad input: rendering stays linear in the text's length --------------------------------------

MEGABYTE = 1_000_000
CONTEXT = {"location.name": "Acme Dental", "location.id": "loc-1", "location.timezone": "UTC", "vars.calendar_id": "cal-9"}
# The pattern before issue 13, kept as the reference its replacement must agree with.
EARLIER_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def megabyte_of(chunk: str) -> str:
    return (chunk * (MEGABYTE // len(chunk) + 1))[:MEGABYTE]


def fastest_render(text: str, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        try:
            render_string(text, CONTEXT)
        except MissingVariable:
            pass
        best = min(best, time.perf_counter() - started)
    return best


ADVERSARIAL = {
    "open braces, spaces, a character": megabyte_of("{{" + " " * 3000 + "x"),
    "open braces, a megabyte of spaces": "{{" + " " * (MEGABYTE - 3) + "x",
    "open braces never closed": megabyte_of("{{"),
    "open braces and a space, never closed": megabyte_of("{{ "),
    "vars. and a long identifier": "{{ vars." + "a" * (MEGABYTE - 8),
    "vars. and long identifiers, repeated": megabyte_of("{{ vars." + "a" * 1000 + " "),
    "braces every way round": megabyte_of("{ {{ }{ }} {"),
}


@pytest.mark.parametrize("shape", ADVERSARIAL)
def test_adversarial_text_renders_about_as_fast_as_ordinary_text(shape):
    # A ratio within one run, not a time: the machine's speed varies, the shape of the cost does not.
    ordinary = megabyte_of("Book a visit at {{ location.name }} on calendar {{ vars.calendar_id }}; we reply within the hour. ")
    assert fastest_render(ADVERSARIAL[shape]) <= 20 * fastest_render(ordinary)


def earlier_render(text: str, context: dict):
    """What render_string answered with the earlier pattern: the text, or the error and its name."""
    def substitute(match):
        name = match.group(1)
        if not re.match(r"^(location\.(name|id|timezone)|vars\.[A-Za-z_][A-Za-z0-9_]*)$", name):
            raise UnknownVariable(name)
        if name not in context or (name == "location.timezone" and not context[name]):
            raise MissingVariable(name)
        return context[name]

    try:
        return EARLIER_PLACEHOLDER.sub(substitute, text)
    except MissingVariable as error:
        return type(error), error.name


def current_render(text: str, context: dict):
    try:
        return render_string(text, context)
    except MissingVariable as error:
        return type(error), error.name


# Small texts made of what the pattern cares about: braces, whitespace of several kinds, names.
FRAGMENTS = ["{{", "}}", "{", "}", " ", "\t", "\n", "\u00a0", "\u3000", "\x1f", ".", "x", "_1",
             "vars.calendar_id", "vars.x", "location.id", "location.timezone", "location.pit"]
template_text = st.lists(st.sampled_from(FRAGMENTS), max_size=16).map("".join) | st.text(max_size=30)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(template_text)
def test_same_placeholders_and_renderings_as_the_earlier_pattern(text):
    assert placeholders_in(text) == {match.group(1) for match in EARLIER_PLACEHOLDER.finditer(text)}
    assert current_render(text, CONTEXT) == earlier_render(text, CONTEXT)
