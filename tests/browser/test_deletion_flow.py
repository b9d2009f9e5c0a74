"""Review before delete, in a real browser against the HighLevel sandbox: one manager asks for a
deletion with a reason, another reads the agent's trail and approves, the retention window passes
(the clock is moved), the purge job runs, and the purged agent is re-created from its snapshot."""
import re

import pytest

from tests.audit.deletion_fixtures import clock, fast_client, reviewer, synced_agent  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/locations/"))


def test_request_review_approve_and_see_the_agent_purged_then_recreated(
        page, screenshot, live_server, hl_sandbox, synced_agent, manager_user, reviewer, clock, q_worker):
    from django_q.tasks import async_task
    from playwright.sync_api import expect

    agent, hl_id = synced_agent, synced_agent.hl_id

    # The manager asks for the deletion from the agent page.
    _log_in(page, live_server, "manager", "manager-pass-123")
    page.goto(f"{live_server.url}/agents/{agent.pk}/")
    page.get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", name=f"Delete {agent.name}?")).to_be_visible()
    # The reason is required (blanks do not count).
    page.get_by_label(re.compile("Reason")).fill("   ")
    page.get_by_role("button", name="Switch off and request deletion").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why")
    page.get_by_label(re.compile("Reason")).fill("The client closed this branch; the agent answers for nobody.")
    screenshot("deletion-01-request-form")
    page.get_by_role("button", name="Switch off and request deletion").click()
    expect(page.locator(".message-success")).to_contain_text("waiting for review")
    expect(page.locator(".page-head .badge").first).to_have_text("Pending deletion")
    screenshot("deletion-02-agent-pending", full_page=False)
    assert hl_sandbox.state.agents[hl_id]["mode"] == "off"

    # The requester cannot approve their own request.
    page.get_by_role("link", name="Pending deletions").first.click()
    row = page.locator("table.deletions tbody tr").first
    expect(row.get_by_role("button", name="Approve")).to_be_disabled()
    page.get_by_role("button", name="Log out").click()

    # Another manager reviews it with the agent's trail in view, and approves.
    _log_in(page, live_server, "reviewer", "reviewer-pass-123")
    page.get_by_role("link", name="Pending deletions").click()
    expect(page.get_by_role("heading", name="Pending deletions")).to_be_visible()
    expect(row).to_contain_text("The client closed this branch")
    trail = page.locator(".deletion-trail").first
    expect(trail).to_contain_text("Soft deleted")
    expect(trail).to_contain_text(f"PUT /conversation-ai/agents/{hl_id}")
    expect(trail).to_contain_text("First seen by sync.")
    screenshot("deletion-03-review-with-trail")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".message-success")).to_contain_text("The purge is scheduled for")
    expect(page.get_by_text("Approved, purge scheduled")).to_be_visible()
    screenshot("deletion-04-approved")

    # The window passes; the scheduled purge job runs (through django-q2, as the cluster would).
    clock.advance(hours=73)
    async_task("audit.tasks.purge_due_deletions", task_name="purge approved deletions")
    for _ in range(150):
        if "purge approved deletions" in q_worker.processed:
            break
        page.wait_for_timeout(100)
    assert "purge approved deletions" in q_worker.processed
    assert not q_worker.errors, q_worker.errors
    assert hl_id not in hl_sandbox.state.agents

    page.reload()
    purged = page.locator("h2", has_text="Purged").locator("xpath=following-sibling::table[1]")
    expect(purged).to_contain_text(agent.name)
    screenshot("deletion-05-purged")

    # A mistake after all: the purged agent is re-created from its snapshot, on the same page.
    purged.get_by_role("link", name=agent.name).click()
    expect(page.locator(".page-head .badge").first).to_have_text("Purged")
    page.get_by_role("button", name="Re-create from snapshot").click()
    expect(page.locator(".message-success")).to_contain_text("re-created in HighLevel from its snapshot")
    expect(page.locator(".page-head .badge").first).to_have_text("Active")
    expect(page.locator("table.history")).to_contain_text("Restored")
    screenshot("deletion-06-recreated", full_page=False)
    agent.refresh_from_db()
    assert agent.hl_id != hl_id and hl_sandbox.state.agents[agent.hl_id]["mode"] == "auto-pilot"
