"""Fixtures for the deletion tests: a synced sandbox agent with actions and follow-up settings,
a second manager to review, and a clock the tests can move."""
from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Agent
from agents.sync import sync_location


class Clock:
    """Moves django.utils.timezone.now, which every deletion service reads."""

    def __init__(self, monkeypatch):
        self._real_now = timezone.now
        self.offset = timedelta()
        monkeypatch.setattr(timezone, "now", lambda: self._real_now() + self.offset)

    def advance(self, **delta):
        self.offset += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def fast_client(settings):
    # Failures should fail at once: no backoff sleeps between the client's retries.
    settings.HIGHLEVEL_MAX_RETRIES = 0


@pytest.fixture
def reviewer(django_user_model):
    return django_user_model.objects.create_user("reviewer", password="reviewer-pass-123", is_staff=True, is_superuser=True)


def remote_agent_with_followups(hl_sandbox, location_id: str) -> dict:
    """The location's agent that carries the advancedFollowup action, switched to auto-pilot."""
    state = hl_sandbox.state
    followup = next(a for a in state.actions.values()
                    if a["type"] == "advancedFollowup" and state.agents[a["agentId"]]["locationId"] == location_id)
    remote = state.agents[followup["agentId"]]
    remote["mode"] = "auto-pilot"
    return remote


@pytest.fixture
def synced_agent(hl_sandbox, sandbox_locations, fast_client):
    """A mirrored agent in auto-pilot with actions (one advancedFollowup with follow-up settings)."""
    location = sandbox_locations[0]
    remote = remote_agent_with_followups(hl_sandbox, location.hl_id)
    sync_location(location)
    return Agent.objects.get(location=location, hl_id=remote["id"])


@pytest.fixture
def other_agent(synced_agent):
    return Agent.objects.filter(location=synced_agent.location, state=Agent.State.ACTIVE).exclude(pk=synced_agent.pk).first()
