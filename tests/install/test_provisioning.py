"""A new client's location gets the templates marked for new locations, by itself or held for a Manager."""
import pytest

from agents.highlevel.sandbox.install_api import approve
from agents.highlevel.sandbox.webhook_sender import SANDBOX_WEBHOOK_PUBLIC_KEY, event
from agents.models import Agent, Location, Rollout
from audit.models import AuditEvent
from install import provisioning
from install.models import Provisioning, ProvisioningRule
from tests.agents.rollout.conftest import make_template
from tests.install.test_events import connect, deliver

pytestmark = pytest.mark.django_db
Status = Provisioning.Status
NO_VARIABLES = [("stopBot", "Stop on goodbye", {
    "stopBotDetectionType": "Goodbye", "stopBotTriggerCondition": "The contact says goodbye",
    "reactivateEnabled": False, "enabled": True, "stopBotExamples": ["bye", "that is all"], "finalMessage": "Thanks!",
})]


@pytest.fixture
def inline(monkeypatch, settings):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    settings.HIGHLEVEL_WEBHOOK_PUBLIC_KEYS = [SANDBOX_WEBHOOK_PUBLIC_KEY]


def rule(**fields):
    template = make_template(name="Welcome desk", actions=NO_VARIABLES,
                             instructions="Greet every new contact of {{ location.name }}.")
    return ProvisioningRule.objects.create(template=template, **fields)


def installed_in_sandbox(sandbox, index):
    """The app installed on one more sub-account, as HighLevel does for an agency-wide install."""
    hl_id = sandbox.locations[index]["locationId"]
    approve(sandbox.state, sandbox.agency["clientId"], "http://x/", [hl_id], all_locations=False)
    return hl_id


def test_matches_by_name_pattern_and_variable():
    location = Location(name="Bright Dental — Austin", variables={"plan": "gold"})
    assert provisioning.matches(ProvisioningRule(), location)
    assert provisioning.matches(ProvisioningRule(name_pattern="*dental*"), location)
    assert not provisioning.matches(ProvisioningRule(name_pattern="*Roofing*"), location)
    assert provisioning.matches(ProvisioningRule(variable_name="plan"), location)
    assert provisioning.matches(ProvisioningRule(variable_name="plan", variable_value="gold"), location)
    assert not provisioning.matches(ProvisioningRule(variable_name="plan", variable_value="silver"), location)
    assert not provisioning.matches(ProvisioningRule(variable_name="tier"), location)


def test_a_new_location_gets_its_agent_by_itself_audited_as_the_system(sandbox_app, inline, django_capture_on_commit_callbacks):
    marked = rule()
    connection = connect(sandbox_app, 1)
    third = sandbox_app.locations[2]
    installed_in_sandbox(sandbox_app, 2)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(event("INSTALL", companyId=connection.company_id, locationId=third["locationId"]))
    location = Location.objects.get(hl_id=third["locationId"])
    done = Provisioning.objects.get(rule=marked, location=location)
    assert done.status == Status.STARTED, done.message
    assert done.rollout.status == Rollout.Status.FINISHED, list(done.rollout.targets.values_list("status", "error"))
    remote = sandbox_app.state.agents_in(third["locationId"])
    assert any(agent["name"] == f"{third['name']} Concierge" for agent in remote)
    assert Agent.objects.filter(location=location, template=marked.template).exists()
    actors = set(AuditEvent.objects.filter(rollout=done.rollout, verb=AuditEvent.Verb.ROLLOUT)
                 .values_list("actor_label", flat=True))
    assert actors == {"system"}


def test_held_for_a_manager_when_the_setting_says_so(sandbox_app, inline, settings, django_capture_on_commit_callbacks):
    settings.PROVISION_HOLD_FOR_CONFIRMATION = True
    marked = rule()
    connection = connect(sandbox_app, 1)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(event("INSTALL", companyId=connection.company_id, locationId=installed_in_sandbox(sandbox_app, 3)))
    held = Provisioning.objects.get(rule=marked)
    assert held.status == Status.HELD and held.rollout.status == Rollout.Status.PLANNED
    assert not sandbox_app.stats()["writes"]


def test_once_per_location_and_rule_however_often_it_is_announced(sandbox_app, inline):
    marked = rule()
    connect(sandbox_app, 2)
    location = Location.objects.order_by("pk").first()
    assert provisioning.provision_location(location.pk) == [Status.STARTED]
    assert provisioning.provision_location(location.pk) == [Status.STARTED]
    assert Rollout.objects.filter(template=marked.template).count() == 1


def test_a_location_that_does_not_match_is_left_alone_and_says_why(sandbox_app, inline):
    rule(name_pattern="*Roofing*")
    connect(sandbox_app, 1)
    location = Location.objects.get()
    location.name = "Bright Dental"
    location.save()
    assert provisioning.provision_location(location.pk) == [Status.NOT_MATCHED]
    assert not Rollout.objects.exists()


def test_a_template_the_location_lacks_variables_for_fails_in_words(sandbox_app, inline):
    template = make_template(name="Needs a calendar")  # uses {{ vars.calendar_id }}
    ProvisioningRule.objects.create(template=template)
    connect(sandbox_app, 1)
    assert provisioning.provision_location(Location.objects.get().pk) == [Status.FAILED]
    assert "calendar_id" in Provisioning.objects.get().message


def test_the_page_marks_a_template_and_lists_what_was_provisioned(sandbox_app, inline, admin_client):
    template = make_template(name="Night desk", actions=NO_VARIABLES)
    response = admin_client.post("/highlevel/provisioning/", {"template": template.pk, "name_pattern": "*Spa*"})
    assert response.status_code == 302
    page = admin_client.get("/highlevel/provisioning/").content.decode()
    assert "Night desk" in page and "the name matches “*Spa*”" in page
