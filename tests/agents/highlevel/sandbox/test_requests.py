"""What the sandbox refuses before any operation runs: nulls the contract does not allow, methods
outside it, bodies that are not JSON, broken framing. Each answer in HighLevel's error shape."""
import socket

import pytest

from agents.highlevel.sandbox import server as sandbox_server
from tests.agents.highlevel.sandbox.payloads import valid_action, valid_agent, valid_followup_body

AGENTS = "/conversation-ai/agents"


@pytest.fixture
def agent_id(hl_sandbox):
    return hl_sandbox.state.agents_in(hl_sandbox.locations[0]["locationId"])[0]["id"]


def assert_422(response, message):
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["statusCode"], body["error"]) == (422, "Unprocessable Entity")
    assert isinstance(body["message"], list) and message in body["message"]


# --- null ------------------------------------------------------------------------------------


def test_a_null_mode_is_422_on_create_and_update(api, agent_id):
    message = "mode must be one of the following values: off, suggestive, auto-pilot"
    assert_422(api.post(AGENTS, json=valid_agent(mode=None)), message)
    assert_422(api.put(f"{AGENTS}/{agent_id}", json={"autoPilotMaxMessages": 10, "mode": None}), message)


@pytest.mark.parametrize("field, message", [
    ("businessName", "businessName must be a string"),
    ("channels", "channels must be an array"),
    ("waitTime", "waitTime must be a number conforming to the specified constraints"),
    ("isPrimary", "isPrimary must be a boolean value"),
    ("respondToImages", "respondToImages must be a boolean value"),
    ("knowledgeBaseIds", "knowledgeBaseIds must be an array"),
])
def test_a_null_in_any_typed_agent_field_is_422(api, agent_id, field, message):
    assert_422(api.post(AGENTS, json=valid_agent(**{field: None})), message)
    assert_422(api.put(f"{AGENTS}/{agent_id}", json={"autoPilotMaxMessages": 10, field: None}), message)


def test_a_required_field_sent_null_is_also_empty(api, agent_id):
    response = api.put(f"{AGENTS}/{agent_id}", json={"autoPilotMaxMessages": None})
    assert_422(response, "autoPilotMaxMessages should not be empty")
    assert_422(api.post(AGENTS, json=valid_agent(name=None)), "name should not be empty")


def test_a_null_sleep_time_and_unit_stay_allowed(hl_sandbox, api, agent_id):
    # The document's prose: "Set to null for indefinite sleep".
    created = api.post(AGENTS, json=valid_agent(sleepTime=None, sleepTimeUnit=None))
    assert created.status_code == 201, created.text
    updated = api.put(f"{AGENTS}/{agent_id}", json={"autoPilotMaxMessages": 10, "sleepTime": None,
                                                    "sleepTimeUnit": None})
    assert updated.status_code == 200, updated.text
    assert hl_sandbox.state.agents[agent_id]["sleepTime"] is None


def test_a_null_in_an_action_or_the_followup_settings_is_422(hl_sandbox, api, agent_id):
    action = valid_action("triggerWorkflow", triggerMessage=None)
    assert_422(api.post(f"{AGENTS}/{agent_id}/actions", json=action), "details.triggerMessage must be a string")
    assert_422(api.post(f"{AGENTS}/{agent_id}/actions", json={**valid_action(), "details": None}),
               "details should not be empty")
    body = valid_followup_body(["a1"], timezoneToUse=None)
    assert_422(api.patch(f"{AGENTS}/{agent_id}/followup-settings", json=body),
               "followupSettings.timezoneToUse must be one of the following values: contact, business")


# --- methods ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path, allow", [
    ("TRACE", "/conversation-ai/generations", "GET"),
    ("OPTIONS", f"{AGENTS}", "POST"),
    ("PATCH", f"{AGENTS}/{{agent}}", "DELETE, GET, PUT"),
    ("POST", f"{AGENTS}/{{agent}}/actions/list", "DELETE, GET, PUT"),  # "list" may be an action id
    ("GET", f"{AGENTS}/{{agent}}/followup-settings", "PATCH"),
    ("PROPFIND", f"{AGENTS}/{{agent}}", "DELETE, GET, PUT"),  # no do_PROPFIND: still not a 501
    ("GET", "/oauth/token", "POST"),
])
def test_a_method_outside_the_contract_is_405_with_allow(api, agent_id, method, path, allow):
    response = api.request(method, path.format(agent=agent_id))
    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == allow
    assert response.json() == {"statusCode": 405, "message": f"Cannot {method} {path.format(agent=agent_id)}",
                               "error": "Method Not Allowed"}


def test_head_answers_without_a_body_and_the_connection_stays_usable(api, agent_id):
    import requests

    with requests.Session() as session:
        head = session.head(api.base_url + f"{AGENTS}/{agent_id}", headers=api.headers(), timeout=5)
        assert head.status_code == 405 and head.content == b"" and int(head.headers["Content-Length"]) > 0
        after = session.get(api.base_url + f"{AGENTS}/{agent_id}", headers=api.headers(), timeout=5)
        assert after.status_code == 200 and after.json()["id"] == agent_id


def test_an_unknown_path_is_still_404(api):
    assert api.request("TRACE", "/conversation-ai/nothing-here").status_code == 404


# --- bodies and framing ----------------------------------------------------------------------


def test_a_body_labelled_other_than_json_is_415(api):
    response = api.post(AGENTS, data=b'{"name": "x"}', headers={"Content-Type": "text/plain"})
    assert response.status_code == 415 and response.json()["error"] == "Unsupported Media Type"


def test_an_empty_limit_is_no_number(api):
    assert_422(api.get(f"{AGENTS}/search", params={"limit": ""}),
               "limit must be a number conforming to the specified constraints")
    for limit in ("nan", "inf", "1e999"):
        assert api.get(f"{AGENTS}/search", params={"limit": limit}).status_code == 422


def _raw(hl_sandbox, request: bytes) -> bytes:
    with socket.create_connection((hl_sandbox.server.host, hl_sandbox.server.port), timeout=5) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_broken_content_length_is_400_and_closes_the_connection(hl_sandbox):
    answer = _raw(hl_sandbox, b"GET /conversation-ai/agents/search HTTP/1.1\r\nHost: x\r\nContent-Length: :\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ") and b'"statusCode": 400' in answer


def test_a_body_that_never_arrives_is_408_not_a_thread_held_for_good(hl_sandbox, monkeypatch):
    monkeypatch.setattr(sandbox_server, "BODY_TIMEOUT_SECONDS", 0.2)
    answer = _raw(hl_sandbox, b"PUT /conversation-ai/agents/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{")
    assert answer.startswith(b"HTTP/1.1 408 ") and b'"statusCode": 408' in answer
