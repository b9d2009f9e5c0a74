"""Everything the sandbox knows, in memory, behind one lock.

Locations, tokens with their scopes, agents, actions, follow-up settings, generations and the
agency connection. Handlers take `state.lock` around each operation, so concurrent requests see
one consistent world, as they would at HighLevel.
"""
from __future__ import annotations

import itertools
import random
import string
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from .faults import Faults
from .ratelimit import RateLimiter

READ_SCOPE = "conversation-ai.readonly"
WRITE_SCOPE = "conversation-ai.write"
LOCATIONS_READ_SCOPE = "locations.readonly"
LOCATION_TOKEN_SCOPES = frozenset((READ_SCOPE, WRITE_SCOPE, LOCATIONS_READ_SCOPE))
AGENCY_TOKEN_SCOPES = frozenset(("oauth.readonly", "oauth.write", LOCATIONS_READ_SCOPE))
ACCESS_TOKEN_LIFETIME_SECONDS = 86399  # "about one day", as the live service says
# HighLevel publishes none for its install codes; OAuth's RFC 6749 says ten minutes at most.
AUTH_CODE_LIFETIME_SECONDS = 600

_ID_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Token:
    value: str
    kind: str                    # "location" or "agency"
    scopes: frozenset
    company_id: str
    location_id: str | None = None
    expires_at: float | None = None  # epoch seconds; None for a PIT, which does not expire

    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= time.time()


class Stats:
    """What the sandbox was asked: to check pacing, retries and that a dry run wrote nothing."""

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.by_method_and_op: Counter = Counter()
            self.by_status: Counter = Counter()
            self.writes = 0

    def record(self, method: str, op: str, status: int | None) -> None:
        with self._lock:
            self.by_method_and_op[f"{method} {op}"] += 1
            self.by_status[str(status) if status else "dropped"] += 1

    def record_write(self) -> None:
        with self._lock:
            self.writes += 1

    def as_dict(self) -> dict:
        with self._lock:
            by_method: Counter = Counter()
            by_op: Counter = Counter()
            for key, count in self.by_method_and_op.items():
                method, op = key.split(" ", 1)
                by_method[method] += count
                by_op[op] += count
            return {
                "total": sum(self.by_method_and_op.values()),
                "requests": dict(self.by_method_and_op),
                "by_method": dict(by_method),
                "by_op": dict(by_op),
                "by_status": dict(self.by_status),
                "writes": self.writes,
            }


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class GroupedRows(dict):
    """id -> row (a dict), with the ids also grouped by one field of the row, which never changes
    (an agent's locationId, an action's agentId): a thousand-location world answers "the agents
    of this location" without reading every agent."""

    def __init__(self, by: str):
        super().__init__()
        self.by = by
        self.groups: dict[str, dict[str, None]] = {}  # group -> ids, in insertion order

    def __setitem__(self, key, row):
        if key not in self:
            self.groups.setdefault(row[self.by], {})[key] = None
        super().__setitem__(key, row)

    def __delitem__(self, key):
        self.groups[self[key][self.by]].pop(key, None)
        super().__delitem__(key)

    def pop(self, key, *default):
        if key in self:
            self.groups[self[key][self.by]].pop(key, None)
        return super().pop(key, *default)

    def clear(self):
        self.groups.clear()
        super().clear()

    def group(self, value) -> list[dict]:
        return [self[key] for key in self.groups.get(value, ())]


class SandboxState:
    def __init__(self, *, locations: int = 0, seed: int = 1, rate_limit: int = 100,
                 rate_limit_interval_ms: int = 10_000, daily_limit: int = 200_000):
        self.lock = threading.RLock()
        self.faults = Faults(seed)
        self._rate_limit_settings = (rate_limit, rate_limit_interval_ms, daily_limit)
        self.rate_limiter = RateLimiter(*self._rate_limit_settings)
        self.stats = Stats()
        self.seed(locations=locations, seed=seed)

    # --- lifecycle -------------------------------------------------------------------------

    def seed(self, locations: int = 25, seed: int = 1) -> None:
        """Replace the whole world with `locations` freshly seeded ones; same seed, same world."""
        from .seeding import populate  # seeding builds on this module

        with self.lock:
            # Requests that began in an earlier world are abandoned rather than let into this one.
            self.world_version = getattr(self, "world_version", 0) + 1
            self._seeded_with = (locations, seed)
            self._ids = random.Random(f"ids-{seed}")
            # Agents are paged in creation order, like ids that grow with time; a deleted agent's
            # place is remembered so that paging on from it still works.
            self._sequence = itertools.count(1)
            self.deleted_agent_sequence: dict[str, int] = {}
            self.locations: dict[str, dict] = {}
            self.tokens: dict[str, Token] = {}
            self.agents = GroupedRows("locationId")   # agent id -> agent, in creation order
            self.actions = GroupedRows("agentId")     # action id -> action, in creation order
            self.followup_settings: dict[str, dict] = {}  # agent id -> settings
            self.generations: dict[str, dict] = {}  # message id -> {locationId, source, details}
            self.agency: dict = {}
            # The one valid refresh token -> companyId. agency["refreshToken"] stays the seeded one,
            # as written in the tokens file; after a refresh only the newest works.
            self.refresh_tokens: dict[str, str] = {}
            # The install (install_api): codes not yet exchanged, refresh tokens of sub-account
            # installs (-> locationId), and where the app is installed (locationId -> installedAt).
            self.auth_codes: dict[str, dict] = {}
            self.location_refresh_tokens: dict[str, str] = {}
            self.auth_code_lifetime_seconds = AUTH_CODE_LIFETIME_SECONDS
            self.omit_approved_locations = 0  # HighLevel's bulk-install trouble, on demand
            self.unlisted_installs: set[str] = set()  # installed, but not in installedLocations yet
            # Where the sandbox posts its signed webhooks (signup.py); kept across resets.
            self.webhook_url = getattr(self, "webhook_url", "")
            populate(self, random.Random(seed), locations)
            # The seeded agency connection stands for an install already made on every location.
            self.installed: dict[str, str] = {lid: row["installedAt"] for lid, row in self.locations.items()}
            self.install_to_future_locations = True

    def reset(self, *, locations: int | None = None, seed: int | None = None) -> None:
        """Back to the seeded world, with faults off, rate limits as built and stats cleared.

        `locations` and `seed` change the world seeded from now on.
        """
        seeded_locations, seeded_seed = self._seeded_with
        locations = seeded_locations if locations is None else locations
        seed = seeded_seed if seed is None else seed
        self.seed(locations=locations, seed=seed)
        max_requests, interval_ms, daily_limit = self._rate_limit_settings
        self.rate_limiter.configure(max_requests=max_requests, interval_ms=interval_ms, daily_limit=daily_limit)
        self.rate_limiter.reset()
        self.stats.clear()
        # Last, once the world is new: hanging requests wake up, see it, and are dropped.
        self.faults.clear()

    def abandon_pending_requests(self) -> None:
        """Drop every request still waiting on a latency or timeout fault, without answering it."""
        with self.lock:
            self.world_version += 1
        self.faults.release_hangs.set()

    # --- ids and tokens --------------------------------------------------------------------

    def new_id(self, length: int = 20) -> str:
        with self.lock:
            return "".join(self._ids.choice(_ID_ALPHABET) for _ in range(length))

    def next_sequence(self) -> int:
        with self.lock:
            return next(self._sequence)

    def issue_token(self, location_id: str | None = None, *, scopes=None, expired: bool = False,
                    expires_in: float | None = None, kind: str | None = None) -> str:
        """A new bearer token: for a location (a PIT unless `expires_in`) or, without one, the agency.

        For tests: `scopes` narrows what it may do; `expired=True` makes it already stale.
        """
        kind = kind or ("location" if location_id else "agency")
        if kind == "location" and location_id not in self.locations:
            raise KeyError(f"unknown location {location_id!r}")
        default_scopes = LOCATION_TOKEN_SCOPES if kind == "location" else AGENCY_TOKEN_SCOPES
        if expired:
            expires_at = time.time() - 60
        elif expires_in is not None:
            expires_at = time.time() + expires_in
        else:
            expires_at = None
        prefix = "pit-" if kind == "location" and expires_at is None else f"sbx-{kind}-"
        token = Token(
            value=prefix + self.new_id(32),
            kind=kind,
            scopes=frozenset(default_scopes if scopes is None else scopes),
            company_id=self.agency.get("companyId", ""),
            location_id=location_id if kind == "location" else None,
            expires_at=expires_at,
        )
        with self.lock:
            self.tokens[token.value] = token
        return token.value

    def token(self, value: str | None) -> Token | None:
        with self.lock:
            return self.tokens.get(value or "")

    # --- views for the tokens file and the test fixture ------------------------------------

    def location_summaries(self) -> list[dict]:
        with self.lock:
            return [
                {"locationId": location["id"], "name": location["name"], "token": location["pitToken"]}
                for location in self.locations.values()
            ]

    def agency_summary(self) -> dict:
        with self.lock:
            return {key: self.agency[key] for key in ("companyId", "clientId", "clientSecret", "refreshToken", "appId")}

    def current_refresh_token(self) -> str:
        with self.lock:
            return next(iter(self.refresh_tokens))

    def agents_in(self, location_id: str) -> list[dict]:
        with self.lock:
            return self.agents.group(location_id)

    def actions_of(self, agent_id: str) -> list[dict]:
        with self.lock:
            return self.actions.group(agent_id)

    def generation_ids(self, location_id: str) -> list[str]:
        with self.lock:
            return [mid for mid, gen in self.generations.items() if gen["locationId"] == location_id]
