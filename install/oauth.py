"""Connect an agency through HighLevel's install: the OAuth 2.0 authorization code flow.

    start(session, redirect_uri)     -> the marketplace's authorization page, with a `state`
                                        bound to this browser's session
    finish(session, params, user)    -> the code exchanged for a Company token, the tokens stored
                                        (encrypted) on an AgencyConnection, the locations imported

Nothing is stored unless the answer belongs to the flow this session started (the `state`), the
admin approved, and HighLevel took the code. The tokens never leave this module's callers in
words: refusals name what went wrong, never a code or token.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.highlevel.client import exchange_authorization_code
from agents.highlevel.errors import AuthError, HighLevelError, ValidationError
from agents.models import AgencyConnection
from audit.models import AuditEvent
from audit.services import record
from install import events
from install.locations import NEW_CONNECTION_NAME, LocationsImported, reconcile_locations

SESSION_KEY = "highlevel_install"
AUTHORIZATION_PATH = "/v2/oauth/chooselocation"
# An install left unfinished this long (the admin walked away) is not finished later.
FLOW_LIFETIME = timedelta(minutes=30)


class InstallRefused(Exception):
    """The install did not complete; the message says why, in words a manager can act on."""


@dataclass
class Connected:
    connection: AgencyConnection
    created: bool
    locations: LocationsImported


def authorization_url(state: str, redirect_uri: str) -> str:
    query = {
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "client_id": settings.HIGHLEVEL_CLIENT_ID,
        "scope": settings.HIGHLEVEL_OAUTH_SCOPES,
        "state": state,
        # Log in in this tab, not a new one, when the admin is not logged in to HighLevel yet.
        "loginWindowOpenMode": "self",
    }
    return settings.HIGHLEVEL_MARKETPLACE_URL.rstrip("/") + AUTHORIZATION_PATH + "?" + urlencode(query)


def start(session, redirect_uri: str) -> str:
    """Begin an install from this session; any earlier unfinished one is forgotten."""
    if not (settings.HIGHLEVEL_CLIENT_ID and settings.HIGHLEVEL_CLIENT_SECRET):
        raise InstallRefused("The back office has no HighLevel app configured: set HIGHLEVEL_CLIENT_ID and "
                             "HIGHLEVEL_CLIENT_SECRET (see the README, \"Configuration\").")
    state = secrets.token_urlsafe(32)
    session[SESSION_KEY] = {"state": state, "redirect_uri": redirect_uri, "started": timezone.now().timestamp()}
    return authorization_url(state, redirect_uri)


def finish(session, params, *, user=None) -> Connected:
    """Check the answer HighLevel's page sent the browser back with, then exchange and store."""
    # Popped whatever happens next: a state is good for one answer, never a second.
    pending = session.pop(SESSION_KEY, None)
    _check_state(pending, params.get("state") or "")
    if params.get("error"):
        if params.get("error") == "access_denied":
            raise InstallRefused("The install was declined on HighLevel's page: nothing was connected. "
                                 "Press Connect HighLevel again and approve to connect.")
        raise InstallRefused("HighLevel did not complete the install (it answered with an error): nothing was "
                             "connected. Press Connect HighLevel to try again.")
    code = params.get("code") or ""
    if not code:
        raise InstallRefused("HighLevel sent the browser back without a code: nothing was connected. "
                             "Press Connect HighLevel to try again.")
    answer = _exchange(code, pending["redirect_uri"])
    connection, created = store_tokens(answer, user=user)
    locations = reconcile_locations(connection, answer.get("approvedLocations") or [], user=user)
    events.record_install(connection, locations.hl_ids)
    # Webhooks that came before the exchange had finished (HighLevel's issue 294), handled now.
    events.handle_waiting(connection.company_id)
    connection.refresh_from_db()  # an INSTALL that waited may have given the agency its name
    return Connected(connection, created, locations)


def _check_state(pending, returned: str) -> None:
    expected = (pending or {}).get("state") or ""
    if not expected or not returned or not secrets.compare_digest(expected.encode(), returned.encode()):
        raise InstallRefused("This answer from HighLevel does not belong to a connection started from this browser "
                             "(its state does not match): nothing was stored. Press Connect HighLevel again.")
    if timezone.now().timestamp() - (pending.get("started") or 0) > FLOW_LIFETIME.total_seconds():
        raise InstallRefused("This install was started more than 30 minutes ago: nothing was stored. "
                             "Press Connect HighLevel again.")


def _exchange(code: str, redirect_uri: str) -> dict:
    try:
        answer = exchange_authorization_code(
            settings.HIGHLEVEL_BASE_URL, client_id=settings.HIGHLEVEL_CLIENT_ID,
            client_secret=settings.HIGHLEVEL_CLIENT_SECRET, code=code, redirect_uri=redirect_uri,
            user_type="Company", timeout=settings.HIGHLEVEL_TIMEOUT,
        )
    except (AuthError, ValidationError):
        raise InstallRefused("HighLevel refused the install's code: it has expired or was used already. Nothing "
                             "was stored; press Connect HighLevel again.") from None
    except HighLevelError as error:
        raise InstallRefused(f"The install could not be finished: {error.user_message} Nothing was stored; "
                             "press Connect HighLevel again.") from None
    if answer.get("userType") != "Company" or not answer.get("companyId") or not answer.get("refresh_token"):
        raise InstallRefused("HighLevel answered the code exchange without an agency token: nothing was stored. "
                             "Install the app on the agency (or its sub-accounts) and try again.")
    return answer


def store_tokens(answer: dict, *, user=None) -> tuple[AgencyConnection, bool]:
    """The agency connection of the answer's company, with the new tokens (one per company and app).

    Reconnecting an agency replaces its tokens: the new refresh token is the one that works now.
    """
    company_id = answer["companyId"]
    with transaction.atomic():
        connection = (AgencyConnection.objects.select_for_update()
                      .filter(company_id=company_id, client_id=settings.HIGHLEVEL_CLIENT_ID).order_by("pk").first())
        created = connection is None
        if created:
            connection = AgencyConnection(name=NEW_CONNECTION_NAME, company_id=company_id)
        connection.client_id = settings.HIGHLEVEL_CLIENT_ID
        connection.client_secret = settings.HIGHLEVEL_CLIENT_SECRET
        connection.app_id = settings.HIGHLEVEL_APP_ID
        connection.refresh_token = answer["refresh_token"]
        connection.access_token = answer["access_token"]
        connection.access_token_expires_at = timezone.now() + timedelta(seconds=int(answer.get("expires_in") or 86399))
        connection.refreshed_at = timezone.now()
        connection.save()
        record(
            AuditEvent.Verb.CREDENTIALS, user=user, object_type="connection", object_id=str(connection.pk),
            object_repr=connection.name,
            message=("Connected through HighLevel's install." if created
                     else "Reconnected through HighLevel's install: new tokens stored."),
        )
    return connection, created
