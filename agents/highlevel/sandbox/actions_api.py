"""Actions and follow-up settings: the other 6 Conversation AI operations."""
from __future__ import annotations

import copy

from .. import schema
from .agents_api import find_agent
from .protocol import ApiError, ApiRequest, ApiResponse, unprocessable
from .state import SandboxState


def action_response(action: dict) -> dict:
    return {key: copy.deepcopy(action[key]) for key in ("id", "name", "type", "agentId", "details")}


def _find_action(state: SandboxState, request: ApiRequest, agent: dict) -> dict:
    action = state.actions.get(request.params["actionId"])
    if action is None or action["agentId"] != agent["id"]:
        raise ApiError(404, f"Action with id {request.params['actionId']} not found")
    return action


def _validated_action(request: ApiRequest) -> dict:
    payload = request.json_object()
    errors = schema.validate_action(payload)
    if errors:
        raise unprocessable(errors)
    return payload


def create_action(state: SandboxState, request: ApiRequest) -> ApiResponse:
    with state.lock:
        agent = find_agent(state, request)
        payload = _validated_action(request)
        action = {"id": state.new_id(), "name": payload["name"], "type": payload["type"],
                  "agentId": agent["id"], "details": copy.deepcopy(payload["details"])}
        state.actions[action["id"]] = action
        state.stats.record_write()
        return ApiResponse(201, {"success": True, "data": action_response(action)})


def list_actions(state: SandboxState, request: ApiRequest) -> ApiResponse:
    with state.lock:
        agent = find_agent(state, request)
        return ApiResponse(200, {"success": True, "data": [action_response(a) for a in state.actions_of(agent["id"])]})


def get_action(state: SandboxState, request: ApiRequest) -> ApiResponse:
    with state.lock:
        action = _find_action(state, request, find_agent(state, request))
        return ApiResponse(200, {"success": True, "data": action_response(action)})


def update_action(state: SandboxState, request: ApiRequest) -> ApiResponse:
    # The body is the whole action (CreateActionDTO): it replaces name, type and details.
    with state.lock:
        action = _find_action(state, request, find_agent(state, request))
        payload = _validated_action(request)
        action.update(name=payload["name"], type=payload["type"], details=copy.deepcopy(payload["details"]))
        state.stats.record_write()
        return ApiResponse(200, {"success": True, "data": action_response(action)})


def delete_action(state: SandboxState, request: ApiRequest) -> ApiResponse:
    with state.lock:
        action = _find_action(state, request, find_agent(state, request))
        del state.actions[action["id"]]
        state.stats.record_write()
        return ApiResponse(200, {"success": True, "data": {"id": action["id"]}})


def update_followup_settings(state: SandboxState, request: ApiRequest) -> ApiResponse:
    """Apply the settings to the agent's listed advancedFollowup actions.

    The documents answer this with a single action (updateActionResponseDTO), so the sandbox
    answers with the first listed action, its details now carrying the new followupSettings.
    """
    with state.lock:
        agent = find_agent(state, request)
        payload = request.json_object()
        errors = schema.validate_followup_settings(payload)
        if errors:
            raise unprocessable(errors)
        actions = []
        for index, action_id in enumerate(payload["actionIds"]):
            action = state.actions.get(action_id)
            if action is None or action["agentId"] != agent["id"] or action["type"] != "advancedFollowup":
                errors.append(f"actionIds.{index} must be the id of an advancedFollowup action of this agent")
            else:
                actions.append(action)
        if errors:
            raise unprocessable(errors)
        settings = copy.deepcopy(payload["followupSettings"])
        for action in actions:
            action["details"]["followupSettings"] = copy.deepcopy(settings)
        state.followup_settings[agent["id"]] = settings
        state.stats.record_write()
        return ApiResponse(200, {"success": True, "data": action_response(actions[0])})
