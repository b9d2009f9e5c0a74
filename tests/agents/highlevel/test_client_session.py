"""session_for: the HTTP session a client sends with (agents.highlevel.client).

Proxy and CA settings are read from the environment once, not walked on every call, and no cookie
an answer sets is sent with later calls: one session serves many locations in turn.
"""
import pytest
import requests
import responses

from agents.highlevel.client import HighLevelClient, session_for
from tests.agents.highlevel.test_client import AGENT, BASE, FakeTokens, sent

PROXY = "http://proxy.internal:3128"
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def hl():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def environment(monkeypatch):
    """No proxy in the environment but what a test sets; what session_for found before is forgotten."""
    from agents.highlevel.client import _environment_settings

    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    _environment_settings.cache_clear()
    yield monkeypatch
    _environment_settings.cache_clear()


def test_a_session_goes_through_the_proxy_the_environment_names(hl, environment):
    environment.setenv("HTTPS_PROXY", PROXY)
    session = session_for(BASE)
    client = HighLevelClient(BASE, FakeTokens(), session=session)
    hl.add("GET", BASE + "/conversation-ai/agents/a1", json=AGENT)
    client.get_agent("a1")

    assert session.trust_env is False  # requests does not walk os.environ again on every call
    assert session.proxies["https"] == PROXY
    assert sent(hl).req_kwargs["proxies"]["https"] == PROXY


def test_a_base_url_under_no_proxy_is_reached_directly(hl, environment):
    environment.setenv("HTTPS_PROXY", PROXY)
    environment.setenv("NO_PROXY", "localhost,hl.test")
    client = HighLevelClient(BASE, FakeTokens(), session=session_for(BASE))
    hl.add("GET", BASE + "/conversation-ai/agents/a1", json=AGENT)
    client.get_agent("a1")

    assert "https" not in client.session.proxies
    assert not sent(hl).req_kwargs["proxies"].get("https")


def test_a_session_keeps_the_environment_it_was_made_with(hl, environment):
    environment.setenv("HTTPS_PROXY", PROXY)
    environment.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/company-ca.pem")
    session = session_for(BASE)
    environment.delenv("HTTPS_PROXY")
    environment.setenv("NO_PROXY", "*")
    environment.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/another-ca.pem")

    hl.add("GET", BASE + "/conversation-ai/agents/a1", json=AGENT)
    HighLevelClient(BASE, FakeTokens(), session=session).get_agent("a1")

    assert sent(hl).req_kwargs["proxies"]["https"] == PROXY
    assert sent(hl).req_kwargs["verify"] == "/etc/ssl/company-ca.pem"


def test_cookies_an_answer_sets_are_never_sent_back(hl):
    for path, headers in (("/a1", {"Set-Cookie": "session=from-location-1; Path=/"}), ("/a2", {})):
        hl.add("GET", BASE + "/conversation-ai/agents" + path, json=AGENT, headers=headers)
        hl.add("GET", BASE + "/conversation-ai/agents" + path, json=AGENT, headers=headers)

    plain = requests.Session()  # what a session without the policy does with the same answers
    plain.get(BASE + "/conversation-ai/agents/a1")
    plain.get(BASE + "/conversation-ai/agents/a2")
    assert sent(hl).headers.get("Cookie") == "session=from-location-1"

    client = HighLevelClient(BASE, FakeTokens(), session=session_for(BASE))
    client.get_agent("a1")
    client.get_agent("a2")
    assert "Cookie" not in sent(hl).headers
    assert len(client.session.cookies) == 0
