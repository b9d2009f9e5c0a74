"""The audit trail page: filters, bad filter input, diffs, exports, and who may see it."""
import json

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.trail_forms import TrailFilterForm
from tests.audit.trail_factories import day, make_agent, make_event, make_location, make_template

pytestmark = pytest.mark.django_db
TRAIL = reverse("audit:trail")


@pytest.fixture
def world():
    smiles, bakery = make_location("Bright Smiles"), make_location("Corner Bakery")
    reception, orders = make_agent(smiles, "Reception"), make_agent(bakery, "Orders")
    make_event(location=smiles, agent=reception, object_repr="Reception", changes={"mode": ["off", "auto-pilot"]})
    make_event(AuditEvent.Verb.SOFT_DELETED, location=bakery, agent=orders, object_repr="Orders",
               message="Closed for the winter", at=day(2026, 1, 5))
    return {"smiles": smiles, "bakery": bakery, "reception": reception, "orders": orders}


def shown(response):
    return [row["event"].object_repr for row in response.context["rows"]]


def test_login_is_required(client):
    response = client.get(TRAIL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    export = client.get(reverse("audit:trail_export", args=["csv"]))
    assert export.status_code == 302


def test_trail_lists_events_with_before_and_after(manager, world):
    response = manager.get(TRAIL)

    assert response.status_code == 200
    assert shown(response) == ["Reception", "Orders"]
    page = response.content.decode()
    assert '<span class="before">off</span> → <span class="after">auto-pilot</span>' in page
    assert "Closed for the winter" in page
    assert reverse("agents:agent_detail", args=[world["reception"].pk]) in page


@pytest.mark.parametrize("query, expected", [
    (lambda w: {"location": w["bakery"].pk}, ["Orders"]),
    (lambda w: {"agent": w["reception"].pk}, ["Reception"]),
    (lambda w: {"verb": "soft_deleted"}, ["Orders"]),
    (lambda w: {"date_from": "2026-01-05", "date_to": "2026-01-05"}, ["Orders"]),
    (lambda w: {"user": "", "template": "", "rollout": ""}, ["Reception", "Orders"]),
])
def test_filters_narrow_the_trail(manager, world, query, expected):
    assert shown(manager.get(TRAIL, query(world))) == expected


def test_filtering_by_template_and_user(manager, world, manager_user):
    template = make_template()
    make_event(object_type="template", object_repr="Front desk template", template=template,
               actor=manager_user, actor_label="manager")
    assert shown(manager.get(TRAIL, {"template": template.pk})) == ["Front desk template"]
    assert shown(manager.get(TRAIL, {"user": manager_user.pk})) == ["Front desk template"]


@pytest.mark.parametrize("query, error", [
    ({"agent": "999999"}, "There is no agent with that id."),
    ({"agent": "abc"}, "There is no agent with that id."),
    ({"rollout": "12"}, "There is no rollout with that id."),
    ({"location": "not-a-number"}, "There is no location with that id."),
    # Digits that isdigit() accepts and int() refuses, digits int() reads but no id is written
    # with, and ids past 64 bits (an OverflowError on SQLite): all "no such" before any query.
    ({"agent": "²"}, "There is no agent with that id."),
    ({"location": "①"}, "There is no location with that id."),
    ({"rollout": "١٢"}, "There is no rollout with that id."),
    ({"agent": "-1"}, "There is no agent with that id."),
    ({"template": "²"}, "Select a valid choice"),
    ({"user": "１"}, "Select a valid choice"),
    ({"verb": "exploded"}, "Select a valid choice"),
    ({"date_from": "yesterday"}, "Enter a valid date."),
    ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "The end date is before the start date."),
    # Dates past what a day's end can be computed for overflowed datetime (a 500).
    ({"date_to": "9999-12-31"}, "Give a date between 2000-01-01 and 2999-12-31."),
    ({"date_from": "0001-01-01"}, "Give a date between 2000-01-01 and 2999-12-31."),
    ({"date_from": "1-01-01", "date_to": "9999-12-31"}, "Give a date between 2000-01-01 and 2999-12-31."),
    ({"date_to": "99999-01-01"}, "Enter a valid date."),
    ({"date_from": "9999-12-31T23:59"}, "Enter a valid date."),
])
def test_bad_filter_input_is_a_form_error_not_a_500(manager, world, query, error):
    response = manager.get(TRAIL, query)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert response.context["rows"] == []  # nothing passes for a history the manager did not ask for
    export = manager.get(reverse("audit:trail_export", args=["csv"]), query)
    assert export.status_code == 400


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_an_export_with_a_date_out_of_range_is_a_400_that_says_why(manager, world, export_format):
    response = manager.get(reverse("audit:trail_export", args=[export_format]), {"date_to": "9999-12-31"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == (
        "The export filters are not valid: date_to: Give a date between 2000-01-01 and 2999-12-31.")


def test_the_date_inputs_carry_the_range(manager):
    page = manager.get(TRAIL).content.decode()
    assert 'min="2000-01-01"' in page and 'max="2999-12-31"' in page


def test_the_widest_range_lists_every_event(manager, world):
    assert shown(manager.get(TRAIL, {"date_from": "2000-01-01", "date_to": "2999-12-31"})) == ["Reception", "Orders"]


@pytest.mark.parametrize("value", ["9223372036854775808", "99999999999999999999", "9" * 1000])
@pytest.mark.parametrize("name", ["location", "agent", "template", "rollout", "user"])
def test_ids_past_64_bits_are_refused_by_the_form_too(world, name, value):
    # The page never gets them (backoffice.query_guard answers 400 first): the form holds alone.
    form = TrailFilterForm({name: value})
    assert not form.is_valid() and list(form.errors) == [name]


@pytest.mark.parametrize("path", [TRAIL, reverse("audit:trail_export", args=["csv"])])
def test_ids_past_64_bits_in_the_address_are_a_400_that_says_why(manager, path):
    response = manager.get(path, {"agent": "99999999999999999999"})
    assert response.status_code == 400
    assert "is a number past any id" in response.content.decode()


def test_an_id_with_spaces_around_still_filters(manager, world):
    assert shown(manager.get(TRAIL, {"agent": f" {world['reception'].pk} "})) == ["Reception"]


def test_htmx_gets_only_the_table(manager, world):
    response = manager.get(TRAIL, {"verb": "updated"}, HTTP_HX_REQUEST="true")

    assert [t.name for t in response.templates][0] == "audit/_trail_table.html"
    assert "<form" not in response.content.decode().split('class="table-toolbar"')[0]
    assert shown(response) == ["Reception"]


def test_export_links_carry_the_filters(manager, world):
    response = manager.get(TRAIL, {"location": world["bakery"].pk, "page": "1"})
    page = response.content.decode()
    csv_url = reverse("audit:trail_export", args=["csv"])
    assert f'href="{csv_url}?location={world["bakery"].pk}"' in page


def test_export_downloads_only_the_filtered_events(manager, world):
    response = manager.get(reverse("audit:trail_export", args=["json"]), {"location": world["bakery"].pk})

    assert response.status_code == 200 and response.streaming
    data = json.loads(b"".join(response.streaming_content))
    assert [item["object"] for item in data] == ["Orders"]


def test_unknown_export_format_is_404(manager):
    assert manager.get(reverse("audit:trail_export", args=["xlsx"])).status_code == 404


def test_long_text_changes_show_as_a_line_diff(manager, world):
    before = "Greet the contact.\nOffer a booking.\nSay goodbye."
    make_event(object_repr="Reception", agent=world["reception"],
               changes={"instructions": [before, before.replace("Offer a booking.", "Offer a call back.")]})
    page = manager.get(TRAIL, {"agent": world["reception"].pk}).content.decode()

    assert '<pre class="diff">' in page
    assert "removed: </span>Offer a booking." in page
    assert "added: </span>Offer a call back." in page


def test_filtered_heading_names_the_object(manager, world):
    response = manager.get(TRAIL, {"agent": world["orders"].pk})
    assert "Agent: Orders" in response.content.decode()


def test_pages_of_the_trail(manager, world):
    for n in range(60):
        make_event(object_repr=f"Event {n}", location=world["smiles"])
    first = manager.get(TRAIL, {"location": world["smiles"].pk})
    second = manager.get(TRAIL, {"location": world["smiles"].pk, "page": 2})

    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 11
    assert f"?location={world['smiles'].pk}&amp;page=2" in first.content.decode()


def test_agent_and_location_pages_link_to_their_own_history(manager, world):
    agent_page = manager.get(reverse("agents:agent_detail", args=[world["reception"].pk])).content.decode()
    location_page = manager.get(reverse("agents:location_detail", args=[world["bakery"].pk])).content.decode()

    assert f'href="{TRAIL}?agent={world["reception"].pk}"' in agent_page
    assert f'href="{reverse("audit:generation_lookup", args=[world["reception"].pk])}"' in agent_page
    assert f'href="{TRAIL}?location={world["bakery"].pk}"' in location_page
    # The link leads to that object's events only.
    assert shown(manager.get(TRAIL, {"agent": world["reception"].pk})) == ["Reception"]


def test_an_empty_result_says_the_filters_match_nothing(manager, world):
    page = manager.get(TRAIL, {"verb": "purged", "location": ""}).content.decode()
    assert "No events match these filters." in page
    assert "No events match" not in manager.get(TRAIL, {"location": "", "verb": ""}).content.decode()


def test_a_template_page_links_to_its_own_history(manager):
    template = make_template()
    make_event(object_type="template", object_repr="Front desk", template=template)
    page = manager.get(reverse("agents:template_detail", args=[template.pk])).content.decode()

    assert f'href="{TRAIL}?template={template.pk}"' in page
    assert shown(manager.get(TRAIL, {"template": template.pk})) == ["Front desk"]
