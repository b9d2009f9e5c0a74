"""The editor's forms refuse what HighLevel would refuse, with the message on the right field."""
import pytest

from django import forms

from agents.forms import (
    ACTION_FORMS, ActionJSONForm, AgentTemplateForm, BulkUpdateForm, FollowupSettingsForm, TemplateRolloutForm,
    VariablesField, variables_formset,
)
from agents.models import ActionTemplate, AgentTemplate, Location

pytestmark = pytest.mark.django_db

VALID_TEMPLATE = {
    "name": "Front desk", "agent_name": "{{ location.name }} assistant", "mode": "auto-pilot",
    "channels": ["SMS", "WebChat"], "wait_time": "30", "wait_time_unit": "seconds",
    "personality": "Warm", "goal": "Book visits", "instructions": "Use calendar {{ vars.calendar_id }}",
    "auto_pilot_max_messages": "40", "knowledge_base_ids": "kb1, kb2",
}


def test_a_complete_template_is_valid_and_keeps_its_placeholders():
    form = AgentTemplateForm(data=VALID_TEMPLATE)
    assert form.is_valid(), form.errors
    template = form.save()
    assert template.agent_name == "{{ location.name }} assistant"
    assert template.channels == ["SMS", "WebChat"]
    assert template.knowledge_base_ids == ["kb1", "kb2"]


@pytest.mark.parametrize("wait_time, unit, ok", [("300", "seconds", True), ("301", "seconds", False),
                                                 ("5", "minutes", True), ("6", "minutes", False)])
def test_wait_time_bound_depends_on_its_unit(wait_time, unit, ok):
    form = AgentTemplateForm(data={**VALID_TEMPLATE, "wait_time": wait_time, "wait_time_unit": unit})
    assert form.is_valid() is ok
    if not ok:
        assert "must not be greater than" in form.errors["wait_time"][0]


def test_sleep_time_bound_depends_on_its_unit_and_needs_a_unit():
    form = AgentTemplateForm(data={**VALID_TEMPLATE, "sleep_enabled": "on", "sleep_time": "49", "sleep_time_unit": "hours"})
    assert not form.is_valid()
    assert "48" in form.errors["sleep_time"][0]
    form = AgentTemplateForm(data={**VALID_TEMPLATE, "sleep_time": "10"})
    assert not form.is_valid()
    assert "should not be empty" in form.errors["sleep_time_unit"][0]


def test_auto_pilot_max_messages_is_between_1_and_100_and_texts_are_required():
    form = AgentTemplateForm(data={**VALID_TEMPLATE, "auto_pilot_max_messages": "101", "goal": ""})
    assert not form.is_valid()
    assert "auto_pilot_max_messages" in form.errors and "goal" in form.errors


def test_an_unknown_placeholder_is_refused_on_its_field():
    form = AgentTemplateForm(data={**VALID_TEMPLATE, "personality": "Hi {{ location.owner }}"})
    assert not form.is_valid()
    assert "location.owner" in form.errors["personality"][0]


def test_followup_settings_from_working_hours_text():
    form = FollowupSettingsForm(data={"use_followup_settings": "on", "dynamic_channel_switching": "on",
                                      "timezone_to_use": "business", "hours_1": "09:00-12:00, 13:00-17:30"})
    assert form.is_valid(), form.errors
    assert form.settings_payload() == {
        "dynamicChannelSwitching": True, "followUpHours": False, "timezoneToUse": "business",
        "workingHours": [{"dayOfTheWeek": 1, "intervals": [
            {"startHour": 9, "startMinute": 0, "endHour": 12, "endMinute": 0},
            {"startHour": 13, "startMinute": 0, "endHour": 17, "endMinute": 30}]}],
    }


def test_followup_working_hours_errors_land_on_the_day():
    form = FollowupSettingsForm(data={"use_followup_settings": "on", "hours_3": "17:00-09:00", "hours_5": "nine to five"})
    assert not form.is_valid()
    assert "not a time range" in form.errors["hours_5"][0]
    form = FollowupSettingsForm(data={"use_followup_settings": "on", "hours_3": "17:00-09:00"})
    assert not form.is_valid()
    assert "after" in form.errors["hours_3"][0]


def test_followup_settings_unticked_leave_agents_alone():
    form = FollowupSettingsForm(data={"hours_1": "09:00-17:00"})
    assert form.is_valid()
    assert form.settings_payload() is None


def test_followup_form_shows_stored_settings():
    settings = {"dynamicChannelSwitching": True, "workingHours": [{"dayOfTheWeek": 0, "intervals": [
        {"startHour": 8, "startMinute": 30, "endHour": 12, "endMinute": 0}]}]}
    form = FollowupSettingsForm(settings=settings)
    assert form.initial["hours_0"] == "08:30-12:00"
    assert form.initial["use_followup_settings"] is True


# --- Actions ---------------------------------------------------------------------------------------

def _action(action_type, data):
    template, _ = AgentTemplate.objects.get_or_create(
        name="T", defaults={"agent_name": "A", "personality": "p", "goal": "g", "instructions": "i"})
    return ACTION_FORMS[action_type](data=data, instance=ActionTemplate(template=template))


def test_every_action_type_has_a_structured_form():
    assert set(ACTION_FORMS) == {"triggerWorkflow", "updateContactField", "appointmentBooking", "stopBot",
                                 "humanHandOver", "advancedFollowup", "transferBot"}


def test_booking_only_send_link_excludes_the_other_flags():
    form = _action("appointmentBooking", {"name": "Book", "calendar_id": "{{ vars.calendar_id }}",
                                          "only_send_link": "on", "cancel_enabled": "on"})
    assert not form.is_valid()
    assert "must be false when only send link is true" in form.errors["cancel_enabled"][0]


def test_booking_needs_workflows_when_triggering_one_and_an_agent_when_transferring():
    form = _action("appointmentBooking", {"name": "Book", "calendar_id": "c1", "trigger_workflow": "on", "transfer_bot": "on"})
    assert not form.is_valid()
    assert "workflow_ids" in form.errors and "transfer_agent" in form.errors


def test_booking_saved_with_its_details():
    form = _action("appointmentBooking", {"name": "Book", "calendar_id": "{{ vars.calendar_id }}",
                                          "sleep_after_booking": "on", "sleep_time": "2", "sleep_time_unit": "days"})
    assert form.is_valid(), form.errors
    action = form.save()
    assert action.type == "appointmentBooking"
    assert action.details["calendarId"] == "{{ vars.calendar_id }}"
    assert action.details["sleepTime"] == 2 and action.details["onlySendLink"] is False


def test_stop_bot_needs_two_examples_and_sleep_when_reactivating():
    form = _action("stopBot", {"name": "Stop", "stop_bot_detection_type": "Goodbye", "stop_bot_trigger_condition": "bye",
                               "enabled": "on", "stop_bot_examples": "bye", "final_message": "Bye", "reactivate_enabled": "on"})
    assert not form.is_valid()
    assert "at least 2" in form.errors["stop_bot_examples"][0]
    assert "sleep_time" in form.errors and "sleep_time_unit" in form.errors


def test_human_hand_over_custom_needs_examples():
    form = _action("humanHandOver", {"name": "Human", "enabled": "on", "handover_type": "custom",
                                     "trigger_condition": "asks", "final_message": "A human will answer"})
    assert not form.is_valid()
    assert "examples" in form.errors


def test_transfer_bot_custom_needs_condition_and_two_examples():
    form = _action("transferBot", {"name": "To sales", "transfer_bot_type": "Custom", "transfer_to_bot": "bot-2",
                                   "enabled": "on", "transfer_bot_examples": "buy"})
    assert not form.is_valid()
    assert "transfer_bot_trigger_condition" in form.errors and "transfer_bot_examples" in form.errors


def test_trigger_workflow_and_update_contact_field_required_details():
    form = _action("triggerWorkflow", {"name": "WF"})
    assert not form.is_valid() and "workflow_ids" in form.errors and "trigger_condition" in form.errors
    form = _action("updateContactField", {"name": "Email", "contact_field_id": "email"})
    assert not form.is_valid() and "description" in form.errors


def test_advanced_followup_step_bounds_land_on_the_step_row():
    form = _action("advancedFollowup", {"name": "Chase", "enabled": "on", "scenario_id": "contactIsBusy",
                                        "step_1_time": "30", "step_1_unit": "minutes",
                                        "step_2_time": "25", "step_2_unit": "hours"})
    assert not form.is_valid()
    assert "24" in form.errors["step_2_time"][0]


def test_advanced_followup_builds_the_sequence_and_skips_empty_rows():
    form = _action("advancedFollowup", {"name": "Chase", "enabled": "on", "scenario_id": "contactStoppedReplying",
                                        "step_1_time": "2", "step_1_unit": "hours", "step_1_ai_message": "on",
                                        "step_3_time": "3", "step_3_unit": "days", "step_3_workflow_id": "wf-9"})
    assert form.is_valid(), form.errors
    sequence = form.details()["followupSequence"]
    assert [step["id"] for step in sequence] == [1, 2]
    assert sequence[1] == {"id": 2, "followupTime": 3, "followupTimeUnit": "days", "aiEnabledMessage": False,
                           "triggerWorkflow": True, "workflowId": "wf-9"}


def test_structured_form_keeps_details_it_does_not_show():
    template = AgentTemplate.objects.create(name="T", agent_name="A", personality="p", goal="g", instructions="i")
    action = ActionTemplate.objects.create(template=template, type="appointmentBooking", name="Book",
                                           details={"calendarId": "c", "actionId": "keep-me", "onlySendLink": False,
                                                    "triggerWorkflow": False, "sleepAfterBooking": False,
                                                    "transferBot": False, "rescheduleEnabled": True, "cancelEnabled": False})
    form = ACTION_FORMS["appointmentBooking"](instance=action)
    assert form.initial["calendar_id"] == "c" and form.initial["reschedule_enabled"] is True
    form = ACTION_FORMS["appointmentBooking"](data={"name": "Book", "calendar_id": "c2"}, instance=action)
    assert form.is_valid(), form.errors
    assert form.save().details["actionId"] == "keep-me"


def test_json_form_validates_like_the_structured_one():
    form = ActionJSONForm(data={"type": "stopBot", "name": "Stop", "details": '{"stopBotDetectionType": "Goodbye"}'})
    assert not form.is_valid()
    assert any("stop bot examples" in error.lower() for error in form.errors["details"])
    form = ActionJSONForm(data={"type": "triggerWorkflow", "name": "WF", "details": "{not json"})
    assert not form.is_valid() and "details" in form.errors
    form = ActionJSONForm(data={"type": "triggerWorkflow", "name": "WF",
                                "details": '{"workflowIds": ["{{ vars.wf }}"], "triggerCondition": "asked"}'})
    assert form.is_valid(), form.errors


# --- Bulk update, variables, rollout -------------------------------------------------------------------

def test_bulk_update_needs_a_ticked_field():
    form = BulkUpdateForm(data={"mode": "auto-pilot"})
    assert not form.is_valid()
    assert "Tick at least one field" in form.non_field_errors()[0]


def test_bulk_update_changes_only_the_ticked_fields_with_bounds():
    form = BulkUpdateForm(data={"change_mode": "on", "mode": "suggestive", "change_wait_time": "on",
                                "wait_time": "4", "wait_time_unit": "minutes", "goal": "ignored"})
    assert form.is_valid(), form.errors
    assert form.changes() == {"mode": "suggestive", "wait_time": 4.0, "wait_time_unit": "minutes"}
    form = BulkUpdateForm(data={"change_wait_time": "on", "wait_time": "10", "wait_time_unit": "minutes"})
    assert not form.is_valid()
    assert "5" in form.errors["wait_time"][0]


def test_variables_formset_saves_names_and_refuses_bad_or_duplicate_names():
    location = Location(name="Acme", hl_id="loc1", variables={"calendar_id": "cal-1"})
    data = {"vars-TOTAL_FORMS": "3", "vars-INITIAL_FORMS": "1", "vars-0-name": "calendar_id", "vars-0-value": "cal-2",
            "vars-1-name": "vars.workflow", "vars-1-value": "wf", "vars-2-name": "", "vars-2-value": ""}
    formset = variables_formset(location, data)
    assert formset.is_valid(), formset.errors
    assert formset.variables() == {"calendar_id": "cal-2", "workflow": "wf"}
    data.update({"vars-1-name": "calendar_id"})
    assert not variables_formset(location, data).is_valid()
    data.update({"vars-1-name": "2bad name"})
    assert not variables_formset(location, data).is_valid()


def test_canary_needs_a_size():
    form = TemplateRolloutForm(data={"scope": "all", "strategy": "canary"})
    assert not form.is_valid() and "canary_size" in form.errors
    form = TemplateRolloutForm(data={"scope": "selected", "strategy": "all"})
    assert not form.is_valid() and "locations" in form.errors


@pytest.mark.parametrize("text, words", [
    ("[1, 2]", "this is a list"), ('"cal-1"', "this is text"), ("42", "this is a single value"),
    ('{"calendar_id": ["a"]}', "must be a single value"), ('{"calendar_id": {"a": 1}}', "must be a single value"),
    ('{"2bad": "x"}', "not a variable name"), ('{"has space": "x"}', "not a variable name"),
    ('{"%s": "x"}' % ("a" * 101), "longer than 100"), ('{"a": "%s"}' % ("x" * 2001), "longer than 2,000"),
    ("{%s}" % ", ".join(f'"v{n}": 1' for n in range(201)), "At most 200 variables"),
    ('{"a": NaN}', "not a JSON number"), ('{"a": ' * 30 + "1" + "}" * 30, "levels deep"),
])
def test_variables_typed_as_json_must_be_names_to_single_values(text, words):
    with pytest.raises(forms.ValidationError) as caught:
        VariablesField().clean(text)
    assert words in " ".join(caught.value.messages)


def test_variables_typed_as_json_accept_names_to_scalars_and_empty_means_none():
    field = VariablesField()
    assert field.clean('{"calendar_id": "cal-1", "seats": 3, "open": true, "note": null}') == {
        "calendar_id": "cal-1", "seats": 3, "open": True, "note": None}
    assert field.clean("") == {} and field.clean("{}") == {}


@pytest.mark.parametrize("stored", [["calendar_id"], "cal-1", {"calendar_id": ["a"], "ok": "v"}])
def test_the_variables_rows_of_a_legacy_row_leave_out_what_is_not_a_value(stored):
    location = Location(name="Acme", hl_id="loc-1", variables=stored)
    initial = variables_formset(location).initial
    assert initial == ([{"name": "ok", "value": "v"}] if isinstance(stored, dict) else [])


# --- Lengths: every typed text has a limit, and going past it is a field error ------------------

@pytest.mark.parametrize("field, limit", [
    ("name", 200), ("description", 2000), ("agent_name", 200), ("business_name", 200),
    ("personality", 20_000), ("goal", 20_000), ("instructions", 20_000),
])
def test_template_texts_have_limits(field, limit):
    assert AgentTemplateForm(data={**VALID_TEMPLATE, field: "x" * limit}).is_valid()
    form = AgentTemplateForm(data={**VALID_TEMPLATE, field: "x" * (limit + 1)})
    assert not form.is_valid() and len(form.errors[field]) == 1 and f"at most {limit}" in form.errors[field][0]


@pytest.mark.parametrize("typed, words", [
    ("kb1\x00kb2", "Null characters"), ("\n".join(f"kb{n}" for n in range(101)), "At most 100 entries"),
    ("x" * 1001, "at most 1,000 characters"),
])
def test_typed_lists_refuse_nul_too_many_and_too_long_entries(typed, words):
    form = AgentTemplateForm(data={**VALID_TEMPLATE, "knowledge_base_ids": typed})
    assert not form.is_valid() and words in form.errors["knowledge_base_ids"][0]


@pytest.mark.parametrize("field, value", [
    ("name", "x" * 201), ("trigger_condition", "x" * 5001), ("trigger_message", "x" * 5001),
])
def test_action_texts_have_limits(field, value):
    data = {"name": "WF", "workflow_ids": "w1", "trigger_condition": "asked", field: value}
    form = ACTION_FORMS["triggerWorkflow"](data=data, instance=ActionTemplate(template=AgentTemplate()))
    assert not form.is_valid() and field in form.errors


def test_action_ids_have_limits_and_json_detail_texts_too():
    data = {"name": "Book", "calendar_id": "c" * 201}
    form = ACTION_FORMS["appointmentBooking"](data=data, instance=ActionTemplate(template=AgentTemplate()))
    assert not form.is_valid() and "at most 200" in form.errors["calendar_id"][0]
    details = '{"workflowIds": ["w1"], "triggerCondition": "%s"}' % ("x" * 5001)
    form = ActionJSONForm(data={"type": "triggerWorkflow", "name": "WF", "details": details})
    assert not form.is_valid() and "longer than 5,000" in form.errors["details"][0]
    form = ActionJSONForm(data={"type": "triggerWorkflow", "name": "x" * 201, "details": "{}"})
    assert not form.is_valid() and "name" in form.errors


@pytest.mark.parametrize("key", ["step_\u00b2_time", "step_" + "9" * 5000 + "_time", "step_\u0661_time"])
def test_followup_step_rows_named_with_odd_digits_are_ignored_not_a_crash(key):
    form = ACTION_FORMS["advancedFollowup"](data={"name": "F", "scenario_id": "contactIsBusy", key: "1"},
                                            instance=ActionTemplate(template=AgentTemplate()))
    assert not form.is_valid() and form.step_rows == 3


def test_numbers_past_what_the_json_view_takes_back_are_refused():
    form = ACTION_FORMS["stopBot"](data={"name": "S", "sleep_time": "9" * 16}, instance=ActionTemplate(template=AgentTemplate()))
    assert not form.is_valid() and "sleep_time" in form.errors


@pytest.mark.parametrize("field, limit", [("business_name", 200), ("personality", 20_000), ("instructions", 20_000)])
def test_bulk_update_texts_have_limits(field, limit):
    group = "business_name" if field == "business_name" else field
    form = BulkUpdateForm(data={f"change_{group}": "on", field: "x" * (limit + 1)})
    assert not form.is_valid() and f"at most {limit}" in form.errors[field][0]


def test_working_hours_and_the_rollout_search_have_limits():
    form = FollowupSettingsForm(data={"use_followup_settings": "on", "hours_1": "09:00-10:00, " * 30})
    assert not form.is_valid() and "at most 200" in form.errors["hours_1"][0]
    form = TemplateRolloutForm(data={"scope": "matching", "strategy": "all", "q": "x" * 201})
    assert not form.is_valid() and "q" in form.errors
