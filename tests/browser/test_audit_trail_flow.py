"""The audit trail and a generation lookup in a real browser: from an agent's page to its history
(with a readable diff and the htmx filter), then to what the AI used for one of its replies."""
import re

import pytest

from agents.models import Agent
from audit.models import AuditEvent
from tests.audit.trail_factories import make_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_history_with_diffs_and_a_generation_lookup(page, screenshot, live_server, hl_sandbox,
                                                          sandbox_locations, manager_user):
    from playwright.sync_api import expect

    location = sandbox_locations[0]
    message_id = hl_sandbox.state.generation_ids(location.hl_id)[0]
    record = hl_sandbox.state.generations[message_id]
    agent = Agent.objects.create(location=location, hl_id=record["details"]["agentId"], name="Reception")
    before = "Greet the contact by name.\nAnswer from the FAQ.\nOffer a booking.\nSay goodbye."
    make_event(location=location, agent=agent, object_repr="Reception", actor_label="sync",
               changes={"instructions": [before, before.replace("Offer a booking.", "Offer a call back today.")],
                        "mode": ["off", "auto-pilot"], "channels": [["SMS"], ["SMS", "WebChat"]]})
    make_event(AuditEvent.Verb.REMOTE_WRITE, location=location, agent=agent, object_repr="Reception",
               actor_label="rollout #1", http_method="PUT", http_path=f"/conversation-ai/agents/{agent.hl_id}",
               http_status=200, duration_ms=143, changes={"wait_time": [2, 5]})

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("manager-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/locations/"))

    # From the agent's page to its own history.
    page.goto(f"{live_server.url}/agents/{agent.pk}/")
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.locator(".page-head .tag")).to_have_text("Agent: Reception")
    expect(page.locator("table.trail tbody tr")).to_have_count(2)
    expect(page.locator("pre.diff .diff-added")).to_contain_text("Offer a call back today.")
    expect(page.locator("pre.diff .diff-removed")).to_contain_text("Offer a booking.")
    screenshot("audit-01-agent-history")

    # Narrowing by verb replaces only the table (htmx), and the export links follow the filters.
    page.get_by_label("What").select_option("remote_write")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.trail tbody tr")).to_have_count(1)
    expect(page.locator("table.trail")).to_contain_text("PUT /conversation-ai/agents/")
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute("href", re.compile(r"verb=remote_write"))
    screenshot("audit-02-filtered", full_page=False)

    # A bad filter is a message on the page, not an error page.
    page.get_by_label("Agent id").fill("999999")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text("There is no agent with that id.")

    # What the AI used for one reply.
    page.goto(f"{live_server.url}/agents/{agent.pk}/")
    page.get_by_role("link", name="Look up a generation").click()
    page.get_by_label("Message id").fill(message_id)
    page.get_by_label(record["source"].capitalize()).check()
    page.get_by_role("button", name="Look up").click()
    expect(page.locator(".message-success")).to_contain_text("kept with the audit trail")
    expect(page.locator("blockquote.reply")).to_have_text(record["details"]["responseMessage"])
    expect(page.locator("ol.history li")).to_have_count(len(record["details"]["history"]))
    screenshot("audit-03-generation")
