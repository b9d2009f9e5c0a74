import pytest

from agents.models import Location
from agents.rollout.rendering import MissingVariable, UnknownVariable, placeholders_in, render_for_location


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
