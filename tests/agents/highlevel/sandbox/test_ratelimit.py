"""Rate limits: 100 requests per 10 s per location, five headers on every answer, 429 past it."""
import pytest

from agents.highlevel.sandbox.ratelimit import RateLimiter
from tests.agents.highlevel.sandbox.calls import Caller, location_caller

HEADERS = ("X-RateLimit-Max", "X-RateLimit-Remaining", "X-RateLimit-Interval-Milliseconds",
           "X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining")


def test_every_answer_carries_the_five_headers(hl_sandbox):
    api = location_caller(hl_sandbox)
    answers = [
        api.get("/conversation-ai/agents/search"),
        api.post("/conversation-ai/agents", json={}),                    # 422
        Caller(hl_sandbox.base_url, "nope").get("/conversation-ai/agents/search"),  # 401
        api.get("/conversation-ai/nowhere"),                              # 404
    ]
    for response in answers:
        assert all(name in response.headers for name in HEADERS), response.headers
    first = answers[0].headers
    assert (first["X-RateLimit-Max"], first["X-RateLimit-Interval-Milliseconds"], first["X-RateLimit-Limit-Daily"]) == (
        "100", "10000", "200000")
    assert first["X-RateLimit-Remaining"] == "99" and first["X-RateLimit-Daily-Remaining"] == "199999"


def test_past_the_limit_is_429_and_other_locations_are_untouched(hl_sandbox):
    hl_sandbox.state.rate_limiter.configure(max_requests=3)
    api = location_caller(hl_sandbox, 0)
    answers = [api.get("/conversation-ai/agents/search") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert answers[-1].json() == {"statusCode": 429, "message": "Too many requests, please slow down",
                                  "error": "Too Many Requests"}
    # Per location, never pooled.
    assert location_caller(hl_sandbox, 1).get("/conversation-ai/agents/search").status_code == 200


def test_the_limit_is_restored_for_the_next_test(hl_sandbox):
    assert hl_sandbox.state.rate_limiter.max_requests == 100


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_window_slides():
    clock = FakeClock()
    limiter = RateLimiter(max_requests=2, interval_ms=10_000, clock=clock)
    assert [limiter.check("loc").allowed for _ in range(3)] == [True, True, False]
    clock.now = 9.9
    assert limiter.check("loc").allowed is False
    clock.now = 10.0
    verdict = limiter.check("loc")
    assert verdict.allowed is True and verdict.headers["X-RateLimit-Remaining"] == "1"


def test_the_daily_quota():
    clock = FakeClock()
    limiter = RateLimiter(max_requests=100, interval_ms=1, daily_limit=2, clock=clock)
    results = []
    for step in range(3):
        clock.now = step
        results.append(limiter.check("loc"))
    assert [r.allowed for r in results] == [True, True, False]
    assert results[-1].headers["X-RateLimit-Daily-Remaining"] == "0"


@pytest.mark.parametrize("bucket", ["location:a", "company:b", "anonymous"])
def test_buckets_are_independent(bucket):
    limiter = RateLimiter(max_requests=1)
    assert limiter.check(bucket).allowed and limiter.check("other").allowed
    assert not limiter.check(bucket).allowed
