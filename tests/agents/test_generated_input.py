"""Generated bad input against every form and filter of the agents app's pages (tests/agents/generated_input.py
says what is generated and the rule each answer keeps). The admin's side: test_generated_admin.py."""
import json

import pytest
from django.urls import reverse
from hypothesis import given, strategies as st

from agents.forms import ACTION_FORMS
from agents.models import Agent, Location, Rollout, RolloutTarget
from agents.rollout.versions import save_new_version
from tests.agents.generated_input import DRIVE, Drive, json_text, junk, numbers, overrides, unicode_text, with_overrides
from tests.agents.rollout.conftest import FIVE_ACTIONS, make_template

pytestmark = pytest.mark.django_db

TEMPLATE = {
    "name": "Generated desk", "description": "", "agent_name": "{{ location.name }} desk", "business_name": "",
    "mode": "auto-pilot", "channels": ["SMS"], "wait_time": "2", "wait_time_unit": "seconds", "sleep_time": "",
    "sleep_time_unit": "", "personality": "Warm", "goal": "Book", "instructions": "Use {{ vars.calendar_id }}",
    "auto_pilot_max_messages": "75", "knowledge_base_ids": "kb1", "use_followup_settings": "on",
    "timezone_to_use": "contact", "hours_1": "09:00-12:00",
}
ACTION_FIELDS = {
    "name", "type", "workflow_ids", "trigger_condition", "trigger_message", "contact_field_id", "description",
    "contact_update_examples", "calendar_id", "only_send_link", "sleep_time", "sleep_time_unit", "transfer_agent",
    "stop_bot_detection_type", "stop_bot_trigger_condition", "stop_bot_examples", "final_message", "tags",
    "handover_type", "examples", "assign_to_user_id", "scenario_id", "step_1_time", "step_1_unit",
    "step_1_custom_message", "step_1_workflow_id", "step_2_time", "transfer_bot_type", "transfer_to_bot",
    "transfer_bot_examples", "enabled", "step_\u00b2_time", "step_99999_time",
}
BULK = {"change_mode": "on", "mode": "suggestive", "change_wait_time": "on", "wait_time": "10", "wait_time_unit": "seconds",
        "change_personality": "on", "personality": "Kind", "change_knowledge_base_ids": "on", "knowledge_base_ids": "kb",
        "change_sleep": "on", "sleep_time": "2", "sleep_time_unit": "hours", "change_auto_pilot_max_messages": "on",
        "auto_pilot_max_messages": "50", "q": "", "location": "", "agent_mode": "", "template": ""}
# Names that are no field of the form: a stray key must not matter either.
STRAY = {"\x00", "x" * 300, "__proto__", "vars-0-name\x00"}


@pytest.fixture
def rows(manager_user):
    """A little of everything the pages show, wired together as in use."""
    template = make_template()
    save_new_version(template, user=manager_user)
    location = Location.objects.create(name="Acme", hl_id="loc-1", pit="pit-1", timezone="UTC",
                                       variables={"calendar_id": "cal-1", "workflow_id": "wf-1"})
    legacy = Location.objects.create(name="Legacy", hl_id="loc-2", pit="pit-2")
    Location.objects.filter(pk=legacy.pk).update(variables=["calendar_id"])  # saved before the admin checked
    agent = Agent.objects.create(location=location, hl_id="agent-1", name="Acme desk", mode="off", template=template,
                                 template_version=1)
    rollout = Rollout.objects.create(template=template, template_version=1, status=Rollout.Status.FAILED)
    target = RolloutTarget.objects.create(rollout=rollout, location=location, status=RolloutTarget.Status.FAILED, error="no")
    return {"template": template, "location": location, "legacy": legacy, "agent": agent, "rollout": rollout,
            "target": target, "action": template.actions.order_by("position").first()}


@pytest.fixture
def drive(client, manager_user):
    client.force_login(manager_user)  # a superuser: every page and every form open to it
    return Drive(client)


@DRIVE
@given(changed=overrides(set(TEMPLATE) | STRAY), edit=st.booleans())
def test_template_create_and_edit(drive, rows, changed, edit):
    url = reverse("agents:template_edit" if edit else "agents:template_create", args=[rows["template"].pk] if edit else [])
    drive.send("post", url, with_overrides(TEMPLATE, changed))


@DRIVE
@given(action_type=st.sampled_from(sorted(ACTION_FORMS)) | junk, changed=overrides(ACTION_FIELDS | STRAY, max_size=4),
       edit=st.booleans())
def test_action_add_and_edit(drive, rows, action_type, changed, edit):
    template = rows["template"]
    base = {"type": action_type, "name": "Generated", "enabled": "on", "scenario_id": "contactIsBusy", "step_1_time": "2",
            "step_1_unit": "hours", "workflow_ids": "wf", "trigger_condition": "asked", "stop_bot_examples": "a\nb"}
    if edit:
        url = reverse("agents:template_action_edit", args=[template.pk, rows["action"].pk])
    else:
        url = reverse("agents:template_action_add", args=[template.pk])
    drive.send("post", url, with_overrides(base, changed))
    drive.send("get", reverse("agents:template_action_add", args=[template.pk]), {"type": action_type})


@DRIVE
@given(valid=st.sampled_from(FIVE_ACTIONS), action_type=st.none() | unicode_text, name=st.none() | junk,
       details=st.none() | json_text)
def test_action_json_editor(drive, rows, valid, action_type, name, details):
    # A valid action with none, some or all of its parts replaced, so both the save and the refusals run.
    url = reverse("agents:template_action_json", args=[rows["template"].pk, rows["action"].pk])
    valid_type, valid_name, valid_details = valid
    drive.send("post", url, {"type": valid_type if action_type is None else action_type,
                             "name": valid_name if name is None else name,
                             "details": json.dumps(valid_details) if details is None else details})


@DRIVE
@given(changed=overrides({"vars-TOTAL_FORMS", "vars-INITIAL_FORMS", "vars-MAX_NUM_FORMS", "vars-0-name", "vars-0-value",
                          "vars-1-name", "vars-1-value", "vars-5000-name"} | STRAY, max_size=4),
       legacy=st.booleans())
def test_location_variables(drive, rows, changed, legacy):
    location = rows["legacy" if legacy else "location"]
    base = {"vars-TOTAL_FORMS": "2", "vars-INITIAL_FORMS": "0", "vars-0-name": "calendar_id", "vars-0-value": "cal-2",
            "vars-1-name": "", "vars-1-value": ""}
    url = reverse("agents:location_variables", args=[location.pk])
    drive.send("post", url, with_overrides(base, changed))
    drive.send("get", url)


@DRIVE
@given(changed=overrides({"scope", "strategy", "canary_size", "locations", "q", "status", "page"} | STRAY, max_size=4),
       ticked=st.lists(numbers | st.sampled_from(["1", "2"]), max_size=3))
def test_rollout_start(drive, rows, changed, ticked):
    url = reverse("agents:template_rollout", args=[rows["template"].pk])
    base = {"scope": "selected", "strategy": "canary", "canary_size": "1", "q": "", "status": "",
            "locations": [str(rows["location"].pk), *ticked]}
    data = with_overrides(base, changed)
    drive.send("post", url, data)
    drive.send("get", url, {key: value for key, value in data.items() if key in ("q", "status", "page")})


@DRIVE
@given(changed=overrides(set(BULK) | {"agents", "change_business_name", "business_name", "change_channels", "channels"},
                         max_size=4),
       chosen=st.lists(numbers, max_size=2))
def test_bulk_update(drive, rows, changed, chosen):
    data = with_overrides({**BULK, "agents": [str(rows["agent"].pk), *chosen]}, changed)
    drive.send("post", reverse("agents:bulk_update"), data)
    drive.send("get", reverse("agents:bulk_update"),
               {key: data[key] for key in ("q", "location", "agent_mode", "template", "page") if key in data})


@DRIVE
@given(params=overrides({"q", "status", "page", "fragment"} | STRAY, max_size=4))
def test_location_list_and_detail_filters(drive, rows, params):
    data = {key: value for key, value in params.items() if value is not None}
    location = rows["location"]
    drive.send("get", reverse("agents:location_list"), data)
    drive.send("get", reverse("agents:location_list"), data, HTTP_HX_REQUEST="true")
    drive.send("get", reverse("agents:location_detail", args=[location.pk]), data)
    drive.send("get", reverse("agents:location_sync_status", args=[location.pk]), data)


@DRIVE
@given(params=overrides({"page", "a", "b", "all", "outcome", "status", "kind", "type"} | STRAY, max_size=4))
def test_agent_template_and_rollout_page_params(drive, rows, params):
    data = {key: value for key, value in params.items() if value is not None}
    agent, template, rollout = rows["agent"].pk, rows["template"].pk, rows["rollout"].pk
    for name, args in (("agent_detail", [agent]), ("agent_raw_payload", [agent]), ("template_detail", [template]),
                       ("template_versions", [template]), ("template_list", []), ("rollout_list", []),
                       ("rollout_plan", [rollout]), ("rollout_detail", [rollout])):
        drive.send("get", reverse(f"agents:{name}", args=args), data)


@DRIVE
@given(selected=st.lists(numbers | unicode_text, max_size=3), scope=st.sampled_from(["selected", "shown"]) | unicode_text,
       target=numbers | unicode_text, next_url=junk)
def test_sync_many_and_retry_posts(drive, rows, selected, scope, target, next_url):
    drive.send("post", reverse("agents:location_sync_many"), {"scope": scope, "selected": selected, "shown": selected,
                                                              "next": next_url})
    drive.send("post", reverse("agents:rollout_retry", args=[rows["rollout"].pk]), {"target": target})


@DRIVE
@given(text=junk)
def test_pages_of_rows_holding_generated_text(drive, rows, text):
    # What a form accepted (or a sync mirrored) must display: every page showing it answers below 500.
    template, location = rows["template"], rows["location"]
    type(template).objects.filter(pk=template.pk).update(description=text.replace("\x00", ""))
    Location.objects.filter(pk=location.pk).update(variables={"calendar_id": text.replace("\x00", "")})
    Agent.objects.filter(pk=rows["agent"].pk).update(name=text.replace("\x00", "")[:300])
    for name, args in (("template_detail", [template.pk]), ("location_variables", [location.pk]),
                       ("location_detail", [location.pk]), ("agent_detail", [rows["agent"].pk]), ("bulk_update", [])):
        drive.send("get", reverse(f"agents:{name}", args=args))
