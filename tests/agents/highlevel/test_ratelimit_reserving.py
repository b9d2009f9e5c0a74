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


def limiter(clock, key="location:L1", batch=10, record_daily=True):
    return ReservingLimiter(LocationLimiter(key, clock=clock, sleep=lambda s: None), batch=batch, clock=clock,
                            record_daily=record_daily)


def test_ten_calls_cost_one_reservation_and_are_all_counted(clock):
    limiter(clock).acquire()  # the bucket's row exists (made by an earlier task)
    pacing = limiter(clock)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            pacing.acquire()
    writes = [q for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert len(writes) == 1
    assert RateLimitWindow.objects.get(key="location:L1").used == 20


def test_a_new_bucket_is_created_with_the_first_reservation_counted(clock):
    pacing = limiter(clock)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            pacing.acquire()
    statements = [q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]  # the test's transaction
    assert [q["sql"].split()[0] for q in statements] == ["INSERT"]  # the row, holding the ten slots
    row = RateLimitWindow.objects.get(key="location:L1")
    assert (row.used, row.limit, row.interval_ms, row.window_started_at) == (10, 100, 10_000, clock.now)


def test_a_bucket_made_by_someone_else_a_moment_ago_is_shared_not_made_again(clock):
    pacing = limiter(clock)
    LocationLimiter("location:L1", clock=clock, sleep=lambda s: None).acquire()  # the row appears first
    pacing.acquire()  # our reservation counts in that row's window
    assert RateLimitWindow.objects.filter(key="location:L1").count() == 1
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
    pacing.observe(headers)  # the daily quota is recorded, for the admin to show
    assert RateLimitWindow.objects.get(key="location:L1").daily_remaining == 150_000
    with CaptureQueriesContext(connection) as queries:
        pacing.observe({**headers, "X-RateLimit-Remaining": "97", "X-RateLimit-Daily-Remaining": "149999"})
    assert not queries.captured_queries  # nothing new: the quota is written again only after a few seconds
    clock.now += 6
    pacing.observe({**headers, "X-RateLimit-Daily-Remaining": "149000"})
    assert RateLimitWindow.objects.get(key="location:L1").daily_remaining == 149_000
    pacing.observe({**headers, "X-RateLimit-Max": "50"})  # a new limit is recorded
    assert RateLimitWindow.objects.get(key="location:L1").limit == 50


def test_a_rollout_records_the_daily_quota_only_when_it_runs_low(clock):
    pacing = limiter(clock, record_daily=False)
    pacing.acquire()
    headers = {"X-RateLimit-Max": "100", "X-RateLimit-Interval-Milliseconds": "10000", "X-RateLimit-Remaining": "99"}
    with CaptureQueriesContext(connection) as queries:
        pacing.observe({**headers, "X-RateLimit-Daily-Remaining": "150000"})
    assert not queries.captured_queries
    pacing.observe({**headers, "X-RateLimit-Daily-Remaining": "120"})
    assert RateLimitWindow.objects.get(key="location:L1").daily_remaining == 120
