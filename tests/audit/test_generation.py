"""Looking up a generation in HighLevel (the sandbox) and keeping it with the audit trail."""
import json

import pytest

from agents.models import Agent
from audit.generation import GenerationLookupError, export_document, fetch_generation
from audit.models import AppendOnlyError, AuditEvent, Generation

pytestmark = pytest.mark.django_db


def seeded_generation(hl_sandbox, location):
    """A generation the sandbox seeded for this location: (message id, its record)."""
    message_id = hl_sandbox.state.generation_ids(location.hl_id)[0]
    return message_id, hl_sandbox.state.generations[message_id]


def mirrored_agent(location, remote_agent_id, name="Reception"):
    return Agent.objects.create(location=location, hl_id=remote_agent_id, name=name)


@pytest.fixture
def setup(hl_sandbox, sandbox_locations, manager_user):
    location = sandbox_locations[0]
    message_id, record = seeded_generation(hl_sandbox, location)
    agent = mirrored_agent(location, record["details"]["agentId"])
    return {"location": location, "agent": agent, "message_id": message_id, "record": record, "user": manager_user}


def test_a_generation_is_fetched_and_kept(setup):
    record = setup["record"]
    kept = fetch_generation(setup["agent"], message_id=setup["message_id"], source=record["source"], user=setup["user"])

    assert kept.pk is not None
    assert kept.payload["responseMessage"] == record["details"]["responseMessage"]
    assert kept.payload["prompt"].startswith("Personality:")
    assert kept.payload["history"] and kept.payload["faqs"] and kept.payload["website"]
    assert (kept.agent, kept.location, kept.fetched_by) == (setup["agent"], setup["location"], setup["user"])
    assert (kept.message_id, kept.source, kept.fetched_by_label) == (setup["message_id"], record["source"], "manager")


def test_the_lookup_is_on_the_agents_audit_trail(setup):
    record = setup["record"]
    kept = fetch_generation(setup["agent"], message_id=setup["message_id"], source=record["source"], user=setup["user"])

    event = AuditEvent.objects.get(verb=AuditEvent.Verb.GENERATION)
    assert (event.agent, event.location, event.actor) == (setup["agent"], setup["location"], setup["user"])
    assert event.object_id == setup["message_id"]
    assert (event.http_method, event.http_path, event.http_status) == ("GET", "/conversation-ai/generations", 200)
    assert f"#{kept.pk}" in event.message


def test_an_unknown_message_id_says_so_in_words(setup):
    with pytest.raises(GenerationLookupError, match="No generation with that message id"):
        fetch_generation(setup["agent"], message_id="no-such-message", source="conversation", user=setup["user"])
    assert not Generation.objects.exists()
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.GENERATION).exists()


def test_the_wrong_source_is_not_found(setup):
    other = "workflow" if setup["record"]["source"] == "conversation" else "conversation"
    with pytest.raises(GenerationLookupError, match="No generation with that message id"):
        fetch_generation(setup["agent"], message_id=setup["message_id"], source=other, user=setup["user"])


def test_another_locations_message_is_not_found(hl_sandbox, sandbox_locations, setup):
    other_location = sandbox_locations[1]
    other_message_id, _ = seeded_generation(hl_sandbox, other_location)
    with pytest.raises(GenerationLookupError, match="No generation with that message id"):
        fetch_generation(setup["agent"], message_id=other_message_id, source="conversation", user=setup["user"])


def test_a_reply_by_another_agent_names_that_agent(hl_sandbox, setup):
    location = setup["location"]
    # A generation whose reply came from a different agent of the same location.
    other_ids = [mid for mid in hl_sandbox.state.generation_ids(location.hl_id)
                 if hl_sandbox.state.generations[mid]["details"]["agentId"] != setup["agent"].hl_id]
    if not other_ids:
        pytest.skip("the seeded location has one agent answering everything")
    record = hl_sandbox.state.generations[other_ids[0]]
    mirrored_agent(location, record["details"]["agentId"], name="Night desk")

    with pytest.raises(GenerationLookupError, match="answered by “Night desk”"):
        fetch_generation(setup["agent"], message_id=other_ids[0], source=record["source"], user=setup["user"])


@pytest.mark.parametrize("message_id, source, words", [
    ("", "conversation", "Enter the message id."),
    ("   ", "conversation", "Enter the message id."),
    ("x" * 101, "conversation", "at most 100 characters"),
    ("abc", "email", "conversation or workflow"),
])
def test_bad_input_is_refused_before_asking_highlevel(setup, hl_sandbox, message_id, source, words):
    before = hl_sandbox.stats()
    with pytest.raises(GenerationLookupError, match=words):
        fetch_generation(setup["agent"], message_id=message_id, source=source, user=setup["user"])
    assert hl_sandbox.stats() == before


def test_a_token_without_the_scope_is_explained(hl_sandbox, setup):
    location = setup["location"]
    location.pit = hl_sandbox.issue_token(location.hl_id, scopes=["conversation-ai.write"])
    location.save()
    with pytest.raises(GenerationLookupError, match="conversation-ai.readonly") as raised:
        fetch_generation(setup["agent"], message_id=setup["message_id"], source=setup["record"]["source"], user=setup["user"])
    assert location.pit not in str(raised.value)


def test_a_location_without_credentials_is_explained(setup):
    location = setup["location"]
    location.pit = ""
    location.save()
    with pytest.raises(GenerationLookupError, match="has no credentials"):
        fetch_generation(setup["agent"], message_id=setup["message_id"], source="conversation", user=setup["user"])


def test_kept_generations_are_never_changed_or_deleted(setup):
    kept = fetch_generation(setup["agent"], message_id=setup["message_id"], source=setup["record"]["source"],
                            user=setup["user"])
    kept.payload = {"prompt": "rewritten"}
    with pytest.raises(AppendOnlyError):
        kept.save()
    with pytest.raises(AppendOnlyError):
        kept.delete()
    with pytest.raises(AppendOnlyError):
        Generation.objects.update(payload={})
    with pytest.raises(AppendOnlyError):
        Generation.objects.all().delete()


def test_the_export_document_describes_itself(setup):
    kept = fetch_generation(setup["agent"], message_id=setup["message_id"], source=setup["record"]["source"],
                            user=setup["user"])
    document = export_document(Generation.objects.get(pk=kept.pk))

    assert document["messageId"] == setup["message_id"]
    assert document["agent"] == {"id": setup["agent"].hl_id, "name": "Reception"}
    assert document["location"]["id"] == setup["location"].hl_id
    assert document["generation"] == setup["record"]["details"]
    assert setup["location"].pit not in json.dumps(document)
