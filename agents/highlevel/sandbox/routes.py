"""The operations the sandbox answers, and the checks every request passes on its way to one.

`handle(state, request)` is the whole service without HTTP: rate limit, faults, the Version
header, the token and its scopes, then the operation. server.py only moves bytes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from . import actions_api, agents_api, oauth_api
from .protocol import ApiError, ApiRequest, ApiResponse, unprocessable
from .state import LOCATIONS_READ_SCOPE, READ_SCOPE, WRITE_SCOPE, SandboxState

CAI_VERSION = "2021-04-15"
OAUTH_VERSION = "2021-07-28"


@dataclass(frozen=True)
class Route:
    op: str                    # the operationId in the official documents
    method: str
    pattern: re.Pattern
    handler: Callable[[SandboxState, ApiRequest], ApiResponse]
    token_kind: str | None     # "location", "agency", "any", or None: no bearer token (client credentials)
    scope: str | None
    version: str | None        # the Version header it requires, if any
    is_create: bool = False    # a create whose answer the drop_create fault may lose
    # The query parameters it takes; None: any. Conversation AI refuses others (locationId
    # above all: the token names the location), as NestJS's whitelisting does.
    query_params: frozenset | None = frozenset()


def _route(op, method, path, handler, token_kind, scope, version, is_create=False, query=()) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    query_params = frozenset(query) if path.startswith("/conversation-ai/") else None
    return Route(op, method, re.compile(f"^{regex}$"), handler, token_kind, scope, version, is_create, query_params)


AGENTS = "/conversation-ai/agents"
ROUTES = (
    # search before /{agentId}, or "search" would be taken for an agent id.
    _route("search-agent", "GET", f"{AGENTS}/search", agents_api.search_agents, "location", READ_SCOPE, CAI_VERSION,
           query=("startAfter", "limit", "query")),
    _route("create-agent", "POST", AGENTS, agents_api.create_agent, "location", WRITE_SCOPE, CAI_VERSION, True),
    _route("get-agent", "GET", f"{AGENTS}/{{agentId}}", agents_api.get_agent, "location", READ_SCOPE, CAI_VERSION),
    _route("update-agent", "PUT", f"{AGENTS}/{{agentId}}", agents_api.update_agent, "location", WRITE_SCOPE, CAI_VERSION),
    _route("delete-agent", "DELETE", f"{AGENTS}/{{agentId}}", agents_api.delete_agent, "location", WRITE_SCOPE,
           CAI_VERSION),
    _route("create-action", "POST", f"{AGENTS}/{{agentId}}/actions", actions_api.create_action, "location",
           WRITE_SCOPE, CAI_VERSION, True),
    _route("list-actions", "GET", f"{AGENTS}/{{agentId}}/actions/list", actions_api.list_actions, "location",
           READ_SCOPE, CAI_VERSION),
    _route("get-action-by-id", "GET", f"{AGENTS}/{{agentId}}/actions/{{actionId}}", actions_api.get_action,
           "location", READ_SCOPE, CAI_VERSION),
    _route("update-action", "PUT", f"{AGENTS}/{{agentId}}/actions/{{actionId}}", actions_api.update_action,
           "location", WRITE_SCOPE, CAI_VERSION),
    _route("delete-action", "DELETE", f"{AGENTS}/{{agentId}}/actions/{{actionId}}", actions_api.delete_action,
           "location", WRITE_SCOPE, CAI_VERSION),
    _route("update-followup-settings", "PATCH", f"{AGENTS}/{{agentId}}/followup-settings",
           actions_api.update_followup_settings, "location", WRITE_SCOPE, CAI_VERSION),
    _route("get-generation-details", "GET", "/conversation-ai/generations", agents_api.get_generation_details,
           "location", READ_SCOPE, CAI_VERSION, query=("messageId", "source")),
    # /oauth/token authenticates with the client id and secret in its body, and declares no Version.
    _route("get-access-token", "POST", "/oauth/token", oauth_api.get_access_token, None, None, None),
    _route("get-location-access-token", "POST", "/oauth/locationToken", oauth_api.get_location_access_token,
           "agency", "oauth.write", OAUTH_VERSION),
    _route("get-installed-location", "GET", "/oauth/installedLocations", oauth_api.get_installed_locations,
           "agency", "oauth.readonly", OAUTH_VERSION),
    _route("get-location", "GET", "/locations/{locationId}", oauth_api.get_location, "any", LOCATIONS_READ_SCOPE,
           OAUTH_VERSION),
)
OPERATION_IDS = tuple(route.op for route in ROUTES)


def match(method: str, path: str) -> tuple[Route | None, dict]:
    for route in ROUTES:
        found = route.pattern.match(path)
        if found and route.method == method:
            return route, found.groupdict()
    return None, {}


def allowed_methods(path: str) -> list[str]:
    """The methods the contract gives this path, for a 405's Allow header (empty: no such path)."""
    return sorted({route.method for route in ROUTES if route.pattern.match(path)})


def bearer_token(request: ApiRequest) -> str | None:
    header = request.header("authorization") or ""
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def handle(state: SandboxState, request: ApiRequest) -> ApiResponse:
    route, request.params = match(request.method, request.path)
    op = route.op if route else "unknown"
    world = state.world_version
    response = _answer(state, route, request, world)
    if response is None:  # abandoned by a reset while it waited: not part of the new world's stats
        return ApiResponse(0, drop_connection=True)
    state.stats.record(request.method, op, None if response.drop_connection else response.status)
    return response


def _answer(state: SandboxState, route: Route | None, request: ApiRequest, world: int) -> ApiResponse | None:
    request.token = state.token(bearer_token(request))
    verdict = state.rate_limiter.check(_bucket(request), force_limited=state.faults.take_rate_limit_burst())
    try:
        if not verdict.allowed:
            raise ApiError(429, "Too many requests, please slow down")
        state.faults.delay()
        if state.faults.should_hang():
            state.faults.hang()
        if state.world_version != world:
            return None
        if state.faults.should_error():
            raise ApiError(state.faults.settings.error_status, "Internal server error (injected by the sandbox)")
        if route is None:
            # A method outside the contract on one of its paths (TRACE, OPTIONS, PATCH of an agent)
            # is refused as such, saying what the path takes; only unknown paths are 404.
            allowed = allowed_methods(request.path)
            if allowed:
                raise ApiError(405, f"Cannot {request.method} {request.path}", headers={"Allow": ", ".join(allowed)})
            raise ApiError(404, f"Cannot {request.method} {request.path}")
        _check_version(route, request)
        _check_token(route, request)
        _check_query(route, request)
        response = route.handler(state, request)
        if route.is_create and 200 <= response.status < 300 and state.faults.should_drop_create():
            response.drop_connection = True
    except ApiError as error:
        response = ApiResponse(error.status, error.body(), headers=dict(error.headers))
    response.headers.update(verdict.headers)
    return response


def _bucket(request: ApiRequest) -> str:
    # Limits are per location (or per company for agency calls), never pooled.
    token = request.token
    if token is None:
        return "anonymous"
    return f"location:{token.location_id}" if token.location_id else f"company:{token.company_id}"


def _check_version(route: Route, request: ApiRequest) -> None:
    if route.version is None:
        return
    version = request.header("version")
    if not version:
        raise ApiError(400, "Version header is missing")
    if version != route.version:
        raise ApiError(400, f"Version header must be {route.version} for this operation")


def _check_query(route: Route, request: ApiRequest) -> None:
    if route.query_params is None:
        return
    unknown = [f"property {name} should not exist" for name in request.query if name not in route.query_params]
    if unknown:
        raise unprocessable(unknown)


def _check_token(route: Route, request: ApiRequest) -> None:
    if route.token_kind is None:
        return
    token = request.token
    if token is None:
        raise ApiError(401, "Invalid token: access token is invalid")
    if token.is_expired():
        raise ApiError(401, "Invalid JWT: access token has expired")
    if route.token_kind != "any" and token.kind != route.token_kind:
        # e.g. an agency token on Conversation AI: it must be exchanged for a location token first.
        raise ApiError(403, f"This route needs a {route.token_kind} token; a {token.kind} token is not allowed")
    if route.scope and route.scope not in token.scopes:
        raise ApiError(403, f"The token is not authorized for this scope: {route.scope}")
