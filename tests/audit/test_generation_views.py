"""Generation pages: the lookup form on an agent, the kept generation shown readably, its export."""
import json

import pytest
from django.urls import reverse

from agents.models import Agent
from audit.models import Generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(hl_sandbox, sandbox_locations):
    location = sandbox_locations[0]
    message_id = hl_sandbox.state.generation_ids(location.hl_id)[0]
    record = hl_sandbox.state.generations[message_id]
    agent = Agent.objects.create(location=location, hl_id=record["details"]["agentId"], name="Reception")
    return {"agent": agent, "message_id": message_id, "record": record, "details": record["details"]}


def lookup_url(agent):
    return reverse("audit:generation_lookup", args=[agent.pk])


def look_up(manager, seeded, **overrides):
    data = {"message_id": seeded["message_id"], "source": seeded["record"]["source"], **overrides}
    return manager.post(lookup_url(seeded["agent"]), data)


def test_login_is_required(client, seeded):
    assert client.get(lookup_url(seeded["agent"])).status_code == 302
    assert client.post(lookup_url(seeded["agent"]), {"message_id": "x", "source": "conversation"}).status_code == 302


def test_the_lookup_page_has_the_form(manager, seeded):
    response = manager.get(lookup_url(seeded["agent"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="message_id"' in page and 'value="workflow"' in page
    assert "No generation of this agent has been looked up yet." in page


def test_a_lookup_keeps_the_generation_and_shows_it(manager, seeded):
    response = look_up(manager, seeded)

    kept = Generation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("audit:generation_detail", args=[kept.pk])
    page = manager.get(response["Location"]).content.decode()
    details = seeded["details"]
    assert details["responseMessage"].replace("'", "&#x27;") in page
    assert details["faqs"][0]["title"] in page and details["faqs"][0]["content"] in page
    assert details["website"][0]["url"] in page
    assert "Conversation history" in page and details["history"][0]["content"].replace("'", "&#x27;") in page
    assert "Action logs" in page and "No action ran for this reply." in page
    assert "Personality:" in page  # the prompt
    assert details["intent"].replace("'", "&#x27;") in page


def test_kept_generations_are_listed_on_the_lookup_page(manager, seeded):
    look_up(manager, seeded)
    page = manager.get(lookup_url(seeded["agent"])).content.decode()
    assert seeded["message_id"] in page
    assert reverse("audit:generation_export", args=[Generation.objects.get().pk]) in page


def test_an_unknown_message_id_is_a_form_error(manager, seeded):
    response = look_up(manager, seeded, message_id="nope-123")

    assert response.status_code == 200
    assert "No generation with that message id" in response.content.decode()
    assert not Generation.objects.exists()


@pytest.mark.parametrize("data, words", [
    ({"message_id": "", "source": "conversation"}, "This field is required."),
    ({"message_id": "abc", "source": "sms"}, "Select a valid choice."),
    ({"message_id": "x" * 500, "source": "workflow"}, "at most 100 characters"),
])
def test_bad_input_is_a_form_error(manager, seeded, data, words):
    response = manager.post(lookup_url(seeded["agent"]), data)
    assert response.status_code == 200
    assert words in response.content.decode()


def test_export_is_a_json_download(manager, seeded):
    look_up(manager, seeded)
    kept = Generation.objects.get()
    response = manager.get(reverse("audit:generation_export", args=[kept.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="generation-{seeded["message_id"]}-{kept.source}.json"'
    document = json.loads(response.content)
    assert document["generation"] == seeded["details"]
    assert document["fetchedBy"] == "manager"


def test_missing_agent_or_generation_is_404(manager):
    assert manager.get(reverse("audit:generation_lookup", args=[987654])).status_code == 404
    assert manager.get(reverse("audit:generation_detail", args=[987654])).status_code == 404
    assert manager.get(reverse("audit:generation_export", args=[987654])).status_code == 404


@pytest.mark.parametrize("name", ["generation_lookup", "generation_detail", "generation_export"])
@pytest.mark.parametrize("an_id", ["9223372036854775808", "9" * 20])
def test_ids_past_64_bits_are_404_not_an_overflow(manager, name, an_id):
    url = reverse(f"audit:{name}", args=[1]).replace("/1/", f"/{an_id}/")
    assert manager.get(url).status_code == 404


def test_generation_pages_do_not_accept_writes(manager, seeded):
    look_up(manager, seeded)
    kept = Generation.objects.get()
    assert manager.post(reverse("audit:generation_detail", args=[kept.pk])).status_code == 405
    assert manager.post(reverse("audit:generation_export", args=[kept.pk])).status_code == 405


def test_odd_shapes_from_highlevel_still_read_well():
    from audit.generation_views import readable_generation

    shown = readable_generation({
        "responseMessage": "Hi!",
        "history": ["a bare string", {"role": "assistant", "content": {"text": "structured"}}],
        "faqs": "not a list",
        "actionLogs": [{"action": "appointmentBooking", "status": "booked"}],
        "confidence": 0.93,
    })
    assert shown["reply"] == "Hi!"
    assert shown["history"][0] == {"role": "message", "content": "a bare string"}
    assert '"text": "structured"' in shown["history"][1]["content"]
    assert shown["faqs"] == [{"title": "", "content": "not a list"}]
    assert '"status": "booked"' in shown["action_logs"][0]
    assert shown["other"] == {"confidence": "0.93"}
    assert readable_generation(None)["history"] == []
