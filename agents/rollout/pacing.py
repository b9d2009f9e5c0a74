"""Rate-limit slots taken a few at a time: one database round trip per batch of calls, not per call.

The shared limiter (agents.highlevel.ratelimit) counts every call with an UPDATE of the bucket's
row; a rollout task makes about ten calls to one location in a row, so it reserves its slots
together. The reservation is a conditional UPDATE pinned to the window it read (same
`window_started_at`), so the slots count in exactly that window and are used only until it
ends; the limit per location is kept as strictly as with one UPDATE per call. Slots a task
does not use are lost until the window ends (a few of the location's 100 per 10 s).
"""
import time

from django.db.models import F
from requests.structures import CaseInsensitiveDict

from agents.models import RateLimitWindow

DAILY_LOW = 1000


class ReservingLimiter:
    """Wraps a LocationLimiter: same interface (`acquire`, `observe`), fewer writes."""

    def __init__(self, inner, *, batch: int = 10, clock=time.time):
        self.inner = inner
        self.key = inner.key
        self.batch = max(1, batch)
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
        row = RateLimitWindow.objects.filter(key=self.key).values("window_started_at", "interval_ms", "used", "limit").first()
        if row is None:
            self.inner.acquire()  # creates the bucket's row and takes one slot
            self.slots_left = 1  # acquire() above already counted the caller's call; nothing reserved
            self.window_ends_at = 0.0
            return True
        started, interval_s = row["window_started_at"], row["interval_ms"] / 1000.0
        _remember_bucket(self.key, row)
        size = min(self.batch, row["limit"])
        pinned = RateLimitWindow.objects.filter(key=self.key, window_started_at=started)
        if started + interval_s > now:
            won = pinned.filter(used__lte=F("limit") - size).update(used=F("used") + size)
            ends_at, counted = started + interval_s, row["used"] + size
        else:
            won = pinned.update(window_started_at=now, used=size)
            ends_at, counted = now + interval_s, size
        if not won:
            return False
        self.slots_left, self.window_ends_at, self.counted_in_window = size, ends_at, counted
        return True

    def observe(self, headers) -> None:
        """Pass on what the service says only when it tells something new (saves an UPDATE per call)."""
        headers = CaseInsensitiveDict(headers or {})
        daily = _int(headers.get("X-RateLimit-Daily-Remaining"))
        if daily is not None and daily >= DAILY_LOW:
            headers.pop("X-RateLimit-Daily-Remaining", None)  # for people to read; the sync records it
        limit, remaining = _int(headers.get("X-RateLimit-Max")), _int(headers.get("X-RateLimit-Remaining"))
        known = self.inner_bucket()
        same_limits = limit in (None, known.get("limit")) and _int(headers.get("X-RateLimit-Interval-Milliseconds")) in (
            None, known.get("interval_ms"))
        counted_already = (limit is not None and remaining is not None and self.clock() < self.window_ends_at
                           and limit - remaining <= self.counted_in_window)
        if same_limits and counted_already and "X-RateLimit-Daily-Remaining" not in headers:
            return
        self.inner.observe(headers)

    def inner_bucket(self) -> dict:
        from agents.highlevel.ratelimit import _known_buckets

        return _known_buckets.get(self.key) or {}


def _remember_bucket(key: str, row: dict) -> None:
    from agents.highlevel.ratelimit import _known_buckets

    _known_buckets.setdefault(key, {"limit": row["limit"], "interval_ms": row["interval_ms"],
                                    "window_started_at": row["window_started_at"]})


def _int(value):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def reserving(limiter, *, batch: int):
    return ReservingLimiter(limiter, batch=batch) if limiter is not None else None
