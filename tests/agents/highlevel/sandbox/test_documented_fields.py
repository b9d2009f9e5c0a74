"""Every answer carries only the fields its documented schema declares, at every depth.

openapi-core (test_contract.py) checks that answers match their schemas, but the documents never
forbid extra properties, so a field the service does not return would pass there. Here each of
the 12 operations answers once, and each object whose schema declares properties may hold only
those (or the ones it requires). Above all: the agent answers lack respondToImages and
respondToAudio, which create and update accept, and the sandbox still stores what was written.
"""
import functools
import json

import pytest
from django.conf import settings

from agents.highlevel.schema import ACTION_TYPES
from tests.agents.highlevel.sandbox.payloads import valid_action, valid_agent, valid_followup_body

AGENTS = "/conversation-ai/agents"


@functools.cache
def document() -> dict:
    return json.loads((settings.HIGHLEVEL_OPENAPI_DIR / "apps" / "conversation-ai.json").read_text())


def answer_schema(operation_id: str, status: int) -> dict:
    for operations in document()["paths"].values():
        for operation in operations.values():
            if operation.get("operationId") == operation_id:
                return operation["responses"][str(status)]["content"]["application/json"]["schema"]
    raise LookupError(operation_id)


def resolve(node: dict) -> dict:
    while "$ref" in node:  # the answers of 2xx only $ref this document's own components
        node = document()["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node:
        parts = [resolve(part) for part in node["allOf"]]
        return {"properties": {k: v for part in parts for k, v in part.get("properties", {}).items()},
                "required": [name for part in parts for name in part.get("required", [])]}
    return node


def undocumented(value, node: dict, path: str = "") -> list[str]:
    """The paths of the fields in `value` that its schema does not declare."""
    node = resolve(node)
    if "oneOf" in node or "anyOf" in node:
        # Documented if it is documented by at least one of the alternatives.
        found = [undocumented(value, branch, path) for branch in node.get("oneOf", node.get("anyOf"))]
        return min(found, key=len)
    if isinstance(value, dict) and "properties" in node:
        # `required` counts as declared too: updateContactFieldDto requires a description it does
        # not list among its properties.
        declared = set(node["properties"]) | set(node.get("required", ()))
        extra = [f"{path}{key}" for key in value if key not in declared]
        for key, item in value.items():
            if key in node["properties"]:
                extra += undocumented(item, node["properties"][key], f"{path}{key}.")
        return extra
    if isinstance(value, list) and "items" in node:
        return [extra for index, item in enumerate(value)
                for extra in undocumented(item, node["items"], f"{path}{index}.")]
    return []


@pytest.fixture
def ids(hl_sandbox):
    location_id = hl_sandbox.locations[0]["locationId"]
    state = hl_sandbox.state
    followup = next(action for agent in state.agents_in(location_id) for action in state.actions_of(agent["id"])
                    if action["type"] == "advancedFollowup")
    agent_id = followup["agentId"]
    message_id = state.generation_ids(location_id)[0]
    return {"agent": agent_id, "action": state.actions_of(agent_id)[0]["id"], "followup": followup["id"],
            "message": message_id, "source": state.generations[message_id]["source"]}


CALLS = {
    "create-agent": lambda api, ids: api.post(AGENTS, json=valid_agent()),
    "search-agent": lambda api, ids: api.get(f"{AGENTS}/search"),
    "get-agent": lambda api, ids: api.get(f"{AGENTS}/{ids['agent']}"),
    "update-agent": lambda api, ids: api.put(f"{AGENTS}/{ids['agent']}", json={
        "autoPilotMaxMessages": 20, "respondToImages": True, "respondToAudio": True}),
    "delete-agent": lambda api, ids: api.delete(f"{AGENTS}/{ids['agent']}"),
    "create-action": lambda api, ids: api.post(f"{AGENTS}/{ids['agent']}/actions", json=valid_action("stopBot")),
    "list-actions": lambda api, ids: api.get(f"{AGENTS}/{ids['agent']}/actions/list"),
    "get-action-by-id": lambda api, ids: api.get(f"{AGENTS}/{ids['agent']}/actions/{ids['action']}"),
    "update-action": lambda api, ids: api.put(f"{AGENTS}/{ids['agent']}/actions/{ids['action']}",
                                              json=valid_action("updateContactField")),
    "delete-action": lambda api, ids: api.delete(f"{AGENTS}/{ids['agent']}/actions/{ids['action']}"),
    "update-followup-settings": lambda api, ids: api.patch(f"{AGENTS}/{ids['agent']}/followup-settings",
                                                           json=valid_followup_body([ids["followup"]])),
    "get-generation-details": lambda api, ids: api.get("/conversation-ai/generations",
                                                       params={"messageId": ids["message"], "source": ids["source"]}),
}


def test_the_calls_cover_the_12_operations():
    documented = {op["operationId"] for ops in document()["paths"].values() for op in ops.values()}
    assert set(CALLS) == documented and len(CALLS) == 12


@pytest.mark.parametrize("operation_id", sorted(CALLS))
def test_an_answer_holds_only_documented_fields(api, ids, operation_id):
    response = CALLS[operation_id](api, ids)
    assert 200 <= response.status_code < 300, response.text
    assert undocumented(response.json(), answer_schema(operation_id, response.status_code)) == []


@pytest.mark.parametrize("action_type", ACTION_TYPES)
def test_an_action_of_each_type_holds_only_documented_fields(api, ids, action_type):
    response = api.post(f"{AGENTS}/{ids['agent']}/actions", json=valid_action(action_type))
    assert undocumented(response.json(), answer_schema("create-action", 201)) == []


def test_the_write_only_agent_fields_are_stored_but_never_answered(hl_sandbox, api, ids):
    created = api.post(AGENTS, json=valid_agent(respondToImages=True, respondToAudio=True))
    updated = api.put(f"{AGENTS}/{ids['agent']}", json={"autoPilotMaxMessages": 20, "respondToImages": True,
                                                        "respondToAudio": True})
    got = api.get(f"{AGENTS}/{ids['agent']}")
    listed = api.get(f"{AGENTS}/search", params={"limit": 100}).json()["agents"]
    for answer in (created.json(), updated.json(), got.json(), *listed):
        assert "respondToImages" not in answer and "respondToAudio" not in answer
    for agent_id in (created.json()["id"], ids["agent"]):
        stored = hl_sandbox.state.agents[agent_id]
        assert stored["respondToImages"] is True and stored["respondToAudio"] is True


def test_the_checker_finds_an_undeclared_field():
    agent = {"id": "a", "name": "n", "respondToImages": True, "actions": [{"id": "x", "type": "stopBot", "extra": 1}]}
    assert undocumented(agent, answer_schema("get-agent", 200)) == ["respondToImages", "actions.0.extra"]
    action = {"success": True, "data": {"id": "x", "name": "n", "type": "stopBot", "details": {"bogus": 1}}}
    assert undocumented(action, answer_schema("create-action", 201)) == ["data.details.bogus"]
