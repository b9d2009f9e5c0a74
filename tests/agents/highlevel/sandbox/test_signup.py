"""A new client signs up: a sub-account, then LocationCreate and INSTALL, signed over the bytes sent."""
import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from cryptography.hazmat.primitives.serialization import load_der_public_key

from agents.highlevel.sandbox.install_api import uninstall_everywhere
from agents.highlevel.sandbox.signup import SIGN_UP_PATH
from agents.highlevel.sandbox.webhook_sender import SANDBOX_WEBHOOK_PUBLIC_KEY


@pytest.fixture
def receiver():
    """A stand-in for the app's webhook URL: keeps what it is posted."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/highlevel/webhooks/", received
    server.shutdown()
    server.server_close()


def sign_up(hl_sandbox, name="Fresh Dental — Austin"):
    return requests.post(hl_sandbox.base_url + SIGN_UP_PATH, data={"name": name}, timeout=10)


def test_a_sign_up_creates_the_location_and_sends_both_events_signed(hl_sandbox, receiver):
    url, received = receiver
    hl_sandbox.state.webhook_url = url
    before = set(hl_sandbox.state.locations)
    page = sign_up(hl_sandbox)
    assert page.status_code == 200 and "Fresh Dental — Austin signed up" in page.text
    assert "LocationCreate: answered 200" in page.text and "INSTALL: answered 200" in page.text
    (new_id,) = set(hl_sandbox.state.locations) - before
    assert new_id in hl_sandbox.state.installed  # the agency installs the app for future locations
    public_key = load_der_public_key(base64.b64decode(SANDBOX_WEBHOOK_PUBLIC_KEY))
    events = []
    for headers, body in received:
        public_key.verify(base64.b64decode(headers["X-GHL-Signature"]), body)  # raises if forged
        events.append(json.loads(body))
    assert [event["type"] for event in events] == ["LocationCreate", "INSTALL"]
    assert events[0]["id"] == new_id and events[0]["name"] == "Fresh Dental — Austin"
    assert events[1]["locationId"] == new_id and events[1]["companyId"] == hl_sandbox.agency["companyId"]
    assert events[0]["webhookId"] != events[1]["webhookId"] and all(event["timestamp"] for event in events)


def test_without_future_installs_only_location_create_is_sent(hl_sandbox, receiver):
    url, received = receiver
    uninstall_everywhere(hl_sandbox.state)
    hl_sandbox.state.webhook_url = url
    assert sign_up(hl_sandbox).status_code == 200
    assert [json.loads(body)["type"] for _headers, body in received] == ["LocationCreate"]


def test_the_page_and_its_refusals(hl_sandbox):
    hl_sandbox.state.webhook_url = ""
    assert "A new client signs up" in requests.get(hl_sandbox.base_url + SIGN_UP_PATH, timeout=5).text
    assert sign_up(hl_sandbox, name="  ").status_code == 400
    unsent = sign_up(hl_sandbox)
    assert unsent.status_code == 200 and "not sent (no webhook URL" in unsent.text
