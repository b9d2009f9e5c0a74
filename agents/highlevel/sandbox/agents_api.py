"""Agents and generations: 6 of the 12 Conversation AI operations.

The location is always the token's: an agent of another location is answered 404, exactly like
one that does not exist, so a token never learns of other locations' agents.
"""
from __future__ import annotations

import math

from .. import schema
from .protocol import ApiError, ApiRequest, ApiResponse, unprocessable
from .state import SandboxState, now_iso

# An answer carries exactly the fields its documented schema declares, nothing more, whatever
# the sandbox stores. The agent in get/create/update answers (EmployeeResponseDTO), in order: no
# respondToImages or respondToAudio. Create and update take them and the sandbox stores them (a
# test reads them in state.agents), but the service never returns them, so neither does this:
# a client must treat them as write-only (schema.AGENT_WRITE_ONLY_FIELDS).
AGENT_RESPONSE_FIELDS = (
    "id", "name", "businessName", "mode", "channels", "waitTime", "waitTimeUnit", "sleepEnabled",
    "sleepTime", "sleepTimeUnit", "isPrimary", "autoPilotMaxMessages", "goal", "personality",
    "instructions", "knowledgeBaseIds", "sleepOnManualMessage", "sleepOnWorkflowMessage",
)
# A search item (EmployeeListItemDTO) declares fewer fields: no personality or instructions,
# so a caller that wants them must get the agent, as against the live service.
SEARCH_ITEM_FIELDS = (
    "id", "name", "businessName", "mode", "channels", "waitTime", "waitTimeUnit", "sleepEnabled",
    "sleepTime", "sleepTimeUnit", "isPrimary", "autoPilotMaxMessages", "knowledgeBaseIds",
    "sleepOnManualMessage", "sleepOnWorkflowMessage", "createdAt", "updatedAt",
)
AGENT_DEFAULTS = {
    "mode": "off",
    "channels": [],
    "isPrimary": False,
    "waitTime": schema.DEFAULT_WAIT_TIME,
    "waitTimeUnit": schema.DEFAULT_WAIT_TIME_UNIT,
    "sleepEnabled": False,
    "sleepTime": None,
    "sleepTimeUnit": None,
    "autoPilotMaxMessages": schema.DEFAULT_AUTO_PILOT_MAX_MESSAGES,
    "knowledgeBaseIds": [],
    "respondToImages": False,
    "respondToAudio": False,
    "sleepOnManualMessage": False,
    "sleepOnWorkflowMessage": False,
}
SEARCH_DEFAULT_LIMIT = 25
SEARCH_MAX_LIMIT = 100


def _pick(agent: dict, names: tuple) -> dict:
    # A null sleepTime ("sleep indefinitely") is left out rather than sent as null: the documents
    # type it as a plain number, and absent reads the same to a tolerant client.
    return {name: agent[name] for name in names if agent.get(name) is not None}


def agent_response(state: SandboxState, agent: dict) -> dict:
    """A stored agent as get, create and update answer it: EmployeeResponseDTO, nothing more."""
    view = _pick(agent, AGENT_RESPONSE_FIELDS)
    view["actions"] = [{"id": action["id"], "type": action["type"]} for action in state.actions_of(agent["id"])]
    return view


def search_item(state: SandboxState, agent: dict) -> dict:
    """A stored agent as a search page lists it: EmployeeListItemDTO, nothing more."""
    view = _pick(agent, SEARCH_ITEM_FIELDS)
    view["actions"] = [{"id": action["id"], "type": action["type"]} for action in state.actions_of(agent["id"])]
    # The documents type a search item's goal as an object (a string everywhere else); the live
    # service's example is {"prompt", "type", "actionId"}, so the sandbox answers that shape here
    # and readers must accept both.
    view["goal"] = {"prompt": agent.get("goal", ""), "type": "custom", "actionId": None}
    return view


def find_agent(state: SandboxState, request: ApiRequest) -> dict:
    agent = state.agents.get(request.params["agentId"])
    if agent is None or agent["locationId"] != request.token.location_id:
        raise ApiError(404, f"Agent with id {request.params['agentId']} not found")
    return agent


def _make_primary(state: SandboxState, agent: dict) -> None:
    # One primary agent per location.
    for other in state.agents_in(agent["locationId"]):
        other["isPrimary"] = other is agent


def create_agent(state: SandboxState, request: ApiRequest) -> ApiResponse:
    payload = request.json_object()
    errors = schema.validate_agent(payload, partial=False)
    if errors:
        raise unprocessable(errors)
    location_id = request.token.location_id
    with state.lock:
        first_in_location = not state.agents_in(location_id)
        now = now_iso()
        agent = {**AGENT_DEFAULTS, **payload, "id": state.new_id(), "sequence": state.next_sequence(),
                 "locationId": location_id, "createdAt": now, "updatedAt": now}
        state.agents[agent["id"]] = agent
        if first_in_location or agent["isPrimary"]:
            _make_primary(state, agent)
        state.stats.record_write()
        return ApiResponse(201, agent_response(state, agent))


def search_agents(state: SandboxState, request: ApiRequest) -> ApiResponse:
    limit = _search_limit(request.query.get("limit"))
    # The documents ask callers for a lower-case query; it is matched as given against the
    # lower-cased name, so an upper-case query finds nothing, as it would live.
    query = request.query.get("query") or ""
    start_after = request.query.get("startAfter") or ""
    with state.lock:
        matches = [agent for agent in state.agents_in(request.token.location_id) if query in agent["name"].lower()]
        if start_after:
            after = _sequence_of(state, start_after, request.token.location_id)
            remaining = [agent for agent in matches if agent["sequence"] > after]
        else:
            remaining = matches
        page = remaining[:limit]
        return ApiResponse(200, {
            "agents": [search_item(state, agent) for agent in page],
            "totalCount": len(matches),
            "count": len(page),
        })


def _search_limit(raw: str | None) -> int:
    if raw is None:
        return SEARCH_DEFAULT_LIMIT
    try:
        limit = float(raw)  # "limit=" is no number either: refused, not read as absent
    except ValueError:
        raise unprocessable(["limit must be a number conforming to the specified constraints"]) from None
    if not math.isfinite(limit) or limit < 1 or limit != int(limit):
        raise unprocessable(["limit must not be less than 1"])
    if limit > SEARCH_MAX_LIMIT:
        raise unprocessable([f"limit must not be greater than {SEARCH_MAX_LIMIT}"])
    return int(limit)


def _sequence_of(state: SandboxState, agent_id: str, location_id: str) -> int:
    agent = state.agents.get(agent_id)
    if agent is not None and agent["locationId"] == location_id:
        return agent["sequence"]
    if agent_id in state.deleted_agent_sequence:
        return state.deleted_agent_sequence[agent_id]
    raise unprocessable(["startAfter must be the id of an agent of this location"])


def get_agent(state: SandboxState, request: ApiRequest) -> ApiResponse:
    with state.lock:
        return ApiResponse(200, agent_response(state, find_agent(state, request)))


def update_agent(state: SandboxState, request: ApiRequest) -> ApiResponse:
    payload = request.json_object()
    with state.lock:
        agent = find_agent(state, request)
        errors = schema.validate_agent(payload, partial=True)
        if not errors:
            # A new time checked against the stored unit (or a new unit against the stored time).
            merged = {**agent, **payload}
            merged_times = {key: merged[key] for key in ("waitTime", "waitTimeUnit", "sleepTime", "sleepTimeUnit",
                                                         "autoPilotMaxMessages") if merged.get(key) is not None}
            errors = schema.validate_agent(merged_times, partial=True)
        if errors:
            raise unprocessable(errors)
        agent.update(payload)
        agent["updatedAt"] = now_iso()
        if payload.get("isPrimary") is True:
            _make_primary(state, agent)
        state.stats.record_write()
        return ApiResponse(200, agent_response(state, agent))


def delete_agent(state: SandboxState, request: ApiRequest) -> ApiResponse:
    with state.lock:
        agent = find_agent(state, request)
        del state.agents[agent["id"]]
        state.deleted_agent_sequence[agent["id"]] = agent["sequence"]
        # Permanent, and it takes the agent's actions, settings and history with it.
        for action in state.actions_of(agent["id"]):
            del state.actions[action["id"]]
        state.followup_settings.pop(agent["id"], None)
        for message_id, generation in list(state.generations.items()):
            if generation["details"].get("agentId") == agent["id"]:
                del state.generations[message_id]
        state.stats.record_write()
        return ApiResponse(200, {"success": True, "id": agent["id"]})


def get_generation_details(state: SandboxState, request: ApiRequest) -> ApiResponse:
    message_id = request.query.get("messageId") or ""
    source = request.query.get("source") or ""
    errors = []
    if not message_id:
        errors.append("messageId should not be empty")
    if source not in ("conversation", "workflow"):
        errors.append("source must be one of the following values: conversation, workflow")
    if errors:
        raise unprocessable(errors)
    with state.lock:
        generation = state.generations.get(message_id)
        if (generation is None or generation["locationId"] != request.token.location_id
                or generation["source"] != source):
            raise ApiError(404, f"No generation found for message {message_id}")
        return ApiResponse(200, dict(generation["details"]))
