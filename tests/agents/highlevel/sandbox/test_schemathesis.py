"""Schemathesis against the sandbox, over real HTTP, with HighLevel's official Conversation AI document.

Every one of the 12 operations gets the document's examples, its coverage cases (boundaries,
missing and wrong-typed parameters, methods outside the contract) and fuzzed cases, valid
(positive) and invalid (negative), all checked with:
- not_a_server_error: no 5xx, whatever is sent;
- response_schema_conformance: every documented answer matches its schema;
- negative_data_rejection: a request the document calls invalid is refused with a 4xx.

The document is read where settings.HIGHLEVEL_OPENAPI_DIR says, never copied; the one place it is
corrected, in memory, is `nullable_by_prose` below. Generation is derandomized (deterministic=True):
CI sees the same ~2,000 cases every run, in about 20 s on two cores.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, response_schema_conformance

DOCUMENT = Path(settings.HIGHLEVEL_OPENAPI_DIR) / "apps" / "conversation-ai.json"
CHECKS = [not_a_server_error, response_schema_conformance, negative_data_rejection]
MAX_EXAMPLES = 50  # fuzzed cases per operation, besides its examples and coverage cases


def nullable_by_prose(document: dict) -> dict:
    """Where the document is wrong: sleepTime and sleepTimeUnit of CreateEmployeeDto and
    UpdateEmployeeDto are typed number and string, never nullable, yet their descriptions say
    "Set to null for indefinite sleep", and the service takes null there (HIGHLEVEL_API.md).
    Left alone, schemathesis would send that null as invalid data and expect it refused. Only
    these four properties are made nullable, and only while their prose still says so."""
    for dto in ("CreateEmployeeDto", "UpdateEmployeeDto"):
        for field in ("sleepTime", "sleepTimeUnit"):
            prop = document["components"]["schemas"][dto]["properties"][field]
            assert "Set to null for indefinite sleep" in prop["description"], (dto, field)
            prop["nullable"] = True
            if "enum" in prop:  # in OpenAPI 3.0 an enum must list null too, or nullable changes nothing
                prop["enum"] = [*prop["enum"], None]
    return document


schema = schemathesis.openapi.from_dict(nullable_by_prose(json.loads(DOCUMENT.read_text())))
schema.location = DOCUMENT.absolute().as_uri()  # as from_path sets it, so ../common/*.json $refs resolve
schema.config.generation.update(modes=["positive", "negative"], max_examples=MAX_EXAMPLES, deterministic=True)

SEEN: Counter = Counter()  # (operation, mode, status) of every case sent, for the summary


def use_existing_ids(case, state, location_id: str) -> None:
    """Point the case at things that exist, so it reaches validation and a real answer instead of
    stopping at a 404. Only parts generated valid are touched, with values just as valid: the
    path ids (plain strings in the document, so never negative), and in valid parts, the follow-up
    action ids and the generation's message id, which random strings would never hit."""
    agent = next(agent for agent in state.agents_in(location_id)
                 if any(action["type"] == "advancedFollowup" for action in state.actions_of(agent["id"])))
    actions = state.actions_of(agent["id"])
    ids = {"agentId": agent["id"], "actionId": actions[0]["id"]}
    for name in case.path_parameters or {}:
        case.path_parameters[name] = ids[name]
    if case.operation.path.endswith("/followup-settings") and not case.meta.is_negative_at(ParameterLocation.BODY):
        case.body["actionIds"] = [action["id"] for action in actions if action["type"] == "advancedFollowup"]
    if case.operation.path.endswith("/generations") and not case.meta.is_negative_at(ParameterLocation.QUERY):
        message_id = state.generation_ids(location_id)[0]
        case.query = {**case.query, "messageId": message_id, "source": state.generations[message_id]["source"]}


@schema.parametrize()
# hl_sandbox is function-scoped; each case resets its world itself (below), so sharing it is safe.
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_conversation_ai(case, hl_sandbox, schemathesis_summary):
    # Every case starts from the same one-location world with rate limits cleared: a delete or an
    # update by an earlier case cannot change what a later one meets, and 100 requests per 10 s
    # never turn a case into a 429.
    state = hl_sandbox.state
    state.reset(locations=1)
    location = hl_sandbox.locations[0]
    use_existing_ids(case, state, location["locationId"])
    # The bearer token goes in the headers; for its "missing Authorization" cases schemathesis
    # leaves it out itself.
    response = case.call(base_url=hl_sandbox.base_url, headers={"Authorization": f"Bearer {location['token']}"})
    SEEN[(case.operation.label, case.meta.generation.mode.value, response.status_code)] += 1
    case.validate_response(response, checks=CHECKS)


@pytest.fixture(scope="module")
def schemathesis_summary(request):
    yield
    if SEEN:
        modes = Counter()
        statuses = Counter()
        for (_, mode, status), count in SEEN.items():
            modes[mode] += count
            statuses[status] += count
        line = (f"schemathesis: {sum(modes.values())} cases over {len({op for op, _, _ in SEEN})} operations "
                f"({dict(modes)}), statuses {dict(sorted(statuses.items()))}")
        # Written past pytest's capture, so that CI's log shows what the run covered.
        plugins = request.config.pluginmanager
        reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"\n{line}")


def test_every_operation_was_answered_successfully(schemathesis_summary):
    """The run means something only if each operation got past validation at least once."""
    operations = {op for op, _, _ in SEEN}
    if len(operations) < 12:
        pytest.skip("needs the whole schemathesis run of this module")
    succeeded = {op for op, _, status in SEEN if 200 <= status < 300}
    assert succeeded == operations
