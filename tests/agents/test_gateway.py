"""Clients for locations: one kept-alive HTTP session per thread, the location's token and rate limit."""
import threading

import pytest
import responses

from agents import gateway
from agents.highlevel.ratelimit import LocationLimiter, ReservingLimiter
from agents.models import Location

BASE = "https://hl.gateway.test"


def in_another_thread(func):
    found = []
    thread = threading.Thread(target=lambda: found.append(func()))
    thread.start()
    thread.join(5)
    return found[0]


@pytest.fixture
def location(db, settings):
    settings.HIGHLEVEL_BASE_URL = BASE
    return Location.objects.create(hl_id="loc-gateway-1", name="Gateway Dental", pit="pit-123")


# --- http_session -------------------------------------------------------------------------------

def test_a_thread_gets_the_same_session_for_a_base_url_each_time():
    assert gateway.http_session(BASE) is gateway.http_session(BASE)


def test_another_thread_gets_its_own_session():
    mine = gateway.http_session(BASE)
    theirs = in_another_thread(lambda: gateway.http_session(BASE))
    assert theirs is not mine
    assert in_another_thread(lambda: gateway.http_session(BASE)) is not theirs  # a new thread, a new session


def test_another_base_url_gets_another_session():
    assert gateway.http_session(BASE) is not gateway.http_session("https://other.gateway.test")


# --- location_client ----------------------------------------------------------------------------

def test_a_job_reserving_calls_gets_a_reserving_limiter_on_the_locations_bucket(location):
    client = gateway.location_client(location, reserve=10)

    assert isinstance(client.limiter, ReservingLimiter)
    assert client.limiter.batch == 10
    assert client.limiter.record_daily is False
    assert isinstance(client.limiter.inner, LocationLimiter)
    assert client.limiter.key == "location:loc-gateway-1"


def test_the_sync_asks_to_record_the_daily_quota(location):
    client = gateway.location_client(location, reserve=10, record_daily=True)
    assert client.limiter.record_daily is True


@pytest.mark.parametrize("reserve", [0, 1])
def test_without_a_reservation_each_call_takes_its_own_slot(location, reserve):
    client = gateway.location_client(location, reserve=reserve)
    assert type(client.limiter) is LocationLimiter
    assert client.limiter.key == "location:loc-gateway-1"


def test_the_client_uses_the_configured_service_and_the_threads_session(location, settings):
    settings.HIGHLEVEL_TIMEOUT = 7.5
    settings.HIGHLEVEL_MAX_RETRIES = 2

    client = gateway.location_client(location, reserve=4)

    assert client.base_url == BASE
    assert (client.timeout, client.max_retries) == (7.5, 2)
    assert client.session is gateway.http_session(BASE)
    assert client.token_provider.token() == "pit-123"


def test_two_locations_share_the_threads_session_yet_each_call_carries_its_own_token(location):
    other = Location.objects.create(hl_id="loc-gateway-2", name="Gateway Spa", pit="pit-456")
    first, second = gateway.location_client(location, reserve=4), gateway.location_client(other, reserve=4)
    assert first.session is second.session

    with responses.RequestsMock() as hl:
        hl.add("GET", BASE + "/conversation-ai/agents/a1", json={"id": "a1"})
        hl.add("GET", BASE + "/conversation-ai/agents/a2", json={"id": "a2"},
               headers={"Set-Cookie": "session=of-location-1; Path=/"})
        hl.add("GET", BASE + "/conversation-ai/agents/a3", json={"id": "a3"})
        first.get_agent("a1")
        first.get_agent("a2")
        second.get_agent("a3")

        assert [call.request.headers["Authorization"] for call in hl.calls] == [
            "Bearer pit-123", "Bearer pit-123", "Bearer pit-456"]
        assert "Cookie" not in hl.calls[2].request.headers  # nothing of the first location's answers
