"""Builds HighLevel clients for locations and agency connections.

The one place that knows which token, base URL, timeouts and rate-limit bucket a call uses.
Services ask for a client here; views and tasks never build one themselves.
"""
import threading

from django.conf import settings

from agents.credentials import AgencyTokenProvider, token_provider_for
from agents.highlevel.client import HighLevelClient, session_for
from agents.highlevel.ratelimit import LocationLimiter, reserving
from agents.models import Location


_per_thread = threading.local()


def http_session(base_url: str):
    """This thread's HTTP session for `base_url`: its kept-alive connections serve one location's
    calls after another's, instead of a new connection (a TLS handshake, live) for every job.
    Tokens go per call and the session keeps no cookies, so nothing passes between locations."""
    sessions = getattr(_per_thread, "sessions", None)
    if sessions is None:
        sessions = _per_thread.sessions = {}
    if base_url not in sessions:
        sessions[base_url] = session_for(base_url)
    return sessions[base_url]


def _client(token_provider, limiter_key: str, on_response=None) -> HighLevelClient:
    return HighLevelClient(
        settings.HIGHLEVEL_BASE_URL,
        token_provider,
        limiter=LocationLimiter(limiter_key),
        timeout=settings.HIGHLEVEL_TIMEOUT,
        max_retries=settings.HIGHLEVEL_MAX_RETRIES,
        on_response=on_response,
        session=http_session(settings.HIGHLEVEL_BASE_URL),
    )


def agency_client(connection_id: int, on_response=None) -> HighLevelClient:
    return _client(AgencyTokenProvider(connection_id), f"agency:{connection_id}", on_response)


def location_client(location: Location, on_response=None, *, reserve: int = 0,
                    record_daily: bool = False) -> HighLevelClient:
    """A client whose calls carry the location's token and are paced by the location's limit.

    `reserve`: a job about to make that many calls in a row takes its rate-limit slots in one
    database write instead of one per call (agents.highlevel.ratelimit.ReservingLimiter), and
    records the daily quota HighLevel reports only with `record_daily` (or when it runs low).
    """
    provider = token_provider_for(location, agency_client)
    client = _client(provider, f"location:{location.hl_id}", on_response)
    if reserve > 1:
        client.limiter = reserving(client.limiter, batch=reserve, record_daily=record_daily)
    return client
