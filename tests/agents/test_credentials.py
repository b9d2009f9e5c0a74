"""Tokens: PITs as they are; agency OAuth refreshed with rotation, location tokens minted and cached."""
import threading
from datetime import timedelta

import pytest
import responses
from django.db import connection
from django.utils import timezone

from agents import credentials
from agents.gateway import location_client
from agents.models import AgencyConnection, Location

BASE = "http://hl.test"


@pytest.fixture
def agency(db, settings):
    settings.HIGHLEVEL_BASE_URL = BASE
    return AgencyConnection.objects.create(
        name="Agency", company_id="comp1", client_id="client-1", app_id="app-1",
        client_secret="client-secret-XYZ", refresh_token="refresh-OLD",
    )


def _token_answer(access="agency-access-1", refresh="refresh-NEW"):
    return {"access_token": access, "token_type": "Bearer", "expires_in": 86399, "refresh_token": refresh,
            "scope": "conversation-ai.readonly", "userType": "Company", "companyId": "comp1"}


@responses.activate
def test_refresh_stores_the_rotated_refresh_token_and_reuses_the_access_token(agency):
    refresh = responses.post(f"{BASE}/oauth/token", json=_token_answer())
    assert credentials.agency_access_token(agency.pk) == "agency-access-1"
    assert credentials.agency_access_token(agency.pk) == "agency-access-1"  # cached until it expires
    assert refresh.call_count == 1
    sent = refresh.calls[0].request.body
    assert "refresh_token=refresh-OLD" in sent and "grant_type=refresh_token" in sent
    agency.refresh_from_db()
    assert agency.refresh_token == "refresh-NEW"


@responses.activate
def test_an_expired_access_token_is_refreshed_with_the_latest_refresh_token(agency):
    responses.post(f"{BASE}/oauth/token", json=_token_answer())
    credentials.agency_access_token(agency.pk)
    AgencyConnection.objects.filter(pk=agency.pk).update(access_token_expires_at=timezone.now() - timedelta(minutes=1))
    second = responses.post(f"{BASE}/oauth/token", json=_token_answer("agency-access-2", "refresh-NEWER"))
    assert credentials.agency_access_token(agency.pk) == "agency-access-2"
    assert "refresh_token=refresh-NEW&" in second.calls[0].request.body + "&"


@responses.activate
def test_a_location_token_is_minted_once_and_cached_on_the_location(agency):
    responses.post(f"{BASE}/oauth/token", json=_token_answer())
    minted = responses.post(f"{BASE}/oauth/locationToken", json={"access_token": "loc-token-1", "expires_in": 86399,
                                                                  "token_type": "Bearer", "locationId": "loc1"})
    search = responses.get(f"{BASE}/conversation-ai/agents/search", json={"agents": [], "totalCount": 0, "count": 0})
    location = Location.objects.create(hl_id="loc1", name="OAuth location", connection=agency)
    list(location_client(Location.objects.get(pk=location.pk)).iter_agents())
    list(location_client(Location.objects.get(pk=location.pk)).iter_agents())
    assert minted.call_count == 1
    assert "locationId=loc1" in minted.calls[0].request.body
    assert all(call.request.headers["Authorization"] == "Bearer loc-token-1" for call in search.calls)


@responses.activate
def test_a_rejected_location_token_is_minted_again_once(agency):
    responses.post(f"{BASE}/oauth/token", json=_token_answer())
    responses.post(f"{BASE}/oauth/locationToken", json={"access_token": "loc-token-1", "expires_in": 86399})
    responses.post(f"{BASE}/oauth/locationToken", json={"access_token": "loc-token-2", "expires_in": 86399})
    responses.get(f"{BASE}/conversation-ai/agents/search", status=401, json={"statusCode": 401, "message": "Invalid JWT"})
    responses.get(f"{BASE}/conversation-ai/agents/search", json={"agents": [], "totalCount": 0, "count": 0})
    location = Location.objects.create(hl_id="loc1", name="OAuth location", connection=agency)
    list(location_client(location).iter_agents())
    location.refresh_from_db()
    assert location.location_token == "loc-token-2"


def test_a_location_without_credentials_says_what_to_do(db):
    location = Location.objects.create(hl_id="bare", name="Bare")
    with pytest.raises(credentials.MissingCredentials, match="add a private integration token"):
        location_client(location)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_refresh_the_same_connection_at_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    settings.HIGHLEVEL_BASE_URL = BASE
    agency = AgencyConnection.objects.create(name="A", company_id="c", client_id="id", app_id="app",
                                             client_secret="s", refresh_token="refresh-OLD")
    tokens, barrier = [], threading.Barrier(6)
    with responses.RequestsMock() as mock:
        refresh = mock.post(f"{BASE}/oauth/token", json=_token_answer())

        def worker():
            barrier.wait()
            try:
                tokens.append(credentials.agency_access_token(agency.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert refresh.call_count == 1  # a second refresh would have used a dead refresh token
    assert tokens == ["agency-access-1"] * 6
