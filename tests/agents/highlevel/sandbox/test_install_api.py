"""The install: the authorization page, single-use expiring codes, both code exchanges, installedLocations."""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from agents.highlevel.sandbox.install_api import MARKETPLACE_PATH, uninstall_everywhere
from tests.agents.highlevel.sandbox.calls import OAUTH_VERSION, TIMEOUT, Caller
from tests.agents.highlevel.sandbox.openapi_contract import assert_exchange_valid

REDIRECT = "http://127.0.0.1:8000/highlevel/connect/done/"


@pytest.fixture
def sandbox(hl_sandbox):
    """A world where the agency has not installed the app anywhere yet."""
    uninstall_everywhere(hl_sandbox.state)
    return hl_sandbox


def authorize_params(sandbox, **overrides):
    return {"response_type": "code", "client_id": sandbox.agency["clientId"], "redirect_uri": REDIRECT,
            "scope": "conversation-ai.readonly oauth.write", "state": "st-123", **overrides}


def approve(sandbox, *, target="locations", locations=(), decision="approve", **overrides):
    form = {**authorize_params(sandbox, **overrides), "target": target, "decision": decision,
            "location": list(locations)}
    return requests.post(sandbox.base_url + MARKETPLACE_PATH, data=form, allow_redirects=False, timeout=TIMEOUT)


def redirected_query(response):
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def exchange(sandbox, code, user_type="Company", **overrides):
    agency = sandbox.agency
    form = {"client_id": agency["clientId"], "client_secret": agency["clientSecret"],
            "grant_type": "authorization_code", "code": code, "user_type": user_type, "redirect_uri": REDIRECT,
            **overrides}
    return requests.post(f"{sandbox.base_url}/oauth/token", data=form, timeout=TIMEOUT)


def location_ids(sandbox, count):
    return [location["locationId"] for location in sandbox.locations[:count]]


def test_the_page_lists_the_agency_and_its_sub_accounts_by_name(sandbox):
    response = requests.get(sandbox.base_url + MARKETPLACE_PATH, params=authorize_params(sandbox), timeout=TIMEOUT)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "Sandbox Growth Agency" in response.text
    for location in sandbox.locations:
        assert location["name"].replace("&", "&amp;") in response.text
    assert 'value="st-123"' in response.text and "Approve" in response.text and "Deny" in response.text


@pytest.mark.parametrize("overrides, problem", [
    ({"client_id": "someone-else"}, "No app has this client_id"),
    ({"response_type": "token"}, "response_type must be code"),
    ({"redirect_uri": "javascript:alert(1)"}, "redirect_uri must be an absolute"),
])
def test_a_broken_link_is_refused_on_the_page_never_redirected(sandbox, overrides, problem):
    response = requests.get(sandbox.base_url + MARKETPLACE_PATH, params=authorize_params(sandbox, **overrides),
                            allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 400 and problem in response.text
    assert "Location" not in response.headers


def test_deny_sends_the_browser_back_with_access_denied_and_the_state(sandbox):
    answer = redirected_query(approve(sandbox, decision="deny", locations=location_ids(sandbox, 1)))
    assert answer == {"error": "access_denied", "error_description": "The user denied the installation",
                      "state": "st-123"}
    assert sandbox.state.installed == {} and sandbox.state.auth_codes == {}


def test_approving_nothing_asks_again(sandbox):
    response = approve(sandbox, locations=[])
    assert response.status_code == 400 and "Pick the agency or at least one sub-account" in response.text


def test_two_picked_sub_accounts_give_a_company_token_that_lists_them(sandbox):
    picked = location_ids(sandbox, 2)
    answer = redirected_query(approve(sandbox, locations=picked))
    assert answer["state"] == "st-123"
    response = exchange(sandbox, answer["code"])
    assert_exchange_valid(response)
    body = response.json()
    assert body["userType"] == "Company" and body["companyId"] == sandbox.agency["companyId"]
    assert body["approvedLocations"] == picked
    assert body["isBulkInstallation"] is True and body["approveAllLocations"] is False
    assert set(sandbox.state.installed) == set(picked)
    # The agency token works: installedLocations lists what was picked, and nothing else as installed.
    agency = Caller(sandbox.base_url, body["access_token"], version=OAUTH_VERSION)
    listed = agency.get("/oauth/installedLocations", params={
        "companyId": body["companyId"], "appId": sandbox.agency["appId"], "isInstalled": "true"}).json()
    assert [row["_id"] for row in listed["locations"]] == picked and listed["installToFutureLocations"] is False
    others = agency.get("/oauth/installedLocations", params={
        "companyId": body["companyId"], "appId": sandbox.agency["appId"], "isInstalled": "false"}).json()
    assert {row["_id"] for row in others["locations"]} == set(location_ids(sandbox, 5)) - set(picked)
    assert all(row["isInstalled"] is False and "installedAt" not in row for row in others["locations"])
    # Its refresh token works, and rotates.
    refreshed = requests.post(f"{sandbox.base_url}/oauth/token", data={
        "client_id": sandbox.agency["clientId"], "client_secret": sandbox.agency["clientSecret"],
        "grant_type": "refresh_token", "refresh_token": body["refresh_token"]}, timeout=TIMEOUT)
    assert refreshed.status_code == 200 and refreshed.json()["refresh_token"] != body["refresh_token"]


def test_the_whole_agency_installs_everywhere_and_for_future_locations(sandbox):
    body = exchange(sandbox, redirected_query(approve(sandbox, target="agency"))["code"]).json()
    assert body["approvedLocations"] == location_ids(sandbox, 5)
    assert body["approveAllLocations"] is True and body["installToFutureLocations"] is True
    assert sandbox.state.install_to_future_locations is True


def test_a_bulk_answer_may_leave_sub_accounts_out_as_highlevel_does(sandbox):
    sandbox.state.omit_approved_locations = 1
    picked = location_ids(sandbox, 3)
    body = exchange(sandbox, redirected_query(approve(sandbox, locations=picked))["code"]).json()
    assert body["approvedLocations"] == picked[:2]
    assert set(sandbox.state.installed) == set(picked)  # installed all the same


def test_one_sub_account_gives_a_location_token(sandbox):
    picked = location_ids(sandbox, 1)
    response = exchange(sandbox, redirected_query(approve(sandbox, locations=picked))["code"], user_type="Location")
    assert_exchange_valid(response)
    body = response.json()
    assert body["userType"] == "Location" and body["locationId"] == picked[0]
    agents = Caller(sandbox.base_url, body["access_token"]).get("/conversation-ai/agents/search")
    assert agents.status_code == 200
    refreshed = requests.post(f"{sandbox.base_url}/oauth/token", data={
        "client_id": sandbox.agency["clientId"], "client_secret": sandbox.agency["clientSecret"],
        "grant_type": "refresh_token", "refresh_token": body["refresh_token"]}, timeout=TIMEOUT).json()
    assert refreshed["userType"] == "Location" and refreshed["locationId"] == picked[0]


def test_a_location_token_is_for_one_sub_account_only(sandbox):
    code = redirected_query(approve(sandbox, locations=location_ids(sandbox, 2)))["code"]
    response = exchange(sandbox, code, user_type="Location")
    assert response.status_code == 400 and "ask for user_type Company" in response.json()["message"]


def test_a_code_works_once(sandbox):
    code = redirected_query(approve(sandbox, locations=location_ids(sandbox, 1)))["code"]
    assert exchange(sandbox, code).status_code == 200
    replayed = exchange(sandbox, code)
    assert replayed.status_code == 401 and "already used" in replayed.json()["message"]


def test_a_code_expires(sandbox):
    sandbox.state.auth_code_lifetime_seconds = -1
    code = redirected_query(approve(sandbox, locations=location_ids(sandbox, 1)))["code"]
    expired = exchange(sandbox, code)
    assert expired.status_code == 401 and "expired" in expired.json()["message"]


@pytest.mark.parametrize("overrides, status", [
    ({"client_secret": "wrong"}, 401),
    ({"redirect_uri": "http://127.0.0.1:8000/elsewhere/"}, 400),
    ({"user_type": "Agency"}, 422),
    ({"code": ""}, 422),
])
def test_a_bad_exchange_is_refused(sandbox, overrides, status):
    code = redirected_query(approve(sandbox, locations=location_ids(sandbox, 1)))["code"]
    assert exchange(sandbox, overrides.pop("code", code), **overrides).status_code == status


def test_no_location_token_where_the_app_is_not_installed(sandbox):
    body = exchange(sandbox, redirected_query(approve(sandbox, locations=location_ids(sandbox, 1)))["code"]).json()
    agency = Caller(sandbox.base_url, body["access_token"], version=OAUTH_VERSION)
    installed = agency.post("/oauth/locationToken", data={"companyId": body["companyId"],
                                                          "locationId": location_ids(sandbox, 1)[0]})
    assert installed.status_code == 200
    elsewhere = agency.post("/oauth/locationToken", data={"companyId": body["companyId"],
                                                          "locationId": location_ids(sandbox, 2)[1]})
    assert elsewhere.status_code == 400 and "not installed" in elsewhere.json()["message"]
