"""A new client signs up: the sandbox creates a sub-account and tells the app, as HighLevel does.

    GET  /_sandbox/sign-up   a page with a name and a button
    POST /_sandbox/sign-up   the sub-account is created; where the agency installed the app for
                             future locations it is installed there too; LocationCreate, then
                             INSTALL, are posted to state.webhook_url, signed (webhook_sender)
"""
from __future__ import annotations

import html
import random
from urllib.parse import parse_qs

import requests

from . import webhook_sender
from .install_api import Page, _document
from .seeding import CITIES, _seed_location
from .state import SandboxState, now_iso

SIGN_UP_PATH = "/_sandbox/sign-up"


def sign_up(state: SandboxState, name: str) -> tuple[dict, list[tuple[str, str]]]:
    """Create the sub-account; the events sent, as (type, what the app answered)."""
    with state.lock:
        index = len(state.locations)
        location = _seed_location(state, random.Random(f"sign-up-{index}"), (name, name, "", CITIES[index % len(CITIES)]),
                                  index)
        installed = state.install_to_future_locations
        if installed:
            state.installed[location["id"]] = now_iso()
        agency = dict(state.agency)
    sent = [("LocationCreate", _send(state, webhook_sender.event(
        "LocationCreate", id=location["id"], companyId=agency["companyId"], name=name, email=location["email"])))]
    if installed:
        sent.append(("INSTALL", _send(state, webhook_sender.event(
            "INSTALL", appId=agency["appId"], companyId=agency["companyId"], locationId=location["id"],
            userId=agency["userId"], companyName=agency["name"], installType="Location"))))
    return location, sent


def _send(state: SandboxState, payload: dict) -> str:
    if not state.webhook_url:
        return "not sent (no webhook URL: start the sandbox with --webhook-url)"
    try:
        response = webhook_sender.send(state.webhook_url, payload)
    except requests.RequestException as error:
        return f"not delivered ({type(error).__name__})"
    return f"answered {response.status_code}"


def sign_up_page(state: SandboxState, method: str, query: str, body: bytes) -> Page:
    if method == "POST":
        name = (parse_qs(body.decode("utf-8", errors="replace")).get("name") or [""])[0].strip()[:100]
        if not name:
            return Page(400, _form("Give the new client a name."))
        location, sent = sign_up(state, name)
        report = "".join(f"<li>{html.escape(kind)}: {html.escape(result)}</li>" for kind, result in sent)
        return Page(200, _form(f"{name} signed up (sub-account {location['id']}).", report))
    if method == "GET":
        return Page(200, _form())
    return Page(405, _form("Use GET or POST."), headers={"Allow": "GET, POST"})


def _form(message: str = "", report: str = "") -> str:
    said = f'<p role="status">{html.escape(message)}</p>' if message else ""
    sent = f"<ul>{report}</ul>" if report else ""
    return _document("A new client signs up — HighLevel sandbox", f"""{said}{sent}
<form method="post" action="{SIGN_UP_PATH}">
  <label>Client name <input name="name" required maxlength="100"></label>
  <button type="submit">A new client signs up</button>
</form>""")
