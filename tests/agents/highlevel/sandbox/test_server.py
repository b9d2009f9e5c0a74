"""The 12 Conversation AI operations over real HTTP, with tokens, scopes and the Version header."""
import pytest
import requests

from agents.highlevel.schema import ACTION_TYPES
from tests.agents.highlevel.sandbox.calls import Caller, agency_token, location_caller
from tests.agents.highlevel.sandbox.payloads import valid_action, valid_agent, valid_followup_body

AGENTS = "/conversation-ai/agents"


def first_agent_id(hl_sandbox, index=0):
    return hl_sandbox.state.agents_in(hl_sandbox.locations[index]["locationId"])[0]["id"]


# --- agents ----------------------------------------------------------------------------------


def test_create_agent_answers_201_with_the_agent_and_defaults(api):
    response = api.post(AGENTS, json={"name": "New", "personality": "p", "goal": "g", "instructions": "i"})
    assert response.status_code == 201
    agent = response.json()
    assert agent["id"] and len(agent["id"]) == 20
    assert agent["name"] == "New" and agent["goal"] == "g"
    assert (agent["mode"], agent["waitTime"], agent["waitTimeUnit"], agent["autoPilotMaxMessages"]) == (
        "off", 2, "seconds", 75)
    assert agent["actions"] == [] and agent["isPrimary"] is False


def test_create_agent_invalid_is_422_with_a_list_of_messages(api):
    response = api.post(AGENTS, json={"name": "x", "mode": "loud", "locationId": "abc"})
    assert response.status_code == 422
    body = response.json()
    assert body["statusCode"] == 422 and body["error"] == "Unprocessable Entity"
    assert "property locationId should not exist" in body["message"]
    assert "personality should not be empty" in body["message"]
    assert "mode must be one of the following values: off, suggestive, auto-pilot" in body["message"]


def test_a_body_that_is_not_json_is_400(api):
    response = api.post(AGENTS, data="{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["statusCode"] == 400


def test_the_first_agent_of_a_location_becomes_primary(hl_sandbox):
    hl_sandbox.reseed(locations=1)
    location_id = hl_sandbox.locations[0]["locationId"]
    for agent in hl_sandbox.state.agents_in(location_id):
        hl_sandbox.state.agents.pop(agent["id"])
    api = location_caller(hl_sandbox)
    first = api.post(AGENTS, json=valid_agent(name="First")).json()
    second = api.post(AGENTS, json=valid_agent(name="Second")).json()
    assert first["isPrimary"] is True and second["isPrimary"] is False


def test_making_another_agent_primary_demotes_the_old_one(hl_sandbox, api):
    old = api.get(f"{AGENTS}/{first_agent_id(hl_sandbox)}").json()
    assert old["isPrimary"] is True
    new = api.post(AGENTS, json=valid_agent(isPrimary=True)).json()
    assert new["isPrimary"] is True
    assert api.get(f"{AGENTS}/{old['id']}").json()["isPrimary"] is False


def test_get_agent_includes_its_actions_as_id_and_type(hl_sandbox, api):
    agent_id = first_agent_id(hl_sandbox)
    agent = api.get(f"{AGENTS}/{agent_id}").json()
    expected = [{"id": a["id"], "type": a["type"]} for a in hl_sandbox.state.actions_of(agent_id)]
    assert agent["actions"] == expected and expected
    assert {"personality", "goal", "instructions"} <= set(agent)


def test_update_agent_merges_and_requires_auto_pilot_max_messages(hl_sandbox, api):
    agent_id = first_agent_id(hl_sandbox)
    refused = api.put(f"{AGENTS}/{agent_id}", json={"name": "Renamed"})
    assert refused.status_code == 422
    assert refused.json()["message"] == ["autoPilotMaxMessages should not be empty"]
    response = api.put(f"{AGENTS}/{agent_id}", json={"name": "Renamed", "autoPilotMaxMessages": 12})
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed" and response.json()["autoPilotMaxMessages"] == 12
    assert api.get(f"{AGENTS}/{agent_id}").json()["personality"] == hl_sandbox.state.agents[agent_id]["personality"]


def test_update_checks_a_new_time_against_the_stored_unit(hl_sandbox, api):
    agent_id = first_agent_id(hl_sandbox)
    api.put(f"{AGENTS}/{agent_id}", json={"autoPilotMaxMessages": 10, "waitTime": 3, "waitTimeUnit": "minutes"})
    response = api.put(f"{AGENTS}/{agent_id}", json={"autoPilotMaxMessages": 10, "waitTime": 30})
    assert response.status_code == 422
    assert response.json()["message"] == ["waitTime must not be greater than 5 when waitTimeUnit is minutes"]


def test_a_null_sleep_time_is_stored_and_left_out_of_answers(hl_sandbox, api):
    agent_id = first_agent_id(hl_sandbox)
    response = api.put(f"{AGENTS}/{agent_id}", json={"autoPilotMaxMessages": 10, "sleepTime": None})
    assert response.status_code == 200 and "sleepTime" not in response.json()
    assert hl_sandbox.state.agents[agent_id]["sleepTime"] is None


def test_delete_agent_is_permanent_and_takes_its_actions_and_history(hl_sandbox, api):
    location_id = hl_sandbox.locations[0]["locationId"]
    agent_id = first_agent_id(hl_sandbox)
    response = api.delete(f"{AGENTS}/{agent_id}")
    assert response.status_code == 200 and response.json() == {"success": True, "id": agent_id}
    assert api.get(f"{AGENTS}/{agent_id}").status_code == 404
    assert hl_sandbox.state.actions_of(agent_id) == []
    assert all(hl_sandbox.state.generations[mid]["details"]["agentId"] != agent_id
               for mid in hl_sandbox.state.generation_ids(location_id))
    assert api.delete(f"{AGENTS}/{agent_id}").status_code == 404


@pytest.mark.parametrize("method, path", [
    ("GET", "/conversation-ai/agents/{agent}"),
    ("PUT", "/conversation-ai/agents/{agent}"),
    ("DELETE", "/conversation-ai/agents/{agent}"),
    ("POST", "/conversation-ai/agents/{agent}/actions"),
    ("GET", "/conversation-ai/agents/{agent}/actions/list"),
    ("PATCH", "/conversation-ai/agents/{agent}/followup-settings"),
])
def test_another_locations_agent_is_404_as_if_it_did_not_exist(hl_sandbox, api, method, path):
    foreign_agent = first_agent_id(hl_sandbox, index=1)
    response = api.request(method, path.format(agent=foreign_agent), json={"autoPilotMaxMessages": 5})
    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"
    assert api.request(method, path.format(agent="doesNotExist00000000"), json={}).status_code == 404


# --- search ----------------------------------------------------------------------------------


def _names(response):
    return [agent["name"] for agent in response.json()["agents"]]


def test_search_pages_with_start_after_and_limit(hl_sandbox, api):
    for number in range(7):
        api.post(AGENTS, json=valid_agent(name=f"Pager {number}"))
    everything = api.get(f"{AGENTS}/search", params={"limit": 100}).json()
    total = everything["totalCount"]
    assert total == everything["count"] == len(everything["agents"])
    seen, start_after = [], ""
    while True:
        page = api.get(f"{AGENTS}/search", params={"startAfter": start_after, "limit": 3}).json()
        assert page["totalCount"] == total and page["count"] == len(page["agents"]) <= 3
        if not page["agents"]:
            break
        seen += [agent["id"] for agent in page["agents"]]
        start_after = page["agents"][-1]["id"]
    assert seen == [agent["id"] for agent in everything["agents"]]


def test_search_carries_on_after_a_deleted_agent(api):
    ids = [api.post(AGENTS, json=valid_agent(name=f"Del {n}")).json()["id"] for n in range(3)]
    api.delete(f"{AGENTS}/{ids[0]}")
    page = api.get(f"{AGENTS}/search", params={"startAfter": ids[0], "query": "del"}).json()
    assert [agent["id"] for agent in page["agents"]] == ids[1:]


def test_search_query_is_matched_lower_case_against_the_name(api):
    api.post(AGENTS, json=valid_agent(name="Night Owl Concierge"))
    assert _names(api.get(f"{AGENTS}/search", params={"query": "owl"})) == ["Night Owl Concierge"]
    # The documents ask for a lower-case query: an upper-case one matches nothing, as it would live.
    assert api.get(f"{AGENTS}/search", params={"query": "Owl"}).json()["totalCount"] == 0


def test_search_item_goal_is_an_object_as_the_documents_say(api):
    agent = api.get(f"{AGENTS}/search").json()["agents"][0]
    assert agent["goal"]["type"] == "custom" and isinstance(agent["goal"]["prompt"], str)
    assert "createdAt" in agent and "updatedAt" in agent


@pytest.mark.parametrize("params, message", [
    ({"limit": "0"}, "limit must not be less than 1"),
    ({"limit": "101"}, "limit must not be greater than 100"),
    ({"limit": "many"}, "limit must be a number conforming to the specified constraints"),
    ({"startAfter": "unknownAgentId000000"}, "startAfter must be the id of an agent of this location"),
])
def test_search_refuses_bad_paging(api, params, message):
    response = api.get(f"{AGENTS}/search", params=params)
    assert response.status_code == 422 and response.json()["message"] == [message]


@pytest.mark.parametrize("path", ["/conversation-ai/agents/search", "/conversation-ai/agents/{agent}",
                                  "/conversation-ai/agents/{agent}/actions/list"])
def test_a_location_id_in_the_query_is_422(hl_sandbox, api, path):
    location_id = hl_sandbox.locations[0]["locationId"]
    response = api.get(path.format(agent=first_agent_id(hl_sandbox)), params={"locationId": location_id})
    assert response.status_code == 422
    assert response.json()["message"] == ["property locationId should not exist"]


def test_search_only_sees_the_tokens_location(hl_sandbox, api):
    mine = {agent["id"] for agent in hl_sandbox.state.agents_in(hl_sandbox.locations[0]["locationId"])}
    found = {agent["id"] for agent in api.get(f"{AGENTS}/search", params={"limit": 100}).json()["agents"]}
    assert found == mine


# --- actions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action_type", ACTION_TYPES)
def test_action_lifecycle_for_each_type(hl_sandbox, api, action_type):
    agent_id = first_agent_id(hl_sandbox)
    created = api.post(f"{AGENTS}/{agent_id}/actions", json=valid_action(action_type))
    assert created.status_code == 201
    action = created.json()["data"]
    assert created.json()["success"] is True and action["type"] == action_type and action["agentId"] == agent_id
    path = f"{AGENTS}/{agent_id}/actions/{action['id']}"
    assert api.get(path).json() == {"success": True, "data": action}
    listed = api.get(f"{AGENTS}/{agent_id}/actions/list").json()
    assert listed["success"] is True and action in listed["data"]
    assert {"id": action["id"], "type": action_type} in api.get(f"{AGENTS}/{agent_id}").json()["actions"]
    updated = api.put(path, json=valid_action(action_type, name="Renamed"))
    assert updated.status_code == 200 and updated.json()["data"]["name"] == "Renamed"
    removed = api.delete(path)
    assert removed.status_code == 200 and removed.json() == {"success": True, "data": {"id": action["id"]}}
    assert api.get(path).status_code == 404


def test_an_invalid_action_is_422(hl_sandbox, api):
    agent_id = first_agent_id(hl_sandbox)
    response = api.post(f"{AGENTS}/{agent_id}/actions", json=valid_action("stopBot", stopBotExamples=["bye"]))
    assert response.status_code == 422
    assert response.json()["message"] == ["details.stopBotExamples must contain at least 2 elements"]


def test_an_action_of_another_agent_is_404(hl_sandbox, api):
    agent_id = first_agent_id(hl_sandbox)
    other_agent = api.post(AGENTS, json=valid_agent()).json()["id"]
    action_id = hl_sandbox.state.actions_of(agent_id)[0]["id"]
    assert api.get(f"{AGENTS}/{other_agent}/actions/{action_id}").status_code == 404
    assert api.get(f"{AGENTS}/{agent_id}/actions/{action_id}").status_code == 200


# --- follow-up settings ----------------------------------------------------------------------


def _followup_action(hl_sandbox):
    for agent in hl_sandbox.state.agents_in(hl_sandbox.locations[0]["locationId"]):
        for action in hl_sandbox.state.actions_of(agent["id"]):
            if action["type"] == "advancedFollowup":
                return agent["id"], action["id"]
    raise AssertionError("seeding gives every location an advancedFollowup action")


def test_followup_settings_are_applied_to_the_listed_actions(hl_sandbox, api):
    agent_id, action_id = _followup_action(hl_sandbox)
    body = valid_followup_body([action_id], timezoneToUse="contact", dynamicChannelSwitching=False)
    response = api.patch(f"{AGENTS}/{agent_id}/followup-settings", json=body)
    assert response.status_code == 200
    assert response.json()["success"] is True
    assert response.json()["data"]["details"]["followupSettings"] == body["followupSettings"]
    assert hl_sandbox.state.followup_settings[agent_id] == body["followupSettings"]


def test_followup_settings_refuse_an_action_that_is_not_a_followup_of_the_agent(hl_sandbox, api):
    agent_id, _ = _followup_action(hl_sandbox)
    other = next(a for a in hl_sandbox.state.actions_of(agent_id) if a["type"] != "advancedFollowup")
    response = api.patch(f"{AGENTS}/{agent_id}/followup-settings", json=valid_followup_body([other["id"]]))
    assert response.status_code == 422
    assert response.json()["message"] == ["actionIds.0 must be the id of an advancedFollowup action of this agent"]
    invalid = api.patch(f"{AGENTS}/{agent_id}/followup-settings", json={"actionIds": []})
    assert invalid.status_code == 422 and "followupSettings should not be empty" in invalid.json()["message"]


# --- generations -----------------------------------------------------------------------------


def test_generation_details_for_a_seeded_message(hl_sandbox, api):
    location_id = hl_sandbox.locations[0]["locationId"]
    message_id = hl_sandbox.state.generation_ids(location_id)[0]
    source = hl_sandbox.state.generations[message_id]["source"]
    response = api.get("/conversation-ai/generations", params={"messageId": message_id, "source": source})
    assert response.status_code == 200
    body = response.json()
    assert {"prompt", "responseMessage", "history", "actionLogs", "faqs", "website", "input", "intent", "mode",
            "agentId"} <= set(body)
    wrong_source = "workflow" if source == "conversation" else "conversation"
    assert api.get("/conversation-ai/generations",
                   params={"messageId": message_id, "source": wrong_source}).status_code == 404


def test_generation_details_of_another_location_or_bad_query(hl_sandbox, api):
    foreign = hl_sandbox.state.generation_ids(hl_sandbox.locations[1]["locationId"])[0]
    source = hl_sandbox.state.generations[foreign]["source"]
    assert api.get("/conversation-ai/generations", params={"messageId": foreign, "source": source}).status_code == 404
    response = api.get("/conversation-ai/generations", params={"source": "sms"})
    assert response.status_code == 422 and response.json()["message"] == [
        "messageId should not be empty", "source must be one of the following values: conversation, workflow"]


# --- tokens, scopes, Version ------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "pit-unknown"])
def test_a_missing_or_unknown_token_is_401(hl_sandbox, token):
    response = Caller(hl_sandbox.base_url, token).get(f"{AGENTS}/search")
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


def test_an_expired_token_is_401(hl_sandbox):
    token = hl_sandbox.issue_token(hl_sandbox.locations[0]["locationId"], expired=True)
    assert Caller(hl_sandbox.base_url, token).get(f"{AGENTS}/search").status_code == 401


def test_a_read_only_token_reads_but_cannot_write(hl_sandbox):
    token = hl_sandbox.issue_token(hl_sandbox.locations[0]["locationId"], scopes=["conversation-ai.readonly"])
    api = Caller(hl_sandbox.base_url, token)
    assert api.get(f"{AGENTS}/search").status_code == 200
    response = api.post(AGENTS, json=valid_agent())
    assert response.status_code == 403 and response.json()["error"] == "Forbidden"


def test_a_write_only_token_cannot_read(hl_sandbox):
    token = hl_sandbox.issue_token(hl_sandbox.locations[0]["locationId"], scopes=["conversation-ai.write"])
    api = Caller(hl_sandbox.base_url, token)
    assert api.get(f"{AGENTS}/search").status_code == 403
    assert api.post(AGENTS, json=valid_agent()).status_code == 201


def test_an_agency_token_is_403_on_conversation_ai(hl_sandbox):
    api = Caller(hl_sandbox.base_url, agency_token(hl_sandbox))
    assert api.get(f"{AGENTS}/search").status_code == 403
    assert api.post(AGENTS, json=valid_agent()).status_code == 403


def test_a_missing_version_header_is_400(hl_sandbox):
    api = Caller(hl_sandbox.base_url, hl_sandbox.locations[0]["token"], version=None)
    response = api.get(f"{AGENTS}/search")
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400 and "Version" in response.json()["message"]
    wrong = Caller(hl_sandbox.base_url, hl_sandbox.locations[0]["token"], version="2021-07-28")
    assert wrong.get(f"{AGENTS}/search").status_code == 400


def test_an_unknown_route_is_404(api):
    assert api.get("/conversation-ai/nothing-here").status_code == 404


# --- the sandbox's own endpoints ---------------------------------------------------------------


def test_stats_count_requests_by_method_and_operation_and_writes(hl_sandbox, api):
    api.get(f"{AGENTS}/search")
    api.post(AGENTS, json=valid_agent())
    api.post(AGENTS, json={})  # refused: not a write
    stats = requests.get(f"{hl_sandbox.base_url}/_sandbox/stats", timeout=5).json()
    assert stats["requests"] == {"GET search-agent": 1, "POST create-agent": 2}
    assert stats["by_method"] == {"GET": 1, "POST": 2}
    assert stats["by_op"] == {"search-agent": 1, "create-agent": 2}
    assert stats["writes"] == 1 and stats["total"] == 3
    assert stats == hl_sandbox.stats()


def test_reset_over_http_brings_the_seeded_world_back(hl_sandbox, api):
    created = api.post(AGENTS, json=valid_agent()).json()["id"]
    requests.post(f"{hl_sandbox.base_url}/_sandbox/faults", json={"latency_ms": 5}, timeout=5)
    assert requests.post(f"{hl_sandbox.base_url}/_sandbox/reset", timeout=5).status_code == 200
    assert created not in hl_sandbox.state.agents
    assert hl_sandbox.state.faults.settings.latency_ms == 0
    assert hl_sandbox.stats()["total"] == 0


# --- connections ---------------------------------------------------------------------------------


def test_a_client_that_resets_its_connection_is_not_reported_as_an_error(hl_sandbox, capsys):
    import socket
    import struct
    import time

    sock = socket.create_connection((hl_sandbox.server.host, hl_sandbox.server.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    sock.sendall(b"GET /conversation-ai/agents/search HTTP/1.1\r\nHost: x\r\n")  # half a request
    sock.close()
    time.sleep(0.2)
    assert "Traceback" not in capsys.readouterr().err  # what a killed worker's kept-alive socket does


def test_headers_and_body_arrive_together_on_a_kept_alive_connection(api):
    session = requests.Session()
    for _ in range(2):  # the second answer comes on the same connection: the first was complete
        response = session.get(api.base_url + AGENTS + "/search", headers=api.headers())
        assert response.status_code == 200 and "agents" in response.json()
