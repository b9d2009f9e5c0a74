"""Pacing of HighLevel calls per rate-limit bucket, shared by every worker through the database.

HighLevel allows a burst of `X-RateLimit-Max` requests per `X-RateLimit-Interval-Milliseconds`
per app and location. The bucket's state is one `RateLimitWindow` row. Every change is a single
conditional UPDATE whose row count says whether it won, so two processes can never both take
the last slot: the database serialises the UPDATEs, and each one re-checks its condition
against the row as it is at that moment. Nothing is read, changed in Python and written back.

Call `acquire()` outside `transaction.atomic()`: inside one, the row stays locked (and the count
is rolled back with the caller's work) until the caller's transaction ends.
"""
from __future__ import annotations

import logging
import random
import time

from django.db import connection
from django.db.models import ExpressionWrapper, F, FloatField
from requests.structures import CaseInsensitiveDict

from agents.models import RateLimitWindow

logger = logging.getLogger(__name__)

# Per process: what we last knew of each bucket, so acquire() is normally a single UPDATE.
_known_buckets: dict[str, dict] = {}
_daily_recorded: dict[str, float] = {}  # bucket -> when this process last wrote daily_remaining
DAILY_RECORD_EVERY_S = 5.0
DAILY_LOW = 1000

# The moment the current window ends, computed by the database from the row's own interval,
# so a process with an out-of-date idea of the interval still counts exactly.
_WINDOW_ENDS_AT = ExpressionWrapper(F("window_started_at") + F("interval_ms") / 1000.0, output_field=FloatField())


def _header_int(headers, name) -> int | None:
    try:
        value = int(str(headers.get(name)).strip())
    except (TypeError, ValueError, AttributeError):
        return None
    return value if value >= 0 else None


class LocationLimiter:
    def __init__(self, key, *, default_limit=100, default_interval_ms=10_000, sleep=time.sleep, clock=time.time):
        self.key = key
        self.default_limit = default_limit
        self.default_interval_ms = default_interval_ms
        self.sleep = sleep
        self.clock = clock
        self._random = random.Random()

    # --- taking a slot ---------------------------------------------------------------------

    def acquire(self) -> None:
        """Block until this process holds one request slot in the current window."""
        if self.key not in _known_buckets:
            self._load_bucket()
        while True:
            now = self.clock()
            # The last try: the window had ended, but another process opened the next one between
            # our two statements; it has free slots, and waiting it out would cost a whole interval.
            if self._take_slot(now) or self._open_new_window(now) or self._take_slot(now):
                return
            wait = self._seconds_until_window_ends(now)
            logger.debug("Rate limit bucket %s is full; waiting %.2f s", self.key, wait)
            self.sleep(wait)

    def _windows(self, now):
        rows = RateLimitWindow.objects.filter(key=self.key).alias(window_ends_at=_WINDOW_ENDS_AT)
        return rows.filter(window_ends_at__gt=now), rows.filter(window_ends_at__lte=now)

    def _take_slot(self, now) -> bool:
        current, _ = self._windows(now)
        return bool(current.filter(used__lt=F("limit")).update(used=F("used") + 1))

    def _open_new_window(self, now) -> bool:
        # Only one process can win this: after the first UPDATE the window no longer looks expired.
        _, expired = self._windows(now)
        return bool(expired.filter(limit__gt=0).update(window_started_at=now, used=1))

    def _seconds_until_window_ends(self, now) -> float:
        bucket = self._load_bucket()
        interval_s = bucket["interval_ms"] / 1000.0
        remaining = bucket["window_started_at"] + interval_s - now
        # The jitter keeps the waiting workers from all coming back in the same instant.
        jitter = self._random.uniform(0.01, max(0.02, min(0.25, interval_s / 20)))
        return max(0.0, remaining) + jitter

    def _load_bucket(self) -> dict:
        """Create the row if needed and remember what it says (the row also survives restarts)."""
        row, _ = RateLimitWindow.objects.get_or_create(
            key=self.key, defaults={"limit": self.default_limit, "interval_ms": self.default_interval_ms}
        )
        bucket = {"limit": row.limit, "interval_ms": row.interval_ms, "window_started_at": row.window_started_at}
        _known_buckets[self.key] = bucket
        return bucket

    # --- learning from answers -----------------------------------------------------------

    def observe(self, headers) -> None:
        """Adopt the limits HighLevel reports, and count requests made by others on the same bucket."""
        headers = headers or {}
        limit = _header_int(headers, "X-RateLimit-Max")
        interval_ms = _header_int(headers, "X-RateLimit-Interval-Milliseconds")
        remaining = _header_int(headers, "X-RateLimit-Remaining")
        daily_remaining = _header_int(headers, "X-RateLimit-Daily-Remaining")
        limit = limit or None  # a limit or interval of 0 is garbage, not an instruction to stop
        interval_ms = interval_ms or None

        known = _known_buckets.get(self.key) or self._load_bucket()
        changes = {}
        if limit is not None and limit != known["limit"]:
            changes["limit"] = limit
        if interval_ms is not None and interval_ms != known["interval_ms"]:
            changes["interval_ms"] = interval_ms
        if daily_remaining is not None and self._daily_worth_recording(daily_remaining):
            changes["daily_remaining"] = daily_remaining
        if changes:
            RateLimitWindow.objects.filter(key=self.key).update(**changes)
            known.update({name: changes[name] for name in ("limit", "interval_ms") if name in changes})

        if remaining is not None:
            self._account_for_others(remaining, limit)

    def _daily_worth_recording(self, daily_remaining: int) -> bool:
        """The daily quota is for people to read, not for pacing: record it every few seconds
        (or when it runs low) instead of writing the row on every answer."""
        now = self.clock()
        if _daily_due(self.key, daily_remaining, now):
            _daily_recorded[self.key] = now
            return True
        return False

    def _account_for_others(self, remaining: int, limit: int | None) -> None:
        """If HighLevel has fewer slots left than we think, someone else is using them: count them."""
        if limit is not None:
            used_by_service = max(0, limit - remaining)
        else:
            used_by_service = F("limit") - remaining
        if isinstance(used_by_service, int) and used_by_service == 0:
            return
        now = self.clock()
        current, expired = self._windows(now)
        if limit is None:
            current = current.filter(limit__gte=remaining)
            expired = expired.filter(limit__gte=remaining)
        # Only ever raise the counter: our own slots already taken in this window stay counted.
        if current.filter(used__lt=used_by_service).update(used=used_by_service):
            return
        # Our window has ended but the service's has not: start one holding what the service counts.
        expired.update(window_started_at=now, used=used_by_service)

# --- Reserving slots a few at a time ----------------------------------------------------------
#
# Rate-limit slots taken a few at a time: one database round trip per batch of calls, not per call.
#
# The shared limiter (agents.highlevel.ratelimit) counts every call with an UPDATE of the bucket's
# row; a rollout task makes about ten calls to one location in a row, so it reserves its slots
# together. The reservation is one conditional upsert (_take_batch) that returns the window the
# slots were counted in, so they are used only until that window ends; the limit per location is
# kept as strictly as with one UPDATE per call. Slots a task does not use are lost until the
# window ends (a few of the location's 100 per 10 s).

class ReservingLimiter:
    """Wraps a LocationLimiter: same interface (`acquire`, `observe`), fewer writes.

    The daily quota is for people to read (the admin shows it): it is recorded when it runs low,
    and otherwise only by jobs that pass `record_daily` (the sync), every few seconds per bucket.
    """

    def __init__(self, inner, *, batch: int = 10, record_daily: bool = False, clock=time.time):
        self.inner = inner
        self.key = inner.key
        self.batch = max(1, batch)
        self.record_daily = record_daily
        self.clock = clock
        self.slots_left = 0
        self.window_ends_at = 0.0
        self.counted_in_window = 0  # the bucket's count just after our reservation

    def acquire(self) -> None:
        now = self.clock()
        if self.slots_left > 0 and now < self.window_ends_at:
            self.slots_left -= 1
            return
        if self._reserve(now):
            self.slots_left -= 1
            return
        # The bucket has fewer free slots than a batch: one at a time, waiting when it is full.
        self.slots_left = 0
        self.inner.acquire()

    def _reserve(self, now: float) -> bool:
        inner = self.inner
        taken = _take_batch(self.key, self.batch, now, limit=inner.default_limit, interval_ms=inner.default_interval_ms)
        if taken is None:
            return False  # the window has fewer free slots than a batch
        _remember_bucket(self.key, taken)
        size = min(self.batch, taken["limit"])
        self.slots_left, self.counted_in_window = size, taken["used"]
        self.window_ends_at = taken["window_started_at"] + taken["interval_ms"] / 1000.0
        return True

    def observe(self, headers) -> None:
        """Pass on what the service says only when it tells something new (saves an UPDATE per call)."""
        headers = CaseInsensitiveDict(headers or {})
        daily = _header_int(headers, "X-RateLimit-Daily-Remaining")
        if daily is not None and not (daily < DAILY_LOW or self.record_daily and _daily_due(self.key, daily, self.inner.clock())):
            headers.pop("X-RateLimit-Daily-Remaining", None)
        limit, remaining = _header_int(headers, "X-RateLimit-Max"), _header_int(headers, "X-RateLimit-Remaining")
        known = self.inner_bucket()
        same_limits = limit in (None, known.get("limit")) and _header_int(headers, "X-RateLimit-Interval-Milliseconds") in (
            None, known.get("interval_ms"))
        counted_already = (limit is not None and remaining is not None and self.clock() < self.window_ends_at
                           and limit - remaining <= self.counted_in_window)
        if same_limits and counted_already and "X-RateLimit-Daily-Remaining" not in headers:
            return
        if counted_already:
            headers.pop("X-RateLimit-Remaining", None)  # our reservation already holds the slots it counts
        self.inner.observe(headers)

    def inner_bucket(self) -> dict:
        return _known_buckets.get(self.key) or {}


def _take_batch(key: str, batch: int, now: float, *, limit: int, interval_ms: int) -> dict | None:
    """Take min(batch, limit) slots of the bucket in one statement: in its current window if
    they are free, else in a new window if the current one has ended; a bucket nobody has used
    yet is created holding them (with `limit` and `interval_ms`). Returns the row as it is
    afterwards, or None when the current window has not enough free slots.

    Raw SQL for an upsert with RETURNING (PostgreSQL, and SQLite since 3.35), which the ORM
    lacks: without it a new bucket cost an UPDATE that found nothing, a SELECT and an INSERT
    that could lose a race. SET expressions all see the row as it was, and the WHERE is checked
    against the row at the moment of the update, so two processes can never both take the last
    slots, nor both create the bucket.
    """
    table, q = RateLimitWindow._meta.db_table, connection.ops.quote_name
    row = f"{q(table)}."  # the row already there (EXCLUDED would be the one proposed)
    size = f"(CASE WHEN {row}{q('limit')} < %s THEN {row}{q('limit')} ELSE %s END)"
    current = f"({row}{q('window_started_at')} + {row}{q('interval_ms')} / 1000.0 > %s)"
    sql = (
        f"INSERT INTO {q(table)} ({q('key')}, {q('window_started_at')}, {q('used')}, {q('limit')}, {q('interval_ms')}) "
        f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT ({q('key')}) DO UPDATE SET "
        f"{q('used')} = CASE WHEN {current} THEN {row}{q('used')} + {size} ELSE {size} END, "
        f"{q('window_started_at')} = CASE WHEN {current} THEN {row}{q('window_started_at')} ELSE %s END "
        f"WHERE (NOT {current} OR {row}{q('used')} + {size} <= {row}{q('limit')}) "
        f"RETURNING {q('window_started_at')}, {q('interval_ms')}, {q('used')}, {q('limit')}"
    )
    params = [key, now, min(batch, limit), limit, interval_ms,
              now, batch, batch, batch, batch, now, now, now, batch, batch]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        taken = cursor.fetchone()
    if taken is None:
        return None
    return dict(zip(("window_started_at", "interval_ms", "used", "limit"), taken))


def _daily_due(key: str, daily_remaining: int, now: float) -> bool:
    last = _daily_recorded.get(key)
    return last is None or daily_remaining < DAILY_LOW or now - last >= DAILY_RECORD_EVERY_S


def _remember_bucket(key: str, row: dict) -> None:
    _known_buckets.setdefault(key, {"limit": row["limit"], "interval_ms": row["interval_ms"],
                                    "window_started_at": row["window_started_at"]})


def reserving(limiter, *, batch: int, record_daily: bool = False):
    return ReservingLimiter(limiter, batch=batch, record_daily=record_daily) if limiter is not None else None
