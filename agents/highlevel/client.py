"""A small client for HighLevel's Conversation AI, OAuth and locations operations.

One `requests.Session` (its connection pools, proxies and CA settings), a bearer token from a
token provider, the `Version` header each operation declares, a timeout on every call, typed
errors (agents.highlevel.errors) and retries only where a retry cannot do harm: HighLevel has no
idempotency keys, so a POST that may have reached the service is never sent again.
"""
from __future__ import annotations

import functools
import http.cookiejar
import logging
import random
import time
from urllib.parse import quote, urlencode

import requests
from urllib3.exceptions import NewConnectionError

from .errors import HighLevelError, TransportError, error_for_response, parse_retry_after

logger = logging.getLogger(__name__)

# The `Version` header each family of operations declares in HighLevel's OpenAPI documents.
API_VERSIONS = (
    ("/conversation-ai/", "2021-04-15"),
    ("/oauth/", "2021-07-28"),
    ("/locations/", "2021-07-28"),
)
# Methods whose repetition cannot create a second thing (PUT and PATCH send the whole state).
IDEMPOTENT_METHODS = {"GET", "PUT", "PATCH", "DELETE"}
GENERATION_SOURCES = ("conversation", "workflow")


def api_version_for(path: str) -> str:
    for prefix, version in API_VERSIONS:
        if path.startswith(prefix):
            return version
    raise ValueError(f"No HighLevel API version is known for {path}")


def _segment(value) -> str:
    """An id as one path segment: an id containing '/' or '?' must not change the URL's shape."""
    text = str(value)
    if not text:
        raise ValueError("An empty id cannot name a HighLevel object")
    return quote(text, safe="")


def _never_reached_service(exc: requests.exceptions.RequestException) -> bool:
    """True when the connection failed before a single byte of the request was sent."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(exc, requests.exceptions.SSLError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        return isinstance(reason, NewConnectionError)  # refused, unreachable, DNS failure
    return False


def _unwrap(body):
    """Action and follow-up operations answer `{success, data}`; callers want the data."""
    if isinstance(body, dict) and "data" in body and "success" in body:
        return body["data"]
    return body


def session_for(base_url: str) -> requests.Session:
    """A session that takes its proxy and CA settings from the environment as the process found it.

    By default requests walks os.environ on every call to find them: about a tenth of the CPU a
    rollout spends per call. The outcome is the same, proxies and NO_PROXY included.
    """
    session = requests.Session()
    # Nothing an answer sets is sent with later calls: a session may serve many locations in turn.
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    proxies, verify = _environment_settings(base_url)
    session.proxies.update(proxies)
    session.verify = verify
    session.trust_env = False
    return session


@functools.lru_cache(maxsize=16)
def _environment_settings(base_url: str) -> tuple[dict, bool | str]:
    found = requests.Session().merge_environment_settings(base_url, {}, None, None, None)
    return found["proxies"], found["verify"]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _query_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class HighLevelClient:
    def __init__(
        self,
        base_url,
        token_provider,
        *,
        limiter=None,
        timeout=15.0,
        max_retries=4,
        backoff_base=0.5,
        backoff_cap=20.0,
        session=None,
        on_response=None,
        sleep=time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.token_provider = token_provider
        self.limiter = limiter
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.session = session or session_for(self.base_url)
        self.on_response = on_response
        self.sleep = sleep
        self.requests_sent = 0
        self.retries = 0
        self._random = random.Random()

    # --- Conversation AI: agents --------------------------------------------------------

    def search_agents(self, *, query=None, limit=None, start_after=None) -> dict:
        """One page of agents: the raw `{agents, totalCount, count}` answer."""
        # The service matches `query` against lower-cased names, so a mixed-case query finds nothing.
        params = {"startAfter": start_after or None, "limit": limit, "query": query.lower() if query else None}
        return self._send("GET", "/conversation-ai/agents/search", params=params)

    def iter_agents(self, *, query=None, page_size=50):
        """Every agent, page after page; the next page starts after the last agent's id."""
        start_after = None
        while True:
            page = self.search_agents(query=query, limit=page_size, start_after=start_after)
            agents = page.get("agents") or []
            yield from agents
            if len(agents) < page_size:
                return
            last_id = agents[-1].get("id")
            if not last_id or last_id == start_after:  # a page that does not move would loop forever
                return
            start_after = last_id

    def get_agent(self, agent_id) -> dict:
        return self._send("GET", f"/conversation-ai/agents/{_segment(agent_id)}")

    def create_agent(self, payload) -> dict:
        return self._send("POST", "/conversation-ai/agents", json=payload)

    def update_agent(self, agent_id, payload) -> dict:
        return self._send("PUT", f"/conversation-ai/agents/{_segment(agent_id)}", json=payload)

    def delete_agent(self, agent_id) -> dict:
        return self._send(
            "DELETE", f"/conversation-ai/agents/{_segment(agent_id)}",
            if_already_gone={"success": True, "id": agent_id},
        )

    # --- Conversation AI: actions and follow-up settings ----------------------------------

    def create_action(self, agent_id, payload) -> dict:
        return _unwrap(self._send("POST", f"/conversation-ai/agents/{_segment(agent_id)}/actions", json=payload))

    def list_actions(self, agent_id) -> list:
        body = self._send("GET", f"/conversation-ai/agents/{_segment(agent_id)}/actions/list")
        return _unwrap(body) or []

    def get_action(self, agent_id, action_id) -> dict:
        return _unwrap(self._send("GET", self._action_path(agent_id, action_id)))

    def update_action(self, agent_id, action_id, payload) -> dict:
        return _unwrap(self._send("PUT", self._action_path(agent_id, action_id), json=payload))

    def delete_action(self, agent_id, action_id) -> dict:
        body = self._send(
            "DELETE", self._action_path(agent_id, action_id),
            if_already_gone={"success": True, "id": action_id},
        )
        return _unwrap(body)

    def update_followup_settings(self, agent_id, payload) -> dict:
        path = f"/conversation-ai/agents/{_segment(agent_id)}/followup-settings"
        return _unwrap(self._send("PATCH", path, json=payload))

    def get_generation(self, message_id, source) -> dict:
        if source not in GENERATION_SOURCES:
            raise ValueError(f"source must be one of {GENERATION_SOURCES}, not {source!r}")
        params = {"messageId": message_id, "source": source}
        return self._send("GET", "/conversation-ai/generations", params=params)

    @staticmethod
    def _action_path(agent_id, action_id) -> str:
        return f"/conversation-ai/agents/{_segment(agent_id)}/actions/{_segment(action_id)}"

    # --- Agency operations (use an agency token provider) ---------------------------------

    def location_token(self, company_id, location_id) -> dict:
        """Exchange the agency token for a sub-account token: `{access_token, expires_in, ...}`."""
        form = {"companyId": company_id, "locationId": location_id}
        return self._send("POST", "/oauth/locationToken", data=form)

    def installed_locations(self, company_id, app_id=None, **filters) -> dict:
        """Sub-accounts where the app is installed: `{locations, count, ...}`.

        The document marks `appId` as required; it is sent whenever it is given. Extra filters
        may be written in snake_case (is_installed=True, skip=20, limit=100).
        """
        params = {"companyId": company_id, "appId": app_id}
        params.update({_camel(name): _query_value(value) for name, value in filters.items()})
        return self._send("GET", "/oauth/installedLocations", params=params)

    def get_location(self, location_id) -> dict:
        """The raw answer, `{location: {...}}`."""
        return self._send("GET", f"/locations/{_segment(location_id)}")

    # --- The request loop -----------------------------------------------------------------

    def _send(self, method, path, *, params=None, json=None, data=None, authenticated=True, if_already_gone=None):
        """Send one operation, retrying where safe; return the parsed JSON answer.

        `if_already_gone` is returned when a DELETE whose earlier answer was lost gets 404:
        the earlier attempt did the deleting.
        """
        params = {name: value for name, value in (params or {}).items() if value is not None}
        if path.startswith("/conversation-ai/"):
            # The location is implied by the token; the live service answers 422 to a locationId.
            params.pop("locationId", None)
            if isinstance(json, dict) and "locationId" in json:
                json = {name: value for name, value in json.items() if name != "locationId"}
        version = api_version_for(path)
        url = self.base_url + path
        attempt = 0
        reauthenticated = False
        earlier_answer_lost = False

        while True:
            attempt += 1
            if self.limiter is not None:
                self.limiter.acquire()
            headers = {"Accept": "application/json", "Version": version}
            if authenticated:
                headers["Authorization"] = f"Bearer {self.token_provider.token()}"
            started = time.monotonic()
            self.requests_sent += 1
            try:
                response = self._exchange(method, url, params=params, json=json, data=data, headers=headers)
            except requests.exceptions.RequestException as exc:
                self._report(method, path, None, started, attempt)
                maybe_sent = not _never_reached_service(exc)
                error = TransportError(method=method, path=path, maybe_sent=maybe_sent, reason=type(exc).__name__)
                safe = method in IDEMPOTENT_METHODS or not maybe_sent
                if safe and attempt <= self.max_retries:
                    earlier_answer_lost = earlier_answer_lost or maybe_sent
                    self._wait_before_retry(error, self._backoff(attempt))
                    continue
                raise error from None  # the chained urllib3 text names hosts and URLs; keep it out

            status = response.status_code
            self._report(method, path, status, started, attempt)
            if self.limiter is not None:
                self.limiter.observe(response.headers)
            if status < 300:
                return self._json(response)

            if status == 404 and method == "DELETE" and earlier_answer_lost and if_already_gone is not None:
                logger.info("%s %s -> 404 after a lost answer: already deleted", method, path)
                return if_already_gone

            error = error_for_response(method, path, status, self._json(response), response.headers)
            if status == 401 and authenticated and not reauthenticated:
                # The token may have expired or been rotated since it was read: get a fresh one once.
                reauthenticated = True
                self.token_provider.invalidate()
                self.retries += 1
                logger.info("%s %s -> 401; retrying once with a fresh token", method, path)
                continue
            if attempt <= self.max_retries and self._retryable_status(method, status, response.headers):
                if status == 429:
                    hint = parse_retry_after(response.headers) or 0.0
                    # Follow the service's hint, with jitter so waiting workers do not return together.
                    delay = max(hint + self._random.uniform(0, self.backoff_base), self._backoff(attempt))
                else:
                    earlier_answer_lost = True  # a gateway 5xx does not prove the operation did not run
                    delay = self._backoff(attempt)
                self._wait_before_retry(error, delay)
                continue
            raise error

    def _exchange(self, method, url, *, params, json, data, headers) -> requests.Response:
        """One HTTP exchange, sent straight to the session's transport adapter.

        `Session.request` re-merges cookies, hooks, proxy and redirect settings and re-parses the
        URL on every call: half the CPU a call costs, for nothing this client uses. The URL is
        built from quoted segments and the proxy and CA settings are the session's own (session_for).
        Redirects are not followed: no API operation answers with one, and a token never follows
        a redirect to another host.
        """
        request = requests.PreparedRequest()
        request.prepare_method(method)
        request.url = url + ("?" + urlencode(params, doseq=True) if params else "")
        request.prepare_headers({**self.session.headers, **headers})
        request.prepare_body(data, None, json)
        session = self.session
        response = session.get_adapter(url).send(request, timeout=self.timeout, verify=session.verify,
                                                 proxies=session.proxies, cert=session.cert, stream=False)
        response.content  # read it all: the connection goes back to the pool for the next call
        return response

    def _retryable_status(self, method, status, headers) -> bool:
        if status == 429:
            # Retry only within the burst window; a long wait (the daily quota) is the caller's business.
            hint = parse_retry_after(headers)
            daily_left = headers.get("X-RateLimit-Daily-Remaining")
            return (hint is None or hint <= self.backoff_cap) and daily_left != "0"
        return status >= 500 and method in IDEMPOTENT_METHODS

    def _backoff(self, attempt) -> float:
        """Exponential backoff with full jitter."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return self._random.uniform(0, ceiling)

    def _wait_before_retry(self, error: HighLevelError, delay: float) -> None:
        self.retries += 1
        logger.info("%s; retrying in %.2f s", error, delay)
        self.sleep(delay)

    def _report(self, method, path, status, started, attempt) -> None:
        duration_ms = (time.monotonic() - started) * 1000
        logger.debug("%s %s -> %s in %.0f ms (attempt %d)", method, path, status, duration_ms, attempt)
        if self.on_response is None:
            return
        try:
            self.on_response(method, path, status, duration_ms, attempt)
        except Exception:  # a failing metrics hook must not turn a finished call into an error
            logger.exception("on_response hook failed for %s %s", method, path)

    @staticmethod
    def _json(response):
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            return {}


def refresh_access_token(base_url, *, client_id, client_secret, refresh_token, session=None, timeout=15.0) -> dict:
    """Trade a refresh token for `{access_token, refresh_token, expires_in, ...}`.

    Refresh tokens rotate: once the service has seen this one it is dead, so the call is never
    repeated after it may have been sent (only before sending, or after a 429). Store the new
    refresh token before doing anything else.
    """
    client = HighLevelClient(base_url, token_provider=None, session=session, timeout=timeout)
    form = {
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }
    return client._send("POST", "/oauth/token", data=form, authenticated=False)


def exchange_authorization_code(base_url, *, client_id, client_secret, code, redirect_uri, user_type="Company",
                                session=None, timeout=15.0) -> dict:
    """Trade the code of an install for `{access_token, refresh_token, companyId, approvedLocations, ...}`.

    A code works once: like a refresh, the call is never repeated after it may have been sent.
    """
    client = HighLevelClient(base_url, token_provider=None, session=session, timeout=timeout)
    form = {
        "client_id": client_id,
        "client_secret": client_secret,
        "grant_type": "authorization_code",
        "code": code,
        "user_type": user_type,
        "redirect_uri": redirect_uri,
    }
    return client._send("POST", "/oauth/token", data=form, authenticated=False)
