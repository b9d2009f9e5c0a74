"""Security: production settings pass `check --deploy`, every unsafe request needs its CSRF token
(htmx ones too), and no token ever shows up in a page, a log line, the audit trail or the task
tables, not even when HighLevel echoes it back in an error."""
import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import responses
from cryptography.fernet import Fernet
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_q.models import OrmQ, Schedule, Task

from agents import sync
from agents.highlevel.client import HighLevelClient
from agents.highlevel.errors import HighLevelError
from agents.models import AgencyConnection, Agent, Location
from audit.generation import fetch_generation
from audit.models import AuditEvent, Generation, SoftDelete
from tests.agents.rollout.conftest import make_template
from tests.backoffice.role_fixtures import make_role_user, url_objects  # noqa: F401
from tests.backoffice.test_url_permissions import ALL_URLS, EXPECTED, admin_model_names, url_for

ROOT = Path(__file__).resolve().parents[2]


# --- Production settings -------------------------------------------------------------------------

def production_env(tmp_path, **extra):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "DEBUG"))}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "backoffice.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "SECRETS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "backoffice.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **extra,
    }


def run_in_production(tmp_path, script: str, **env) -> list:
    """What `script` prints, split in words, run with Django set up under production settings
    (and `env` on top of them)."""
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + script], cwd=ROOT,
                            env=production_env(tmp_path, **env), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_answers_carry_the_security_headers_and_secure_cookies(tmp_path, collected_static):
    printed = run_in_production(tmp_path, (
        "from django.conf import settings as s\n"
        "from django.test import Client\n"
        "r = Client(HTTP_HOST='backoffice.example.com').get('/login/', secure=True)\n"
        "print(r.status_code, r['X-Content-Type-Options'], r['Referrer-Policy'], r['X-Frame-Options'],"
        " r['Strict-Transport-Security'], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY,"
        " r.cookies['csrftoken']['secure'] is True, s.SECURE_SSL_REDIRECT)\n"
    ), STATIC_ROOT=str(collected_static))  # the page links its CSS through collectstatic's manifest
    assert printed == [
        "200", "nosniff", "same-origin", "DENY", "max-age=31536000;", "includeSubDomains;", "preload",
        "True", "True", "True", "True", "True",
    ]


def test_plain_http_is_sent_to_https_in_production(tmp_path):
    printed = run_in_production(tmp_path, (
        "from django.test import Client\n"
        "r = Client(HTTP_HOST='backoffice.example.com').get('/login/')\n"
        "print(r.status_code, r['Location'])\n"
    ))
    assert printed == ["301", "https://backoffice.example.com/login/"]


# --- CSRF ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_htmx_post_without_the_csrf_token_is_refused_and_with_it_accepted(manager_user):
    location = Location.objects.create(hl_id="loc-1", name="Bright Smiles", pit="pit-" + "x" * 32)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager_user)
    sync_url = reverse("agents:location_sync", args=[location.pk]) + "?fragment=panel"

    refused = client.post(sync_url, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    assert location.__class__.objects.get(pk=location.pk).sync_status == Location.SyncStatus.NEVER

    # htmx sends the token the page put in hx-headers (base.html), as the X-CSRFToken header.
    page = client.get(reverse("agents:location_detail", args=[location.pk]))
    token = json.loads(re.search(r"hx-headers='([^']+)'", page.content.decode()).group(1))["X-CSRFToken"]
    accepted = client.post(sync_url, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert Location.objects.get(pk=location.pk).sync_status == Location.SyncStatus.QUEUED


@pytest.mark.django_db
def test_a_plain_form_post_without_the_token_is_refused(manager_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager_user)
    assert client.post(reverse("agents:template_create"), {"name": "Front desk"}).status_code == 403
    assert client.post(reverse("logout")).status_code == 403


# --- HighLevel errors ----------------------------------------------------------------------------

def echo_the_token(status):
    """A service that answers every call with an error body repeating the bearer token it got."""

    def answer(request):
        token = request.headers["Authorization"].split()[1]
        body = {"statusCode": status, "message": [f"Token {token} is not valid", request.headers["Authorization"]],
                "error": f"bad token {token}"}
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    return answer


class FixedToken:
    def __init__(self, value):
        self.value = value

    def token(self):
        return self.value

    def invalidate(self):
        pass


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 500])
@pytest.mark.parametrize("token", ["pit-" + "a1b2c3d4" * 4, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsb2MifQ.c2lnbmF0dXJl",
                                   "sbx-location-" + "Zq9" * 11])
def test_a_highlevel_error_never_echoes_the_token(status, token):
    client = HighLevelClient("https://services.example.test", FixedToken(token), max_retries=0,
                             sleep=lambda seconds: None)
    with responses.RequestsMock() as service, pytest.raises(HighLevelError) as caught:
        service.add_callback("GET", "https://services.example.test/conversation-ai/agents/agent-1",
                             callback=echo_the_token(status))
        client.get_agent("agent-1")
    error = caught.value
    for text in (str(error), error.user_message, error.service_message, repr(error.args), *error.messages):
        assert token not in text
    assert "[redacted]" in error.service_message  # the rest of the service's words stay readable
    assert "is not valid" in error.service_message


# --- The secrets crawl ---------------------------------------------------------------------------

@pytest.fixture
def all_logs(caplog):
    """Every logger at DEBUG, urllib3 and django.request included."""
    for name in [None, *logging.root.manager.loggerDict]:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _revoked_token(hl_sandbox, location_id):
    token = hl_sandbox.issue_token(location_id)
    hl_sandbox.state.tokens.pop(token)  # revoked in HighLevel, still saved here
    return token


@pytest.mark.django_db(transaction=False)
def test_no_token_appears_in_pages_logs_audit_or_task_tables(
    hl_sandbox, sandbox_locations, manager_user, url_objects, all_logs, monkeypatch, settings,  # noqa: F811
    django_capture_on_commit_callbacks, django_user_model,
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # queued work runs inline, and lands in the task tables
    settings.HIGHLEVEL_MAX_RETRIES = 0
    settings.ROLLOUT_LOCK_WAIT_SECONDS = 10
    pit_location, revoked_location, oauth_location = sandbox_locations[:3]
    known = {f"PIT of {loc.name}": loc.pit for loc in sandbox_locations}

    # An agency connection with its secrets, and a location that gets its token through it.
    agency = hl_sandbox.agency
    connection = AgencyConnection.objects.create(
        name="Agency", company_id=agency["companyId"], client_id=agency["clientId"],
        client_secret=agency["clientSecret"], refresh_token=agency["refreshToken"], app_id=agency.get("appId", "app"))
    known.update({"client secret": agency["clientSecret"], "first refresh token": agency["refreshToken"]})
    oauth_location.pit, oauth_location.connection = "", connection
    oauth_location.save()

    # A sync that works, one through OAuth, one with a revoked token, one queued from the page.
    revoked_location.pit = known["revoked PIT"] = _revoked_token(hl_sandbox, revoked_location.hl_id)
    revoked_location.save()
    assert sync.sync_location_by_id(pit_location.pk).startswith("ok")
    assert sync.sync_location_by_id(oauth_location.pk).startswith("ok")
    assert sync.sync_location_by_id(revoked_location.pk).startswith("failed")
    connection.refresh_from_db()
    oauth_location.refresh_from_db()
    known.update({"access token": connection.access_token, "rotated refresh token": connection.refresh_token,
                  "location token": oauth_location.location_token})
    assert all(known.values()), "every seeded secret is set"

    client = Client()
    client.force_login(manager_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("agents:location_sync", args=[pit_location.pk])).status_code == 302

    # A rollout plan, a deletion request and a generation lookup: remote reads and writes, audited.
    for index, location in enumerate(sandbox_locations[:3]):
        location.variables = {"calendar_id": f"cal-{index}", "workflow_id": f"wf-{index}"}
        location.save(update_fields=["variables"])
    template = make_template()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("agents:template_rollout", args=[template.pk]), {
            "scope": "selected", "strategy": "all", "locations": [loc.pk for loc in sandbox_locations[:3]]})
    assert response.status_code == 302
    agent = Agent.objects.filter(location=pit_location, state=Agent.State.ACTIVE).first()
    client.post(reverse("audit:agent_delete", args=[agent.pk]), {"reason": "Duplicate of the front desk agent"})
    message_id = hl_sandbox.state.generation_ids(pit_location.hl_id)[0]
    remote_agent_id = hl_sandbox.state.generations[message_id]["details"]["agentId"]
    generation_agent = Agent.objects.get(location=pit_location, hl_id=remote_agent_id)
    fetch_generation(generation_agent, message_id=message_id,
                     source=hl_sandbox.state.generations[message_id]["source"], user=manager_user)

    # Every page and admin view, as every role, with real objects where there are some.
    arguments = {**url_objects, "location_id": pit_location.pk, "agent_id": agent.pk,
                 "generation_id": Generation.objects.latest("pk").pk,
                 "models": {**url_objects["models"], type(manager_user): manager_user}}
    pages = {}
    for role in CRAWLED_ROLES:
        user = manager_user if role == "manager" else make_role_user(django_user_model, role)
        role_client = Client()
        role_client.force_login(user)
        role_pages = crawl_pages(role_client, arguments) | crawl_admin(role_client, user)
        pages.update({f"{key} as {role}": body for key, body in role_pages.items()})
        CRAWL_COUNTS[role] = len(role_pages)
    assert min(CRAWL_COUNTS.values()) > 60, CRAWL_COUNTS

    stores = {
        "logs": all_logs.text + "\n".join(_log_record_text(record) for record in all_logs.records),
        "audit events": _dump(AuditEvent.objects.values()),
        "deletion requests": _dump(SoftDelete.objects.values()),
        "generations": _dump(Generation.objects.values()),
        "locations' sync errors": _dump(Location.objects.values("sync_error")),
        "task results": _dump([{"name": t.name, "func": t.func, "args": t.args, "kwargs": t.kwargs, "result": t.result,
                                "group": t.group} for t in Task.objects.all()]),
        "queued tasks": _dump([entry.task for entry in OrmQ.objects.all()]),
        "schedules": _dump(Schedule.objects.values()),
        **{f"page {key}": body for key, body in pages.items()},
    }
    assert Task.objects.exists(), "the crawl saw django-q's result table filled"
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.SYNC_FAILED).exists()
    leaks = [f"{what} in {where}" for what, token in known.items() for where, text in stores.items() if token in text]
    print(f"secrets crawl: pages read per role {CRAWL_COUNTS}, {len(known)} seeded secrets, {len(leaks)} found")
    assert not leaks


CRAWLED_ROLES = ("superuser", "manager", "approver", "viewer")
CRAWL_COUNTS = {}  # role -> pages read, for the closing figures (pytest -s prints them)


def crawl_pages(client, arguments):
    """Every GET page of the back office's own URLs."""
    pages = {}
    for key, route in ALL_URLS:
        if key in admin_model_names() or EXPECTED.get(key, {}).get("GET") in (None, "405"):
            continue
        pages[key] = _body(client.get(url_for(key, route, arguments)))
    return pages


def crawl_admin(client, user):
    """Every admin view of every registered model: the list, the add page, and for a few rows the
    change (or view) page, the history and the delete confirmation; and every changelist action's
    first answer (an intermediate page, or the list with its message), for the rows it may take."""
    pages = {}
    request = _request(user)
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages[base] = _body(client.get(base))
        pages[f"{base}add/"] = _body(client.get(f"{base}add/"))
        pks = list(model_admin.get_queryset(request).values_list("pk", flat=True)[:5])
        for pk in pks:
            for view in ("change", "history", "delete"):
                pages[f"{base}{pk}/{view}/"] = _body(client.get(f"{base}{pk}/{view}/"))
        for action in model_admin.get_actions(request):
            response = client.post(base, {"action": action, "_selected_action": pks[:3]}, follow=True)
            pages[f"{base} action {action}"] = _body(response)
    return pages


def _body(response):
    assert response.status_code in (200, 302, 403, 404), (response.request["PATH_INFO"], response.status_code)
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _request(user):
    return type("Request", (), {"user": user, "GET": {}, "POST": {}, "method": "GET"})()


def _log_record_text(record):
    return " ".join(str(part) for part in (record.getMessage(), record.args, record.exc_text or "", record.__dict__))


def _dump(rows):
    return json.dumps(list(rows), default=repr)
