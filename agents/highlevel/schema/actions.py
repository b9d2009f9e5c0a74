"""Rules for an action's body and each action type's details."""
from __future__ import annotations

from .bounds import *  # noqa: F403
from .rules import _Errors, _not_an_object, bound_of
from .followup import followup_settings_errors


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
    maximum = bound_of(FOLLOWUP_TIME_MAX, unit)
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
