"""Every rule of agents.highlevel.schema, one broken at a time from a valid payload."""
import copy

import pytest

from agents.highlevel import schema
from tests.agents.highlevel.sandbox.payloads import ACTION_DETAILS, valid_action, valid_agent, valid_followup_body

# --- agents ----------------------------------------------------------------------------------


def test_a_full_valid_agent_passes_create_and_update():
    assert schema.validate_agent(valid_agent(), partial=False) == []
    assert schema.validate_agent(valid_agent(), partial=True) == []


def test_the_minimal_create_and_update_pass():
    minimal = {"name": "A", "personality": "p", "goal": "g", "instructions": "i"}
    assert schema.validate_agent(minimal, partial=False) == []
    assert schema.validate_agent({"autoPilotMaxMessages": 75}, partial=True) == []


@pytest.mark.parametrize("field", ["name", "personality", "goal", "instructions"])
def test_create_requires_the_four_texts(field):
    payload = valid_agent()
    del payload[field]
    assert schema.validate_agent(payload, partial=False) == [f"{field} should not be empty"]
    assert schema.validate_agent(valid_agent(**{field: ""}), partial=False) == [f"{field} should not be empty"]


def test_update_requires_auto_pilot_max_messages_and_nothing_else():
    payload = valid_agent()
    del payload["autoPilotMaxMessages"]
    assert schema.validate_agent(payload, partial=True) == ["autoPilotMaxMessages should not be empty"]
    assert schema.validate_agent({"autoPilotMaxMessages": 10, "mode": "off"}, partial=True) == []


def test_update_may_not_blank_a_required_text():
    assert schema.validate_agent({"autoPilotMaxMessages": 10, "goal": ""}, partial=True) == ["goal should not be empty"]


@pytest.mark.parametrize("changes, message", [
    ({"mode": "autopilot"}, "mode must be one of the following values: off, suggestive, auto-pilot"),
    ({"channels": ["SMS", "LIVE_CHAT"]},
     "each value in channels must be one of the following values: IG, FB, SMS, WebChat, WhatsApp, Live_Chat"),
    ({"channels": "SMS"}, "channels must be an array"),
    ({"waitTime": 301}, "waitTime must not be greater than 300 when waitTimeUnit is seconds"),
    ({"waitTime": 6, "waitTimeUnit": "minutes"}, "waitTime must not be greater than 5 when waitTimeUnit is minutes"),
    ({"waitTime": -1}, "waitTime must not be less than 0 when waitTimeUnit is seconds"),
    ({"waitTime": "2"}, "waitTime must be a number conforming to the specified constraints"),
    ({"waitTimeUnit": "hours"}, "waitTimeUnit must be one of the following values: seconds, minutes"),
    ({"sleepTime": 49, "sleepTimeUnit": "hours"}, "sleepTime must not be greater than 48 when sleepTimeUnit is hours"),
    ({"sleepTime": 2881, "sleepTimeUnit": "minutes"},
     "sleepTime must not be greater than 2880 when sleepTimeUnit is minutes"),
    ({"sleepTime": 172801, "sleepTimeUnit": "seconds"},
     "sleepTime must not be greater than 172800 when sleepTimeUnit is seconds"),
    ({"sleepTimeUnit": "days"}, "sleepTimeUnit must be one of the following values: hours, minutes, seconds"),
    ({"autoPilotMaxMessages": 0}, "autoPilotMaxMessages must not be less than 1"),
    ({"autoPilotMaxMessages": 101}, "autoPilotMaxMessages must not be greater than 100"),
    ({"autoPilotMaxMessages": True}, "autoPilotMaxMessages must be a number conforming to the specified constraints"),
    ({"knowledgeBaseIds": "kb1"}, "knowledgeBaseIds must be an array"),
    ({"knowledgeBaseIds": ["kb1", 2]}, "each value in knowledgeBaseIds must be a string"),
    ({"name": 5}, "name must be a string"),
    ({"businessName": ["x"]}, "businessName must be a string"),
    ({"isPrimary": "yes"}, "isPrimary must be a boolean value"),
    ({"sleepEnabled": 1}, "sleepEnabled must be a boolean value"),
    ({"respondToImages": "true"}, "respondToImages must be a boolean value"),
    ({"sleepOnManualMessage": 0}, "sleepOnManualMessage must be a boolean value"),
    ({"sleepOnWorkflowMessage": "no"}, "sleepOnWorkflowMessage must be a boolean value"),
    ({"locationId": "loc1"}, "property locationId should not exist"),
    ({"color": "blue"}, "property color should not exist"),
])
@pytest.mark.parametrize("partial", [False, True])
def test_agent_rules(changes, message, partial):
    assert schema.validate_agent(valid_agent(**changes), partial=partial) == [message]


@pytest.mark.parametrize("unit, maximum", sorted(schema.SLEEP_TIME_MAX.items()))
def test_sleep_time_at_its_maximum_passes(unit, maximum):
    assert schema.validate_agent(valid_agent(sleepTime=maximum, sleepTimeUnit=unit), partial=False) == []


def test_a_null_sleep_time_means_indefinitely_and_passes():
    assert schema.validate_agent(valid_agent(sleepTime=None, sleepTimeUnit=None), partial=False) == []
    assert schema.validate_agent(valid_agent(sleepTime=None), partial=True) == []


def test_a_sleep_time_needs_its_unit():
    payload = valid_agent()
    del payload["sleepTimeUnit"]
    assert schema.validate_agent(payload, partial=False) == ["sleepTimeUnit should not be empty when sleepTime is set"]


def test_wait_time_without_a_unit_is_read_as_seconds():
    assert schema.validate_agent({"autoPilotMaxMessages": 5, "waitTime": 300}, partial=True) == []
    assert schema.validate_agent({"autoPilotMaxMessages": 5, "waitTime": 301}, partial=True) == [
        "waitTime must not be greater than 300 when waitTimeUnit is seconds"]


def test_a_body_that_is_not_an_object_is_refused():
    assert schema.validate_agent([], partial=False) == ["body must be an object"]
    assert schema.validate_action("x") == ["body must be an object"]
    assert schema.validate_followup_settings(None) == ["body must be an object"]


# --- actions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action_type", schema.ACTION_TYPES)
def test_a_valid_action_of_each_type_passes(action_type):
    assert schema.validate_action(valid_action(action_type)) == []


def test_action_top_level_rules():
    assert schema.validate_action({"type": "sendSms", "name": "x", "details": {}}) == [
        "type must be one of the following values: " + ", ".join(schema.ACTION_TYPES)]
    assert schema.validate_action({"name": "x", "details": {}}) == ["type should not be empty"]
    assert schema.validate_action({**valid_action(), "name": ""}) == ["name should not be empty"]
    assert schema.validate_action({"type": "stopBot", "name": "x"}) == ["details should not be empty"]
    assert schema.validate_action({"type": "stopBot", "name": "x", "details": []}) == ["details must be an object"]
    assert schema.validate_action({**valid_action(), "id": "a1"}) == ["property id should not exist"]


def _without(action_type, field):
    action = valid_action(action_type)
    del action["details"][field]
    return action


REQUIRED_DETAILS = [
    (action_type, field)
    for action_type, fields in {
        "triggerWorkflow": ("workflowIds", "triggerCondition"),
        "updateContactField": ("contactFieldId", "description"),
        "appointmentBooking": ("calendarId", "onlySendLink", "triggerWorkflow", "sleepAfterBooking", "transferBot",
                               "rescheduleEnabled", "cancelEnabled"),
        "stopBot": ("stopBotDetectionType", "stopBotTriggerCondition", "reactivateEnabled", "enabled",
                    "stopBotExamples", "finalMessage"),
        "humanHandOver": ("enabled", "triggerCondition", "reactivateEnabled", "finalMessage", "handoverType"),
        "advancedFollowup": ("enabled", "scenarioId", "followupSequence"),
        "transferBot": ("transferBotType", "transferToBot", "enabled"),
    }.items()
    for field in fields
]


@pytest.mark.parametrize("action_type, field", REQUIRED_DETAILS)
def test_required_details(action_type, field):
    assert f"details.{field} should not be empty" in schema.validate_action(_without(action_type, field))


@pytest.mark.parametrize("action_type, changes, message", [
    ("triggerWorkflow", {"workflowIds": []}, "details.workflowIds must contain at least 1 elements"),
    ("triggerWorkflow", {"workflowIds": [1]}, "each value in details.workflowIds must be a string"),
    ("triggerWorkflow", {"triggerMessage": 3}, "details.triggerMessage must be a string"),
    ("triggerWorkflow", {"calendarId": "c"}, "property details.calendarId should not exist"),
    ("updateContactField", {"contactUpdateExamples": "x"}, "details.contactUpdateExamples must be an array"),
    ("appointmentBooking", {"onlySendLink": True},
     "details.triggerWorkflow must be false when details.onlySendLink is true"),
    ("appointmentBooking", {"onlySendLink": "no"}, "details.onlySendLink must be a boolean value"),
    ("appointmentBooking", {"workflowIds": []}, "details.workflowIds must contain at least 1 elements"),
    ("appointmentBooking", {"sleepTimeUnit": "seconds"},
     "details.sleepTimeUnit must be one of the following values: days, hours, minutes"),
    ("appointmentBooking", {"sleepTime": 0}, "details.sleepTime must not be less than 1"),
    ("appointmentBooking", {"transferAgent": ""}, "details.transferAgent should not be empty"),
    ("stopBot", {"stopBotExamples": ["bye"]}, "details.stopBotExamples must contain at least 2 elements"),
    ("stopBot", {"stopBotDetectionType": "Farewell"},
     "details.stopBotDetectionType must be one of the following values: Goodbye, Custom"),
    ("stopBot", {"tags": "done"}, "details.tags must be an array"),
    ("humanHandOver", {"handoverType": "angry"},
     "details.handoverType must be one of the following values: "
     "contactRequest, lackOfInformation, failedToResolveIssue, custom"),
    ("humanHandOver", {"examples": []}, "details.examples must contain at least 1 elements"),
    ("humanHandOver", {"createTask": "yes"}, "details.createTask must be a boolean value"),
    ("advancedFollowup", {"scenarioId": "contactLeft"},
     "details.scenarioId must be one of the following values: contactStoppedReplying, contactIsBusy, contactRequested"),
    ("advancedFollowup", {"followupSequence": []}, "details.followupSequence must contain at least 1 elements"),
    ("advancedFollowup", {"followupSequence": {}}, "details.followupSequence must be an array"),
    ("advancedFollowup", {"followupSettings": {"followUpHours": True}},
     "details.followupSettings.dynamicChannelSwitching should not be empty"),
    ("transferBot", {"transferBotType": "Sales"},
     "details.transferBotType must be one of the following values: Default, Custom"),
    ("transferBot", {"transferBotExamples": ["pricing"]},
     "details.transferBotExamples must contain at least 2 elements"),
    ("transferBot", {"transferBotTriggerCondition": ""}, "details.transferBotTriggerCondition should not be empty"),
])
def test_detail_rules(action_type, changes, message):
    assert message in schema.validate_action(valid_action(action_type, **changes))


@pytest.mark.parametrize("flag", schema.APPOINTMENT_FLAGS)
def test_only_send_link_forbids_each_other_flag(flag):
    details = {**ACTION_DETAILS["appointmentBooking"], "onlySendLink": True,
               **{other: False for other in schema.APPOINTMENT_FLAGS}, flag: True}
    action = {"type": "appointmentBooking", "name": "Book", "details": details}
    assert schema.validate_action(action) == [f"details.{flag} must be false when details.onlySendLink is true"]


def test_only_send_link_with_every_flag_false_passes():
    details = {"calendarId": "cal1", "onlySendLink": True, **{flag: False for flag in schema.APPOINTMENT_FLAGS}}
    assert schema.validate_action({"type": "appointmentBooking", "name": "Link", "details": details}) == []


@pytest.mark.parametrize("flag, needs", [
    ("triggerWorkflow", ["workflowIds"]),
    ("sleepAfterBooking", ["sleepTime", "sleepTimeUnit"]),
    ("transferBot", ["transferAgent"]),
])
def test_appointment_flags_need_their_details(flag, needs):
    action = valid_action("appointmentBooking")
    for field in needs:
        del action["details"][field]
    errors = schema.validate_action(action)
    assert errors and all(any(f"details.{field}" in error for error in errors) for field in needs)
    action["details"][flag] = False
    assert schema.validate_action(action) == []


@pytest.mark.parametrize("action_type", ["stopBot", "humanHandOver"])
def test_reactivation_needs_a_sleep_time_and_unit(action_type):
    action = valid_action(action_type)
    del action["details"]["sleepTime"], action["details"]["sleepTimeUnit"]
    assert schema.validate_action(action) == [
        "details.sleepTime should not be empty when details.reactivateEnabled is true",
        "details.sleepTimeUnit should not be empty when details.reactivateEnabled is true",
    ]
    action["details"]["reactivateEnabled"] = False
    assert schema.validate_action(action) == []


@pytest.mark.parametrize("handover_type, needs_examples", [
    ("custom", True), ("contactRequest", True), ("lackOfInformation", False), ("failedToResolveIssue", False),
])
def test_hand_over_examples_are_needed_for_custom_and_contact_request(handover_type, needs_examples):
    action = _without("humanHandOver", "examples")
    action["details"]["handoverType"] = handover_type
    expected = ["details.examples should not be empty"] if needs_examples else []
    assert schema.validate_action(action) == expected


def test_transfer_bot_default_needs_no_condition_nor_examples():
    action = valid_action("transferBot", transferBotType="Default")
    del action["details"]["transferBotTriggerCondition"], action["details"]["transferBotExamples"]
    assert schema.validate_action(action) == []
    action["details"]["transferBotType"] = "Custom"
    assert schema.validate_action(action) == [
        "details.transferBotTriggerCondition should not be empty", "details.transferBotExamples should not be empty"]


@pytest.mark.parametrize("unit, maximum", sorted(schema.FOLLOWUP_TIME_MAX.items()))
def test_followup_step_time_bounds(unit, maximum):
    def with_step(time):
        return valid_action("advancedFollowup", followupSequence=[
            {"id": 1, "followupTime": time, "followupTimeUnit": unit}])
    assert schema.validate_action(with_step(maximum)) == []
    assert schema.validate_action(with_step(maximum + 1)) == [
        f"details.followupSequence.0.followupTime must not be greater than {maximum} when followupTimeUnit is {unit}"]
    assert schema.validate_action(with_step(0)) == [
        f"details.followupSequence.0.followupTime must not be less than 1 when followupTimeUnit is {unit}"]


@pytest.mark.parametrize("step, message", [
    ({"followupTime": 1, "followupTimeUnit": "hours"}, "details.followupSequence.0.id should not be empty"),
    ({"id": 1, "followupTimeUnit": "hours"}, "details.followupSequence.0.followupTime should not be empty"),
    ({"id": 1, "followupTime": 1}, "details.followupSequence.0.followupTimeUnit should not be empty"),
    ({"id": 1, "followupTime": 1, "followupTimeUnit": "weeks"},
     "details.followupSequence.0.followupTimeUnit must be one of the following values: minutes, hours, days"),
    ({"id": 1, "followupTime": 1, "followupTimeUnit": "hours", "triggerWorkflow": True},
     "details.followupSequence.0.workflowId should not be empty"),
    ({"id": 1, "followupTime": 1, "followupTimeUnit": "hours", "aiEnabledMessage": "yes"},
     "details.followupSequence.0.aiEnabledMessage must be a boolean value"),
    ({"id": 1, "followupTime": 1, "followupTimeUnit": "hours", "delay": 3},
     "property details.followupSequence.0.delay should not exist"),
    ("step", "details.followupSequence.0 must be an object"),
])
def test_followup_step_rules(step, message):
    assert message in schema.validate_action(valid_action("advancedFollowup", followupSequence=[step]))


# --- follow-up settings ----------------------------------------------------------------------


def test_a_valid_followup_settings_body_passes():
    assert schema.validate_followup_settings(valid_followup_body(["a1"])) == []


@pytest.mark.parametrize("mutate, message", [
    (lambda body: body.pop("actionIds"), "actionIds should not be empty"),
    (lambda body: body.update(actionIds=[]), "actionIds must contain at least 1 elements"),
    (lambda body: body.pop("followupSettings"), "followupSettings should not be empty"),
    (lambda body: body.update(extra=1), "property extra should not exist"),
    (lambda body: body["followupSettings"].pop("dynamicChannelSwitching"),
     "followupSettings.dynamicChannelSwitching should not be empty"),
    (lambda body: body["followupSettings"].update(followUpHours="y"),
     "followupSettings.followUpHours must be a boolean value"),
    (lambda body: body["followupSettings"].update(timezoneToUse="utc"),
     "followupSettings.timezoneToUse must be one of the following values: contact, business"),
    (lambda body: body["followupSettings"].update(workingHours={}), "followupSettings.workingHours must be an array"),
    (lambda body: body["followupSettings"]["workingHours"][0].update(dayOfTheWeek=7),
     "followupSettings.workingHours.0.dayOfTheWeek must not be greater than 6"),
    (lambda body: body["followupSettings"]["workingHours"][0]["intervals"][0].update(startHour=24),
     "followupSettings.workingHours.0.intervals.0.startHour must not be greater than 23"),
    (lambda body: body["followupSettings"]["workingHours"][0]["intervals"][0].update(endMinute=60),
     "followupSettings.workingHours.0.intervals.0.endMinute must not be greater than 59"),
    (lambda body: body["followupSettings"]["workingHours"][0]["intervals"][0].update(endHour=8),
     "followupSettings.workingHours.0.intervals.0.endHour must be after "
     "followupSettings.workingHours.0.intervals.0.startHour"),
    (lambda body: body["followupSettings"]["workingHours"][0]["intervals"][0].pop("startMinute"),
     "followupSettings.workingHours.0.intervals.0.startMinute should not be empty"),
])
def test_followup_settings_rules(mutate, message):
    body = copy.deepcopy(valid_followup_body(["a1"]))
    mutate(body)
    assert message in schema.validate_followup_settings(body)


def test_the_settings_object_alone_can_be_checked():
    assert schema.followup_settings_errors({"dynamicChannelSwitching": True}) == []
    assert schema.followup_settings_errors({}) == ["dynamicChannelSwitching should not be empty"]


def test_the_write_only_agent_fields_are_those_the_documented_answer_lacks(settings):
    """Create and update accept them; EmployeeResponseDTO (get, create, update) does not return them."""
    import json

    document = json.loads((settings.HIGHLEVEL_OPENAPI_DIR / "apps" / "conversation-ai.json").read_text())
    schemas = document["components"]["schemas"]
    accepted = set(schemas["CreateEmployeeDto"]["properties"]) | set(schemas["UpdateEmployeeDto"]["properties"])
    answered = set(schemas["EmployeeResponseDTO"]["properties"])
    assert set(schema.AGENT_WRITE_ONLY_FIELDS) == (accepted - answered) & schema.AGENT_FIELDS
