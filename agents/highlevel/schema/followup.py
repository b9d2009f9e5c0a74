"""Rules for follow-up settings (the PATCH body and the settings object alone)."""
from __future__ import annotations

from .bounds import *  # noqa: F403
from .rules import _Errors, _not_an_object


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
