"""Fixtures shared by the sandbox's tests."""
import pytest

from tests.agents.highlevel.sandbox.calls import location_caller


@pytest.fixture
def api(hl_sandbox):
    """Calls as the first seeded location, with its token (calls.location_caller)."""
    return location_caller(hl_sandbox)
