"""The back office pointed at the sandbox as its HighLevel, its marketplace and its app."""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from agents.highlevel.sandbox.install_api import MARKETPLACE_PATH, uninstall_everywhere


@pytest.fixture
def sandbox_app(hl_sandbox, settings, db):
    """The sandbox as HighLevel, with the app installed nowhere yet (the agency connects by the install)."""
    agency = hl_sandbox.agency
    settings.HIGHLEVEL_BASE_URL = hl_sandbox.base_url
    settings.HIGHLEVEL_MARKETPLACE_URL = hl_sandbox.base_url
    settings.HIGHLEVEL_CLIENT_ID = agency["clientId"]
    settings.HIGHLEVEL_CLIENT_SECRET = agency["clientSecret"]
    settings.HIGHLEVEL_APP_ID = agency["appId"]
    settings.HIGHLEVEL_MAX_RETRIES = 1
    uninstall_everywhere(hl_sandbox.state)
    return hl_sandbox


def choose_on_marketplace(authorization_url, *, locations=(), target="locations", decision="approve"):
    """What the agency admin does on HighLevel's page: the address the browser is sent back to."""
    url = urlsplit(authorization_url)
    params = {key: values[0] for key, values in parse_qs(url.query).items()}
    page = requests.get(authorization_url, timeout=5)
    assert page.status_code == 200, page.text
    form = {**params, "target": target, "decision": decision, "location": list(locations)}
    answer = requests.post(f"{url.scheme}://{url.netloc}{MARKETPLACE_PATH}", data=form, allow_redirects=False,
                           timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def local_path(address):
    """The path and query of an address on the test server, for Django's test client."""
    url = urlsplit(address)
    return url.path + ("?" + url.query if url.query else "")
