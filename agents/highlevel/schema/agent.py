"""Rules for an agent's body (create and update)."""
from __future__ import annotations

from .bounds import *  # noqa: F403
from .rules import _Errors, _not_an_object, bound_of


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
    wait_max = bound_of(WAIT_TIME_MAX, wait_unit)
    if wait_max is not None:
        errors.number("waitTime", minimum=0, maximum=wait_max, why=f" when waitTimeUnit is {wait_unit}")
    _check_agent_sleep(errors, payload)
    errors.number(
        "autoPilotMaxMessages", minimum=AUTO_PILOT_MAX_MESSAGES_MIN, maximum=AUTO_PILOT_MAX_MESSAGES_MAX,
        required=partial,
    )
    errors.string_list("knowledgeBaseIds")
    return errors.messages


def _check_agent_sleep(errors: _Errors, payload: dict) -> None:
    # The only nulls an agent takes: the document declares nothing nullable, but its prose says of
    # both sleepTime and sleepTimeUnit "Set to null for indefinite sleep". A number needs its unit.
    errors.one_of("sleepTimeUnit", SLEEP_TIME_UNITS, nullable=True)
    if payload.get("sleepTime") is None:
        return
    unit = payload.get("sleepTimeUnit")
    sleep_max = bound_of(SLEEP_TIME_MAX, unit)
    if unit is None:
        errors.add("sleepTimeUnit should not be empty when sleepTime is set")
        errors.number("sleepTime", minimum=0)
    elif sleep_max is not None:
        errors.number("sleepTime", minimum=0, maximum=sleep_max, why=f" when sleepTimeUnit is {unit}")
