"""Generated input against every form and GET filter of the audit app, and the login form.

The trail's filters and its exports, the deletion list, the "Delete…" form, approve / reject /
restore (one request and a batch), the generation lookup, the audit admins' (and auth's and
django-q's) changelist searches and filters, and logging in: text of any code point (NUL
included) and of 60,000 characters, integers past 64 bits, unicode digits, dates out of range,
ids of real rows and of none. Whatever comes in: never a 5xx, and an answer that is an error (a
form error, a 4xx, an error message) has written no AuditEvent, SoftDelete or Generation.

The location has no credentials, so a form that passes validation reaches the service and fails
there before any HTTP call: the "no half-written record" property is checked on that path too.
The examples are derandomized (the same cases every run) and not saved between runs.
"""
import uuid
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings, strategies as st

from agents.models import Agent, Location
from audit.models import AuditEvent, Generation, SoftDelete
from audit.snapshots import build_snapshot

pytestmark = pytest.mark.django_db

PASSWORD = "generated-pass-123"


def examples(n):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


KNOWN_BAD = st.sampled_from([
    "²", "①", "١٢", "１２", "߁", "-1", "0", "1.0", "1e309", "NaN", " 1 ", "0x1F", "\x00", "1\x00", "a\x00b",
    "99999999999999999999", "9223372036854775808", "-9223372036854775809", "9" * 5000, "x" * 60_000, "x " * 30_000,
    "9999-12-31", "9999-12-31T23:59", "0001-01-01", "1-01-01", "99999-01-01", "2026-02-30", "0000-00-00",
    "//evil.example", "javascript:alert(1)", "%ff", "'; DROP TABLE audit_auditevent; --", "{{ 7*7 }}", "<script>",
    '=HYPERLINK("http://x","y")',
])
NUMBERS = st.one_of(st.integers(min_value=-10, max_value=10**4), st.integers(min_value=2**62, max_value=2**200),
                    st.integers(max_value=-(2**63))).map(str)
DATES = st.dates().map(lambda day: day.isoformat())
TEXT = st.text(max_size=60)  # any code point but surrogates, NUL included
VALUES = st.one_of(KNOWN_BAD, NUMBERS, DATES, TEXT)
# The edges each kind of parameter is most likely to break at, drawn more often for it.
DATE_EDGES = st.sampled_from(["9999-12-31", "0001-01-01", "99999-01-01", "3000-01-01"])
RANGE_ENDS = st.sampled_from(["2000-01-01", "2999-12-31"])  # the trail's first and last days
ID_EDGES = st.sampled_from(["9223372036854775807", "9223372036854775808", "99999999999999999999", "-1", "0", "²",
                            "١", "１", "9" * 400])


def counts():
    return AuditEvent.objects.count(), SoftDelete.objects.count(), Generation.objects.count()


def statuses():
    return dict(SoftDelete.objects.values_list("pk", "status"))


def error_messages(response):
    return [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def form_errors(response):
    form = (response.context or {}).get("form") if response.context else None
    return bool(form is not None and form.is_bound and form.errors)


@pytest.fixture
def world(django_user_model):
    """A superuser (every permission, so the forms themselves answer), a location without
    credentials, an active agent, a soft-deleted one with the user's own pending request (four
    eyes refuse the user's approval), events and a kept generation."""
    user = django_user_model.objects.create_superuser("root", password=PASSWORD)
    location = Location.objects.create(hl_id="loc-g", name="Bright Smiles")
    active = Agent.objects.create(location=location, hl_id="agent-g1", name="Reception", mode="auto-pilot")
    pending = Agent.objects.create(location=location, hl_id="agent-g2", name="Night desk", mode="off",
                                   state=Agent.State.PENDING_DELETION)
    request = SoftDelete.objects.create(agent=pending, location=location, agent_name=pending.name,
                                        remote_agent_id=pending.hl_id,
                                        snapshot=build_snapshot({"id": pending.hl_id, "name": pending.name,
                                                                 "mode": "auto-pilot"}, []),
                                        reason="Duplicate", requested_by=user, requested_by_label=user.username, requested_at=timezone.now(),
                                        batch_id=uuid.uuid4())
    AuditEvent.objects.create(verb=AuditEvent.Verb.UPDATED, actor_label="sync", object_type="agent",
                              object_repr="Reception", location=location, agent=active)
    generation = Generation.objects.create(agent=active, location=location, agent_name=active.name,
                                           remote_agent_id=active.hl_id, message_id="msg-1", source="conversation",
                                           payload={"prompt": "Hi"}, fetched_by=user, fetched_by_label=user.username)
    client = Client()
    client.force_login(user)
    return {"client": client, "user": user, "location": location, "active": active, "pending": pending,
            "request": request, "generation": generation}


def ids_of(world):
    """Ids of real rows, so that generated filters also name things that exist."""
    return st.sampled_from([str(world[name].pk) for name in ("location", "active", "pending", "request", "generation")]
                           + [str(world["user"].pk)])


TRAIL_PARAMETERS = ["location", "agent", "template", "rollout", "user", "verb", "date_from", "date_to", "page", "q"]


def trail_query(world):
    """Readable values for some of the trail's parameters, then one or two of them broken: a
    filter only reaches the query when every other one is valid, so that is where it can fail."""
    anything = st.one_of(VALUES, ids_of(world))
    valid = {
        "location": st.sampled_from(["", str(world["location"].pk)]), "agent": st.sampled_from(["", str(world["active"].pk)]),
        "template": st.just(""), "rollout": st.just(""), "user": st.sampled_from(["", str(world["user"].pk)]),
        "verb": st.sampled_from(["", "updated"]), "date_from": st.one_of(st.just(""), RANGE_ENDS, DATES),
        "date_to": st.one_of(st.just(""), RANGE_ENDS, DATES), "page": st.sampled_from(["", "1", "2"]), "q": TEXT,
    }
    kinds = {"date_from": DATE_EDGES, "date_to": DATE_EDGES, "page": st.one_of(ID_EDGES, NUMBERS), "q": TEXT}
    broken_one = st.sampled_from(TRAIL_PARAMETERS).flatmap(
        lambda name: st.tuples(st.just(name), st.one_of(kinds.get(name, ID_EDGES), anything)))
    return st.tuples(st.fixed_dictionaries({}, optional=valid), st.lists(broken_one, max_size=2)).map(
        lambda parts: {**parts[0], **dict(parts[1])})


@given(data=st.data())
@examples(200)
def test_trail_filters(world, data):
    query = data.draw(trail_query(world), label="query")
    htmx = data.draw(st.booleans(), label="htmx")
    before = counts()
    response = world["client"].get(reverse("audit:trail"), query, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))

    assert response.status_code in (200, 400), response.status_code
    assert counts() == before  # a read
    if response.status_code == 200 and form_errors(response):
        assert response.context["rows"] == []  # nothing listed under filters that could not be read


@given(data=st.data())
@examples(120)
def test_trail_exports(world, data):
    query = data.draw(trail_query(world), label="query")
    export_format = data.draw(st.sampled_from(["csv", "json", "xlsx", "csv\x00", "²"]), label="format")
    before = counts()
    response = world["client"].get(f"/audit/trail/export.{quote(export_format)}", query)

    assert response.status_code in (200, 400, 404), response.status_code
    if response.status_code == 200:
        assert b"".join(response.streaming_content)  # streamed to the end without an error
    elif response.status_code == 400 and response["Content-Type"].startswith("text/plain"):
        assert response.content.decode().startswith("The export filters are not valid: ")
    assert counts() == before


@given(query=st.dictionaries(st.sampled_from(["page", "q", "status", "batch"]), VALUES, max_size=3))
@examples(60)
def test_deletion_list_filters(world, query):
    before = counts()
    response = world["client"].get(reverse("audit:deletion_list"), query)
    assert response.status_code in (200, 400), response.status_code
    assert counts() == before


@given(data=st.data())
@examples(100)
def test_deletion_request_form(world, data):
    reason = data.draw(st.one_of(VALUES, st.just("Client left")), label="reason")
    agent_id = data.draw(st.one_of(st.just(str(world["active"].pk)), ids_of(world), VALUES), label="agent id")
    extra = data.draw(st.dictionaries(st.sampled_from(["next", "batch_id", "agents"]), VALUES, max_size=2), label="extra")
    before, states = counts(), statuses()
    response = world["client"].post(f"/audit/agents/{quote(agent_id, safe='')}/delete/", {"reason": reason, **extra})

    assert response.status_code in (200, 400, 404), response.status_code  # never a redirect: no credentials
    if response.status_code == 400:
        assert response.context.get("error") or response.context.get("reason")  # the service's or the guard's words
    assert counts() == before and statuses() == states
    assert Agent.objects.get(pk=world["active"].pk).state == Agent.State.ACTIVE


DECISIONS = ["approve", "reject", "restore"]


@given(data=st.data())
@examples(120)
def test_approve_reject_restore(world, data):
    decision = data.draw(st.sampled_from(DECISIONS + ["batch-approve", "batch-reject", "agent-restore"]), label="decision")
    real = [str(world["request"].pk), str(world["request"].batch_id), str(world["pending"].pk)]
    target = data.draw(st.one_of(st.sampled_from(real), ids_of(world), VALUES, st.uuids().map(str)), label="id")
    posted = data.draw(st.dictionaries(st.sampled_from(["reason", "next", "confirm"]), VALUES, max_size=2), label="posted")
    path = {
        "batch-approve": "/audit/deletions/batch/{}/approve/", "batch-reject": "/audit/deletions/batch/{}/reject/",
        "agent-restore": "/audit/agents/{}/restore/",
    }.get(decision, "/audit/deletions/{}/" + decision + "/").format(quote(target, safe=""))
    before, states = counts(), statuses()
    response = world["client"].post(path, posted)

    # Refused every time: the user's own request (four eyes), no credentials to switch an agent
    # back on, nothing to restore, no such request, or no such address (a NUL: the query guard).
    assert response.status_code in (302, 400, 404), response.status_code
    if response.status_code == 302:
        assert error_messages(response), "a decision went through"
    assert counts() == before and statuses() == states


@given(data=st.data())
@examples(80)
def test_generation_lookup(world, data):
    fields = {"message_id": data.draw(st.one_of(VALUES, st.just("msg-2")), label="message id"),
              "source": data.draw(st.one_of(st.sampled_from(["conversation", "workflow"]), VALUES), label="source")}
    agent_id = data.draw(st.one_of(st.just(str(world["active"].pk)), ids_of(world), VALUES), label="agent id")
    before = counts()
    url = f"/audit/agents/{quote(agent_id, safe='')}/generations/"
    response = world["client"].post(url, fields)

    # No credentials: never kept, never a redirect. 400: a NUL in the address (the query guard).
    assert response.status_code in (200, 400, 404), response.status_code
    if response.status_code == 200:
        assert form_errors(response)
    assert counts() == before
    for view in ("generation_detail", "generation_export"):
        path = reverse(f"audit:{view}", args=[1]).replace("/1/", f"/{quote(agent_id, safe='')}/")
        assert world["client"].get(path).status_code in (200, 400, 404)


HUGE = "99999999999999999999"
# Each changelist with the parameters it reads: its search, paging and sorting, its list filters
# and lookups on its own fields (the admin allows those), including the ones that once were a 500.
CHANGELISTS = {
    "audit/auditevent": ["q", "p", "o", "verb", "object_type", "at__gte", "at__lt", "at__year", "id__exact", "id__in",
                         "id__range", "location", "location__id__exact", "http_status__in"],
    "audit/softdelete": ["q", "p", "o", "status", "requested_at__gte", "requested_at__year", "location__id__exact",
                         "agent__id__in", "batch_id"],
    "auth/user": ["q", "p", "o", "is_staff__exact", "groups__id__exact", "date_joined__year", "id__in"],
    "auth/group": ["q", "p", "id__in"],
    "django_q/success": ["q", "p", "o", "id", "started__year", "group"],
    "django_q/failure": ["q", "p", "o", "id", "stopped__gte"],
    "django_q/schedule": ["q", "p", "next_run__gte", "next_run__year", "id__in", "id__range"],
    "django_q/ormq": ["q", "p", "id__in", "lock__lt"],
}
SEARCHES = st.one_of(st.sampled_from(["x " * 1000, "x " * 30_000, "x" * 60_000, "a\x00b", "\x00", "Reception"]), TEXT)
YEARS = st.one_of(st.sampled_from(["99999", "10000", "0", "-1", "1", "9999", "2026"]), NUMBERS)
RANGES = st.sampled_from(["1", "1,2", "1,2,3", f"1,{HUGE}", ",", "", "2026-01-01", "2026-01-01,2027-01-01"])
NUMBER_LISTS = st.lists(st.one_of(ID_EDGES, NUMBERS), min_size=1, max_size=3).map(",".join)


def admin_value(name):
    if name == "q":
        return SEARCHES
    if name.endswith("__year"):
        return YEARS
    if name.endswith("__range"):
        return RANGES
    if name.endswith("__in"):
        return st.one_of(NUMBER_LISTS, VALUES)
    if name in ("id", "location", "p", "o") or name.endswith("__id__exact") or name == "id__exact":
        return st.one_of(ID_EDGES, NUMBERS, VALUES)
    return st.one_of(KNOWN_BAD, TEXT, DATE_EDGES)


@given(data=st.data())
@examples(200)
def test_admin_changelist_searches_and_filters(world, data):
    changelist = data.draw(st.sampled_from(sorted(CHANGELISTS)), label="changelist")
    # One or two parameters: a filter only reaches the query when every other one could be read.
    pairs = st.sampled_from(CHANGELISTS[changelist]).flatmap(lambda name: st.tuples(st.just(name), admin_value(name)))
    query = dict(data.draw(st.lists(pairs, min_size=1, max_size=2), label="query"))
    before = counts()
    response = world["client"].get(f"/admin/{changelist}/", query)

    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1")  # the admin dropping filters it cannot read
    assert counts() == before


@given(data=st.data())
@examples(100)
def test_login_form(world, data):
    username = data.draw(st.one_of(st.just("root"), VALUES), label="username")
    password = data.draw(st.one_of(st.just(PASSWORD), VALUES), label="password")
    next_url = data.draw(st.one_of(st.just("/audit/trail/"), VALUES), label="next")
    client = Client()
    before = counts()
    page = client.get("/login/", {"next": next_url})
    response = client.post("/login/", {"username": username, "password": password, "next": next_url})

    assert page.status_code in (200, 400), page.status_code
    # 200: the form with its errors; 302: logged in, to a path of ours; 403/429: too many tries.
    assert response.status_code in (200, 302, 403, 429), response.status_code
    if response.status_code == 302:
        assert response["Location"].startswith("/") and not response["Location"].startswith("//")
    else:
        assert "_auth_user_id" not in client.session
    assert counts() == before
