"""Plain `requests` calls to the sandbox, as a client of the real service would make them."""
from __future__ import annotations

import requests

CAI_VERSION = "2021-04-15"
OAUTH_VERSION = "2021-07-28"
TIMEOUT = 5


class Caller:
    """Sends one token and Version header to the sandbox."""

    def __init__(self, base_url: str, token: str | None, version: str | None = CAI_VERSION):
        self.base_url = base_url
        self.token = token
        self.version = version

    def headers(self, extra: dict | None = None) -> dict:
        headers = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.version is not None:
            headers["Version"] = self.version
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, *, headers: dict | None = None, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return requests.request(method, self.base_url + path, headers=self.headers(headers), **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def location_caller(hl_sandbox, index: int = 0, *, token: str | None = None) -> Caller:
    return Caller(hl_sandbox.base_url, token or hl_sandbox.locations[index]["token"])


def agency_token(hl_sandbox) -> str:
    """An agency access token, the way the product gets one: by refreshing."""
    agency = hl_sandbox.agency
    response = requests.post(f"{hl_sandbox.base_url}/oauth/token", data={
        "grant_type": "refresh_token", "client_id": agency["clientId"], "client_secret": agency["clientSecret"],
        "refresh_token": agency["refreshToken"], "user_type": "Company",
    }, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
