"""Rate-limit slots reserved in batches: one UPDATE for ten calls, the location's limit kept exactly."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.highlevel.ratelimit import LocationLimiter, _known_buckets
from agents.models import RateLimitWindow
from agents.highlevel.ratelimit import ReservingLimiter

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    _known_buckets.clear()
    return Clock()


def limiter(clock, key="location:L1", batch=10):
    return ReservingLimiter(LocationLimiter(key, clock=clock, sleep=lambda s: None), batch=batch, clock=clock)


def test_ten_calls_cost_one_reservation_and_are_all_counted(clock):
    pacing = limiter(clock)
    pacing.acquire()  # the first call makes the bucket's row
    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            pacing.acquire()
    writes = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 1
    assert RateLimitWindow.objects.get(key="location:L1").used == 11


def test_a_nearly_full_window_falls_back_to_one_slot_at_a_time(clock):
    limiter(clock).acquire()
    RateLimitWindow.objects.filter(key="location:L1").update(used=95, window_started_at=clock.now)
    pacing = limiter(clock)
    pacing.acquire()
    assert RateLimitWindow.objects.get(key="location:L1").used == 96  # no batch of 10 past the limit of 100


def test_reserved_slots_end_with_their_window(clock):
    pacing = limiter(clock)
    pacing.acquire()
    pacing.acquire()  # reserves 10 in the current window
    clock.now += 11  # the 10 s window is over: the slots left are not used in the next one
    pacing.acquire()
    row = RateLimitWindow.objects.get(key="location:L1")
    assert row.window_started_at == clock.now and row.used == 10


def test_answers_that_tell_nothing_new_write_nothing(clock):
    pacing = limiter(clock)
    pacing.acquire()
    pacing.acquire()
    headers = {"X-RateLimit-Max": "100", "X-RateLimit-Interval-Milliseconds": "10000", "X-RateLimit-Remaining": "98",
               "X-RateLimit-Daily-Remaining": "150000"}
    with CaptureQueriesContext(connection) as queries:
        pacing.observe(headers)
    assert not queries.captured_queries
    pacing.observe({**headers, "X-RateLimit-Max": "50"})  # a new limit is recorded
    assert RateLimitWindow.objects.get(key="location:L1").limit == 50
