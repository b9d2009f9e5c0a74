"""The app's install, as HighLevel's marketplace runs it: the authorization page and its codes.

    GET  /v2/oauth/chooselocation?response_type=code&client_id=…&redirect_uri=…&scope=…&state=…
         the page where the agency admin picks the whole agency or some sub-accounts
    POST /v2/oauth/chooselocation
         approve: the app is installed there, and the browser goes to redirect_uri?code=…&state=…
         deny:    redirect_uri?error=access_denied&state=…

A code is single-use and expires (state.auth_code_lifetime_seconds); oauth_api exchanges it at /oauth/token
for a Company token (with approvedLocations) or, for a code of one sub-account, a Location token.
The live service's page is a single-page app behind a login; this one is a plain form, enough
for a browser test to click through. It is served on the sandbox's own port: the back office's
HIGHLEVEL_MARKETPLACE_URL points there, as its HIGHLEVEL_BASE_URL points at the API.
"""
from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from .protocol import ApiError
from .state import ACCESS_TOKEN_LIFETIME_SECONDS, SandboxState, now_iso

MARKETPLACE_PATH = "/v2/oauth/chooselocation"


@dataclass
class Page:
    """An answer of the marketplace: an HTML page, or a redirect (`location`)."""

    status: int
    html: str = ""
    location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


# --- the authorization page ------------------------------------------------------------------

def authorization_page(state: SandboxState, method: str, query: str, body: bytes) -> Page:
    if method == "GET":
        params = _first_values(query)
    elif method == "POST":
        params = _first_values(body.decode("utf-8", errors="replace"))
    else:
        return Page(405, _document("Method not allowed", "<p>Use GET or POST.</p>"), headers={"Allow": "GET, POST"})
    problem = _request_problem(state, params)
    if problem:
        # Never redirect to a redirect_uri that failed its checks (RFC 6749, 4.1.2.1): say it here.
        return Page(400, _document("This install link is broken", f"<p>{html.escape(problem)}</p>"))
    if method == "GET":
        return Page(200, _choice_form(state, params))
    form = parse_qs(body.decode("utf-8", errors="replace"))
    if form.get("decision", [""])[0] != "approve":
        return Page(302, location=_back_to_app(params, error="access_denied",
                                               error_description="The user denied the installation"))
    location_ids = _chosen_locations(state, form)
    if not location_ids:
        return Page(400, _choice_form(state, params, problem="Pick the agency or at least one sub-account."))
    code = approve(state, params["client_id"], params["redirect_uri"], location_ids,
                   all_locations=form.get("target", [""])[0] == "agency")
    return Page(302, location=_back_to_app(params, code=code))


def approve(state: SandboxState, client_id: str, redirect_uri: str, location_ids: list[str], *,
            all_locations: bool) -> str:
    """Install the app in those sub-accounts and hand out a code for them (what "Approve" does)."""
    with state.lock:
        for location_id in location_ids:
            state.installed.setdefault(location_id, now_iso())
        if all_locations:
            state.install_to_future_locations = True
        code = state.new_id(40)
        state.auth_codes[code] = {
            "clientId": client_id, "redirectUri": redirect_uri, "companyId": state.agency["companyId"],
            "locationIds": list(location_ids), "allLocations": all_locations,
            "expiresAt": time.time() + state.auth_code_lifetime_seconds,
        }
        return code


def _request_problem(state: SandboxState, params: dict) -> str:
    if params.get("response_type") != "code":
        return "response_type must be code."
    if params.get("client_id") != state.agency["clientId"]:
        return "No app has this client_id."
    redirect = urlsplit(params.get("redirect_uri") or "")
    if redirect.scheme not in ("http", "https") or not redirect.netloc:
        return "redirect_uri must be an absolute http(s) address."
    return ""


def _chosen_locations(state: SandboxState, form: dict) -> list[str]:
    with state.lock:
        agency_locations = [location_id for location_id, row in state.locations.items()
                            if row["companyId"] == state.agency["companyId"]]
    if form.get("target", [""])[0] == "agency":
        return agency_locations
    picked = set(form.get("location", []))
    return [location_id for location_id in agency_locations if location_id in picked]


def _back_to_app(params: dict, **answer) -> str:
    if params.get("state"):
        answer["state"] = params["state"]
    redirect_uri = params["redirect_uri"]
    return redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(answer)


def _first_values(text: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


def _choice_form(state: SandboxState, params: dict, problem: str = "") -> str:
    with state.lock:
        agency = state.agency
        locations = [(row["id"], row["name"]) for row in state.locations.values()
                     if row["companyId"] == agency["companyId"]]
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(params[name])}">'
        for name in ("response_type", "client_id", "redirect_uri", "scope", "state") if name in params
    )
    rows = "".join(
        f'<li><label><input type="checkbox" name="location" value="{html.escape(location_id)}"> '
        f"{html.escape(name)}</label></li>"
        for location_id, name in locations
    )
    scopes = html.escape(params.get("scope") or "(none)")
    problem_html = f'<p role="alert" class="problem">{html.escape(problem)}</p>' if problem else ""
    body = f"""
<p>An app asks to be installed on <strong>{html.escape(agency['name'])}</strong>, with these scopes: {scopes}</p>
{problem_html}
<form method="post" action="{MARKETPLACE_PATH}">{hidden}
  <fieldset><legend>Where to install it</legend>
    <label><input type="radio" name="target" value="agency"> The whole agency: every sub-account, and future ones</label><br>
    <label><input type="radio" name="target" value="locations" checked> Only these sub-accounts:</label>
    <ul>{rows}</ul>
  </fieldset>
  <button type="submit" name="decision" value="approve">Approve</button>
  <button type="submit" name="decision" value="deny">Deny</button>
</form>"""
    return _document("Install the app — HighLevel sandbox", body)


def _document(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>")


# --- the code exchange (POST /oauth/token, grant_type=authorization_code) -------------------

def exchange_code(state: SandboxState, form: dict) -> dict:
    """The token answer for a code; the code is spent whatever happens after it is found."""
    user_type = form.get("user_type")
    if user_type not in ("Company", "Location"):
        raise ApiError(422, ["user_type must be one of the following values: Company, Location"])
    with state.lock:
        code = state.auth_codes.pop(form.get("code") or "", None)
        if code is None:
            raise ApiError(401, "Invalid grant: authorization code is invalid or was already used")
        if code["expiresAt"] <= time.time():
            raise ApiError(401, "Invalid grant: authorization code has expired")
        if code["clientId"] != form["client_id"]:
            raise ApiError(401, "Invalid grant: the code was issued to another client")
        if form.get("redirect_uri") and form["redirect_uri"] != code["redirectUri"]:
            raise ApiError(400, "redirect_uri does not match the one the code was issued for")
        if user_type == "Location":
            return _location_token_answer(state, code)
        return _company_token_answer(state, code)


def _company_token_answer(state: SandboxState, code: dict) -> dict:
    # oauth_api calls this module, so its names are taken at call time, not at import.
    from .oauth_api import PLAN_ID, _scope_string
    from .state import AGENCY_TOKEN_SCOPES

    refresh_token = "sbx-refresh-" + state.new_id(40)
    state.refresh_tokens[refresh_token] = code["companyId"]
    approved = list(code["locationIds"])
    # HighLevel's known trouble (highlevel-api-docs issues 294, 130): a bulk install's answer
    # may leave out some of the sub-accounts picked; the app reconciles with installedLocations.
    if state.omit_approved_locations:
        approved = approved[:max(0, len(approved) - state.omit_approved_locations)]
    return {
        "access_token": state.issue_token(kind="agency", expires_in=ACCESS_TOKEN_LIFETIME_SECONDS),
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
        "refresh_token": refresh_token,
        "scope": _scope_string(AGENCY_TOKEN_SCOPES),
        "userType": "Company",
        "companyId": code["companyId"],
        "approvedLocations": approved,
        "userId": state.agency["userId"],
        "planId": PLAN_ID,
        "isBulkInstallation": len(code["locationIds"]) > 1,
        "approveAllLocations": code["allLocations"],
        "installToFutureLocations": code["allLocations"],
    }


def _location_token_answer(state: SandboxState, code: dict) -> dict:
    from .oauth_api import location_token_answer

    if len(code["locationIds"]) != 1:
        raise ApiError(400, f"This code covers {len(code['locationIds'])} sub-accounts: a Location token is for "
                            "one; ask for user_type Company")
    return location_token_answer(state, code["locationIds"][0], code["companyId"])


# --- for tests and the demo ------------------------------------------------------------------

def uninstall_everywhere(state: SandboxState) -> None:
    """A world where the app is not installed yet: the agency connects through the install."""
    with state.lock:
        state.installed.clear()
        state.install_to_future_locations = False
        state.refresh_tokens.clear()
