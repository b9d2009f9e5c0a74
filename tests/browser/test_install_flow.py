"""Connect an agency in one click and watch a new client get its agent, in a real browser.

The manager presses Connect HighLevel, picks two sub-accounts on (the sandbox's) HighLevel page,
comes back to them imported; then a new client signs up in HighLevel, whose signed webhooks make
the back office add the location and roll the template marked for new locations out to it.
"""
import re
import time

import pytest

from agents.highlevel.sandbox.install_api import uninstall_everywhere
from agents.highlevel.sandbox.signup import SIGN_UP_PATH
from agents.highlevel.sandbox.webhook_sender import SANDBOX_WEBHOOK_PUBLIC_KEY
from agents.models import Location
from install.models import Provisioning, ProvisioningRule
from tests.agents.rollout.conftest import make_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NO_VARIABLES = [("stopBot", "Stop on goodbye", {
    "stopBotDetectionType": "Goodbye", "stopBotTriggerCondition": "The contact says goodbye",
    "reactivateEnabled": False, "enabled": True, "stopBotExamples": ["bye", "that is all"], "finalMessage": "Thanks!",
})]


@pytest.fixture
def connected_to_the_sandbox(hl_sandbox, settings, live_server):
    agency = hl_sandbox.agency
    settings.HIGHLEVEL_BASE_URL = settings.HIGHLEVEL_MARKETPLACE_URL = hl_sandbox.base_url
    settings.HIGHLEVEL_CLIENT_ID, settings.HIGHLEVEL_CLIENT_SECRET = agency["clientId"], agency["clientSecret"]
    settings.HIGHLEVEL_APP_ID = agency["appId"]
    settings.HIGHLEVEL_WEBHOOK_PUBLIC_KEYS = [SANDBOX_WEBHOOK_PUBLIC_KEY]
    uninstall_everywhere(hl_sandbox.state)
    hl_sandbox.state.install_to_future_locations = True  # the agency installs the app on new sub-accounts
    hl_sandbox.state.webhook_url = f"{live_server.url}/highlevel/webhooks/"
    yield hl_sandbox
    hl_sandbox.state.webhook_url = ""


def test_connect_two_locations_then_a_new_client_is_provisioned(page, screenshot, live_server, connected_to_the_sandbox,
                                                               manager_user, q_worker):
    from playwright.sync_api import expect

    sandbox = connected_to_the_sandbox
    template = make_template(name="Welcome desk", actions=NO_VARIABLES,
                             instructions="Greet every new contact of {{ location.name }}.")
    ProvisioningRule.objects.create(template=template)
    picked = sandbox.locations[1:3]

    page.goto(f"{live_server.url}/highlevel/connect/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("manager-pass-123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("No agency is connected yet.")).to_be_visible()
    screenshot("install-01-no-agency")

    page.get_by_role("link", name="Connect HighLevel").click()
    expect(page.get_by_role("heading", name=re.compile("Install the app"))).to_be_visible()
    for location in picked:
        page.get_by_label(location["name"]).check()
    screenshot("install-02-highlevel-authorization-page")
    page.get_by_role("button", name="Approve").click()

    expect(page).to_have_url(f"{live_server.url}/highlevel/connect/")
    expect(page.get_by_text(re.compile(r"HighLevel agency is connected: 2 locations"))).to_be_visible()
    screenshot("install-03-connected")
    assert set(Location.objects.values_list("name", flat=True)) == {location["name"] for location in picked}
    page.goto(f"{live_server.url}/locations/")
    for location in picked:
        expect(page.get_by_role("link", name=location["name"])).to_be_visible()

    page.goto(sandbox.base_url + SIGN_UP_PATH)
    page.get_by_label("Client name").fill("Fresh Dental — Austin")
    signed_up_at = time.monotonic()
    page.get_by_role("button", name="A new client signs up").click()
    expect(page.get_by_text("INSTALL: answered 200")).to_be_visible()
    expect(page.get_by_text("LocationCreate: answered 200")).to_be_visible()

    page.goto(f"{live_server.url}/highlevel/provisioning/")
    row = page.locator("tr", has_text="Fresh Dental — Austin")
    for _attempt in range(60):
        if Provisioning.objects.filter(rollout__status="finished").exists():
            break
        time.sleep(0.5)
    provisioned_after = time.monotonic() - signed_up_at
    assert not q_worker.errors, q_worker.errors
    page.reload()
    expect(row).to_contain_text("Rolled out by itself")
    expect(row).to_contain_text("Finished")
    screenshot("install-04-provisioned")
    new_id = Location.objects.get(name="Fresh Dental — Austin").hl_id
    assert any(agent["name"] == "Fresh Dental — Austin Concierge" for agent in sandbox.state.agents_in(new_id))
    print(f"sign-up to provisioned agent: {provisioned_after:.2f} s")

    page.goto(f"{live_server.url}/highlevel/webhooks/deliveries/")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_role("cell", name="Fresh Dental — Austin").first).to_be_visible()
    screenshot("install-05-deliveries")
