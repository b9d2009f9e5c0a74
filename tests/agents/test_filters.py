"""agents.forms.filters and the pages that use them: a bad search is a 400 with the reason and no
rows, and a request carrying one changes nothing; ids typed or posted as text are parsed strictly."""
import pytest
from django.urls import reverse

from agents.forms.filters import AgentFilterForm, LocationFilterForm, read_filters
from agents.models import Agent, AgentTemplate, Location, Rollout, RolloutTarget

pytestmark = pytest.mark.django_db
TOO_LONG = "a " * 30_000  # SQLite's LIKE gave up on it ("pattern too complex"); the admin's split made 30,000 terms


@pytest.fixture
def rows():
    location = Location.objects.create(name="Acme", hl_id="loc-1", pit="pit-1")
    template = AgentTemplate.objects.create(name="Desk", agent_name="Desk", personality="p", goal="g", instructions="i")
    agent = Agent.objects.create(location=location, hl_id="agent-1", name="Reception", mode="off")
    return location, template, agent


def test_read_filters_gives_the_values_or_refuses_all_of_them_with_the_reason():
    assert read_filters(LocationFilterForm, {"q": " acme ", "status": "ok"}) == ({"q": "acme", "status": "ok"}, "")
    values, refused = read_filters(AgentFilterForm, {"q": "x" * 201, "location": "a\x00b"})
    assert values == {"q": "", "location": "", "agent_mode": "", "template": ""}
    assert "Agent name: Ensure this value has at most 200 characters" in refused and "Location: Null characters" in refused


@pytest.mark.parametrize("search", [TOO_LONG, "x" * 201, "ac\x00me"])
def test_a_bad_location_search_is_a_400_that_says_why(manager, rows, search):
    response = manager.get(reverse("agents:location_list"), {"q": search})
    assert response.status_code == 400 and "Acme" not in response.content.decode()


@pytest.mark.parametrize("search", [TOO_LONG, "ac\x00me"])
def test_a_bad_search_posted_with_a_rollout_starts_nothing(manager, rows, search):
    _, template, _ = rows
    response = manager.post(reverse("agents:template_rollout", args=[template.pk]),
                            {"scope": "matching", "strategy": "all", "q": search})
    assert response.status_code == 400 and "Filters refused" in response.content.decode()
    assert not Rollout.objects.exists() and not RolloutTarget.objects.exists()


@pytest.mark.parametrize("field, value", [("q", TOO_LONG), ("location", "ac\x00me"), ("agent_mode", "\x00"),
                                          ("template", "9" * 5000)])
def test_a_bad_filter_posted_with_a_bulk_update_plans_nothing(manager, rows, field, value):
    _, _, agent = rows
    response = manager.post(reverse("agents:bulk_update"), {"agents": [agent.pk], "change_mode": "on", "mode": "auto-pilot",
                                                           field: value})
    assert response.status_code == 400 and "Filters refused" in response.content.decode()
    assert not Rollout.objects.exists()


@pytest.mark.parametrize("value", ["\u00b2", "\u2460", "\u0661", "99999999999999999999", str(2**63)])
def test_ids_that_are_not_ids_filter_nothing_and_crash_nothing(manager, rows, value):
    location, _, agent = rows
    page = manager.get(reverse("agents:bulk_update"), {"template": value, "location": value})
    if value.isascii():
        assert page.status_code == 400  # backoffice's query guard: a number past any id
    else:
        assert page.status_code == 200 and page.context["agent_count"] == 0  # as a location name, it matches none
        assert manager.get(reverse("agents:bulk_update"), {"template": value}).context["agent_count"] == 1
    planned = manager.post(reverse("agents:bulk_update"), {"agents": [value], "change_mode": "on", "mode": "off"})
    assert planned.status_code == 200 and planned.context["agent_error"] and not Rollout.objects.exists()
    synced = manager.post(reverse("agents:location_sync_many"), {"selected": [value]}, follow=True)
    assert synced.status_code == 200 and "No locations were selected" in synced.content.decode()
    location.refresh_from_db()
    assert location.sync_status == Location.SyncStatus.NEVER


def test_a_retry_of_a_target_that_is_not_an_id_says_so(manager, rows):
    _, template, _ = rows
    rollout = Rollout.objects.create(template=template, template_version=1, status=Rollout.Status.FAILED)
    response = manager.post(reverse("agents:rollout_retry", args=[rollout.pk]), {"target": "\u00b2"}, follow=True)
    assert response.status_code == 200 and "not a target of this rollout" in response.content.decode()
