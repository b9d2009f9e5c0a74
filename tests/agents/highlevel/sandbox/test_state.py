"""The seeded world: reproducible, realistic, and valid per the contract."""
import re

from agents.highlevel import schema
from agents.highlevel.sandbox import SandboxState


def test_the_same_seed_gives_the_same_world():
    one, two = SandboxState(locations=4, seed=3), SandboxState(locations=4, seed=3)
    assert one.location_summaries() == two.location_summaries()
    assert one.agents == two.agents and one.actions == two.actions
    assert SandboxState(locations=4, seed=4).location_summaries() != one.location_summaries()


def test_locations_look_like_highlevels():
    state = SandboxState(locations=25)
    summaries = state.location_summaries()
    assert len(summaries) == 25
    assert len({s["name"] for s in summaries}) == 25
    for summary in summaries:
        assert re.fullmatch(r"[A-Za-z0-9]{20}", summary["locationId"])
        assert " — " in summary["name"]
        assert summary["token"].startswith("pit-")
        assert state.locations[summary["locationId"]]["timezone"]


def test_each_location_has_1_to_3_agents_the_first_primary_and_all_7_action_types():
    state = SandboxState(locations=25)
    for location_id in state.locations:
        agents = state.agents_in(location_id)
        assert 1 <= len(agents) <= 3
        assert [agent["isPrimary"] for agent in agents] == [True] + [False] * (len(agents) - 1)
        types = [action["type"] for agent in agents for action in state.actions_of(agent["id"])]
        assert sorted(types) == sorted(schema.ACTION_TYPES)
        assert len(state.generation_ids(location_id)) == 3


def test_everything_seeded_is_valid_per_the_schema():
    state = SandboxState(locations=25)
    for agent in state.agents.values():
        # Every field create takes, the write-only ones too (they are stored, never answered).
        payload = {key: agent[key] for key in schema.AGENT_FIELDS if agent.get(key) is not None}
        assert schema.validate_agent(payload, partial=False) == []
    for action in state.actions.values():
        assert schema.validate_action({key: action[key] for key in ("type", "name", "details")}) == []
    for settings in state.followup_settings.values():
        assert schema.followup_settings_errors(settings) == []


def test_the_agency_connection():
    state = SandboxState(locations=2)
    agency = state.agency_summary()
    assert set(agency) == {"companyId", "clientId", "clientSecret", "refreshToken", "appId"}
    assert agency["clientId"].startswith(agency["appId"] + "-")


def test_issue_token_for_tests():
    state = SandboxState(locations=1)
    location_id = next(iter(state.locations))
    narrow = state.token(state.issue_token(location_id, scopes=["conversation-ai.readonly"]))
    assert narrow.scopes == {"conversation-ai.readonly"} and narrow.location_id == location_id
    assert state.token(state.issue_token(location_id, expired=True)).is_expired()
    agency = state.token(state.issue_token())
    assert agency.kind == "agency" and agency.location_id is None and not agency.is_expired()
    assert state.token(state.issue_token(location_id, expires_in=60)).expires_at is not None


def test_reset_restores_the_seeded_world():
    state = SandboxState(locations=2, seed=9)
    before = state.location_summaries()
    state.agents.clear()
    state.faults.update(error_rate=1)
    state.stats.record("GET", "search-agent", 200)
    state.reset()
    assert state.location_summaries() == before and state.agents
    assert state.faults.settings.error_rate == 0 and state.stats.as_dict()["total"] == 0
    state.reset(locations=3)
    assert len(state.locations) == 3


def test_agents_and_actions_are_found_by_location_and_agent_as_they_come_and_go():
    state = SandboxState(locations=2, seed=3)
    location_id = next(iter(state.locations))
    agent = state.agents_in(location_id)[0]
    before = [a["id"] for a in state.actions_of(agent["id"])]
    state.actions["new-action"] = {"id": "new-action", "agentId": agent["id"], "type": "stopBot", "name": "n", "details": {}}
    assert [a["id"] for a in state.actions_of(agent["id"])] == before + ["new-action"]
    del state.actions[before[0]]
    state.actions.pop("new-action")
    assert [a["id"] for a in state.actions_of(agent["id"])] == before[1:]
    state.agents[agent["id"]] = {**agent, "name": "renamed"}  # replaced in place: keeps its place
    assert [a["id"] for a in state.agents_in(location_id)][0] == agent["id"]
    assert all(a["locationId"] == location_id for a in state.agents_in(location_id))
    assert sum(len(state.agents_in(loc)) for loc in state.locations) == len(state.agents)
