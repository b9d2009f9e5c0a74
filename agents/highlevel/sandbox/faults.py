"""Switchable faults: the ways the real service misbehaves, on demand and reproducibly.

Every random choice comes from one RNG seeded at construction, so a test that sets
`error_rate=0.5` sees the same requests fail on every run (when its requests are sequential).
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass, fields


@dataclass
class FaultSettings:
    latency_ms: int = 0            # added to every answer
    error_rate: float = 0.0        # fraction of requests answered 5xx, before anything is done
    rate_limit_burst: int = 0      # the next N requests are answered 429
    timeout_rate: float = 0.0      # fraction of requests that hang `timeout_seconds` before being handled
    timeout_seconds: float = 20.0  # long enough to trip a client's timeout
    drop_create_rate: float = 0.0  # fraction of agent/action creates that succeed but get no answer
    error_status: int = 500        # the status the injected 5xx answers carry


class Faults:
    def __init__(self, seed: int = 1):
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self.settings = FaultSettings()
        # Set on reset/stop so that hanging requests let go at once.
        self.release_hangs = threading.Event()

    def update(self, **changes) -> FaultSettings:
        known = {f.name for f in fields(FaultSettings)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        with self._lock:
            for name, value in changes.items():
                setattr(self.settings, name, type(getattr(self.settings, name))(value))
            self.release_hangs.clear()
            return self.snapshot()

    def clear(self) -> None:
        with self._lock:
            self.settings = FaultSettings()
            self._rng = random.Random(self._seed)
            self.release_hangs.set()

    def snapshot(self) -> FaultSettings:
        return FaultSettings(**{f.name: getattr(self.settings, f.name) for f in fields(FaultSettings)})

    def as_dict(self) -> dict:
        snap = self.snapshot()
        return {f.name: getattr(snap, f.name) for f in fields(FaultSettings)}

    def _roll(self, rate: float) -> bool:
        # Draw even at rate 0 only when a rate is set, so unrelated faults do not shift the sequence.
        return rate > 0 and self._rng.random() < rate

    def take_rate_limit_burst(self) -> bool:
        with self._lock:
            if self.settings.rate_limit_burst > 0:
                self.settings.rate_limit_burst -= 1
                return True
            return False

    def should_error(self) -> bool:
        with self._lock:
            return self._roll(self.settings.error_rate)

    def should_hang(self) -> bool:
        with self._lock:
            return self._roll(self.settings.timeout_rate)

    def should_drop_create(self) -> bool:
        with self._lock:
            return self._roll(self.settings.drop_create_rate)

    def hang(self) -> None:
        self.release_hangs.wait(self.settings.timeout_seconds)

    def delay(self) -> None:
        if self.settings.latency_ms > 0:
            self.release_hangs.wait(self.settings.latency_ms / 1000)
