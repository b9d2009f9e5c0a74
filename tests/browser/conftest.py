"""Fixtures for the browser tests: Debian's chromium through Playwright, and a django-q2 worker.

Playwright's sync API runs an asyncio event loop in the test's thread, and Django refuses ORM
calls from a thread with a running loop; the tests only call the ORM around the browser, never
concurrently with it, so that check is switched off for them.
"""
import os
import pydoc
import threading
import traceback
from pathlib import Path

import pytest
from django.db import connections

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); Playwright's own download is not used here")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()
        # Database connections opened while Playwright ran belong to its greenlet's context, where
        # pytest-django's own cleanup cannot see them; left open, they keep PostgreSQL from
        # dropping the test database.
        connections.close_all()


# Reports every Content-Security-Policy violation of every page to Python. Playwright adds it
# through the DevTools protocol, which the page's own policy does not govern.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => window.reportCspViolation(
  `${event.effectiveDirective} refused ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`));
"""


@pytest.fixture
def page(browser):
    """A page whose test fails when the Content-Security-Policy refuses anything on it: every
    browser test is a test that its pages work under the policy. `page.csp_violations` lists them."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    violations = []
    context.expose_function("reportCspViolation", lambda report: violations.append(report))
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    # Chromium also says it in the console ("Refused to ... Content Security Policy directive ...").
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.csp_violations = violations
    yield page
    if not page.is_closed():
        page.evaluate("0")  # a round trip, so that reports already sent have arrived
    context.close()
    assert not violations, f"the Content-Security-Policy refused: {violations}"


@pytest.fixture
def screenshot(page):
    """screenshot("name") saves the page as test-artifacts/<name>.png, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name, full_page=True):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


class QueueWorker(threading.Thread):
    """Runs what django-q2's ORM broker holds, the way a qcluster does, in a background thread.

    Same steps as django_q's pusher, worker and monitor: dequeue (which locks the row), unpack
    the signed package, call the function, save the result with django_q.monitor.save_task,
    acknowledge. No processes are forked, so the task sees the test's settings and database.
    """

    def __init__(self):
        super().__init__(name="q-worker", daemon=True)
        self.stopping = threading.Event()
        self.processed = []
        self.errors = []

    def run(self):
        from django.db import connection
        from django.utils import timezone
        from django_q.brokers import get_broker
        from django_q.monitor import save_task
        from django_q.signing import SignedPackage

        broker = get_broker()
        try:
            while not self.stopping.is_set():
                for ack_id, payload in broker.dequeue() or []:  # dequeue sleeps Conf.POLL when empty
                    task = SignedPackage.loads(payload)
                    func = task["func"] if callable(task["func"]) else pydoc.locate(task["func"])
                    try:
                        task["result"], task["success"] = func(*task["args"], **task["kwargs"]), True
                    except Exception as exc:  # recorded like django_q's worker does, and kept for the test
                        task["result"], task["success"] = f"{exc} : {traceback.format_exc()}", False
                        self.errors.append(task["result"])
                    task["stopped"] = timezone.now()
                    save_task(task, broker)
                    broker.acknowledge(ack_id)
                    self.processed.append(task["name"])
        finally:
            from agents.batches import close_threads

            close_threads()  # the threads a task ran its items on hold connections too
            connection.close()

    def stop(self):
        self.stopping.set()
        self.join(timeout=10)


@pytest.fixture
def q_worker(transactional_db):
    worker = QueueWorker()
    worker.start()
    yield worker
    worker.stop()
