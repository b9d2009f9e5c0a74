"""Generations: what the AI used for one reply, looked up by message id and kept for audit.

HighLevel answers `GET /conversation-ai/generations?messageId=&source=` with the prompt, the
reply, the conversation history, the knowledge used (FAQs, website pages), the action logs,
the intent and the mode. A lookup keeps that answer as a Generation and records a GENERATION
audit event, so what a manager saw stays on the agent's trail even after HighLevel forgets it.
"""
from __future__ import annotations

from django.db import transaction

from agents.credentials import MissingCredentials
from agents.gateway import location_client
from agents.highlevel.errors import HighLevelError, NotFound, ValidationError
from agents.models import Agent
from audit.models import AuditEvent, Generation
from audit.services import record

SOURCES = tuple(Generation.Source.values)
MESSAGE_ID_MAX_CHARS = Generation._meta.get_field("message_id").max_length


class GenerationLookupError(Exception):
    """The generation could not be fetched; the message says why in a manager's words."""


def fetch_generation(agent: Agent, *, message_id: str, source: str, user) -> Generation:
    """Fetch the generation of `message_id` from the agent's location and keep it.

    Raises GenerationLookupError (with words, never a token) when HighLevel has no such
    generation, refuses the call, or the reply came from another agent of the location.
    """
    message_id = (message_id or "").strip()
    if not message_id:
        raise GenerationLookupError("Enter the message id.")
    if len(message_id) > MESSAGE_ID_MAX_CHARS:
        raise GenerationLookupError(f"A message id has at most {MESSAGE_ID_MAX_CHARS} characters.")
    if source not in SOURCES:
        raise GenerationLookupError("Choose where the message came from: conversation or workflow.")

    calls = []
    try:
        client = location_client(agent.location, on_response=lambda *call: calls.append(call))
        payload = client.get_generation(message_id, source)
    except MissingCredentials:
        raise GenerationLookupError(
            f"{agent.location.name} has no credentials: add its private integration token or connect its agency."
        ) from None
    except NotFound:
        raise GenerationLookupError(
            f"No generation with that message id ({source} messages of {agent.location.name})."
        ) from None
    except ValidationError as error:
        raise GenerationLookupError(f"HighLevel did not accept the lookup: {error.service_message or 'no reason given'}.") from None
    except HighLevelError as error:
        raise GenerationLookupError(error.user_message) from None

    if not isinstance(payload, dict):
        raise GenerationLookupError("HighLevel answered the lookup with something that is not a generation.")
    answered_by = payload.get("agentId")
    if answered_by and answered_by != agent.hl_id:
        raise GenerationLookupError(_another_agent_answered(agent, answered_by))
    return _keep(agent, message_id, source, payload, user, calls)


def _keep(agent, message_id, source, payload, user, calls) -> Generation:
    username = user.get_username() if user is not None else "system"
    with transaction.atomic():
        generation = Generation.objects.create(
            agent=agent,
            location=agent.location,
            agent_name=agent.name,
            remote_agent_id=agent.hl_id,
            message_id=message_id,
            source=source,
            payload=payload,
            fetched_by=user,
            fetched_by_label=username,
        )
        method, path, status, duration_ms, _attempt = calls[-1] if calls else ("", "", None, None, None)
        record(
            AuditEvent.Verb.GENERATION,
            user=user,
            object_type="generation",
            object_id=message_id,
            object_repr=f"Reply to {source} message {message_id}",
            location=agent.location,
            agent=agent,
            message=f"Generation kept as #{generation.pk}.",
            http_method=method or "",
            http_path=path or "",
            http_status=status,
            duration_ms=duration_ms,
        )
    return generation


def _another_agent_answered(agent: Agent, remote_agent_id: str) -> str:
    other = Agent.objects.filter(location_id=agent.location_id, hl_id=remote_agent_id).only("name").first()
    name = f"“{other.name}”" if other else f"agent {remote_agent_id}"
    return f"That message was answered by {name}, not by {agent.name}. Look it up from that agent's page."


def export_document(generation: Generation) -> dict:
    """A kept generation as a self-describing JSON document."""
    return {
        "messageId": generation.message_id,
        "source": generation.source,
        "agent": {"id": generation.remote_agent_id, "name": generation.agent_name},
        "location": {"id": generation.location.hl_id, "name": generation.location.name} if generation.location else None,
        "fetchedAt": generation.fetched_at.isoformat(),
        "fetchedBy": generation.fetched_by_label,
        "generation": generation.payload,
    }
