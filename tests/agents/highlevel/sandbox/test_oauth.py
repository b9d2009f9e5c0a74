"""OAuth: rotating refresh tokens, agency-to-location exchange, installed locations, get location."""
import pytest
import requests

from tests.agents.highlevel.sandbox.calls import OAUTH_VERSION, TIMEOUT, Caller, agency_token

CONVERSATION_AI_SCOPES = {"conversation-ai.readonly", "conversation-ai.write"}


def refresh(hl_sandbox, token, **overrides):
    agency = hl_sandbox.agency
    form = {"grant_type": "refresh_token", "client_id": agency["clientId"], "client_secret": agency["clientSecret"],
            "refresh_token": token, **overrides}
    return requests.post(f"{hl_sandbox.base_url}/oauth/token", data=form, timeout=TIMEOUT)


def agency_caller(hl_sandbox, token=None):
    return Caller(hl_sandbox.base_url, token or agency_token(hl_sandbox), version=OAUTH_VERSION)


def test_refresh_rotates_the_refresh_token(hl_sandbox):
    original = hl_sandbox.agency["refreshToken"]
    first = refresh(hl_sandbox, original)
    assert first.status_code == 200
    body = first.json()
    assert body["refresh_token"] != original and body["access_token"]
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86399 and body["userType"] == "Company"
    assert body["companyId"] == hl_sandbox.agency["companyId"]
    # The old one stops working at once; the new one works (once).
    stale = refresh(hl_sandbox, original)
    assert stale.status_code == 401 and "refresh token is invalid" in stale.json()["message"]
    assert refresh(hl_sandbox, body["refresh_token"]).status_code == 200
    assert refresh(hl_sandbox, body["refresh_token"]).status_code == 401


def test_the_agency_summary_keeps_the_seeded_refresh_token_as_the_tokens_file_does(hl_sandbox):
    seeded = hl_sandbox.agency["refreshToken"]
    assert hl_sandbox.state.current_refresh_token() == seeded
    new = refresh(hl_sandbox, seeded).json()["refresh_token"]
    assert hl_sandbox.agency["refreshToken"] == seeded
    assert hl_sandbox.state.current_refresh_token() == new


@pytest.mark.parametrize("overrides, status", [
    ({"client_secret": "wrong"}, 401),
    ({"client_id": "wrong"}, 401),
    ({"grant_type": "authorization_code"}, 422),
    ({"client_id": ""}, 422),
    ({"refresh_token": ""}, 422),
])
def test_refresh_refusals(hl_sandbox, overrides, status):
    response = refresh(hl_sandbox, hl_sandbox.agency["refreshToken"], **overrides)
    assert response.status_code == status
    # A refused refresh does not burn the refresh token.
    assert refresh(hl_sandbox, hl_sandbox.agency["refreshToken"]).status_code == 200


def test_refresh_needs_no_version_header_nor_bearer(hl_sandbox):
    assert refresh(hl_sandbox, hl_sandbox.agency["refreshToken"]).status_code == 200


def test_agency_token_exchanged_for_a_location_token_with_full_conversation_ai_scopes(hl_sandbox):
    location = hl_sandbox.locations[1]
    response = agency_caller(hl_sandbox).post("/oauth/locationToken", data={
        "companyId": hl_sandbox.agency["companyId"], "locationId": location["locationId"]})
    assert response.status_code == 200
    body = response.json()
    assert body["locationId"] == location["locationId"] and body["expires_in"] == 86399
    assert CONVERSATION_AI_SCOPES <= set(body["scope"].split())
    api = Caller(hl_sandbox.base_url, body["access_token"])
    assert api.get("/conversation-ai/agents/search").status_code == 200
    assert api.post("/conversation-ai/agents", json={"name": "n", "personality": "p", "goal": "g",
                                                     "instructions": "i"}).status_code == 201
    created_in = [a["locationId"] for a in hl_sandbox.state.agents.values() if a["name"] == "n"]
    assert created_in == [location["locationId"]]


def test_location_token_refusals(hl_sandbox):
    agency = agency_caller(hl_sandbox)
    company = hl_sandbox.agency["companyId"]
    location_id = hl_sandbox.locations[0]["locationId"]
    assert agency.post("/oauth/locationToken", data={"companyId": company}).status_code == 422
    assert agency.post("/oauth/locationToken", data={"companyId": company, "locationId": "nope"}).status_code == 400
    assert agency.post("/oauth/locationToken", data={"companyId": "other", "locationId": location_id}).status_code == 400
    with_location_token = Caller(hl_sandbox.base_url, hl_sandbox.locations[0]["token"], version=OAUTH_VERSION)
    assert with_location_token.post("/oauth/locationToken", data={
        "companyId": company, "locationId": location_id}).status_code == 403
    no_version = Caller(hl_sandbox.base_url, agency.token, version=None)
    assert no_version.post("/oauth/locationToken", data={
        "companyId": company, "locationId": location_id}).status_code == 400
    expired = Caller(hl_sandbox.base_url, hl_sandbox.issue_token(expired=True), version=OAUTH_VERSION)
    assert expired.post("/oauth/locationToken", data={"companyId": company, "locationId": location_id}).status_code == 401


def test_installed_locations_lists_the_seeded_locations(hl_sandbox):
    params = {"companyId": hl_sandbox.agency["companyId"], "appId": hl_sandbox.agency["appId"]}
    body = agency_caller(hl_sandbox).get("/oauth/installedLocations", params=params).json()
    assert body["count"] == len(hl_sandbox.locations)
    assert [(item["_id"], item["name"]) for item in body["locations"]] == [
        (location["locationId"], location["name"]) for location in hl_sandbox.locations]
    assert all(item["isInstalled"] and item["address"] for item in body["locations"])


def test_installed_locations_pages_with_skip_and_limit(hl_sandbox):
    hl_sandbox.reseed(locations=25)
    agency = agency_caller(hl_sandbox)
    params = {"companyId": hl_sandbox.agency["companyId"], "appId": hl_sandbox.agency["appId"]}
    first = agency.get("/oauth/installedLocations", params=params).json()
    assert first["count"] == 25 and len(first["locations"]) == 20  # the documents' default limit
    rest = agency.get("/oauth/installedLocations", params={**params, "skip": "20"}).json()
    assert len(rest["locations"]) == 5


def test_installed_locations_needs_an_agency_token_and_the_ids(hl_sandbox):
    params = {"companyId": hl_sandbox.agency["companyId"], "appId": hl_sandbox.agency["appId"]}
    location_token = Caller(hl_sandbox.base_url, hl_sandbox.locations[0]["token"], version=OAUTH_VERSION)
    assert location_token.get("/oauth/installedLocations", params=params).status_code == 403
    agency = agency_caller(hl_sandbox)
    missing = agency.get("/oauth/installedLocations", params={"companyId": params["companyId"]})
    assert missing.status_code == 422 and missing.json()["message"] == ["appId should not be empty"]
    assert agency.get("/oauth/installedLocations", params={**params, "appId": "x"}).status_code == 400


def test_get_location_with_its_own_token_or_the_agency_token(hl_sandbox):
    location = hl_sandbox.locations[0]
    for token in (location["token"], agency_token(hl_sandbox)):
        response = Caller(hl_sandbox.base_url, token, version=OAUTH_VERSION).get(f"/locations/{location['locationId']}")
        assert response.status_code == 200
        body = response.json()["location"]
        assert (body["id"], body["name"], body["companyId"]) == (
            location["locationId"], location["name"], hl_sandbox.agency["companyId"])
        assert body["timezone"]


def test_get_location_refusals(hl_sandbox):
    own, other = hl_sandbox.locations[0], hl_sandbox.locations[1]
    api = Caller(hl_sandbox.base_url, own["token"], version=OAUTH_VERSION)
    assert api.get(f"/locations/{other['locationId']}").status_code == 403
    narrow = hl_sandbox.issue_token(own["locationId"], scopes=["conversation-ai.readonly"])
    assert Caller(hl_sandbox.base_url, narrow, version=OAUTH_VERSION).get(
        f"/locations/{own['locationId']}").status_code == 403
    assert agency_caller(hl_sandbox).get("/locations/unknownLocation00000").status_code == 404
