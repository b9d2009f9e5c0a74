"""Admin: "Roll out a template…" on locations, "Bulk update…" on agents, and the template's forms."""
import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from agents.models import ActionTemplate, Agent, AgentTemplate, Location, Rollout, RolloutTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged(client, manager_user):
    client.force_login(manager_user)
    return client


def make_template(**fields):
    values = {"name": "Front desk", "agent_name": "{{ location.name }} desk", "personality": "p", "goal": "g",
              "instructions": "i", **fields}
    return AgentTemplate.objects.create(**values)


def test_roll_out_action_shows_the_intermediate_page(admin_client_logged):
    make_template()
    locations = [Location.objects.create(name=f"Clinic {n}", hl_id=f"loc-{n}") for n in range(3)]
    response = admin_client_logged.post(reverse("admin:agents_location_changelist"), {
        "action": "roll_out_template_action", helpers.ACTION_CHECKBOX_NAME: [loc.pk for loc in locations[:2]]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Clinic 0" in html and "Clinic 1" in html and "Clinic 2" not in html
    assert "Front desk" in html and not Rollout.objects.exists()


def test_roll_out_action_creates_the_rollout_and_opens_its_plan(admin_client_logged, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    template = make_template()
    # No credentials: planning ends at once with a reason, and no remote call is made.
    locations = [Location.objects.create(name=f"Clinic {n}", hl_id=f"loc-{n}") for n in range(2)]
    response = admin_client_logged.post(reverse("admin:agents_location_changelist"), {
        "action": "roll_out_template_action", helpers.ACTION_CHECKBOX_NAME: [loc.pk for loc in locations],
        "apply": "1", "template": template.pk, "strategy": "all"})
    rollout = Rollout.objects.get()
    assert response.status_code == 302 and response.url == reverse("agents:rollout_plan", args=[rollout.pk])
    assert rollout.targets.count() == 2
    assert set(rollout.targets.values_list("status", flat=True)) == {RolloutTarget.Status.UNPLANNABLE}
    plan = admin_client_logged.get(response.url).content.decode()
    assert "no credentials" in plan


def test_roll_out_action_canary_without_size_is_a_form_error(admin_client_logged):
    template = make_template()
    location = Location.objects.create(name="Clinic", hl_id="loc-1")
    response = admin_client_logged.post(reverse("admin:agents_location_changelist"), {
        "action": "roll_out_template_action", helpers.ACTION_CHECKBOX_NAME: [location.pk],
        "apply": "1", "template": template.pk, "strategy": "canary"})
    assert response.status_code == 200 and "canary_size" in response.context["form"].errors
    assert not Rollout.objects.exists()


def test_bulk_update_action_validates_then_creates_a_bulk_rollout(admin_client_logged):
    location = Location.objects.create(name="Clinic", hl_id="loc-1")
    agents = [Agent.objects.create(location=location, hl_id=f"a{n}", name=f"Agent {n}") for n in range(2)]
    url = reverse("admin:agents_agent_changelist")
    ids = [agent.pk for agent in agents]
    page = admin_client_logged.post(url, {"action": "bulk_update_action", helpers.ACTION_CHECKBOX_NAME: ids})
    assert page.status_code == 200 and "Agent 0" in page.content.decode()

    bad = admin_client_logged.post(url, {"action": "bulk_update_action", helpers.ACTION_CHECKBOX_NAME: ids, "apply": "1",
                                         "change_auto_pilot_max_messages": "on", "auto_pilot_max_messages": "500"})
    assert bad.status_code == 200 and bad.context["form"].errors["auto_pilot_max_messages"]
    assert not Rollout.objects.exists()

    good = admin_client_logged.post(url, {"action": "bulk_update_action", helpers.ACTION_CHECKBOX_NAME: ids, "apply": "1",
                                          "change_mode": "on", "mode": "auto-pilot",
                                          "change_channels": "on", "channels": ["SMS", "IG"]})
    rollout = Rollout.objects.get()
    assert good.status_code == 302 and good.url == reverse("agents:rollout_plan", args=[rollout.pk])
    assert rollout.kind == Rollout.Kind.BULK_UPDATE
    assert rollout.changes == {"mode": "auto-pilot", "channels": ["SMS", "IG"]}


def test_template_admin_validates_and_saves_a_version(admin_client_logged, manager_user):
    url = reverse("admin:agents_agenttemplate_add")
    base = {
        "name": "Desk", "agent_name": "Desk", "mode": "off", "wait_time": "2", "wait_time_unit": "seconds",
        "personality": "p", "goal": "g", "instructions": "i", "auto_pilot_max_messages": "75",
        "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0", "actions-MIN_NUM_FORMS": "0", "actions-MAX_NUM_FORMS": "1000",
        "actions-0-position": "1", "actions-0-type": "stopBot", "actions-0-name": "Stop",
        "actions-0-details": '{"stopBotDetectionType": "Goodbye"}',
    }
    refused = admin_client_logged.post(url, {**base, "wait_time": "301"})
    assert refused.status_code == 200 and not AgentTemplate.objects.exists()
    assert "must not be greater than 300" in refused.content.decode()
    assert "Stop bot examples" in refused.content.decode()  # the inline's JSON checked by the contract

    details = ('{"stopBotDetectionType": "Goodbye", "stopBotTriggerCondition": "bye", "reactivateEnabled": false, '
               '"enabled": true, "stopBotExamples": ["bye", "ciao"], "finalMessage": "Bye"}')
    saved = admin_client_logged.post(url, {**base, "actions-0-details": details, "followup_settings": '{"dynamicChannelSwitching": true}'})
    assert saved.status_code == 302
    template = AgentTemplate.objects.get()
    assert template.version == 1 and template.versions.get().snapshot["actions"][0]["name"] == "Stop"
    assert template.followup_settings == {"dynamicChannelSwitching": True}
    assert template.updated_by == manager_user

    change = reverse("admin:agents_agenttemplate_change", args=[template.pk])
    action = ActionTemplate.objects.get()
    admin_client_logged.post(change, {**base, "goal": "new goal", "actions-INITIAL_FORMS": "1", "actions-0-id": action.pk,
                                      "actions-0-template": template.pk, "actions-0-details": details})
    template.refresh_from_db()
    assert template.version == 2 and template.goal == "new goal"


def test_template_admin_refuses_bad_followup_settings(admin_client_logged):
    response = admin_client_logged.post(reverse("admin:agents_agenttemplate_add"), {
        "name": "Desk", "agent_name": "Desk", "mode": "off", "wait_time": "2", "wait_time_unit": "seconds",
        "personality": "p", "goal": "g", "instructions": "i", "auto_pilot_max_messages": "75",
        "followup_settings": '{"timezoneToUse": "moon"}',
        "actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200 and "followup_settings" in response.context["adminform"].form.errors


@pytest.mark.parametrize("field, value", [
    ("actions-0-details", "[" * 5000 + "]" * 5000), ("actions-0-details", '{"stopBotDetectionType": NaN}'),
    ("actions-0-details", '{"sleepTime": ' + "9" * 5000 + "}"), ("followup_settings", '{"a":' * 3000 + "1" + "}" * 3000),
    ("followup_settings", '{"workingHours": [{"dayOfTheWeek": Infinity}]}'),
])
def test_template_admin_refuses_json_it_cannot_store_with_a_field_error(admin_client_logged, field, value):
    response = admin_client_logged.post(reverse("admin:agents_agenttemplate_add"), {
        "name": "Desk", "agent_name": "Desk", "mode": "off", "wait_time": "2", "wait_time_unit": "seconds",
        "personality": "p", "goal": "g", "instructions": "i", "auto_pilot_max_messages": "75",
        "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0", "actions-0-position": "1",
        "actions-0-type": "stopBot", "actions-0-name": "Stop", "actions-0-details": '{"stopBotDetectionType": "Goodbye"}',
        field: value,
    })
    assert response.status_code == 200
    assert not AgentTemplate.objects.exists() and not ActionTemplate.objects.exists()
    form_errors = response.context["adminform"].form.errors
    inline_errors = response.context["inline_admin_formsets"][0].formset.errors[0]
    assert (form_errors if field == "followup_settings" else inline_errors).get(field.removeprefix("actions-0-"))
