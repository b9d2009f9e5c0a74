"""Checks the sandbox's requests and answers against HighLevel's official OpenAPI documents.

The documents are read where settings.HIGHLEVEL_OPENAPI_DIR says, never copied. Loaded from
their file path, so their relative `$ref`s to ../common/common-schemas.json resolve. The
documents' http security schemes carry `in`/`name`, which the strict spec validator rejects:
`spec_validator_cls=None` validates requests and answers, not the documents themselves.
"""
from __future__ import annotations

import functools
from pathlib import Path

import requests
from django.conf import settings
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

LIVE_SERVER = "https://services.leadconnectorhq.com"
DOCUMENT_OF_PATH_PREFIX = (
    ("/conversation-ai/", "apps/conversation-ai.json"),
    ("/oauth/", "apps/oauth.json"),
    ("/locations/", "apps/locations.json"),
)


@functools.cache
def openapi_for(document: str) -> OpenAPI:
    path = Path(settings.HIGHLEVEL_OPENAPI_DIR) / document
    return OpenAPI.from_file_path(str(path), config=Config(spec_validator_cls=None))


def document_for(url_path: str) -> str:
    for prefix, document in DOCUMENT_OF_PATH_PREFIX:
        if url_path.startswith(prefix):
            return document
    raise ValueError(f"no OpenAPI document describes {url_path}")


class SandboxRequest(RequestsOpenAPIRequest):
    """A request to the sandbox, presented as if it went to the live server the documents name."""

    @property
    def host_url(self) -> str:
        return LIVE_SERVER


def assert_request_valid(response: requests.Response) -> None:
    request = SandboxRequest(response.request)
    openapi_for(document_for(request.path)).validate_request(request)


def assert_response_valid(response: requests.Response) -> None:
    request = SandboxRequest(response.request)
    openapi_for(document_for(request.path)).validate_response(request, RequestsOpenAPIResponse(response))


def assert_exchange_valid(response: requests.Response) -> None:
    assert_request_valid(response)
    assert_response_valid(response)
