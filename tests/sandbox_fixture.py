"""pytest plugin: the `hl_sandbox` fixture, a HighLevel sandbox on a free loopback port.

One server runs for the whole session (starting one per test would cost a port and a thread each
time); every test gets it back in its seeded state, with faults off and stats and rate limits
cleared. Needs no database.

    def test_something(hl_sandbox):
        location = hl_sandbox.locations[0]          # {"locationId", "name", "token"}
        requests.get(f"{hl_sandbox.base_url}/conversation-ai/agents/search",
                     headers={"Authorization": f"Bearer {location['token']}", "Version": "2021-04-15"})
        hl_sandbox.set_faults(error_rate=0.5)       # or drop_create_rate, timeout_rate, ...
        hl_sandbox.stats()["writes"]
"""
from __future__ import annotations

import pytest

from agents.highlevel.sandbox import SandboxServer, SandboxState

DEFAULT_LOCATIONS = 5
DEFAULT_SEED = 1


class SandboxHandle:
    """What a test sees of the running sandbox."""

    def __init__(self, server: SandboxServer):
        self.server = server

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def state(self) -> SandboxState:
        return self.server.state

    @property
    def locations(self) -> list[dict]:
        """[{"locationId", "name", "token"}], as in the tokens file."""
        return self.state.location_summaries()

    @property
    def agency(self) -> dict:
        """{"companyId", "clientId", "clientSecret", "refreshToken", "appId"}, as in the tokens file.

        refreshToken is the seeded one: once a test refreshes, it stops working and
        state.current_refresh_token() is the one that does.
        """
        return self.state.agency_summary()

    def set_faults(self, **settings) -> dict:
        self.state.faults.update(**settings)
        return self.state.faults.as_dict()

    def stats(self) -> dict:
        return self.state.stats.as_dict()

    def reseed(self, locations: int = DEFAULT_LOCATIONS, seed: int = DEFAULT_SEED) -> None:
        """A different world for this test (the next test gets the default one back)."""
        self.state.seed(locations=locations, seed=seed)

    def issue_token(self, location_id: str | None = None, **options) -> str:
        """Extra tokens: see SandboxState.issue_token (scopes=..., expired=True, kind="agency")."""
        return self.state.issue_token(location_id, **options)


@pytest.fixture(scope="session")
def _hl_sandbox_server():
    server = SandboxServer("127.0.0.1", 0, SandboxState(locations=DEFAULT_LOCATIONS, seed=DEFAULT_SEED))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hl_sandbox(_hl_sandbox_server):
    state = _hl_sandbox_server.state
    state.reset(locations=DEFAULT_LOCATIONS, seed=DEFAULT_SEED)
    yield SandboxHandle(_hl_sandbox_server)
    # Anything still hanging on a fault is dropped, so it cannot write into the next test's world.
    state.abandon_pending_requests()
