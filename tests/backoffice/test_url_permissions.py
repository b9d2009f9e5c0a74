"""Every URL, every role: the page opens, the login page comes first, or the role is refused.

The URL list is read from the resolver, so a new URL without an expectation in EXPECTED (or,
for the admin, without a registered model behind it) fails test_every_url_has_an_expectation.
"""
import re
from urllib.parse import urlparse

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_q.models import Failure, OrmQ, Schedule, Success, Task

from agents.models import Action, Agent, AgentTemplateVersion, RateLimitWindow, Rollout, RolloutTarget
from audit.models import AuditEvent, SoftDelete
from tests.backoffice.role_fixtures import ROLE_NAMES, make_role_user, url_objects  # noqa: F401

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # anyone, logged in or not
NO = "405"  # the method is refused for everyone, before any login check
REFUSED = "403"  # refused to every logged-in user (login first)
SIGNED = "401"  # anyone, logged in or not, may post; unsigned (as here), it is refused with 401

# URL name (or route, for unnamed patterns) -> {method: PUBLIC, NO, or the permissions needed}.
# GET+POST pages are checked with both methods; POST-only endpoints answer GET with 405.
EXPECTED = {
    "": {"GET": PUBLIC},  # the root redirects to the locations
    "login": {"GET": PUBLIC},
    "logout": {"GET": NO, "POST": PUBLIC},  # then to the login page
    # Locations and agents.
    "agents:location_list": {"GET": ["agents.view_location"]},
    "agents:location_sync_many": {"GET": NO, "POST": ["agents.sync_location"]},
    "agents:location_detail": {"GET": ["agents.view_location"]},
    "agents:location_sync": {"GET": NO, "POST": ["agents.sync_location"]},
    "agents:location_sync_status": {"GET": ["agents.view_location"]},
    "agents:location_variables": {"GET": ["agents.view_location"], "POST": ["agents.change_location"]},
    "agents:agent_detail": {"GET": ["agents.view_agent"]},
    "agents:agent_raw_payload": {"GET": ["agents.view_agent"]},
    # Templates.
    "agents:template_list": {"GET": ["agents.view_agenttemplate"]},
    "agents:template_create": {"GET": ["agents.add_agenttemplate"], "POST": ["agents.add_agenttemplate"]},
    "agents:template_detail": {"GET": ["agents.view_agenttemplate"]},
    "agents:template_edit": {"GET": ["agents.change_agenttemplate"], "POST": ["agents.change_agenttemplate"]},
    "agents:template_action_add": {"GET": ["agents.change_agenttemplate"], "POST": ["agents.change_agenttemplate"]},
    "agents:template_action_edit": {"GET": ["agents.change_agenttemplate"], "POST": ["agents.change_agenttemplate"]},
    "agents:template_action_json": {"GET": ["agents.change_agenttemplate"], "POST": ["agents.change_agenttemplate"]},
    "agents:template_action_delete": {"GET": NO, "POST": ["agents.change_agenttemplate"]},
    "agents:template_versions": {"GET": ["agents.view_agenttemplate"]},
    # Rollouts and bulk updates.
    "agents:template_rollout": {"GET": ["agents.run_rollout"], "POST": ["agents.run_rollout"]},
    "agents:rollout_list": {"GET": ["agents.view_rollout"]},
    "agents:rollout_detail": {"GET": ["agents.view_rollout"]},
    "agents:rollout_plan": {"GET": ["agents.view_rollout"]},
    "agents:rollout_confirm": {"GET": NO, "POST": ["agents.run_rollout"]},
    "agents:rollout_continue": {"GET": NO, "POST": ["agents.run_rollout"]},
    "agents:rollout_cancel": {"GET": NO, "POST": ["agents.run_rollout"]},
    "agents:rollout_retry": {"GET": NO, "POST": ["agents.run_rollout"]},
    "agents:bulk_update": {"GET": ["agents.run_rollout"], "POST": ["agents.run_rollout"]},
    # Review before delete: a Manager asks, an Approver decides.
    "audit:deletion_list": {"GET": ["audit.view_softdelete"]},
    "audit:deletion_approve": {"GET": NO, "POST": ["audit.approve_deletion"]},
    "audit:deletion_reject": {"GET": NO, "POST": ["audit.approve_deletion"]},
    "audit:deletion_restore": {"GET": NO, "POST": ["audit.approve_deletion"]},
    "audit:batch_approve": {"GET": NO, "POST": ["audit.approve_deletion"]},
    "audit:batch_reject": {"GET": NO, "POST": ["audit.approve_deletion"]},
    "audit:agent_delete": {"GET": ["audit.request_deletion"], "POST": ["audit.request_deletion"]},
    "audit:agent_restore": {"GET": NO, "POST": ["audit.restore_agent"]},
    # The trail and generations.
    "audit:trail": {"GET": ["audit.view_auditevent"]},
    "audit:trail_export": {"GET": ["audit.export_auditevent"]},
    "audit:generation_lookup": {"GET": ["audit.view_generation"], "POST": ["audit.fetch_generation"]},
    "audit:generation_detail": {"GET": ["audit.view_generation"]},
    "audit:generation_export": {"GET": ["audit.view_generation"]},
    # HighLevel's install: the agencies, Connect HighLevel, and the way back from HighLevel.
    "install:connection_list": {"GET": ["agents.view_agencyconnection"]},
    "install:connect_start": {"GET": ["agents.add_agencyconnection"]},
    "install:connect_done": {"GET": ["agents.add_agencyconnection"]},
    # HighLevel's webhooks: anyone may post (the signature decides, 401 here); every role reads the deliveries.
    "install:webhook": {"GET": NO, "POST": SIGNED},
    "install:provisioning": {"GET": ["install.view_provisioningrule"], "POST": ["install.add_provisioningrule"]},
    "install:delivery_list": {"GET": ["install.view_webhookdelivery"]},
    "install:delivery_detail": {"GET": ["install.view_webhookdelivery"]},
    # The admin's own pages; its model pages are derived from the registry (admin_expectations).
    "admin:index": {"GET": ["staff"]},
    "admin:login": {"GET": PUBLIC},
    "admin:logout": {"POST": PUBLIC},  # a GET only redirects
    "admin:password_change": {"GET": ["staff"]},
    "admin:password_change_done": {"GET": ["staff"]},
    "admin:jsi18n": {"GET": ["staff"]},
    "admin:app_list": {"GET": ["agents.view_location"]},  # /admin/agents/
    "admin:view_on_site": {"GET": ["staff"]},  # 404: no model here has a public page
    "admin:autocomplete": {"GET": REFUSED},  # no admin here declares autocomplete fields
    "admin/(?P<url>.*)$": {"GET": ["staff"]},  # the admin's catch-all: 404 behind the login
    "admin/<app>/<model>/<path:object_id>/": {"GET": ["staff"]},  # redirects to .../change/
    "admin:auth_user_password_change": {"GET": ["auth.change_user"]},
}

# GET endpoints that answer a role let in with a redirect, not a page: to HighLevel's authorization
# page, or (with no answer from HighLevel to finish) back to the agencies, saying why.
REDIRECTING_GETS = {"install:connect_start", "install:connect_done"}

# Models whose admin is read-only for everyone, superusers included (the mirror follows HighLevel,
# rollouts and the trail are written by the back office alone).
READ_ONLY_ADMINS = {Agent, Action, RateLimitWindow, AgentTemplateVersion, Rollout, RolloutTarget, AuditEvent, SoftDelete}


def walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or None)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield name, prefix + str(pattern.pattern)


ADMIN_MODEL_VIEWS = ("changelist", "add", "history", "delete", "change")


def admin_model_names():
    """admin:<app>_<model>_<view> -> (model, view) for every registered model."""
    return {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}": (model, view)
        for model in admin.site._registry for view in ADMIN_MODEL_VIEWS
    }


def pattern_key(name, route):
    if name:
        return name
    if re.fullmatch(r"admin/\w+/\w+/<path:object_id>/", route):
        return "admin/<app>/<model>/<path:object_id>/"
    return route


ALL_URLS = sorted({pattern_key(name, route): route for name, route in walk(get_resolver().url_patterns)}.items())


def test_every_url_has_an_expectation():
    model_names = admin_model_names()
    uncovered = [key for key, _route in ALL_URLS if key not in EXPECTED and key not in model_names]
    assert not uncovered, f"URLs without an expected permission in EXPECTED: {uncovered}"


@pytest.fixture
def objects(url_objects, django_user_model):  # noqa: F811
    """The back office's objects plus one of each third-party model the admin lists."""
    now = timezone.now()
    task = {"name": "t", "func": "agents.tasks.sync_location_task", "started": now, "stopped": now}
    models = dict(url_objects["models"])
    models.update({
        Group: Group.objects.get(name="Viewer"),
        User: django_user_model.objects.get(username="requester"),
        Schedule: Schedule.objects.create(name="purge", func="audit.tasks.purge_due"),
        Success: Task.objects.create(id="a" * 32, success=True, **task),
        Failure: Task.objects.create(id="b" * 32, success=False, **task),
        OrmQ: OrmQ.objects.create(key="backoffice", payload="x", lock=now),
        # django-axes' login records (the lockouts an admin can lift).
        **{model: model.objects.create(username="ann", ip_address="192.0.2.1", user_agent="pytest", http_accept="*/*",
                                       path_info="/login/", **fields)
           for model, fields in [(AccessAttempt, {"get_data": "", "post_data": "", "failures_since_start": 5}),
                                 (AccessLog, {}), (AccessFailureLog, {"locked_out": True})]},
    })
    return {**url_objects, "models": models}


def url_for(key, route, objects):
    """The route with its arguments filled in from the objects."""
    if key == "admin:app_list":
        return "/admin/agents/"
    if key == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if key == "admin:auth_user_password_change":
        return f"/admin/auth/user/{objects['models'][User].pk}/password/"
    if key == "admin:view_on_site":
        location = objects["models"][Agent].location
        return f"/admin/r/{_content_type_id(location)}/{location.pk}/"
    if key in admin_model_names():
        model, view = admin_model_names()[key]
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        obj = objects["models"][model]
        return {"changelist": base, "add": base + "add/"}.get(view, f"{base}{obj.pk}/{view}/")
    if key == "admin/<app>/<model>/<path:object_id>/":
        return f"/{route.replace('<path:object_id>', '1')}"
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(objects[m.group(1)]), route)
    return "/" + path


def _content_type_id(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


def expected_for_admin_model(user, model, view):
    """What the groups give: view (or change) opens the lists and forms read-only, add and delete
    need their own permission and an admin that allows them at all."""
    if user is None:
        return "login"
    opts = model._meta
    can = lambda action: user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")  # noqa: E731
    if model._meta.app_label not in ("agents", "audit"):
        # Third-party admins keep their own rules (django-q's task lists take no adds).
        model_admin = admin.site._registry[model]
        request = type("Request", (), {"user": user})()
        obj = None if view in ("changelist", "add") else "obj"
        allowed = {
            "add": lambda: model_admin.has_add_permission(request),
            "delete": lambda: model_admin.has_delete_permission(request, obj),
        }.get(view, lambda: model_admin.has_view_or_change_permission(request))()
        return "ok" if allowed else 403
    if view in ("changelist", "change", "history"):
        allowed = can("view") or can("change")
    else:
        allowed = model not in READ_ONLY_ADMINS and can(view)
    return "ok" if allowed else 403


def expected(key, method, user):
    if key in admin_model_names():
        model, view = admin_model_names()[key]
        return expected_for_admin_model(user, model, view) if method == "GET" else None
    rule = EXPECTED[key].get(method)
    if rule is None:
        return None
    if rule == NO:
        return 405
    if rule == PUBLIC:
        return "public"
    if rule == SIGNED:
        return 401
    if user is None:
        return "login"
    if rule == REFUSED:
        return 403
    if rule == ["staff"]:
        return "ok" if user.is_staff else "login"
    return "ok" if user.has_perms(rule) else 403


CASES = [
    (key, route, method)
    for key, route in ALL_URLS
    for method in ("GET", "POST")
    if (key in EXPECTED and method in EXPECTED[key]) or (key in admin_model_names() and method == "GET")
]


@pytest.mark.parametrize(("key", "route", "method"), CASES, ids=[f"{m} {k}" for k, _r, m in CASES])
def test_url_answers_as_each_role_allows(key, route, method, objects, django_user_model, settings):
    settings.HIGHLEVEL_MAX_RETRIES = 0  # an allowed write to the (absent) service fails at once, in words
    url = url_for(key, route, objects)
    wrong = []
    for role in ROLE_NAMES:
        user = None if role == "anonymous" else make_role_user(django_user_model, role)
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        response = client.get(url) if method == "GET" else client.post(url, {})
        problem = _unexpected(response, expected(key, method, user), key, method)
        if problem:
            wrong.append(f"{method} {url} as {role}: {problem}")
    assert not wrong, "\n".join(wrong)


def _unexpected(response, want, key, method):
    """What is wrong with the answer, in words, or "" when it is what the role should get."""
    status = response.status_code
    location = urlparse(response.get("Location", "")).path
    login_path = "/admin/login/" if response.request["PATH_INFO"].startswith("/admin/") else "/login/"
    if want == "login":
        return "" if status == 302 and location == login_path else f"{status} {location}, expected the login page"
    if want in (401, 403, 405):
        return "" if status == want else f"{status}, expected {want}"
    if want == "public":
        return "" if status in (200, 302) else f"{status}, expected the page"
    if status in (403, 405, 500) or (status == 302 and location in ("/login/", "/admin/login/")):
        return f"{status} {location}, expected to be let in"
    if (method == "GET" and key in EXPECTED and EXPECTED[key]["GET"] != ["staff"] and status != 200
            and not (key in REDIRECTING_GETS and status == 302)):
        return f"{status}, expected the page to open"  # a page the role may read opens at once
    return ""
