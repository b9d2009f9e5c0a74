"""Generated bad input against the agents app's admin, as a superuser: the add and change forms
(inlines included), every changelist's search, filters, ordering and paging, the changelist
actions' intermediate forms, and object ids in the address. The rule each answer keeps is in
tests/agents/generated_input.py."""
from urllib.parse import quote

import pytest
from django.contrib.admin import helpers
from django.urls import reverse
from hypothesis import given, settings, strategies as st

from agents.models import AgencyConnection, Agent, Location
from tests.agents.generated_input import DRIVE, Drive, json_text, junk, numbers, overrides, unicode_text, with_overrides
from tests.agents.rollout.conftest import make_template

pytestmark = pytest.mark.django_db

LOCATION = {"name": "Generated clinic", "hl_id": "loc-generated", "timezone": "UTC", "pit": "", "connection": "",
            "variables": '{"calendar_id": "cal-1"}'}
CONNECTION = {"name": "Generated agency", "company_id": "co-1", "client_id": "cl-1", "app_id": "app-1",
              "client_secret": "", "refresh_token": ""}
TEMPLATE = {
    "name": "Generated desk", "agent_name": "Desk", "mode": "off", "wait_time": "2", "wait_time_unit": "seconds",
    "personality": "p", "goal": "g", "instructions": "i", "auto_pilot_max_messages": "75", "knowledge_base_ids": "",
    "followup_settings": "", "channels": ["SMS"],
    "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0", "actions-MIN_NUM_FORMS": "0", "actions-MAX_NUM_FORMS": "1000",
    "actions-0-position": "1", "actions-0-type": "stopBot", "actions-0-name": "Stop",
    "actions-0-details": ('{"stopBotDetectionType": "Goodbye", "stopBotTriggerCondition": "bye", "reactivateEnabled": false,'
                          ' "enabled": true, "stopBotExamples": ["bye", "ciao"], "finalMessage": "Bye"}'),
}
CHANGELIST_PARAMETERS = {
    "q", "o", "p", "e", "all", "_to_field", "_popup", "sync_status__exact", "connection__id__exact", "state__exact",
    "mode", "type", "drifted__exact", "is_primary__exact", "template__id__exact", "location__id__exact", "status__exact",
    "kind__exact", "strategy__exact", "mode__exact", "id__in", "pk", "name__startswith", "created_at__gte",
    "synced_at__year", "position__range", "\x00", "x" * 300,
}
MODELS = ["agencyconnection", "location", "ratelimitwindow", "agent", "action", "agenttemplate", "agenttemplateversion",
          "rollout", "rollouttarget"]


@pytest.fixture
def rows():
    connection = AgencyConnection.objects.create(name="Agency", company_id="co", client_id="cl", app_id="app")
    location = Location.objects.create(name="Acme", hl_id="loc-1", pit="pit-1", connection=connection,
                                       variables={"calendar_id": "cal-1", "workflow_id": "wf-1"})
    template = make_template()
    agent = Agent.objects.create(location=location, hl_id="agent-1", name="Acme desk", mode="off", template=template)
    return {"connection": connection, "location": location, "template": template, "agent": agent}


@pytest.fixture
def drive(client, manager_user):
    client.force_login(manager_user)  # a superuser
    return Drive(client)


def admin_url(model, view, *args):
    return reverse(f"admin:agents_{model}_{view}", args=args)


@DRIVE
@given(changed=overrides(set(LOCATION) | {"remove_pit", "\x00"}, max_size=4), edit=st.booleans(),
       variables=json_text | junk)
def test_location_add_and_change(drive, rows, changed, edit, variables):
    url = admin_url("location", "change", rows["location"].pk) if edit else admin_url("location", "add")
    drive.send("post", url, with_overrides({**LOCATION, "variables": variables}, changed))


@DRIVE
@given(changed=overrides(set(CONNECTION) | {"remove_client_secret", "remove_refresh_token"}, max_size=4),
       edit=st.booleans())
def test_agency_connection_add_and_change(drive, rows, changed, edit):
    url = admin_url("agencyconnection", "change", rows["connection"].pk) if edit else admin_url("agencyconnection", "add")
    drive.send("post", url, with_overrides(CONNECTION, changed))


@DRIVE
@given(changed=overrides(set(TEMPLATE) | {"actions-0-id", "actions-0-DELETE", "actions-1-details", "description",
                                          "sleep_time", "sleep_time_unit", "business_name"}, max_size=4),
       details=st.just(TEMPLATE["actions-0-details"]) | json_text, followup=st.just("") | json_text, edit=st.booleans())
def test_template_add_and_change_with_actions_inline(drive, rows, changed, details, followup, edit):
    template = rows["template"]
    base = {**TEMPLATE, "actions-0-details": details, "followup_settings": followup}
    if edit:
        base.update({"name": template.name, "actions-INITIAL_FORMS": "0"})
        url = admin_url("agenttemplate", "change", template.pk)
    else:
        url = admin_url("agenttemplate", "add")
    drive.send("post", url, with_overrides(base, changed))


@settings(DRIVE, max_examples=90)  # a GET each: cheap, and nine changelists to cover
@given(model=st.sampled_from(MODELS), params=overrides(CHANGELIST_PARAMETERS, max_size=4))
def test_changelists_search_filter_order_and_page(drive, rows, model, params):
    drive.send("get", admin_url(model, "changelist"), {key: value for key, value in params.items() if value is not None})


@settings(DRIVE, max_examples=60)
@given(model=st.sampled_from(MODELS), object_id=numbers | unicode_text | st.just("1"),
       view=st.sampled_from(["change", "history", "delete"]))
def test_object_ids_in_the_address(drive, rows, model, object_id, view):
    url = admin_url(model, "changelist") + quote(object_id, safe="") + f"/{view}/"
    drive.send("get", url)


@DRIVE
@given(action=st.sampled_from(["roll_out_template_action", "sync_selected"]) | unicode_text,
       selected=st.lists(numbers | st.just("1"), max_size=3),
       changed=overrides({"template", "strategy", "canary_size", "apply", "index", "select_across"}, max_size=3))
def test_location_changelist_actions(drive, rows, action, selected, changed):
    base = {"action": action, helpers.ACTION_CHECKBOX_NAME: [str(rows["location"].pk), *selected],
            "template": str(rows["template"].pk), "strategy": "all", "canary_size": "", "index": "0"}
    drive.send("post", admin_url("location", "changelist"), with_overrides(base, changed))


@DRIVE
@given(selected=st.lists(numbers, max_size=2),
       changed=overrides({"apply", "change_mode", "mode", "change_wait_time", "wait_time", "wait_time_unit",
                          "change_instructions", "instructions", "change_knowledge_base_ids", "knowledge_base_ids",
                          "change_auto_pilot_max_messages", "auto_pilot_max_messages"}, max_size=4))
def test_agent_changelist_bulk_update_action(drive, rows, selected, changed):
    base = {"action": "bulk_update_action", helpers.ACTION_CHECKBOX_NAME: [str(rows["agent"].pk), *selected],
            "apply": "1", "change_mode": "on", "mode": "suggestive", "index": "0"}
    drive.send("post", admin_url("agent", "changelist"), with_overrides(base, changed))
