"""Typed errors for HighLevel calls, each with a sentence an agency manager can act on.

Messages are built only from the method, the path, the HTTP status and the service's own
error message. Request headers and form bodies (bearer tokens, client secrets, refresh tokens)
never reach an exception, and whatever looks like a secret in the service's message is blanked
(a service may echo the token it refused), so an error can be logged, shown or stored safely.
"""
from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

# Words HighLevel uses when a token of the wrong kind (agency vs sub-account) is presented.
_WRONG_TOKEN_TYPE = re.compile(
    r"token type|authclass|type is not allowed|wrong token|agency token|location token|sub-account token",
    re.IGNORECASE,
)
_READ_METHODS = {"GET", "HEAD", "OPTIONS"}
_MAX_MESSAGE_CHARS = 300
# What a secret in an error body looks like: a bearer header, a private integration token, a JWT
# (OAuth access and refresh tokens), or any opaque run of 32+ token characters (secrets, UUIDs).
# HighLevel's own ids are 20-24 characters and stay readable.
_SECRET_LOOKING = re.compile(
    r"(?i:bearer)\s+[^\s\"',;]+|\bpit-[\w-]+|\beyJ[\w-]+\.[\w-]+(?:\.[\w-]*)?|[\w-]{32,}"
)
REDACTED = "[redacted]"


def redact_secrets(text: str) -> str:
    return _SECRET_LOOKING.sub(REDACTED, text)


class HighLevelError(Exception):
    """A HighLevel call failed. `messages` holds what the service itself said, if anything."""

    default_summary = "HighLevel returned an error"

    def __init__(self, *, method: str = "", path: str = "", status: int | None = None, messages=None):
        self.method = (method or "").upper()
        self.path = path or ""
        self.status = status
        self.messages = [redact_secrets(str(m))[:_MAX_MESSAGE_CHARS] for m in (messages or []) if str(m).strip()]
        super().__init__(self.__str__())

    def __str__(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "no answer"
        text = f"{self.method} {self.path} -> {status}"
        if self.messages:
            text += ": " + "; ".join(self.messages)
        return text

    # Exceptions are pickled by django-q when a task fails; rebuild from attributes, not args.
    def __reduce__(self):
        return (_rebuild, (type(self), self.__dict__.copy()))

    @property
    def service_message(self) -> str:
        return "; ".join(self.messages)

    @property
    def user_message(self) -> str:
        detail = f" ({self.service_message})" if self.messages else ""
        return f"{self.default_summary}{detail}."


def _rebuild(cls, state):
    error = cls.__new__(cls)
    error.__dict__.update(state)
    error.args = (str(error),)
    return error


class AuthError(HighLevelError):
    @property
    def user_message(self) -> str:
        return (
            "HighLevel rejected the token (expired or revoked). "
            "Reconnect the agency connection or paste a new private integration token."
        )


class ScopeError(HighLevelError):
    @property
    def wrong_token_type(self) -> bool:
        return bool(_WRONG_TOKEN_TYPE.search(self.service_message))

    @property
    def missing_scope(self) -> str:
        """The scope this call needs, named the way HighLevel's app settings name it."""
        access = "readonly" if self.method in _READ_METHODS else "write"
        area = self.path.strip("/").split("/", 1)[0] or "conversation-ai"
        return f"{area}.{access}"

    @property
    def user_message(self) -> str:
        if self.wrong_token_type:
            return (
                "HighLevel refused the call because the token is the wrong type for it: Conversation AI "
                "needs a sub-account (location) token, agency calls need an agency token"
                f" ({self.service_message})."
            )
        return (
            f"HighLevel refused the call: this token lacks the {self.missing_scope} scope. "
            "Add the scope to the private integration or app, then reconnect."
        )


class NotFound(HighLevelError):
    @property
    def user_message(self) -> str:
        return f"HighLevel has no such {_thing_named_by(self.path)}; it may have been deleted in HighLevel."


class ValidationError(HighLevelError):
    @property
    def user_message(self) -> str:
        if not self.messages:
            return "HighLevel rejected the data that was sent."
        return "HighLevel rejected the data: " + "; ".join(self.messages) + "."


class RateLimited(HighLevelError):
    def __init__(self, *, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        super().__init__(**kwargs)

    @property
    def user_message(self) -> str:
        if self.retry_after:
            return f"HighLevel is limiting how fast this account can be called; try again in {self.retry_after:.0f} seconds."
        return "HighLevel is limiting how fast this account can be called; try again in a minute."


class ServerError(HighLevelError):
    @property
    def user_message(self) -> str:
        text = f"HighLevel had an internal problem (HTTP {self.status}); try again later."
        if self.method == "POST":
            text += " The change may still have been made: check HighLevel before trying again."
        return text


class TransportError(HighLevelError):
    """No usable answer: a timeout or a broken connection. `status` is always None."""

    def __init__(self, *, maybe_sent: bool, reason: str = "", **kwargs):
        self.maybe_sent = maybe_sent
        self.reason = reason  # the exception class name only: urllib3's text carries URLs and hosts
        super().__init__(status=None, **kwargs)

    def __str__(self) -> str:
        sent = "may have been sent" if self.maybe_sent else "not sent"
        return f"{self.method} {self.path} -> no answer ({self.reason or 'transport error'}, {sent})"

    @property
    def user_message(self) -> str:
        text = "HighLevel did not answer in time or the connection failed."
        if self.maybe_sent and self.method not in _READ_METHODS:
            text += " The change may still have been made: check HighLevel before trying again."
        return text


def _thing_named_by(path: str) -> str:
    parts = [p for p in path.split("?")[0].strip("/").split("/") if p]
    if "actions" in parts:
        return "action"
    if parts[:1] == ["conversation-ai"] and "agents" in parts:
        return "agent"
    if "generations" in parts:
        return "generation"
    if parts[:1] == ["locations"] or "locationToken" in parts:
        return "location"
    return "item"


def service_messages(body) -> list[str]:
    """The service's own message(s) from an error body `{statusCode, message, error}`.

    `message` is a list of strings on 422 and usually a string otherwise; OAuth errors may use
    `error_description` instead. Anything else yields no message rather than a crash.
    """
    if not isinstance(body, dict):
        return []
    for field in ("message", "error_description", "error", "msg"):
        value = body.get(field)
        if isinstance(value, list):
            return [str(item) for item in value if item not in (None, "")]
        if isinstance(value, (str, int, float)) and str(value).strip():
            return [str(value)]
    return []


def parse_retry_after(headers) -> float | None:
    """Seconds to wait before retrying, from `Retry-After` or the rate-limit interval header."""
    value = (headers or {}).get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
            except (TypeError, ValueError):
                pass
    interval = (headers or {}).get("X-RateLimit-Interval-Milliseconds")
    try:
        return max(0.0, float(interval) / 1000.0) if interval else None
    except ValueError:
        return None


def error_for_response(method: str, path: str, status: int, body, headers=None) -> HighLevelError:
    """The typed error for an HTTP error answer."""
    common = {"method": method, "path": path, "status": status, "messages": service_messages(body)}
    if status == 401:
        return AuthError(**common)
    if status == 403:
        return ScopeError(**common)
    if status == 404:
        return NotFound(**common)
    if status in (400, 422):
        return ValidationError(**common)
    if status == 429:
        return RateLimited(retry_after=parse_retry_after(headers), **common)
    if status >= 500:
        return ServerError(**common)
    return HighLevelError(**common)
