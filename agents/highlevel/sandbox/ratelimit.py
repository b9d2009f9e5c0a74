"""HighLevel's rate limits, sandbox side: a burst window and a daily quota per bucket.

A bucket is a location (for location tokens), a company (for agency tokens) or the anonymous
caller: limits are per location and never pooled, as the contract says.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimitVerdict:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    def __init__(self, max_requests: int = 100, interval_ms: int = 10_000, daily_limit: int = 200_000,
                 clock=time.monotonic):
        self.max_requests = max_requests
        self.interval_ms = interval_ms
        self.daily_limit = daily_limit
        self._clock = clock
        self._lock = threading.Lock()
        self._recent: dict[str, deque] = {}
        self._daily: dict[str, tuple[int, int]] = {}  # bucket -> (day number, count)

    def configure(self, *, max_requests: int | None = None, interval_ms: int | None = None,
                  daily_limit: int | None = None) -> None:
        with self._lock:
            if max_requests is not None:
                self.max_requests = max_requests
            if interval_ms is not None:
                self.interval_ms = interval_ms
            if daily_limit is not None:
                self.daily_limit = daily_limit

    def reset(self) -> None:
        with self._lock:
            self._recent.clear()
            self._daily.clear()

    def check(self, bucket: str, *, force_limited: bool = False) -> RateLimitVerdict:
        """Count one request against the bucket; refused requests do not use up the window."""
        with self._lock:
            now = self._clock()
            window = self._recent.setdefault(bucket, deque())
            while window and (now - window[0]) * 1000 >= self.interval_ms:
                window.popleft()
            day = int(time.time() // 86400)
            counted_day, used_today = self._daily.get(bucket, (day, 0))
            if counted_day != day:
                used_today = 0
            allowed = (not force_limited and len(window) < self.max_requests
                       and used_today < self.daily_limit)
            if allowed:
                window.append(now)
                used_today += 1
            self._daily[bucket] = (day, used_today)
            headers = {
                "X-RateLimit-Max": str(self.max_requests),
                "X-RateLimit-Remaining": str(0 if force_limited else max(0, self.max_requests - len(window))),
                "X-RateLimit-Interval-Milliseconds": str(self.interval_ms),
                "X-RateLimit-Limit-Daily": str(self.daily_limit),
                "X-RateLimit-Daily-Remaining": str(max(0, self.daily_limit - used_today)),
            }
            return RateLimitVerdict(allowed=allowed, headers=headers)
