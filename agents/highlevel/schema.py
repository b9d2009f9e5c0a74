"""The enums, bounds and validation rules of HighLevel's Conversation AI contract.

One place for the rules of ../shared/HIGHLEVEL_API.md and the official OpenAPI documents, used by
the sandbox to answer 422 like the live service, and by the product's forms to refuse a template
before it is ever sent. Pure Python: no Django here.

Every validator returns a list of short, NestJS-like messages that name the field
("waitTime must not be greater than 300 when waitTimeUnit is seconds"); an empty list means valid.
Unknown fields are refused as "property X should not exist", as the live service's
whitelisting ValidationPipe does.
"""
from __future__ import annotations

from typing import Any

MODES = ("off", "suggestive", "auto-pilot")
CHANNELS = ("IG", "FB", "SMS", "WebChat", "WhatsApp", "Live_Chat")
WAIT_TIME_UNITS = ("seconds", "minutes")
WAIT_TIME_MAX = {"seconds": 300, "minutes": 5}
DEFAULT_WAIT_TIME = 2
DEFAULT_WAIT_TIME_UNIT = "seconds"
SLEEP_TIME_UNITS = ("hours", "minutes", "seconds")
SLEEP_TIME_MAX = {"hours": 48, "minutes": 2880, "seconds": 172800}
AUTO_PILOT_MAX_MESSAGES_MIN = 1
AUTO_PILOT_MAX_MESSAGES_MAX = 100
DEFAULT_AUTO_PILOT_MAX_MESSAGES = 75

AGENT_TEXT_FIELDS = ("name", "businessName", "personality", "goal", "instructions")
AGENT_CREATE_REQUIRED = ("name", "personality", "goal", "instructions")
AGENT_BOOLEAN_FIELDS = (
    "isPrimary", "sleepEnabled", "respondToImages", "respondToAudio",
    "sleepOnManualMessage", "sleepOnWorkflowMessage",
)
AGENT_FIELDS = frozenset((
    *AGENT_TEXT_FIELDS, *AGENT_BOOLEAN_FIELDS, "mode", "channels", "waitTime", "waitTimeUnit",
    "sleepTime", "sleepTimeUnit", "autoPilotMaxMessages", "knowledgeBaseIds",
))

ACTION_TYPES = (
    "triggerWorkflow", "updateContactField", "appointmentBooking", "stopBot",
    "humanHandOver", "advancedFollowup", "transferBot",
)
ACTION_FIELDS = frozenset(("type", "name", "details"))
# Sleep after an action (booking, stop, hand-over) is counted in these units.
ACTION_SLEEP_TIME_UNITS = ("days", "hours", "minutes")
STOP_BOT_DETECTION_TYPES = ("Goodbye", "Custom")
STOP_BOT_MIN_EXAMPLES = 2
HANDOVER_TYPES = ("contactRequest", "lackOfInformation", "failedToResolveIssue", "custom")
HANDOVER_TYPES_NEEDING_EXAMPLES = ("custom", "contactRequest")
FOLLOWUP_SCENARIOS = ("contactStoppedReplying", "contactIsBusy", "contactRequested")
FOLLOWUP_TIME_UNITS = ("minutes", "hours", "days")
FOLLOWUP_TIME_MAX = {"minutes": 60, "hours": 24, "days": 180}
TRANSFER_BOT_TYPES = ("Default", "Custom")
TRANSFER_BOT_MIN_EXAMPLES = 2
APPOINTMENT_FLAGS = ("triggerWorkflow", "sleepAfterBooking", "transferBot", "rescheduleEnabled", "cancelEnabled")
TIMEZONES_TO_USE = ("contact", "business")

# The properties each action type's `details` may carry: the OpenAPI document's, plus
# `description`, which updateContactFieldDto requires without declaring it.
ACTION_DETAIL_FIELDS = {
    "triggerWorkflow": frozenset(("workflowIds", "triggerCondition", "triggerMessage")),
    "updateContactField": frozenset(("contactFieldId", "description", "contactUpdateExamples")),
    "appointmentBooking": frozenset((
        "actionId", "calendarId", "onlySendLink", "triggerWorkflow", "workflowIds", "sleepAfterBooking",
        "sleepTime", "sleepTimeUnit", "transferBot", "transferAgent", "rescheduleEnabled", "cancelEnabled",
    )),
    "stopBot": frozenset((
        "stopBotDetectionType", "stopBotTriggerCondition", "reactivateEnabled", "sleepTime",
        "sleepTimeUnit", "enabled", "stopBotExamples", "finalMessage", "tags",
    )),
    "humanHandOver": frozenset((
        "enabled", "triggerCondition", "examples", "assignToUserId", "skipAssignToUser", "createTask",
        "reactivateEnabled", "sleepTime", "sleepTimeUnit", "finalMessage", "tags", "handoverType",
    )),
    "advancedFollowup": frozenset(("enabled", "scenarioId", "followupSequence", "followupSettings")),
    "transferBot": frozenset((
        "transferBotType", "transferToBot", "enabled", "transferBotTriggerCondition", "transferBotExamples",
    )),
}
FOLLOWUP_STEP_FIELDS = frozenset((
    "id", "followupTimeUnit", "followupTime", "aiEnabledMessage", "triggerWorkflow",
    "customMessage", "workflowId", "contactRequested",
))
FOLLOWUP_SETTINGS_FIELDS = frozenset(("dynamicChannelSwitching", "followUpHours", "workingHours", "timezoneToUse"))
FOLLOWUP_SETTINGS_BODY_FIELDS = frozenset(("actionIds", "followupSettings"))
WORKING_HOURS_FIELDS = frozenset(("dayOfTheWeek", "intervals"))
INTERVAL_FIELDS = frozenset(("startHour", "startMinute", "endHour", "endMinute"))


def is_number(value: Any) -> bool:
    # bool is an int in Python, but never a number in JSON.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Errors:
    """Collects messages for one object, naming each field with its path prefix."""

    def __init__(self, obj: dict, prefix: str = ""):
        self.obj = obj
        self.prefix = prefix
        self.messages: list[str] = []

    def name(self, field: str) -> str:
        return f"{self.prefix}{field}"

    def add(self, message: str) -> None:
        self.messages.append(message)

    def has(self, field: str) -> bool:
        return field in self.obj and self.obj[field] is not None

    def unknown(self, allowed: frozenset) -> None:
        for field in self.obj:
            if field not in allowed:
                self.add(f"property {self.name(field)} should not exist")

    def string(self, field: str, *, non_empty: bool = False) -> None:
        if non_empty and (not self.has(field) or self.obj[field] == ""):
            self.add(f"{self.name(field)} should not be empty")
        if self.has(field) and not isinstance(self.obj[field], str):
            self.add(f"{self.name(field)} must be a string")

    def boolean(self, field: str, *, required: bool = False) -> None:
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
        if self.has(field) and not isinstance(self.obj[field], bool):
            self.add(f"{self.name(field)} must be a boolean value")

    def one_of(self, field: str, values: tuple, *, required: bool = False) -> None:
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
        if self.has(field) and self.obj[field] not in values:
            self.add(f"{self.name(field)} must be one of the following values: {', '.join(values)}")

    def number(self, field: str, *, minimum=None, maximum=None, required: bool = False, why: str = "") -> bool:
        """True when the field holds a number within the bounds."""
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
            return False
        if not self.has(field):
            return False
        value = self.obj[field]
        if not is_number(value):
            self.add(f"{self.name(field)} must be a number conforming to the specified constraints")
            return False
        if minimum is not None and value < minimum:
            self.add(f"{self.name(field)} must not be less than {minimum}{why}")
            return False
        if maximum is not None and value > maximum:
            self.add(f"{self.name(field)} must not be greater than {maximum}{why}")
            return False
        return True

    def string_list(self, field: str, *, min_items: int = 0, required: bool = False) -> None:
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
        if not self.has(field):
            return
        value = self.obj[field]
        if not isinstance(value, list):
            self.add(f"{self.name(field)} must be an array")
            return
        if len(value) < min_items:
            self.add(f"{self.name(field)} must contain at least {min_items} elements")
        if not all(isinstance(item, str) for item in value):
            self.add(f"each value in {self.name(field)} must be a string")

    def enum_list(self, field: str, values: tuple) -> None:
        if not self.has(field):
            return
        value = self.obj[field]
        if not isinstance(value, list):
            self.add(f"{self.name(field)} must be an array")
        elif any(item not in values for item in value):
            self.add(f"each value in {self.name(field)} must be one of the following values: {', '.join(values)}")

    def each_object(self, field: str, check, *, min_items: int = 0, required: bool = False) -> None:
        """A list of objects, each checked by `check(item, prefix)`, which returns its messages."""
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
        if not self.has(field):
            return
        items = self.obj[field]
        if not isinstance(items, list):
            self.add(f"{self.name(field)} must be an array")
            return
        if len(items) < min_items:
            self.add(f"{self.name(field)} must contain at least {min_items} elements")
        for index, item in enumerate(items):
            if isinstance(item, dict):
                self.messages += check(item, f"{self.name(field)}.{index}.")
            else:
                self.add(f"{self.name(field)}.{index} must be an object")

    def object(self, field: str, *, required: bool = False) -> dict | None:
        if required and not self.has(field):
            self.add(f"{self.name(field)} should not be empty")
        if not self.has(field):
            return None
        if not isinstance(self.obj[field], dict):
            self.add(f"{self.name(field)} must be an object")
            return None
        return self.obj[field]


def _not_an_object(what: str) -> list[str]:
    return [f"{what} must be an object"]


# ---------------------------------------------------------------------------------------------
# Agents
# ---------------------------------------------------------------------------------------------

def validate_agent(payload: dict, *, partial: bool) -> list[str]:
    """CreateEmployeeDto (partial=False) or UpdateEmployeeDto (partial=True).

    On update every field is optional except autoPilotMaxMessages. A waitTime without its unit is
    checked against the default unit (seconds). `locationId` is refused: the token names the location.
    """
    if not isinstance(payload, dict):
        return _not_an_object("body")
    errors = _Errors(payload)
    errors.unknown(AGENT_FIELDS)
    for field in AGENT_TEXT_FIELDS:
        # Required at create; on update optional, but never blanked.
        must_have_text = field in AGENT_CREATE_REQUIRED and (not partial or field in payload)
        errors.string(field, non_empty=must_have_text)
    for field in AGENT_BOOLEAN_FIELDS:
        errors.boolean(field)
    errors.one_of("mode", MODES)
    errors.enum_list("channels", CHANNELS)
    errors.one_of("waitTimeUnit", WAIT_TIME_UNITS)
    wait_unit = payload.get("waitTimeUnit") or DEFAULT_WAIT_TIME_UNIT
    if wait_unit in WAIT_TIME_MAX:
        errors.number("waitTime", minimum=0, maximum=WAIT_TIME_MAX[wait_unit],
                      why=f" when waitTimeUnit is {wait_unit}")
    _check_agent_sleep(errors, payload)
    errors.number(
        "autoPilotMaxMessages", minimum=AUTO_PILOT_MAX_MESSAGES_MIN, maximum=AUTO_PILOT_MAX_MESSAGES_MAX,
        required=partial,
    )
    errors.string_list("knowledgeBaseIds")
    return errors.messages


def _check_agent_sleep(errors: _Errors, payload: dict) -> None:
    # A null sleepTime is allowed and means "sleep indefinitely"; a number needs its unit.
    errors.one_of("sleepTimeUnit", SLEEP_TIME_UNITS)
    if payload.get("sleepTime") is None:
        return
    unit = payload.get("sleepTimeUnit")
    if unit is None:
        errors.add("sleepTimeUnit should not be empty when sleepTime is set")
        errors.number("sleepTime", minimum=0)
    elif unit in SLEEP_TIME_MAX:
        errors.number("sleepTime", minimum=0, maximum=SLEEP_TIME_MAX[unit], why=f" when sleepTimeUnit is {unit}")


# ---------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------

def validate_action(payload: dict) -> list[str]:
    """CreateActionDTO, for attaching an action and for replacing one whole."""
    if not isinstance(payload, dict):
        return _not_an_object("body")
    errors = _Errors(payload)
    errors.unknown(ACTION_FIELDS)
    errors.one_of("type", ACTION_TYPES, required=True)
    errors.string("name", non_empty=True)
    details = errors.object("details", required=True)
    action_type = payload.get("type")
    if details is not None and action_type in ACTION_TYPES:
        errors.messages += validate_action_details(action_type, details)
    return errors.messages


def validate_action_details(action_type: str, details: dict) -> list[str]:
    errors = _Errors(details, prefix="details.")
    errors.unknown(ACTION_DETAIL_FIELDS[action_type])
    _DETAIL_CHECKS[action_type](errors, details)
    return errors.messages


def _check_trigger_workflow(errors: _Errors, details: dict) -> None:
    errors.string_list("workflowIds", min_items=1, required=True)
    errors.string("triggerCondition", non_empty=True)
    errors.string("triggerMessage")


def _check_update_contact_field(errors: _Errors, details: dict) -> None:
    errors.string("contactFieldId", non_empty=True)
    errors.string("description", non_empty=True)
    errors.string_list("contactUpdateExamples")


def _check_action_sleep(errors: _Errors, details: dict, because: str) -> None:
    """Sleep time and unit, required when `because` (a boolean field) is true."""
    errors.one_of("sleepTimeUnit", ACTION_SLEEP_TIME_UNITS)
    if details.get(because) is True:
        for field in ("sleepTime", "sleepTimeUnit"):
            if not errors.has(field):
                errors.add(f"{errors.name(field)} should not be empty when {errors.name(because)} is true")
    errors.number("sleepTime", minimum=1)


def _check_appointment_booking(errors: _Errors, details: dict) -> None:
    errors.string("calendarId", non_empty=True)
    errors.string("actionId")
    errors.boolean("onlySendLink", required=True)
    for flag in APPOINTMENT_FLAGS:
        errors.boolean(flag, required=True)
    if details.get("onlySendLink") is True:
        for flag in APPOINTMENT_FLAGS:
            if details.get(flag) is True:
                errors.add(f"details.{flag} must be false when details.onlySendLink is true")
    errors.string_list("workflowIds", min_items=1, required=details.get("triggerWorkflow") is True)
    _check_action_sleep(errors, details, because="sleepAfterBooking")
    errors.string("transferAgent", non_empty=details.get("transferBot") is True)


def _check_stop_bot(errors: _Errors, details: dict) -> None:
    errors.one_of("stopBotDetectionType", STOP_BOT_DETECTION_TYPES, required=True)
    errors.string("stopBotTriggerCondition", non_empty=True)
    errors.boolean("reactivateEnabled", required=True)
    errors.boolean("enabled", required=True)
    errors.string_list("stopBotExamples", min_items=STOP_BOT_MIN_EXAMPLES, required=True)
    errors.string("finalMessage", non_empty=True)
    errors.string_list("tags")
    _check_action_sleep(errors, details, because="reactivateEnabled")


def _check_human_hand_over(errors: _Errors, details: dict) -> None:
    errors.boolean("enabled", required=True)
    errors.string("triggerCondition", non_empty=True)
    errors.boolean("reactivateEnabled", required=True)
    errors.string("finalMessage", non_empty=True)
    errors.one_of("handoverType", HANDOVER_TYPES, required=True)
    needs_examples = details.get("handoverType") in HANDOVER_TYPES_NEEDING_EXAMPLES
    errors.string_list("examples", min_items=1 if needs_examples else 0, required=needs_examples)
    errors.string("assignToUserId")
    errors.boolean("skipAssignToUser")
    errors.boolean("createTask")
    errors.string_list("tags")
    _check_action_sleep(errors, details, because="reactivateEnabled")


def _check_advanced_followup(errors: _Errors, details: dict) -> None:
    errors.boolean("enabled", required=True)
    errors.one_of("scenarioId", FOLLOWUP_SCENARIOS, required=True)
    errors.each_object("followupSequence", _followup_step_errors, min_items=1, required=True)
    settings = errors.object("followupSettings")
    if settings is not None:
        errors.messages += followup_settings_errors(settings, prefix="details.followupSettings.")


def _followup_step_errors(step: dict, prefix: str) -> list[str]:
    errors = _Errors(step, prefix)
    errors.unknown(FOLLOWUP_STEP_FIELDS)
    errors.number("id", required=True)
    errors.one_of("followupTimeUnit", FOLLOWUP_TIME_UNITS, required=True)
    unit = step.get("followupTimeUnit")
    maximum = FOLLOWUP_TIME_MAX.get(unit)
    errors.number("followupTime", minimum=1, maximum=maximum, required=True,
                  why=f" when followupTimeUnit is {unit}" if maximum else "")
    errors.boolean("aiEnabledMessage")
    errors.boolean("triggerWorkflow")
    errors.boolean("contactRequested")
    errors.string("customMessage")
    errors.string("workflowId", non_empty=step.get("triggerWorkflow") is True)
    return errors.messages


def _check_transfer_bot(errors: _Errors, details: dict) -> None:
    errors.one_of("transferBotType", TRANSFER_BOT_TYPES, required=True)
    errors.string("transferToBot", non_empty=True)
    errors.boolean("enabled", required=True)
    custom = details.get("transferBotType") == "Custom"
    errors.string("transferBotTriggerCondition", non_empty=custom)
    errors.string_list("transferBotExamples", min_items=TRANSFER_BOT_MIN_EXAMPLES if custom else 0,
                       required=custom)


_DETAIL_CHECKS = {
    "triggerWorkflow": _check_trigger_workflow,
    "updateContactField": _check_update_contact_field,
    "appointmentBooking": _check_appointment_booking,
    "stopBot": _check_stop_bot,
    "humanHandOver": _check_human_hand_over,
    "advancedFollowup": _check_advanced_followup,
    "transferBot": _check_transfer_bot,
}


# ---------------------------------------------------------------------------------------------
# Follow-up settings
# ---------------------------------------------------------------------------------------------

def validate_followup_settings(payload: dict) -> list[str]:
    """UpdateFollowupSettingsDTO, the body of PATCH .../followup-settings: {actionIds, followupSettings}.

    For the settings object alone (a template form's), use followup_settings_errors(settings).
    """
    if not isinstance(payload, dict):
        return _not_an_object("body")
    errors = _Errors(payload)
    errors.unknown(FOLLOWUP_SETTINGS_BODY_FIELDS)
    errors.string_list("actionIds", min_items=1, required=True)
    settings = errors.object("followupSettings", required=True)
    if settings is not None:
        errors.messages += followup_settings_errors(settings, prefix="followupSettings.")
    return errors.messages


def followup_settings_errors(settings: dict, prefix: str = "") -> list[str]:
    if not isinstance(settings, dict):
        return [f"{prefix.rstrip('.') or 'followupSettings'} must be an object"]
    errors = _Errors(settings, prefix)
    errors.unknown(FOLLOWUP_SETTINGS_FIELDS)
    errors.boolean("dynamicChannelSwitching", required=True)
    errors.boolean("followUpHours")
    errors.one_of("timezoneToUse", TIMEZONES_TO_USE)
    errors.each_object("workingHours", _working_hours_errors)
    return errors.messages


def _working_hours_errors(day: dict, prefix: str) -> list[str]:
    errors = _Errors(day, prefix)
    errors.unknown(WORKING_HOURS_FIELDS)
    # dayOfTheWeek: 0 is Sunday.
    errors.number("dayOfTheWeek", minimum=0, maximum=6, required=True)
    errors.each_object("intervals", _interval_errors)
    return errors.messages


def _interval_errors(interval: dict, prefix: str) -> list[str]:
    errors = _Errors(interval, prefix)
    errors.unknown(INTERVAL_FIELDS)
    valid = [
        errors.number("startHour", minimum=0, maximum=23, required=True),
        errors.number("startMinute", minimum=0, maximum=59, required=True),
        # 24:00 is a valid end of day.
        errors.number("endHour", minimum=0, maximum=24, required=True),
        errors.number("endMinute", minimum=0, maximum=59, required=True),
    ]
    if all(valid):
        start = interval["startHour"] * 60 + interval["startMinute"]
        end = interval["endHour"] * 60 + interval["endMinute"]
        if end <= start:
            errors.add(f"{prefix}endHour must be after {prefix}startHour")
    return errors.messages
