"""The request and answer the handlers work with, free of any HTTP server plumbing."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .state import Token

ERROR_NAMES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    408: "Request Timeout", 415: "Unsupported Media Type", 422: "Unprocessable Entity", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
}


class ApiError(Exception):
    """An error answer in the live service's NestJS shape: {statusCode, message, error}."""

    def __init__(self, status: int, message: str | list[str], headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})  # e.g. Allow, on a 405

    def body(self) -> dict:
        return {"statusCode": self.status, "message": self.message, "error": ERROR_NAMES.get(self.status, "Error")}


def unprocessable(messages: list[str]) -> ApiError:
    # On 422 `message` is always a list of strings.
    return ApiError(422, list(messages))


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)  # from the path
    token: Token | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        if not self.body:
            raise ApiError(400, "Request body is required")
        # The documents take JSON bodies only; one labelled otherwise (text/plain, a form) is
        # refused rather than read as JSON anyway. A body with no Content-Type is still read.
        media_type = (self.header("content-type") or "application/json").split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise ApiError(415, f"Content-Type {media_type} is not supported: send application/json")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise ApiError(400, f"Unexpected token in JSON body: {error}") from None

    def json_object(self) -> dict:
        payload = self.json()
        if not isinstance(payload, dict):
            raise ApiError(400, "Request body must be a JSON object")
        return payload

    def form(self) -> dict[str, str]:
        """/oauth/* bodies are form-encoded; a JSON object is taken too, as the live service does."""
        content_type = (self.header("content-type") or "").lower()
        if "application/json" in content_type:
            return {key: str(value) for key, value in self.json_object().items()}
        text = self.body.decode("utf-8", errors="replace")
        return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


@dataclass
class ApiResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Close the connection without answering: the change is made but the caller never hears of it.
    drop_connection: bool = False


def require_fields(payload: dict, *names: str) -> None:
    missing = [f"{name} should not be empty" for name in names if not payload.get(name)]
    if missing:
        raise unprocessable(missing)
