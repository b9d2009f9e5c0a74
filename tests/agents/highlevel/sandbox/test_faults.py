"""Each switchable fault, in process and over HTTP, reproducible from the seed."""
import time

import pytest
import requests

from agents.highlevel.sandbox.faults import Faults
from tests.agents.highlevel.sandbox.payloads import valid_action, valid_agent

AGENTS = "/conversation-ai/agents"


def test_latency_delays_every_answer(hl_sandbox, api):
    hl_sandbox.set_faults(latency_ms=150)
    started = time.monotonic()
    assert api.get(f"{AGENTS}/search").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_error_rate_answers_5xx_and_changes_nothing(hl_sandbox, api):
    hl_sandbox.set_faults(error_rate=1.0)
    response = api.post(AGENTS, json=valid_agent(name="Never made"))
    assert response.status_code == 500 and response.json()["statusCode"] == 500
    assert hl_sandbox.stats()["writes"] == 0
    assert "X-RateLimit-Remaining" in response.headers
    hl_sandbox.set_faults(error_rate=0.0, error_status=503)
    assert api.get(f"{AGENTS}/search").status_code == 200


def test_a_partial_error_rate_is_the_same_on_every_run(hl_sandbox, api):
    def run():
        hl_sandbox.state.reset()
        hl_sandbox.set_faults(error_rate=0.5)
        return [api.get(f"{AGENTS}/search").status_code for _ in range(12)]

    first = run()
    assert set(first) == {200, 500}
    assert run() == first


def test_rate_limit_burst_forces_429_for_the_next_n_requests(hl_sandbox, api):
    hl_sandbox.set_faults(rate_limit_burst=2)
    statuses = [api.get(f"{AGENTS}/search") for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["X-RateLimit-Remaining"] == "0"


def test_timeout_rate_hangs_long_enough_to_trip_a_client_timeout(hl_sandbox, api):
    hl_sandbox.set_faults(timeout_rate=1.0, timeout_seconds=1.0)
    with pytest.raises(requests.Timeout):
        api.get(f"{AGENTS}/search", timeout=0.2)
    hl_sandbox.set_faults(timeout_rate=0.0)
    assert api.get(f"{AGENTS}/search").status_code == 200


def test_a_hung_write_still_happens_after_the_client_gave_up(hl_sandbox, api):
    # As live: a timed-out create may still have created the agent; look before creating again.
    hl_sandbox.set_faults(timeout_rate=1.0, timeout_seconds=0.3)
    with pytest.raises(requests.Timeout):
        api.post(AGENTS, json=valid_agent(name="Slow but real"), timeout=0.1)
    hl_sandbox.set_faults(timeout_rate=0.0)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and hl_sandbox.stats()["writes"] == 0:
        time.sleep(0.02)
    assert [a["name"] for a in api.get(f"{AGENTS}/search", params={"query": "slow"}).json()["agents"]] == [
        "Slow but real"]


def test_a_request_hanging_through_a_reset_is_dropped_not_let_into_the_new_world(hl_sandbox, api):
    import threading

    hl_sandbox.set_faults(timeout_rate=1.0, timeout_seconds=5)
    outcome = {}

    def create():
        try:
            outcome["status"] = api.post(AGENTS, json=valid_agent(name="From the old world"), timeout=3).status_code
        except requests.RequestException as error:
            outcome["error"] = error

    caller = threading.Thread(target=create)
    caller.start()
    time.sleep(0.3)  # long enough for the request to arrive and start hanging
    hl_sandbox.state.reset()
    caller.join(timeout=5)
    assert isinstance(outcome.get("error"), requests.ConnectionError)
    assert not [a for a in hl_sandbox.state.agents.values() if a["name"] == "From the old world"]
    assert hl_sandbox.stats()["total"] == 0


def test_drop_create_creates_the_agent_but_never_answers(hl_sandbox, api):
    hl_sandbox.set_faults(drop_create_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        api.post(AGENTS, json=valid_agent(name="Ghost"))
    hl_sandbox.set_faults(drop_create_rate=0.0)
    found = api.get(f"{AGENTS}/search", params={"query": "ghost"}).json()
    assert found["totalCount"] == 1
    assert hl_sandbox.stats()["writes"] == 1
    assert hl_sandbox.stats()["by_status"].get("dropped") == 1


def test_drop_create_also_loses_action_creates_but_not_reads(hl_sandbox, api):
    agent_id = hl_sandbox.state.agents_in(hl_sandbox.locations[0]["locationId"])[0]["id"]
    before = len(hl_sandbox.state.actions_of(agent_id))
    hl_sandbox.set_faults(drop_create_rate=1.0)
    assert api.get(f"{AGENTS}/{agent_id}").status_code == 200
    with pytest.raises(requests.ConnectionError):
        api.post(f"{AGENTS}/{agent_id}/actions", json=valid_action("transferBot"))
    assert len(hl_sandbox.state.actions_of(agent_id)) == before + 1


def test_faults_are_set_over_http_and_reported_back(hl_sandbox, api):
    response = requests.post(f"{hl_sandbox.base_url}/_sandbox/faults", json={"error_rate": 1, "latency_ms": 1},
                             timeout=5)
    assert response.status_code == 200
    assert response.json()["error_rate"] == 1.0 and response.json()["latency_ms"] == 1
    assert api.get(f"{AGENTS}/search").status_code == 500
    refused = requests.post(f"{hl_sandbox.base_url}/_sandbox/faults", json={"gremlins": 1}, timeout=5)
    assert refused.status_code == 400


def test_control_endpoints_are_never_faulted(hl_sandbox):
    hl_sandbox.set_faults(error_rate=1.0, rate_limit_burst=5)
    assert requests.get(f"{hl_sandbox.base_url}/_sandbox/stats", timeout=5).status_code == 200
    assert requests.get(f"{hl_sandbox.base_url}/_sandbox/faults", timeout=5).json()["rate_limit_burst"] == 5


def test_unknown_fault_names_are_refused_in_process():
    with pytest.raises(ValueError, match="gremlins"):
        Faults().update(gremlins=1)


def test_clear_turns_everything_off_and_rewinds_the_dice():
    faults = Faults(seed=7)
    faults.update(error_rate=0.5)
    first = [faults.should_error() for _ in range(10)]
    faults.clear()
    assert faults.as_dict()["error_rate"] == 0.0
    faults.update(error_rate=0.5)
    assert [faults.should_error() for _ in range(10)] == first
