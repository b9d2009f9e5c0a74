"""The planner finds every kind of difference, from a fresh read, and writes nothing."""
import pytest

from agents.models import Agent, Location
from agents.rollout.desired import desired_for_bulk_update, desired_for_location
from agents.rollout.planner import describe_counts, plan_target, summarize_outcomes
from agents.rollout.versions import current_version

from .conftest import FOLLOWUP_SETTINGS
from .fakes import FakeClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def location(db):
    return Location.objects.create(hl_id="loc-1", name="Acme Dental", timezone="America/Chicago",
                                   pit="pit-x", variables={"calendar_id": "cal-1", "workflow_id": "wf-1"})


@pytest.fixture
def desired(template, location):
    return desired_for_location(current_version(template).snapshot, location, template_id=template.pk)


def remote_agent_matching(desired, agent_id="ag-1"):
    return {"id": agent_id, **desired["agent"], "isPrimary": True}


def remote_actions_matching(desired):
    actions = []
    for index, wanted in enumerate(desired["actions"]):
        details = dict(wanted["details"])
        if wanted["type"] == "advancedFollowup":
            details["followupSettings"] = FOLLOWUP_SETTINGS
        actions.append({"id": f"act-{index}", "type": wanted["type"], "name": wanted["name"], "details": details})
    return actions


def in_step(desired, template, location, **changes):
    """A client showing an agent that matches the template (linked in the mirror), then `changes`."""
    agent = {**remote_agent_matching(desired), **changes}
    Agent.objects.create(location=location, hl_id="ag-1", name=agent["name"], template=template, template_version=1)
    return FakeClient([agent], {"ag-1": remote_actions_matching(desired)})


def kinds(plan):
    return [step["kind"] for step in plan.steps]


def test_no_agent_plans_a_create_with_every_action_and_the_followup_settings(template, location, desired):
    plan = plan_target(FakeClient(), location, desired, template_id=template.pk)
    assert plan.outcome == "create"
    assert kinds(plan) == ["create_agent"] + ["attach_action"] * 5 + ["followup_settings"]
    create = plan.steps[0]
    assert create["payload"]["name"] == "Acme Dental Concierge"
    assert create["changes"]["mode"] == [None, "suggestive"]
    book = plan.steps[3]
    assert book["payload"]["details"]["calendarId"] == "cal-1"  # rendered per location


def test_an_agent_in_step_plans_nothing(template, location, desired):
    client = in_step(desired, template, location)
    plan = plan_target(client, location, desired, template_id=template.pk)
    assert plan.outcome == "unchanged" and plan.steps == []


def test_changed_fields_show_before_and_after_and_the_put_carries_max_messages(template, location, desired):
    client = in_step(desired, template, location, mode="off", waitTime=2.0, channels=["WebChat", "SMS"])
    plan = plan_target(client, location, desired, template_id=template.pk)
    assert plan.outcome == "update"
    (step,) = plan.steps
    assert step["kind"] == "update_agent"
    # Channel order means nothing: only mode and waitTime changed.
    assert step["changes"] == {"mode": ["off", "suggestive"], "waitTime": [2.0, 30]}
    assert step["payload"] == {"mode": "suggestive", "waitTime": 30, "waitTimeUnit": "seconds", "autoPilotMaxMessages": 40}


def test_changed_action_details_plan_an_update_keeping_followup_settings(template, location, desired):
    client = in_step(desired, template, location)
    client.actions["ag-1"][3]["details"]["finalMessage"] = "Bye"
    client.actions["ag-1"][4]["details"]["enabled"] = False
    plan = plan_target(client, location, desired, template_id=template.pk)
    assert kinds(plan) == ["update_action", "update_action"]
    stop, followup = plan.steps
    assert stop["changes"] == {"details.finalMessage": ["Bye", "Thanks for contacting Acme Dental!"]}
    assert stop["action_id"] == "act-3"
    assert followup["payload"]["details"]["followupSettings"] == FOLLOWUP_SETTINGS


def test_missing_and_extra_actions_are_attached_and_removed(template, location, desired):
    client = in_step(desired, template, location)
    client.actions["ag-1"].pop(1)  # updateContactField gone
    client.actions["ag-1"].append({"id": "act-x", "type": "transferBot", "name": "Hand-made", "details": {}})
    plan = plan_target(client, location, desired, template_id=template.pk)
    assert kinds(plan) == ["attach_action", "remove_action"]
    assert plan.steps[0]["payload"]["type"] == "updateContactField"
    assert plan.steps[1]["action_id"] == "act-x"
    assert "not in the template" in plan.steps[1]["summary"]


def test_different_followup_settings_plan_the_patch(template, location, desired):
    client = in_step(desired, template, location)
    client.actions["ag-1"][4]["details"]["followupSettings"] = {"dynamicChannelSwitching": False}
    plan = plan_target(client, location, desired, template_id=template.pk)
    (step,) = plan.steps
    assert step["kind"] == "followup_settings"
    assert step["changes"]["followupSettings"] == [{"dynamicChannelSwitching": False}, FOLLOWUP_SETTINGS]


def test_a_same_name_agent_is_adopted_on_a_first_rollout_and_the_plan_says_so(template, location, desired):
    client = FakeClient([remote_agent_matching(desired, "ag-7")], {"ag-7": remote_actions_matching(desired)})
    plan = plan_target(client, location, desired, template_id=template.pk)
    assert plan.outcome == "adopt"
    assert kinds(plan) == ["adopt_agent"]
    assert "Adopt the existing agent" in plan.steps[0]["summary"]


def test_a_linked_agent_deleted_remotely_is_created_again_with_a_note(template, location, desired):
    Agent.objects.create(location=location, hl_id="gone-1", name="x", template=template, template_version=1)
    plan = plan_target(FakeClient(), location, desired, template_id=template.pk)
    assert plan.outcome == "create"
    assert "no longer exists" in plan.notes[0]


def test_bulk_update_plans_only_the_agents_that_differ(location):
    agents = [Agent(location=location, hl_id="a1", name="One"), Agent(location=location, hl_id="a2", name="Two"),
              Agent(location=location, hl_id="a3", name="Gone")]
    client = FakeClient([{"id": "a1", "name": "One", "mode": "off", "autoPilotMaxMessages": 20},
                         {"id": "a2", "name": "Two", "mode": "auto-pilot", "autoPilotMaxMessages": 30}])
    plan = plan_target(client, location, desired_for_bulk_update(agents, {"mode": "auto-pilot"}))
    (step,) = plan.steps
    assert step["agent_id"] == "a1"
    assert step["changes"] == {"mode": ["off", "auto-pilot"]}
    assert step["payload"] == {"mode": "auto-pilot", "autoPilotMaxMessages": 20}  # the agent's own value kept
    assert "Gone" in plan.notes[0]


def test_summary_counts_every_outcome():
    counts = summarize_outcomes(["create", "create", "update", "unchanged", "unplannable", "adopt"])
    assert counts == {"create": 2, "adopt": 1, "update": 1, "unchanged": 1, "unplannable": 1}
    assert describe_counts(counts) == "2 to create, 1 to adopt, 1 to update, 1 unchanged, 1 cannot be planned"
    assert "adopt" not in describe_counts(summarize_outcomes(["create"]))


def test_two_same_name_agents_are_reported_and_the_oldest_adopted_never_a_random_one(template, location, desired):
    newer = {**remote_agent_matching(desired, "ag-new"), "createdAt": "2026-02-01T00:00:00.000Z"}
    older = {**remote_agent_matching(desired, "ag-old"), "createdAt": "2026-01-01T00:00:00.000Z"}
    plan = plan_target(FakeClient([newer, older]), location, desired)
    assert plan.agent_id == "ag-old" and plan.outcome == "adopt"
    (note,) = [n for n in plan.notes if n.startswith("Duplicate:")]
    assert "2 agents are named" in note and "ag-old, ag-new" in note and "Delete the others" in note


def test_two_agents_linked_to_the_template_keep_the_first_linked_and_say_so(template, location, desired):
    for hl_id in ("ag-1", "ag-2"):
        Agent.objects.create(location=location, hl_id=hl_id, name=desired["agent"]["name"], template=template)
    client = FakeClient([remote_agent_matching(desired, "ag-1"), remote_agent_matching(desired, "ag-2")])
    plan = plan_target(client, location, desired)
    assert plan.agent_id == "ag-1"
    assert any(n.startswith("Duplicate: 2 agents in this location are linked") for n in plan.notes)


# --- Write-only fields (accepted by HighLevel, absent from its documented answer) ---------------

def as_documented(agent: dict) -> dict:
    """The agent as HighLevel's documented answer (EmployeeResponseDTO) has it: no write-only fields."""
    return {k: v for k, v in agent.items() if k not in ("respondToImages", "respondToAudio")}


def documented_in_step(desired, template, location, *, last_written: bool):
    client = FakeClient([as_documented(remote_agent_matching(desired))], {"ag-1": remote_actions_matching(desired)})
    Agent.objects.create(location=location, hl_id="ag-1", name=desired["agent"]["name"], template=template,
                         template_version=1, respond_to_images=last_written, respond_to_audio=last_written)
    return client


def test_a_write_only_field_is_compared_with_what_the_back_office_last_wrote(location):
    from tests.agents.rollout.conftest import make_template

    template = make_template(name="Sees photos", respond_to_images=True, respond_to_audio=True)
    desired = desired_for_location(current_version(template).snapshot, location, template_id=template.pk)
    assert desired["agent"]["respondToImages"] is True

    written = documented_in_step(desired, template, location, last_written=True)
    assert plan_target(written, location, desired, template_id=template.pk).steps == []  # a re-run writes nothing

    Agent.objects.all().delete()
    never_written = documented_in_step(desired, template, location, last_written=False)
    plan = plan_target(never_written, location, desired, template_id=template.pk)
    (step,) = plan.steps
    assert step["changes"] == {"respondToImages": [False, True], "respondToAudio": [False, True]}
    assert step["payload"]["respondToImages"] is True


def test_a_bulk_update_of_a_write_only_field_compares_with_the_mirror(location):
    agents = [Agent.objects.create(location=location, hl_id="a1", name="One", respond_to_images=True),
              Agent.objects.create(location=location, hl_id="a2", name="Two", respond_to_images=False)]
    client = FakeClient([{"id": "a1", "name": "One", "autoPilotMaxMessages": 20},
                         {"id": "a2", "name": "Two", "autoPilotMaxMessages": 30}])
    plan = plan_target(client, location, desired_for_bulk_update(agents, {"respondToImages": True}))
    (step,) = plan.steps
    assert step["agent_id"] == "a2"
    assert step["changes"] == {"respondToImages": [False, True]}
