"""Every operation's request and answer validate against HighLevel's official OpenAPI documents.

The documents are read from settings.HIGHLEVEL_OPENAPI_DIR (see openapi_contract.py). If the
sandbox drifts from the contract, these fail, and so would the product against the live service.
"""
import pytest

from agents.highlevel.schema import ACTION_TYPES
from tests.agents.highlevel.sandbox.calls import OAUTH_VERSION, Caller, agency_token, location_caller
from tests.agents.highlevel.sandbox.openapi_contract import assert_exchange_valid, assert_response_valid
from tests.agents.highlevel.sandbox.payloads import valid_action, valid_agent, valid_followup_body

AGENTS = "/conversation-ai/agents"


@pytest.fixture
def seeded(hl_sandbox):
    """The first location's first agent, one of its actions and one of its generations."""
    location_id = hl_sandbox.locations[0]["locationId"]
    agent = hl_sandbox.state.agents_in(location_id)[0]
    action = hl_sandbox.state.actions_of(agent["id"])[0]
    message_id = hl_sandbox.state.generation_ids(location_id)[0]
    return {"agent": agent["id"], "action": action["id"], "message": message_id,
            "source": hl_sandbox.state.generations[message_id]["source"]}


def exchange(response, status):
    assert response.status_code == status, response.text
    assert_exchange_valid(response)
    return response.json()


def test_create_agent(api):
    exchange(api.post(AGENTS, json=valid_agent()), 201)
    exchange(api.post(AGENTS, json={"name": "Min", "personality": "p", "goal": "g", "instructions": "i"}), 201)


def test_search_agents(api):
    body = exchange(api.get(f"{AGENTS}/search"), 200)
    assert body["agents"]
    exchange(api.get(f"{AGENTS}/search", params={"startAfter": body["agents"][0]["id"], "limit": 1, "query": "a"}), 200)


def test_get_agent(api, seeded):
    exchange(api.get(f"{AGENTS}/{seeded['agent']}"), 200)


def test_update_agent(api, seeded):
    exchange(api.put(f"{AGENTS}/{seeded['agent']}", json={"autoPilotMaxMessages": 20, "mode": "auto-pilot"}), 200)
    # A null sleep time ("indefinitely") is left out of the answer: the documents type it as a number.
    exchange(api.put(f"{AGENTS}/{seeded['agent']}", json={"autoPilotMaxMessages": 20, "sleepTime": 2,
                                                          "sleepTimeUnit": "hours"}), 200)


def test_delete_agent(api, seeded):
    exchange(api.delete(f"{AGENTS}/{seeded['agent']}"), 200)


@pytest.mark.parametrize("action_type", ACTION_TYPES)
def test_create_update_and_get_action_of_each_type(api, seeded, action_type):
    created = exchange(api.post(f"{AGENTS}/{seeded['agent']}/actions", json=valid_action(action_type)), 201)
    path = f"{AGENTS}/{seeded['agent']}/actions/{created['data']['id']}"
    exchange(api.put(path, json=valid_action(action_type, name="Renamed")), 200)
    exchange(api.get(path), 200)


def test_list_actions(api, seeded):
    assert exchange(api.get(f"{AGENTS}/{seeded['agent']}/actions/list"), 200)["data"]


def test_every_seeded_action_validates(hl_sandbox):
    # The documents' `details` is a oneOf: each seeded shape must match exactly one of them.
    for index in range(len(hl_sandbox.locations)):
        api = location_caller(hl_sandbox, index)
        for agent in hl_sandbox.state.agents_in(hl_sandbox.locations[index]["locationId"]):
            exchange(api.get(f"{AGENTS}/{agent['id']}/actions/list"), 200)


def test_get_action(api, seeded):
    exchange(api.get(f"{AGENTS}/{seeded['agent']}/actions/{seeded['action']}"), 200)


def test_delete_action(api, seeded):
    exchange(api.delete(f"{AGENTS}/{seeded['agent']}/actions/{seeded['action']}"), 200)


def test_update_followup_settings(hl_sandbox, api):
    location_id = hl_sandbox.locations[0]["locationId"]
    action = next(action for action in hl_sandbox.state.actions.values()
                  if action["type"] == "advancedFollowup"
                  and hl_sandbox.state.agents[action["agentId"]]["locationId"] == location_id)
    exchange(api.patch(f"{AGENTS}/{action['agentId']}/followup-settings", json=valid_followup_body([action["id"]])), 200)


def test_get_generation_details(api, seeded):
    exchange(api.get("/conversation-ai/generations", params={"messageId": seeded["message"], "source": seeded["source"]}),
             200)


def test_refresh_access_token(hl_sandbox):
    import requests

    agency = hl_sandbox.agency
    response = requests.post(f"{hl_sandbox.base_url}/oauth/token", data={
        "grant_type": "refresh_token", "client_id": agency["clientId"], "client_secret": agency["clientSecret"],
        "refresh_token": agency["refreshToken"], "user_type": "Company",
    }, timeout=5)
    exchange(response, 200)


def test_location_access_token(hl_sandbox):
    agency = Caller(hl_sandbox.base_url, agency_token(hl_sandbox), version=OAUTH_VERSION)
    body = {"companyId": hl_sandbox.agency["companyId"], "locationId": hl_sandbox.locations[2]["locationId"]}
    exchange(agency.post("/oauth/locationToken", data=body), 200)


def test_installed_locations(hl_sandbox):
    agency = Caller(hl_sandbox.base_url, agency_token(hl_sandbox), version=OAUTH_VERSION)
    params = {"companyId": hl_sandbox.agency["companyId"], "appId": hl_sandbox.agency["appId"]}
    exchange(agency.get("/oauth/installedLocations", params=params), 200)
    exchange(agency.get("/oauth/installedLocations", params={**params, "skip": "1", "limit": "2", "query": "a"}), 200)


def test_get_location_with_a_location_or_an_agency_token(hl_sandbox):
    location_id = hl_sandbox.locations[0]["locationId"]
    for token in (hl_sandbox.locations[0]["token"], agency_token(hl_sandbox)):
        exchange(Caller(hl_sandbox.base_url, token, version=OAUTH_VERSION).get(f"/locations/{location_id}"), 200)


# The declared error answers (400, 401, 422) validate too: only the answer, as the request is the
# broken part on purpose.

def test_error_answers_match_the_common_schemas(hl_sandbox, api, seeded):
    cases = [
        (api.post(AGENTS, json={"name": "x"}), 422),
        (api.put(f"{AGENTS}/{seeded['agent']}", json={}), 422),
        (api.post(f"{AGENTS}/{seeded['agent']}/actions", json={"type": "nope"}), 422),
        (Caller(hl_sandbox.base_url, "bad-token").get(f"{AGENTS}/search"), 401),
        (Caller(hl_sandbox.base_url, hl_sandbox.locations[0]["token"], version=None).get(f"{AGENTS}/search"), 400),
        (Caller(hl_sandbox.base_url, "bad-token", version=OAUTH_VERSION).get("/oauth/installedLocations"), 401),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert_response_valid(response)


def test_a_refused_refresh_matches_the_declared_401(hl_sandbox):
    import requests

    agency = hl_sandbox.agency
    response = requests.post(f"{hl_sandbox.base_url}/oauth/token", data={
        "grant_type": "refresh_token", "client_id": agency["clientId"], "client_secret": agency["clientSecret"],
        "refresh_token": "stale",
    }, timeout=5)
    assert response.status_code == 401
    assert_response_valid(response)
