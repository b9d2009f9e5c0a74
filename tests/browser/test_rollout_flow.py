"""A template rolled out in a real browser against the HighLevel sandbox: write the template (the
editor refuses a wait time the contract does not allow), add a booking action, set a location's
calendar id, choose every location, read the plan, confirm, and watch the bar reach 100%."""
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def task_runner(q_worker, settings):
    """The rollout's tasks run through django-q2's queue, taken by the worker thread."""
    settings.ROLLOUT_LOOK_AGAIN_AFTER_SECONDS = 0.05
    return q_worker


def log_in(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("manager-pass-123")
    page.get_by_role("button", name="Log in").click()


def test_template_to_plan_to_confirmed_rollout(page, screenshot, live_server, hl_sandbox, sandbox_locations,
                                                manager_user, task_runner):
    from playwright.sync_api import expect

    from agents.models import Agent, Location

    # Every location but the first gets its calendar id here; the first one through its page.
    for index, location in enumerate(sandbox_locations[1:], start=1):
        Location.objects.filter(pk=location.pk).update(variables={"calendar_id": f"cal-{index}"})
    log_in(page, live_server)

    # The editor: a wait time over the contract's bound comes back as an error on that field.
    page.get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="New template").click()
    page.fill("#id_name", "Front desk")
    page.fill("#id_agent_name", "{{ location.name }} Concierge")
    page.select_option("#id_mode", "suggestive")
    page.get_by_label("SMS").check()
    page.get_by_label("WebChat").check()
    page.fill("#id_wait_time", "400")
    page.fill("#id_personality", "Warm and brief.")
    page.fill("#id_goal", "Book visits for {{ location.name }}.")
    page.fill("#id_instructions", "Offer the calendar {{ vars.calendar_id }} when asked for a visit.")
    page.get_by_label("Set follow-up settings").check()
    page.get_by_label("Monday").fill("09:00-12:00, 13:00-17:00")
    page.get_by_role("button", name="Create template").click()
    expect(page.locator(".field.has-error")).to_contain_text("must not be greater than 300")
    screenshot("rollout-01-editor-error")

    page.fill("#id_wait_time", "30")
    page.get_by_role("button", name="Create template").click()
    expect(page.get_by_role("heading", name=re.compile("Front desk"))).to_contain_text("version 1")

    # A booking action, with each location's own calendar.
    page.select_option("#add-type", "appointmentBooking")
    page.get_by_role("button", name="Add…").click()
    page.fill("#id_name", "Book a visit")
    page.fill("#id_calendar_id", "{{ vars.calendar_id }}")
    page.get_by_label("Allow rescheduling").check()
    screenshot("rollout-02-action-form")
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_role("heading", name=re.compile("Front desk"))).to_contain_text("version 2")
    screenshot("rollout-03-template-page")

    # The first location's calendar id, through its variables page.
    first = sandbox_locations[0]
    page.goto(f"{live_server.url}/locations/{first.pk}/variables/")
    expect(page.get_by_text("vars.calendar_id")).to_be_visible()
    page.fill("#id_vars-0-name", "calendar_id")
    page.fill("#id_vars-0-value", "cal-0")
    page.get_by_role("button", name="Save variables").click()
    expect(page.locator(".message-success")).to_contain_text("saved")

    # Targets: every location; then the plan, polled until it is made.
    page.get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="Front desk").click()
    page.get_by_role("link", name="Roll out…").click()
    page.get_by_label("All locations").check()
    page.get_by_role("button", name="Plan the rollout").click()
    expect(page).to_have_url(re.compile(r"/rollouts/\d+/plan/"))
    confirm = page.locator("#confirm-rollout")
    expect(confirm).to_be_visible(timeout=60_000)
    expect(page.locator(".plan-summary")).to_contain_text(f"{len(sandbox_locations)} to create")
    expect(page.locator(".plan-location").first).to_contain_text("Attach action")
    assert hl_sandbox.stats()["writes"] == 0  # nothing written before the confirmation
    screenshot("rollout-04-plan")

    confirm.click()
    expect(page).to_have_url(re.compile(r"/rollouts/\d+/$"))
    expect(page.locator("#progress-percent")).to_have_text("100%", timeout=90_000)
    expect(page.locator("#rollout-status")).to_have_text("Finished")
    expect(page.get_by_text("Duration")).to_be_visible()
    assert task_runner is None or not task_runner.errors, task_runner.errors
    screenshot("rollout-05-progress")

    agents = Agent.objects.filter(template__name="Front desk")
    assert sorted(agents.values_list("name", flat=True)) == sorted(f"{loc.name} Concierge" for loc in sandbox_locations)
    assert hl_sandbox.stats()["writes"] >= 2 * len(sandbox_locations)

    # A change to the template: the versions side by side, then a plan of field updates.
    page.get_by_role("link", name="Front desk").first.click()
    page.locator(".page-head").get_by_role("link", name="Edit").click()
    page.select_option("#id_mode", "auto-pilot")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("heading", name=re.compile("Front desk"))).to_contain_text("version 3")
    page.select_option("#cmp-a", "2")
    page.get_by_role("button", name="Compare side by side").click()
    expect(page.locator("table.compare tr.changed")).to_contain_text("auto-pilot")
    screenshot("rollout-06-versions")

    page.goto(f"{live_server.url}/templates/")
    page.get_by_role("link", name="Front desk").click()
    page.get_by_role("link", name="Roll out…").click()
    page.get_by_label("All locations").check()
    page.get_by_role("button", name="Plan the rollout").click()
    expect(page.locator("#confirm-rollout")).to_be_visible(timeout=60_000)
    expect(page.locator(".plan-summary")).to_contain_text(f"{len(sandbox_locations)} to update")
    expect(page.locator(".plan-location").first).to_contain_text("suggestive")
    screenshot("rollout-07-update-plan")
