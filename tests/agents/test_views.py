"""The manager's pages: locations list, one location, one agent, and Sync now."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agents.models import Action, Agent, Location
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

SECRET_PIT = "pit-SECRET-123"
HTMX = {"HTTP_HX_REQUEST": "true"}


def make_location(name, **fields):
    fields.setdefault("hl_id", f"loc-{name.lower().replace(' ', '-')}")
    return Location.objects.create(name=name, **fields)


def make_agent(location, name, **fields):
    return Agent.objects.create(location=location, hl_id=f"ag-{name}", name=name, **fields)


# --- Access ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "url",
    ["/locations/", "/locations/1/", "/agents/1/", "/agents/1/raw/", "/locations/1/sync-status/"],
)
def test_pages_require_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sync_requires_login(client):
    location = make_location("Dental Care", pit=SECRET_PIT)

    response = client.post(reverse("agents:location_sync", args=[location.pk]))

    assert response.status_code == 302
    assert Location.objects.get(pk=location.pk).sync_status == Location.SyncStatus.NEVER


def test_root_and_login_lead_to_the_locations(client, manager_user):
    assert client.get("/").url == reverse("agents:location_list")
    response = client.post(reverse("login"), {"username": "manager", "password": "manager-pass-123"})
    assert response.url == reverse("agents:location_list")


def test_login_page_renders(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b"Log in" in response.content


# --- Locations list -------------------------------------------------------------------------

def test_location_list_shows_locations_with_status_and_active_agent_count(manager):
    dental = make_location("Dental Care", pit=SECRET_PIT, sync_status="ok", synced_at=timezone.now())
    make_agent(dental, "Reception")
    make_agent(dental, "Old", state=Agent.State.GONE)
    make_location("Pizza Place", sync_status="failed", sync_error="The token was rejected (401).")

    response = manager.get(reverse("agents:location_list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Dental Care" in html and "loc-dental-care" in html
    assert "Synced" in html and "now" in html  # naturaltime of the last sync
    assert "The token was rejected (401)." in html
    row = response.context["page"].object_list[0]
    assert (row.name, row.active_agent_count) == ("Dental Care", 1)
    # Navigation and logout as a POST form.
    assert 'action="/logout/"' in html and 'method="post"' in html


def test_location_list_search_by_name_or_id(manager):
    make_location("Dental Care", hl_id="DENT-1")
    make_location("Pizza Place", hl_id="PIZ-2")

    by_name = manager.get(reverse("agents:location_list"), {"q": "pizza"})
    by_id = manager.get(reverse("agents:location_list"), {"q": "dent-1"})

    assert [loc.name for loc in by_name.context["page"]] == ["Pizza Place"]
    assert [loc.name for loc in by_id.context["page"]] == ["Dental Care"]
    assert b'value="pizza"' in by_name.content  # the search box keeps what was typed


def test_location_list_filter_by_sync_status(manager):
    make_location("Broken", sync_status="failed")
    make_location("Fine", sync_status="ok")

    response = manager.get(reverse("agents:location_list"), {"status": "failed"})

    assert [loc.name for loc in response.context["page"]] == ["Broken"]


def test_location_list_paginates_by_50_and_keeps_the_filters_in_page_links(manager):
    Location.objects.bulk_create(Location(name=f"Clinic {i:03}", hl_id=f"c{i}") for i in range(120))

    first = manager.get(reverse("agents:location_list"), {"q": "clinic"})
    third = manager.get(reverse("agents:location_list"), {"q": "clinic", "page": "3"})

    assert len(first.context["page"].object_list) == 50
    assert "page=2" in first.content.decode() and "q=clinic&amp;page=2" in first.content.decode()
    assert [loc.name for loc in third.context["page"]][0] == "Clinic 100"
    assert len(third.context["page"].object_list) == 20


@pytest.mark.parametrize("page", ["abc", "0", "-5", "9999", "", "1.5"])
def test_bad_page_numbers_do_not_fail(manager, page):
    make_location("Dental Care")
    location = make_location("Pizza Place")
    agent = make_agent(location, "Reception")

    for url in (reverse("agents:location_list"), reverse("agents:location_detail", args=[location.pk]),
                reverse("agents:agent_detail", args=[agent.pk])):
        assert manager.get(url, {"page": page}).status_code == 200


def test_htmx_search_gets_only_the_table_partial(manager):
    make_location("Dental Care")

    full = manager.get(reverse("agents:location_list"), {"q": "dental"})
    partial = manager.get(reverse("agents:location_list"), {"q": "dental"}, **HTMX)

    assert b"<html" in full.content and b'id="location-table"' in full.content
    assert b"<html" not in partial.content and b"<nav class=\"mainnav\"" not in partial.content
    assert b"Dental Care" in partial.content
    assert [t.name for t in partial.templates][0] == "agents/_location_table.html"


def test_search_box_is_live_with_htmx_and_a_plain_get_form_without(manager):
    html = manager.get(reverse("agents:location_list")).content.decode()

    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert '<form class="filters" method="get"' in html
    assert "htmx-2.min.js" in html  # htmx served by django-htmx, no CDN
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_location_without_credentials_says_so_instead_of_a_sync_button(manager):
    make_location("No Creds")

    html = manager.get(reverse("agents:location_list")).content.decode()

    assert "No credentials" in html
    assert "Sync now" not in html


# --- Sync now -------------------------------------------------------------------------------

def test_sync_now_queues_the_location_and_returns_a_polling_row(manager):
    location = make_location("Dental Care", pit=SECRET_PIT)

    response = manager.post(reverse("agents:location_sync", args=[location.pk]) + "?fragment=row", **HTMX)

    location.refresh_from_db()
    assert location.sync_status == Location.SyncStatus.QUEUED
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="location-{location.pk}"')
    assert 'hx-trigger="every 1s"' in html
    assert "Queued" in html


def test_sync_now_calls_the_sync_service_for_that_location(manager, manager_user, monkeypatch):
    location = make_location("Dental Care", pit=SECRET_PIT)
    calls = []
    monkeypatch.setattr("agents.sync.enqueue_sync", lambda ids, *, user=None: calls.append((ids, user)) or 1)

    manager.post(reverse("agents:location_sync", args=[location.pk]), **HTMX)

    assert calls == [([location.pk], manager_user)]


def test_sync_now_is_in_the_audit_trail_under_the_name_of_who_pressed_it(manager, manager_user):
    location = make_location("Dental Care", pit=SECRET_PIT)

    manager.post(reverse("agents:location_sync", args=[location.pk]), **HTMX)

    trail = manager.get(reverse("audit:trail") + f"?location={location.pk}").content.decode()
    assert "Sync requested" in trail and manager_user.username in trail


def test_status_partial_stops_polling_once_synced(manager):
    location = make_location("Dental Care", pit=SECRET_PIT, sync_status="running")
    url = reverse("agents:location_sync_status", args=[location.pk])

    running = manager.get(url, **HTMX).content.decode()
    Location.objects.filter(pk=location.pk).update(sync_status="ok", synced_at=timezone.now())
    done = manager.get(url, **HTMX).content.decode()

    assert 'hx-trigger="every 1s"' in running and "Syncing" in running
    assert "every 1s" not in done
    assert "Synced" in done and "Sync now" in done


def test_status_partial_gives_the_failure_reason_in_words(manager):
    location = make_location(
        "Dental Care", pit=SECRET_PIT, sync_status="failed", sync_error="HighLevel refused the token (401)."
    )

    html = manager.get(reverse("agents:location_sync_status", args=[location.pk]) + "?fragment=row", **HTMX).content.decode()

    assert "Failed" in html and "HighLevel refused the token (401)." in html
    assert "every 1s" not in html


def test_sync_now_without_htmx_redirects_with_a_message(manager):
    location = make_location("Dental Care", pit=SECRET_PIT)

    response = manager.post(reverse("agents:location_sync", args=[location.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("agents:location_detail", args=[location.pk])
    assert "Sync of Dental Care queued." in response.content.decode()


def test_sync_selected_and_sync_all_shown(manager):
    first = make_location("A Clinic", pit=SECRET_PIT)
    second = make_location("B Clinic", pit=SECRET_PIT)
    no_creds = make_location("C Clinic")
    url = reverse("agents:location_sync_many")

    selected = manager.post(url, {"scope": "selected", "selected": [first.pk], "shown": [first.pk, second.pk, no_creds.pk]}, follow=True)
    assert "1 location queued for sync." in selected.content.decode()
    assert Location.objects.get(pk=second.pk).sync_status == "never"

    shown = manager.post(url, {"scope": "shown", "shown": [first.pk, second.pk, no_creds.pk], "next": "/locations/?q=clinic"}, follow=True)
    assert shown.redirect_chain[-1][0] == "/locations/?q=clinic"
    # first is already queued and no_creds has no credentials: only second is new.
    assert "1 location queued for sync. 2 skipped" in shown.content.decode()
    assert Location.objects.get(pk=second.pk).sync_status == "queued"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "0", ":", "agents:location_list", "//evil.example/"])
def test_sync_many_ignores_a_next_that_is_not_a_path_here(manager, next_url):
    # "0" and ":" count as relative URLs, and redirect() looked them up as view names: a 500.
    response = manager.post(reverse("agents:location_sync_many"), {"scope": "selected", "next": next_url})

    assert response.url == reverse("agents:location_list")


def test_sync_requires_post(manager):
    location = make_location("Dental Care", pit=SECRET_PIT)

    assert manager.get(reverse("agents:location_sync", args=[location.pk])).status_code == 405


# --- Location and agent pages -----------------------------------------------------------------

def test_location_page_shows_details_and_its_agents(manager):
    location = make_location("Dental Care", timezone="America/Chicago", pit=SECRET_PIT)
    agent = make_agent(location, "Reception", mode="auto-pilot", channels=["SMS", "WhatsApp"], is_primary=True, drifted=True)
    Action.objects.create(agent=agent, hl_id="a1", name="Book", type="appointmentBooking")
    make_agent(location, "Retired", state=Agent.State.PENDING_DELETION)

    html = manager.get(reverse("agents:location_detail", args=[location.pk])).content.decode()

    assert "America/Chicago" in html
    assert reverse("agents:agent_detail", args=[agent.pk]) in html
    assert "SMS, WhatsApp" in html and "Primary" in html and "auto-pilot" in html
    assert "Pending deletion" in html and "Drifted" in html
    assert 'id="sync-' in html and "Sync now" in html


def test_agent_page_shows_every_mirrored_field_actions_and_history(manager):
    location = make_location("Dental Care")
    agent = make_agent(
        location, "Reception", business_name="Dental Care LLC", mode="suggestive", channels=["SMS"],
        wait_time=2.0, wait_time_unit="minutes", goal="Book cleanings", auto_pilot_max_messages=40,
        knowledge_base_ids=["kb-1"], respond_to_images=True,
    )
    Action.objects.create(
        agent=agent, hl_id="a1", name="Book a cleaning", type="appointmentBooking",
        details={"calendarId": "cal-42", "onlySendLink": False, "triggerCondition": "when asked"},
    )
    AuditEvent.objects.create(
        actor_label="alice", verb="updated", object_type="agent", agent=agent, changes={"mode": ["off", "suggestive"]}
    )

    html = manager.get(reverse("agents:agent_detail", args=[agent.pk])).content.decode()

    from agents.models.mirror import AGENT_API_FIELDS
    for api_name in AGENT_API_FIELDS:
        assert f'<div class="api-name">{api_name}</div>' in html
    assert "Business name" in html and "Dental Care LLC" in html
    assert "Auto pilot max messages" in html and ">40<" in html
    assert "Book a cleaning" in html and "appointmentBooking" in html
    assert "Calendar id" in html and "cal-42" in html
    assert "alice" in html and "Updated" in html
    assert '<span class="before">off</span> → <span class="after">suggestive</span>' in html
    # The two fields HighLevel never returns say whose value they show.
    assert html.count("HighLevel accepts this setting but does not return it") == 2
    assert "Show raw payload" in html


def test_raw_payload_loads_on_demand(manager):
    agent = make_agent(make_location("Dental Care"), "Reception", raw={"id": "ag-1", "extraField": "kept"})

    page = manager.get(reverse("agents:agent_detail", args=[agent.pk])).content.decode()
    partial = manager.get(reverse("agents:agent_raw_payload", args=[agent.pk]), **HTMX).content.decode()
    full = manager.get(reverse("agents:agent_raw_payload", args=[agent.pk])).content.decode()

    assert "extraField" not in page
    assert "&quot;extraField&quot;: &quot;kept&quot;" in partial and "<html" not in partial
    assert "&quot;extraField&quot;: &quot;kept&quot;" in full and "<html" in full


@pytest.mark.parametrize(
    "url",
    ["/locations/999999/", "/agents/999999/", "/agents/999999/raw/", "/locations/999999/sync-status/"],
)
def test_unknown_ids_are_404(manager, url):
    assert manager.get(url).status_code == 404


def test_sync_of_unknown_location_is_404(manager):
    assert manager.post("/locations/999999/sync/", **HTMX).status_code == 404


def test_no_secret_appears_in_any_page(manager):
    location = make_location("Dental Care", pit=SECRET_PIT, sync_status="ok")
    agent = make_agent(location, "Reception")

    urls = [
        reverse("agents:location_list"),
        reverse("agents:location_detail", args=[location.pk]),
        reverse("agents:agent_detail", args=[agent.pk]),
        reverse("agents:agent_raw_payload", args=[agent.pk]),
        reverse("agents:location_sync_status", args=[location.pk]),
        reverse("agents:location_sync_status", args=[location.pk]) + "?fragment=row",
    ]
    for url in urls:
        assert SECRET_PIT not in manager.get(url).content.decode(), url
    sync_response = manager.post(reverse("agents:location_sync", args=[location.pk]) + "?fragment=row", **HTMX)
    assert SECRET_PIT not in sync_response.content.decode()


# --- Query counts ----------------------------------------------------------------------------

def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _seed(rows):
    """`rows` locations each with an agent, `rows` agents in the first location, and `rows`
    actions and history events for the first agent."""
    Location.objects.bulk_create(
        Location(name=f"Location {i:04}", hl_id=f"seed-{i}", pit=SECRET_PIT if i % 2 else "") for i in range(rows)
    )
    locations = list(Location.objects.order_by("name"))
    first = locations[0]
    Agent.objects.bulk_create(Agent(location=loc, hl_id="main", name="Main agent") for loc in locations[1:])
    Agent.objects.bulk_create(Agent(location=first, hl_id=f"ag-{i}", name=f"Agent {i:04}") for i in range(rows))
    agent = Agent.objects.filter(location=first).order_by("name").first()
    Action.objects.bulk_create(
        Action(agent=agent, hl_id=f"act-{i}", name=f"Action {i:04}", type="stopBot", details={"n": i}) for i in range(rows)
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(actor_label="sync", verb="updated", object_type="agent", agent=agent, changes={"mode": ["off", "on"]})
        for _ in range(rows)
    )
    return first, agent


def test_query_counts_do_not_grow_with_rows(manager):
    counts = {}
    for rows in (25, 500):
        Location.objects.all().delete()
        location, agent = _seed(rows)
        counts[rows] = {
            "locations list": _queries(manager, reverse("agents:location_list")),
            "location page": _queries(manager, reverse("agents:location_detail", args=[location.pk])),
            "agent page": _queries(manager, reverse("agents:agent_detail", args=[agent.pk])),
        }
    print(f"\nqueries per page at 25 rows: {counts[25]}\nqueries per page at 500 rows: {counts[500]}")
    assert counts[25] == counts[500]
