"""A null is refused wherever the official document types a field and does not allow null.

Driven by the document (settings.HIGHLEVEL_OPENAPI_DIR): every property of the agent, action and
follow-up DTOs is sent as null in turn. No property there is declared `nullable`; the prose allows
null for an agent's sleepTime and sleepTimeUnit only ("Set to null for indefinite sleep").
"""
import copy
import json

import pytest
from django.conf import settings

from agents.highlevel import schema
from tests.agents.highlevel.sandbox.payloads import ACTION_DETAILS, valid_action, valid_agent, valid_followup_body

NULLABLE_BY_PROSE = {"sleepTime", "sleepTimeUnit"}
ACTION_DTOS = {
    "triggerWorkflow": "triggerWorkflowDto", "updateContactField": "updateContactFieldDto",
    "appointmentBooking": "appointmentBookingDto", "stopBot": "stopBotDto", "humanHandOver": "humanHandOverDto",
    "advancedFollowup": "advancedFollowupDto", "transferBot": "transferBotDto",
}


def _schemas() -> dict:
    document = settings.HIGHLEVEL_OPENAPI_DIR / "apps" / "conversation-ai.json"
    return json.loads(document.read_text())["components"]["schemas"]


SCHEMAS = _schemas()


def _properties(dto: str) -> list[str]:
    return sorted(SCHEMAS[dto]["properties"])


def _mentions(errors: list[str], path: str) -> bool:
    return any(message.startswith(f"{path} ") for message in errors)


def test_the_document_declares_nothing_nullable():
    assert "nullable" not in json.dumps(SCHEMAS)


def test_the_prose_allows_null_for_the_agents_sleep_only():
    allowed = {name for dto in ("CreateEmployeeDto", "UpdateEmployeeDto")
               for name, prop in SCHEMAS[dto]["properties"].items() if "null" in prop.get("description", "")}
    assert allowed == NULLABLE_BY_PROSE


AGENT_PROPERTIES = sorted(set(_properties("CreateEmployeeDto")) | set(_properties("UpdateEmployeeDto")))


@pytest.mark.parametrize("partial", [False, True])
@pytest.mark.parametrize("field", sorted(set(AGENT_PROPERTIES) - NULLABLE_BY_PROSE))
def test_an_agent_field_sent_null(field, partial):
    assert _mentions(schema.validate_agent(valid_agent(**{field: None}), partial=partial), field)


@pytest.mark.parametrize("partial", [False, True])
def test_the_agents_sleep_sent_null(partial):
    # Both together: a sleepTime of 24 with a null unit is refused, but for lack of a unit.
    assert schema.validate_agent(valid_agent(sleepTime=None, sleepTimeUnit=None), partial=partial) == []
    assert schema.validate_agent(valid_agent(sleepTime=None), partial=partial) == []


@pytest.mark.parametrize("action_type, field", [
    (action_type, field) for action_type, dto in ACTION_DTOS.items() for field in _properties(dto)
])
def test_an_action_detail_sent_null(action_type, field):
    action = valid_action(action_type)
    action["details"][field] = None
    assert _mentions(schema.validate_action(action), f"details.{field}")


@pytest.mark.parametrize("field", _properties("CreateActionDTO"))
def test_an_action_field_sent_null(field):
    assert _mentions(schema.validate_action({**valid_action(), field: None}), field)


@pytest.mark.parametrize("dto, path, place", [
    ("UpdateFollowupSettingsDTO", "", lambda body: body),
    ("FollowupSettings", "followupSettings.", lambda body: body["followupSettings"]),
    ("WorkingHours", "followupSettings.workingHours.0.", lambda body: body["followupSettings"]["workingHours"][0]),
    ("Interval", "followupSettings.workingHours.0.intervals.0.",
     lambda body: body["followupSettings"]["workingHours"][0]["intervals"][0]),
])
def test_a_followup_settings_field_sent_null(dto, path, place):
    for field in _properties(dto):
        body = valid_followup_body(["a1"])
        place(body)[field] = None
        assert _mentions(schema.validate_followup_settings(body), f"{path}{field}"), (dto, field)


@pytest.mark.parametrize("field", _properties("FollowupSequence"))
def test_a_followup_step_field_sent_null(field):
    details = copy.deepcopy(ACTION_DETAILS["advancedFollowup"])
    details["followupSequence"][0][field] = None
    errors = schema.validate_action({"type": "advancedFollowup", "name": "x", "details": details})
    assert _mentions(errors, f"details.followupSequence.0.{field}"), errors
