"""The "Request deletion…" admin action: an intermediate page asks the reason, then one batch."""
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from audit.models import SoftDelete
from tests.audit.deletion_fixtures import fast_client, other_agent, synced_agent  # noqa: F401

CHANGELIST = reverse("admin:agents_agent_changelist")


def _post(client, agents, **extra):
    data = {"action": "request_deletion_action", ACTION_CHECKBOX_NAME: [a.pk for a in agents], **extra}
    return client.post(CHANGELIST, data, follow=True)


def test_the_action_first_asks_for_a_reason(admin_client, hl_sandbox, synced_agent, other_agent):
    page = _post(admin_client, [synced_agent, other_agent]).content.decode()
    assert "Request deletion of agents" in page and synced_agent.name in page and other_agent.name in page
    assert not SoftDelete.objects.exists()

    page = _post(admin_client, [synced_agent, other_agent], apply="1", reason="").content.decode()
    assert "Say why this agent should be deleted" in page
    assert not SoftDelete.objects.exists()
    assert hl_sandbox.state.agents[synced_agent.hl_id]["mode"] != "off"


def test_with_a_reason_the_agents_are_switched_off_as_one_batch(admin_client, hl_sandbox, synced_agent, other_agent):
    page = _post(admin_client, [synced_agent, other_agent], apply="1", reason="Location closed").content.decode()
    assert "2 agent(s) switched off and waiting for review" in page
    requests = list(SoftDelete.objects.all())
    assert len(requests) == 2 and len({r.batch_id for r in requests}) == 1
    assert {r.reason for r in requests} == {"Location closed"}
    assert all(hl_sandbox.state.agents[a.hl_id]["mode"] == "off" for a in (synced_agent, other_agent))


def test_agents_that_are_not_active_are_skipped(admin_client, synced_agent, other_agent):
    _post(admin_client, [synced_agent], apply="1", reason="first")
    page = _post(admin_client, [synced_agent, other_agent], apply="1", reason="second").content.decode()
    assert "1 agent(s) switched off" in page
    assert SoftDelete.objects.filter(agent=other_agent, reason="second").exists()
    assert not SoftDelete.objects.filter(agent=synced_agent, reason="second").exists()
