"""Reads behind the pages: what a manager sees in lists, counts and history."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents import selectors
from agents.models import Action, Agent, Location
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def make_location(name, hl_id=None, **fields):
    return Location.objects.create(name=name, hl_id=hl_id or f"loc-{name.lower().replace(' ', '-')}", **fields)


def make_agent(location, name, state=Agent.State.ACTIVE, **fields):
    return Agent.objects.create(location=location, hl_id=f"ag-{location.pk}-{name}", name=name, state=state, **fields)


def test_location_list_counts_only_active_agents():
    dental = make_location("Dental Care")
    make_agent(dental, "Reception")
    make_agent(dental, "Booking")
    make_agent(dental, "Old one", state=Agent.State.GONE)
    make_location("Empty Gym")

    counts = {loc.name: loc.active_agent_count for loc in selectors.location_list()}

    assert counts == {"Dental Care": 2, "Empty Gym": 0}


def test_location_list_searches_name_and_location_id_case_insensitively():
    make_location("Dental Care", hl_id="AbC123")
    make_location("Pizza Place", hl_id="xyz789")

    assert [loc.name for loc in selectors.location_list(search="dental")] == ["Dental Care"]
    assert [loc.name for loc in selectors.location_list(search="abc1")] == ["Dental Care"]
    assert [loc.name for loc in selectors.location_list(search="  ")] == ["Dental Care", "Pizza Place"]


def test_location_list_filters_by_sync_status_and_ignores_unknown_status():
    make_location("Failed One", sync_status=Location.SyncStatus.FAILED)
    make_location("Fine One", sync_status=Location.SyncStatus.OK)

    assert [loc.name for loc in selectors.location_list(sync_status="failed")] == ["Failed One"]
    assert len(selectors.location_list(sync_status="bogus")) == 2


def test_locations_know_whether_credentials_are_set_without_loading_the_secret():
    make_location("With PIT", pit="pit-SECRET-123")
    make_location("Without")

    locations = {loc.name: loc for loc in selectors.location_list()}

    assert locations["With PIT"].credentials_set is True
    assert locations["Without"].credentials_set is False
    assert "pit" in locations["With PIT"].get_deferred_fields()


def test_paginate_never_fails_on_bad_page_numbers():
    for index in range(3):
        make_location(f"Location {index}")
    locations = selectors.location_list()

    assert selectors.paginate(locations, "abc", 2).number == 1
    assert selectors.paginate(locations, None, 2).number == 1
    assert selectors.paginate(locations, "99", 2).number == 2
    assert selectors.paginate(locations, "-1", 2).number == 2


def test_location_agents_count_active_actions_per_agent():
    location = make_location("Dental Care")
    agent = make_agent(location, "Reception")
    Action.objects.create(agent=agent, hl_id="a1", name="Book", type="appointmentBooking")
    Action.objects.create(agent=agent, hl_id="a2", name="Stop", type="stopBot")
    Action.objects.create(agent=agent, hl_id="a3", name="Gone", type="stopBot", state=Action.State.GONE)
    make_agent(location, "Booking")

    counts = {a.name: a.action_count for a in selectors.location_agents(location)}

    assert counts == {"Booking": 0, "Reception": 2}


def test_agent_history_is_the_agents_events_newest_first():
    location = make_location("Dental Care")
    agent = make_agent(location, "Reception")
    other = make_agent(location, "Other")
    first = AuditEvent.objects.create(actor_label="sync", verb="created", object_type="agent", agent=agent)
    AuditEvent.objects.create(actor_label="sync", verb="created", object_type="agent", agent=other)
    second = AuditEvent.objects.create(
        actor_label="alice", verb="updated", object_type="agent", agent=agent, changes={"mode": ["off", "auto-pilot"]}
    )

    assert list(selectors.agent_history(agent)) == [second, first]


def test_agent_get_leaves_the_raw_payload_for_later():
    location = make_location("Dental Care")
    agent = make_agent(location, "Reception", raw={"id": "x", "big": "payload"})

    loaded = selectors.agent_get(agent.pk)

    assert "raw" in loaded.get_deferred_fields()
    assert selectors.agent_raw_payload(agent.pk) == {"id": "x", "big": "payload"}


def test_location_list_query_count_does_not_grow_with_rows():
    def queries_for_one_page():
        with CaptureQueriesContext(connection) as captured:
            page = selectors.paginate(selectors.location_list(), 1, selectors.LOCATIONS_PER_PAGE)
            [(loc.active_agent_count, loc.credentials_set) for loc in page]
        return len(captured)

    make_location("Only one")
    with_one = queries_for_one_page()
    Location.objects.bulk_create(Location(name=f"L{i:03}", hl_id=f"l{i}") for i in range(120))
    assert queries_for_one_page() == with_one
