"""Soft delete → review → purge, or restore.

Nothing is destroyed on one click. A deletion request switches the agent off in HighLevel and
keeps a snapshot of everything needed to bring it back; a reviewer approves it (another
person when DELETION_FOUR_EYES is on), which schedules the real DELETE for the end of the
retention window; the purge job sends it. Until the purge, a restore switches the agent back
on; after it, a restore re-creates the agent from the snapshot on the same mirror row, so its
history and template link stay.

Every remote write holds the location's write lease (agents.locks) and is audited with its
HTTP call. Time always comes from django.utils.timezone.now, so tests can move it.
"""
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.credentials import MissingCredentials
from agents.gateway import location_client
from agents.highlevel.errors import HighLevelError, NotFound
from agents.locks import LocationBusy, location_write_lock
from agents.models import Action, Agent
from audit.models import AuditEvent, SoftDelete
from audit.recreate import recreate_from_snapshot
from audit.remote_writes import (
    CallLog, DeletionError, about_agent, audit_remote_write, describe, lock_owner, mirror_answer,
    still_in_status,
)
from audit.services import record
from audit.snapshots import agent_payload, build_snapshot

Status = SoftDelete.Status
PURGE_ACTOR = "purge job"


class DeletionRequestFailed(DeletionError):
    """Some agents of a request could not be soft-deleted. The others were."""

    def __init__(self, requests: list, failures: dict):
        self.requests, self.failures = requests, failures  # failures: {agent: message}
        super().__init__("; ".join(f"{agent.name}: {message}" for agent, message in failures.items()))


def retention() -> timedelta:
    return timedelta(hours=settings.DELETION_RETENTION_HOURS)


# --- Request ---------------------------------------------------------------------------------

def request_deletion(agents, *, reason: str, user) -> list[SoftDelete]:
    """Soft-delete each agent: snapshot, switch off remotely, mark pending deletion.

    Requests made together share a batch id. An agent that fails gets no record; when any
    fails, DeletionRequestFailed names each failure and carries the requests that were made.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DeletionError("A reason is required to delete an agent.")
    batch_id = uuid.uuid4()
    made, failures = [], {}
    for agent in agents:
        try:
            made.append(_soft_delete(agent, reason=reason, user=user, batch_id=batch_id))
        except (HighLevelError, LocationBusy, DeletionError, MissingCredentials) as exc:  # one failure never stops the others
            failures[agent] = describe(exc)
    if failures:
        raise DeletionRequestFailed(made, failures)
    return made


def _soft_delete(agent: Agent, *, reason: str, user, batch_id) -> SoftDelete:
    calls = CallLog()
    with location_write_lock(agent.location_id, lock_owner(f"soft delete of agent {agent.pk}")):
        # Read under the lease: two managers deleting the same agent at once delete it once.
        agent = Agent.objects.select_related("location").get(pk=agent.pk)
        if agent.state != Agent.State.ACTIVE:
            raise DeletionError(f"The agent is {agent.get_state_display().lower()}; only an active agent can be deleted.")
        client = location_client(agent.location, on_response=calls)
        remote = client.get_agent(agent.hl_id)
        snapshot = build_snapshot(remote, client.list_actions(agent.hl_id))
        off = {"mode": "off", "autoPilotMaxMessages": agent_payload(snapshot)["autoPilotMaxMessages"]}
        try:
            answer = client.update_agent(agent.hl_id, off)
        except HighLevelError as exc:
            audit_remote_write(calls, about_agent(agent), user=user, message=f"Switching the agent off failed: {exc.user_message}")
            raise
        with transaction.atomic():
            request = SoftDelete.objects.create(
                agent=agent, location_id=agent.location_id, agent_name=agent.name, remote_agent_id=agent.hl_id,
                snapshot=snapshot, reason=reason, requested_by=user, requested_by_label=user.get_username(),
                requested_at=timezone.now(), batch_id=batch_id,
            )
            audit_remote_write(calls, about_agent(agent), user=user, changes={"mode": [snapshot["previousMode"], "off"]},
                         message="Switched off for deletion.")
            mirror_answer(agent, answer, state=Agent.State.PENDING_DELETION)
            record(AuditEvent.Verb.SOFT_DELETED, user=user, message=f"Reason: {reason}", **about_agent(agent))
    return request


# --- Review ----------------------------------------------------------------------------------

def approve(requests, *, user) -> list[SoftDelete]:
    """Approve pending requests and schedule each purge for the end of the retention window.

    All or nothing: when any request may not be approved by this user (four eyes) or is no
    longer pending, DeletionError says which and nothing changes.
    """
    requests = list(requests)
    problems = []
    for request in requests:
        if request.status != Status.PENDING:
            problems.append(f"{request.agent_name} is no longer pending ({request.get_status_display().lower()})")
        elif settings.DELETION_FOUR_EYES and request.requested_by_id == user.pk:
            problems.append(f"{request.agent_name}: you asked for this deletion, so another person must approve it")
    if problems:
        raise DeletionError("Not approved: " + "; ".join(problems) + ".")
    now = timezone.now()
    purge_after = now + retention()
    with transaction.atomic():
        # Conditional: two reviewers clicking at once approve once.
        approved = SoftDelete.objects.filter(pk__in=[r.pk for r in requests], status=Status.PENDING).update(
            status=Status.APPROVED, reviewed_by=user, reviewed_at=now, purge_after=purge_after)
        if approved != len(requests):
            transaction.set_rollback(True)
            raise DeletionError("Someone else reviewed these requests a moment ago; reload the page.")
        for request in requests:
            record(AuditEvent.Verb.APPROVED, user=user, object_type="agent", object_id=request.remote_agent_id,
                   object_repr=request.agent_name, agent_id=request.agent_id, location_id=request.location_id,
                   message=f"Deletion approved; purge scheduled after {purge_after:%Y-%m-%d %H:%M} UTC.")
    for request in requests:
        request.refresh_from_db()
    return requests


def reject(requests, *, user) -> list[SoftDelete]:
    """Reject pending requests: each agent goes back to its previous mode and settings."""
    requests = list(requests)
    if any(r.status != Status.PENDING for r in requests):
        raise DeletionError("Only pending requests can be rejected; reload the page.")
    failures = {}
    for request in requests:
        try:
            restore(request, user=user)
        except DeletionError as exc:
            failures[request.agent_name] = str(exc)
    if failures:
        raise DeletionError("Not restored: " + "; ".join(f"{name}: {why}" for name, why in failures.items()))
    return requests


# --- Purge -----------------------------------------------------------------------------------

def purge_due(now=None) -> dict:
    """Send the real DELETE for approved requests past their window. Failures are retried next run.

    Returns counts: {"purged", "failed", "busy" (location being written: next run), "skipped" (restored meanwhile)}.
    """
    now = now or timezone.now()
    due = (SoftDelete.objects.filter(status__in=[Status.APPROVED, Status.PURGE_FAILED], purge_after__lte=now)
           .select_related("agent", "location").order_by("purge_after", "pk"))
    counts = {"purged": 0, "failed": 0, "busy": 0, "skipped": 0}
    for request in due:
        outcome = _purge(request, now)
        counts[outcome] += 1
    return counts


def _purge(request: SoftDelete, now) -> str:
    calls = CallLog()
    about = {"object_type": "agent", "object_id": request.remote_agent_id, "object_repr": request.agent_name,
             "agent_id": request.agent_id, "location_id": request.location_id}
    try:
        with location_write_lock(request.location_id, lock_owner(f"purge of deletion {request.pk}")):
            # Re-read under the lease: a restore may have won the race.
            if not SoftDelete.objects.filter(pk=request.pk, status__in=[Status.APPROVED, Status.PURGE_FAILED]).exists():
                return "skipped"
            client = location_client(request.location, on_response=calls)
            try:
                client.delete_agent(request.remote_agent_id)
                note = "Deleted in HighLevel (permanent)."
            except NotFound:
                note = "Already gone from HighLevel; nothing left to delete."
    except LocationBusy as exc:
        SoftDelete.objects.filter(pk=request.pk).update(last_error=f"Waiting: {exc}")
        return "busy"
    except (HighLevelError, MissingCredentials) as exc:
        message = describe(exc)
        SoftDelete.objects.filter(pk=request.pk).update(
            status=Status.PURGE_FAILED, purge_attempts=request.purge_attempts + 1, last_error=message)
        audit_remote_write(calls, about, actor_label=PURGE_ACTOR, message=f"Purge failed (will retry): {message}")
        return "failed"
    with transaction.atomic():
        SoftDelete.objects.filter(pk=request.pk).update(
            status=Status.PURGED, purged_at=timezone.now(), purge_attempts=request.purge_attempts + 1, last_error="")
        if request.agent_id:
            Agent.objects.filter(pk=request.agent_id).update(state=Agent.State.PURGED)
            Action.objects.filter(agent_id=request.agent_id).update(state=Action.State.GONE)
        audit_remote_write(calls, about, actor_label=PURGE_ACTOR, message=note)
        record(AuditEvent.Verb.PURGED, actor_label=PURGE_ACTOR, message="The snapshot is kept for a restore.", **about)
    return "purged"


# --- Restore ---------------------------------------------------------------------------------

def restore(request: SoftDelete, *, user) -> SoftDelete:
    """Bring the agent back: switched on again if only soft-deleted, re-created if purged."""
    request = SoftDelete.objects.select_related("agent", "location").get(pk=request.pk)
    if request.agent is None or request.location is None:
        raise DeletionError("The agent or its location no longer exists in the back office.")
    try:
        if request.is_soft_deleted:
            _switch_back_on(request, user)
        elif request.status == Status.PURGED:
            recreate_from_snapshot(request, user)
        else:
            raise DeletionError(f"This request is {request.get_status_display().lower()}; there is nothing to restore.")
    except (HighLevelError, LocationBusy, MissingCredentials) as exc:
        SoftDelete.objects.filter(pk=request.pk).update(last_error=describe(exc))
        raise DeletionError(describe(exc)) from None
    request.refresh_from_db()
    return request


def _switch_back_on(request: SoftDelete, user) -> None:
    agent = request.agent
    calls = CallLog()
    payload = agent_payload(request.snapshot)
    with location_write_lock(request.location_id, lock_owner(f"restore of deletion {request.pk}")):
        still_in_status(request, request.status)
        client = location_client(request.location, on_response=calls)
        try:
            answer = client.update_agent(agent.hl_id, payload)
        except HighLevelError as exc:
            audit_remote_write(calls, about_agent(agent), user=user, message=f"Restoring the agent failed: {exc.user_message}")
            raise
        now = timezone.now()
        with transaction.atomic():
            rejected = request.status == Status.PENDING
            SoftDelete.objects.filter(pk=request.pk).update(
                status=Status.REJECTED, restored_by=user, restored_at=now, last_error="",
                **({"reviewed_by": user, "reviewed_at": now} if rejected else {}))
            audit_remote_write(calls, about_agent(agent), user=user, changes={"mode": ["off", payload.get("mode", "off")]},
                         message="Switched back to its previous mode and settings.")
            mirror_answer(agent, answer, state=Agent.State.ACTIVE)
            why = "Deletion rejected" if rejected else "Deletion undone before the purge"
            record(AuditEvent.Verb.RESTORED, user=user, message=f"{why}; the agent is back in mode {payload.get('mode')}.",
                   **about_agent(agent))
