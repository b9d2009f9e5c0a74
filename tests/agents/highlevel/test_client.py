import json
import logging
import socket
from http.client import RemoteDisconnected
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from agents.highlevel.client import HighLevelClient, refresh_access_token
from agents.highlevel.errors import (
    AuthError,
    HighLevelError,
    NotFound,
    RateLimited,
    ScopeError,
    ServerError,
    TransportError,
    ValidationError,
)

BASE = "https://hl.test"
AI = "2021-04-15"
OAUTH = "2021-07-28"
TOKEN = "pit-SECRET-token-1111"
FRESH_TOKEN = "pit-SECRET-token-2222"
CLIENT_SECRET = "client-SECRET-3333"
REFRESH_TOKEN = "refresh-SECRET-4444"


class FakeTokens:
    def __init__(self, *tokens):
        self.tokens = list(tokens or [TOKEN])
        self.invalidations = 0

    def token(self):
        return self.tokens[0]

    def invalidate(self):
        self.invalidations += 1
        if len(self.tokens) > 1:
            self.tokens.pop(0)


class FakeLimiter:
    def __init__(self):
        self.acquired = 0
        self.observed = []

    def acquire(self):
        self.acquired += 1

    def observe(self, headers):
        self.observed.append(dict(headers))


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return HighLevelClient(BASE, FakeTokens(), sleep=sleeps.append)


@pytest.fixture
def hl():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def sent(hl, index=-1):
    return hl.calls[index].request


def query_of(request):
    return {name: values[0] for name, values in parse_qs(urlsplit(request.url).query).items()}


def refused():
    """What requests raises when nothing listens on the port: the request was never sent."""
    return requests.exceptions.ConnectionError(
        MaxRetryError(None, "/", NewConnectionError(None, "Connection refused"))
    )


def dropped():
    """What requests raises when the service closes the connection before answering."""
    return requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", RemoteDisconnected("Remote end closed connection without response"))
    )


AGENT = {"id": "a1", "name": "Front desk", "mode": "off"}
ACTION = {"id": "x1", "type": "stopBot", "name": "Stop", "details": {}}

# (call, method, path, status, answer, expected result, expected JSON body)
OPERATIONS = [
    (lambda c: c.search_agents(query="front", limit=10, start_after="a0"), "GET", "/conversation-ai/agents/search",
     200, {"agents": [AGENT], "totalCount": 1, "count": 1}, {"agents": [AGENT], "totalCount": 1, "count": 1}, None),
    (lambda c: c.get_agent("a1"), "GET", "/conversation-ai/agents/a1", 200, AGENT, AGENT, None),
    (lambda c: c.create_agent({"name": "N", "personality": "p", "goal": "g", "instructions": "i"}), "POST",
     "/conversation-ai/agents", 201, AGENT, AGENT, {"name": "N", "personality": "p", "goal": "g", "instructions": "i"}),
    (lambda c: c.update_agent("a1", {"autoPilotMaxMessages": 75}), "PUT", "/conversation-ai/agents/a1",
     200, AGENT, AGENT, {"autoPilotMaxMessages": 75}),
    (lambda c: c.delete_agent("a1"), "DELETE", "/conversation-ai/agents/a1",
     200, {"success": True, "id": "a1"}, {"success": True, "id": "a1"}, None),
    (lambda c: c.create_action("a1", {"type": "stopBot", "name": "Stop", "details": {}}), "POST",
     "/conversation-ai/agents/a1/actions", 201, {"success": True, "data": ACTION}, ACTION,
     {"type": "stopBot", "name": "Stop", "details": {}}),
    (lambda c: c.list_actions("a1"), "GET", "/conversation-ai/agents/a1/actions/list",
     200, {"success": True, "data": [ACTION]}, [ACTION], None),
    (lambda c: c.get_action("a1", "x1"), "GET", "/conversation-ai/agents/a1/actions/x1",
     200, {"success": True, "data": ACTION}, ACTION, None),
    (lambda c: c.update_action("a1", "x1", {"type": "stopBot", "name": "S2", "details": {}}), "PUT",
     "/conversation-ai/agents/a1/actions/x1", 200, {"success": True, "data": ACTION}, ACTION,
     {"type": "stopBot", "name": "S2", "details": {}}),
    (lambda c: c.delete_action("a1", "x1"), "DELETE", "/conversation-ai/agents/a1/actions/x1",
     200, {"success": True, "data": {"id": "x1"}}, {"id": "x1"}, None),
    (lambda c: c.update_followup_settings("a1", {"actionIds": ["x1"], "followupSettings": {"dynamicChannelSwitching": True}}),
     "PATCH", "/conversation-ai/agents/a1/followup-settings", 200, {"success": True, "data": ACTION}, ACTION,
     {"actionIds": ["x1"], "followupSettings": {"dynamicChannelSwitching": True}}),
    (lambda c: c.get_generation("m1", "workflow"), "GET", "/conversation-ai/generations",
     200, {"prompt": "p", "agentId": "a1"}, {"prompt": "p", "agentId": "a1"}, None),
    (lambda c: c.get_location("loc1"), "GET", "/locations/loc1", 200, {"location": {"id": "loc1"}},
     {"location": {"id": "loc1"}}, None),
    (lambda c: c.installed_locations("co1", "app1", is_installed=True), "GET", "/oauth/installedLocations",
     200, {"locations": [], "count": 0}, {"locations": [], "count": 0}, None),
]


@pytest.mark.parametrize("call, method, path, status, answer, expected, body", OPERATIONS, ids=[o[2] + " " + o[1] for o in OPERATIONS])
def test_each_operation_sends_the_documented_request(hl, client, call, method, path, status, answer, expected, body):
    hl.add(method, BASE + path, json=answer, status=status)

    assert call(client) == expected

    request = sent(hl)
    assert request.method == method
    assert urlsplit(request.url).path == path
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Version"] == (AI if path.startswith("/conversation-ai/") else OAUTH)
    if body is None:
        assert not request.body
    else:
        assert json.loads(request.body) == body
    assert "locationId" not in query_of(request)


def test_query_parameters_use_the_documented_names(hl, client):
    hl.add("GET", BASE + "/conversation-ai/agents/search", json={"agents": [], "totalCount": 0, "count": 0})
    hl.add("GET", BASE + "/conversation-ai/generations", json={})
    hl.add("GET", BASE + "/oauth/installedLocations", json={"locations": []})

    client.search_agents(query="front", limit=10, start_after="a0")
    client.get_generation("m1", "conversation")
    client.installed_locations("co1", "app1", is_installed=True, skip=20)

    assert query_of(sent(hl, 0)) == {"query": "front", "limit": "10", "startAfter": "a0"}
    assert query_of(sent(hl, 1)) == {"messageId": "m1", "source": "conversation"}
    assert query_of(sent(hl, 2)) == {"companyId": "co1", "appId": "app1", "isInstalled": "true", "skip": "20"}


def test_first_search_page_sends_no_start_after(hl, client):
    hl.add("GET", BASE + "/conversation-ai/agents/search", json={"agents": [], "totalCount": 0, "count": 0})
    client.search_agents()
    assert query_of(sent(hl)) == {}


def test_a_generation_source_outside_the_contract_is_refused_before_sending(hl, client):
    with pytest.raises(ValueError):
        client.get_generation("m1", "email")
    assert len(hl.calls) == 0


def test_location_id_is_never_sent_to_conversation_ai(hl, client):
    hl.add("PUT", BASE + "/conversation-ai/agents/a1", json=AGENT)
    payload = {"locationId": "loc1", "autoPilotMaxMessages": 10}
    client.update_agent("a1", payload)
    assert json.loads(sent(hl).body) == {"autoPilotMaxMessages": 10}
    assert payload["locationId"] == "loc1"  # the caller's dict is left alone


def test_ids_cannot_change_the_shape_of_the_url(hl, client):
    hl.add("GET", BASE + "/conversation-ai/agents/a%2F..%2Fx", json=AGENT)
    client.get_agent("a/../x")
    assert urlsplit(sent(hl).url).path == "/conversation-ai/agents/a%2F..%2Fx"


def test_location_token_is_a_form_post_with_the_agency_token(hl, client):
    hl.add("POST", BASE + "/oauth/locationToken", json={"access_token": "loc-token", "expires_in": 86399})

    assert client.location_token("co1", "loc1")["access_token"] == "loc-token"

    request = sent(hl)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body) == {"companyId": ["co1"], "locationId": ["loc1"]}
    assert request.headers["Version"] == OAUTH
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_iter_agents_follows_start_after_across_three_pages(hl, client):
    pages = [
        [{"id": "a1"}, {"id": "a2"}],
        [{"id": "a3"}, {"id": "a4"}],
        [{"id": "a5"}],
    ]
    for page in pages:
        hl.add("GET", BASE + "/conversation-ai/agents/search", json={"agents": page, "totalCount": 5, "count": len(page)})

    agents = list(client.iter_agents(query="a", page_size=2))

    assert [a["id"] for a in agents] == ["a1", "a2", "a3", "a4", "a5"]
    assert [query_of(call.request).get("startAfter") for call in hl.calls] == [None, "a2", "a4"]
    assert all(query_of(call.request)["limit"] == "2" for call in hl.calls)


def test_iter_agents_stops_on_an_empty_page(hl, client):
    hl.add("GET", BASE + "/conversation-ai/agents/search", json={"agents": [{"id": "a1"}, {"id": "a2"}], "totalCount": 2, "count": 2})
    hl.add("GET", BASE + "/conversation-ai/agents/search", json={"agents": [], "totalCount": 2, "count": 0})
    assert len(list(client.iter_agents(page_size=2))) == 2
    assert len(hl.calls) == 2


# --- errors ---------------------------------------------------------------------------------

def error_body(status, message, error=""):
    return {"statusCode": status, "message": message, "error": error}


def test_a_401_refreshes_the_token_once_and_retries(hl, sleeps):
    tokens = FakeTokens(TOKEN, FRESH_TOKEN)
    client = HighLevelClient(BASE, tokens, sleep=sleeps.append)
    hl.add("GET", BASE + "/conversation-ai/agents/a1", status=401, json=error_body(401, "Invalid JWT", "Unauthorized"))
    hl.add("GET", BASE + "/conversation-ai/agents/a1", json=AGENT)

    assert client.get_agent("a1") == AGENT

    assert tokens.invalidations == 1
    assert [c.request.headers["Authorization"] for c in hl.calls] == [f"Bearer {TOKEN}", f"Bearer {FRESH_TOKEN}"]


def test_a_second_401_raises_auth_error(hl, sleeps):
    tokens = FakeTokens(TOKEN, FRESH_TOKEN)
    client = HighLevelClient(BASE, tokens, sleep=sleeps.append)
    hl.add("GET", BASE + "/conversation-ai/agents/a1", status=401, json=error_body(401, "Invalid JWT", "Unauthorized"))

    with pytest.raises(AuthError) as caught:
        client.get_agent("a1")

    assert tokens.invalidations == 1
    assert len(hl.calls) == 2
    assert caught.value.status == 401 and caught.value.messages == ["Invalid JWT"]


@pytest.mark.parametrize("call, method, scope", [
    (lambda c: c.get_agent("a1"), "GET", "conversation-ai.readonly"),
    (lambda c: c.update_agent("a1", {"autoPilotMaxMessages": 1}), "PUT", "conversation-ai.write"),
])
def test_a_403_names_the_missing_scope(hl, client, call, method, scope):
    hl.add(method, BASE + "/conversation-ai/agents/a1", status=403,
           json=error_body(403, "The token is not authorized for this scope.", "Forbidden"))
    with pytest.raises(ScopeError) as caught:
        call(client)
    assert f"this token lacks the {scope} scope" in caught.value.user_message
    assert len(hl.calls) == 1


def test_a_404_raises_not_found_with_the_service_message(hl, client):
    hl.add("GET", BASE + "/conversation-ai/agents/gone", status=404, json=error_body(404, "Agent not found", "Not Found"))
    with pytest.raises(NotFound) as caught:
        client.get_agent("gone")
    assert caught.value.messages == ["Agent not found"]
    assert "Agent not found" in str(caught.value) and "404" in str(caught.value)


def test_a_redirect_is_an_error_and_the_token_never_follows_it(hl, client):
    hl.add("GET", BASE + "/conversation-ai/agents/a1", status=302, headers={"Location": "https://elsewhere.test/a1"})
    with pytest.raises(HighLevelError) as caught:
        client.get_agent("a1")
    assert "302" in str(caught.value)
    assert [call.request.url for call in hl.calls] == [BASE + "/conversation-ai/agents/a1"]


def test_every_call_carries_the_sessions_headers_and_a_json_body(hl, client):
    hl.add("POST", BASE + "/conversation-ai/agents", json=AGENT)
    client.create_agent({"name": "Front desk"})
    request = sent(hl)
    assert request.headers["User-Agent"].startswith("python-requests/")
    assert request.headers["Content-Type"] == "application/json"
    assert int(request.headers["Content-Length"]) == len(request.body)
    assert json.loads(request.body) == {"name": "Front desk"}


def test_a_400_raises_validation_error_with_the_message(hl, client):
    hl.add("POST", BASE + "/conversation-ai/agents", status=400, json=error_body(400, "Bad Request"))
    with pytest.raises(ValidationError) as caught:
        client.create_agent({})
    assert caught.value.messages == ["Bad Request"]


def test_a_422_raises_validation_error_with_every_message(hl, client):
    hl.add("POST", BASE + "/conversation-ai/agents", status=422,
           json=error_body(422, ["name should not be empty", "goal must be a string"], "Unprocessable Entity"))
    with pytest.raises(ValidationError) as caught:
        client.create_agent({})
    assert caught.value.messages == ["name should not be empty", "goal must be a string"]
    assert len(hl.calls) == 1


def test_a_429_waits_as_told_and_retries_even_a_post(hl, client, sleeps):
    hl.add("POST", BASE + "/conversation-ai/agents", status=429, json=error_body(429, "Too many requests"),
           headers={"Retry-After": "3"})
    hl.add("POST", BASE + "/conversation-ai/agents", status=201, json=AGENT)

    assert client.create_agent({"name": "N"}) == AGENT

    assert len(hl.calls) == 2
    assert len(sleeps) == 1 and 3 <= sleeps[0] <= 3 + client.backoff_base
    assert client.retries == 1 and client.requests_sent == 2


def test_a_429_follows_the_interval_header_when_there_is_no_retry_after(hl, client, sleeps):
    hl.add("GET", BASE + "/conversation-ai/agents/a1", status=429, headers={"X-RateLimit-Interval-Milliseconds": "10000"})
    hl.add("GET", BASE + "/conversation-ai/agents/a1", json=AGENT)
    client.get_agent("a1")
    assert sleeps[0] >= 10


def test_a_429_that_keeps_coming_raises_rate_limited(hl, client, sleeps):
    hl.add("GET", BASE + "/conversation-ai/agents/a1", status=429, json=error_body(429, "Too many requests"),
           headers={"Retry-After": "2"})
    with pytest.raises(RateLimited) as caught:
        client.get_agent("a1")
    assert caught.value.retry_after == 2
    assert len(hl.calls) == client.max_retries + 1


def test_a_429_for_the_daily_quota_is_not_waited_out(hl, client, sleeps):
    hl.add("GET", BASE + "/conversation-ai/agents/a1", status=429, headers={"X-RateLimit-Daily-Remaining": "0"})
    with pytest.raises(RateLimited):
        client.get_agent("a1")
    assert len(hl.calls) == 1 and sleeps == []


@pytest.mark.parametrize("method, call", [
    ("GET", lambda c: c.get_agent("a1")),
    ("PUT", lambda c: c.update_agent("a1", {"autoPilotMaxMessages": 5})),
])
def test_a_5xx_is_retried_for_reads_and_updates(hl, client, sleeps, method, call):
    hl.add(method, BASE + "/conversation-ai/agents/a1", status=502, json=error_body(502, "Bad Gateway"))
    hl.add(method, BASE + "/conversation-ai/agents/a1", json=AGENT)
    assert call(client) == AGENT
    assert len(hl.calls) == 2 and len(sleeps) == 1


def test_a_5xx_on_a_create_is_not_retried(hl, client, sleeps):
    hl.add("POST", BASE + "/conversation-ai/agents", status=500, json=error_body(500, "Internal server error"))
    hl.add("POST", BASE + "/conversation-ai/agents", status=201, json=AGENT)
    with pytest.raises(ServerError) as caught:
        client.create_agent({"name": "N"})
    assert len(hl.calls) == 1 and sleeps == []
    assert "check HighLevel before trying again" in caught.value.user_message


def test_backoff_grows_with_jitter_under_the_cap_and_uses_the_injected_sleep(hl, sleeps):
    client = HighLevelClient(BASE, FakeTokens(), max_retries=6, backoff_base=1.0, backoff_cap=4.0, sleep=sleeps.append)
    hl.add("GET", BASE + "/conversation-ai/agents/a1", status=503)
    with pytest.raises(ServerError):
        client.get_agent("a1")
    assert len(sleeps) == 6
    ceilings = [1, 2, 4, 4, 4, 4]
    assert all(0 <= slept <= ceiling for slept, ceiling in zip(sleeps, ceilings))
    assert client.requests_sent == 7 and client.retries == 6


def test_a_read_timeout_is_retried_for_a_get(hl, client, sleeps):
    hl.add("GET", BASE + "/conversation-ai/agents/a1", body=requests.exceptions.ReadTimeout("read timed out"))
    hl.add("GET", BASE + "/conversation-ai/agents/a1", json=AGENT)
    assert client.get_agent("a1") == AGENT
    assert len(sleeps) == 1


@pytest.mark.parametrize("failure", [requests.exceptions.ReadTimeout("read timed out"), dropped()], ids=["timeout", "dropped"])
def test_a_create_that_may_have_arrived_is_not_sent_again(hl, client, sleeps, failure):
    hl.add("POST", BASE + "/conversation-ai/agents", body=failure)
    hl.add("POST", BASE + "/conversation-ai/agents", status=201, json=AGENT)
    with pytest.raises(TransportError) as caught:
        client.create_agent({"name": "N"})
    assert caught.value.maybe_sent is True and caught.value.status is None
    assert len(hl.calls) == 1 and sleeps == []


@pytest.mark.parametrize("failure", [requests.exceptions.ConnectTimeout("connect timed out"), refused()], ids=["connect-timeout", "refused"])
def test_a_create_that_never_left_is_retried(hl, client, sleeps, failure):
    hl.add("POST", BASE + "/conversation-ai/agents", body=failure)
    hl.add("POST", BASE + "/conversation-ai/agents", status=201, json=AGENT)
    assert client.create_agent({"name": "N"}) == AGENT
    assert len(hl.calls) == 2 and len(sleeps) == 1


def test_a_real_refused_connection_counts_as_never_sent(sleeps):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = HighLevelClient(f"http://127.0.0.1:{port}", FakeTokens(), max_retries=2, timeout=2, sleep=sleeps.append)
    with pytest.raises(TransportError) as caught:
        client.create_agent({"name": "N"})
    assert caught.value.maybe_sent is False
    assert client.requests_sent == 3 and len(sleeps) == 2


def test_a_delete_whose_answer_was_lost_and_then_404s_succeeded(hl, client, sleeps):
    hl.add("DELETE", BASE + "/conversation-ai/agents/a1", body=requests.exceptions.ReadTimeout("read timed out"))
    hl.add("DELETE", BASE + "/conversation-ai/agents/a1", status=404, json=error_body(404, "Agent not found"))
    hl.add("DELETE", BASE + "/conversation-ai/agents/a1/actions/x1", body=dropped())
    hl.add("DELETE", BASE + "/conversation-ai/agents/a1/actions/x1", status=404, json=error_body(404, "Not found"))

    assert client.delete_agent("a1") == {"success": True, "id": "a1"}
    assert client.delete_action("a1", "x1")["id"] == "x1"
    assert len(hl.calls) == 4


def test_a_delete_of_something_never_there_is_not_found(hl, client):
    hl.add("DELETE", BASE + "/conversation-ai/agents/a1", status=404, json=error_body(404, "Agent not found"))
    with pytest.raises(NotFound):
        client.delete_agent("a1")


def test_limiter_and_hook_see_every_attempt(hl, sleeps):
    limiter, seen = FakeLimiter(), []
    client = HighLevelClient(BASE, FakeTokens(), limiter=limiter, sleep=sleeps.append,
                             on_response=lambda *args: seen.append(args))
    hl.add("GET", BASE + "/conversation-ai/agents/a1", body=requests.exceptions.ReadTimeout("read timed out"))
    hl.add("GET", BASE + "/conversation-ai/agents/a1", status=500)
    hl.add("GET", BASE + "/conversation-ai/agents/a1", json=AGENT, headers={"X-RateLimit-Remaining": "97"})

    client.get_agent("a1")

    assert limiter.acquired == 3
    assert [h.get("X-RateLimit-Remaining") for h in limiter.observed] == [None, "97"]
    assert [(m, p, status, attempt) for m, p, status, _, attempt in seen] == [
        ("GET", "/conversation-ai/agents/a1", None, 1),
        ("GET", "/conversation-ai/agents/a1", 500, 2),
        ("GET", "/conversation-ai/agents/a1", 200, 3),
    ]
    assert all(duration >= 0 for *_, duration, _ in seen)


# --- the token refresh and secrets ----------------------------------------------------------

def test_refresh_access_token_posts_the_form_without_a_bearer(hl):
    hl.add("POST", BASE + "/oauth/token", json={"access_token": "new-access", "refresh_token": "new-refresh"})

    answer = refresh_access_token(BASE, client_id="cid", client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN)

    assert answer["refresh_token"] == "new-refresh"
    request = sent(hl)
    assert "Authorization" not in request.headers
    assert parse_qs(request.body) == {
        "client_id": ["cid"], "client_secret": [CLIENT_SECRET],
        "grant_type": ["refresh_token"], "refresh_token": [REFRESH_TOKEN],
    }


def test_refresh_is_not_repeated_once_it_may_have_arrived(hl):
    hl.add("POST", BASE + "/oauth/token", body=requests.exceptions.ReadTimeout("read timed out"))
    hl.add("POST", BASE + "/oauth/token", json={"access_token": "x"})
    with pytest.raises(TransportError):
        refresh_access_token(BASE, client_id="cid", client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN)
    assert len(hl.calls) == 1


def test_no_secret_appears_in_errors_or_logs(hl, caplog):
    caplog.set_level(logging.DEBUG)
    tokens = FakeTokens(TOKEN, FRESH_TOKEN)
    client = HighLevelClient(BASE, tokens, sleep=lambda s: None)
    hl.add("GET", BASE + "/conversation-ai/agents/a1", status=401, json=error_body(401, "Invalid JWT", "Unauthorized"))
    hl.add("GET", BASE + "/conversation-ai/agents/a2", body=requests.exceptions.ReadTimeout(f"timed out sending Bearer {TOKEN}"))
    hl.add("POST", BASE + "/oauth/token", status=400, json={"error": "invalid_grant", "error_description": "Invalid grant"})

    errors = []
    for attempt in (
        lambda: client.get_agent("a1"),
        lambda: client.get_agent("a2"),
        lambda: refresh_access_token(BASE, client_id="cid", client_secret=CLIENT_SECRET, refresh_token=REFRESH_TOKEN),
    ):
        with pytest.raises(Exception) as caught:
            attempt()
        errors.append(caught.value)

    assert [type(e) for e in errors] == [AuthError, TransportError, ValidationError]
    assert errors[2].messages == ["Invalid grant"]
    texts = [str(e) for e in errors] + [e.user_message for e in errors] + [repr(e) for e in errors] + [caplog.text]
    for secret in (TOKEN, FRESH_TOKEN, CLIENT_SECRET, REFRESH_TOKEN):
        assert all(secret not in text for text in texts)
    assert "GET /conversation-ai/agents/a1" in caplog.text  # the log does say what happened
    assert errors[1].__cause__ is None  # urllib3's own text stays out of tracebacks
