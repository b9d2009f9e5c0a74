"""After a sync, each managed agent knows whether it still matches its template version."""
import pytest
import requests

from agents.models import Agent
from agents.rollout import services
from agents.rollout.selectors import drifted_agents
from agents.sync import sync_location

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_hand_edit_in_highlevel_shows_as_drift_and_a_rollout_brings_it_back(
        template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    location = rollout_locations[0]
    rollout = services.create_rollout(template, [location], user=manager_user, plan_inline=True)
    services.confirm_rollout(rollout, user=manager_user)
    managed = Agent.objects.get(location=location, template=template)
    sync_location(location)
    managed.refresh_from_db()
    assert managed.template_version == 1 and not managed.drifted

    hl_sandbox.state.agents[managed.hl_id]["mode"] = "off"  # someone edits it in HighLevel
    sync_location(location)
    managed.refresh_from_db()
    assert managed.drifted
    assert list(drifted_agents(location=location)) == [managed]
    assert list(drifted_agents(template=template)) == [managed]

    again = services.create_rollout(template, [location], user=manager_user, plan_inline=True)
    assert again.targets.get().plan[0]["changes"] == {"mode": ["off", "suggestive"]}
    services.confirm_rollout(again, user=manager_user)
    managed.refresh_from_db()
    assert not managed.drifted
    sync_location(location)
    managed.refresh_from_db()
    assert not managed.drifted


def test_a_removed_action_or_a_lost_variable_is_drift(template, rollout_locations, tasks_inline, hl_sandbox, manager_user):
    location = rollout_locations[0]
    services.confirm_rollout(services.create_rollout(template, [location], user=manager_user, plan_inline=True))
    managed = Agent.objects.get(location=location, template=template)
    action_id = next(a["id"] for a in hl_sandbox.state.actions_of(managed.hl_id) if a["type"] == "stopBot")
    del hl_sandbox.state.actions[action_id]
    sync_location(location)
    managed.refresh_from_db()
    assert managed.drifted

    services.confirm_rollout(services.create_rollout(template, [location], user=manager_user, plan_inline=True))
    sync_location(location)
    managed.refresh_from_db()
    assert not managed.drifted
    location.variables = {}
    location.save()
    sync_location(location)
    managed.refresh_from_db()
    assert managed.drifted


def test_unmanaged_agents_never_drift(rollout_locations, hl_sandbox):
    sync_location(rollout_locations[0])
    assert not Agent.objects.filter(drifted=True).exists()


def test_write_only_fields_neither_drift_nor_write_again_against_the_documented_answers(
        rollout_locations, tasks_inline, hl_sandbox, manager_user):
    """HighLevel takes respondToImages / respondToAudio and never returns them (EmployeeResponseDTO)."""
    from tests.agents.rollout.conftest import make_template

    template = make_template(name="Reads photos", respond_to_images=True, respond_to_audio=True)
    location = rollout_locations[0]
    services.confirm_rollout(services.create_rollout(template, [location], user=manager_user, plan_inline=True),
                             user=manager_user)
    managed = Agent.objects.get(location=location, template=template)
    stored = hl_sandbox.state.agents[managed.hl_id]
    assert stored["respondToImages"] is True and stored["respondToAudio"] is True  # written
    answer = requests.get(f"{hl_sandbox.base_url}/conversation-ai/agents/{managed.hl_id}", timeout=5,
                          headers={"Authorization": f"Bearer {location.pit}", "Version": "2021-04-15"}).json()
    assert "respondToImages" not in answer and "respondToAudio" not in answer  # and never read back

    sync_location(location)
    managed.refresh_from_db()
    assert not managed.drifted and managed.respond_to_images and managed.respond_to_audio

    again = services.create_rollout(template, [location], user=manager_user, plan_inline=True)
    assert again.targets.get().plan == []  # a re-run writes nothing
