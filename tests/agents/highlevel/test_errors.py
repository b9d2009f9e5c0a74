import pickle

import pytest

from agents.highlevel.errors import (
    AuthError,
    HighLevelError,
    NotFound,
    RateLimited,
    ScopeError,
    ServerError,
    TransportError,
    ValidationError,
    error_for_response,
    parse_retry_after,
)


def test_auth_error_says_the_token_was_rejected():
    error = AuthError(method="GET", path="/conversation-ai/agents/search", status=401, messages=["Invalid JWT"])
    assert "rejected the token (expired or revoked)" in error.user_message


def test_scope_error_names_the_read_scope_for_reads_and_the_write_scope_for_writes():
    read = ScopeError(method="GET", path="/conversation-ai/agents/a1", status=403, messages=["Forbidden"])
    write = ScopeError(method="PUT", path="/conversation-ai/agents/a1", status=403, messages=["Forbidden"])
    assert "this token lacks the conversation-ai.readonly scope" in read.user_message
    assert "this token lacks the conversation-ai.write scope" in write.user_message


def test_scope_error_names_the_agency_scope_for_agency_calls():
    error = ScopeError(method="POST", path="/oauth/locationToken", status=403)
    assert "oauth.write" in error.user_message


def test_scope_error_says_the_token_type_is_wrong_when_the_service_says_so():
    error = ScopeError(
        method="GET", path="/conversation-ai/agents/search", status=403,
        messages=["This authClass type is not allowed to access this scope."],
    )
    assert "wrong type" in error.user_message
    assert "sub-account" in error.user_message
    assert "lacks" not in error.user_message


def test_not_found_names_what_is_missing():
    agent = NotFound(method="GET", path="/conversation-ai/agents/a1", status=404)
    action = NotFound(method="GET", path="/conversation-ai/agents/a1/actions/x9", status=404)
    assert "no such agent" in agent.user_message
    assert "no such action" in action.user_message


def test_validation_error_repeats_every_message_of_the_service():
    error = ValidationError(
        method="POST", path="/conversation-ai/agents", status=422,
        messages=["name should not be empty", "goal must be a string"],
    )
    assert error.messages == ["name should not be empty", "goal must be a string"]
    assert "name should not be empty; goal must be a string" in error.user_message


def test_rate_limited_says_when_to_try_again():
    assert "in 10 seconds" in RateLimited(method="GET", path="/x", status=429, retry_after=10).user_message
    assert "try again" in RateLimited(method="GET", path="/x", status=429).user_message


def test_server_error_on_a_create_warns_it_may_have_happened():
    get = ServerError(method="GET", path="/conversation-ai/agents/a1", status=502)
    post = ServerError(method="POST", path="/conversation-ai/agents", status=502)
    assert "HTTP 502" in get.user_message and "may still have been made" not in get.user_message
    assert "check HighLevel before trying again" in post.user_message


def test_transport_error_warns_only_when_a_change_may_have_been_sent():
    lost_create = TransportError(method="POST", path="/conversation-ai/agents", maybe_sent=True, reason="ReadTimeout")
    refused = TransportError(method="POST", path="/conversation-ai/agents", maybe_sent=False, reason="ConnectionError")
    assert lost_create.status is None
    assert "may still have been made" in lost_create.user_message
    assert "may still have been made" not in refused.user_message
    assert "ReadTimeout" in str(lost_create)


def test_str_names_method_path_status_and_service_message():
    error = NotFound(method="get", path="/conversation-ai/agents/a1", status=404, messages=["Agent not found"])
    assert str(error) == "GET /conversation-ai/agents/a1 -> HTTP 404: Agent not found"


def test_error_for_response_maps_each_status_to_its_class():
    body = {"statusCode": 0, "message": "m", "error": "e"}
    expected = {401: AuthError, 403: ScopeError, 404: NotFound, 400: ValidationError, 422: ValidationError,
                429: RateLimited, 500: ServerError, 503: ServerError, 409: HighLevelError}
    for status, cls in expected.items():
        error = error_for_response("GET", "/conversation-ai/agents/a1", status, body)
        assert type(error) is cls, status
        assert error.status == status and error.messages == ["m"]


def test_error_for_response_reads_the_422_message_list_and_the_400_string():
    unprocessable = error_for_response("POST", "/p", 422, {"statusCode": 422, "message": ["a", "b"], "error": "Unprocessable Entity"})
    bad = error_for_response("POST", "/p", 400, {"statusCode": 400, "message": "Bad Request"})
    oauth = error_for_response("POST", "/oauth/token", 400, {"error": "invalid_grant", "error_description": "Invalid grant"})
    assert unprocessable.messages == ["a", "b"]
    assert bad.messages == ["Bad Request"]
    assert oauth.messages == ["Invalid grant"]
    assert error_for_response("GET", "/p", 500, "<html>oops</html>").messages == []


def test_rate_limited_takes_retry_after_from_the_headers():
    assert error_for_response("GET", "/p", 429, {}, {"Retry-After": "7"}).retry_after == 7
    assert parse_retry_after({"X-RateLimit-Interval-Milliseconds": "10000"}) == 10
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


def test_errors_survive_pickling_for_the_task_queue():
    error = RateLimited(method="GET", path="/p", status=429, messages=["slow down"], retry_after=3)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is RateLimited
    assert (copy.status, copy.messages, copy.retry_after, str(copy)) == (429, ["slow down"], 3, str(error))


@pytest.mark.parametrize("cls", [AuthError, ScopeError, NotFound, ValidationError, ServerError, HighLevelError])
def test_every_error_has_a_sentence_for_people(cls):
    error = cls(method="GET", path="/conversation-ai/agents/a1", status=418)
    assert error.user_message.endswith(".")
