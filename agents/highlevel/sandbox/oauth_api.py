"""OAuth (token refresh, agency-to-location exchange, installed locations) and get-location."""
from __future__ import annotations

from . import install_api
from .protocol import ApiError, ApiRequest, ApiResponse, require_fields, unprocessable
from .state import (
    ACCESS_TOKEN_LIFETIME_SECONDS, AGENCY_TOKEN_SCOPES, LOCATION_TOKEN_SCOPES, SandboxState,
)

INSTALLED_LOCATIONS_DEFAULT_LIMIT = 20
PLAN_ID = "sandbox-plan"


def _scope_string(scopes) -> str:
    return " ".join(sorted(scopes))


def get_access_token(state: SandboxState, request: ApiRequest) -> ApiResponse:
    """grant_type=authorization_code (install_api.exchange_code) or refresh_token.

    Refresh tokens ROTATE: the one used stops working at once.
    """
    form = request.form()
    require_fields(form, "client_id", "client_secret", "grant_type")
    if form["grant_type"] not in ("authorization_code", "refresh_token"):
        raise unprocessable(["grant_type must be authorization_code or refresh_token (the sandbox supports no other)"])
    require_fields(form, "code" if form["grant_type"] == "authorization_code" else "refresh_token")
    with state.lock:
        agency = state.agency
        if form["client_id"] != agency["clientId"] or form["client_secret"] != agency["clientSecret"]:
            raise ApiError(401, "Invalid client: client_id or client_secret is wrong")
        if form["grant_type"] == "authorization_code":
            return ApiResponse(200, install_api.exchange_code(state, form))
        if form["refresh_token"] in state.location_refresh_tokens:
            return ApiResponse(200, _refreshed_location_token(state, form["refresh_token"]))
        company_id = state.refresh_tokens.pop(form["refresh_token"], None)
        if company_id is None:
            raise ApiError(401, "Invalid grant: refresh token is invalid")
        new_refresh_token = "sbx-refresh-" + state.new_id(40)
        state.refresh_tokens[new_refresh_token] = company_id
        access_token = state.issue_token(kind="agency", expires_in=ACCESS_TOKEN_LIFETIME_SECONDS)
        return ApiResponse(200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
            "refresh_token": new_refresh_token,
            "scope": _scope_string(AGENCY_TOKEN_SCOPES),
            "userType": "Company",
            "companyId": company_id,
            "userId": agency["userId"],
            "planId": PLAN_ID,
            "isBulkInstallation": True,
            "approveAllLocations": True,
            "installToFutureLocations": True,
        })


def _refreshed_location_token(state: SandboxState, refresh_token: str) -> dict:
    """A sub-account install's refresh: a new location token and a new refresh token."""
    location_id = state.location_refresh_tokens.pop(refresh_token)
    if location_id not in state.installed:
        raise ApiError(401, "Invalid grant: the app was uninstalled from this location")
    return location_token_answer(state, location_id, state.agency["companyId"])


def location_token_answer(state: SandboxState, location_id: str, company_id: str) -> dict:
    """A Location token's answer, with a new rotating refresh token (refresh and code exchange alike)."""
    refresh_token = "sbx-refresh-" + state.new_id(40)
    state.location_refresh_tokens[refresh_token] = location_id
    return {
        "access_token": state.issue_token(location_id, expires_in=ACCESS_TOKEN_LIFETIME_SECONDS),
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
        "refresh_token": refresh_token,
        "scope": _scope_string(LOCATION_TOKEN_SCOPES),
        "userType": "Location",
        "companyId": company_id,
        "locationId": location_id,
        "userId": state.agency["userId"],
        "planId": PLAN_ID,
    }


def get_location_access_token(state: SandboxState, request: ApiRequest) -> ApiResponse:
    form = request.form()
    require_fields(form, "companyId", "locationId")
    with state.lock:
        if form["companyId"] != request.token.company_id:
            raise ApiError(400, "companyId does not match the agency token")
        location = state.locations.get(form["locationId"])
        if location is None or location["companyId"] != form["companyId"] or location["id"] not in state.installed:
            raise ApiError(400, "Location not found or the app is not installed there")
        access_token = state.issue_token(location["id"], expires_in=ACCESS_TOKEN_LIFETIME_SECONDS)
        return ApiResponse(200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
            "scope": _scope_string(LOCATION_TOKEN_SCOPES),
            "locationId": location["id"],
            "userId": state.agency["userId"],
            "planId": PLAN_ID,
            "appId": state.agency["appId"],
        })


def get_installed_locations(state: SandboxState, request: ApiRequest) -> ApiResponse:
    query = request.query
    require_fields(query, "companyId", "appId")
    if query["companyId"] != request.token.company_id:
        raise ApiError(400, "companyId does not match the agency token")
    if query["appId"] != state.agency["appId"]:
        raise ApiError(400, "appId does not match the installed app")
    skip = _non_negative_int(query.get("skip"), "skip", default=0)
    limit = _non_negative_int(query.get("limit"), "limit", default=INSTALLED_LOCATIONS_DEFAULT_LIMIT)
    name_query = (query.get("query") or "").lower()
    with state.lock:
        wanted = {"true": True, "false": False}.get(query.get("isInstalled"))  # absent: both
        matches = [
            location for location in state.locations.values()
            if name_query in location["name"].lower()
            and query.get("locationId") in (None, "", location["id"])
            and wanted in (None, location["id"] in state.installed)
            and location["id"] not in state.unlisted_installs
        ]
        return ApiResponse(200, {
            "locations": [_installed_location(state, location) for location in matches[skip:skip + limit]],
            "count": len(matches),
            "installToFutureLocations": state.install_to_future_locations,
        })


def _installed_location(state: SandboxState, location: dict) -> dict:
    row = {"_id": location["id"], "name": location["name"], "address": _full_address(location),
           "isInstalled": location["id"] in state.installed}
    if row["isInstalled"]:
        row["installedAt"] = state.installed[location["id"]]
    return row


def _non_negative_int(raw: str | None, name: str, *, default: int) -> int:
    if raw in (None, ""):
        return default
    if not raw.isdigit():
        raise unprocessable([f"{name} must be a number string"])
    return int(raw)


def _full_address(location: dict) -> str:
    return f"{location['address']}, {location['city']}, {location['state']} {location['postalCode']}, {location['country']}"


def get_location(state: SandboxState, request: ApiRequest) -> ApiResponse:
    token = request.token
    location_id = request.params["locationId"]
    with state.lock:
        location = state.locations.get(location_id)
        if token.kind == "location" and token.location_id != location_id:
            raise ApiError(403, "The token does not have access to this location")
        if location is None:
            raise ApiError(404, f"Location {location_id} not found")
        if location["companyId"] != token.company_id:
            raise ApiError(403, "The token does not have access to this location")
        fields = ("id", "companyId", "name", "address", "city", "state", "country", "postalCode",
                  "website", "timezone", "email", "phone")
        body = {name: location[name] for name in fields}
        body["business"] = {
            "name": location["name"].split(" — ")[0],
            **{name: location[name] for name in ("address", "city", "state", "country", "postalCode",
                                                 "website", "timezone")},
        }
        body["social"] = {}
        body["settings"] = {"allowDuplicateContact": False, "allowDuplicateOpportunity": False,
                            "allowFacebookNameMerge": False, "disableContactTimezone": False}
        return ApiResponse(200, {"location": body})
