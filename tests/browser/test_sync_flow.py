"""A manager's first minutes, in a real browser against the HighLevel sandbox: log in, sync a
location, watch it finish, then look at its agents and one agent's actions."""
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_sync_a_location_and_read_an_agent(page, screenshot, live_server, hl_sandbox, sandbox_locations, manager_user, q_worker):
    from playwright.sync_api import expect

    location = sandbox_locations[0]

    page.goto(f"{live_server.url}/locations/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("manager-pass-123")
    screenshot("01-login")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Locations")).to_be_visible()
    row = page.locator(f"#location-{location.pk}")
    expect(row).to_contain_text("Never synced")
    screenshot("02-locations")

    row.get_by_role("button", name="Sync now").click()
    # The row polls itself until the worker is done.
    expect(row.locator(".badge")).to_have_text("Synced", timeout=30_000)
    assert not q_worker.errors, q_worker.errors
    expect(row.get_by_role("button", name="Sync now")).to_be_visible()
    screenshot("03-locations-synced")

    # Live search narrows the table as the manager types.
    page.get_by_placeholder("Search name or location id…").fill(location.hl_id)
    expect(page.locator("#location-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q="))

    row.get_by_role("link", name=location.name).click()
    expect(page.get_by_role("heading", name=location.name)).to_be_visible()
    agent_links = page.locator("table.data tbody tr td:first-child a")
    expect(agent_links.first).to_be_visible()
    screenshot("04-location")

    agent_name = agent_links.first.inner_text()
    agent_links.first.click()
    expect(page.get_by_role("heading", name=agent_name)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Actions"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Change history"))).to_be_visible()
    screenshot("05-agent")
    screenshot("05-agent-top", full_page=False)

    page.get_by_role("link", name="Show raw payload").click()
    expect(page.locator("pre.raw")).to_contain_text('"id"')
    page.locator("#raw-payload").scroll_into_view_if_needed()
    screenshot("06-agent-raw", full_page=False)

    # The admin shows that a token is set, never the token.
    page.goto(f"{live_server.url}/admin/agents/location/{location.pk}/change/")
    expect(page.locator('input[name="pit"]')).to_have_value("")
    expect(page.get_by_text("Set. Leave empty to keep it.")).to_be_visible()
    assert location.pit not in page.content()
    screenshot("07-admin-location")
