"""The Content-Security-Policy in a real browser: every page answers with it, nothing on the pages
breaks it (the `page` fixture fails a test on any violation), and what inline handlers used to do
still works from static/backoffice.js: confirmations, the tick-all box, the filter that applies
itself; htmx still swaps (live search, Sync now, the polled progress) without an inline style.
The lockout page after too many wrong passwords is checked the same way."""
import re

import pytest

from tests.agents.rollout.conftest import make_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLICY = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"]


def open_page(page, url):
    """Goes to `url` and checks the answer carries the policy."""
    response = page.goto(url)
    assert response.ok, (url, response.status)
    assert_policy(response)
    return response


def assert_policy(response):
    policy = response.headers["content-security-policy"]
    assert all(part in policy for part in POLICY), policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def log_in(page, live_server, username, password):
    open_page(page, f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def running_rollout(sandbox_locations, manager_user):
    """A rollout half done: one location succeeded, one failed (with an error), one still running."""
    from agents.models import Rollout, RolloutTarget

    template = make_template()
    rollout = Rollout.objects.create(template=template, template_version=1, status=Rollout.Status.RUNNING,
                                     created_by=manager_user)
    statuses = [RolloutTarget.Status.SUCCEEDED, RolloutTarget.Status.FAILED, RolloutTarget.Status.RUNNING]
    for position, (location, status) in enumerate(zip(sandbox_locations, statuses)):
        RolloutTarget.objects.create(rollout=rollout, location=location, position=position, status=status,
                                     steps_total=4, steps_done=4 if status == "succeeded" else 1,
                                     error="HighLevel answered 422: calendarId is not valid" if status == "failed" else "")
    return rollout


def test_pages_work_under_the_policy(page, screenshot, live_server, hl_sandbox, sandbox_locations, manager_user,
                                     running_rollout, q_worker):
    from playwright.sync_api import expect

    from agents import sync

    location = sandbox_locations[0]
    assert sync.sync_location_by_id(sandbox_locations[1].pk).startswith("ok")  # agents for the bulk update page

    # The listener does hear a violation: an inline style attribute is refused and reported.
    open_page(page, f"{live_server.url}/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')")
    for _ in range(100):  # both reports: the securitypolicyviolation event and the console line
        if any(v.startswith("style-src") for v in page.csp_violations) and any("Content Security Policy" in v for v in page.csp_violations):
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError(f"the refused inline style was not reported: {page.csp_violations}")
    page.csp_violations.clear()

    log_in(page, live_server, "manager", "manager-pass-123")
    expect(page.get_by_role("heading", name="Locations")).to_be_visible()
    # htmx runs with our config: no indicator style of its own, no eval, and no <style> on the page.
    assert page.evaluate("[htmx.config.includeIndicatorStyles, htmx.config.allowEval]") == [False, False]
    assert page.locator("style").count() == 0

    # htmx partial loads: the live search, then Sync now polled until the worker is done.
    page.get_by_placeholder("Search name or location id…").fill(location.hl_id)
    expect(page.locator("#location-table tbody tr")).to_have_count(1)
    row = page.locator(f"#location-{location.pk}")
    row.get_by_role("button", name="Sync now").click()
    expect(row.locator(".badge")).to_have_text("Synced", timeout=30_000)
    assert not q_worker.errors, q_worker.errors
    screenshot("csp-01-locations-synced")

    # The template page: Remove asks first (data-confirm); dismissed, nothing is removed.
    template = running_rollout.template
    open_page(page, f"{live_server.url}/templates/{template.pk}/")
    actions = page.locator("tr").filter(has=page.get_by_role("button", name="Remove"))
    count = actions.count()
    page.once("dialog", lambda dialog: dialog.dismiss())
    actions.first.get_by_role("button", name="Remove").click()
    page.wait_for_timeout(300)
    expect(actions).to_have_count(count)
    page.once("dialog", lambda dialog: (dialog.message == "Remove this action from the template?") and dialog.accept())
    actions.first.get_by_role("button", name="Remove").click()
    expect(actions).to_have_count(count - 1)
    screenshot("csp-02-template")

    # The rollout page: the bar is a <progress> (no style attribute), the page polls itself, the status
    # filter applies when chosen, and Cancel asks first.
    open_page(page, f"{live_server.url}/rollouts/{running_rollout.pk}/")
    bar = page.locator("progress.progress-bar")
    expect(bar).to_have_attribute("value", "67")  # two of the three locations are done
    expect(page.locator(".error-text.wide")).to_contain_text("calendarId is not valid")
    # The progress partial, fetched and swapped by htmx every second.
    with page.expect_response(lambda r: f"/rollouts/{running_rollout.pk}/" in r.url
                              and r.request.headers.get("hx-request") == "true") as polled:
        pass
    assert polled.value.ok
    screenshot("csp-03-rollout")
    page.select_option("#status-filter", "failed")
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.locator("#status-filter")).to_have_value("failed")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel the rollout").click()
    expect(page.locator("#rollout-status")).to_have_text("Cancelled")

    # Bulk update: the box in the table head ticks every agent shown.
    open_page(page, f"{live_server.url}/bulk-update/")
    boxes = page.locator("input[name=agents]")
    expect(boxes.first).to_be_visible()
    fields = page.locator("input[type=checkbox]:not([name=agents]):not([data-check-all]):checked").count()
    page.get_by_label("Tick every agent shown").check()
    assert boxes.count() > 1 and all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.get_by_label("Tick every agent shown").uncheck()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    # Only its own table: the field boxes of the form below are left as they were.
    assert page.locator("input[type=checkbox]:not([name=agents]):not([data-check-all]):checked").count() == fields

    # The admin, whose own scripts are files too: its index, a list with actions, forms with widgets.
    for path in ("/admin/", "/admin/agents/location/", f"/admin/agents/location/{location.pk}/change/",
                 f"/admin/auth/user/{manager_user.pk}/change/", "/admin/auth/group/add/", "/admin/axes/accessattempt/"):
        open_page(page, live_server.url + path)
        expect(page.locator("#content")).to_be_visible()
    page.get_by_role("link", name="Groups").first.click()  # the admin's navigation sidebar still works
    screenshot("csp-04-admin")


def test_the_lockout_page_under_the_policy(page, screenshot, live_server, manager_user):
    from playwright.sync_api import expect

    for attempt in range(5):
        log_in(page, live_server, "manager", f"wrong-{attempt}")
    expect(page.get_by_role("alert")).to_have_text("Too many failed logins. Try again in 15 minutes.")
    expect(page).to_have_title("Too many failed logins · Agent back office")
    screenshot("csp-05-lockout")

    # The right password is refused too, until the cool-off is over.
    with page.expect_response(lambda r: r.url.endswith("/login/") and r.request.method == "POST") as answer:
        log_in(page, live_server, "manager", "manager-pass-123")
    assert answer.value.status == 429
    assert_policy(answer.value)
    expect(page.get_by_role("alert")).to_contain_text("Too many failed logins")
