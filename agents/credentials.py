"""Credentials: which token a location's calls carry, and how agency tokens are refreshed.

A location either has a Private Integration Token (PIT), or belongs to an agency OAuth
connection. For the latter we mint a location token at /oauth/locationToken with the agency
access token, and cache it on the Location until it expires.

HighLevel rotates refresh tokens: a refresh returns a new refresh token and the old one stops
working at once. So the connection row is locked (SELECT ... FOR UPDATE; on SQLite the
IMMEDIATE transaction takes the write lock) for the whole refresh, and the new refresh token is
saved in that same transaction before anything else happens. Two workers can therefore never
refresh the same connection at once; the second one waits and then finds a fresh access token.
"""
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.highlevel.client import refresh_access_token
from agents.highlevel.errors import AuthError
from agents.models import AgencyConnection, Location

# Refresh a little before HighLevel says a token expires, so a call never starts with a stale one.
EXPIRY_MARGIN = timedelta(minutes=2)


class MissingCredentials(Exception):
    """The location has neither a PIT nor an agency connection."""

    def __init__(self, location):
        if location.disconnected_reason:
            super().__init__(f"Location {location.name} is disconnected: {location.disconnected_reason}")
        else:
            super().__init__(f"Location {location.name} has no token: add a private integration token or an agency connection.")


def _expiry(expires_in) -> timezone.datetime:
    seconds = int(expires_in or 86399)
    return timezone.now() + timedelta(seconds=seconds)


def agency_access_token(connection_id: int, *, force: bool = False) -> str:
    """A valid agency access token, refreshing (and rotating the refresh token) when needed."""
    with transaction.atomic():
        connection = AgencyConnection.objects.select_for_update().get(pk=connection_id)
        if not force and connection.access_token_is_fresh(EXPIRY_MARGIN.total_seconds()):
            return connection.access_token
        answer = refresh_access_token(
            settings.HIGHLEVEL_BASE_URL,
            client_id=connection.client_id,
            client_secret=connection.client_secret,
            refresh_token=connection.refresh_token,
            timeout=settings.HIGHLEVEL_TIMEOUT,
        )
        # Store the rotated refresh token first: the old one is already dead.
        connection.refresh_token = answer["refresh_token"]
        connection.access_token = answer["access_token"]
        connection.access_token_expires_at = _expiry(answer.get("expires_in"))
        connection.refreshed_at = timezone.now()
        connection.save(update_fields=["refresh_token", "access_token", "access_token_expires_at", "refreshed_at"])
        return connection.access_token


class AgencyTokenProvider:
    """Bearer tokens for agency-level calls (location tokens, installed locations)."""

    def __init__(self, connection_id: int):
        self.connection_id = connection_id
        self._force = False

    def token(self) -> str:
        token = agency_access_token(self.connection_id, force=self._force)
        self._force = False
        return token

    def invalidate(self) -> None:
        self._force = True


class PitTokenProvider:
    """A Private Integration Token never changes by itself; on 401 there is nothing to refresh."""

    def __init__(self, location: Location):
        self.location = location

    def token(self) -> str:
        return self.location.pit

    def invalidate(self) -> None:
        pass


class LocationTokenProvider:
    """Location tokens minted from the location's agency connection and cached until they expire."""

    def __init__(self, location: Location, client_factory):
        self.location = location
        self.client_factory = client_factory  # builds an agency client for a connection id

    def token(self) -> str:
        location = self.location
        if location.location_token and location.location_token_expires_at and (
            location.location_token_expires_at > timezone.now() + EXPIRY_MARGIN
        ):
            return location.location_token
        return self._mint()

    def invalidate(self) -> None:
        Location.objects.filter(pk=self.location.pk).update(location_token="", location_token_expires_at=None)
        self.location.location_token = ""
        self.location.location_token_expires_at = None

    def _mint(self) -> str:
        location = self.location
        agency = self.client_factory(location.connection_id)
        answer = agency.location_token(location.connection.company_id, location.hl_id)
        location.location_token = answer["access_token"]
        location.location_token_expires_at = _expiry(answer.get("expires_in"))
        location.save(update_fields=["location_token", "location_token_expires_at"])
        return location.location_token


def token_provider_for(location: Location, client_factory):
    if location.pit:
        return PitTokenProvider(location)
    if location.connection_id:
        return LocationTokenProvider(location, client_factory)
    raise MissingCredentials(location)


def describe_auth_failure(exc: AuthError, location: Location) -> str:
    if location.pit:
        return "HighLevel rejected this location's private integration token: it was revoked or mistyped. Paste a new one."
    return "HighLevel rejected the agency connection's token: reconnect the agency (its refresh token may have been revoked)."
