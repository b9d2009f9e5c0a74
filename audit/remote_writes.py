"""Helpers shared by the deletion services: audit a remote write with its HTTP call, mirror an answer."""
import uuid
from agents.credentials import MissingCredentials
from agents.highlevel.errors import HighLevelError
from agents.locks import LocationBusy
from agents.models import Agent
from agents.sync import agent_values
from audit.models import AuditEvent
from audit.services import record


class DeletionError(Exception):
    """A deletion step could not be done; the message says why in a manager's words."""


def lock_owner(job: str) -> str:
    """A write-lease owner unique to this run: the lease lets its owner in again, so two runs of
    the same job (two managers, two purge workers) must not share a name."""
    return f"{job} [{uuid.uuid4().hex[:8]}]"


def describe(exc: Exception) -> str:
    if isinstance(exc, HighLevelError):
        return exc.user_message
    if isinstance(exc, (LocationBusy, DeletionError, MissingCredentials)):
        return str(exc)
    return f"Unexpected error ({type(exc).__name__}); the worker log has the details."


class CallLog:
    """Passed to the client as `on_response`: remembers the last HTTP call, for its audit event."""

    def __init__(self):
        self.last = None

    def __call__(self, method, path, status, duration_ms, attempt):
        self.last = {"http_method": method, "http_path": path[:300], "http_status": status,
                     "duration_ms": int(duration_ms) if duration_ms is not None else None}


def audit_remote_write(calls: CallLog, about: dict, *, user=None, actor_label="", message="", changes=None):
    """A REMOTE_WRITE event for the call just made (or attempted), with its method, path and status."""
    return record(AuditEvent.Verb.REMOTE_WRITE, user=user, actor_label=actor_label, message=message,
                  changes=changes or {}, **about, **(calls.last or {}))


def about_agent(agent: Agent) -> dict:
    return {"object_type": "agent", "object_id": agent.hl_id, "object_repr": agent.name[:300],
            "agent": agent, "location_id": agent.location_id}


def mirror_answer(agent: Agent, answer: dict, *, state: str) -> None:
    """Update the mirror row from HighLevel's answer (quietly: the audit events say what changed)."""
    values = agent_values(answer) if isinstance(answer, dict) and answer.get("id") else {}
    # Write answers may leave out the remote timestamps; keep the ones sync saw rather than blank them.
    values = {field: value for field, value in values.items()
              if value != "" or field not in ("remote_created_at", "remote_updated_at")}
    for field, value in values.items():
        setattr(agent, field, value)
    agent.state = state
    agent.save(update_fields=[*values, "state"])


def still_in_status(request, status: str):
    """Re-read a deletion request under the write lease: another run may have moved it on."""
    fresh = type(request).objects.get(pk=request.pk)
    if fresh.status != status:
        raise DeletionError(f"Someone else acted on this request a moment ago (now {fresh.get_status_display().lower()}).")
    return fresh
