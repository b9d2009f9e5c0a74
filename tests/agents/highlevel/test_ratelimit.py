import threading

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from agents.highlevel import ratelimit
from agents.highlevel.ratelimit import LocationLimiter
from agents.models import RateLimitWindow

pytestmark = pytest.mark.django_db


class FakeTime:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self, now=1_000_000.0):
        self.now = now
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def forget_known_buckets():
    ratelimit._known_buckets.clear()
    yield
    ratelimit._known_buckets.clear()


def window(key):
    return RateLimitWindow.objects.get(key=key)


def limiter(key, time, **kwargs):
    return LocationLimiter(key, clock=time.clock, sleep=time.sleep, **kwargs)


def test_first_acquire_creates_the_bucket_with_the_defaults():
    time = FakeTime()
    limiter("location:new", time, default_limit=7, default_interval_ms=2_000).acquire()
    row = window("location:new")
    assert (row.limit, row.interval_ms, row.used, row.window_started_at) == (7, 2_000, 1, time.now)


def test_acquire_is_normally_a_single_update():
    time = FakeTime()
    bucket = limiter("location:fast", time)
    bucket.acquire()
    with CaptureQueriesContext(connection) as queries:
        bucket.acquire()
    assert len(queries) == 1 and queries[0]["sql"].startswith("UPDATE")
    assert window("location:fast").used == 2


def test_observe_adopts_the_limit_and_interval_from_the_headers():
    time = FakeTime()
    bucket = limiter("location:h", time)
    bucket.acquire()
    bucket.observe({"X-RateLimit-Max": "50", "X-RateLimit-Interval-Milliseconds": "5000",
                    "X-RateLimit-Daily-Remaining": "199000"})
    row = window("location:h")
    assert (row.limit, row.interval_ms, row.daily_remaining) == (50, 5_000, 199_000)


def test_missing_or_garbled_headers_change_nothing():
    time = FakeTime()
    bucket = limiter("location:g", time)
    bucket.acquire()
    bucket.observe({})
    bucket.observe({"X-RateLimit-Max": "lots", "X-RateLimit-Interval-Milliseconds": "0",
                    "X-RateLimit-Remaining": "-3", "X-RateLimit-Daily-Remaining": None})
    row = window("location:g")
    assert (row.limit, row.interval_ms, row.used, row.daily_remaining) == (100, 10_000, 1, None)


def test_acquire_blocks_until_the_window_ends_when_it_is_full():
    time = FakeTime()
    bucket = limiter("location:full", time, default_limit=3, default_interval_ms=10_000)
    started = time.now
    for _ in range(3):
        bucket.acquire()
    assert time.sleeps == []

    bucket.acquire()

    assert len(time.sleeps) == 1
    assert 10 <= time.sleeps[0] <= 10.5  # the rest of the window plus a little jitter
    row = window("location:full")
    assert row.used == 1 and row.window_started_at == time.now > started + 10


def test_a_window_another_process_opened_a_moment_ago_is_used_at_once_not_waited_out():
    # The interleaving the demo's first sync hit: this process finds the window ended, another
    # opens the next one, and this process's attempt to open it finds it no longer ended. The
    # new window has free slots: no reason to sleep through all of it (10 s).
    time = FakeTime()
    mine, theirs = limiter("agency:1", time), limiter("agency:1", time)
    mine.acquire()
    time.now += 11  # the window has ended
    open_new_window = mine._open_new_window

    def others_open_it_first(now):
        mine._open_new_window = open_new_window  # once
        theirs.acquire()
        return open_new_window(now)

    mine._open_new_window = others_open_it_first
    mine.acquire()
    assert time.sleeps == []
    assert window("agency:1").used == 2


def test_a_lower_remaining_count_means_someone_else_used_slots():
    time = FakeTime()
    bucket = limiter("location:shared", time)
    bucket.acquire()
    bucket.acquire()

    bucket.observe({"X-RateLimit-Max": "100", "X-RateLimit-Remaining": "90"})
    assert window("location:shared").used == 10

    bucket.observe({"X-RateLimit-Max": "100", "X-RateLimit-Remaining": "95"})  # never lowers our count
    assert window("location:shared").used == 10


def test_remaining_without_max_counts_against_the_known_limit():
    time = FakeTime()
    bucket = limiter("location:nomax", time, default_limit=20)
    bucket.acquire()
    bucket.observe({"X-RateLimit-Remaining": "0"})
    assert window("location:nomax").used == 20

    bucket.acquire()  # the service said the window is spent, so we wait for the next one
    assert len(time.sleeps) == 1


def test_buckets_are_independent():
    time = FakeTime()
    first = limiter("location:one", time, default_limit=1)
    second = limiter("location:two", time, default_limit=1)
    first.acquire()
    second.acquire()
    assert time.sleeps == []


# --- races ----------------------------------------------------------------------------------

class WindowFull(Exception):
    pass


def stop_when_full(seconds):
    raise WindowFull


def race(key, now, threads=8, attempts_per_thread=20):
    """Many threads grab slots in one frozen window; return how many each one got."""
    granted = [0] * threads
    failures = []
    start = threading.Barrier(threads)

    def worker(index):
        bucket = LocationLimiter(key, default_limit=25, clock=lambda: now, sleep=stop_when_full)
        try:
            start.wait()
            for _ in range(attempts_per_thread):
                bucket.acquire()
                granted[index] += 1
        except WindowFull:
            pass
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert failures == []
    return granted


def skip_on_in_memory_sqlite():
    # The suite's SQLite test database is a file (backoffice/settings_test.py), where writers wait
    # their turn. An in-memory one, with its shared cache, fails a concurrent writer at once
    # ("database table is locked"), so races are only checked against a file or PostgreSQL.
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need an on-disk SQLite test database or PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_racing_threads_get_exactly_the_limit():
    skip_on_in_memory_sqlite()
    RateLimitWindow.objects.create(key="location:race", limit=25, interval_ms=10_000)

    granted = race("location:race", now=5_000.0)

    assert sum(granted) == 25
    assert window("location:race").used == 25


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_threads_open_the_next_window_once_and_fill_it_exactly():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent writers")
    RateLimitWindow.objects.create(key="location:rollover", limit=25, interval_ms=10_000,
                                   window_started_at=1_000.0, used=25)

    granted = race("location:rollover", now=1_010.5, threads=16)

    assert sum(granted) == 25
    row = window("location:rollover")
    assert row.used == 25 and row.window_started_at == 1_010.5
